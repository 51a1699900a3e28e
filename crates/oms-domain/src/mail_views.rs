//! Read models and inputs of customer e-mail (issue 6). The SMTP password never appears in
//! these: it goes to the OS keyring only.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The shop's SMTP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SmtpView {
    pub host: String,
    pub port: u16,
    /// none (loopback test servers only) | starttls | tls
    pub security: String,
    pub username: Option<String>,
    pub from_name: String,
    pub from_address: String,
    pub reply_to: Option<String>,
}

/// Per connection: does the app e-mail its customers (some channels send their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MailChannelView {
    #[ts(type = "number")]
    pub connection_id: i64,
    pub name: String,
    pub email_customers: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MailSettingsView {
    pub smtp: Option<SmtpView>,
    /// The keyring holds the SMTP password.
    pub has_password: bool,
    /// en | de: the language of customer e-mail.
    pub lang: String,
    pub channels: Vec<MailChannelView>,
    /// Waiting to be sent, and refused (needs a person).
    #[ts(type = "number")]
    pub pending: i64,
    #[ts(type = "number")]
    pub failed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MailSettingsInput {
    pub smtp: SmtpView,
    /// Goes to the OS keyring; None or empty keeps the stored one.
    pub password: Option<String>,
    pub lang: String,
}

/// A template as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MailTemplateView {
    /// order_confirmed | shipped | delivered | exception
    pub kind: String,
    pub lang: String,
    pub subject: String,
    pub body: String,
    /// Not changed from the shipped default.
    pub is_default: bool,
    /// "unknown placeholder {{trackin_url}} in the subject (line 1, column 8)…"
    pub problems: Vec<String>,
    pub placeholders: Vec<String>,
}

/// A rendered e-mail (preview or as sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MailPreview {
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
}

/// A queued or sent e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MailView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    pub kind: String,
    pub to: String,
    pub lang: String,
    /// pending | sent | failed | dismissed
    pub status: String,
    #[ts(type = "number")]
    pub attempts: i64,
    pub last_error: Option<String>,
    #[ts(type = "number")]
    pub next_attempt_at: i64,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number | null")]
    pub sent_at: Option<i64>,
    pub subject: Option<String>,
}

/// What one mail pass did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct MailReport {
    pub sent: u32,
    /// Tried again later (server unreachable, 4xx).
    pub later: u32,
    /// Refused for good (5xx, bad address): waits for a person.
    pub failed: u32,
    /// Why the pass stopped early (no SMTP server set, login refused).
    pub stopped: Option<String>,
}
