//! Customer e-mail through the application API, against the loopback SMTP sink: the SMTP
//! password in the real keyring, confirmations queued for channels that e-mail from here,
//! the shipping e-mail with its tracking link, a refusal and a server that is away, templates
//! with a placeholder typo refused, preview and resend.

use crate::fresh;
use crate::pipeline::{order, receive};
use oms_app::domain::mail_views::*;
use oms_app::domain::*;
use oms_mail::sink::{Reject, SmtpSink};
use std::time::Duration;

fn smtp(sink: &SmtpSink) -> SmtpView {
    SmtpView {
        host: "127.0.0.1".into(),
        port: sink.port(),
        security: "none".into(),
        username: Some("shop@example.de".into()),
        from_name: "Kaffeerösterei Sonne".into(),
        from_address: "shop@example.de".into(),
        reply_to: None,
    }
}

async fn id_of(api: &oms_app::Api, number: &str) -> i64 {
    api.list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows
        .into_iter()
        .find(|r| r.order_number == number)
        .expect("order")
        .id
}

#[tokio::test]
async fn confirmation_and_shipping_emails_reach_the_customer_once() {
    let db = fresh().await;
    let api = &db.api;
    let sink = SmtpSink::start(None);
    let wh = crate::carriers::located(api, "Leipzig", "Leipzig").await;
    receive(api, "MUG-1", wh, 10).await;
    // The first order makes the connection; it was placed long before it was imported: no
    // confirmation for it.
    let mut old = order("1", "anna@example.de", &[("MUG-1", 1)]);
    old.placed_at = oms_app::now_ms() - 5 * 86_400_000;
    api.import_orders(&[old], "test").await.expect("import");
    let s = api
        .save_mail_settings(&MailSettingsInput {
            smtp: smtp(&sink),
            password: Some("s3cret-smtp".into()),
            lang: "de".into(),
        })
        .await
        .expect("settings");
    assert!(s.has_password);
    assert!(!format!("{s:?}").contains("s3cret-smtp"));
    let conn = s.channels[0].connection_id;
    api.set_email_customers(conn, true).await.expect("switch");

    let mut fresh_order = order("22", "ben@example.de", &[("MUG-1", 2)]);
    fresh_order.placed_at = oms_app::now_ms() - 60_000;
    api.import_orders(&[fresh_order], "test")
        .await
        .expect("import");
    let id = id_of(api, "#22").await;
    let r = api.dispatch_mail().await.expect("dispatch");
    assert_eq!((r.sent, r.failed, r.later), (1, 0, 0), "{r:?}");
    let got = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(got.len(), 1, "only the new order is confirmed");
    assert_eq!(got[0].to, vec!["ben@example.de".to_owned()]);
    assert_eq!(got[0].auth_user.as_deref(), Some("shop@example.de"));
    let subject = got[0].subject.clone().unwrap_or_default();
    assert!(subject.contains("#22"), "{subject}");
    assert!(got[0].body.contains("2 × "), "the lines: {}", got[0].body);

    // Shipping with a tracking number queues the shipping e-mail with the carrier's link.
    api.process_pending(&|_| {}).await.expect("process");
    api.ship_order(id, "DHL", "00340434161094042557")
        .await
        .expect("ship");
    api.dispatch_mail().await.expect("dispatch");
    let got = sink.wait_for(2, Duration::from_secs(5));
    let shipped = &got[1];
    assert!(
        shipped.body.contains("00340434161094042557"),
        "{}",
        shipped.body
    );
    assert!(
        shipped.body.contains("https://"),
        "a tracking link: {}",
        shipped.body
    );
    // A second pass sends nothing again.
    assert_eq!(api.dispatch_mail().await.expect("again").sent, 0);
    let d = api.get_order(id).await.expect("detail");
    let sent: Vec<&str> = d
        .timeline
        .iter()
        .filter(|e| e.kind == "email")
        .map(|e| e.summary.as_str())
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent
        .iter()
        .all(|s| s.starts_with("E-mail sent to ben@example.de")));
    let mails = api.list_mail(Some(id), None).await.expect("mails");
    assert!(mails.iter().all(|m| m.status == "sent" && m.lang == "de"));
    // The password went to the keyring, never into the message or the database.
    assert!(!got.iter().any(|m| m.data.contains("s3cret-smtp")));
    let raw = std::fs::read(db.dir.path().join("oms.sqlite")).expect("db file");
    assert!(!String::from_utf8_lossy(&raw).contains("s3cret-smtp"));

    // Resend the shipping e-mail by hand.
    let m = api.resend_mail(id, "shipped", None).await.expect("resend");
    assert_eq!(m.status, "pending");
    assert_eq!(api.dispatch_mail().await.expect("send").sent, 1);
    assert_eq!(sink.wait_for(3, Duration::from_secs(5)).len(), 3);
}

#[tokio::test]
async fn a_refused_mail_waits_for_a_person_and_a_server_away_is_tried_later() {
    let db = fresh().await;
    let api = &db.api;
    let sink = SmtpSink::start(None);
    api.import_orders(&[order("5", "x@example.de", &[("MUG-1", 1)])], "test")
        .await
        .expect("import");
    let s = api
        .save_mail_settings(&MailSettingsInput {
            smtp: SmtpView {
                username: None,
                ..smtp(&sink)
            },
            password: None,
            lang: "en".into(),
        })
        .await
        .expect("settings");
    api.set_email_customers(s.channels[0].connection_id, true)
        .await
        .expect("switch");
    let id = id_of(api, "#5").await;
    let a = api
        .resend_mail(id, "order_confirmed", None)
        .await
        .expect("queue a");
    let b = api
        .resend_mail(id, "order_confirmed", Some("other@example.de"))
        .await
        .expect("queue b");
    sink.reject_next(1, Reject::Permanent);
    let r = api.dispatch_mail().await.expect("dispatch");
    assert_eq!((r.sent, r.failed), (1, 1), "{r:?}");
    let rows = api.list_mail(Some(id), None).await.expect("rows");
    let failed = rows
        .iter()
        .find(|m| m.status == "failed")
        .expect("a refused row");
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("550")),
        "{failed:?}"
    );
    assert!(api
        .get_order(id)
        .await
        .expect("d")
        .timeline
        .iter()
        .any(|e| e.summary.contains("refused")));
    // Retried by hand, it goes out.
    api.retry_mail(failed.id).await.expect("retry");
    assert_eq!(api.dispatch_mail().await.expect("again").sent, 1);
    let _ = (a, b);

    // A transient refusal (451): tried later, not failed.
    api.resend_mail(id, "order_confirmed", None)
        .await
        .expect("queue c");
    sink.reject_next(1, Reject::Transient);
    let r = api.dispatch_mail().await.expect("dispatch");
    assert_eq!((r.later, r.failed), (1, 0), "{r:?}");
    let waiting = api
        .list_mail(Some(id), Some("pending"))
        .await
        .expect("pending");
    assert_eq!(waiting.len(), 1);
    assert!(waiting[0].next_attempt_at > oms_app::now_ms());
}

#[tokio::test]
async fn templates_are_checked_previewed_and_restored() {
    let db = fresh().await;
    let api = &db.api;
    let t = api.mail_template("shipped", "de").await.expect("template");
    assert!(t.is_default);
    assert!(t.body.contains("{{tracking_url}}"));
    let e = api
        .save_mail_template(
            "shipped",
            "de",
            "Ihre Bestellung {{order_number}}",
            "Link: {{trackin_url}}",
        )
        .await
        .expect_err("typo");
    assert_eq!(e.code, oms_app::ErrorCode::InvalidInput);
    assert!(
        e.message.contains("{{trackin_url}}") && e.message.contains("tracking_url"),
        "{}",
        e.message
    );
    let saved = api
        .save_mail_template(
            "shipped",
            "de",
            "Unterwegs: {{order_number}}",
            "Hallo {{customer_name}}, {{tracking_url}}",
        )
        .await
        .expect("save");
    assert!(!saved.is_default);
    let p = api
        .preview_mail("shipped", "de", None, None, None)
        .await
        .expect("preview");
    assert_eq!(p.subject, "Unterwegs: #1001");
    assert!(
        p.body.starts_with("Hallo Erika Mustermann, https://"),
        "{}",
        p.body
    );
    let back = api
        .save_mail_template("shipped", "de", "", "")
        .await
        .expect("restore");
    assert!(back.is_default);
    // Without a server, a test send says so.
    let e = api
        .send_test_mail("me@example.de", "shipped", "en", None, None)
        .await
        .expect_err("no server");
    assert_eq!(e.code, oms_app::ErrorCode::ChannelConfig);
}
