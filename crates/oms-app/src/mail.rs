//! Customer e-mail through the application API (issue 6): the shop's SMTP server (password in
//! the OS keyring), editable templates in English and German, a preview and a test send, the
//! per-channel switch, and the mail outbox dispatcher — rows queued in the same transaction as
//! what they tell, sent with retries, each sent mail on the order's timeline.

use crate::{now_ms, Api, ApiError, ErrorCode};
use oms_domain::mail_views::*;
use oms_domain::{format_minor, Currency};
use oms_mail::{MailErrorKind, MailKind, Security, SmtpSettings, Template, Values};
use oms_store::{MailFacts, MailRow};

const SMTP_KEY: &str = "mail.smtp";
const LANG_KEY: &str = "mail.lang";
const PASSWORD_KEY: &str = "smtp-password";
/// Rows one pass sends at most.
const MAIL_PASS: u32 = 200;

fn template_key(kind: MailKind, lang: &str) -> String {
    format!("mail.template.{}.{lang}", kind.as_str())
}

fn lang_of(s: &str) -> &'static str {
    if s.trim().to_ascii_lowercase().starts_with("de") {
        "de"
    } else {
        "en"
    }
}

fn kind_of(s: &str) -> Result<MailKind, ApiError> {
    MailKind::parse(s).map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.message))
}

pub(crate) fn mail_error(e: &oms_mail::MailError) -> ApiError {
    let code = match e.kind {
        MailErrorKind::Config => ErrorCode::ChannelConfig,
        MailErrorKind::Address | MailErrorKind::Template => ErrorCode::InvalidInput,
        MailErrorKind::Refused => ErrorCode::ChannelRejected,
        MailErrorKind::Unavailable => ErrorCode::ChannelUnavailable,
    };
    ApiError::new(code, e.message.clone())
}

fn smtp_of(v: &SmtpView) -> Result<SmtpSettings, ApiError> {
    let security = match v.security.trim().to_ascii_lowercase().as_str() {
        "none" => Security::None,
        "starttls" => Security::StartTls,
        "tls" => Security::Tls,
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("security {other:?}: none, starttls or tls"),
            ))
        }
    };
    Ok(SmtpSettings {
        host: v.host.trim().to_owned(),
        port: v.port,
        security,
        username: v.username.clone().filter(|u| !u.trim().is_empty()),
        from_name: v.from_name.trim().to_owned(),
        from_address: v.from_address.trim().to_owned(),
        reply_to: v.reply_to.clone().filter(|r| !r.trim().is_empty()),
    })
}

fn view_of(s: &SmtpSettings) -> SmtpView {
    SmtpView {
        host: s.host.clone(),
        port: s.port,
        security: s.security.as_str().to_owned(),
        username: s.username.clone(),
        from_name: s.from_name.clone(),
        from_address: s.from_address.clone(),
        reply_to: s.reply_to.clone(),
    }
}

fn mail_view(r: &MailRow) -> MailView {
    MailView {
        id: r.id,
        order_id: r.order_id,
        order_number: r.order_number.clone(),
        kind: r.kind.clone(),
        to: r.to_address.clone(),
        lang: r.lang.clone(),
        status: r.status.clone(),
        attempts: r.attempts,
        last_error: r.last_error.clone(),
        next_attempt_at: r.next_attempt_at,
        created_at: r.created_at,
        sent_at: r.sent_at,
        subject: r.subject.clone(),
    }
}

/// The placeholders' values for an order's e-mail.
fn values(f: &MailFacts, shop: &str, lang: &str) -> Values {
    let money = |m: i64| match Currency::parse(&f.currency) {
        Ok(c) => format!("{} {}", format_minor(m, c.exponent()), f.currency),
        Err(_) => format!("{m} {}", f.currency),
    };
    let lines = f
        .lines
        .iter()
        .map(|(t, q)| format!("{q} × {t}"))
        .collect::<Vec<_>>()
        .join("\n");
    let status = f.tracking_status.as_deref().map(|s| {
        let en = s.replace('_', " ");
        if lang == "de" {
            match s {
                "exception" => "Zustellproblem".to_owned(),
                "returned_to_sender" => "Rücksendung an den Absender".to_owned(),
                "delivered" => "zugestellt".to_owned(),
                "in_transit" => "unterwegs".to_owned(),
                _ => en,
            }
        } else {
            en
        }
    });
    Values {
        customer_name: Some(f.customer_name.clone()).filter(|n| !n.is_empty()),
        order_number: Some(f.order_number.clone()),
        shop_name: Some(shop.to_owned()).filter(|s| !s.is_empty()),
        carrier: f.carrier.clone().filter(|c| c != "manual"),
        tracking_number: f.tracking_number.clone(),
        tracking_url: match (&f.carrier, &f.tracking_number) {
            (Some(c), Some(n)) => oms_mail::tracking_url(c, n),
            _ => None,
        },
        lines: Some(lines).filter(|l| !l.is_empty()),
        total: Some(money(f.grand_total)),
        status_message: status,
    }
}

/// A made-up order for previews and test sends when there is none to show.
fn sample_facts(lang: &str) -> MailFacts {
    MailFacts {
        order_number: "#1001".into(),
        customer_name: if lang == "de" {
            "Erika Mustermann"
        } else {
            "Jane Doe"
        }
        .into(),
        email: None,
        currency: "EUR".into(),
        grand_total: 4_990,
        lines: vec![("Blue mug".into(), 2), ("T-shirt M".into(), 1)],
        carrier: Some("DHL".into()),
        tracking_number: Some("00340434161094042557".into()),
        tracking_status: Some("in_transit".into()),
        channel: "Shop".into(),
    }
}

impl Api {
    async fn smtp(&self) -> Result<Option<SmtpSettings>, ApiError> {
        match self.store.setting(SMTP_KEY).await? {
            Some(v) => serde_json::from_str(&v).map(Some).map_err(|e| {
                ApiError::new(ErrorCode::Internal, format!("stored SMTP settings: {e}"))
            }),
            None => Ok(None),
        }
    }

    async fn mail_lang(&self) -> Result<String, ApiError> {
        Ok(lang_of(&self.store.setting(LANG_KEY).await?.unwrap_or_default()).to_owned())
    }

    pub async fn mail_settings(&self) -> Result<MailSettingsView, ApiError> {
        let smtp = self.smtp().await?;
        let has_password = self
            .with_secrets(|s| s.get(PASSWORD_KEY).map(|p| p.is_some()))
            .await?;
        let channels = self
            .store
            .email_customers()
            .await?
            .into_iter()
            .map(|(id, name, on)| MailChannelView {
                connection_id: id,
                name,
                email_customers: on,
            })
            .collect();
        let (pending, failed) = self.store.mail_counts().await?;
        Ok(MailSettingsView {
            smtp: smtp.as_ref().map(view_of),
            has_password,
            lang: self.mail_lang().await?,
            channels,
            pending,
            failed,
        })
    }

    /// Saves the SMTP server (checked first; the password to the keyring only).
    pub async fn save_mail_settings(
        &self,
        input: &MailSettingsInput,
    ) -> Result<MailSettingsView, ApiError> {
        let s = smtp_of(&input.smtp)?;
        s.validate().map_err(|e| mail_error(&e))?;
        if let Some(p) = input.password.clone().filter(|p| !p.is_empty()) {
            self.with_secrets(move |s| s.set(PASSWORD_KEY, &p)).await?;
        }
        let v = serde_json::to_string(&s)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("SMTP settings: {e}")))?;
        self.store.put_setting(SMTP_KEY, &v).await?;
        self.store
            .put_setting(LANG_KEY, lang_of(&input.lang))
            .await?;
        self.mail_settings().await
    }

    /// Whether a connection's customers get e-mail from here.
    pub async fn set_email_customers(
        &self,
        connection_id: i64,
        on: bool,
    ) -> Result<MailSettingsView, ApiError> {
        self.store.set_email_customers(connection_id, on).await?;
        self.mail_settings().await
    }

    async fn template(&self, kind: MailKind, lang: &str) -> Result<(Template, bool), ApiError> {
        match self.store.setting(&template_key(kind, lang)).await? {
            Some(v) => Ok((
                serde_json::from_str(&v).map_err(|e| {
                    ApiError::new(ErrorCode::Internal, format!("stored template: {e}"))
                })?,
                false,
            )),
            None => Ok((oms_mail::default_template(kind, lang), true)),
        }
    }

    pub async fn mail_template(
        &self,
        kind: &str,
        lang: &str,
    ) -> Result<MailTemplateView, ApiError> {
        let k = kind_of(kind)?;
        let lang = lang_of(lang);
        let (t, is_default) = self.template(k, lang).await?;
        Ok(MailTemplateView {
            kind: k.as_str().to_owned(),
            lang: lang.to_owned(),
            problems: oms_mail::check_template(&t)
                .iter()
                .map(ToString::to_string)
                .collect(),
            subject: t.subject,
            body: t.body,
            is_default,
            placeholders: oms_mail::Placeholder::ALL
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
        })
    }

    /// Saves a template; one with an unknown or unclosed placeholder is refused with where.
    /// Empty subject and body restore the default.
    pub async fn save_mail_template(
        &self,
        kind: &str,
        lang: &str,
        subject: &str,
        body: &str,
    ) -> Result<MailTemplateView, ApiError> {
        let k = kind_of(kind)?;
        let lang = lang_of(lang);
        if subject.trim().is_empty() && body.trim().is_empty() {
            self.store.delete_setting(&template_key(k, lang)).await?;
            return self.mail_template(kind, lang).await;
        }
        if subject.trim().is_empty() {
            return Err(ApiError::new(ErrorCode::InvalidInput, "subject: required"));
        }
        let t = Template {
            subject: subject.to_owned(),
            body: body.to_owned(),
        };
        let problems = oms_mail::check_template(&t);
        if let Some(p) = problems.first() {
            return Err(ApiError::new(ErrorCode::InvalidInput, p.to_string()));
        }
        let v = serde_json::to_string(&t)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("template: {e}")))?;
        self.store.put_setting(&template_key(k, lang), &v).await?;
        self.mail_template(kind, lang).await
    }

    async fn render_for(
        &self,
        kind: MailKind,
        lang: &str,
        facts: &MailFacts,
        template: Option<&Template>,
    ) -> Result<oms_mail::Rendered, ApiError> {
        let shop = self
            .smtp()
            .await?
            .map(|s| s.from_name)
            .unwrap_or_else(|| facts.channel.clone());
        let t = match template {
            Some(t) => t.clone(),
            None => self.template(kind, lang).await?.0,
        };
        oms_mail::render(&t, &values(facts, &shop, lang)).map_err(|e| mail_error(&e))
    }

    /// What an e-mail of `kind` says for an order (its newest shipment for shipping kinds),
    /// or for a sample order; with `subject`/`body`, for that unsaved template.
    pub async fn preview_mail(
        &self,
        kind: &str,
        lang: &str,
        order_id: Option<i64>,
        subject: Option<&str>,
        body: Option<&str>,
    ) -> Result<MailPreview, ApiError> {
        let k = kind_of(kind)?;
        let lang = lang_of(lang);
        let facts = match order_id {
            Some(o) => {
                let shipment = if matches!(k, MailKind::OrderConfirmed) {
                    None
                } else {
                    self.store
                        .shipments_of(o)
                        .await?
                        .iter()
                        .rev()
                        .find(|s| !s.voided)
                        .map(|s| s.id)
                };
                self.store.mail_facts(o, shipment).await?
            }
            None => sample_facts(lang),
        };
        let t = match (subject, body) {
            (Some(s), Some(b)) => Some(Template {
                subject: s.to_owned(),
                body: b.to_owned(),
            }),
            _ => None,
        };
        let r = self.render_for(k, lang, &facts, t.as_ref()).await?;
        Ok(MailPreview {
            to: facts.email,
            subject: r.subject,
            body: r.body,
        })
    }

    /// Sends a sample e-mail of `kind` to `to` through the configured server; with
    /// `subject` and `body`, that (unsaved) template.
    pub async fn send_test_mail(
        &self,
        to: &str,
        kind: &str,
        lang: &str,
        subject: Option<&str>,
        body: Option<&str>,
    ) -> Result<MailPreview, ApiError> {
        let k = kind_of(kind)?;
        let lang = lang_of(lang);
        let smtp = self.smtp().await?.ok_or_else(|| {
            ApiError::new(ErrorCode::ChannelConfig, "no SMTP server is set up yet")
        })?;
        let facts = sample_facts(lang);
        let t = match (subject, body) {
            (Some(s), Some(b)) => Some(Template {
                subject: s.to_owned(),
                body: b.to_owned(),
            }),
            _ => None,
        };
        let r = self.render_for(k, lang, &facts, t.as_ref()).await?;
        let password = self.with_secrets(|s| s.get(PASSWORD_KEY)).await?;
        let hint = format!("test-{}", now_ms());
        oms_mail::send(&smtp, password.as_deref(), to, &r, &hint)
            .await
            .map_err(|e| mail_error(&e))?;
        Ok(MailPreview {
            to: Some(to.to_owned()),
            subject: r.subject,
            body: r.body,
        })
    }

    /// Sends due e-mails once. A server that cannot take mail now (unreachable, 4xx) is tried
    /// again later with a growing wait; a refused message (5xx, bad address) waits for a person;
    /// bad settings or a refused login stop the pass and leave the rows due.
    pub async fn dispatch_mail(&self) -> Result<MailReport, ApiError> {
        let _turn = self.mail_lock.lock().await;
        let mut report = MailReport::default();
        let due = self.store.due_mail(now_ms(), MAIL_PASS).await?;
        if due.is_empty() {
            return Ok(report);
        }
        let Some(smtp) = self.smtp().await? else {
            report.stopped = Some("no SMTP server is set up yet".into());
            return Ok(report);
        };
        let password = self.with_secrets(|s| s.get(PASSWORD_KEY)).await?;
        for row in &due {
            let kind = kind_of(&row.kind)?;
            let facts = self.store.mail_facts(row.order_id, row.shipment_id).await?;
            let rendered = match self.render_for(kind, &row.lang, &facts, None).await {
                Ok(r) => r,
                Err(e) => {
                    self.store.mail_failed(row.id, &e.message, None).await?;
                    report.failed += 1;
                    continue;
                }
            };
            match oms_mail::send(
                &smtp,
                password.as_deref(),
                &row.to_address,
                &rendered,
                &row.idempotency_key,
            )
            .await
            {
                Ok(sent) => {
                    self.store
                        .mail_sent(row.id, &sent.message_id, &rendered.subject, now_ms())
                        .await?;
                    report.sent += 1;
                }
                Err(e) if e.kind == MailErrorKind::Config => {
                    report.stopped = Some(e.message);
                    break;
                }
                Err(e) if e.is_retryable() => {
                    let wait = 30_000i64
                        .saturating_mul(1 << row.attempts.clamp(0, 10))
                        .min(6 * 3_600_000);
                    self.store
                        .mail_failed(row.id, &e.message, Some(now_ms() + wait))
                        .await?;
                    report.later += 1;
                    // The server itself is away (no SMTP answer at all): the other rows wait
                    // for the next pass instead of each waiting out its own timeout.
                    if e.smtp_code.is_none() {
                        report.stopped = Some(e.message);
                        break;
                    }
                }
                Err(e) => {
                    self.store.mail_failed(row.id, &e.message, None).await?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    pub async fn list_mail(
        &self,
        order_id: Option<i64>,
        status: Option<&str>,
    ) -> Result<Vec<MailView>, ApiError> {
        Ok(self
            .store
            .mail_rows(order_id, status, 500)
            .await?
            .iter()
            .map(mail_view)
            .collect())
    }

    pub async fn retry_mail(&self, id: i64) -> Result<MailView, ApiError> {
        self.store.mail_retry(id, now_ms()).await?;
        Ok(mail_view(&self.store.mail_row(id).await?))
    }

    pub async fn dismiss_mail(&self, id: i64) -> Result<MailView, ApiError> {
        self.store.mail_dismiss(id).await?;
        Ok(mail_view(&self.store.mail_row(id).await?))
    }

    /// Queues an e-mail of `kind` for an order again (e.g. resend the shipping e-mail), to
    /// the customer or to `to`.
    pub async fn resend_mail(
        &self,
        order_id: i64,
        kind: &str,
        to: Option<&str>,
    ) -> Result<MailView, ApiError> {
        let k = kind_of(kind)?;
        let shipment = if matches!(k, MailKind::OrderConfirmed) {
            None
        } else {
            self.store
                .shipments_of(order_id)
                .await?
                .last()
                .map(|s| s.id)
        };
        let id = self
            .store
            .queue_mail(order_id, shipment, k.as_str(), to, now_ms())
            .await?;
        Ok(mail_view(&self.store.mail_row(id).await?))
    }
}
