//! Lifecycles as enums stored as text, with the allowed transitions written out explicitly.

use crate::error::TransitionError;
use crate::ParseError;
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
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                match s.trim() {
                    $($text => Ok($name::$variant),)*
                    other => Err(ParseError::new($field, format!(
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

text_enum!(
    /// Where an order stands. Line quantities (reserved, allocated, shipped …) arrive with the
    /// pipeline issue; the order status is the summary the lists filter on.
    OrderStatus, "status" {
        Pending = "pending",
        OnHold = "on_hold",
        Ready = "ready",
        Allocated = "allocated",
        PartiallyShipped = "partially_shipped",
        Shipped = "shipped",
        Delivered = "delivered",
        Cancelled = "cancelled",
        Returned = "returned",
    }
);

impl OrderStatus {
    /// The statuses an order may move to from this one.
    pub fn next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Pending => &[OnHold, Ready, Cancelled],
            OnHold => &[Pending, Ready, Cancelled],
            Ready => &[OnHold, Allocated, Cancelled],
            Allocated => &[Ready, OnHold, PartiallyShipped, Shipped, Cancelled],
            PartiallyShipped => &[Shipped],
            Shipped => &[Delivered, Returned],
            Delivered => &[Returned],
            Cancelled | Returned => &[],
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
            Pending | OnHold | Ready | Allocated | PartiallyShipped
        )
    }
}

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
    fn every_listed_transition_is_accepted_and_no_other() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let allowed = from.next().contains(to);
                assert_eq!(from.transition(*to).is_ok(), allowed, "{from} -> {to}");
            }
        }
    }
}
