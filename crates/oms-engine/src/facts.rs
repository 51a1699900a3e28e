//! What the rules look at: one order with the context the store gathered for it.

use oms_domain::PaymentStatus;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressFacts {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
}

impl AddressFacts {
    /// A comparable form: case, spacing and punctuation do not make two addresses differ.
    pub fn key(&self) -> String {
        let parts = [
            self.name.as_str(),
            self.line1.as_str(),
            self.line2.as_deref().unwrap_or(""),
            self.city.as_str(),
            self.postal_code.as_deref().unwrap_or(""),
            self.country.as_str(),
        ];
        parts
            .iter()
            .map(|p| {
                p.chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("|")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    pub line_no: u32,
    pub sku: String,
    pub quantity: u32,
    pub unit_price: i64,
    /// In the catalogue (created by a stock receipt, a stock import or by hand), not only
    /// seen on an order.
    pub catalogued: bool,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub order_id: i64,
    pub channel: String,
    pub order_number: String,
    pub placed_at: i64,
    pub currency: String,
    pub grand_total: i64,
    pub shipping_total: i64,
    pub tax_total: i64,
    pub discount_total: i64,
    pub payment_status: PaymentStatus,
    pub email: Option<String>,
    pub ship_to: Option<AddressFacts>,
    /// The billing country when a separate billing address was given.
    pub bill_country: Option<String>,
    pub shipping_service: Option<String>,
    pub ship_by: Option<i64>,
    /// The order's tags and its customer's, lower case.
    pub tags: Vec<String>,
    pub lines: Vec<LineFacts>,
    pub context: OrderContext,
}

/// Facts about other orders, gathered by the store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderContext {
    /// Orders the same customer placed before this one.
    pub customer_prior_orders: u32,
    /// Orders from the same e-mail within the velocity window before this one (this one excluded).
    pub recent_same_email: u32,
    /// Orders to the same postal code and street within the velocity window (this one excluded).
    pub recent_same_address: u32,
    /// Order number of another order from the same connection with the same order number.
    pub duplicate_of: Option<String>,
}
