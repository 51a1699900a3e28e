//! Sending one message through the shop's SMTP server.

use crate::{MailError, MailErrorKind, Rendered, Security, SmtpSettings};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long connecting to the server may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a whole send may take: connecting, TLS, login, the message, QUIT. (lettre's async
/// client bounds only the connect, so this bounds a server that stalls later.)
pub const SEND_TIMEOUT: Duration = Duration::from_secs(40);

/// A message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMail {
    /// The Message-ID header sent, angle brackets included; the same for every resend of the
    /// same hint from the same sender domain.
    pub message_id: String,
}

fn describe(field: &str) -> &'static str {
    match field {
        "to" => "recipient address (to)",
        "fromAddress" => "sender address (fromAddress)",
        "replyTo" => "reply-to address (replyTo)",
        _ => "e-mail address",
    }
}

/// A bare address (`shop@example.com`).
pub(crate) fn parse_address(field: &str, text: &str) -> Result<Address, MailError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(MailError::address(
            field,
            format!("the {} is empty", describe(field)),
        ));
    }
    t.parse::<Address>().map_err(|e| {
        MailError::address(
            field,
            format!(
                "the {} {t:?} is not a valid e-mail address: {e}",
                describe(field)
            ),
        )
    })
}

/// An address, optionally with a name (`Anna Müller <anna@example.com>`).
pub(crate) fn parse_mailbox(field: &str, text: &str) -> Result<Mailbox, MailError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(MailError::address(
            field,
            format!("the {} is empty", describe(field)),
        ));
    }
    if t.contains(['\r', '\n']) {
        return Err(MailError::address(
            field,
            format!("the {} {t:?} contains a line break", describe(field)),
        ));
    }
    t.parse::<Mailbox>().map_err(|e| {
        MailError::address(
            field,
            format!(
                "the {} {t:?} is not a valid e-mail address: {e}",
                describe(field)
            ),
        )
    })
}

/// The Message-ID for a hint (an outbox row's id, say): `<oms-{hint}@{sender's domain}>`.
/// Letters, digits, `-`, `_` and single inner dots are kept; any other byte is written
/// `=XX`, so two different hints never share an id.
pub fn message_id_for(hint: &str, from_address: &str) -> Result<String, MailError> {
    let hint = hint.trim();
    if hint.is_empty() {
        return Err(MailError::config(
            "messageIdHint",
            "the Message-ID hint is empty",
        ));
    }
    if hint.len() > 128 {
        return Err(MailError::config(
            "messageIdHint",
            format!(
                "the Message-ID hint is {} bytes long; at most 128 are allowed",
                hint.len()
            ),
        ));
    }
    let address = parse_address("fromAddress", from_address)?;
    let bytes = hint.as_bytes();
    let mut left = String::with_capacity(hint.len() + 8);
    left.push_str("oms-");
    for (i, &b) in bytes.iter().enumerate() {
        let keep_dot = b == b'.' && bytes.get(i + 1).is_some_and(|n| *n != b'.');
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || keep_dot {
            left.push(char::from(b));
        } else {
            left.push_str(&format!("={b:02X}"));
        }
    }
    Ok(format!(
        "<{left}@{}>",
        address.domain().to_ascii_lowercase()
    ))
}

/// Sends one rendered message to `to` through the shop's server and returns its Message-ID.
///
/// `password` is the login's password from the keyring (needed when `settings.username` is
/// set); it is handed to the SMTP client for this one connection and kept nowhere else.
/// `message_id_hint` makes the Message-ID stable, so that a resend of the same outbox row is
/// recognisable (see [`message_id_for`]). Connecting is bounded by [`CONNECT_TIMEOUT`], the
/// whole send by [`SEND_TIMEOUT`].
pub async fn send(
    settings: &SmtpSettings,
    password: Option<&str>,
    to: &str,
    rendered: &Rendered,
    message_id_hint: &str,
) -> Result<SentMail, MailError> {
    settings.validate()?;
    let from_address = parse_address("fromAddress", &settings.from_address)?;
    let recipient = parse_mailbox("to", to)?;
    let reply_to = match settings
        .reply_to
        .as_deref()
        .filter(|r| !r.trim().is_empty())
    {
        Some(r) => Some(parse_mailbox("replyTo", r)?),
        None => None,
    };
    let message_id = message_id_for(message_id_hint, &settings.from_address)?;
    let subject = one_line(&rendered.subject);
    if subject.is_empty() {
        return Err(
            MailError::new(MailErrorKind::Template, "the subject is empty").with_field("subject"),
        );
    }
    let from_name = one_line(&settings.from_name);
    let from = Mailbox::new((!from_name.is_empty()).then_some(from_name), from_address);

    let mut builder = Message::builder()
        .from(from)
        .to(recipient.clone())
        .subject(subject)
        .message_id(Some(message_id.clone()));
    if let Some(reply_to) = reply_to {
        builder = builder.reply_to(reply_to);
    }
    let message = builder
        .header(ContentType::TEXT_PLAIN)
        .body(rendered.body.clone())
        .map_err(|e| MailError::address("to", format!("the message could not be built: {e}")))?;

    let host = settings
        .host
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let server = format!("{host}:{}", settings.port);
    let tls_parameters = || {
        TlsParameters::new(host.clone()).map_err(|e| {
            MailError::config(
                "security",
                format!("TLS for the SMTP server {server} could not be set up: {e}"),
            )
        })
    };
    let tls = match settings.security {
        Security::None => Tls::None,
        Security::StartTls => Tls::Required(tls_parameters()?),
        Security::Tls => Tls::Wrapper(tls_parameters()?),
    };
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
        .port(settings.port)
        .tls(tls)
        .timeout(Some(CONNECT_TIMEOUT));
    let login = settings.login();
    if let Some(user) = login {
        let Some(password) = password.filter(|p| !p.is_empty()) else {
            return Err(MailError::config(
                "password",
                format!("the SMTP login {user:?} for {server} has no password (set it in the mail settings)"),
            ));
        };
        transport = transport.credentials(Credentials::new(user.to_owned(), password.to_owned()));
    }
    let transport = transport.build();

    let to_address = recipient.email.to_string();
    match tokio::time::timeout(SEND_TIMEOUT, transport.send(message)).await {
        Err(_) => Err(MailError::new(
            MailErrorKind::Unavailable,
            format!(
                "sending to {to_address} through the SMTP server {server} took longer than {} s",
                SEND_TIMEOUT.as_secs()
            ),
        )),
        Ok(Err(e)) => Err(classify(&e, settings, &server, login, &to_address)),
        Ok(Ok(_)) => Ok(SentMail { message_id }),
    }
}

fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The rustls error under a lettre error, if the TLS layer failed.
fn tls_failure(e: &lettre::transport::smtp::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r.to_string());
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(r) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return Some(r.to_string());
            }
        }
        source = err.source();
    }
    None
}

fn classify(
    e: &lettre::transport::smtp::Error,
    settings: &SmtpSettings,
    server: &str,
    login: Option<&str>,
    to: &str,
) -> MailError {
    if let Some(code) = e.status() {
        let code = u16::from(code);
        let mut err = if (400..500).contains(&code) {
            MailError::new(
                MailErrorKind::Unavailable,
                format!("the SMTP server {server} asked to try again later ({e}) for the message to {to}"),
            )
        } else if matches!(code, 530 | 534 | 535 | 538) {
            let message = match login {
                Some(user) => format!(
                    "the SMTP server {server} refused the login {user:?} ({e}); check the user name and password"
                ),
                None => format!("the SMTP server {server} wants a login ({e}); set a user name and password"),
            };
            MailError::config(
                if login.is_some() {
                    "password"
                } else {
                    "username"
                },
                message,
            )
        } else {
            MailError::new(
                MailErrorKind::Refused,
                format!("the SMTP server {server} refused the message to {to} ({e})"),
            )
        };
        err.smtp_code = Some(code);
        return err;
    }
    if let Some(tls) = tls_failure(e) {
        let hint = match settings.security {
            Security::Tls => "TLS is usually port 465; for port 587 choose STARTTLS",
            _ => "check the server's certificate and host name",
        };
        return MailError::config(
            "security",
            format!("the secure connection to the SMTP server {server} failed: {tls} ({hint})"),
        );
    }
    if e.is_tls() {
        return MailError::config(
            "security",
            format!("TLS with the SMTP server {server} failed: {e}"),
        );
    }
    if e.is_timeout() {
        return MailError::new(
            MailErrorKind::Unavailable,
            format!(
                "the SMTP server {server} did not accept a connection within {} s ({e})",
                CONNECT_TIMEOUT.as_secs()
            ),
        );
    }
    if e.is_client() {
        // Our side gave up: STARTTLS not offered, no common login mechanism, …
        let field = if e.to_string().contains("STARTTLS") || e.to_string().contains("encrypted") {
            "security"
        } else if e.to_string().contains("authentication") {
            "username"
        } else {
            "host"
        };
        return MailError::config(
            field,
            format!("the SMTP server {server} cannot be used as set up: {e}"),
        );
    }
    MailError::new(
        MailErrorKind::Unavailable,
        format!("the SMTP server {server} could not be reached or broke off: {e}"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn message_id_is_stable_and_injective() {
        let a = message_id_for("outbox-42", "Shop@Example.COM").unwrap();
        assert_eq!(a, "<oms-outbox-42@example.com>");
        assert_eq!(
            a,
            message_id_for(" outbox-42 ", "shop@example.com").unwrap()
        );
        assert_eq!(
            message_id_for("row.7", "a@b.de").unwrap(),
            "<oms-row.7@b.de>"
        );
        assert_eq!(
            message_id_for("a..b.", "a@b.de").unwrap(),
            "<oms-a=2E.b=2E@b.de>"
        );
        assert_eq!(
            message_id_for("a b/ü=", "a@b.de").unwrap(),
            "<oms-a=20b=2F=C3=BC=3D@b.de>"
        );
        assert_ne!(
            message_id_for("a=20", "a@b.de").unwrap(),
            message_id_for("a ", "a@b.de").unwrap()
        );
        let e = message_id_for("  ", "a@b.de").unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_deref()),
            (MailErrorKind::Config, Some("messageIdHint"))
        );
        assert!(message_id_for(&"x".repeat(129), "a@b.de").is_err());
        let e = message_id_for("1", "nope").unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_deref()),
            (MailErrorKind::Address, Some("fromAddress"))
        );
    }

    #[test]
    fn addresses_name_their_field() {
        let e = parse_mailbox("to", "anna@").unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_deref()),
            (MailErrorKind::Address, Some("to"))
        );
        assert!(
            e.message
                .starts_with("the recipient address (to) \"anna@\" is not a valid e-mail address"),
            "{}",
            e.message
        );
        let e = parse_mailbox("replyTo", "").unwrap_err();
        assert_eq!(e.message, "the reply-to address (replyTo) is empty");
        let m = parse_mailbox("to", "Anna Müller <anna@example.com>").unwrap();
        assert_eq!(m.email.to_string(), "anna@example.com");
        assert_eq!(m.name.as_deref(), Some("Anna Müller"));
        assert!(parse_mailbox("to", "a@b.de\r\nBcc: c@d.de").is_err());
    }
}
