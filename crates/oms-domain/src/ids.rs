//! Integer ids as distinct types, so an order id can never be passed where a location id belongs.

use crate::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($name:ident => $field:literal),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Ids are positive; zero and negatives are never issued by the store.
            pub fn new(raw: i64) -> Result<Self, ParseError> {
                if raw > 0 { Ok(Self(raw)) } else { Err(ParseError::new($field, format!("must be a positive integer, got {raw}"))) }
            }
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                let raw: i64 = s.trim().parse().map_err(|_| ParseError::new($field, format!("not an integer id: {s:?}")))?;
                Self::new(raw)
            }
            pub fn get(self) -> i64 { self.0 }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "{}", self.0) }
        }
    )*};
}

id_type! {
    OrderId => "order id",
    ConnectionId => "connection id",
    LocationId => "location id",
    ProductId => "product id",
    CustomerId => "customer id",
    ShipmentId => "shipment id",
    ReturnId => "return id",
    RefundId => "refund id",
    EventId => "event id",
    InboxId => "inbox id",
    OutboxId => "outbox id",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_non_positive_and_garbage() {
        assert!(OrderId::parse("0").is_err());
        assert!(OrderId::parse("-3").is_err());
        assert!(OrderId::parse("abc").is_err());
        assert_eq!(OrderId::parse(" 42 ").map(OrderId::get), Ok(42));
    }
}
