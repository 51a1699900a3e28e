//! Order edits, line cancellations and exchanges through the application API (issue 7). An
//! edit or a cancellation gives back what the order held and processes it again (checks,
//! holds, routing); given-back stock may fill other orders' backorders. An exchange is a new
//! order linked to the return and to the order it replaces items of, routed and shipped like
//! any other.

use crate::{now_ms, Api, ApiError, ErrorCode};
use oms_domain::edit_views::*;
use oms_domain::*;

impl Api {
    /// Edits an unshipped order: quantities, new lines, ship-to address, shipping service.
    /// The timeline shows each change before → after.
    pub async fn edit_order(&self, e: &OrderEdit) -> Result<EditResult, ApiError> {
        let s = self.pipeline_settings().await?;
        let rates = self.store.rate_table().await?;
        let run = self.run(&s, &rates, now_ms());
        let r = self.store.edit_order(e, &run).await?;
        self.fill_backorders_all().await?;
        Ok(r)
    }

    /// Cancels units of some lines before they ship (all of them: the order is cancelled).
    pub async fn cancel_lines(&self, c: &CancelLinesInput) -> Result<String, ApiError> {
        let s = self.pipeline_settings().await?;
        let rates = self.store.rate_table().await?;
        let run = self.run(&s, &rates, now_ms());
        let r = self.store.cancel_lines(c, &run).await?;
        self.fill_backorders_all().await?;
        Ok(r)
    }

    /// An exchange for lines of a return: a new order to the same customer and address with
    /// the new items, priced at what they cost above the returned ones (zero for an even swap),
    /// linked both ways and processed at once.
    pub async fn create_exchange(&self, x: &ExchangeInput) -> Result<ExchangeResult, ApiError> {
        if x.lines.is_empty() {
            return Err(ApiError::invalid("exchange: pick at least one line"));
        }
        let r = self.store.return_view(x.return_id).await?;
        if matches!(r.status.as_str(), "rejected" | "closed") {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("return {} is {}: no exchange for it", r.rma, r.status),
            ));
        }
        let d = self.store.get_order(OrderId::new(r.order_id)?).await?;
        let currency = Currency::parse(&d.order.currency)?;
        let mut lines = Vec::new();
        let (mut collect, mut refund) = (0i64, 0i64);
        let mut what = Vec::new();
        for (i, l) in x.lines.iter().enumerate() {
            let rl = r
                .lines
                .iter()
                .find(|rl| rl.line_no == l.line_no)
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "exchange line {}: line {} is not on return {}",
                        i + 1,
                        l.line_no,
                        r.rma
                    ))
                })?;
            if l.quantity <= 0 || l.quantity > rl.quantity {
                return Err(ApiError::invalid(format!(
                    "exchange line {} ({}): {} units, the return has {}",
                    i + 1,
                    rl.sku,
                    l.quantity,
                    rl.quantity
                )));
            }
            let sku = Sku::parse(&l.sku)?;
            let price = l.unit_price.unwrap_or(rl.unit_price);
            if price < 0 {
                return Err(ApiError::invalid(format!(
                    "exchange line {}: price below zero",
                    i + 1
                )));
            }
            let diff = price - rl.unit_price;
            collect += diff.max(0) * l.quantity;
            refund += (-diff).max(0) * l.quantity;
            what.push(format!("{} × {} for {}", l.quantity, sku, rl.sku));
            lines.push(NewOrderLine {
                title: if sku.as_str() == rl.sku {
                    rl.title.clone()
                } else {
                    sku.as_str().to_owned()
                },
                sku,
                quantity: Quantity::new(l.quantity)?,
                unit_price: diff.max(0),
            });
        }
        let n = self.store.exchange_count(r.order_id).await? + 1;
        let external_id = format!("{}-X{n}", r.rma);
        let ship_to = d
            .ship_to
            .as_ref()
            .map(|a| -> Result<Address, ApiError> {
                Ok(Address {
                    name: a.name.clone(),
                    company: a.company.clone(),
                    line1: a.line1.clone(),
                    line2: a.line2.clone(),
                    city: a.city.clone(),
                    region: a.region.clone(),
                    postal_code: a.postal_code.clone(),
                    country: CountryCode::parse(&a.country)?,
                    phone: a.phone.clone(),
                })
            })
            .transpose()?;
        let order = NewOrder {
            channel: ChannelKind::Manual,
            connection_name: "Exchanges".into(),
            external_id: external_id.clone(),
            order_number: format!("{}-X{n}", d.order.order_number),
            placed_at: now_ms(),
            updated_at: None,
            currency,
            shipping_total: 0,
            tax_total: 0,
            discount_total: 0,
            payment_status: if collect == 0 {
                PaymentStatus::Paid
            } else {
                PaymentStatus::Pending
            },
            status: OrderStatus::Pending,
            priority: 0,
            tags: vec![Tag::parse("exchange")?],
            customer_name: d.order.customer_name.clone(),
            email: d.order.email.as_deref().map(Email::parse).transpose()?,
            phone: d.phone.clone(),
            ship_to,
            bill_to: None,
            shipping_service: d.shipping_service.clone(),
            ship_by: None,
            lines,
        };
        self.import_orders(std::slice::from_ref(&order), "exchange")
            .await?;
        let exp = currency.exponent();
        let mut summary = what.join(", ");
        if collect > 0 {
            summary.push_str(&format!(
                "; {} {} to collect",
                format_minor(collect, exp),
                currency.as_str()
            ));
        }
        if refund > 0 {
            summary.push_str(&format!(
                "; {} {} to refund",
                format_minor(refund, exp),
                currency.as_str()
            ));
        }
        let (id, number) = self
            .store
            .link_exchange(x.return_id, &external_id, &summary, &self.actor)
            .await?;
        self.process_orders(&[id], &|_| {}).await?;
        let status = self
            .store
            .get_order(OrderId::new(id)?)
            .await?
            .order
            .status
            .as_str()
            .to_owned();
        Ok(ExchangeResult {
            order_id: id,
            order_number: number,
            to_collect: collect,
            to_refund: refund,
            currency: currency.as_str().to_owned(),
            status,
        })
    }
}

impl Api {
    /// The customer page of an order's customer: orders across the channels (by e-mail, then
    /// by phone), returns, refunds, notes and lifetime value.
    pub async fn customer_page(&self, order_id: i64) -> Result<CustomerPage, ApiError> {
        Ok(self.store.customer_page(order_id).await?)
    }

    /// Notes that mention `@name` (None: the operator running the app), newest first.
    pub async fn mentions(&self, name: Option<&str>) -> Result<Vec<NoteView>, ApiError> {
        let me = self.operator();
        Ok(self.store.mentions(name.unwrap_or(&me), 100).await?)
    }

    /// The operator's name as a note mentions it (`@name`).
    pub fn operator(&self) -> String {
        self.actor
            .strip_prefix("user:")
            .unwrap_or(&self.actor)
            .to_owned()
    }
}
