//! Validation: what must be true before an order may take stock. Each failed check is a
//! finding with a typed hold reason, a stable check code and a message that says what and where.

use crate::postal::{self, PostalCheck};
use crate::settings::contains_any;
use crate::{OrderFacts, ValidationSettings};
use oms_domain::{HoldReason, PaymentStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub reason: HoldReason,
    /// Stable code of the check ("postal_code", "sku_unknown" …), for the UI and for tests.
    pub check: &'static str,
    pub message: String,
}

fn finding(reason: HoldReason, check: &'static str, message: String) -> Finding {
    Finding {
        reason,
        check,
        message,
    }
}

pub fn validate(o: &OrderFacts, s: &ValidationSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    address(o, s, &mut out);
    lines(o, &mut out);
    totals(o, &mut out);
    payment(o, s, &mut out);
    if let Some(other) = &o.context.duplicate_of {
        out.push(finding(
            HoldReason::Validation,
            "duplicate",
            format!(
                "order number {} was already received from this channel as order {other}",
                o.order_number
            ),
        ));
    }
    out
}

fn address(o: &OrderFacts, s: &ValidationSettings, out: &mut Vec<Finding>) {
    let Some(a) = &o.ship_to else {
        out.push(finding(
            HoldReason::Address,
            "address_missing",
            "the order has no ship-to address".into(),
        ));
        return;
    };
    let missing: Vec<&str> = [
        ("name", a.name.trim().is_empty()),
        ("street", a.line1.trim().is_empty()),
        ("city", a.city.trim().is_empty()),
    ]
    .iter()
    .filter(|(_, m)| *m)
    .map(|(f, _)| *f)
    .collect();
    if !missing.is_empty() {
        out.push(finding(
            HoldReason::Address,
            "address_incomplete",
            format!("ship-to address: {} missing", missing.join(", ")),
        ));
    }
    match postal::check_postal_code(&a.country, a.postal_code.as_deref()) {
        PostalCheck::Invalid { expected } => out.push(finding(
            HoldReason::Address,
            "postal_code",
            format!(
                "ship-to postal code {:?} is not valid for {}: expected {expected}",
                a.postal_code.as_deref().unwrap_or_default(),
                a.country
            ),
        )),
        PostalCheck::Missing => out.push(finding(
            HoldReason::Address,
            "postal_code",
            format!("ship-to postal code missing (required in {})", a.country),
        )),
        PostalCheck::Valid(_) | PostalCheck::NotRequired | PostalCheck::Unknown => {}
    }
    if postal::requires_region(&a.country) {
        match a.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => out.push(finding(
                HoldReason::Address,
                "region",
                format!("ship-to state/province missing (required in {})", a.country),
            )),
            Some(r) if postal::normalise_region(&a.country, r).is_none() => out.push(finding(
                HoldReason::Address,
                "region",
                format!("ship-to state/province {r:?} is not one of {}", a.country),
            )),
            Some(_) => {}
        }
    }
    if let Some(service) = &o.shipping_service {
        if let Some(word) = contains_any(service, &s.po_box_refusing_services) {
            let po = [Some(a.line1.as_str()), a.line2.as_deref()]
                .into_iter()
                .flatten()
                .any(postal::is_po_box);
            if po {
                out.push(finding(
                    HoldReason::Address,
                    "po_box",
                    format!("ship-to is a PO box, which the shipping service {service:?} ({word}) does not deliver to"),
                ));
            }
        }
    }
}

fn lines(o: &OrderFacts, out: &mut Vec<Finding>) {
    for l in &o.lines {
        if !l.catalogued {
            out.push(finding(
                HoldReason::Validation,
                "sku_unknown",
                format!("line {}: SKU {} is not in the catalogue", l.line_no, l.sku),
            ));
        } else if !l.active {
            out.push(finding(
                HoldReason::Validation,
                "sku_inactive",
                format!("line {}: SKU {} is inactive", l.line_no, l.sku),
            ));
        }
    }
}

fn totals(o: &OrderFacts, out: &mut Vec<Finding>) {
    let lines: Option<i64> = o.lines.iter().try_fold(0i64, |acc, l| {
        l.unit_price
            .checked_mul(i64::from(l.quantity))
            .and_then(|t| acc.checked_add(t))
    });
    let expected = lines.and_then(|l| {
        l.checked_add(o.shipping_total)?
            .checked_add(o.tax_total)?
            .checked_sub(o.discount_total)
    });
    if expected != Some(o.grand_total) {
        out.push(finding(
            HoldReason::Validation,
            "totals",
            format!(
                "order total {} {} does not equal lines + shipping + tax − discount ({})",
                o.grand_total,
                o.currency,
                expected.map_or("overflow".into(), |e| e.to_string())
            ),
        ));
    }
}

fn payment(o: &OrderFacts, s: &ValidationSettings, out: &mut Vec<Finding>) {
    use PaymentStatus::*;
    let ok = match o.payment_status {
        Paid | PartiallyRefunded => true,
        Authorized => !s.require_capture,
        Pending | Refunded | Voided | Failed => false,
    };
    if !ok {
        out.push(finding(
            HoldReason::Payment,
            "payment",
            format!("payment is {}, not captured", o.payment_status),
        ));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{AddressFacts, LineFacts, OrderContext};

    pub(crate) fn good() -> OrderFacts {
        OrderFacts {
            order_id: 1,
            channel: "shopify".into(),
            order_number: "#1001".into(),
            placed_at: 1_790_000_000_000,
            currency: "EUR".into(),
            grand_total: 2 * 1250 + 495,
            shipping_total: 495,
            tax_total: 0,
            discount_total: 0,
            payment_status: PaymentStatus::Paid,
            email: Some("anna@example.de".into()),
            ship_to: Some(AddressFacts {
                name: "Anna Schmidt".into(),
                line1: "Hauptstraße 5".into(),
                line2: None,
                city: "Berlin".into(),
                region: None,
                postal_code: Some("10115".into()),
                country: "DE".into(),
            }),
            bill_country: None,
            shipping_service: Some("DHL Paket".into()),
            ship_by: None,
            tags: vec![],
            lines: vec![LineFacts {
                line_no: 1,
                sku: "MUG-1".into(),
                quantity: 2,
                unit_price: 1250,
                catalogued: true,
                active: true,
            }],
            context: OrderContext::default(),
        }
    }

    fn checks(o: &OrderFacts) -> Vec<&'static str> {
        validate(o, &ValidationSettings::default())
            .into_iter()
            .map(|f| f.check)
            .collect()
    }

    #[test]
    fn a_good_order_passes_every_check() {
        assert_eq!(checks(&good()), Vec::<&str>::new());
    }

    #[test]
    fn a_missing_or_incomplete_address_is_held_for_address() {
        let mut o = good();
        o.ship_to = None;
        assert_eq!(checks(&o), ["address_missing"]);
        let mut o = good();
        if let Some(a) = o.ship_to.as_mut() {
            a.city = " ".into();
            a.line1 = String::new();
        }
        let f = validate(&o, &ValidationSettings::default());
        assert_eq!(f[0].check, "address_incomplete");
        assert_eq!(f[0].reason, HoldReason::Address);
        assert!(f[0].message.contains("street, city"), "{}", f[0].message);
    }

    #[test]
    fn postal_codes_follow_the_country_format() {
        let mut o = good();
        if let Some(a) = o.ship_to.as_mut() {
            a.postal_code = Some("1011".into());
        }
        let f = validate(&o, &ValidationSettings::default());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].check, "postal_code");
        assert!(f[0].message.contains("DE"), "{}", f[0].message);
        if let Some(a) = o.ship_to.as_mut() {
            a.country = "GB".into();
            a.postal_code = Some("sw1a1aa".into());
        }
        assert!(checks(&o).is_empty(), "a valid UK postcode in any spacing");
        if let Some(a) = o.ship_to.as_mut() {
            a.postal_code = None;
        }
        assert_eq!(checks(&o), ["postal_code"]);
    }

    #[test]
    fn us_ca_au_need_a_real_state() {
        let mut o = good();
        if let Some(a) = o.ship_to.as_mut() {
            a.country = "US".into();
            a.postal_code = Some("94103".into());
        }
        assert_eq!(checks(&o), ["region"]);
        if let Some(a) = o.ship_to.as_mut() {
            a.region = Some("Narnia".into());
        }
        assert_eq!(checks(&o), ["region"]);
        if let Some(a) = o.ship_to.as_mut() {
            a.region = Some("california".into());
        }
        assert!(checks(&o).is_empty());
    }

    #[test]
    fn po_boxes_are_refused_only_for_services_that_refuse_them() {
        let mut o = good();
        if let Some(a) = o.ship_to.as_mut() {
            a.line1 = "Postfach 1234".into();
        }
        assert_eq!(checks(&o), ["po_box"], "DHL refuses Postfach");
        o.shipping_service = Some("Deutsche Post Brief".into());
        assert!(checks(&o).is_empty(), "the post delivers to a Postfach");
    }

    #[test]
    fn unknown_and_inactive_skus_are_named_by_line() {
        let mut o = good();
        o.lines[0].catalogued = false;
        let f = validate(&o, &ValidationSettings::default());
        assert_eq!(f[0].check, "sku_unknown");
        assert!(f[0].message.contains("line 1: SKU MUG-1"));
        o.lines[0].catalogued = true;
        o.lines[0].active = false;
        assert_eq!(checks(&o), ["sku_inactive"]);
    }

    #[test]
    fn totals_must_add_up() {
        let mut o = good();
        o.grand_total += 1;
        assert_eq!(checks(&o), ["totals"]);
        o.grand_total -= 1;
        o.discount_total = 100;
        assert_eq!(checks(&o), ["totals"]);
        o.grand_total -= 100;
        assert!(checks(&o).is_empty());
    }

    #[test]
    fn payment_must_be_captured_or_at_least_authorised() {
        let mut o = good();
        o.payment_status = PaymentStatus::Pending;
        assert_eq!(checks(&o), ["payment"]);
        o.payment_status = PaymentStatus::Authorized;
        assert!(checks(&o).is_empty());
        let strict = ValidationSettings {
            require_capture: true,
            ..Default::default()
        };
        assert_eq!(validate(&o, &strict)[0].check, "payment");
        assert_eq!(validate(&o, &strict)[0].reason, HoldReason::Payment);
    }

    #[test]
    fn a_duplicate_order_number_from_the_same_channel_is_flagged() {
        let mut o = good();
        o.context.duplicate_of = Some("17".into());
        assert_eq!(checks(&o), ["duplicate"]);
    }
}
