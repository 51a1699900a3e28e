//! Writes to a channel: what the outbox sends. Each push first looks at what the channel
//! already has, so that sending a row twice (a retry after a timeout, a restart in the middle)
//! does not make a second fulfilment, delivery event, note or cancellation; stock levels are
//! absolute and carry the row's idempotency key where the API takes one.

use crate::{Connector, SyncError};

/// One write to a channel.
#[derive(Debug, Clone)]
pub enum Push {
    Fulfilment(FulfilmentPush),
    Cancel(CancelPush),
    Stock(StockPush),
    Delivery(DeliveryPush),
    Refund(RefundPush),
    CancelLines(LineCancelPush),
}

/// Tell the channel that some units were cancelled before shipping: per channel SKU, the
/// units ordered and how many of them are cancelled now (absolute, so sending twice is
/// harmless).
#[derive(Debug, Clone)]
pub struct LineCancelPush {
    pub order: String,
    pub lines: Vec<(String, i64, i64)>,
    /// Staff note.
    pub reason: String,
}

/// Give money back on the channel: lines (by channel SKU), shipping and the rest as one
/// amount. `reference` ("OMS refund 12") is written into the channel's refund note, so a
/// refund already made there (an answer that was lost) is found instead of made twice.
#[derive(Debug, Clone)]
pub struct RefundPush {
    /// The channel's order id.
    pub order: String,
    pub reference: String,
    /// The whole refund, minor units of `currency`.
    pub amount_minor: i64,
    pub currency: oms_domain::Currency,
    pub shipping_minor: i64,
    /// (channel SKU, units, amount of those units in minor units).
    pub lines: Vec<(String, i64, i64)>,
    pub reason: String,
    pub notify_customer: bool,
}

impl RefundPush {
    /// The note the channel keeps with the refund: the reason and our reference.
    pub fn note(&self) -> String {
        match self.reason.trim() {
            "" => format!("({})", self.reference),
            why => format!("{why} ({})", self.reference),
        }
    }
}

/// Tell the channel that (part of) an order shipped, with the tracking number.
#[derive(Debug, Clone)]
pub struct FulfilmentPush {
    /// The channel's order id.
    pub order: String,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    /// Units shipped so far per channel SKU (the whole order, not only this parcel): the
    /// channel is told about what it does not know yet.
    pub shipped: Vec<(String, i64)>,
    /// Nothing of the order is left to ship here.
    pub complete: bool,
    pub notify_customer: bool,
}

/// Cancel an order on the channel (it was cancelled here).
#[derive(Debug, Clone)]
pub struct CancelPush {
    pub order: String,
    /// Staff note (not shown to the customer).
    pub reason: String,
    pub notify_customer: bool,
}

/// Tell the channel where a shipped parcel is (delivered, a delivery problem, …).
#[derive(Debug, Clone)]
pub struct DeliveryPush {
    /// The channel's order id.
    pub order: String,
    pub carrier: String,
    pub tracking_number: String,
    /// Our normalised status: "in_transit" | "out_for_delivery" | "delivered" | "exception" | "returned_to_sender"
    pub status: String,
    /// When the carrier saw it (UTC epoch ms).
    pub happened_at: i64,
    /// The carrier's words, if any.
    pub message: Option<String>,
}

impl DeliveryPush {
    /// The carrier's words, if there are any.
    pub(crate) fn words(&self) -> Option<&str> {
        self.message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
    }

    /// Nothing sent: the channel is not told about this status (pre_transit, unknown, …).
    pub(crate) fn not_told(&self) -> PushDone {
        PushDone {
            note: format!(
                "the shop is not told about tracking status \"{}\"",
                self.status
            ),
            ..Default::default()
        }
    }
}

/// "2026-12-02 10:30 UTC": when the carrier saw a parcel, in a note.
pub(crate) fn minute_utc(ms: i64) -> String {
    let iso = oms_domain::format_instant(ms);
    match (iso.get(..10), iso.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => iso,
    }
}

/// Set a SKU's available quantity on the channel.
#[derive(Debug, Clone)]
pub struct StockPush {
    pub channel_sku: String,
    /// The channel's ids for the SKU, if a look-up found them before.
    pub known: Option<StockTarget>,
    /// Per channel location (`None`: the channel's first location, or its only stock figure).
    pub quantities: Vec<(Option<String>, i64)>,
    pub idempotency_key: String,
}

/// Where a SKU's stock lives on the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockTarget {
    /// Shopify: the inventory item GID; WooCommerce: the product or variation id.
    pub id: String,
    /// WooCommerce: the parent product of a variation.
    pub parent: Option<String>,
}

/// What a push did.
#[derive(Debug, Clone, Default)]
pub struct PushDone {
    /// The channel's id for what it made (fulfilment, tracking item), if any.
    pub external_ref: Option<String>,
    /// In plain words, for the order's timeline and the outbox list.
    pub note: String,
    /// Ids found by a look-up (kept, so the next push goes straight there).
    pub target: Option<StockTarget>,
    /// The SKU is not listed on the channel: nothing was sent.
    pub not_listed: bool,
}

impl PushDone {
    /// Nothing sent: the shop has no product with this SKU.
    pub(crate) fn not_listed(sku: &str) -> Self {
        PushDone {
            note: format!("SKU {sku} is not listed on the shop"),
            not_listed: true,
            ..Default::default()
        }
    }
}

/// One result per item of a batch; an item the code left without one is an error, not a gap.
pub(crate) fn each_answered(
    results: Vec<Option<Result<PushDone, SyncError>>>,
) -> Vec<Result<PushDone, SyncError>> {
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(SyncError::bad_response("no result".into()))))
        .collect()
}

impl Connector {
    /// Sends one write.
    pub async fn push(&mut self, push: &Push) -> Result<PushDone, SyncError> {
        match (self, push) {
            (Connector::Shopify(c), Push::Fulfilment(f)) => c.fulfil(f).await,
            (Connector::Woo(c), Push::Fulfilment(f)) => c.fulfil(f).await,
            (Connector::Shopify(c), Push::Cancel(x)) => c.cancel(x).await,
            (Connector::Woo(c), Push::Cancel(x)) => c.cancel(x).await,
            (Connector::Shopify(c), Push::Delivery(d)) => c.deliver(d).await,
            (Connector::Woo(c), Push::Delivery(d)) => c.deliver(d).await,
            (Connector::Shopify(c), Push::Refund(r)) => c.refund(r).await,
            (Connector::Woo(c), Push::Refund(r)) => c.refund(r).await,
            (Connector::Shopify(c), Push::CancelLines(x)) => c.cancel_lines(x).await,
            (Connector::Woo(c), Push::CancelLines(x)) => c.cancel_lines(x).await,
            (c, Push::Stock(s)) => c
                .push_stock(std::slice::from_ref(s))
                .await
                .pop()
                .unwrap_or_else(|| Err(SyncError::bad_response("no result".into()))),
        }
    }
}

/// How a failed push goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Try again later (the channel was unreachable, busy or rate limiting).
    Later,
    /// Needs a person: the channel refused the request as it is.
    Failed,
    /// Stop sending to this connection for now (credentials or settings).
    Stop,
}

impl SyncError {
    /// What a failed push means for its row.
    pub fn outcome(&self) -> Outcome {
        use crate::SyncErrorKind::*;
        match self.kind {
            Network | Server | RateLimited => Outcome::Later,
            Unauthorized | Config => Outcome::Stop,
            Rejected | BadResponse => Outcome::Failed,
        }
    }
}

impl Connector {
    /// Sets the stock of several SKUs, as few requests as the API allows; one result per item.
    pub async fn push_stock(&mut self, items: &[StockPush]) -> Vec<Result<PushDone, SyncError>> {
        match self {
            Connector::Shopify(c) => c.push_stock(items).await,
            Connector::Woo(c) => c.push_stock(items).await,
        }
    }

    /// Stock items one request takes.
    pub fn stock_batch(&self) -> usize {
        match self {
            Connector::Shopify(_) => crate::shopify::STOCK_BATCH,
            Connector::Woo(_) => crate::woo::STOCK_BATCH,
        }
    }
}

impl SyncError {
    /// Shopify: the key was used by a try that failed; the row needs a fresh key.
    pub fn needs_new_key(&self) -> bool {
        self.message.contains("IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED")
    }
}
