//! Lifecycles as enums stored as text, with the allowed transitions written out explicitly.

use crate::error::TransitionError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
            pub fn parse(s: &str) -> Result<Self, $crate::ParseError> {
                match s.trim() {
                    $($text => Ok($name::$variant),)*
                    other => Err($crate::ParseError::new($field, format!(
                        "unknown value {other:?}; expected one of: {}",
                        [$($text),*].join(", ")
                    ))),
                }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

pub(crate) use text_enum;

text_enum!(
    /// Where an order stands: the summary the lists filter on. While an order is open it is
    /// derived from its holds and its lines' quantities (see `derive_open_status`). `merged`: the
    /// order's lines moved to another order, which keeps this one's channel reference.
    OrderStatus, "status" {
        Pending = "pending",
        OnHold = "on_hold",
        Ready = "ready",
        Backordered = "backordered",
        Allocated = "allocated",
        PartiallyShipped = "partially_shipped",
        Shipped = "shipped",
        Delivered = "delivered",
        Cancelled = "cancelled",
        Returned = "returned",
        Merged = "merged",
    }
);

impl OrderStatus {
    /// The statuses an order may move to from this one.
    pub fn next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Pending => &[OnHold, Ready, Backordered, Allocated, Cancelled, Merged],
            OnHold => &[Pending, Ready, Backordered, Allocated, Cancelled, Merged],
            Ready => &[OnHold, Backordered, Allocated, Cancelled, Merged],
            Backordered => &[OnHold, Ready, Allocated, Cancelled, Merged],
            Allocated => &[
                Ready,
                OnHold,
                Backordered,
                PartiallyShipped,
                Shipped,
                Cancelled,
            ],
            // Back to allocated when the only shipment's label is voided.
            PartiallyShipped => &[Shipped, Cancelled, OnHold, Allocated, Backordered],
            // A voided label takes its units back: allocated (or backordered, when lines still
            // wait for stock) or partially shipped again.
            Shipped => &[
                Delivered,
                Returned,
                Allocated,
                Backordered,
                PartiallyShipped,
            ],
            Delivered => &[Returned],
            Cancelled | Returned | Merged => &[],
        }
    }
    pub fn transition(self, to: OrderStatus) -> Result<OrderStatus, TransitionError> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            Err(TransitionError {
                entity: "order",
                from: self.as_str(),
                to: to.as_str(),
            })
        }
    }
    /// Still to be shipped: these count for "late to ship".
    pub fn is_open(self) -> bool {
        use OrderStatus::*;
        matches!(
            self,
            Pending | OnHold | Ready | Backordered | Allocated | PartiallyShipped
        )
    }
    /// The statuses the processing pipeline works on (something is still to ship).
    pub fn is_processable(self) -> bool {
        use OrderStatus::*;
        matches!(
            self,
            Pending | OnHold | Ready | Backordered | Allocated | PartiallyShipped
        )
    }
}

/// The status of an open, unshipped order follows from its holds and its lines: on hold while
/// any hold is open; allocated when every open unit is reserved; backordered when some unit
/// waits for stock; otherwise ready (validated, nothing reserved yet).
pub fn derive_open_status(has_open_hold: bool, lines: &[LineQuantities]) -> OrderStatus {
    if has_open_hold {
        return OrderStatus::OnHold;
    }
    let open: u32 = lines.iter().map(|l| l.open()).sum();
    if lines.iter().any(|l| l.backordered > 0) {
        OrderStatus::Backordered
    } else if open > 0 && lines.iter().all(|l| l.reserved == l.open()) {
        OrderStatus::Allocated
    } else {
        OrderStatus::Ready
    }
}

/// The quantities of one order line. `ordered` is what the customer bought; of the units not
/// shipped or cancelled (`open`), some are reserved at locations and some backordered. Every
/// change goes through a method that refuses what would break
/// `reserved + backordered <= open` and `returned <= shipped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct LineQuantities {
    pub ordered: u32,
    pub reserved: u32,
    pub backordered: u32,
    pub shipped: u32,
    pub cancelled: u32,
    pub returned: u32,
}

impl LineQuantities {
    pub fn new(ordered: u32) -> Self {
        Self {
            ordered,
            ..Default::default()
        }
    }
    /// Units neither shipped nor cancelled.
    pub fn open(&self) -> u32 {
        self.ordered
            .saturating_sub(self.shipped)
            .saturating_sub(self.cancelled)
    }
    /// Open units neither reserved nor backordered yet.
    pub fn unplanned(&self) -> u32 {
        self.open()
            .saturating_sub(self.reserved)
            .saturating_sub(self.backordered)
    }
    fn refuse(&self, what: &'static str, n: u32) -> QuantityError {
        QuantityError {
            action: what,
            quantity: n,
            state: *self,
        }
    }
    /// Reserves `n` units; backordered units are reserved first when stock arrives.
    pub fn reserve(&mut self, n: u32) -> Result<(), QuantityError> {
        let from_backorder = n.min(self.backordered);
        if n > self.unplanned() + self.backordered {
            return Err(self.refuse("reserve", n));
        }
        self.backordered -= from_backorder;
        self.reserved += n;
        Ok(())
    }
    /// Marks `n` unplanned units as waiting for stock.
    pub fn backorder(&mut self, n: u32) -> Result<(), QuantityError> {
        if n > self.unplanned() {
            return Err(self.refuse("backorder", n));
        }
        self.backordered += n;
        Ok(())
    }
    /// Gives back `n` reserved units (they become unplanned).
    pub fn release(&mut self, n: u32) -> Result<(), QuantityError> {
        if n > self.reserved {
            return Err(self.refuse("release", n));
        }
        self.reserved -= n;
        Ok(())
    }
    /// Ships `n` reserved units.
    pub fn ship(&mut self, n: u32) -> Result<(), QuantityError> {
        if n > self.reserved {
            return Err(self.refuse("ship", n));
        }
        self.reserved -= n;
        self.shipped += n;
        Ok(())
    }
    /// Cancels `n` open units that are not reserved (release reservations first).
    pub fn cancel(&mut self, n: u32) -> Result<(), QuantityError> {
        let free = self.open() - self.reserved;
        if n > free {
            return Err(self.refuse("cancel", n));
        }
        let from_backorder = n.min(self.backordered);
        self.backordered -= from_backorder;
        self.cancelled += n;
        Ok(())
    }
    /// Records `n` shipped units as returned.
    pub fn return_units(&mut self, n: u32) -> Result<(), QuantityError> {
        if n > self.shipped - self.returned {
            return Err(self.refuse("return", n));
        }
        self.returned += n;
        Ok(())
    }
    /// The invariants every stored line satisfies.
    pub fn is_consistent(&self) -> bool {
        self.shipped + self.cancelled <= self.ordered
            && self.reserved + self.backordered <= self.open()
            && self.returned <= self.shipped
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} {quantity} of a line with ordered {}, reserved {}, backordered {}, shipped {}, cancelled {}", state.ordered, state.reserved, state.backordered, state.shipped, state.cancelled)]
pub struct QuantityError {
    pub action: &'static str,
    pub quantity: u32,
    pub state: LineQuantities,
}

text_enum!(
    /// Why an order is held. Every hold has one, plus the check that raised it and a message.
    HoldReason, "hold reason" {
        Payment = "payment",
        Address = "address",
        Risk = "risk",
        Stock = "stock",
        Validation = "validation",
        Manual = "manual",
        MergeCandidate = "merge_candidate",
    }
);

text_enum!(
    PaymentStatus, "payment status" {
        Pending = "pending",
        Authorized = "authorized",
        Paid = "paid",
        PartiallyRefunded = "partially_refunded",
        Refunded = "refunded",
        Voided = "voided",
        Failed = "failed",
    }
);

impl PaymentStatus {
    pub fn next(self) -> &'static [PaymentStatus] {
        use PaymentStatus::*;
        match self {
            Pending => &[Authorized, Paid, Failed, Voided],
            Authorized => &[Paid, Voided, Failed],
            Paid => &[PartiallyRefunded, Refunded],
            PartiallyRefunded => &[PartiallyRefunded, Refunded],
            Refunded | Voided | Failed => &[],
        }
    }
    pub fn transition(self, to: PaymentStatus) -> Result<PaymentStatus, TransitionError> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            Err(TransitionError {
                entity: "payment",
                from: self.as_str(),
                to: to.as_str(),
            })
        }
    }
}

text_enum!(
    ChannelKind, "channel" {
        Shopify = "shopify",
        Woocommerce = "woocommerce",
        Amazon = "amazon",
        Ebay = "ebay",
        Etsy = "etsy",
        Pos = "pos",
        Edi = "edi",
        Csv = "csv",
        Manual = "manual",
        Demo = "demo",
    }
);

text_enum!(
    LocationKind, "location kind" {
        Warehouse = "warehouse",
        Store = "store",
        ThirdPartyLogistics = "3pl",
        DropShipSupplier = "drop_ship",
    }
);

text_enum!(
    /// Kinds of inventory ledger movement; on-hand, reserved and available are derived from them.
    MovementKind, "movement kind" {
        Receipt = "receipt",
        Adjustment = "adjustment",
        Reservation = "reservation",
        Release = "release",
        Shipment = "shipment",
        ReturnRestock = "return_restock",
        TransferOut = "transfer_out",
        TransferIn = "transfer_in",
    }
);

impl MovementKind {
    /// (change to on-hand, change to reserved) of a movement of `quantity` units. Quantities
    /// are positive except for adjustments, which carry their sign.
    pub fn deltas(self, quantity: i64) -> (i64, i64) {
        use MovementKind::*;
        match self {
            Receipt | ReturnRestock | TransferIn | Adjustment => (quantity, 0),
            TransferOut => (-quantity, 0),
            Reservation => (0, quantity),
            Release => (0, -quantity),
            Shipment => (-quantity, -quantity),
        }
    }
}

text_enum!(
    ShipmentStatus, "shipment status" {
        Created = "created",
        LabelPurchased = "label_purchased",
        PreTransit = "pre_transit",
        InTransit = "in_transit",
        OutForDelivery = "out_for_delivery",
        Delivered = "delivered",
        Exception = "exception",
        ReturnedToSender = "returned_to_sender",
        Voided = "voided",
    }
);

impl ShipmentStatus {
    pub fn next(self) -> &'static [ShipmentStatus] {
        use ShipmentStatus::*;
        match self {
            Created => &[LabelPurchased, Voided],
            LabelPurchased => &[PreTransit, InTransit, Voided],
            PreTransit => &[InTransit, Exception, Voided],
            InTransit => &[OutForDelivery, Delivered, Exception, ReturnedToSender],
            OutForDelivery => &[Delivered, Exception, InTransit],
            Exception => &[InTransit, OutForDelivery, Delivered, ReturnedToSender],
            Delivered | ReturnedToSender | Voided => &[],
        }
    }
    pub fn transition(self, to: ShipmentStatus) -> Result<ShipmentStatus, TransitionError> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            Err(TransitionError {
                entity: "shipment",
                from: self.as_str(),
                to: to.as_str(),
            })
        }
    }
}

text_enum!(
    /// The RMA lifecycle.
    ReturnStatus, "return status" {
        Requested = "requested",
        Approved = "approved",
        Rejected = "rejected",
        LabelSent = "label_sent",
        InTransit = "in_transit",
        Received = "received",
        Inspected = "inspected",
        Closed = "closed",
    }
);

impl ReturnStatus {
    pub fn next(self) -> &'static [ReturnStatus] {
        use ReturnStatus::*;
        match self {
            Requested => &[Approved, Rejected],
            Approved => &[LabelSent, InTransit, Received],
            LabelSent => &[InTransit, Received],
            InTransit => &[Received],
            Received => &[Inspected],
            Inspected => &[Closed],
            Rejected | Closed => &[],
        }
    }
    pub fn transition(self, to: ReturnStatus) -> Result<ReturnStatus, TransitionError> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            Err(TransitionError {
                entity: "return",
                from: self.as_str(),
                to: to.as_str(),
            })
        }
    }
}

text_enum!(
    RefundStatus, "refund status" {
        PendingApproval = "pending_approval",
        Approved = "approved",
        Sent = "sent",
        Confirmed = "confirmed",
        Failed = "failed",
    }
);

text_enum!(
    /// Delivery state of a row in the outbox (every write to the outside world).
    OutboxStatus, "outbox status" {
        Pending = "pending",
        InFlight = "in_flight",
        Sent = "sent",
        Failed = "failed",
        Dismissed = "dismissed",
    }
);

text_enum!(
    /// What kind of thing a timeline event records.
    EventKind, "event kind" {
        Imported = "imported",
        Updated = "updated",
        StatusChanged = "status_changed",
        Note = "note",
        Tagged = "tagged",
        Held = "held",
        Released = "released",
        Routed = "routed",
        Shipped = "shipped",
        Tracking = "tracking",
        Email = "email",
        Returned = "returned",
        Refunded = "refunded",
        Edited = "edited",
        Validated = "validated",
        Reserved = "reserved",
        Backordered = "backordered",
        Prioritised = "prioritised",
        Merged = "merged",
        Cancelled = "cancelled",
        Screened = "screened",
        ChannelUpdated = "channel_updated",
        Packed = "packed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_for_every_variant() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Ok(*s));
        }
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Ok(*s));
        }
        for s in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(s.as_str()), Ok(*s));
        }
        assert!(OrderStatus::parse("shipping").is_err());
    }

    #[test]
    fn terminal_states_go_nowhere() {
        assert!(OrderStatus::Cancelled
            .transition(OrderStatus::Ready)
            .is_err());
        assert!(
            OrderStatus::Shipped
                .transition(OrderStatus::Cancelled)
                .is_err(),
            "cancel after shipment is a return"
        );
        assert_eq!(
            OrderStatus::Pending.transition(OrderStatus::OnHold),
            Ok(OrderStatus::OnHold)
        );
        assert!(ReturnStatus::Requested
            .transition(ReturnStatus::Received)
            .is_err());
    }

    #[test]
    fn line_quantities_refuse_what_would_break_them() {
        let mut l = LineQuantities::new(5);
        l.reserve(3).expect("3 of 5");
        l.backorder(2).expect("the other 2");
        assert!(l.backorder(1).is_err(), "nothing left to backorder");
        assert!(
            l.reserve(3).is_err(),
            "only 2 backordered units could still be reserved"
        );
        l.reserve(2).expect("stock arrived");
        assert_eq!((l.reserved, l.backordered), (5, 0));
        assert!(
            l.cancel(1).is_err(),
            "reserved units must be released before cancelling"
        );
        l.ship(4).expect("ship 4");
        assert!(l.ship(2).is_err());
        l.return_units(4).expect("all shipped came back");
        assert!(l.return_units(1).is_err());
        l.release(1).expect("release the last");
        l.cancel(1).expect("then cancel it");
        assert!(l.is_consistent());
        assert_eq!(l.open(), 0);
    }

    #[test]
    fn the_open_status_follows_holds_and_lines() {
        let mut a = LineQuantities::new(2);
        let b = LineQuantities::new(1);
        assert_eq!(derive_open_status(false, &[a, b]), OrderStatus::Ready);
        assert_eq!(derive_open_status(true, &[a, b]), OrderStatus::OnHold);
        a.reserve(2).expect("reserve");
        let mut c = b;
        c.backorder(1).expect("backorder");
        assert_eq!(derive_open_status(false, &[a, c]), OrderStatus::Backordered);
        c.reserve(1).expect("reserve");
        assert_eq!(derive_open_status(false, &[a, c]), OrderStatus::Allocated);
    }

    #[test]
    fn every_listed_transition_is_accepted_and_no_other() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let allowed = from.next().contains(to);
                assert_eq!(from.transition(*to).is_ok(), allowed, "{from} -> {to}");
            }
        }
    }
}
