#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn geo() -> &'static Geocoder {
    Geocoder::global().expect("bundled data loads")
}

#[track_caller]
fn assert_near(got: Option<Located>, precision: Precision, lat: f64, lon: f64, km: f64) {
    let got = got.expect("located");
    assert_eq!(got.precision, precision, "{got:?}");
    let d = haversine_km(got.lat, got.lon, lat, lon);
    assert!(d <= km, "{got:?} is {d:.1} km from ({lat}, {lon})");
}

fn postal(cc: &str, code: &str) -> Option<Located> {
    geo().locate(cc, Some(code), None, None)
}

#[test]
fn load_succeeds_and_global_is_shared() {
    let g = Geocoder::load().unwrap();
    assert!(g.countries.len() > 200);
    assert!(g.countries[b"US"].postal.len() > 40_000);
    let a = Geocoder::global().unwrap();
    let b = Geocoder::global().unwrap();
    assert!(std::ptr::eq(a, b));
}

#[test]
fn us_zip_codes() {
    let p = Precision::PostalCode;
    assert_near(postal("US", "10001"), p, 40.75, -73.99, 3.0);
    assert_near(postal("US", "94103"), p, 37.77, -122.41, 3.0);
    assert_eq!(postal("US", "10001-1234"), postal("US", "10001"));
    assert_eq!(postal("US", "100011234"), postal("US", "10001"));
    assert_eq!(postal("US", " 10001 "), postal("US", "10001"));
    // A ZIP that lost its leading zero in a spreadsheet: 02134 Boston (Allston).
    assert_near(postal("US", "2134"), p, 42.36, -71.13, 3.0);
    // A PO-box-only ZIP (no ZCTA), filled in from GeoNames: 00501 Holtsville NY.
    assert_near(postal("US", "00501"), p, 40.82, -73.05, 5.0);
}

#[test]
fn european_postal_codes() {
    let p = Precision::PostalCode;
    assert_near(postal("DE", "10115"), p, 52.53, 13.38, 3.0);
    assert_near(postal("DE", "80331"), p, 48.137, 11.575, 3.0);
    assert_eq!(postal("DE", "D-80331"), postal("DE", "80331"));
    assert_near(postal("DE", "1067"), p, 51.05, 13.74, 5.0); // 01067 Dresden
    assert_near(postal("FR", "75001"), p, 48.86, 2.34, 3.0);
    assert_eq!(postal("FR", "75001 CEDEX 01"), postal("FR", "75001"));
    assert_eq!(postal("FR", "F-75001"), postal("FR", "75001"));
    assert_near(postal("FR", "01001 CEDEX"), p, 46.21, 5.23, 5.0); // Bourg-en-Bresse CEDEX
    assert_near(postal("NL", "1011 AB"), p, 52.37, 4.90, 3.0);
    assert_near(postal("NL", "1011AB"), p, 52.37, 4.90, 3.0);
    assert_near(postal("AT", "1010"), p, 48.21, 16.37, 3.0);
    assert_near(postal("AT", "A-1010"), p, 48.21, 16.37, 3.0);
    assert_near(postal("CH", "8001"), p, 47.37, 8.54, 3.0);
    assert_near(postal("IT", "00118"), p, 41.89, 12.51, 5.0);
    assert_near(postal("ES", "28001"), p, 40.43, -3.68, 3.0);
}

#[test]
fn gb_outward_code() {
    let p = Precision::PostalCode;
    assert_near(postal("GB", "SW1A 1AA"), p, 51.50, -0.13, 3.0);
    assert_eq!(postal("GB", "sw1a1aa"), postal("GB", "SW1A 1AA"));
    assert_eq!(postal("GB", "SW1A"), postal("GB", "SW1A 1AA"));
    assert_eq!(postal("gb", "SW1A-1AA"), postal("GB", "SW1A 1AA"));
    // Short outward codes: M1 1AE Manchester, with and without the space.
    assert_near(postal("GB", "M1 1AE"), p, 53.48, -2.24, 5.0);
    assert_eq!(postal("GB", "M11AE"), postal("GB", "M1 1AE"));
    assert_eq!(postal("UK", "M1 1AE"), postal("GB", "M1 1AE"));
}

#[test]
fn ca_fsa_and_au() {
    let p = Precision::PostalCode;
    assert_near(postal("CA", "K1A 0B1"), p, 45.42, -75.70, 3.0);
    assert_eq!(postal("CA", "k1a0b1"), postal("CA", "K1A 0B1"));
    assert_near(postal("AU", "2000"), p, -33.87, 151.20, 3.0);
}

#[test]
fn city_fallback_folds_case_and_accents() {
    let munich = (48.14, 11.58);
    for name in [
        "München", "münchen", "MÜNCHEN", "Munchen", "Muenchen", "Munich",
    ] {
        assert_near(
            geo().locate("DE", Some("00000"), Some(name), None),
            Precision::City,
            munich.0,
            munich.1,
            3.0,
        );
    }
    assert_near(
        geo().locate("DE", None, Some("Köln"), None),
        Precision::City,
        50.94,
        6.96,
        5.0,
    );
    assert_near(
        geo().locate("DE", None, Some("Koeln"), None),
        Precision::City,
        50.94,
        6.96,
        5.0,
    );
    assert_near(
        geo().locate("FR", None, Some("saint-etienne"), None),
        Precision::City,
        45.43,
        4.39,
        5.0,
    );
    assert_near(
        geo().locate("FR", None, Some("St Étienne"), None),
        Precision::City,
        45.43,
        4.39,
        5.0,
    );
    assert_near(
        geo().locate("US", None, Some("Saint Louis"), Some("MO")),
        Precision::City,
        38.63,
        -90.20,
        5.0,
    );
    assert_near(
        geo().locate("AT", None, Some("Wien"), None),
        Precision::City,
        48.21,
        16.37,
        5.0,
    );
}

#[test]
fn duplicate_cities_are_told_apart_by_region() {
    let g = geo();
    let il = (39.80, -89.64);
    let ma = (42.10, -72.59);
    for region in ["IL", "il", "Illinois", "US-IL"] {
        assert_near(
            g.locate("US", None, Some("Springfield"), Some(region)),
            Precision::City,
            il.0,
            il.1,
            5.0,
        );
    }
    for region in ["MA", "Massachusetts"] {
        assert_near(
            g.locate("US", None, Some("springfield"), Some(region)),
            Precision::City,
            ma.0,
            ma.1,
            5.0,
        );
    }
    // No region, or one we cannot read: the largest Springfield (Missouri).
    for region in [None, Some("Nowhere Land")] {
        assert_near(
            g.locate("US", None, Some("Springfield"), region),
            Precision::City,
            37.22,
            -93.30,
            5.0,
        );
    }
    // A known region without a Springfield among the bundled cities: trust the region.
    let vt = g
        .locate("US", None, Some("Springfield"), Some("VT"))
        .unwrap();
    assert_eq!(vt.precision, Precision::Region);
    assert!((42.7..45.1).contains(&vt.lat) && (-73.5..-71.4).contains(&vt.lon));
}

#[test]
fn region_fallback() {
    let g = geo();
    for region in ["Bayern", "BY", "bavaria", "DE-BY", "02"] {
        let r = g.locate("DE", Some("00000"), Some("Nirgendwo"), Some(region));
        assert_near(r, Precision::Region, 48.8, 11.4, 60.0);
    }
    let il = g.locate("US", None, None, Some("IL")).unwrap();
    assert_eq!(il.precision, Precision::Region);
    assert!((37.0..42.5).contains(&il.lat) && (-91.5..-87.5).contains(&il.lon));
    let on = g.locate("CA", None, None, Some("ON")).unwrap();
    assert_eq!(on.precision, Precision::Region);
    assert!((42.0..50.0).contains(&on.lat) && (-84.0..-74.0).contains(&on.lon));
    assert_near(
        g.locate("AU", None, None, Some("NSW")),
        Precision::Region,
        -33.6,
        151.1,
        100.0,
    );
    assert_near(
        g.locate("DE", None, None, Some("Thueringen")),
        Precision::Region,
        50.9,
        11.2,
        60.0,
    );
}

#[test]
fn country_fallback_and_unknown_country() {
    let g = geo();
    for cc in ["DE", "de", " De "] {
        let de = g.locate(cc, None, None, None).unwrap();
        assert_eq!(de.precision, Precision::Country);
        assert!((47.2..55.1).contains(&de.lat) && (5.8..15.1).contains(&de.lon));
    }
    // Unreadable postal code, city and region still give the country.
    let de = g
        .locate("DE", Some("???"), Some("  "), Some("Atlantis"))
        .unwrap();
    assert_eq!(de.precision, Precision::Country);
    assert_eq!(g.locate("XX", Some("10001"), Some("Berlin"), None), None);
    assert_eq!(g.locate("", None, None, None), None);
    assert_eq!(g.locate("DEU", None, None, None), None);
    // A country without bundled postal codes still has cities.
    assert_near(
        g.locate("PL", Some("00-001"), Some("Warszawa"), None),
        Precision::City,
        52.23,
        21.01,
        5.0,
    );
}

#[test]
fn lowercase_country_code_works() {
    assert_eq!(postal("de", "10115"), postal("DE", "10115"));
    assert_eq!(
        geo().locate("us", None, Some("Springfield"), Some("il")),
        geo().locate("US", None, Some("Springfield"), Some("IL"))
    );
}

#[test]
fn folding() {
    let mut s = String::new();
    let f = |x: &str, abbrev: bool, s: &mut String| {
        fold_into(x, abbrev, s);
        s.clone()
    };
    assert_eq!(f("Łódź", false, &mut s), "lodz");
    assert_eq!(f("  Gießen/Lahn ", false, &mut s), "giessen lahn");
    assert_eq!(f("Ærøskøbing", false, &mut s), "aeroskobing");
    assert_eq!(f("ÉVRY-Courcouronnes", false, &mut s), "evry courcouronnes");
    assert_eq!(f("Çanakkale", false, &mut s), "canakkale");
    assert_eq!(f("A Coruña", false, &mut s), "a coruna");
    assert_eq!(f("St. Gallen", true, &mut s), "saint gallen");
    assert_eq!(f("Ste-Foy", true, &mut s), "sainte foy");
    assert_eq!(f("Mt Vernon", true, &mut s), "mount vernon");
    assert_eq!(f("Stuttgart", true, &mut s), "stuttgart");
    assert_eq!(f("ST", false, &mut s), "st");
    assert_eq!(f("Москва", false, &mut s), "москва");
    assert_eq!(f("-- ", false, &mut s), "");
}

#[test]
fn distance_and_texts() {
    let berlin = postal("DE", "10115").unwrap();
    let munich = postal("DE", "80331").unwrap();
    let d = berlin.distance_km(&munich);
    assert!((495.0..515.0).contains(&d), "{d}");
    assert!(haversine_km(10.0, 20.0, 10.0, 20.0).abs() < 1e-9);
    let a = Geocoder::attribution();
    assert!(a.contains("GeoNames") && a.contains("CC BY 4.0") && a.contains("modified"));
    assert!(a.contains("Royal Mail") && a.contains("Census"));
    assert!(!a.contains('\n'));
    assert_eq!(
        GeoError("x line 3: bad".into()).to_string(),
        "bundled geo data: x line 3: bad"
    );
}

#[test]
fn postal_normalisation_edge_cases() {
    assert_eq!(normalise_postal(*b"US", "12"), None);
    assert_eq!(normalise_postal(*b"US", ""), None);
    assert_eq!(normalise_postal(*b"DE", "abc"), None);
    assert_eq!(
        normalise_postal(*b"CA", "K1A 0B1"),
        normalise_postal(*b"CA", "K1A")
    );
    assert_eq!(normalise_postal(*b"XX", "123456789"), None);
    assert_eq!(pack(b"SW1A".iter().copied()), pack(b"sw1a".iter().copied()));
}
