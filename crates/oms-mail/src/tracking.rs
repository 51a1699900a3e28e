//! Public tracking pages of the common carriers.

/// The carrier's public tracking page for a parcel, or `None` for an unknown carrier or an
/// empty number. The carrier is matched loosely (case, spaces, `-`, `_` and `.` ignored:
/// `"DHL Express"`, `"dhl_express"`, `"DHLExpress"`); whitespace inside the number is dropped
/// (`"1Z 999 AA1"`), anything else outside `A–Z a–z 0–9 - . _ ~` is percent-encoded.
pub fn tracking_url(carrier: &str, tracking_number: &str) -> Option<String> {
    let number: String = tracking_number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if number.is_empty() {
        return None;
    }
    let n = percent_encode(&number);
    let key: String = carrier
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect();
    let url = match key.as_str() {
        "ups" => format!("https://www.ups.com/track?tracknum={n}"),
        "usps" => format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={n}"),
        "fedex" => format!("https://www.fedex.com/fedextrack/?trknbr={n}"),
        "dhl" | "dhlparcel" | "dhlpaket" | "dhlecommerce" => format!(
            "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?submit=1&tracking-id={n}"
        ),
        "dhlexpress" => format!(
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={n}"
        ),
        "dpd" => format!("https://tracking.dpd.de/parcelstatus?query={n}"),
        "gls" => format!("https://gls-group.eu/track/{n}"),
        "hermes" => format!("https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{n}"),
        "royalmail" => format!("https://www.royalmail.com/track-your-item#/tracking-results/{n}"),
        "deutschepost" => {
            format!("https://www.deutschepost.de/de/s/sendungsverfolgung.html?piececode={n}")
        }
        _ => return None,
    };
    Some(url)
}

/// Percent-encodes every byte outside RFC 3986's unreserved set.
fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_listed_carrier_has_a_page() {
        let cases = [
            ("UPS", "https://www.ups.com/track?tracknum=1Z999AA10123456784"),
            ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels=1Z999AA10123456784"),
            ("FedEx", "https://www.fedex.com/fedextrack/?trknbr=1Z999AA10123456784"),
            ("DHL", "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?submit=1&tracking-id=1Z999AA10123456784"),
            ("DHL Express", "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=1Z999AA10123456784"),
            ("DPD", "https://tracking.dpd.de/parcelstatus?query=1Z999AA10123456784"),
            ("GLS", "https://gls-group.eu/track/1Z999AA10123456784"),
            ("Hermes", "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#1Z999AA10123456784"),
            ("Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/1Z999AA10123456784"),
            ("DeutschePost", "https://www.deutschepost.de/de/s/sendungsverfolgung.html?piececode=1Z999AA10123456784"),
        ];
        for (carrier, url) in cases {
            assert_eq!(
                tracking_url(carrier, "1Z999AA10123456784").as_deref(),
                Some(url),
                "{carrier}"
            );
        }
    }

    #[test]
    fn carrier_names_match_loosely() {
        let express = tracking_url("DHL Express", "1").unwrap();
        for name in ["dhl_express", "DHLExpress", "dhl-express", " dhl express "] {
            assert_eq!(tracking_url(name, "1").unwrap(), express, "{name}");
        }
        assert_eq!(
            tracking_url("Deutsche Post", "1"),
            tracking_url("DeutschePost", "1")
        );
        assert_eq!(
            tracking_url("royalmail", "1"),
            tracking_url("Royal Mail", "1")
        );
        assert_ne!(tracking_url("DHL", "1"), tracking_url("DHL Express", "1"));
    }

    #[test]
    fn numbers_are_percent_encoded_and_spaces_dropped() {
        assert_eq!(
            tracking_url("UPS", " 1Z 999 AA1 ").as_deref(),
            Some("https://www.ups.com/track?tracknum=1Z999AA1")
        );
        assert_eq!(
            tracking_url("GLS", "a/b?c&d#é").as_deref(),
            Some("https://gls-group.eu/track/a%2Fb%3Fc%26d%23%C3%A9")
        );
        assert_eq!(
            tracking_url("DPD", "x-1.2_3~"),
            Some("https://tracking.dpd.de/parcelstatus?query=x-1.2_3~".into())
        );
    }

    #[test]
    fn unknown_carrier_or_empty_number_has_none() {
        assert_eq!(tracking_url("Pony Express", "123"), None);
        assert_eq!(tracking_url("UPS", "  "), None);
        assert_eq!(tracking_url("", "123"), None);
    }
}
