//! Customer e-mail: the messages a shop sends about an order (confirmed, shipped with its
//! tracking link, delivered, a delivery exception), sent through the shop's own SMTP server.
//!
//! - `settings.rs` — [`SmtpSettings`] (no password: the app keeps it in the OS keyring and
//!   passes it to [`send`] at send time).
//! - `template.rs` — [`MailKind`], [`Template`], the default English and German texts,
//!   `{{placeholder}}` rendering that names an unknown placeholder and where it is.
//! - `tracking.rs` — [`tracking_url`] for the common carriers.
//! - `send.rs` — [`send`] with lettre (tokio, rustls with ring), bounded timeouts, a stable
//!   Message-ID per outbox row, errors that say whether a retry can help.
//! - [`sink`] — a loopback SMTP server for tests (this crate's and other crates').
//!
//! No database and no keyring here.

mod send;
mod settings;
pub mod sink;
mod template;
mod tracking;

pub use send::{message_id_for, send, SentMail, CONNECT_TIMEOUT, SEND_TIMEOUT};
pub use settings::{Security, SmtpSettings};
pub use template::{
    check_template, default_template, render, MailKind, Placeholder, PlaceholderIssue, Rendered,
    Template, TemplatePart, Values,
};
pub use tracking::tracking_url;

/// What went wrong, with a machine-readable kind and a message saying what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct MailError {
    pub kind: MailErrorKind,
    pub message: String,
    /// The setting or message part at fault, as the settings screen names it: `host`, `port`,
    /// `username`, `password`, `fromAddress`, `fromName`, `replyTo`, `to`, `subject`, `body`,
    /// `messageIdHint`, `kind`.
    pub field: Option<String>,
    /// The SMTP reply code when the server answered with a refusal.
    pub smtp_code: Option<u16>,
    /// For a template error: the placeholder and its position.
    pub placeholder: Option<Box<PlaceholderIssue>>,
}

/// The kinds of [`MailError`]; `as_str` is the stable machine code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailErrorKind {
    /// The SMTP settings are incomplete or wrong, or the server refused the login or the TLS
    /// handshake: fix the settings; retrying as is will not help.
    Config,
    /// An e-mail address (recipient, sender, reply-to) is not valid.
    Address,
    /// A template has an unknown or unclosed placeholder.
    Template,
    /// The server refused the message for good (a 5xx reply): do not retry this message.
    Refused,
    /// The server could not be reached, timed out or answered "try later" (a 4xx reply):
    /// retry later.
    Unavailable,
}

impl MailErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailErrorKind::Config => "config",
            MailErrorKind::Address => "address",
            MailErrorKind::Template => "template",
            MailErrorKind::Refused => "refused",
            MailErrorKind::Unavailable => "unavailable",
        }
    }
}

impl std::fmt::Display for MailErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl MailError {
    pub fn new(kind: MailErrorKind, message: impl Into<String>) -> Self {
        MailError {
            kind,
            message: message.into(),
            field: None,
            smtp_code: None,
            placeholder: None,
        }
    }

    pub(crate) fn config(field: &str, message: impl Into<String>) -> Self {
        MailError::new(MailErrorKind::Config, message).with_field(field)
    }

    pub(crate) fn address(field: &str, message: impl Into<String>) -> Self {
        MailError::new(MailErrorKind::Address, message).with_field(field)
    }

    pub(crate) fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// Whether sending the same message again later can succeed.
    pub fn is_retryable(&self) -> bool {
        self.kind == MailErrorKind::Unavailable
    }
}
