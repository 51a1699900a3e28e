//! The shop's SMTP server. The password is not here: the app keeps it in the OS keyring and
//! hands it to `send` for one message.

use crate::MailError;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain SMTP, no encryption. Only allowed to a loopback host (a local relay, tests).
    None,
    /// Connect in plain text and upgrade with STARTTLS (usually port 587); refuses to go on if
    /// the server cannot upgrade.
    #[default]
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    Tls,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::None => "none",
            Security::StartTls => "starttls",
            Security::Tls => "tls",
        }
    }

    /// The usual port for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        }
    }
}

/// The shop's outgoing mail server and sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The login, if the server wants one; its password comes from the keyring at send time.
    #[serde(default)]
    pub username: Option<String>,
    /// The name customers see as the sender ("Kaffee Kontor").
    pub from_name: String,
    pub from_address: String,
    /// Where customers' replies go, if not to `from_address`.
    #[serde(default)]
    pub reply_to: Option<String>,
}

impl SmtpSettings {
    /// Checks what can be checked without a connection; the error names the field.
    pub fn validate(&self) -> Result<(), MailError> {
        let host = self.host.trim();
        if host.is_empty() {
            return Err(MailError::config(
                "host",
                "the SMTP server (host) is not set",
            ));
        }
        if host
            .chars()
            .any(|c| c.is_whitespace() || c == '/' || c == '@')
        {
            return Err(MailError::config(
                "host",
                format!("the SMTP server {host:?} is not a host name or IP address"),
            ));
        }
        if self.port == 0 {
            return Err(MailError::config(
                "port",
                "the SMTP port must be between 1 and 65535",
            ));
        }
        if self.security == Security::None && !is_loopback(host) {
            return Err(MailError::config(
                "security",
                format!(
                    "unencrypted SMTP is only allowed to this computer (localhost), not to {host}; \
                     choose STARTTLS or TLS"
                ),
            ));
        }
        if let Some(user) = &self.username {
            if user.contains(['\r', '\n']) {
                return Err(MailError::config(
                    "username",
                    "the SMTP user name contains a line break",
                ));
            }
        }
        crate::send::parse_address("fromAddress", &self.from_address)?;
        if let Some(reply_to) = self.reply_to.as_deref().filter(|r| !r.trim().is_empty()) {
            crate::send::parse_mailbox("replyTo", reply_to)?;
        }
        Ok(())
    }

    /// The user name to log in with, if one is set (blank counts as none).
    pub(crate) fn login(&self) -> Option<&str> {
        self.username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }
}

/// `localhost`, `127.0.0.0/8` or `::1`.
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::MailErrorKind;

    fn settings() -> SmtpSettings {
        SmtpSettings {
            host: "smtp.example.com".into(),
            port: 587,
            security: Security::StartTls,
            username: Some("shop".into()),
            from_name: "Kaffee Kontor".into(),
            from_address: "shop@example.com".into(),
            reply_to: None,
        }
    }

    #[test]
    fn serde_is_camel_case_with_lowercase_security() {
        let json = serde_json::to_value(settings()).unwrap();
        assert_eq!(json["fromAddress"], "shop@example.com");
        assert_eq!(json["security"], "starttls");
        assert!(json.get("password").is_none());
        let back: SmtpSettings = serde_json::from_value(serde_json::json!({
            "host": "127.0.0.1", "port": 2525, "security": "none",
            "fromName": "Shop", "fromAddress": "a@b.de"
        }))
        .unwrap();
        assert_eq!(back.security, Security::None);
        assert_eq!(back.username, None);
    }

    #[test]
    fn validation_names_the_field() {
        let mut s = settings();
        assert!(s.validate().is_ok());
        s.host = " ".into();
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("host"));
        s = settings();
        s.port = 0;
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("port"));
        s = settings();
        s.from_address = "shop.example.com".into();
        let e = s.validate().unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_deref()),
            (MailErrorKind::Address, Some("fromAddress"))
        );
        s = settings();
        s.reply_to = Some("help@".into());
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("replyTo"));
        s = settings();
        s.security = Security::None;
        let e = s.validate().unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_deref()),
            (MailErrorKind::Config, Some("security"))
        );
        s.host = "127.0.0.1".into();
        assert!(s.validate().is_ok());
        s.host = "[::1]".into();
        assert!(s.validate().is_ok());
        s.host = "localhost".into();
        assert!(s.validate().is_ok());
    }
}
