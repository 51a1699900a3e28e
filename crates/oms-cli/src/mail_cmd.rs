//! `oms mail …`: customer e-mail through the application API (the SMTP server, the channel
//! switch, templates, preview, test send, the queue), and `oms smtp-sink`, a loopback SMTP
//! server that keeps what it receives (for trying the e-mails out and for the end-to-end test).

use crate::ops::json;
use anyhow::{bail, Result};
use clap::Subcommand;
use oms_app::domain::mail_views::{MailSettingsInput, SmtpView};
use oms_app::Api;
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum MailOps {
    /// Customer e-mail: server, channels, templates, queue.
    Mail {
        #[command(subcommand)]
        what: MailCmd,
    },
    /// A loopback SMTP server that writes each message it receives to --dir (NNNN.eml and
    /// NNNN.json) until stopped. For trying the e-mails out; nothing leaves the machine.
    SmtpSink {
        #[arg(long, default_value_t = 2525)]
        port: u16,
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum MailCmd {
    /// The SMTP server, the language and which channels e-mail from here.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Set the SMTP server (the password from --password or OMS_SMTP_PASSWORD goes to the OS
    /// keyring).
    Server {
        #[arg(long)]
        host: String,
        #[arg(long, default_value_t = 587)]
        port: u16,
        /// none (loopback test servers only), starttls or tls.
        #[arg(long, default_value = "starttls")]
        security: String,
        #[arg(long)]
        user: Option<String>,
        #[arg(long, env = "OMS_SMTP_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long)]
        from_name: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        reply_to: Option<String>,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// E-mail a connection's customers from here (on) or not (off).
    Channel {
        connection: i64,
        on: String,
    },
    /// Show a template, or change it (--subject and --body), or restore the default (--reset).
    Template {
        kind: String,
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long, requires = "body")]
        subject: Option<String>,
        #[arg(long, requires = "subject")]
        body: Option<String>,
        #[arg(long, conflicts_with_all = ["subject", "body"])]
        reset: bool,
    },
    /// What an e-mail says, for an order or for a sample one.
    Preview {
        kind: String,
        #[arg(long)]
        order: Option<i64>,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Send a sample e-mail to an address through the server.
    Test {
        to: String,
        #[arg(long, default_value = "shipped")]
        kind: String,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// The e-mail queue (of an order, or with a status).
    List {
        #[arg(long)]
        order: Option<i64>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Send due e-mails now.
    Send {
        #[arg(long)]
        json: bool,
    },
    Retry {
        id: i64,
    },
    Dismiss {
        id: i64,
    },
    /// Queue an order's e-mail again (e.g. the shipping e-mail).
    Resend {
        order: i64,
        #[arg(long, default_value = "shipped")]
        kind: String,
        #[arg(long)]
        to: Option<String>,
    },
}

pub async fn run(api: &Api, cmd: MailOps, out: &mut impl Write) -> Result<()> {
    let what = match cmd {
        MailOps::SmtpSink { port, dir } => {
            let sink = oms_mail::sink::SmtpSink::start_on(port, Some(dir.clone()))?;
            writeln!(
                out,
                "SMTP sink on 127.0.0.1:{}, writing to {} (Ctrl+C stops)",
                sink.port(),
                dir.display()
            )?;
            out.flush()?;
            tokio::signal::ctrl_c().await?;
            return Ok(());
        }
        MailOps::Mail { what } => what,
    };
    match what {
        MailCmd::Show { json: j } => {
            let s = api.mail_settings().await?;
            if j {
                return json(out, &s);
            }
            match &s.smtp {
                Some(m) => writeln!(
                    out,
                    "server {}:{} ({}), from {} <{}>{}; language {}",
                    m.host,
                    m.port,
                    m.security,
                    m.from_name,
                    m.from_address,
                    if s.has_password {
                        ", password in the keyring"
                    } else {
                        ""
                    },
                    s.lang
                )?,
                None => writeln!(out, "no SMTP server yet: `oms mail server --host …`")?,
            }
            for c in &s.channels {
                writeln!(
                    out,
                    "  {:>4}  {:<24} {}",
                    c.connection_id,
                    c.name,
                    if c.email_customers {
                        "e-mails customers"
                    } else {
                        "off"
                    }
                )?;
            }
            writeln!(out, "{} waiting, {} refused", s.pending, s.failed)?;
        }
        MailCmd::Server {
            host,
            port,
            security,
            user,
            password,
            from_name,
            from,
            reply_to,
            lang,
        } => {
            api.save_mail_settings(&MailSettingsInput {
                smtp: SmtpView {
                    host,
                    port,
                    security,
                    username: user,
                    from_name,
                    from_address: from,
                    reply_to,
                },
                password,
                lang,
            })
            .await?;
            writeln!(out, "mail server saved")?;
        }
        MailCmd::Channel { connection, on } => {
            let on = match on.as_str() {
                "on" | "true" | "yes" => true,
                "off" | "false" | "no" => false,
                other => bail!("{other:?}: on or off"),
            };
            api.set_email_customers(connection, on).await?;
            writeln!(
                out,
                "connection {connection}: e-mail {}",
                if on { "on" } else { "off" }
            )?;
        }
        MailCmd::Template {
            kind,
            lang,
            subject,
            body,
            reset,
        } => {
            let t = match (subject, body, reset) {
                (Some(s), Some(b), _) => api.save_mail_template(&kind, &lang, &s, &b).await?,
                (_, _, true) => api.save_mail_template(&kind, &lang, "", "").await?,
                _ => api.mail_template(&kind, &lang).await?,
            };
            writeln!(
                out,
                "{} ({}){}\nSubject: {}\n\n{}",
                t.kind,
                t.lang,
                if t.is_default { ", default" } else { "" },
                t.subject,
                t.body
            )?;
        }
        MailCmd::Preview { kind, order, lang } => {
            let p = api.preview_mail(&kind, &lang, order, None, None).await?;
            writeln!(
                out,
                "To: {}\nSubject: {}\n\n{}",
                p.to.as_deref().unwrap_or("-"),
                p.subject,
                p.body
            )?;
        }
        MailCmd::Test { to, kind, lang } => {
            let p = api.send_test_mail(&to, &kind, &lang, None, None).await?;
            writeln!(out, "sent to {to}: {}", p.subject)?;
        }
        MailCmd::List {
            order,
            status,
            json: j,
        } => {
            let list = api.list_mail(order, status.as_deref()).await?;
            if j {
                return json(out, &list);
            }
            for m in &list {
                writeln!(
                    out,
                    "{:>6}  {:<8} {:<16} {:<9} {}  {}{}",
                    m.id,
                    m.order_number,
                    m.kind,
                    m.status,
                    m.to,
                    m.subject.as_deref().unwrap_or(""),
                    m.last_error
                        .as_deref()
                        .map(|e| format!("  ! {e}"))
                        .unwrap_or_default()
                )?;
            }
        }
        MailCmd::Send { json: j } => {
            let r = api.dispatch_mail().await?;
            if j {
                return json(out, &r);
            }
            writeln!(
                out,
                "mail: {} sent, {} later, {} refused{}",
                r.sent,
                r.later,
                r.failed,
                r.stopped
                    .as_deref()
                    .map(|s| format!("; stopped: {s}"))
                    .unwrap_or_default()
            )?;
        }
        MailCmd::Retry { id } => {
            let m = api.retry_mail(id).await?;
            writeln!(out, "e-mail {id}: {}", m.status)?;
        }
        MailCmd::Dismiss { id } => {
            let m = api.dismiss_mail(id).await?;
            writeln!(out, "e-mail {id}: {}", m.status)?;
        }
        MailCmd::Resend { order, kind, to } => {
            let m = api.resend_mail(order, &kind, to.as_deref()).await?;
            writeln!(out, "e-mail {} to {} queued", m.id, m.to)?;
        }
    }
    Ok(())
}
