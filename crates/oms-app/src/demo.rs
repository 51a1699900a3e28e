//! A deterministic generator of realistic multi-channel orders: the same (index, anchor) always
//! gives the same order, so any count up to millions can be generated in parallel or resumed.

use oms_domain::*;

/// splitmix64: tiny, fast, and good enough for demo data.
struct Rng(u64);
impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct Channel {
    kind: ChannelKind,
    name: &'static str,
    prefix: &'static str,
    currency: &'static str,
    weight: u64,
}

const CHANNELS: &[Channel] = &[
    Channel {
        kind: ChannelKind::Shopify,
        name: "Shopify – Main store",
        prefix: "#",
        currency: "EUR",
        weight: 34,
    },
    Channel {
        kind: ChannelKind::Woocommerce,
        name: "WooCommerce – Outlet",
        prefix: "WC-",
        currency: "EUR",
        weight: 12,
    },
    Channel {
        kind: ChannelKind::Amazon,
        name: "Amazon DE",
        prefix: "302-",
        currency: "EUR",
        weight: 18,
    },
    Channel {
        kind: ChannelKind::Amazon,
        name: "Amazon US",
        prefix: "113-",
        currency: "USD",
        weight: 10,
    },
    Channel {
        kind: ChannelKind::Ebay,
        name: "eBay UK",
        prefix: "EB-",
        currency: "GBP",
        weight: 9,
    },
    Channel {
        kind: ChannelKind::Etsy,
        name: "Etsy",
        prefix: "ET-",
        currency: "USD",
        weight: 7,
    },
    Channel {
        kind: ChannelKind::Pos,
        name: "POS Berlin Mitte",
        prefix: "POS-",
        currency: "EUR",
        weight: 6,
    },
    Channel {
        kind: ChannelKind::Edi,
        name: "B2B EDI – Nordhandel",
        prefix: "PO-",
        currency: "EUR",
        weight: 4,
    },
];

struct Place {
    country: &'static str,
    cities: &'static [(&'static str, &'static str, Option<&'static str>)], // city, postal code, region
    first: &'static [&'static str],
    last: &'static [&'static str],
    streets: &'static [&'static str],
    phone_prefix: &'static str,
    street_number_first: bool,
}

const DE_FIRST: &[&str] = &[
    "Anna", "Lukas", "Mia", "Leon", "Sophie", "Jonas", "Lena", "Felix", "Marie", "Paul", "Hannah",
    "Tim", "Laura", "Max", "Julia", "Niklas",
];
const DE_LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
];
const EN_FIRST: &[&str] = &[
    "Olivia", "James", "Amelia", "Oliver", "Isla", "Harry", "Emily", "Jack", "Grace", "George",
    "Ava", "Noah", "Ella", "Leo", "Chloe", "Henry",
];
const EN_LAST: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
];
const US_FIRST: &[&str] = &[
    "Emma", "Liam", "Sophia", "Mason", "Isabella", "Ethan", "Ava", "Logan", "Madison", "Lucas",
    "Abigail", "Aiden", "Harper", "Carter", "Evelyn", "Wyatt",
];
const US_LAST: &[&str] = &[
    "Johnson",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Anderson",
    "Thomas",
    "Jackson",
    "Lee",
    "Perez",
    "Harris",
    "Clark",
    "Lewis",
];
const FR_FIRST: &[&str] = &[
    "Camille", "Louis", "Chloé", "Gabriel", "Léa", "Jules", "Manon", "Hugo", "Inès", "Arthur",
];
const FR_LAST: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau",
];
const NL_FIRST: &[&str] = &[
    "Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sara", "Levi", "Anna",
];
const NL_LAST: &[&str] = &[
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
];

const PLACES: &[Place] = &[
    Place {
        country: "DE",
        cities: &[
            ("Berlin", "10115", None),
            ("Hamburg", "20095", None),
            ("München", "80331", Some("BY")),
            ("Köln", "50667", None),
            ("Leipzig", "04109", Some("SN")),
            ("Frankfurt am Main", "60311", Some("HE")),
            ("Stuttgart", "70173", Some("BW")),
            ("Dresden", "01067", Some("SN")),
        ],
        first: DE_FIRST,
        last: DE_LAST,
        streets: &[
            "Hauptstraße",
            "Bahnhofstraße",
            "Gartenweg",
            "Lindenallee",
            "Schillerstraße",
            "Goethestraße",
            "Bergstraße",
        ],
        phone_prefix: "+49 30 ",
        street_number_first: false,
    },
    Place {
        country: "AT",
        cities: &[
            ("Wien", "1010", None),
            ("Graz", "8010", None),
            ("Linz", "4020", None),
            ("Salzburg", "5020", None),
        ],
        first: DE_FIRST,
        last: DE_LAST,
        streets: &["Ringstraße", "Mariahilfer Straße", "Landstraße"],
        phone_prefix: "+43 1 ",
        street_number_first: false,
    },
    Place {
        country: "FR",
        cities: &[
            ("Paris", "75001", None),
            ("Lyon", "69001", None),
            ("Marseille", "13001", None),
            ("Toulouse", "31000", None),
        ],
        first: FR_FIRST,
        last: FR_LAST,
        streets: &[
            "rue de la Paix",
            "avenue Victor Hugo",
            "rue du Moulin",
            "boulevard Voltaire",
        ],
        phone_prefix: "+33 1 ",
        street_number_first: true,
    },
    Place {
        country: "NL",
        cities: &[
            ("Amsterdam", "1012 AB", None),
            ("Rotterdam", "3011 AA", None),
            ("Utrecht", "3511 AA", None),
        ],
        first: NL_FIRST,
        last: NL_LAST,
        streets: &["Kerkstraat", "Dorpsstraat", "Prinsengracht"],
        phone_prefix: "+31 20 ",
        street_number_first: false,
    },
    Place {
        country: "GB",
        cities: &[
            ("London", "SW1A 1AA", None),
            ("Manchester", "M1 1AE", None),
            ("Bristol", "BS1 4DJ", None),
            ("Edinburgh", "EH1 1YZ", None),
            ("Leeds", "LS1 4AP", None),
        ],
        first: EN_FIRST,
        last: EN_LAST,
        streets: &[
            "High Street",
            "Station Road",
            "Church Lane",
            "Victoria Road",
            "Park Avenue",
        ],
        phone_prefix: "+44 20 ",
        street_number_first: true,
    },
    Place {
        country: "US",
        cities: &[
            ("New York", "10001", Some("NY")),
            ("Austin", "78701", Some("TX")),
            ("Seattle", "98101", Some("WA")),
            ("Chicago", "60601", Some("IL")),
            ("Denver", "80202", Some("CO")),
            ("Miami", "33101", Some("FL")),
            ("Portland", "97201", Some("OR")),
        ],
        first: US_FIRST,
        last: US_LAST,
        streets: &[
            "Main Street",
            "Oak Avenue",
            "Maple Drive",
            "Cedar Lane",
            "Elm Street",
            "Washington Blvd",
        ],
        phone_prefix: "+1 512 ",
        street_number_first: true,
    },
    Place {
        country: "CA",
        cities: &[
            ("Toronto", "M5H 2N2", Some("ON")),
            ("Vancouver", "V6B 1A1", Some("BC")),
            ("Montréal", "H2Y 1C6", Some("QC")),
        ],
        first: US_FIRST,
        last: US_LAST,
        streets: &["King Street", "Queen Street", "Yonge Street"],
        phone_prefix: "+1 416 ",
        street_number_first: true,
    },
    Place {
        country: "AU",
        cities: &[
            ("Sydney", "2000", Some("NSW")),
            ("Melbourne", "3000", Some("VIC")),
            ("Brisbane", "4000", Some("QLD")),
        ],
        first: EN_FIRST,
        last: EN_LAST,
        streets: &["George Street", "Collins Street", "Queen Street"],
        phone_prefix: "+61 2 ",
        street_number_first: true,
    },
];

/// Which places each currency's channels mostly ship to.
fn place_for(rng: &mut Rng, currency: &str) -> &'static Place {
    let idx = match currency {
        "USD" => *rng.pick(&[5, 5, 5, 5, 5, 6, 7, 4]),
        "GBP" => *rng.pick(&[4, 4, 4, 4, 4, 0, 2]),
        _ => *rng.pick(&[0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5]),
    };
    &PLACES[idx]
}

/// The demo catalogue's SKUs.
pub fn skus() -> impl Iterator<Item = &'static str> {
    PRODUCTS.iter().map(|p| p.0)
}

const PRODUCTS: &[(&str, &str, i64)] = &[
    ("MUG-CER-WHT", "Ceramic mug, white, 350 ml", 1290),
    ("MUG-CER-BLK", "Ceramic mug, black, 350 ml", 1290),
    ("TEA-EARL-100", "Earl Grey loose tea, 100 g", 790),
    ("TEA-SENC-100", "Sencha green tea, 100 g", 990),
    ("COF-ESP-500", "Espresso beans, 500 g", 1690),
    ("COF-FIL-250", "Filter coffee, 250 g", 890),
    ("KTL-STL-1L", "Stainless kettle, 1 l", 4990),
    ("GRN-BUR-MAN", "Manual burr grinder", 5990),
    ("TS-ORG-S", "Organic cotton T-shirt, S", 2490),
    ("TS-ORG-M", "Organic cotton T-shirt, M", 2490),
    ("TS-ORG-L", "Organic cotton T-shirt, L", 2490),
    ("HOOD-GRY-M", "Hoodie, grey, M", 5490),
    ("HOOD-GRY-L", "Hoodie, grey, L", 5490),
    ("BAG-CAN-NAT", "Canvas tote bag, natural", 1490),
    ("BTL-STL-750", "Insulated bottle, 750 ml", 2990),
    ("NB-A5-DOT", "Notebook A5, dotted", 1190),
    ("PEN-FNT-BLU", "Fountain pen, blue", 3490),
    ("CND-SOY-LAV", "Soy candle, lavender", 1890),
    ("CND-SOY-CED", "Soy candle, cedar", 1890),
    ("BLK-WOL-GRY", "Wool blanket, grey", 8990),
    ("PLT-CER-SET4", "Ceramic plates, set of 4", 3990),
    ("BWL-CER-SET2", "Ceramic bowls, set of 2", 2490),
    ("SPN-OAK-SET", "Oak spoons, set of 3", 1590),
    ("BRD-OAK-M", "Oak cutting board, M", 3290),
];

const TAGS: &[&str] = &[
    "vip",
    "gift",
    "wholesale",
    "repeat",
    "fragile",
    "priority",
    "influencer",
    "preorder",
];
const SERVICES: &[&str] = &[
    "standard", "standard", "standard", "economy", "express", "next_day",
];

/// Generates order `i` (0-based) of a demo set of `count` orders whose newest order is near
/// `anchor_ms`.
/// Orders spread over the 365 days before the anchor; the newer the order, the earlier in its
/// lifecycle it tends to be.
pub fn demo_order(i: u64, count: u64, anchor_ms: i64) -> NewOrder {
    let mut rng = Rng::new(i.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5EED);
    let total_w: u64 = CHANNELS.iter().map(|c| c.weight).sum();
    let mut w = rng.below(total_w);
    let ch = CHANNELS
        .iter()
        .find(|c| {
            if w < c.weight {
                true
            } else {
                w -= c.weight;
                false
            }
        })
        .unwrap_or(&CHANNELS[0]);
    let currency = Currency::of(ch.currency);
    // Orders arrive in time order, as a channel delivers them: order i of `count` sits at
    // position q in the year; age falls with the square of (1 - q), so recent days hold more
    // orders (a growing shop).
    let q = (i as f64 + rng.below(1_000) as f64 / 1_000.0) / count.max(1) as f64;
    let r = (1.0 - q).clamp(0.0, 1.0);
    let age_ms = ((r * r) * 365.0 * 86_400_000.0) as i64;
    let placed_at = anchor_ms - age_ms;
    let age_days = age_ms / 86_400_000;

    let place = place_for(&mut rng, ch.currency);
    let first = *rng.pick(place.first);
    let last = *rng.pick(place.last);
    let name = format!("{first} {last}");
    let (city, postal, region) = *rng.pick(place.cities);
    let street = *rng.pick(place.streets);
    let number = 1 + rng.below(180);
    let line1 = if place.street_number_first {
        format!("{number} {street}")
    } else {
        format!("{street} {number}")
    };
    let email_local: String = format!("{}.{}{}", first, last, rng.below(100))
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'ä' => 'a',
            'ö' => 'o',
            'ü' => 'u',
            'é' | 'è' => 'e',
            'ç' => 'c',
            ' ' => '.',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let domain = *rng.pick(&["example.com", "example.org", "example.net", "mail.example"]);
    let email = Email::parse(&format!("{email_local}@{domain}")).ok();
    let phone = Some(format!(
        "{}{}",
        place.phone_prefix,
        1_000_000 + rng.below(8_999_999)
    ));
    let address = CountryCode::parse(place.country)
        .ok()
        .map(|country| Address {
            name: name.clone(),
            company: if ch.kind == ChannelKind::Edi {
                Some(format!("{last} Handel GmbH"))
            } else {
                None
            },
            line1,
            line2: if rng.chance(10) {
                Some(format!("Apt {}", 1 + rng.below(40)))
            } else {
                None
            },
            city: city.to_owned(),
            region: region.map(str::to_owned),
            postal_code: Some(postal.to_owned()),
            country,
            phone: phone.clone(),
        });

    let n_lines = 1 + (rng.below(100).pow(2) / 1700).min(5) as usize; // 1–6, mean ≈ 2.5
    let mut lines = Vec::with_capacity(n_lines);
    let mut used = Vec::new();
    for _ in 0..n_lines {
        let mut p = rng.below(PRODUCTS.len() as u64) as usize;
        while used.contains(&p) {
            p = (p + 1) % PRODUCTS.len();
        }
        used.push(p);
        let (sku, title, price_eur_cents) = PRODUCTS[p];
        let unit_price = match ch.currency {
            "USD" => price_eur_cents * 108 / 100,
            "GBP" => price_eur_cents * 86 / 100,
            _ => price_eur_cents,
        } / 10
            * 10
            - if rng.chance(50) { 1 } else { 0 };
        let qty = if ch.kind == ChannelKind::Edi {
            6 * (1 + rng.below(8))
        } else if rng.chance(85) {
            1
        } else {
            2 + rng.below(3)
        };
        if let (Ok(sku), Ok(quantity)) = (Sku::parse(sku), Quantity::new(qty as i64)) {
            lines.push(NewOrderLine {
                sku,
                title: title.to_owned(),
                quantity,
                unit_price,
            });
        }
    }
    let service = if ch.kind == ChannelKind::Pos {
        None
    } else {
        Some((*rng.pick(SERVICES)).to_owned())
    };
    let shipping_total = match service.as_deref() {
        None => 0,
        Some("express") => 1290,
        Some("next_day") => 1990,
        Some("economy") => 395,
        _ => 595,
    };
    let discount_total = if rng.chance(12) { 500 } else { 0 };

    // Lifecycle by age: old orders are done, new ones are still moving.
    let roll = rng.below(100);
    // Open orders arrive as pending: the pipeline decides whether they are held, reserved or
    // backordered.
    let status = match age_days {
        0 => OrderStatus::Pending,
        1..=2 => match roll {
            0..=59 => OrderStatus::Pending,
            _ => OrderStatus::Shipped,
        },
        3..=7 => match roll {
            0..=6 => OrderStatus::Pending,
            7..=54 => OrderStatus::Shipped,
            55..=95 => OrderStatus::Delivered,
            _ => OrderStatus::Cancelled,
        },
        _ => match roll {
            0..=88 => OrderStatus::Delivered,
            89..=93 => OrderStatus::Returned,
            94..=96 => OrderStatus::Cancelled,
            _ => OrderStatus::Shipped,
        },
    };
    let payment_status = match status {
        OrderStatus::Pending if rng.chance(30) => PaymentStatus::Pending,
        OrderStatus::Pending if rng.chance(20) => PaymentStatus::Authorized,
        OrderStatus::Cancelled => *rng.pick(&[PaymentStatus::Refunded, PaymentStatus::Voided]),
        OrderStatus::Returned => {
            *rng.pick(&[PaymentStatus::Refunded, PaymentStatus::PartiallyRefunded])
        }
        _ => PaymentStatus::Paid,
    };
    let mut tags = Vec::new();
    if rng.chance(18) {
        if let Ok(t) = Tag::parse(rng.pick::<&str>(TAGS)) {
            tags.push(t);
        }
    }
    if ch.kind == ChannelKind::Edi {
        if let Ok(t) = Tag::parse("wholesale") {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    let priority = match service.as_deref() {
        Some("next_day") => 2,
        Some("express") => 1,
        _ => 0,
    } + i32::from(tags.iter().any(|t| t.as_str() == "vip"));
    let ship_days = match service.as_deref() {
        Some("next_day") | Some("express") => 1,
        None => 0,
        _ => 2,
    };
    NewOrder {
        channel: ch.kind,
        connection_name: ch.name.to_owned(),
        external_id: format!("{}{}", ch.kind.as_str(), 100_000_000 + i),
        order_number: format!("{}{}", ch.prefix, 10_000 + i),
        placed_at,
        updated_at: None,
        currency,
        shipping_total,
        tax_total: 0,
        discount_total,
        payment_status,
        status,
        priority,
        tags,
        customer_name: name,
        email,
        phone,
        ship_to: address.clone(),
        bill_to: address,
        shipping_service: service,
        ship_by: Some(placed_at + ship_days * 86_400_000 + 57_600_000),
        lines,
    }
}

/// Locations and stock for the demo catalogue: three locations, most SKUs plentiful, a few
/// scarce (so some orders are split or backordered), one out of stock with a delivery on the
/// way, and one that allows backorders. Only on a database without locations.
pub async fn seed_inventory(api: &crate::Api, open_orders: u64) -> Result<(), crate::ApiError> {
    use crate::{NewLocation, StockChangeInput};
    if !api.list_locations().await?.is_empty() {
        return Ok(());
    }
    let places = [
        (
            LocationKind::Warehouse,
            "Berlin warehouse",
            "Lagerstraße 12",
            "Berlin",
            "12099",
            "DE",
            52.46,
            13.40,
        ),
        (
            LocationKind::Store,
            "Leipzig store",
            "Petersstraße 8",
            "Leipzig",
            "04109",
            "DE",
            51.34,
            12.37,
        ),
        (
            LocationKind::ThirdPartyLogistics,
            "Manchester 3PL",
            "Trafford Park Road 3",
            "Manchester",
            "M17 1AB",
            "GB",
            53.46,
            -2.32,
        ),
    ];
    let mut ids = Vec::new();
    for (kind, name, line1, city, postal, country, lat, lon) in places {
        let l = api
            .create_location(&NewLocation {
                kind,
                name: name.into(),
                address: Some(AddressView {
                    name: name.into(),
                    company: None,
                    line1: line1.into(),
                    line2: None,
                    city: city.into(),
                    region: None,
                    postal_code: Some(postal.into()),
                    country: country.into(),
                    phone: None,
                }),
                lat: Some(lat),
                lon: Some(lon),
                routing: LocationRouting {
                    // The warehouse is preferred; the store ships what the warehouse cannot;
                    // the 3PL serves Britain and Ireland.
                    priority: match kind {
                        LocationKind::Warehouse => 2,
                        LocationKind::Store => 1,
                        _ => 0,
                    },
                    ships_to: if country == "GB" {
                        vec!["GB".into(), "IE".into()]
                    } else {
                        Vec::new()
                    },
                    capacity_orders: (kind == LocationKind::Store).then_some(300),
                    ..Default::default()
                },
            })
            .await?;
        ids.push(l.id);
    }
    // Units per SKU so that, over all open orders (about 2.8 units each, spread over the
    // catalogue), most SKUs have plenty and a few run short.
    let per_sku = (open_orders * 3 / PRODUCTS.len() as u64).max(5) as i64;
    let mut changes = Vec::new();
    for (i, (sku, title, _)) in PRODUCTS.iter().enumerate() {
        api.upsert_product(sku, Some(title), Some(true), Some(i % 11 == 5))
            .await?;
        let scarce = i % 7 == 3;
        let none = i % 13 == 12;
        if none {
            continue;
        }
        let total = if scarce { per_sku / 4 } else { per_sku * 2 };
        let split = [
            total * 6 / 10,
            total * 3 / 10,
            total - total * 6 / 10 - total * 3 / 10,
        ];
        for (loc, n) in ids.iter().zip(split) {
            if n > 0 {
                changes.push(StockChangeInput {
                    sku: (*sku).into(),
                    location_id: *loc,
                    kind: MovementKind::Receipt,
                    quantity: n,
                    reason: Some("demo: opening stock".into()),
                });
            }
        }
        api.set_safety_stock(sku, ids[0], (per_sku / 20).max(1))
            .await?;
    }
    api.change_stock(&changes).await?;
    for (i, (sku, _, _)) in PRODUCTS.iter().enumerate() {
        if i % 13 == 12 || i % 7 == 3 {
            api.set_incoming(sku, ids[0], per_sku, Some(crate::now_ms() + 5 * 86_400_000))
                .await?;
        }
    }
    Ok(())
}

/// Shows the special flows: a dozen open German orders are collected at the Leipzig store
/// (half of them ready), and the products out of stock with a delivery on the way become
/// pre-orders released when it lands. (The Manchester 3PL's orders already have hand-offs.)
pub async fn seed_flows(api: &crate::Api) -> Result<(), crate::ApiError> {
    let locations = api.list_locations().await?;
    let Some(store) = locations.iter().find(|l| l.kind == LocationKind::Store) else {
        return Ok(());
    };
    let page = api
        .list_orders(&OrderQuery {
            status: Some(OrderStatus::Allocated),
            country: Some("DE".into()),
            limit: 12,
            ..Default::default()
        })
        .await?;
    for (i, r) in page.rows.iter().enumerate() {
        let out = api.set_pickup_location(r.id, Some(store.id)).await?;
        if i % 2 == 0 && out.status == OrderStatus::Allocated {
            // Not every one can be set aside (the store may lack a unit): that is the point.
            let _ = api.mark_ready_for_pickup(&[r.id], &|_| {}).await?;
        }
    }
    let release = crate::now_ms() + 5 * 86_400_000;
    for (i, (sku, _, _)) in PRODUCTS.iter().enumerate() {
        if i % 13 == 12 {
            api.set_release_date(sku, Some(release)).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid() {
        let anchor = 1_790_000_000_000;
        for i in 0..5_000 {
            let a = demo_order(i, 5_000, anchor);
            assert_eq!(a, demo_order(i, 5_000, anchor), "same input, same order");
            let t = a.totals().expect("demo orders are valid");
            assert!(t.grand_total.minor > 0);
            assert!((1..=6).contains(&a.lines.len()));
            assert!(a.placed_at <= anchor && a.placed_at > anchor - 366 * 86_400_000);
        }
    }

    #[test]
    fn spread_across_channels_statuses_and_countries() {
        let anchor = 1_790_000_000_000;
        let orders: Vec<_> = (0..20_000).map(|i| demo_order(i, 20_000, anchor)).collect();
        let mut channels = std::collections::HashSet::new();
        let mut statuses = std::collections::HashSet::new();
        let mut countries = std::collections::HashSet::new();
        let mut lines = 0usize;
        for o in &orders {
            channels.insert(o.connection_name.clone());
            statuses.insert(o.status);
            countries.insert(o.ship_to.as_ref().map(|a| a.country.to_string()));
            lines += o.lines.len();
        }
        assert_eq!(channels.len(), CHANNELS.len());
        assert!(statuses.len() >= 5, "{statuses:?}");
        assert!(countries.len() >= 7);
        let mean = lines as f64 / orders.len() as f64;
        assert!((2.0..3.0).contains(&mean), "mean lines per order {mean}");
    }
}
