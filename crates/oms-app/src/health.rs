//! Sync health for the desktop shell: the line the tray shows and the moments worth a native
//! notification (a connection starts failing; a channel refuses updates). Kept here, with
//! its English and German words, so that the shell only draws it.

use oms_domain::sync_views::SyncConnectionView;
use std::collections::HashMap;

/// The UI's language for native text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    De,
}

impl Lang {
    pub fn parse(s: &str) -> Lang {
        if s.trim().to_ascii_lowercase().starts_with("de") {
            Lang::De
        } else {
            Lang::En
        }
    }
}

/// One line for the tray: how sync is doing over every enabled connection.
pub fn tray_line(conns: &[SyncConnectionView], lang: Lang) -> String {
    let enabled: Vec<&SyncConnectionView> = conns
        .iter()
        .filter(|c| c.enabled && c.base_url.is_some())
        .collect();
    let failing: Vec<&str> = enabled
        .iter()
        .filter(|c| !c.paused && c.failures > 0)
        .map(|c| c.name.as_str())
        .collect();
    let refused: i64 = enabled.iter().map(|c| c.outbox_failed).sum();
    let backlog: i64 = enabled
        .iter()
        .map(|c| c.outbox_backlog - c.outbox_failed)
        .sum();
    let paused = enabled.iter().filter(|c| c.paused).count();
    let mut s = match (lang, enabled.len(), failing.is_empty()) {
        (Lang::En, 0, _) => "Sync: no connections".to_owned(),
        (Lang::De, 0, _) => "Sync: keine Verbindungen".to_owned(),
        (Lang::En, n, true) => format!("Sync: {n} connection{} OK", if n == 1 { "" } else { "s" }),
        (Lang::De, n, true) => format!(
            "Sync: {n} Verbindung{} in Ordnung",
            if n == 1 { "" } else { "en" }
        ),
        (Lang::En, _, false) => format!("Sync failing: {}", failing.join(", ")),
        (Lang::De, _, false) => format!("Sync gestört: {}", failing.join(", ")),
    };
    if paused > 0 {
        s.push_str(&match lang {
            Lang::En => format!(" · {paused} paused"),
            Lang::De => format!(" · {paused} pausiert"),
        });
    }
    if backlog > 0 {
        s.push_str(&match lang {
            Lang::En => format!(" · {backlog} to send"),
            Lang::De => format!(" · {backlog} zu senden"),
        });
    }
    if refused > 0 {
        s.push_str(&match lang {
            Lang::En => format!(" · {refused} refused"),
            Lang::De => format!(" · {refused} abgelehnt"),
        });
    }
    s
}

/// A native notification: title and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// Remembers what it has seen, so that each failure streak and each new refusal is told once.
#[derive(Debug, Default)]
pub struct HealthWatch {
    /// Per connection: failing now, refused rows last seen.
    seen: HashMap<i64, (bool, i64)>,
    primed: bool,
}

impl HealthWatch {
    /// What changed for the worse since the last look. The first look only takes stock (no
    /// notification for a state the app started in).
    pub fn notices(&mut self, conns: &[SyncConnectionView], lang: Lang) -> Vec<Notice> {
        let mut out = Vec::new();
        for c in conns.iter().filter(|c| c.enabled) {
            let failing = !c.paused && c.failures > 0;
            let (was_failing, was_refused) = self.seen.get(&c.id).copied().unwrap_or((false, 0));
            if self.primed && failing && !was_failing {
                let why = c.last_error.clone().unwrap_or_default();
                out.push(match lang {
                    Lang::En => Notice {
                        title: format!("{}: sync is failing", c.name),
                        body: why,
                    },
                    Lang::De => Notice {
                        title: format!("{}: Sync gestört", c.name),
                        body: why,
                    },
                });
            }
            if self.primed && c.outbox_failed > was_refused {
                let n = c.outbox_failed - was_refused;
                out.push(match lang {
                    Lang::En => Notice {
                        title: format!(
                            "{}: {n} update{} refused",
                            c.name,
                            if n == 1 { "" } else { "s" }
                        ),
                        body: "See Connections › Outbox to retry or dismiss.".into(),
                    },
                    Lang::De => Notice {
                        title: format!(
                            "{}: {n} Aktualisierung{} abgelehnt",
                            c.name,
                            if n == 1 { "" } else { "en" }
                        ),
                        body: "Unter Verbindungen › Postausgang erneut senden oder verwerfen."
                            .into(),
                    },
                });
            }
            self.seen.insert(c.id, (failing, c.outbox_failed));
        }
        self.seen.retain(|id, _| conns.iter().any(|c| c.id == *id));
        self.primed = true;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oms_domain::ChannelKind;

    fn conn(id: i64, name: &str, failures: i64, refused: i64) -> SyncConnectionView {
        SyncConnectionView {
            id,
            kind: ChannelKind::Shopify,
            name: name.into(),
            enabled: true,
            paused: false,
            base_url: Some("https://x.example".into()),
            api_version: None,
            page_size: None,
            credentials: vec!["access_token".into()],
            cursor: None,
            last_sync_at: None,
            last_success_at: None,
            last_error: (failures > 0).then(|| "the server refused the credentials (401)".into()),
            last_error_code: None,
            circuit: "closed".into(),
            failures,
            orders_pulled: 0,
            orders: 0,
            quarantined: 0,
            outbox_backlog: refused,
            outbox_failed: refused,
            push_fulfilments: true,
            push_stock: false,
            stock_buffer: 0,
            stock_cap: None,
            unknown_skus: 0,
        }
    }

    #[test]
    fn the_tray_line_says_how_sync_is_doing() {
        assert_eq!(tray_line(&[], Lang::En), "Sync: no connections");
        assert_eq!(
            tray_line(&[conn(1, "A", 0, 0)], Lang::En),
            "Sync: 1 connection OK"
        );
        assert_eq!(
            tray_line(&[conn(1, "A", 0, 0), conn(2, "B", 2, 1)], Lang::En),
            "Sync failing: B · 1 refused"
        );
        assert_eq!(
            tray_line(&[conn(1, "A", 0, 0), conn(2, "B", 0, 0)], Lang::De),
            "Sync: 2 Verbindungen in Ordnung"
        );
    }

    #[test]
    fn a_failure_streak_and_new_refusals_are_told_once() {
        let mut w = HealthWatch::default();
        // What the app starts with is not news.
        assert!(w.notices(&[conn(1, "A", 1, 0)], Lang::En).is_empty());
        assert!(
            w.notices(&[conn(1, "A", 0, 0)], Lang::En).is_empty(),
            "recovered"
        );
        let n = w.notices(&[conn(1, "A", 1, 0)], Lang::En);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "A: sync is failing");
        assert!(n[0].body.contains("401"));
        assert!(
            w.notices(&[conn(1, "A", 2, 0)], Lang::En).is_empty(),
            "the same streak"
        );
        let n = w.notices(&[conn(1, "A", 0, 2)], Lang::De);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "A: 2 Aktualisierungen abgelehnt");
        assert!(w.notices(&[conn(1, "A", 0, 2)], Lang::En).is_empty());
    }
}
