//! The pick list and packing slips as PDF pages for the printer (issue 6), in English or
//! German. Laid out with the small writer in `pdf.rs`.

use crate::health::Lang;
use crate::pdf::{self, fit, Flow, Page, MARGIN};
use oms_domain::fulfil_views::{PackingSlip, PickList};

struct Words {
    pick_list: &'static str,
    packing_slip: &'static str,
    bin: &'static str,
    sku: &'static str,
    product: &'static str,
    qty: &'static str,
    orders: &'static str,
    order: &'static str,
    placed: &'static str,
    ship_to: &'static str,
    units: &'static str,
    no_bin: &'static str,
    packed: &'static str,
    later: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            pick_list: "Pick list",
            packing_slip: "Packing slip",
            bin: "Bin",
            sku: "SKU",
            product: "Product",
            qty: "Qty",
            orders: "Orders",
            order: "Order",
            placed: "Placed",
            ship_to: "Ship to",
            units: "units",
            no_bin: "—",
            packed: "Packed",
            later: "of {n} ordered; the rest ships separately",
        },
        Lang::De => Words {
            pick_list: "Pickliste",
            packing_slip: "Lieferschein",
            bin: "Lagerplatz",
            sku: "Artikelnr.",
            product: "Artikel",
            qty: "Menge",
            orders: "Bestellungen",
            order: "Bestellung",
            placed: "Bestellt am",
            ship_to: "Lieferadresse",
            units: "Stück",
            no_bin: "—",
            packed: "Gepackt",
            later: "von {n} bestellt; der Rest folgt separat",
        },
    }
}

/// The UTC date of an instant, "2026-12-02".
fn day(ms: i64) -> String {
    oms_domain::views::day_to_iso(ms.div_euclid(86_400_000))
}

/// The pick list as PDF pages.
pub fn pick_list_pdf(p: &PickList, lang: Lang) -> Vec<u8> {
    let w = words(lang);
    let mut f = Flow::new();
    let title = format!("{} {}", w.pick_list, p.batch);
    let y = f.y;
    f.page().text(MARGIN, y - 10.0, 18.0, true, &title);
    f.page().text(
        MARGIN,
        y - 28.0,
        10.0,
        false,
        &format!("{} · {} {}", p.location, p.units, w.units),
    );
    f.y -= 50.0;
    let cols = [
        MARGIN,
        MARGIN + 70.0,
        MARGIN + 170.0,
        MARGIN + 390.0,
        MARGIN + 430.0,
    ];
    let header = |page: &mut Page, y: f32, w: &Words| {
        page.rect(MARGIN, y - 16.0, pdf::A4_W - 2.0 * MARGIN, 16.0, Some(0.9));
        for (x, t) in cols.iter().zip([w.bin, w.sku, w.product, w.qty, w.orders]) {
            page.text(*x + 2.0, y - 12.0, 9.0, true, t);
        }
        y - 20.0
    };
    let y = f.y;
    f.y = header(f.page(), y, &w);
    for r in &p.rows {
        let orders: Vec<String> = r
            .orders
            .iter()
            .map(|o| format!("{} ×{}", o.order_number, o.quantity))
            .collect();
        // Orders wrap onto extra lines of the row.
        let mut order_lines: Vec<String> = vec![String::new()];
        for o in orders {
            let last = order_lines.len() - 1;
            let cand = if order_lines[last].is_empty() {
                o.clone()
            } else {
                format!("{}, {o}", order_lines[last])
            };
            if pdf::width(&cand, 9.0) > pdf::A4_W - MARGIN - cols[4] - 4.0
                && !order_lines[last].is_empty()
            {
                order_lines.push(o);
            } else {
                order_lines[last] = cand;
            }
        }
        let h = 16.0 + 11.0 * (order_lines.len().saturating_sub(1)) as f32;
        if f.y - h < MARGIN + 20.0 {
            f.break_page();
            let y = f.y;
            f.y = header(f.page(), y, &w);
        }
        let y = f.y;
        let page = f.page();
        page.rect(cols[0] - 0.0, y - 11.0, 8.0, 8.0, None);
        page.text(
            cols[0] + 12.0,
            y - 10.0,
            10.0,
            true,
            r.bin.as_deref().unwrap_or(w.no_bin),
        );
        page.text(cols[1] + 2.0, y - 10.0, 9.0, false, &fit(&r.sku, 9.0, 96.0));
        page.text(
            cols[2] + 2.0,
            y - 10.0,
            9.0,
            false,
            &fit(&r.title, 9.0, 214.0),
        );
        page.text_right(cols[4] - 8.0, y - 10.0, 11.0, true, &r.quantity.to_string());
        for (i, l) in order_lines.iter().enumerate() {
            page.text(cols[4] + 2.0, y - 10.0 - 11.0 * i as f32, 9.0, false, l);
        }
        page.line(MARGIN, y - h + 2.0, pdf::A4_W - MARGIN, y - h + 2.0, 0.3);
        f.y -= h;
    }
    pdf::render(&f.pages, &title, &title)
}

/// Packing slips, one page each (a long order continues on the next).
pub fn packing_slips_pdf(slips: &[PackingSlip], lang: Lang, title: &str) -> Vec<u8> {
    let w = words(lang);
    let mut f = Flow::new();
    for (i, s) in slips.iter().enumerate() {
        if i > 0 {
            f.break_page();
        }
        let y = f.y;
        let page = f.page();
        page.text(
            MARGIN,
            y - 10.0,
            18.0,
            true,
            &format!("{} {}", w.packing_slip, s.order_number),
        );
        page.text(
            MARGIN,
            y - 28.0,
            10.0,
            false,
            &format!(
                "{} · {} {} · {}",
                s.channel,
                w.placed,
                day(s.placed_at),
                s.location
            ),
        );
        let mut ay = y - 60.0;
        page.text(MARGIN, ay, 9.0, true, w.ship_to);
        ay -= 14.0;
        if let Some(a) = &s.ship_to {
            let mut lines = vec![a.name.clone()];
            lines.extend(a.company.clone());
            lines.push(a.line1.clone());
            lines.extend(a.line2.clone());
            lines.push(
                [a.postal_code.clone().unwrap_or_default(), a.city.clone()]
                    .join(" ")
                    .trim()
                    .to_owned(),
            );
            lines.extend(a.region.clone());
            lines.push(a.country.clone());
            for l in lines.iter().filter(|l| !l.is_empty()) {
                page.text(MARGIN, ay, 11.0, false, l);
                ay -= 14.0;
            }
        } else if let Some(c) = &s.customer {
            page.text(MARGIN, ay, 11.0, false, c);
            ay -= 14.0;
        }
        f.y = ay - 16.0;
        let cols = [
            MARGIN,
            MARGIN + 24.0,
            MARGIN + 130.0,
            MARGIN + 420.0,
            MARGIN + 470.0,
        ];
        let y = f.y;
        let page = f.page();
        page.rect(MARGIN, y - 16.0, pdf::A4_W - 2.0 * MARGIN, 16.0, Some(0.9));
        for (x, t) in cols[1..].iter().zip([w.sku, w.product, w.qty, w.bin]) {
            page.text(*x + 2.0, y - 12.0, 9.0, true, t);
        }
        f.y -= 20.0;
        for l in &s.lines {
            let extra = l.ordered > l.quantity;
            let h = if extra { 28.0 } else { 18.0 };
            f.need(h);
            let y = f.y;
            let page = f.page();
            page.rect(cols[0] + 4.0, y - 13.0, 10.0, 10.0, None);
            page.text(
                cols[1] + 2.0,
                y - 11.0,
                10.0,
                false,
                &fit(&l.sku, 10.0, 100.0),
            );
            page.text(
                cols[2] + 2.0,
                y - 11.0,
                10.0,
                false,
                &fit(&l.title, 10.0, 280.0),
            );
            page.text_right(
                cols[4] - 14.0,
                y - 11.0,
                12.0,
                true,
                &l.quantity.to_string(),
            );
            page.text(
                cols[4] + 2.0,
                y - 11.0,
                9.0,
                false,
                l.bin.as_deref().unwrap_or(""),
            );
            if extra {
                page.text(
                    cols[2] + 2.0,
                    y - 23.0,
                    8.0,
                    false,
                    &w.later.replace("{n}", &l.ordered.to_string()),
                );
            }
            page.line(MARGIN, y - h + 2.0, pdf::A4_W - MARGIN, y - h + 2.0, 0.3);
            f.y -= h;
        }
        let units: i64 = s.lines.iter().map(|l| l.quantity).sum();
        f.need(30.0);
        let y = f.y;
        f.page().text_right(
            cols[4] - 14.0,
            y - 16.0,
            10.0,
            true,
            &format!("{units} {}", w.units),
        );
        if let Some(p) = &s.packed {
            f.page().text(
                MARGIN,
                y - 16.0,
                9.0,
                false,
                &format!("{}: {} {}", w.packed, p.units, w.units),
            );
        }
        f.y -= 30.0;
        let _ = w.order;
    }
    pdf::render(&f.pages, title, title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(1_764_633_600_000), "2025-12-02");
    }
}
