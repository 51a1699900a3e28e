//! Read models and queries that cross to the front ends (Tauri IPC, CLI JSON). Their TypeScript
//! twins are generated from these definitions; the JSON shape is the CLI's stable output.

use crate::{
    ChannelKind, HoldReason, LineQuantities, LocationKind, MovementKind, OrderStatus, PaymentStatus,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrderSort {
    #[default]
    PlacedAt,
    GrandTotal,
    OrderNumber,
    Priority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SortDir {
    Asc,
    #[default]
    Desc,
}

/// Filters, sort and page position of an order list. Every field is optional except sort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct OrderQuery {
    pub status: Option<OrderStatus>,
    #[ts(type = "number | null")]
    pub connection_id: Option<i64>,
    /// Inclusive lower bound, epoch ms UTC.
    #[ts(type = "number | null")]
    pub placed_from: Option<i64>,
    /// Exclusive upper bound, epoch ms UTC.
    #[ts(type = "number | null")]
    pub placed_to: Option<i64>,
    pub country: Option<String>,
    pub payment_status: Option<PaymentStatus>,
    pub tag: Option<String>,
    /// Search-as-you-type text: every word must prefix-match the search index.
    pub search: Option<String>,
    pub sort: OrderSort,
    pub dir: SortDir,
    /// Opaque keyset cursor returned as `next_cursor` by the previous page.
    pub cursor: Option<String>,
    pub limit: u32,
}

impl Default for OrderQuery {
    fn default() -> Self {
        Self {
            status: None,
            connection_id: None,
            placed_from: None,
            placed_to: None,
            country: None,
            payment_status: None,
            tag: None,
            search: None,
            sort: OrderSort::PlacedAt,
            dir: SortDir::Desc,
            cursor: None,
            limit: 100,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrderRow {
    #[ts(type = "number")]
    pub id: i64,
    pub order_number: String,
    pub channel: ChannelKind,
    pub connection_name: String,
    #[ts(type = "number")]
    pub placed_at: i64,
    pub customer_name: String,
    pub email: Option<String>,
    pub ship_country: Option<String>,
    pub currency: String,
    #[ts(type = "number")]
    pub grand_total: i64,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub priority: i32,
    pub tags: Vec<String>,
    #[ts(type = "number")]
    pub item_count: i64,
    #[ts(type = "number | null")]
    pub ship_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrderPage {
    pub rows: Vec<OrderRow>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatusCount {
    pub status: OrderStatus,
    #[ts(type = "number")]
    pub count: i64,
}

/// An address as shown (the stored form of the domain `Address`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AddressView {
    pub name: String,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrderLineView {
    pub line_no: i32,
    pub sku: String,
    pub title: String,
    #[ts(type = "number")]
    pub quantity: i64,
    #[ts(type = "number")]
    pub unit_price: i64,
    #[ts(type = "number")]
    pub line_total: i64,
    pub quantities: LineQuantities,
    /// The order this line was bought on, when it came here by a merge.
    pub origin_order_number: Option<String>,
    /// Where the line's units are reserved.
    pub reservations: Vec<ReservationView>,
    /// For backordered lines: stock expected at locations (incoming units and when).
    pub expected: Vec<ExpectedStock>,
    /// The product's release date: a pre-order until then.
    #[ts(type = "number | null")]
    pub release_at: Option<i64>,
    /// For a pre-order line: whether the expected receipts cover it, counting the pre-orders
    /// ahead of it in the queue (priority, then placed time).
    pub preorder_covered: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReservationView {
    #[ts(type = "number")]
    pub location_id: i64,
    pub location_name: String,
    #[ts(type = "number")]
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExpectedStock {
    pub location_name: String,
    #[ts(type = "number")]
    pub incoming: i64,
    #[ts(type = "number | null")]
    pub expected_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HoldView {
    #[ts(type = "number")]
    pub id: i64,
    pub reason: HoldReason,
    /// The check or rule that raised it ("postal_code", "risk", "manual" …).
    pub check: String,
    pub message: String,
    #[ts(type = "number")]
    pub placed_at: i64,
    pub placed_by: String,
    #[ts(type = "number | null")]
    pub released_at: Option<i64>,
    pub released_by: Option<String>,
    pub release_comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TimelineEventView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub at: i64,
    pub kind: String,
    pub actor: String,
    pub summary: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OrderDetail {
    pub order: OrderRow,
    pub external_id: String,
    pub phone: Option<String>,
    #[ts(type = "number")]
    pub subtotal: i64,
    #[ts(type = "number")]
    pub shipping_total: i64,
    #[ts(type = "number")]
    pub tax_total: i64,
    #[ts(type = "number")]
    pub discount_total: i64,
    pub shipping_service: Option<String>,
    pub ship_to: Option<AddressView>,
    pub bill_to: Option<AddressView>,
    pub lines: Vec<OrderLineView>,
    /// Open holds first, then released ones, newest first.
    pub holds: Vec<HoldView>,
    pub risk_score: Option<i32>,
    /// Set when this order was merged into another.
    pub merged_into: Option<OrderRef>,
    /// Orders merged into this one; each keeps its channel reference.
    pub merged_from: Vec<OrderRef>,
    /// The order this one replaces items of (an exchange).
    pub exchange_of: Option<OrderRef>,
    /// Exchange orders made for items of this one.
    pub exchanges: Vec<OrderRef>,
    /// The customer (matched by e-mail), for the customer page.
    #[ts(type = "number | null")]
    pub customer_id: Option<i64>,
    /// The current routing decision, when the routing rules placed this order.
    pub routing: Option<RoutingView>,
    /// Buy online, pick up in store: the store and where the order stands there.
    pub pickup: Option<PickupInfo>,
    /// What drop-ship suppliers or 3PLs were asked to ship, oldest first.
    pub handoffs: Vec<HandoffView>,
    /// Newest first.
    pub timeline: Vec<TimelineEventView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrderRef {
    #[ts(type = "number")]
    pub id: i64,
    pub order_number: String,
    pub external_id: String,
    pub connection_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConnectionView {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DayCount {
    /// YYYY-MM-DD, UTC.
    pub day: String,
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    OnHold,
    LateToShip,
    Backordered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExceptionRow {
    pub kind: ExceptionKind,
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    pub customer_name: String,
    /// When the exception began: placed-at for holds, ship-by for late orders.
    #[ts(type = "number")]
    pub since: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Dashboard {
    pub counts: Vec<StatusCount>,
    #[ts(type = "number")]
    pub total: i64,
    pub per_day: Vec<DayCount>,
    pub exceptions: Vec<ExceptionRow>,
    #[ts(type = "number")]
    pub on_hold: i64,
    #[ts(type = "number")]
    pub late_to_ship: i64,
    #[ts(type = "number")]
    pub backordered: i64,
    /// Orders waiting for the pipeline, counted up to 10,001 (above 10,000 the UI says "10,000+").
    #[ts(type = "number")]
    pub unprocessed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SavedView {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub query: OrderQuery,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LocationView {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: LocationKind,
    pub name: String,
    pub address: Option<AddressView>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub active: bool,
    pub routing: LocationRouting,
}

/// What a location offers the routing rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct LocationRouting {
    /// Higher is preferred by the "location priority" ranking.
    pub priority: i32,
    /// ISO country codes it ships to; empty: everywhere.
    pub ships_to: Vec<String>,
    /// Orders per UTC day; None: no limit.
    pub capacity_orders: Option<u32>,
    /// Units per UTC day; None: no limit.
    pub capacity_units: Option<u32>,
    /// Minutes after 00:00 UTC after which today's capacity is closed.
    pub cutoff_minute_utc: Option<u32>,
}

/// One location the routing rules looked at for an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RouteCandidateView {
    #[ts(type = "number")]
    pub location_id: i64,
    pub name: String,
    /// The rule that removed it (e.g. "capacity_left"), and why in words.
    pub rejected_by: Option<String>,
    pub reason: Option<String>,
    /// The ranking values it was compared by, e.g. ("nearest", 212.4).
    pub values: Vec<(String, f64)>,
    pub chosen: bool,
}

/// A routing decision as the order detail shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RoutingView {
    #[ts(type = "number")]
    pub at: i64,
    pub strategy: String,
    pub explanation: String,
    /// How precisely the ship-to address was located: postal_code, city, region, country, unknown.
    pub precision: String,
    pub distance_km: Option<f64>,
    /// Estimated shipping cost of the used locations, from the rate table (in `cost_currency`).
    #[ts(type = "number | null")]
    pub cost_minor: Option<i64>,
    pub cost_currency: Option<String>,
    /// Longest estimated transit of the used locations.
    pub transit_days: Option<u32>,
    /// The rule that chose the winner (a ranking, or e.g. "only_candidate").
    pub winner_rule: Option<String>,
    pub shipments: u32,
    /// The location it waits for when that one is full and the rule says wait.
    pub waits_for: Option<String>,
    pub candidates: Vec<RouteCandidateView>,
    /// Earlier decisions for this order, newest first (explanation only).
    pub earlier: Vec<String>,
}

/// One SKU at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InventoryRow {
    #[ts(type = "number")]
    pub product_id: i64,
    pub sku: String,
    pub title: String,
    #[ts(type = "number")]
    pub location_id: i64,
    pub location_name: String,
    #[ts(type = "number")]
    pub on_hand: i64,
    #[ts(type = "number")]
    pub reserved: i64,
    /// on_hand − reserved.
    #[ts(type = "number")]
    pub available: i64,
    #[ts(type = "number")]
    pub safety_stock: i64,
    #[ts(type = "number")]
    pub incoming: i64,
    #[ts(type = "number | null")]
    pub incoming_at: Option<i64>,
    /// Units of this SKU waiting on backordered lines (all locations).
    #[ts(type = "number")]
    pub backordered: i64,
    /// available ≤ safety stock.
    pub low: bool,
    pub allow_backorder: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct InventoryQuery {
    /// SKU or title prefix.
    pub search: Option<String>,
    #[ts(type = "number | null")]
    pub location_id: Option<i64>,
    pub low_only: bool,
    /// Opaque cursor from the previous page.
    pub cursor: Option<String>,
    pub limit: u32,
}

impl Default for InventoryQuery {
    fn default() -> Self {
        Self {
            search: None,
            location_id: None,
            low_only: false,
            cursor: None,
            limit: 200,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InventoryPage {
    pub rows: Vec<InventoryRow>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MovementView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub at: i64,
    pub kind: MovementKind,
    /// Signed change to on-hand.
    #[ts(type = "number")]
    pub on_hand_change: i64,
    /// Signed change to reserved.
    #[ts(type = "number")]
    pub reserved_change: i64,
    #[ts(type = "number | null")]
    pub order_id: Option<i64>,
    pub order_number: Option<String>,
    pub reason: Option<String>,
    pub actor: Option<String>,
}

/// An order in the review queue: on hold, with its open holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReviewRow {
    pub order: OrderRow,
    pub holds: Vec<HoldView>,
    pub risk_score: Option<i32>,
}

/// What one run of the pipeline did to one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProcessOutcome {
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    pub status: OrderStatus,
    pub findings: Vec<String>,
    pub risk_score: i32,
    pub priority: i32,
    #[ts(type = "number")]
    pub reserved_units: i64,
    #[ts(type = "number")]
    pub backordered_units: i64,
    /// Set when the order was merged into another by this run.
    #[ts(type = "number | null")]
    pub merged_into: Option<i64>,
    /// Whether anything changed (a second run with nothing new changes nothing).
    pub changed: bool,
    /// Why the order was not processed (already shipped, cancelled, merged …).
    pub skipped: Option<String>,
}

/// The result of a bulk action over many orders.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct BulkResult {
    #[ts(type = "number")]
    pub requested: u64,
    #[ts(type = "number")]
    pub changed: u64,
    #[ts(type = "number")]
    pub unchanged: u64,
    /// Orders the action could not apply to, each with the reason (at most 200 listed).
    pub failed: Vec<BulkFailure>,
    #[ts(type = "number")]
    pub failed_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BulkFailure {
    #[ts(type = "number")]
    pub order_id: i64,
    pub message: String,
}

/// Formats a UTC day number (days since 1970-01-01) as YYYY-MM-DD (civil-from-days algorithm).
pub fn day_to_iso(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// Inverse of `day_to_iso`'s day number: days since 1970-01-01 for a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_days() {
        assert_eq!(day_to_iso(0), "1970-01-01");
        assert_eq!(day_to_iso(20_454), "2026-01-01");
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }

    proptest! {
        #[test]
        fn civil_round_trip(day in -100_000i64..100_000) {
            let s = day_to_iso(day);
            let y: i64 = s[..s.len()-6].parse().expect("year");
            let m: u32 = s[s.len()-5..s.len()-3].parse().expect("month");
            let d: u32 = s[s.len()-2..].parse().expect("day");
            prop_assert_eq!(days_from_civil(y, m, d), day);
        }
    }
}

/// One shipping rate of the rate table: from a location to a zone (country, postal prefix or
/// everywhere else), up to a weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShippingRateView {
    #[ts(type = "number")]
    pub location_id: i64,
    pub location_name: String,
    /// ISO country code, or "*" for every other destination.
    pub country: String,
    /// Postal codes starting with this; empty: the whole country.
    pub postal_prefix: String,
    pub max_weight_g: Option<u32>,
    #[ts(type = "number")]
    pub cost_minor: i64,
    pub currency: String,
    pub transit_days: u32,
}

/// Where a buy-online-pick-up-in-store order stands at its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PickupState {
    /// Not every unit is reserved at the store yet (on hold, backordered, waiting).
    Waiting,
    /// Reserved at the store: to be picked and set aside.
    ToPrepare,
    /// Set aside; the customer was told it is ready.
    Ready,
    PickedUp,
}

/// One order in a store's pickup queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PickupRow {
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    pub customer_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: OrderStatus,
    pub state: PickupState,
    #[ts(type = "number")]
    pub placed_at: i64,
    /// When it became ready, or was picked up.
    #[ts(type = "number | null")]
    pub since: Option<i64>,
    #[ts(type = "number")]
    pub units: i64,
}

/// What a drop-ship supplier or 3PL was asked to ship for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HandoffView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    #[ts(type = "number")]
    pub location_id: i64,
    pub location_name: String,
    /// purchase_order (drop-ship) or fulfilment_request (3PL).
    pub kind: String,
    /// pending, sent, confirmed, shipped, cancelled.
    pub status: String,
    /// The request as written out (JSON).
    pub document: String,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number | null")]
    pub sent_at: Option<i64>,
    #[ts(type = "number | null")]
    pub confirmed_at: Option<i64>,
    pub supplier_ref: Option<String>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    #[ts(type = "number")]
    pub units: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PickupInfo {
    #[ts(type = "number")]
    pub location_id: i64,
    pub location_name: String,
    pub state: PickupState,
    #[ts(type = "number | null")]
    pub since: Option<i64>,
}
