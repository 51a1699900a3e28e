//! Templates with `{{placeholder}}`s, the default English and German texts, and rendering.
//!
//! A placeholder is `{{name}}` (spaces inside the braces are allowed). An unknown name, or a
//! `{{` without its `}}`, is an error that names it and its position, so that the template
//! editor can point at it. A placeholder without a value renders as nothing. Single braces
//! are plain text.

use crate::{MailError, MailErrorKind};
use serde::{Deserialize, Serialize};

/// Which customer e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    OrderConfirmed,
    Shipped,
    Delivered,
    Exception,
}

impl MailKind {
    pub const ALL: &'static [MailKind] = &[
        MailKind::OrderConfirmed,
        MailKind::Shipped,
        MailKind::Delivered,
        MailKind::Exception,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::OrderConfirmed => "order_confirmed",
            MailKind::Shipped => "shipped",
            MailKind::Delivered => "delivered",
            MailKind::Exception => "exception",
        }
    }

    pub fn parse(s: &str) -> Result<Self, MailError> {
        let s = s.trim();
        MailKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = MailKind::ALL.iter().map(|k| k.as_str()).collect();
                MailError::config(
                    "kind",
                    format!(
                        "unknown e-mail kind {s:?}; expected one of: {}",
                        known.join(", ")
                    ),
                )
            })
    }
}

impl std::fmt::Display for MailKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The placeholders a template may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placeholder {
    CustomerName,
    OrderNumber,
    ShopName,
    Carrier,
    TrackingNumber,
    TrackingUrl,
    /// The order's lines, preformatted (one per line).
    Lines,
    Total,
    /// The carrier's words about a delivery exception.
    StatusMessage,
}

impl Placeholder {
    pub const ALL: &'static [Placeholder] = &[
        Placeholder::CustomerName,
        Placeholder::OrderNumber,
        Placeholder::ShopName,
        Placeholder::Carrier,
        Placeholder::TrackingNumber,
        Placeholder::TrackingUrl,
        Placeholder::Lines,
        Placeholder::Total,
        Placeholder::StatusMessage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Placeholder::CustomerName => "customer_name",
            Placeholder::OrderNumber => "order_number",
            Placeholder::ShopName => "shop_name",
            Placeholder::Carrier => "carrier",
            Placeholder::TrackingNumber => "tracking_number",
            Placeholder::TrackingUrl => "tracking_url",
            Placeholder::Lines => "lines",
            Placeholder::Total => "total",
            Placeholder::StatusMessage => "status_message",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Placeholder::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == name)
    }
}

/// The values for one message; a `None` renders as nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Values {
    pub customer_name: Option<String>,
    pub order_number: Option<String>,
    pub shop_name: Option<String>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    /// Preformatted, one line per order line ("2 × Blue mug  €24.00").
    pub lines: Option<String>,
    pub total: Option<String>,
    pub status_message: Option<String>,
}

impl Values {
    pub fn get(&self, placeholder: Placeholder) -> Option<&str> {
        match placeholder {
            Placeholder::CustomerName => self.customer_name.as_deref(),
            Placeholder::OrderNumber => self.order_number.as_deref(),
            Placeholder::ShopName => self.shop_name.as_deref(),
            Placeholder::Carrier => self.carrier.as_deref(),
            Placeholder::TrackingNumber => self.tracking_number.as_deref(),
            Placeholder::TrackingUrl => self.tracking_url.as_deref(),
            Placeholder::Lines => self.lines.as_deref(),
            Placeholder::Total => self.total.as_deref(),
            Placeholder::StatusMessage => self.status_message.as_deref(),
        }
    }
}

/// An e-mail template: a one-line subject and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub subject: String,
    pub body: String,
}

/// A rendered message, ready to send: plain UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// The part of a template a placeholder issue is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplatePart {
    Subject,
    Body,
}

impl TemplatePart {
    pub fn as_str(self) -> &'static str {
        match self {
            TemplatePart::Subject => "subject",
            TemplatePart::Body => "body",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            TemplatePart::Subject => "the subject",
            TemplatePart::Body => "the body",
        }
    }
}

/// An unknown or unclosed placeholder and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaceholderIssue {
    pub part: TemplatePart,
    /// The placeholder as written, braces included (`{{trackin_url}}`); for an unclosed one,
    /// the rest of its line.
    pub text: String,
    /// The name inside the braces, trimmed.
    pub name: String,
    /// Byte offset of the opening `{{` in the part.
    pub offset: usize,
    /// 1-based line and column (in characters) of the opening `{{`.
    pub line: usize,
    pub column: usize,
    pub unclosed: bool,
    /// A known placeholder with a similar name, if there is one.
    pub suggestion: Option<String>,
}

impl PlaceholderIssue {
    fn to_error(&self) -> MailError {
        let what = if self.unclosed {
            format!("unclosed placeholder {} (no closing }}}})", self.text)
        } else {
            format!("unknown placeholder {}", self.text)
        };
        let hint = match &self.suggestion {
            Some(s) => format!("; did you mean {{{{{s}}}}}?"),
            None => {
                let known: Vec<String> = Placeholder::ALL
                    .iter()
                    .map(|p| format!("{{{{{}}}}}", p.as_str()))
                    .collect();
                format!("; known placeholders: {}", known.join(", "))
            }
        };
        let mut e = MailError::new(
            MailErrorKind::Template,
            format!(
                "{what} in {} (line {}, column {}){hint}",
                self.part.describe(),
                self.line,
                self.column
            ),
        )
        .with_field(self.part.as_str());
        e.placeholder = Some(Box::new(self.clone()));
        e
    }
}

impl std::fmt::Display for PlaceholderIssue {
    /// "unknown placeholder {{trackin_url}} in the subject (line 1, column 8); did you mean …"
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_error().message)
    }
}

enum Piece<'a> {
    Text(&'a str),
    Value(Placeholder),
}

/// Splits one part into text and placeholders; the first issue, if any.
fn parse(part: TemplatePart, src: &str) -> Result<Vec<Piece<'_>>, PlaceholderIssue> {
    let mut pieces = Vec::new();
    let mut rest = 0;
    while let Some(found) = src[rest..].find("{{") {
        let open = rest + found;
        if open > rest {
            pieces.push(Piece::Text(&src[rest..open]));
        }
        let inner_start = open + 2;
        let Some(len) = src[inner_start..].find("}}") else {
            let line_end = src[open..].find('\n').map_or(src.len(), |i| open + i);
            return Err(issue(part, src, open, &src[open..line_end], true));
        };
        let close = inner_start + len;
        let raw = &src[inner_start..close];
        // A line break inside the braces means the `{{` was never closed on its line.
        if raw.contains('\n') {
            let line_end = src[open..].find('\n').map_or(src.len(), |i| open + i);
            return Err(issue(part, src, open, &src[open..line_end], true));
        }
        match Placeholder::parse(raw.trim()) {
            Some(p) => pieces.push(Piece::Value(p)),
            None => return Err(issue(part, src, open, &src[open..close + 2], false)),
        }
        rest = close + 2;
    }
    if rest < src.len() {
        pieces.push(Piece::Text(&src[rest..]));
    }
    Ok(pieces)
}

fn issue(
    part: TemplatePart,
    src: &str,
    offset: usize,
    text: &str,
    unclosed: bool,
) -> PlaceholderIssue {
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = src[line_start..offset].chars().count() + 1;
    let name = if unclosed {
        text.trim_start_matches('{').trim().to_owned()
    } else {
        text.trim_start_matches('{')
            .trim_end_matches('}')
            .trim()
            .to_owned()
    };
    let suggestion = suggest(&name).map(str::to_owned);
    PlaceholderIssue {
        part,
        text: text.to_owned(),
        name,
        offset,
        line,
        column,
        unclosed,
        suggestion,
    }
}

/// The known placeholder closest to `name`, if it is close (a typo or two).
fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase().replace([' ', '-'], "_");
    Placeholder::ALL
        .iter()
        .map(|p| (edit_distance(&lower, p.as_str()), p.as_str()))
        .filter(|(d, p)| *d <= 2.max(p.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, p)| p)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Every unknown or unclosed placeholder in the template, subject first, for the editor.
pub fn check_template(template: &Template) -> Vec<PlaceholderIssue> {
    let mut issues = Vec::new();
    for (part, src) in [
        (TemplatePart::Subject, &template.subject),
        (TemplatePart::Body, &template.body),
    ] {
        let mut from = 0;
        // Parse again past each issue to find the next; positions are in the whole part.
        loop {
            match parse(part, &src[from..]) {
                Ok(_) => break,
                Err(found) => {
                    let at = from + found.offset;
                    let next = at + found.text.len().max(2);
                    issues.push(issue(part, src, at, &found.text, found.unclosed));
                    if next >= src.len() {
                        break;
                    }
                    from = next;
                }
            }
        }
    }
    issues
}

/// Fills in the placeholders. The subject comes out on one line (line breaks in values
/// become spaces); the body keeps its lines.
pub fn render(template: &Template, values: &Values) -> Result<Rendered, MailError> {
    let fill = |part: TemplatePart, src: &str| -> Result<String, MailError> {
        let pieces = parse(part, src).map_err(|i| i.to_error())?;
        let mut out = String::with_capacity(src.len() + 64);
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Value(p) => out.push_str(values.get(p).unwrap_or("")),
            }
        }
        Ok(out)
    };
    let subject = fill(TemplatePart::Subject, &template.subject)?;
    let subject = subject
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let body = fill(TemplatePart::Body, &template.body)?.replace("\r\n", "\n");
    Ok(Rendered { subject, body })
}

/// The shop's default text for a kind of e-mail, in `"en"` or `"de"` (a region such as
/// `de-AT` counts as its language); any other language gets English.
pub fn default_template(kind: MailKind, lang: &str) -> Template {
    let german = lang
        .trim()
        .get(..2)
        .is_some_and(|l| l.eq_ignore_ascii_case("de"));
    let (subject, body) = if german { de(kind) } else { en(kind) };
    Template {
        subject: subject.to_owned(),
        body: body.to_owned(),
    }
}

fn en(kind: MailKind) -> (&'static str, &'static str) {
    match kind {
        MailKind::OrderConfirmed => (
            "Your order {{order_number}} at {{shop_name}} is confirmed",
            "Hello {{customer_name}},

thank you for your order at {{shop_name}}! We have received it and are getting it ready for you.

Order number: {{order_number}}

{{lines}}

Total: {{total}}

As soon as your parcel is on its way, we will send you another e-mail with a link to track it.

If you have any questions, simply reply to this e-mail.

Best regards,
The {{shop_name}} team
",
        ),
        MailKind::Shipped => (
            "Your order {{order_number}} is on its way",
            "Hello {{customer_name}},

good news: your order {{order_number}} has left us and is on its way to you.

Carrier: {{carrier}}
Tracking number: {{tracking_number}}
Track your parcel: {{tracking_url}}

In this parcel:
{{lines}}

It can take a few hours until the carrier's website shows the first tracking update.

Best regards,
The {{shop_name}} team
",
        ),
        MailKind::Delivered => (
            "Your order {{order_number}} has been delivered",
            "Hello {{customer_name}},

your order {{order_number}} has been delivered. We hope you enjoy it!

If anything is missing or not as you expected, just reply to this e-mail and we will sort it out for you.

Thank you for shopping with {{shop_name}}.

Best regards,
The {{shop_name}} team
",
        ),
        MailKind::Exception => (
            "A problem with the delivery of your order {{order_number}}",
            "Hello {{customer_name}},

unfortunately there is a problem with the delivery of your order {{order_number}}.

Latest update from the carrier: {{status_message}}

Carrier: {{carrier}}
Tracking number: {{tracking_number}}
Track your parcel: {{tracking_url}}

Problems like this are often resolved within a day or two. We are keeping an eye on your parcel and will get in touch if we need anything from you. If you have any questions, simply reply to this e-mail.

Best regards,
The {{shop_name}} team
",
        ),
    }
}

fn de(kind: MailKind) -> (&'static str, &'static str) {
    match kind {
        MailKind::OrderConfirmed => (
            "Ihre Bestellung {{order_number}} bei {{shop_name}} ist bestätigt",
            "Guten Tag {{customer_name}},

vielen Dank für Ihre Bestellung bei {{shop_name}}! Wir haben sie erhalten und bereiten sie für den Versand vor.

Bestellnummer: {{order_number}}

{{lines}}

Gesamtbetrag: {{total}}

Sobald Ihr Paket unterwegs ist, erhalten Sie von uns eine weitere E-Mail mit dem Link zur Sendungsverfolgung.

Bei Fragen antworten Sie einfach auf diese E-Mail.

Mit freundlichen Grüßen
Ihr Team von {{shop_name}}
",
        ),
        MailKind::Shipped => (
            "Ihre Bestellung {{order_number}} ist unterwegs",
            "Guten Tag {{customer_name}},

gute Nachrichten: Ihre Bestellung {{order_number}} hat uns verlassen und ist auf dem Weg zu Ihnen.

Versanddienstleister: {{carrier}}
Sendungsnummer: {{tracking_number}}
Sendungsverfolgung: {{tracking_url}}

In diesem Paket:
{{lines}}

Es kann einige Stunden dauern, bis die Sendungsverfolgung des Versanddienstleisters die ersten Informationen anzeigt.

Mit freundlichen Grüßen
Ihr Team von {{shop_name}}
",
        ),
        MailKind::Delivered => (
            "Ihre Bestellung {{order_number}} wurde zugestellt",
            "Guten Tag {{customer_name}},

Ihre Bestellung {{order_number}} wurde zugestellt. Wir wünschen Ihnen viel Freude damit!

Falls etwas fehlt oder nicht Ihren Erwartungen entspricht, antworten Sie einfach auf diese E-Mail – wir kümmern uns darum.

Vielen Dank für Ihren Einkauf bei {{shop_name}}.

Mit freundlichen Grüßen
Ihr Team von {{shop_name}}
",
        ),
        MailKind::Exception => (
            "Problem bei der Zustellung Ihrer Bestellung {{order_number}}",
            "Guten Tag {{customer_name}},

bei der Zustellung Ihrer Bestellung {{order_number}} ist leider ein Problem aufgetreten.

Letzte Meldung des Versanddienstleisters: {{status_message}}

Versanddienstleister: {{carrier}}
Sendungsnummer: {{tracking_number}}
Sendungsverfolgung: {{tracking_url}}

Solche Probleme lösen sich oft innerhalb von ein bis zwei Tagen. Wir behalten Ihre Sendung im Blick und melden uns bei Ihnen, falls wir etwas von Ihnen benötigen. Bei Fragen antworten Sie einfach auf diese E-Mail.

Mit freundlichen Grüßen
Ihr Team von {{shop_name}}
",
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn all_values() -> Values {
        Values {
            customer_name: Some("Anna Müller".into()),
            order_number: Some("#1042".into()),
            shop_name: Some("Kaffee Kontor".into()),
            carrier: Some("DHL".into()),
            tracking_number: Some("00340434161094042557".into()),
            tracking_url: Some("https://example.test/t/00340434161094042557".into()),
            lines: Some("2 × Espresso-Tasse  €24.00\n1 × Bohnen 1 kg  €18.50".into()),
            total: Some("€42.50".into()),
            status_message: Some("Address incomplete".into()),
        }
    }

    #[test]
    fn kinds_round_trip_as_snake_case() {
        for k in MailKind::ALL {
            assert_eq!(MailKind::parse(k.as_str()).unwrap(), *k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(MailKind::OrderConfirmed.as_str(), "order_confirmed");
        let e = MailKind::parse("shiped").unwrap_err();
        assert!(e.message.contains("\"shiped\""), "{}", e.message);
        assert_eq!(e.field.as_deref(), Some("kind"));
    }

    #[test]
    fn every_default_template_renders_without_leftovers() {
        for lang in ["en", "de"] {
            for kind in MailKind::ALL {
                let t = default_template(*kind, lang);
                assert!(check_template(&t).is_empty(), "{lang} {kind}");
                let r = render(&t, &all_values()).unwrap();
                assert!(
                    !r.subject.contains("{{") && !r.body.contains("{{"),
                    "{lang} {kind}"
                );
                assert!(!r.subject.contains('\n'));
                assert!(r.subject.contains("#1042"), "{lang} {kind}: {}", r.subject);
                assert!(r.body.contains("Anna Müller"), "{lang} {kind}");
                assert!(r.body.contains("Kaffee Kontor"), "{lang} {kind}");
            }
        }
    }

    #[test]
    fn german_texts_are_formal_with_umlauts() {
        let t = default_template(MailKind::OrderConfirmed, "de");
        assert!(t.subject.contains("bestätigt"));
        assert!(t.body.contains("Grüßen") && t.body.contains("für Ihre Bestellung"));
        for kind in MailKind::ALL {
            let body = default_template(*kind, "de").body;
            assert!(body.contains("Ihre") || body.contains("Ihnen"), "{kind}");
            assert!(!body.contains(" du ") && !body.contains(" dein"), "{kind}");
        }
        assert_eq!(
            default_template(MailKind::Shipped, "de-AT"),
            default_template(MailKind::Shipped, "de")
        );
        assert_eq!(
            default_template(MailKind::Shipped, "fr"),
            default_template(MailKind::Shipped, "en")
        );
    }

    #[test]
    fn shipped_and_exception_carry_tracking_and_status() {
        for lang in ["en", "de"] {
            let r = render(&default_template(MailKind::Shipped, lang), &all_values()).unwrap();
            assert!(r
                .body
                .contains("https://example.test/t/00340434161094042557"));
            assert!(r.body.contains("00340434161094042557") && r.body.contains("DHL"));
            assert!(r.body.contains("Bohnen 1 kg"));
            let r = render(&default_template(MailKind::Exception, lang), &all_values()).unwrap();
            assert!(r.body.contains("Address incomplete"));
            let r = render(
                &default_template(MailKind::OrderConfirmed, lang),
                &all_values(),
            )
            .unwrap();
            assert!(r.body.contains("€42.50") && r.body.contains("2 × Espresso-Tasse"));
        }
    }

    #[test]
    fn missing_values_render_empty_and_single_braces_stay() {
        let t = Template {
            subject: "Hi {{ customer_name }}!".into(),
            body: "{a} {{total}}|{{lines}}|}}".into(),
        };
        let r = render(&t, &Values::default()).unwrap();
        assert_eq!(r.subject, "Hi !");
        assert_eq!(r.body, "{a} ||}}");
    }

    #[test]
    fn subject_line_breaks_from_values_become_spaces() {
        let t = Template {
            subject: "Order {{order_number}} for {{customer_name}}".into(),
            body: String::new(),
        };
        let v = Values {
            order_number: Some("1\r\nBcc: x@y.z".into()),
            customer_name: Some("A\nB".into()),
            ..Values::default()
        };
        let r = render(&t, &v).unwrap();
        assert_eq!(r.subject, "Order 1 Bcc: x@y.z for A B");
    }

    #[test]
    fn unknown_placeholder_names_itself_part_and_position() {
        let t = Template {
            subject: "Parcel {{trackin_url}}".into(),
            body: "ok".into(),
        };
        let e = render(&t, &Values::default()).unwrap_err();
        assert_eq!(e.kind, MailErrorKind::Template);
        assert_eq!(e.field.as_deref(), Some("subject"));
        assert!(
            e.message.starts_with(
                "unknown placeholder {{trackin_url}} in the subject (line 1, column 8)"
            ),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("did you mean {{tracking_url}}?"),
            "{}",
            e.message
        );
        let p = e.placeholder.unwrap();
        assert_eq!(
            (p.name.as_str(), p.offset, p.line, p.column),
            ("trackin_url", 7, 1, 8)
        );
        assert_eq!(p.suggestion.as_deref(), Some("tracking_url"));

        let t = Template {
            subject: "ok".into(),
            body: "Grüße\nüber {{ wat }} x".into(),
        };
        let e = render(&t, &Values::default()).unwrap_err();
        let p = e.placeholder.clone().unwrap();
        assert_eq!(
            (p.part, p.line, p.column, p.text.as_str()),
            (TemplatePart::Body, 2, 6, "{{ wat }}")
        );
        assert!(
            e.message
                .contains("in the body (line 2, column 6); known placeholders: {{customer_name}}"),
            "{}",
            e.message
        );
    }

    #[test]
    fn unclosed_placeholder_is_an_error() {
        let t = Template {
            subject: "s".into(),
            body: "Hello {{customer_name,\nbye }}".into(),
        };
        let e = render(&t, &Values::default()).unwrap_err();
        let p = e.placeholder.unwrap();
        assert!(p.unclosed);
        assert_eq!(
            (p.line, p.column, p.text.as_str()),
            (1, 7, "{{customer_name,")
        );
        assert!(
            e.message
                .starts_with("unclosed placeholder {{customer_name, (no closing }})"),
            "{}",
            e.message
        );
    }

    #[test]
    fn check_lists_every_issue() {
        let t = Template {
            subject: "{{order_numbr}} {{order_number}}".into(),
            body: "{{a}}\n{{total}} {{b}} {{c".into(),
        };
        let issues = check_template(&t);
        let got: Vec<(TemplatePart, &str, usize, usize)> = issues
            .iter()
            .map(|i| (i.part, i.name.as_str(), i.line, i.column))
            .collect();
        assert_eq!(
            got,
            vec![
                (TemplatePart::Subject, "order_numbr", 1, 1),
                (TemplatePart::Body, "a", 1, 1),
                (TemplatePart::Body, "b", 2, 11),
                (TemplatePart::Body, "c", 2, 17),
            ]
        );
        assert!(issues[3].unclosed);
    }
}
