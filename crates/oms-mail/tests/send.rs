//! Sending with lettre through the loopback sink: what arrives, and how refusals and
//! failures come back.

#![allow(clippy::unwrap_used)]

use oms_mail::sink::{Reject, SmtpSink};
use oms_mail::{
    default_template, render, send, tracking_url, MailErrorKind, MailKind, Rendered, Security,
    SmtpSettings, Values,
};
use std::time::Duration;

fn values() -> Values {
    let tracking_number = "00340434161094042557";
    Values {
        customer_name: Some("Jürgen Weiß".into()),
        order_number: Some("1042".into()),
        shop_name: Some("Kaffee Kontor".into()),
        carrier: Some("DHL".into()),
        tracking_number: Some(tracking_number.into()),
        tracking_url: tracking_url("DHL", tracking_number),
        lines: Some("2 × Espresso-Tasse „Möwe“  24,00 €\n1 × Bohnen 1 kg  18,50 €".into()),
        total: Some("42,50 €".into()),
        status_message: None,
    }
}

fn shipped_de() -> Rendered {
    render(&default_template(MailKind::Shipped, "de"), &values()).unwrap()
}

#[tokio::test]
async fn german_shipped_mail_arrives_whole_without_auth() {
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(Some(dir.path().to_path_buf()));
    let mut settings = sink.smtp_settings();
    settings.from_name = "Kaffee Kontor – Versand".into();
    settings.reply_to = Some("Kundenservice <hilfe@example.com>".into());
    let rendered = shipped_de();

    let sent = send(
        &settings,
        None,
        "Jürgen Weiß <juergen@example.org>",
        &rendered,
        "outbox-17",
    )
    .await
    .unwrap();
    assert_eq!(sent.message_id, "<oms-outbox-17@example.com>");

    let got = sink.messages();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.auth_user, None);
    assert_eq!(m.from, "shop@example.com");
    assert_eq!(m.to, vec!["juergen@example.org"]);
    assert_eq!(
        m.subject.as_deref(),
        Some("Ihre Bestellung 1042 ist unterwegs")
    );
    assert_eq!(m.message_id.as_deref(), Some("<oms-outbox-17@example.com>"));
    assert_eq!(m.body.trim_end(), rendered.body.trim_end());
    assert!(m.body.contains("Guten Tag Jürgen Weiß,"), "{}", m.body);
    assert!(m.body.contains("„Möwe“") && m.body.contains("Grüßen"));
    assert!(m.body.contains(
        "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?submit=1&tracking-id=00340434161094042557"
    ));
    assert_eq!(
        m.decoded_header("From").as_deref(),
        Some("Kaffee Kontor – Versand <shop@example.com>")
    );
    assert!(m
        .decoded_header("Reply-To")
        .unwrap()
        .contains("<hilfe@example.com>"));
    assert!(m.decoded_header("To").unwrap().contains("Jürgen Weiß"));
    let content_type = m.header("Content-Type").unwrap().to_ascii_lowercase();
    assert!(
        content_type.starts_with("text/plain") && content_type.contains("utf-8"),
        "{content_type}"
    );
    assert!(m.header("Date").is_some());
    // The subject went out encoded (non-ASCII), and the sink decoded it.
    assert!(m.header("Subject").is_some());
    assert!(dir.path().join("0001.eml").is_file() && dir.path().join("0001.json").is_file());
    if std::env::var_os("OMS_MAIL_DUMP").is_some() {
        println!("{}", m.data);
    }

    // A resend of the same outbox row carries the same Message-ID.
    let again = send(
        &settings,
        None,
        "juergen@example.org",
        &rendered,
        "outbox-17",
    )
    .await
    .unwrap();
    assert_eq!(again.message_id, sent.message_id);
    assert_eq!(sink.messages()[1].message_id, sink.messages()[0].message_id);
}

#[tokio::test]
async fn umlauts_in_the_subject_survive_the_encoding() {
    let sink = SmtpSink::start(None);
    let rendered = render(&default_template(MailKind::OrderConfirmed, "de"), &values()).unwrap();
    assert_eq!(
        rendered.subject,
        "Ihre Bestellung 1042 bei Kaffee Kontor ist bestätigt"
    );
    send(
        &sink.smtp_settings(),
        None,
        "a@example.org",
        &rendered,
        "r1",
    )
    .await
    .unwrap();
    let m = &sink.messages()[0];
    assert_eq!(
        m.subject.as_deref(),
        Some("Ihre Bestellung 1042 bei Kaffee Kontor ist bestätigt")
    );
    assert!(
        m.header("Subject").unwrap().contains("=?"),
        "{:?}",
        m.header("Subject")
    );
    assert!(m
        .body
        .contains("vielen Dank für Ihre Bestellung bei Kaffee Kontor!"));
    assert!(m.body.contains("Gesamtbetrag: 42,50 €"));
}

#[tokio::test]
async fn english_mail_with_auth_plain_records_the_user() {
    let sink = SmtpSink::start(None);
    sink.require_auth(true);
    let mut settings = sink.smtp_settings();
    settings.username = Some("shop-login".into());
    let rendered = render(&default_template(MailKind::Delivered, "en"), &values()).unwrap();
    send(
        &settings,
        Some("hunter2"),
        "anna@example.org",
        &rendered,
        "d-9",
    )
    .await
    .unwrap();
    let m = &sink.messages()[0];
    assert_eq!(m.auth_user.as_deref(), Some("shop-login"));
    assert_eq!(
        m.subject.as_deref(),
        Some("Your order 1042 has been delivered")
    );
    assert!(
        m.body
            .starts_with("Hello Jürgen Weiß,\n\nyour order 1042 has been delivered."),
        "{}",
        m.body
    );
    assert!(!m.data.contains("hunter2"));
}

#[tokio::test]
async fn auth_login_when_only_login_is_offered() {
    let sink = SmtpSink::start(None);
    sink.advertise_auth("LOGIN");
    sink.require_auth(true);
    let mut settings = sink.smtp_settings();
    settings.username = Some("login-user".into());
    send(
        &settings,
        Some("pw"),
        "anna@example.org",
        &shipped_de(),
        "x",
    )
    .await
    .unwrap();
    assert_eq!(sink.messages()[0].auth_user.as_deref(), Some("login-user"));
}

#[tokio::test]
async fn a_login_is_needed_but_none_is_set() {
    let sink = SmtpSink::start(None);
    sink.require_auth(true);
    let e = send(
        &sink.smtp_settings(),
        None,
        "anna@example.org",
        &shipped_de(),
        "x",
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, MailErrorKind::Config, "{e}");
    assert_eq!(e.smtp_code, Some(530));
    assert_eq!(e.field.as_deref(), Some("username"));
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_username_without_password_is_a_config_error_before_connecting() {
    let sink = SmtpSink::start(None);
    let mut settings = sink.smtp_settings();
    settings.username = Some("shop".into());
    let e = send(&settings, None, "anna@example.org", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (MailErrorKind::Config, Some("password"))
    );
    assert_eq!(sink.connections(), 0);
}

#[tokio::test]
async fn a_550_is_refused_and_a_451_is_unavailable() {
    let sink = SmtpSink::start(None);
    sink.reject_next(1, Reject::Permanent);
    sink.reject_next(1, Reject::Transient);
    let settings = sink.smtp_settings();

    let e = send(&settings, None, "anna@example.org", &shipped_de(), "r")
        .await
        .unwrap_err();
    assert_eq!(e.kind, MailErrorKind::Refused, "{e}");
    assert_eq!(e.smtp_code, Some(550));
    assert!(!e.is_retryable());
    assert!(
        e.message.contains("anna@example.org") && e.message.contains("127.0.0.1"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("Message refused by the test sink"),
        "{}",
        e.message
    );

    let e = send(&settings, None, "anna@example.org", &shipped_de(), "r")
        .await
        .unwrap_err();
    assert_eq!(e.kind, MailErrorKind::Unavailable, "{e}");
    assert_eq!(e.smtp_code, Some(451));
    assert!(e.is_retryable());

    send(&settings, None, "anna@example.org", &shipped_de(), "r")
        .await
        .unwrap();
    assert_eq!((sink.rejected(), sink.messages().len()), (2, 1));
}

#[tokio::test]
async fn a_closed_port_is_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: None,
        from_name: "Shop".into(),
        from_address: "shop@example.com".into(),
        reply_to: None,
    };
    let started = std::time::Instant::now();
    let e = send(&settings, None, "anna@example.org", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, MailErrorKind::Unavailable, "{e}");
    assert!(
        e.message.contains(&format!("127.0.0.1:{port}")),
        "{}",
        e.message
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn bad_addresses_name_the_field() {
    let sink = SmtpSink::start(None);
    let settings = sink.smtp_settings();

    let e = send(&settings, None, "anna@@example", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (MailErrorKind::Address, Some("to"))
    );
    assert!(
        e.message
            .contains("recipient address (to) \"anna@@example\""),
        "{}",
        e.message
    );

    let mut bad_from = settings.clone();
    bad_from.from_address = "shop at example.com".into();
    let e = send(&bad_from, None, "anna@example.org", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (MailErrorKind::Address, Some("fromAddress"))
    );

    let mut bad_reply = settings.clone();
    bad_reply.reply_to = Some("help@".into());
    let e = send(&bad_reply, None, "anna@example.org", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (MailErrorKind::Address, Some("replyTo"))
    );

    let e = send(&settings, None, "", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (MailErrorKind::Address, Some("to"))
    );
    assert_eq!(sink.connections(), 0);
}

#[tokio::test]
async fn plain_smtp_is_refused_for_a_remote_host() {
    let mut settings = SmtpSink::start(None).smtp_settings();
    settings.host = "smtp.example.com".into();
    let e = send(&settings, None, "anna@example.org", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (MailErrorKind::Config, Some("security"))
    );
}

#[tokio::test]
async fn starttls_against_a_server_without_it_is_a_config_error() {
    let sink = SmtpSink::start(None);
    let mut settings = sink.smtp_settings();
    settings.security = Security::StartTls;
    let e = send(&settings, None, "anna@example.org", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (MailErrorKind::Config, Some("security")),
        "{e}"
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn tls_against_a_plain_server_is_a_config_error() {
    let sink = SmtpSink::start(None);
    let mut settings = sink.smtp_settings();
    settings.security = Security::Tls;
    let e = send(&settings, None, "anna@example.org", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (MailErrorKind::Config, Some("security")),
        "{e}"
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn an_unknown_placeholder_never_reaches_the_server() {
    let mut t = default_template(MailKind::Shipped, "en");
    t.subject = "Tracking: {{trackin_url}}".into();
    let e = render(&t, &values()).unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (MailErrorKind::Template, Some("subject"))
    );
    assert!(
        e.message
            .starts_with("unknown placeholder {{trackin_url}} in the subject"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn a_base64_body_is_decoded_by_the_sink() {
    let sink = SmtpSink::start(None);
    // Mostly non-ASCII text: lettre picks base64 over quoted-printable for it.
    let body = "Größe: ÄÖÜ äöü ß — ✓\n".repeat(20);
    let rendered = Rendered {
        subject: "Größenänderung übermittelt".into(),
        body: body.clone(),
    };
    send(
        &sink.smtp_settings(),
        None,
        "a@example.org",
        &rendered,
        "b64",
    )
    .await
    .unwrap();
    let m = &sink.messages()[0];
    assert_eq!(m.header("Content-Transfer-Encoding"), Some("base64"));
    assert_eq!(m.body, body);
    assert_eq!(m.subject.as_deref(), Some("Größenänderung übermittelt"));
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_times_out_as_unavailable() {
    // Accepted by the kernel's backlog, never greeted.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut settings = SmtpSink::start(None).smtp_settings();
    settings.port = listener.local_addr().unwrap().port();
    let started = tokio::time::Instant::now();
    let e = send(&settings, None, "anna@example.org", &shipped_de(), "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, MailErrorKind::Unavailable, "{e}");
    assert!(e.message.contains("took longer than 40 s"), "{}", e.message);
    assert_eq!(
        started.elapsed().as_secs(),
        oms_mail::SEND_TIMEOUT.as_secs()
    );
    drop(listener);
}
