//! The rest of the lifecycle's records. The foundation stores orders, lines, connections,
//! products, customers and timeline events; the other records are laid down here so later work
//! (inventory, routing, shipping, returns, sync) fills in behaviour without moving walls.

use crate::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConnection {
    pub id: ConnectionId,
    pub kind: ChannelKind,
    pub name: String,
    pub enabled: bool,
    /// Overridable for sandboxes and local test doubles. Credentials never live here: the
    /// keyring holds them, keyed by the connection id.
    pub base_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

impl Coordinates {
    pub fn parse(lat: f64, lon: f64) -> Result<Self, ParseError> {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(ParseError::new(
                "coordinates",
                format!("out of range: {lat}, {lon}"),
            ));
        }
        Ok(Self { lat, lon })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub id: LocationId,
    pub kind: LocationKind,
    pub name: String,
    pub address: Address,
    pub coordinates: Option<Coordinates>,
    pub active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimensions {
    pub length_mm: u32,
    pub width_mm: u32,
    pub height_mm: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub sku: Sku,
    pub title: String,
    pub weight_g: Option<u32>,
    pub dimensions: Option<Dimensions>,
    /// Harmonized System tariff number for customs.
    pub hs_code: Option<String>,
    pub origin_country: Option<CountryCode>,
    pub gtin: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub email: Option<Email>,
    pub phone: Option<String>,
}

/// One movement in the inventory ledger. Quantities are signed: receipts add to on-hand,
/// reservations add to reserved, shipments remove from both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryMovement {
    pub sku: Sku,
    pub location: LocationId,
    pub kind: MovementKind,
    pub quantity: i64,
    pub order: Option<OrderId>,
    pub reason: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub id: ShipmentId,
    pub order: OrderId,
    pub location: Option<LocationId>,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub status: ShipmentStatus,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub sku: Sku,
    pub quantity: Quantity,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    pub id: ReturnId,
    pub order: OrderId,
    pub status: ReturnStatus,
    pub lines: Vec<ReturnLine>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub id: RefundId,
    pub order: OrderId,
    pub amount: Money,
    pub reason: String,
    pub status: RefundStatus,
    pub channel_refund_id: Option<String>,
    pub created_at: i64,
}

/// What happened to an order, when, who or which rule did it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub order: OrderId,
    pub at: i64,
    pub kind: EventKind,
    /// "user:<name>", "rule:<name>", "import:csv", "sync:<connection>" …
    pub actor: String,
    pub summary: String,
    pub detail: Option<String>,
}

/// A raw channel payload as fetched, kept before mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxRecord {
    pub id: InboxId,
    pub connection: ConnectionId,
    pub external_id: String,
    pub version: Option<String>,
    pub fetched_at: i64,
    pub content_hash: String,
    pub payload: String,
    /// Set when mapping failed: the payload is quarantined with this error.
    pub error: Option<String>,
}

/// One write to the outside world, sent by a worker with retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: OutboxId,
    pub connection: Option<ConnectionId>,
    pub order: Option<OrderId>,
    pub kind: String,
    pub idempotency_key: String,
    pub payload: String,
    pub status: OutboxStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
}
