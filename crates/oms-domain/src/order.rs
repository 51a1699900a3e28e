//! Orders as they enter the system: parsed, with totals that add up.

use crate::{
    ChannelKind, CountryCode, Currency, Email, Money, OrderStatus, ParseError, PaymentStatus,
    Quantity, Sku, Tag,
};
use serde::{Deserialize, Serialize};

/// A postal address as the channel gave it; completeness checks per country come with the
/// validation pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: CountryCode,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrderLine {
    pub sku: Sku,
    pub title: String,
    pub quantity: Quantity,
    /// Unit price in the order's currency, minor units.
    pub unit_price: i64,
}

impl NewOrderLine {
    pub fn line_total(&self) -> Result<i64, ParseError> {
        self.unit_price
            .checked_mul(i64::from(self.quantity.get()))
            .ok_or_else(|| ParseError::new("line total", "overflows"))
    }
}

/// An order ready to be stored: which connection it came from, its ids there, and its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    pub channel: ChannelKind,
    /// The connection's display name; the store creates the connection on first sight.
    pub connection_name: String,
    pub external_id: String,
    pub order_number: String,
    /// UTC epoch milliseconds.
    pub placed_at: i64,
    /// The channel's last-modified instant (epoch ms): the version. An order is only replaced
    /// by a strictly newer version. Defaults to `placed_at`.
    pub updated_at: Option<i64>,
    pub currency: Currency,
    pub shipping_total: i64,
    pub tax_total: i64,
    pub discount_total: i64,
    pub payment_status: PaymentStatus,
    pub status: OrderStatus,
    pub priority: i32,
    pub tags: Vec<Tag>,
    pub customer_name: String,
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub ship_to: Option<Address>,
    pub bill_to: Option<Address>,
    pub shipping_service: Option<String>,
    /// UTC epoch milliseconds.
    pub ship_by: Option<i64>,
    pub lines: Vec<NewOrderLine>,
}

/// Totals derived from the lines and the order-level amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Money,
    pub grand_total: Money,
    pub item_count: i64,
}

impl NewOrder {
    /// Checks what makes an order storable at all (deeper business checks run in the pipeline)
    /// and returns its totals.
    pub fn totals(&self) -> Result<Totals, ParseError> {
        if self.external_id.trim().is_empty() {
            return Err(ParseError::new("external_id", "must not be empty"));
        }
        if self.order_number.trim().is_empty() {
            return Err(ParseError::new("order_number", "must not be empty"));
        }
        if self.lines.is_empty() {
            return Err(ParseError::new("lines", "an order needs at least one line"));
        }
        let mut subtotal = Money::zero(self.currency);
        let mut items: i64 = 0;
        for line in &self.lines {
            if line.unit_price < 0 {
                return Err(ParseError::new("unit_price", "must not be negative"));
            }
            subtotal = subtotal.checked_add(Money::new(line.line_total()?, self.currency))?;
            items += i64::from(line.quantity.get());
        }
        for (field, v) in [
            ("shipping_total", self.shipping_total),
            ("tax_total", self.tax_total),
            ("discount_total", self.discount_total),
        ] {
            if v < 0 {
                return Err(ParseError::new(field, "must not be negative"));
            }
        }
        let grand = subtotal
            .checked_add(Money::new(self.shipping_total, self.currency))?
            .checked_add(Money::new(self.tax_total, self.currency))?
            .checked_add(Money::new(-self.discount_total, self.currency))?;
        if grand.minor < 0 {
            return Err(ParseError::new(
                "discount_total",
                "discount exceeds the order value",
            ));
        }
        Ok(Totals {
            subtotal,
            grand_total: grand,
            item_count: items,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> NewOrder {
        NewOrder {
            channel: ChannelKind::Shopify,
            connection_name: "Shop".into(),
            external_id: "gid://shopify/Order/1".into(),
            order_number: "#1001".into(),
            placed_at: 1_700_000_000_000,
            updated_at: None,
            currency: Currency::parse("EUR").expect("valid"),
            shipping_total: 495,
            tax_total: 0,
            discount_total: 100,
            payment_status: PaymentStatus::Paid,
            status: OrderStatus::Pending,
            priority: 0,
            tags: vec![],
            customer_name: "Anna Schmidt".into(),
            email: None,
            phone: None,
            ship_to: None,
            bill_to: None,
            shipping_service: None,
            ship_by: None,
            lines: vec![
                NewOrderLine {
                    sku: Sku::parse("A-1").expect("valid"),
                    title: "Mug".into(),
                    quantity: Quantity::new(2).expect("valid"),
                    unit_price: 1250,
                },
                NewOrderLine {
                    sku: Sku::parse("B-2").expect("valid"),
                    title: "Tea".into(),
                    quantity: Quantity::new(1).expect("valid"),
                    unit_price: 399,
                },
            ],
        }
    }

    #[test]
    fn totals_add_up() {
        let t = sample().totals().expect("valid");
        assert_eq!(t.subtotal.minor, 2899);
        assert_eq!(t.grand_total.minor, 2899 + 495 - 100);
        assert_eq!(t.item_count, 3);
    }

    #[test]
    fn an_order_without_lines_or_with_a_too_large_discount_is_refused() {
        let mut o = sample();
        o.lines.clear();
        assert_eq!(o.totals().map_err(|e| e.field), Err("lines"));
        let mut o = sample();
        o.discount_total = 1_000_000;
        assert_eq!(o.totals().map_err(|e| e.field), Err("discount_total"));
    }
}
