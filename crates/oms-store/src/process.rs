//! The pipeline over a set of orders, set-based: the facts of every order in the set are read
//! with a handful of statements, the engine's rules decide for each order in turn (in the
//! order given, which is the queue's priority order) against stock tracked in memory, and
//! everything decided — holds, releases, priority, risk score, reservations, ledger rows, stock
//! levels, line quantities, status and timeline events — is written with a few multi-row
//! statements. A set of one is how a single order is processed; there is no second code path.
//!
//! Why set-based: every statement through sqlx costs a round trip to SQLite's worker thread,
//! which on two cores costs more than SQLite's own work (measured with perf: ≈55% of the time in
//! thread wake-ups at ≈30 statements per order). A set now runs on the connection's handle on
//! the calling thread (`raw.rs`, `decide_set`). Stock checks stay in the same transaction, and
//! the database's triggers still refuse an oversell.

use crate::inventory::Move;
use crate::pipeline::{merge_into, parse_status, Run};
use crate::{dialect, now_ms, StoreError};
use oms_domain::*;
use oms_engine::route::{
    route, GeoPoint, Precision, RouteDecision, RouteLine, RouteLocation, RouteOrder,
    RoutingSettings,
};
use oms_engine::*;
use sqlx::{Sqlite, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};

pub(crate) const RULE_ACTOR: &str = "rule:pipeline";
const WEEK: i64 = 7 * 86_400_000;
const OPEN_STATUSES: &str = "('pending', 'on_hold', 'ready', 'backordered')";

struct Line {
    line_no: u32,
    product_id: i64,
    sku: String,
    allow_backorder: bool,
    /// The product's release date (a pre-order until then).
    release_at: Option<i64>,
    q: LineQuantities,
    before: LineQuantities,
}

impl Line {
    fn preorder(&self, now: i64) -> bool {
        self.release_at.is_some_and(|r| r > now)
    }
}

struct Loaded {
    facts: OrderFacts,
    status: OrderStatus,
    customer_id: Option<i64>,
    priority: i32,
    priority_manual: Option<i32>,
    risk_score: Option<i32>,
    first_run: bool,
    address_key: Option<String>,
    merge_possible: bool,
    /// Buy online, pick up in store: reserve at this location only.
    pickup_location: Option<i64>,
    lines: Vec<Line>,
}

#[derive(Clone)]
struct Hold {
    /// None for a hold placed in this run (not written yet).
    id: Option<i64>,
    reason: String,
    check: String,
    by_rule: bool,
    open: bool,
    released_by_person: bool,
}

/// One row of the set's read, as SQLite's `json_array` built it: the read returns one row
/// whose columns are JSON arrays of rows, because every row fetched is a message (and a
/// thread wake-up) from SQLite's thread — ≈60 per set before, one now.
pub(crate) struct JRow<'a>(pub(crate) &'a [serde_json::Value]);

impl JRow<'_> {
    pub(crate) fn try_get<T: serde::de::DeserializeOwned>(
        &self,
        i: usize,
    ) -> Result<T, StoreError> {
        let v = self
            .0
            .get(i)
            .ok_or_else(|| StoreError::Invalid(format!("stored row without column {i}")))?;
        T::deserialize(v)
            .map_err(|e| StoreError::Invalid(format!("stored value in column {i}: {e}")))
    }
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// The set's orders with the context the rules need from other orders (each count stops as
/// soon as it is large enough to matter). Parameters: $1 the ids, $2 the velocity window, $3
/// its cap.
fn orders_sql() -> String {
    format!(
        "SELECT json_group_array(json_array(o.id, o.order_number, o.status, c.kind, o.placed_at, o.currency, o.grand_total, o.shipping_total, o.tax_total, \
         o.discount_total, o.payment_status, cu.email, o.customer_id, o.customer_name, o.ship_name, o.ship_line1, o.ship_line2, \
         o.ship_city, o.ship_region, o.ship_postal, o.ship_country, o.bill_to, o.shipping_service, o.ship_by, o.tags, \
         COALESCE(cu.tags, ''), o.priority, o.priority_manual, o.risk_score, o.processed_at, \
         CASE WHEN o.customer_id IS NULL THEN 0 ELSE EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id \
           AND p.placed_at < o.placed_at AND p.id <> o.id) END, \
         CASE WHEN o.customer_id IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id \
           AND p.placed_at BETWEEN o.placed_at - $2 AND o.placed_at AND p.id <> o.id LIMIT $3) AS w) END, \
         CASE WHEN o.ship_postal IS NULL OR o.ship_line1 IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM (SELECT 1 FROM orders p \
           WHERE p.ship_postal = o.ship_postal AND p.placed_at BETWEEN o.placed_at - $2 AND o.placed_at \
           AND p.ship_line1 = o.ship_line1 AND p.id <> o.id LIMIT $3) AS w) END, \
         (SELECT MIN(p.id) FROM orders p WHERE p.order_number = o.order_number AND p.connection_id = o.connection_id \
           AND p.id <> o.id AND p.status <> 'merged'), \
         CASE WHEN o.customer_id IS NULL THEN 0 ELSE EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id \
           AND p.id < o.id AND p.placed_at BETWEEN o.placed_at - {WEEK} AND o.placed_at AND p.status IN {OPEN_STATUSES} \
           AND p.merged_into IS NULL) END, o.pickup_location_id)) FROM orders o JOIN connections c ON c.id = o.connection_id LEFT JOIN customers cu ON cu.id = o.customer_id \
         WHERE {}",
        dialect::in_id_list("o.id", 1)
    )
}

/// The set's lines ($1 the ids).
fn lines_sql() -> String {
    format!(
        "SELECT json_group_array(json_array(l.order_id, l.line_no, p.sku, l.quantity, l.unit_price, p.catalogued, p.active, l.product_id, l.reserved, \
         l.backordered, l.shipped, l.cancelled, l.returned, p.allow_backorder, p.release_at)) FROM order_lines l JOIN products p ON p.id = l.product_id \
         WHERE {}",
        dialect::in_id_list("l.order_id", 1)
    )
}

fn parse_loaded(
    rows: &[JRow<'_>],
    line_rows: &[JRow<'_>],
) -> Result<HashMap<i64, Loaded>, StoreError> {
    let mut lines: HashMap<i64, (Vec<Line>, Vec<LineFacts>)> = HashMap::new();
    for l in line_rows {
        let q = LineQuantities {
            ordered: u32_of(l.try_get(3)?),
            reserved: u32_of(l.try_get(8)?),
            backordered: u32_of(l.try_get(9)?),
            shipped: u32_of(l.try_get(10)?),
            cancelled: u32_of(l.try_get(11)?),
            returned: u32_of(l.try_get(12)?),
        };
        let line_no = u32_of(l.try_get(1)?);
        let sku: String = l.try_get(2)?;
        let e = lines.entry(l.try_get(0)?).or_default();
        e.1.push(LineFacts {
            line_no,
            sku: sku.clone(),
            quantity: q.ordered,
            unit_price: l.try_get(4)?,
            catalogued: l.try_get::<i64>(5)? != 0,
            active: l.try_get::<i64>(6)? != 0,
        });
        e.0.push(Line {
            line_no,
            product_id: l.try_get(7)?,
            sku,
            allow_backorder: l.try_get::<i64>(13)? != 0,
            release_at: l.try_get(14)?,
            q,
            before: q,
        });
    }
    // json_group_array keeps no order: lines go by their number.
    for (ls, fs) in lines.values_mut() {
        ls.sort_by_key(|l| l.line_no);
        fs.sort_by_key(|f| f.line_no);
    }
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let status = parse_status(&r.try_get::<String>(2)?)?;
        let payment_status = PaymentStatus::parse(&r.try_get::<String>(10)?)
            .map_err(|e| StoreError::Invalid(format!("stored value: {e}")))?;
        let customer_name: String = r.try_get(13)?;
        let country: Option<String> = r.try_get(20)?;
        let line1: Option<String> = r.try_get(15)?;
        let ship_to = match (country, line1) {
            (Some(country), Some(line1)) => Some(AddressFacts {
                name: r
                    .try_get::<Option<String>>(14)?
                    .unwrap_or_else(|| customer_name.clone()),
                line1,
                line2: r.try_get(16)?,
                city: r.try_get::<Option<String>>(17)?.unwrap_or_default(),
                region: r.try_get(18)?,
                postal_code: r.try_get(19)?,
                country,
            }),
            _ => None,
        };
        let bill_country = r
            .try_get::<Option<String>>(21)?
            .and_then(|j| serde_json::from_str::<AddressView>(&j).ok())
            .map(|a| a.country);
        let mut tags: Vec<String> = r
            .try_get::<String>(24)?
            .split_whitespace()
            .chain(r.try_get::<String>(25)?.split_whitespace())
            .map(str::to_lowercase)
            .collect();
        tags.dedup();
        let customer_id: Option<i64> = r.try_get(12)?;
        let ctx = OrderContext {
            customer_prior_orders: u32_of(r.try_get(30)?),
            recent_same_email: u32_of(r.try_get(31)?),
            recent_same_address: if ship_to.as_ref().is_some_and(|a| a.postal_code.is_some()) {
                u32_of(r.try_get(32)?)
            } else {
                0
            },
            duplicate_of: r.try_get::<Option<i64>>(33)?.map(|d| d.to_string()),
        };
        let (order_lines, line_facts) = lines.remove(&id).unwrap_or_default();
        let address_key = ship_to.as_ref().map(AddressFacts::key);
        out.insert(
            id,
            Loaded {
                facts: OrderFacts {
                    order_id: id,
                    channel: r.try_get(3)?,
                    order_number: r.try_get(1)?,
                    placed_at: r.try_get(4)?,
                    currency: r.try_get(5)?,
                    grand_total: r.try_get(6)?,
                    shipping_total: r.try_get(7)?,
                    tax_total: r.try_get(8)?,
                    discount_total: r.try_get(9)?,
                    payment_status,
                    email: r.try_get(11)?,
                    ship_to,
                    bill_country,
                    shipping_service: r.try_get(22)?,
                    ship_by: r.try_get(23)?,
                    tags,
                    lines: line_facts,
                    context: ctx,
                },
                status,
                customer_id,
                priority: r.try_get(26)?,
                priority_manual: r.try_get(27)?,
                risk_score: r.try_get(28)?,
                first_run: r.try_get::<Option<i64>>(29)?.is_none(),
                address_key,
                merge_possible: r.try_get::<i64>(34)? != 0,
                pickup_location: r.try_get(35)?,
                lines: order_lines,
            },
        );
    }
    Ok(out)
}

/// The set's holds ($1 the ids).
fn holds_sql() -> String {
    format!(
        "SELECT json_group_array(json_array(order_id, id, check_code, placed_by, released_at IS NULL, COALESCE(released_by, ''), reason)) \
         FROM (SELECT * FROM order_holds WHERE {} ORDER BY id)",
        dialect::in_id_list("order_id", 1)
    )
}

fn parse_holds(rows: &[JRow<'_>]) -> Result<HashMap<i64, Vec<Hold>>, StoreError> {
    let mut out: HashMap<i64, Vec<Hold>> = HashMap::new();
    for r in rows {
        let open = r.try_get::<i64>(4)? != 0;
        let released_by: String = r.try_get(5)?;
        out.entry(r.try_get(0)?).or_default().push(Hold {
            id: Some(r.try_get(1)?),
            reason: r.try_get(6)?,
            check: r.try_get(2)?,
            by_rule: r.try_get::<String>(3)?.starts_with("rule:"),
            open,
            released_by_person: !open && !released_by.starts_with("rule:"),
        });
    }
    Ok(out)
}

/// The oldest other open order of the same customer to the same address that nothing is
/// reserved for yet.
fn merge_partner(
    c: &rusqlite::Connection,
    o: &Loaded,
) -> Result<Option<(i64, String)>, StoreError> {
    let (Some(customer), Some(key)) = (o.customer_id, &o.address_key) else {
        return Ok(None);
    };
    if !o.merge_possible || o.lines.iter().any(|l| l.q.reserved > 0 || l.q.shipped > 0) {
        return Ok(None);
    }
    let mut st = c.prepare_cached(&format!(
        "SELECT o.id, o.order_number, COALESCE(o.ship_name, o.customer_name), o.ship_line1, o.ship_line2, o.ship_city, o.ship_postal, o.ship_country \
         FROM orders o WHERE o.customer_id = ?1 AND o.id <> ?2 AND o.placed_at BETWEEN ?3 AND ?4 AND o.currency = ?5 \
         AND o.status IN {OPEN_STATUSES} AND o.merged_into IS NULL \
         AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = o.id AND r.status = 'open') \
         AND NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.shipped > 0) \
         ORDER BY o.placed_at, o.id LIMIT 20"
    ))?;
    let mut rows = st.query(rusqlite::params![
        customer,
        o.facts.order_id,
        o.facts.placed_at - WEEK,
        o.facts.placed_at,
        o.facts.currency.as_str(),
    ])?;
    while let Some(r) = rows.next()? {
        let other_id: i64 = r.get(0)?;
        let a = AddressFacts {
            name: r.get(2)?,
            line1: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            line2: r.get(4)?,
            city: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
            region: None,
            postal_code: r.get(6)?,
            country: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        };
        // The older order is the one the other merges into: only the newer proposes.
        if a.key() == *key && other_id < o.facts.order_id {
            return Ok(Some((other_id, r.get(1)?)));
        }
    }
    Ok(None)
}

/// Stock levels of the set's products at every location: (on hand, reserved), whether the
/// location takes reservations, and whether the product allows backorders.
#[derive(Default)]
struct Levels {
    at: BTreeMap<(i64, i64), (i64, i64, bool)>,
}

/// Stock levels of every product on the set's lines ($1 the ids), one row per product with its
/// locations packed into text: with 20 locations a row per level was hundreds of rows per set,
/// and every row is a message from SQLite's thread.
fn levels_sql() -> String {
    format!(
        "SELECT json_group_array(json_array(il.product_id, il.location_id, il.on_hand, il.reserved, l.active)) \
         FROM inventory_levels il JOIN locations l ON l.id = il.location_id WHERE il.product_id IN \
         (SELECT DISTINCT product_id FROM order_lines WHERE {})",
        dialect::in_id_list("order_id", 1)
    )
}

fn parse_levels(rows: &[JRow<'_>]) -> Result<Levels, StoreError> {
    let mut lv = Levels::default();
    for r in rows {
        lv.at.insert(
            (r.try_get(0)?, r.try_get(1)?),
            (r.try_get(2)?, r.try_get(3)?, r.try_get::<i64>(4)? != 0),
        );
    }
    Ok(lv)
}

pub(crate) fn parse_locations(rows: &[JRow<'_>]) -> Result<Vec<RouteLocation>, StoreError> {
    let mut locations = Vec::with_capacity(rows.len());
    let u = |v: Option<i64>| v.map(|v| u32::try_from(v.max(0)).unwrap_or(u32::MAX));
    for r in rows {
        let address: String = r.try_get(5)?;
        let country = serde_json::from_str::<Option<AddressView>>(&address)
            .ok()
            .flatten()
            .map(|a| a.country);
        let point = match (r.try_get::<Option<f64>>(3)?, r.try_get::<Option<f64>>(4)?) {
            (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
            _ => None,
        };
        locations.push(RouteLocation {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            kind: LocationKind::parse(&r.try_get::<String>(2)?)
                .map_err(|e| StoreError::Invalid(format!("stored value: {e}")))?,
            point,
            country,
            ships_to: r
                .try_get::<String>(6)?
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            priority: r.try_get(7)?,
            paused: r.try_get::<i64>(8)? == 0,
            capacity_orders: u(r.try_get(9)?),
            capacity_units: u(r.try_get(10)?),
            cutoff_minute_utc: u(r.try_get(11)?),
            used_orders_today: u(Some(r.try_get(12)?)).unwrap_or(0),
            used_units_today: u(Some(r.try_get(13)?)).unwrap_or(0),
        });
    }
    locations.sort_by_key(|l| l.id);
    Ok(locations)
}

/// The order tag that keeps all of an order's lines in one shipment.
pub const SHIP_TOGETHER_TAG: &str = "ship-together";

/// Every location with what it took on day $4 (the set's read binds $1–$3 for the others).
pub(crate) const LOCATIONS_SQL: &str = "SELECT json_group_array(json_array(l.id, l.name, l.kind, l.lat, l.lon, l.address, l.ships_to, l.priority, \
             l.active, l.capacity_orders, l.capacity_units, l.cutoff_minute, COALESCE(d.orders, 0), COALESCE(d.units, 0))) FROM locations l \
             LEFT JOIN location_day_load d ON d.location_id = l.id AND d.day = $4";

/// The routing rules for one set: every location with what it took today, updated as each
/// order of the set is routed, so capacity holds inside the set too.
pub(crate) struct Router<'a> {
    settings: &'a RoutingSettings,
    locations: Vec<RouteLocation>,
    day: i64,
    minute: u32,
    /// Orders and units this set routed to each location (written to location_day_load).
    load: HashMap<i64, (i64, i64)>,
}

impl<'a> Router<'a> {
    const SQL: &'static str = LOCATIONS_SQL;

    fn new(locations: Vec<RouteLocation>, settings: &'a RoutingSettings, now: i64) -> Router<'a> {
        let (day, minute) = Self::day_minute(now);
        Router {
            settings,
            locations,
            day,
            minute,
            load: HashMap::new(),
        }
    }

    fn day_minute(now: i64) -> (i64, u32) {
        let day = now.div_euclid(86_400_000);
        let minute = u32::try_from(now.rem_euclid(86_400_000) / 60_000).unwrap_or(0);
        (day, minute)
    }

    fn route(
        &self,
        o: &Loaded,
        needs: &[LineNeed],
        stock: &Stock,
        run: &Run<'_>,
    ) -> (ReservationPlan, RouteDecision) {
        let a = o.facts.ship_to.as_ref();
        // An order tagged "ship-together" goes out in one parcel: its lines form one group.
        let together = o.facts.tags.iter().any(|t| t == SHIP_TOGETHER_TAG);
        let order = RouteOrder {
            order_id: o.facts.order_id,
            channel: o.facts.channel.clone(),
            country: a.map(|a| a.country.clone()),
            region: a.and_then(|a| a.region.clone()),
            postal_code: a.and_then(|a| a.postal_code.clone()),
            shipping_service: o.facts.shipping_service.clone(),
            tags: o.facts.tags.clone(),
            value_minor: o.facts.grand_total,
            weight_g: 0,
            dest: a.and_then(locate_address),
            pickup_location: o.pickup_location,
            lines: needs
                .iter()
                .map(|n| RouteLine {
                    line_no: n.line_no,
                    product_id: n.product_id,
                    quantity: n.quantity,
                    allow_backorder: o
                        .lines
                        .iter()
                        .any(|l| l.line_no == n.line_no && l.allow_backorder),
                    group: together.then(|| SHIP_TOGETHER_TAG.to_owned()),
                })
                .collect(),
        };
        let d = route(
            &order,
            &self.locations,
            stock,
            run.rates,
            self.settings,
            self.minute,
        );
        let plan = ReservationPlan {
            allocations: d.allocations.clone(),
            short: d.short.clone(),
            reasons: vec![d.explanation.clone()],
        };
        (plan, d)
    }

    /// Counts a kept decision against the locations' capacity.
    fn commit(&mut self, d: &RouteDecision) {
        let mut per: HashMap<i64, i64> = HashMap::new();
        for a in &d.allocations {
            *per.entry(a.location_id).or_default() += i64::from(a.quantity);
        }
        for (lid, units) in per {
            if let Some(l) = self.locations.iter_mut().find(|l| l.id == lid) {
                l.used_orders_today += 1;
                l.used_units_today = l
                    .used_units_today
                    .saturating_add(u32::try_from(units).unwrap_or(u32::MAX));
            }
            let e = self.load.entry(lid).or_default();
            e.0 += 1;
            e.1 += units;
        }
    }
}

/// What marks a decision stored with LZ4 (a raw deflate stream cannot start with these bytes:
/// 0x00 opens a stored block whose next two byte pairs would have to be complements).
const LZ4: &[u8; 4] = b"\x00LZ4";

/// A stored routing decision's bytes: its JSON, LZ4-compressed behind a 4-byte mark (the
/// candidates repeat). Deflate made them half as big but cost ≈37 µs per 4 KB decision, most
/// of it resetting the compressor's tables; LZ4 has no tables to reset.
pub(crate) fn compress(json: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(json.len() / 2 + 16);
    out.extend_from_slice(LZ4);
    out.extend_from_slice(&lz4_flex::compress_prepend_size(json));
    Ok(out)
}

/// A stored decision's JSON: LZ4 behind its mark, else deflate (decisions stored before).
pub(crate) fn decompress(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    if let Some(rest) = bytes.strip_prefix(LZ4.as_slice()) {
        return lz4_flex::decompress_size_prepended(rest)
            .map_err(|err| StoreError::Invalid(format!("stored routing decision: {err}")));
    }
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|err| StoreError::Invalid(format!("stored routing decision: {err}")))?;
    Ok(out)
}

/// Where the ship-to address is, as precisely as the bundled data allows (`oms-geo`: postal
/// code, else city, else region, else country centroid; offline).
pub(crate) fn locate_address(a: &AddressFacts) -> Option<(GeoPoint, Precision)> {
    let g = oms_geo::Geocoder::global()?;
    let at = g.locate(
        &a.country,
        a.postal_code.as_deref(),
        Some(a.city.as_str()).filter(|c| !c.trim().is_empty()),
        a.region.as_deref(),
    )?;
    let precision = match at.precision {
        oms_geo::Precision::PostalCode => Precision::PostalCode,
        oms_geo::Precision::City => Precision::City,
        oms_geo::Precision::Region => Precision::Region,
        oms_geo::Precision::Country => Precision::Country,
    };
    Some((
        GeoPoint {
            lat: at.lat,
            lon: at.lon,
        },
        precision,
    ))
}

/// Everything the set's decisions write, in the order it was decided.
#[derive(Default)]
struct Writes {
    /// (order, reason, check, message)
    holds: Vec<(i64, HoldReason, String, String)>,
    /// (hold id, comment)
    releases: Vec<(i64, &'static str)>,
    /// (order, line, product, location, quantity)
    reservations: Vec<(i64, u32, i64, i64, u32)>,
    /// (product, location) whose level changed
    touched: HashSet<(i64, i64)>,
    /// (order, line, reserved, backordered)
    lines: Vec<(i64, u32, u32, u32)>,
    /// (order, risk score, priority, status)
    orders: Vec<(i64, i32, i32, OrderStatus)>,
    /// Orders only marked as processed.
    marked: Vec<i64>,
    /// (order, kind, summary, detail)
    events: Vec<(i64, EventKind, String, Option<String>)>,
    /// (order, strategy, explanation, decision JSON deflated)
    decisions: Vec<(i64, String, String, Vec<u8>)>,
    /// (order, location, kind, document JSON): drop-ship and 3PL hand-offs.
    handoffs: Vec<(i64, i64, &'static str, String)>,
}

/// Decides what the rules want for one loaded order; the decision goes into `w` and the stock it
/// reserves comes out of `lv`. On an error nothing of this order is kept.
#[allow(clippy::too_many_arguments)]
fn decide(
    o: &mut Loaded,
    holds: &mut Vec<Hold>,
    partner: Option<(i64, String)>,
    lv: &mut Levels,
    names: &HashMap<i64, String>,
    kinds: &HashMap<i64, LocationKind>,
    router: &mut Option<Router<'_>>,
    run: &Run<'_>,
    w: &mut Writes,
    merge: &mut Vec<(i64, i64)>,
) -> Result<ProcessOutcome, StoreError> {
    let id = o.facts.order_id;
    let mut outcome = ProcessOutcome {
        order_id: id,
        order_number: o.facts.order_number.clone(),
        status: o.status,
        findings: Vec::new(),
        risk_score: o.risk_score.unwrap_or(0),
        priority: o.priority,
        reserved_units: 0,
        backordered_units: 0,
        merged_into: None,
        changed: false,
        skipped: None,
    };
    if !o.status.is_processable() {
        outcome.skipped = Some(format!("the order is {}", o.status));
        if o.first_run {
            w.marked.push(id);
        }
        return Ok(outcome);
    }
    let mut events: Vec<(i64, EventKind, String, Option<String>)> = Vec::new();
    let mut new_holds: Vec<(i64, HoldReason, String, String)> = Vec::new();
    let mut releases: Vec<(i64, &'static str)> = Vec::new();
    let mut detail: Vec<String> = Vec::new();
    let mut changed = false;

    // Validate and screen.
    let findings = validate(&o.facts, &run.settings.validation);
    let risk = screen(&o.facts, &run.settings.risk, &run.settings.priority);
    struct Wanted {
        reason: HoldReason,
        check: String,
        message: String,
    }
    let mut wanted: Vec<Wanted> = findings
        .iter()
        .map(|f| Wanted {
            reason: f.reason,
            check: f.check.to_owned(),
            message: f.message.clone(),
        })
        .collect();
    outcome.findings = findings.iter().map(|f| f.message.clone()).collect();
    let hits = risk
        .hits
        .iter()
        .map(|h| format!("{} (+{})", h.reason, h.points))
        .collect::<Vec<_>>()
        .join("; ");
    if risk.hold {
        wanted.push(Wanted {
            reason: HoldReason::Risk,
            check: "risk".into(),
            message: format!(
                "risk score {} (threshold {}): {hits}",
                risk.score, run.settings.risk.hold_threshold
            ),
        });
    }
    if !risk.hits.is_empty() {
        detail.push(format!(
            "Risk score {}: {}",
            risk.score,
            risk.hits
                .iter()
                .map(|h| format!("{} +{}", h.reason, h.points))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let score = i32::try_from(risk.score).unwrap_or(i32::MAX);
    outcome.risk_score = score;

    // Merge: into the older order (after this set is written), or propose it with a hold.
    if let Some((partner, number)) = partner {
        if run.settings.auto_merge && findings.is_empty() && !risk.hold {
            merge.push((id, partner));
            outcome.merged_into = Some(partner);
            outcome.status = OrderStatus::Merged;
            outcome.changed = true;
            return Ok(outcome);
        }
        wanted.push(Wanted {
            reason: HoldReason::MergeCandidate,
            check: "merge".into(),
            message: format!(
                "same customer and ship-to address as order {number}: merge them or release this hold"
            ),
        });
    }

    // Holds: add what the rules want, release automatic holds whose check passes now. A check
    // a person released stays released for this order.
    let suppressed: HashSet<String> = holds
        .iter()
        .filter(|h| h.released_by_person)
        .map(|h| h.check.clone())
        .collect();
    wanted.retain(|x| !suppressed.contains(&x.check));
    for h in holds.iter_mut() {
        if h.open && h.by_rule && h.check != "stock" && !wanted.iter().any(|x| x.check == h.check) {
            let hid =
                h.id.ok_or_else(|| StoreError::Invalid("hold without id".into()))?;
            h.open = false;
            releases.push((hid, "the check passes now"));
            events.push((
                id,
                EventKind::Released,
                format!("Hold released: {} ({})", h.reason, h.check),
                Some("the check passes now".into()),
            ));
            changed = true;
        }
    }
    for x in &wanted {
        if !holds.iter().any(|h| h.open && h.check == x.check) {
            new_holds.push((id, x.reason, x.check.clone(), x.message.clone()));
            events.push((
                id,
                EventKind::Held,
                format!("On hold: {}", x.reason),
                Some(x.message.clone()),
            ));
            holds.push(Hold {
                id: None,
                reason: x.reason.as_str().into(),
                check: x.check.clone(),
                by_rule: true,
                open: true,
                released_by_person: false,
            });
            changed = true;
        }
    }

    // Priority.
    let (priority, parts) = match o.priority_manual {
        Some(p) => (p, Vec::new()),
        None => prioritise(&o.facts, &run.settings.priority, run.now),
    };
    if priority != o.priority {
        changed = true;
        detail.push(match o.priority_manual {
            Some(_) => format!("Priority {priority} (set by hand)"),
            None => format!(
                "Priority {priority}: {}",
                parts
                    .iter()
                    .map(|p| format!("{} {:+}", p.reason, p.points))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    outcome.priority = priority;

    // Reserve, unless a hold other than for stock blocks it.
    let blocked = holds.iter().any(|h| h.open && h.check != "stock");
    let mut short_no_backorder: Vec<String> = Vec::new();
    let mut taken: Vec<(i64, i64, u32)> = Vec::new();
    let mut routed: Option<RouteDecision> = None;
    let mut reservations: Vec<(i64, u32, i64, i64, u32)> = Vec::new();
    if !blocked {
        let needs: Vec<LineNeed> = o
            .lines
            .iter()
            // A pre-order line waits for its release (and the expected receipt).
            .filter(|l| l.q.unplanned() + l.q.backordered > 0 && !l.preorder(run.now))
            .map(|l| LineNeed {
                line_no: l.line_no,
                product_id: l.product_id,
                quantity: l.q.unplanned() + l.q.backordered,
            })
            .collect();
        if !needs.is_empty() {
            let mut stock = Stock::default();
            for n in &needs {
                for (&(p, loc), &(on_hand, reserved, active)) in lv
                    .at
                    .range((n.product_id, i64::MIN)..=(n.product_id, i64::MAX))
                {
                    // A pickup order reserves at its store only (the routing rules say why
                    // the others are not used, so they see them).
                    if router.is_none() && o.pickup_location.is_some_and(|pl| pl != loc) {
                        continue;
                    }
                    // The routing rules see paused locations too, to say why they are not used.
                    if active || router.is_some() {
                        stock.set(p, loc, on_hand - reserved);
                    }
                }
            }
            let (plan, policy_name) = match router.as_mut() {
                Some(r) => {
                    let (plan, decision) = r.route(o, &needs, &stock, run);
                    routed = Some(decision);
                    (plan, "routing")
                }
                None => (run.policy.plan(&needs, &stock), run.policy.name()),
            };
            for a in &plan.allocations {
                let line = o
                    .lines
                    .iter_mut()
                    .find(|l| l.line_no == a.line_no)
                    .ok_or_else(|| {
                        StoreError::Invalid(format!("plan for unknown line {}", a.line_no))
                    })?;
                line.q
                    .reserve(a.quantity)
                    .map_err(|e| StoreError::Conflict(format!("line {}: {e}", a.line_no)))?;
                // The same checks as every stock movement (inventory::apply), against the
                // levels as this set has moved them so far.
                let (on_hand, reserved, _) = lv
                    .at
                    .get(&(a.product_id, a.location_id))
                    .copied()
                    .unwrap_or((0, 0, true));
                let already: i64 = taken
                    .iter()
                    .filter(|t| t.0 == a.product_id && t.1 == a.location_id)
                    .map(|t| i64::from(t.2))
                    .sum();
                let r = reserved + already + i64::from(a.quantity);
                if on_hand - r < 0 && !line.allow_backorder {
                    let loc = names
                        .get(&a.location_id)
                        .cloned()
                        .unwrap_or_else(|| a.location_id.to_string());
                    return Err(StoreError::Conflict(format!(
                        "{} at {loc}: {} available, {} would be oversold (on hand {on_hand}, reserved {r})",
                        line.sku,
                        on_hand - reserved - already,
                        r - on_hand
                    )));
                }
                taken.push((a.product_id, a.location_id, a.quantity));
                reservations.push((id, a.line_no, a.product_id, a.location_id, a.quantity));
                outcome.reserved_units += i64::from(a.quantity);
            }
            for l in o.lines.iter_mut() {
                let rest = l.q.unplanned();
                if rest > 0 {
                    l.q.backorder(rest)
                        .map_err(|e| StoreError::Conflict(format!("line {}: {e}", l.line_no)))?;
                }
                if l.q.backordered > 0 && !l.allow_backorder && !l.preorder(run.now) {
                    short_no_backorder.push(format!("{} × {}", l.q.backordered, l.sku));
                }
            }
            if outcome.reserved_units > 0 || !plan.short.is_empty() {
                detail.push(match &routed {
                    Some(d) => format!("Routing ({}): {}", d.strategy, d.explanation),
                    None => {
                        // The policy's reasons name locations by id: by name here.
                        let mut reasons = plan.reasons.join("; ");
                        for (lid, name) in names {
                            reasons =
                                reasons.replace(&format!("location {lid} "), &format!("{name} "));
                            reasons = reasons.replace(&format!("location {lid}"), name);
                        }
                        format!("Reservation ({policy_name}): {reasons}")
                    }
                });
            }
        } else {
            for l in &o.lines {
                if l.q.backordered > 0 && !l.allow_backorder && !l.preorder(run.now) {
                    short_no_backorder.push(format!("{} × {}", l.q.backordered, l.sku));
                }
            }
        }
        // Pre-order lines wait, backordered, for their release and the expected receipt.
        let mut pre = Vec::new();
        for l in o.lines.iter_mut().filter(|l| l.preorder(run.now)) {
            let rest = l.q.unplanned();
            if rest > 0 {
                l.q.backorder(rest)
                    .map_err(|e| StoreError::Conflict(format!("line {}: {e}", l.line_no)))?;
            }
            if l.q.backordered > 0 {
                let day: String = l
                    .release_at
                    .map(format_instant)
                    .unwrap_or_default()
                    .chars()
                    .take(10)
                    .collect();
                pre.push(format!("{} × {} (releases {day})", l.q.backordered, l.sku));
            }
        }
        if !pre.is_empty() {
            detail.push(format!(
                "Pre-order: {} wait for the release and the expected stock",
                pre.join(", ")
            ));
        }
        // Stock holds follow the backorders of products that do not allow them.
        let stock_hold = holds.iter_mut().find(|h| h.open && h.check == "stock");
        match (short_no_backorder.is_empty(), stock_hold) {
            (false, None) if !suppressed.contains("stock") => {
                let message = format!(
                    "not enough stock and no backorders allowed: {}",
                    short_no_backorder.join(", ")
                );
                new_holds.push((id, HoldReason::Stock, "stock".into(), message.clone()));
                events.push((
                    id,
                    EventKind::Held,
                    format!("On hold: {}", HoldReason::Stock),
                    Some(message),
                ));
                holds.push(Hold {
                    id: None,
                    reason: HoldReason::Stock.as_str().into(),
                    check: "stock".into(),
                    by_rule: true,
                    open: true,
                    released_by_person: false,
                });
                changed = true;
            }
            (true, Some(h)) if h.by_rule => {
                let hid =
                    h.id.ok_or_else(|| StoreError::Invalid("hold without id".into()))?;
                h.open = false;
                let comment = "stock arrived; every unit is reserved";
                releases.push((hid, comment));
                events.push((
                    id,
                    EventKind::Released,
                    format!("Hold released: {} (stock)", HoldReason::Stock),
                    Some(comment.into()),
                ));
                changed = true;
            }
            _ => {}
        }
    }
    let mut line_writes = Vec::new();
    for l in &o.lines {
        if l.q != l.before {
            line_writes.push((id, l.line_no, l.q.reserved, l.q.backordered));
            changed = true;
        }
        outcome.backordered_units += i64::from(l.q.backordered);
    }

    // Status follows holds and lines.
    let has_hold = holds.iter().any(|h| h.open);
    let quantities: Vec<LineQuantities> = o.lines.iter().map(|l| l.q).collect();
    let derived = derive_open_status(has_hold, &quantities);
    // Once something shipped, the order stays partially shipped until the rest ships.
    let status = if o.status == OrderStatus::PartiallyShipped && derived != OrderStatus::OnHold {
        OrderStatus::PartiallyShipped
    } else {
        derived
    };
    if status != o.status {
        o.status
            .transition(status)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        changed = true;
    }
    outcome.status = status;
    if changed || o.first_run {
        let summary = match status {
            OrderStatus::Allocated => format!(
                "Processed: allocated ({} units reserved)",
                outcome.reserved_units
            ),
            OrderStatus::Backordered => format!(
                "Processed: backordered ({} units waiting for stock)",
                outcome.backordered_units
            ),
            OrderStatus::OnHold => "Processed: on hold".to_owned(),
            other => format!("Processed: {other}"),
        };
        let mut d = Vec::new();
        if outcome.findings.is_empty() {
            d.push("Validation: all checks pass".to_owned());
        } else {
            d.push(format!("Validation: {}", outcome.findings.join("; ")));
        }
        d.extend(detail);
        events.push((id, EventKind::Validated, summary, Some(d.join("\n"))));
        changed = true;
    }
    outcome.changed = changed;

    // Nothing failed: keep the decision.
    // A run that changes nothing records no new decision (re-running stays idempotent).
    if let Some(d) = routed.filter(|_| changed) {
        if let Some(r) = router.as_mut() {
            r.commit(&d);
        }
        let json = serde_json::to_vec(&d).map_err(|e| StoreError::Invalid(e.to_string()))?;
        w.decisions.push((
            id,
            d.strategy.clone(),
            d.explanation.clone(),
            compress(&json)?,
        ));
    }
    for (p, l, n) in taken {
        if let Some(v) = lv.at.get_mut(&(p, l)) {
            v.1 += i64::from(n);
        } else {
            lv.at.insert((p, l), (0, i64::from(n), true));
        }
        w.touched.insert((p, l));
    }
    // Units reserved at a drop-ship supplier or a 3PL are asked of them in a hand-off.
    let mut by_location: BTreeMap<i64, Vec<(u32, u32)>> = BTreeMap::new();
    for r in &reservations {
        if matches!(
            kinds.get(&r.3),
            Some(LocationKind::DropShipSupplier | LocationKind::ThirdPartyLogistics)
        ) {
            by_location.entry(r.3).or_default().push((r.1, r.4));
        }
    }
    for (loc, lines) in by_location {
        let kind = if kinds.get(&loc) == Some(&LocationKind::DropShipSupplier) {
            "purchase_order"
        } else {
            "fulfilment_request"
        };
        w.handoffs
            .push((id, loc, kind, handoff_document(o, kind, loc, names, &lines)));
        events.push((
            id,
            EventKind::Routed,
            format!(
                "Hand-off to {}: {}",
                names.get(&loc).map(String::as_str).unwrap_or("?"),
                kind.replace('_', " ")
            ),
            Some("waits for the supplier's confirmation and tracking".into()),
        ));
    }
    w.reservations.extend(reservations);
    w.holds.extend(new_holds);
    w.releases.extend(releases);
    w.lines.extend(line_writes);
    w.orders.push((id, score, priority, status));
    w.events.extend(events);
    o.status = status;
    Ok(outcome)
}

/// The request a drop-ship supplier or 3PL gets: what to ship, to whom, by when.
fn handoff_document(
    o: &Loaded,
    kind: &str,
    location: i64,
    names: &HashMap<i64, String>,
    lines: &[(u32, u32)],
) -> String {
    let f = &o.facts;
    let sku = |n: u32| {
        o.lines
            .iter()
            .find(|l| l.line_no == n)
            .map(|l| l.sku.clone())
    };
    serde_json::json!({
        "type": kind,
        "order_id": f.order_id,
        "order_number": f.order_number,
        "channel": f.channel,
        "placed_at": format_instant(f.placed_at),
        "ship_by": f.ship_by.map(format_instant),
        "shipping_service": f.shipping_service,
        "ship_from": { "location_id": location, "name": names.get(&location) },
        "ship_to": f.ship_to.as_ref().map(|a| serde_json::json!({
            "name": a.name, "line1": a.line1, "line2": a.line2, "city": a.city,
            "region": a.region, "postal_code": a.postal_code, "country": a.country,
        })),
        "email": f.email,
        "lines": lines.iter().map(|(n, q)| serde_json::json!({
            "line_no": n, "sku": sku(*n), "quantity": q,
        })).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Rows per multi-row statement: well under SQLite's parameter limit for every table here.
const ROWS_PER_STMT: usize = 400;

fn flush(
    c: &rusqlite::Connection,
    w: &Writes,
    lv: &Levels,
    router: Option<&Router<'_>>,
    run: &Run<'_>,
) -> Result<(), StoreError> {
    // Every write of the set, run statement by statement on the handle.
    let mut s = dialect::Script::new();
    for part in w.releases.chunks(ROWS_PER_STMT) {
        // Grouped by comment: there are two.
        for comment in [
            "the check passes now",
            "stock arrived; every unit is reserved",
        ] {
            let ids: Vec<i64> = part
                .iter()
                .filter(|r| r.1 == comment)
                .map(|r| r.0)
                .collect();
            if ids.is_empty() {
                continue;
            }
            s.push(&format!(
                "UPDATE order_holds SET released_at = ?, released_by = ?, release_comment = ? \
                 WHERE released_at IS NULL AND {}",
                dialect::in_id_list_next("id")
            ));
            s.bind(run.now)?
                .bind(RULE_ACTOR)?
                .bind(comment)?
                .bind(dialect::id_list(&ids))?;
        }
    }
    for part in w.holds.chunks(ROWS_PER_STMT) {
        s.push(&format!(
            "INSERT INTO order_holds (order_id, reason, check_code, message, placed_at, placed_by) VALUES {}",
            dialect::values_rows(part.len(), 6)
        ));
        for h in part {
            s.bind(h.0)?
                .bind(h.1.as_str())?
                .bind(h.2.as_str())?
                .bind(h.3.as_str())?
                .bind(run.now)?
                .bind(RULE_ACTOR)?;
        }
    }
    let at = now_ms();
    let reason = if run.routing.is_some() {
        "routing"
    } else {
        run.policy.name()
    };
    for part in w.reservations.chunks(ROWS_PER_STMT) {
        s.push(&format!(
            "INSERT INTO reservations (order_id, line_no, product_id, location_id, quantity, status, created_at) VALUES {}",
            dialect::values_rows(part.len(), 7)
        ));
        for r in part {
            s.bind(r.0)?
                .bind(i64::from(r.1))?
                .bind(r.2)?
                .bind(r.3)?
                .bind(i64::from(r.4))?
                .bind("open")?
                .bind(run.now)?;
        }
        // The ledger: one reservation movement per reservation.
        s.push(&format!(
            "INSERT INTO inventory_movements (product_id, location_id, kind, quantity, order_id, reason, at, actor) VALUES {}",
            dialect::values_rows(part.len(), 8)
        ));
        for r in part {
            let m = Move {
                product_id: r.2,
                location_id: r.3,
                kind: MovementKind::Reservation,
                quantity: i64::from(r.4),
                order_id: Some(r.0),
                reason: Some(reason),
                actor: RULE_ACTOR,
            };
            s.bind(m.product_id)?
                .bind(m.location_id)?
                .bind(m.kind.as_str())?
                .bind(m.quantity)?
                .bind(m.order_id)?
                .bind(m.reason)?
                .bind(at)?
                .bind(m.actor)?;
        }
    }
    let touched: Vec<(i64, i64, i64, i64)> = w
        .touched
        .iter()
        .filter_map(|k| lv.at.get(k).map(|v| (k.0, k.1, v.0, v.1)))
        .collect();
    for part in touched.chunks(ROWS_PER_STMT) {
        // The oversell triggers check every row again.
        s.push(&format!(
            "INSERT INTO inventory_levels (product_id, location_id, on_hand, reserved) VALUES {} \
             ON CONFLICT (product_id, location_id) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved",
            dialect::values_rows(part.len(), 4)
        ));
        for t in part {
            s.bind(t.0)?.bind(t.1)?.bind(t.2)?.bind(t.3)?;
        }
    }
    for part in w.lines.chunks(ROWS_PER_STMT) {
        s.push(&format!(
            "UPDATE order_lines SET reserved = v.column3, backordered = v.column4 FROM (VALUES {}) AS v \
             WHERE order_lines.order_id = v.column1 AND order_lines.line_no = v.column2",
            dialect::values_rows(part.len(), 4)
        ));
        for l in part {
            s.bind(l.0)?
                .bind(i64::from(l.1))?
                .bind(i64::from(l.2))?
                .bind(i64::from(l.3))?;
        }
    }
    for part in w.orders.chunks(ROWS_PER_STMT) {
        s.push(&format!(
            "UPDATE orders SET risk_score = v.column2, priority = v.column3, status = v.column4, processed_at = v.column5 \
             FROM (VALUES {}) AS v WHERE orders.id = v.column1",
            dialect::values_rows(part.len(), 5)
        ));
        for o in part {
            s.bind(o.0)?
                .bind(o.1)?
                .bind(o.2)?
                .bind(o.3.as_str())?
                .bind(run.now)?;
        }
    }
    if !w.marked.is_empty() {
        s.push(&format!(
            "UPDATE orders SET processed_at = ? WHERE {}",
            dialect::in_id_list_next("id")
        ));
        s.bind(run.now)?.bind(dialect::id_list(&w.marked))?;
    }
    if !w.decisions.is_empty() {
        for part in w.decisions.chunks(ROWS_PER_STMT) {
            s.push(&format!(
                "INSERT INTO routing_decisions (order_id, at, strategy, explanation, decision) VALUES {}",
                dialect::values_rows(part.len(), 5)
            ));
            for d in part {
                s.bind(d.0)?
                    .bind(run.now)?
                    .bind(d.1.as_str())?
                    .bind(d.2.as_str())?
                    .bind(d.3.as_slice())?;
            }
        }
    }
    if let Some(r) = router {
        let rows: Vec<(i64, i64, i64)> = r.load.iter().map(|(l, v)| (*l, v.0, v.1)).collect();
        for part in rows.chunks(ROWS_PER_STMT) {
            s.push(&format!(
                "INSERT INTO location_day_load (location_id, day, orders, units) VALUES {} \
                 ON CONFLICT (location_id, day) DO UPDATE SET orders = location_day_load.orders + excluded.orders, \
                 units = location_day_load.units + excluded.units",
                dialect::values_rows(part.len(), 4)
            ));
            for x in part {
                s.bind(x.0)?.bind(r.day)?.bind(x.1)?.bind(x.2)?;
            }
        }
    }
    for part in w.handoffs.chunks(ROWS_PER_STMT) {
        s.push(&format!(
            "INSERT INTO handoffs (order_id, location_id, kind, status, document, created_at) VALUES {}",
            dialect::values_rows(part.len(), 6)
        ));
        for h in part {
            s.bind(h.0)?
                .bind(h.1)?
                .bind(h.2)?
                .bind("pending")?
                .bind(h.3.as_str())?
                .bind(run.now)?;
        }
    }
    for part in w.events.chunks(ROWS_PER_STMT) {
        s.push(&format!(
            "INSERT INTO timeline_events (order_id, at, kind, actor, summary, detail) VALUES {}",
            dialect::values_rows(part.len(), 6)
        ));
        for e in part {
            let actor = match e.1 {
                EventKind::Validated => run.actor,
                _ => RULE_ACTOR,
            };
            s.bind(e.0)?
                .bind(at)?
                .bind(e.1.as_str())?
                .bind(actor)?
                .bind(e.2.as_str())?
                .bind(e.3.as_deref())?;
        }
    }
    s.execute(c)
}

/// One order's result in a processed set.
pub(crate) type SetResult = (i64, Result<ProcessOutcome, StoreError>);

/// Runs the pipeline on `ids` inside the caller's write transaction. An order whose decision
/// fails is left out (its result is the error) and changes nothing; the others are written.
/// An error of the writes themselves is returned for the whole set (the caller rolls back).
pub(crate) async fn process_set(
    tx: &mut Transaction<'_, Sqlite>,
    ids: &[i64],
    run: &Run<'_>,
) -> Result<Vec<SetResult>, StoreError> {
    let (mut results, merges) = crate::raw::with(tx, |c| decide_set(c, ids, run)).await?;
    // Merges write at once (they move lines between orders); then the order merged into is
    // processed in the same transaction.
    for (source, target) in merges {
        let res = async {
            let mut sp = sqlx::Connection::begin(&mut **tx).await?;
            let r = async {
                merge_into(&mut sp, source, target, RULE_ACTOR, run.now).await?;
                let inner = Box::pin(process_set(&mut sp, &[target], run)).await?;
                for (_, r) in inner {
                    r?;
                }
                Ok::<_, StoreError>(())
            }
            .await;
            match r {
                Ok(()) => sp.commit().await.map_err(StoreError::from),
                Err(e) => {
                    sp.rollback().await?;
                    Err(e)
                }
            }
        }
        .await;
        if let Err(e) = res {
            if let Some(slot) = results.iter_mut().find(|r| r.0 == source) {
                slot.1 = Err(e);
            }
        }
    }
    Ok(results)
}

/// The orders to merge that a set found: (the newer order, the order it merges into).
pub(crate) type Merges = Vec<(i64, i64)>;

/// Reads, decides and writes a set on the connection's handle, inside the caller's
/// transaction; the merges it found are left to the caller (they need the async API).
pub(crate) fn decide_set(
    c: &rusqlite::Connection,
    ids: &[i64],
    run: &Run<'_>,
) -> Result<(Vec<SetResult>, Merges), StoreError> {
    // Everything the set needs, read with one statement: orders, lines, holds, stock levels and
    // locations; each row's last column says which statement it came from.
    let script = format!(
        "SELECT ({}), ({}), ({}), ({}), ({})",
        orders_sql(),
        lines_sql(),
        holds_sql(),
        levels_sql(),
        Router::SQL
    );
    let mut st = c.prepare_cached(&script)?;
    let ids_json = dialect::id_list(ids);
    let window = i64::from(run.settings.risk.velocity_window_hours) * 3_600_000;
    let cap = i64::from(run.settings.risk.velocity_max_orders) + 1;
    let day = Router::day_minute(run.now).0;
    let mut named: Vec<(&str, &dyn rusqlite::ToSql)> = Vec::with_capacity(4);
    for (name, value) in [
        ("$1", &ids_json as &dyn rusqlite::ToSql),
        ("$2", &window),
        ("$3", &cap),
        ("$4", &day),
    ] {
        // Each part uses the parameters it needs; SQLite knows only those that appear.
        if st.parameter_index(name)?.is_some() {
            named.push((name, value));
        }
    }
    let texts: Vec<String> = st.query_row(named.as_slice(), |row| {
        (0..5).map(|i| row.get::<_, String>(i)).collect()
    })?;
    let mut parts: Vec<Vec<Vec<serde_json::Value>>> = Vec::with_capacity(5);
    for (i, text) in texts.iter().enumerate() {
        parts.push(
            serde_json::from_str(text)
                .map_err(|e| StoreError::Invalid(format!("the set's read, part {i}: {e}")))?,
        );
    }
    let rows_of = |i: usize| -> Vec<JRow<'_>> {
        parts
            .get(i)
            .map(|p| p.iter().map(|r| JRow(r)).collect())
            .unwrap_or_default()
    };
    let (order_rows, line_rows, hold_rows, level_rows, location_rows) =
        (rows_of(0), rows_of(1), rows_of(2), rows_of(3), rows_of(4));
    let mut loaded = parse_loaded(&order_rows, &line_rows)?;
    let mut holds = parse_holds(&hold_rows)?;
    let mut lv = parse_levels(&level_rows)?;
    let locations = parse_locations(&location_rows)?;
    // Location names for the reasons.
    let names: HashMap<i64, String> = locations.iter().map(|l| (l.id, l.name.clone())).collect();
    let kinds: HashMap<i64, LocationKind> = locations.iter().map(|l| (l.id, l.kind)).collect();
    let mut router = run
        .routing
        .map(|settings| Router::new(locations, settings, run.now));
    let mut w = Writes::default();
    let mut merges: Vec<(i64, i64)> = Vec::new();
    let mut results: Vec<SetResult> = Vec::with_capacity(ids.len());
    let mut seen = HashSet::new();
    for &id in ids {
        if !seen.insert(id) {
            continue;
        }
        let Some(o) = loaded.get_mut(&id) else {
            results.push((id, Err(StoreError::NotFound(format!("order {id}")))));
            continue;
        };
        let partner = if o.status.is_processable() {
            merge_partner(c, o)?
        } else {
            None
        };
        let hs = holds.entry(id).or_default();
        let before = hs.clone();
        let r = decide(
            o,
            hs,
            partner,
            &mut lv,
            &names,
            &kinds,
            &mut router,
            run,
            &mut w,
            &mut merges,
        );
        if r.is_err() {
            *hs = before;
        }
        results.push((id, r));
    }
    flush(c, &w, &lv, router.as_ref(), run)?;
    Ok((results, merges))
}

/// Runs the pipeline on one order inside the caller's transaction.
pub(crate) async fn process_one(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    run: &Run<'_>,
) -> Result<ProcessOutcome, StoreError> {
    let mut r = process_set(tx, &[id], run).await?;
    match r.pop() {
        Some((_, res)) => res,
        None => Err(StoreError::NotFound(format!("order {id}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::{compress, decompress};

    #[test]
    fn decisions_compress_and_come_back_whole() {
        for n in [0usize, 1, 4_000, 300_000] {
            let text: Vec<u8> = (0..n)
                .map(|i| b"abcdefgh{}[]:,0123"[(i * 7 + i / 13) % 18])
                .collect();
            let packed = compress(&text).expect("compress");
            assert_eq!(decompress(&packed).expect("decompress"), text, "{n} bytes");
            assert_eq!(compress(&text).expect("again"), packed);
            // Decisions stored before (raw deflate) still read.
            let mut old =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut old, &text).expect("deflate");
            let old = old.finish().expect("finish");
            assert_eq!(decompress(&old).expect("old"), text, "{n} bytes, deflate");
        }
    }
}
