//! Read models and inputs of fulfilment (issue 6): a location's queue, pick batches and their
//! pick lists, packing slips, packed parcels, presets, tracking.

use crate::views::AddressView;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An order waiting to be picked and packed at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QueueRow {
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    pub customer: Option<String>,
    pub country: Option<String>,
    #[ts(type = "number")]
    pub placed_at: i64,
    pub priority: Option<i32>,
    /// Units reserved here, still to ship.
    #[ts(type = "number")]
    pub units: i64,
    #[ts(type = "number")]
    pub lines: i64,
    pub status: String,
    /// The unfinished batch it is in.
    #[ts(type = "number | null")]
    pub batch_id: Option<i64>,
    /// A packed parcel waits for its label.
    #[ts(type = "number | null")]
    pub parcel_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FulfilmentQueue {
    #[ts(type = "number")]
    pub location_id: i64,
    pub rows: Vec<QueueRow>,
    /// Orders waiting here in all (rows may be fewer).
    #[ts(type = "number")]
    pub total: i64,
}

/// A pick batch with its orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BatchView {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    #[ts(type = "number")]
    pub location_id: i64,
    pub location: String,
    /// open | done
    pub status: String,
    pub actor: String,
    #[ts(type = "number")]
    pub created_at: i64,
    pub orders: Vec<BatchOrderView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BatchOrderView {
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    /// waiting | packed | shipped | removed
    pub state: String,
    #[ts(type = "number")]
    pub units: i64,
}

/// One row of a pick list: a product, where it sits, how many to pick and for which orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PickRow {
    pub bin: Option<String>,
    pub sku: String,
    pub gtin: Option<String>,
    pub title: String,
    #[ts(type = "number")]
    pub quantity: i64,
    /// "#1001 × 2", in batch order.
    pub orders: Vec<PickOrder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PickOrder {
    pub order_number: String,
    #[ts(type = "number")]
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PickList {
    #[ts(type = "number")]
    pub batch_id: i64,
    pub batch: String,
    pub location: String,
    /// Sorted by bin (products without a bin last), then SKU.
    pub rows: Vec<PickRow>,
    #[ts(type = "number")]
    pub units: i64,
}

/// A line to pack: what is reserved here and what the packer has put in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SlipLine {
    #[ts(type = "number")]
    pub line_no: i64,
    pub sku: String,
    pub gtin: Option<String>,
    pub title: String,
    pub bin: Option<String>,
    /// Reserved at this location and not shipped.
    #[ts(type = "number")]
    pub quantity: i64,
    /// Ordered in all (other units may ship from elsewhere or later).
    #[ts(type = "number")]
    pub ordered: i64,
    #[ts(type = "number")]
    pub weight_g: Option<i64>,
}

/// A packing slip: the order's units at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackingSlip {
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    #[ts(type = "number")]
    pub placed_at: i64,
    pub channel: String,
    pub customer: Option<String>,
    pub email: Option<String>,
    pub ship_to: Option<AddressView>,
    #[ts(type = "number")]
    pub location_id: i64,
    pub location: String,
    pub lines: Vec<SlipLine>,
    /// A parcel already packed here, waiting for its label.
    pub packed: Option<ParcelView>,
}

/// One scan at the packing bench (a SKU or a barcode, typed or scanned) and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Scan {
    pub code: String,
    #[ts(type = "number")]
    pub quantity: i64,
}

/// What the packer did at the bench.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackInput {
    #[ts(type = "number")]
    pub order_id: i64,
    #[ts(type = "number")]
    pub location_id: i64,
    pub scans: Vec<Scan>,
    /// Pack what was scanned although some units are missing (a partial shipment).
    pub partial: bool,
    #[ts(type = "number | null")]
    pub preset_id: Option<i64>,
    /// Weighed at the bench.
    #[ts(type = "number | null")]
    pub weight_g: Option<i64>,
    #[ts(type = "number | null")]
    pub batch_id: Option<i64>,
}

/// How a scanned line compares with the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackLineCheck {
    #[ts(type = "number")]
    pub line_no: i64,
    pub sku: String,
    #[ts(type = "number")]
    pub expected: i64,
    #[ts(type = "number")]
    pub scanned: i64,
}

/// The check of the scans against the order: each line's count, codes that match nothing,
/// lines scanned too often. `ok`: every unit scanned, nothing extra.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackCheck {
    pub lines: Vec<PackLineCheck>,
    pub unknown_codes: Vec<String>,
    /// "SKU-1: 3 scanned, 2 to pack".
    pub problems: Vec<String>,
    pub ok: bool,
    /// Some units scanned, none too many, nothing unknown: can pack as a partial shipment.
    pub partial_ok: bool,
}

/// The result of packing: the check, and the parcel when one was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackResult {
    pub check: PackCheck,
    pub parcel: Option<ParcelView>,
}

/// A packed parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ParcelView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub order_id: i64,
    #[ts(type = "number")]
    pub location_id: i64,
    /// packed | shipped | unpacked
    pub status: String,
    #[ts(type = "number | null")]
    pub preset_id: Option<i64>,
    #[ts(type = "number | null")]
    pub weight_g: Option<i64>,
    pub lines: Vec<ParcelLineView>,
    #[ts(type = "number")]
    pub units: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ParcelLineView {
    #[ts(type = "number")]
    pub line_no: i64,
    pub sku: String,
    #[ts(type = "number")]
    pub quantity: i64,
}

/// A box or envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ParcelPreset {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub length_mm: u32,
    pub width_mm: u32,
    pub height_mm: u32,
    /// The box's own weight, added to the contents.
    pub tare_g: u32,
    pub max_g: Option<u32>,
}

/// A shipment of an order as the order detail and the tracking screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShipmentView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    /// pre_transit | in_transit | out_for_delivery | delivered | exception | returned_to_sender
    /// | unknown; None until first tracked.
    pub tracking_status: Option<String>,
    pub tracking_raw: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number | null")]
    pub moved_at: Option<i64>,
    #[ts(type = "number | null")]
    pub delivered_at: Option<i64>,
    #[ts(type = "number | null")]
    pub est_delivery: Option<i64>,
    pub label_path: Option<String>,
    pub label_format: Option<String>,
    #[ts(type = "number | null")]
    pub cost_minor: Option<i64>,
    pub cost_currency: Option<String>,
    pub voided: bool,
    #[ts(type = "number")]
    pub units: i64,
    pub events: Vec<TrackEventView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TrackEventView {
    #[ts(type = "number")]
    pub at: i64,
    pub status: String,
    pub message: String,
    pub location: Option<String>,
}

/// What one tracking pass did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct TrackingReport {
    pub asked: u32,
    pub changed: u32,
    pub delivered: u32,
    pub exceptions: u32,
    pub failed: u32,
    /// "EasyPost test: 1Z…: not found", per failure.
    pub problems: Vec<String>,
}

/// A batch's labels gathered for printing in one go.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct BatchLabels {
    /// PNG labels, one per 4 × 6 inch page.
    pub pdf: Option<String>,
    /// ZPL labels, one after the other, for a thermal printer.
    pub zpl: Option<String>,
    /// Labels that print on their own (PDF files as the carrier gave them).
    pub separate: Vec<String>,
    /// "#1001: …", labels that could not be gathered.
    pub problems: Vec<String>,
    pub count: u32,
}
