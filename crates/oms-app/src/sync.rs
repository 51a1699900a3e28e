//! Channel sync through the application API: connections (settings in the database, secrets
//! in the OS keyring), a pull run per connection, the quarantine.
//!
//! A run pulls every order changed since the connection's cursor minus an overlap window, a
//! page at a time. Per page: the raw payloads go to the inbox first (the same payload twice is
//! kept once and changes nothing); the new ones are mapped — a payload that fails is
//! quarantined with its error and the others go on; the mapped orders are imported (a newer
//! version replaces an older one, an older one never overwrites a newer one; every change is on
//! the order's timeline); then the cursor moves to the page's newest change. Should the app stop
//! between the import and the cursor, the next run fetches the page again and it changes
//! nothing: no loss, no duplicates.

use crate::secrets::{secret_key, SecretStore};
use crate::{now_ms, Api, ApiError, ErrorCode, Progress};
use oms_domain::sync_views::*;
use oms_domain::ChannelKind;
use oms_store::{content_hash, ConnectionRow, InboxRecord, PageOutcome};
use oms_sync::{Connector, Credentials, Endpoint, MapError, SyncError, SyncErrorKind};
use serde::{Deserialize, Serialize};

/// The secrets a connection may hold, by name.
const SECRET_FIELDS: [&str; 5] = [
    "access_token",
    "client_id",
    "client_secret",
    "consumer_key",
    "consumer_secret",
];
/// Failed runs in a row that open the circuit.
pub const CIRCUIT_OPENS_AT: i64 = 3;
/// Days the inbox keeps payloads that were mapped or dismissed (the newest payload of each
/// order stays whatever its age; quarantined ones stay until retried or dismissed).
pub const INBOX_KEEP_DAYS: i64 = 30;
/// Pages one run takes at most (a bounded loop; the next run goes on).
const MAX_PAGES: u32 = 100_000;

/// The connector settings kept in `connections.settings` (names of secrets, never values).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_size: Option<u32>,
    /// Seconds pulled again before the cursor (changes that arrived late).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    overlap_s: Option<i64>,
    /// How far back the first run reaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    initial_days: Option<i64>,
    #[serde(default)]
    secrets: Vec<String>,
}

impl Settings {
    fn of(row: &ConnectionRow) -> Settings {
        serde_json::from_str(&row.settings).unwrap_or_default()
    }
    fn json(&self) -> Result<String, ApiError> {
        serde_json::to_string(self).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
    }
}

/// Changes to a connection; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ts_rs::TS)]
pub struct ConnectionPatch {
    pub base_url: Option<String>,
    pub api_version: Option<String>,
    pub page_size: Option<u32>,
    pub enabled: Option<bool>,
    pub paused: Option<bool>,
}

pub(crate) fn sync_error(e: &SyncError) -> ApiError {
    let code = match e.kind {
        SyncErrorKind::Config => ErrorCode::ChannelConfig,
        SyncErrorKind::Unauthorized => ErrorCode::ChannelUnauthorized,
        SyncErrorKind::RateLimited => ErrorCode::ChannelRateLimited,
        SyncErrorKind::Server | SyncErrorKind::Network => ErrorCode::ChannelUnavailable,
        SyncErrorKind::Rejected | SyncErrorKind::BadResponse => ErrorCode::ChannelRejected,
    };
    ApiError::new(code, e.message.clone())
}

fn view(row: &ConnectionRow) -> Result<SyncConnectionView, ApiError> {
    let s = Settings::of(row);
    Ok(SyncConnectionView {
        id: row.id,
        kind: ChannelKind::parse(&row.kind)?,
        name: row.name.clone(),
        enabled: row.enabled,
        paused: row.paused,
        base_url: row.base_url.clone(),
        api_version: s.api_version,
        page_size: s.page_size,
        credentials: s.secrets,
        cursor: row.sync_cursor,
        last_sync_at: row.last_sync_at,
        last_success_at: row.last_success_at,
        last_error: row.last_error.clone(),
        last_error_code: row.last_error_code.clone(),
        circuit: if row.failures >= CIRCUIT_OPENS_AT {
            "open".into()
        } else {
            "closed".into()
        },
        failures: row.failures,
        orders_pulled: row.orders_pulled,
        orders: row.orders,
        quarantined: row.quarantined,
        outbox_backlog: row.outbox_backlog,
        outbox_failed: row.outbox_failed,
        push_fulfilments: row.push_fulfilments,
        push_stock: row.push_stock,
        stock_buffer: row.stock_buffer,
        stock_cap: row.stock_cap,
        unknown_skus: row.unknown_skus,
    })
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Api {
    /// Runs a keyring call off the async threads (the Secret Service is a D-Bus round trip).
    pub(crate) async fn with_secrets<R: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SecretStore) -> Result<R, ApiError> + Send + 'static,
    ) -> Result<R, ApiError> {
        let secrets = self.secrets().await?;
        tokio::task::spawn_blocking(move || f(secrets.as_ref()))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("keyring task: {e}")))?
    }

    /// Stores the given secrets of a connection in the keyring (only those of its kind) and
    /// records their names.
    async fn store_credentials(
        &self,
        row: &ConnectionRow,
        c: &CredentialsInput,
    ) -> Result<(), ApiError> {
        let kind = ChannelKind::parse(&row.kind)?;
        let wanted: Vec<(&str, Option<&str>)> = match kind {
            ChannelKind::Shopify => vec![
                ("access_token", given(&c.access_token)),
                ("client_id", given(&c.client_id)),
                ("client_secret", given(&c.client_secret)),
            ],
            ChannelKind::Woocommerce => vec![
                ("consumer_key", given(&c.consumer_key)),
                ("consumer_secret", given(&c.consumer_secret)),
            ],
            other => {
                return Err(ApiError::new(
                    ErrorCode::ChannelConfig,
                    format!("no connector for {} yet", other.as_str()),
                ))
            }
        };
        let set: Vec<(String, String)> = wanted
            .iter()
            .filter_map(|(k, v)| v.map(|v| (secret_key(row.id, k), v.to_owned())))
            .collect();
        if set.is_empty() {
            return Ok(());
        }
        self.with_secrets(move |s| {
            for (k, v) in &set {
                s.set(k, v)?;
            }
            Ok(())
        })
        .await?;
        let mut settings = Settings::of(row);
        for (k, v) in wanted {
            if v.is_some() && !settings.secrets.iter().any(|s| s == k) {
                settings.secrets.push(k.to_owned());
            }
        }
        self.store
            .update_connection(row.id, None, Some(&settings.json()?), None, None)
            .await?;
        Ok(())
    }

    /// Adds a connection: its settings in the database, its secrets in the keyring.
    pub async fn add_connection(&self, c: &NewConnection) -> Result<SyncConnectionView, ApiError> {
        // Checked before anything is stored: a connector for the kind, a usable URL.
        Connector::check(
            c.kind,
            &Endpoint {
                name: c.name.clone(),
                base_url: c.base_url.clone(),
                api_version: c.api_version.clone(),
                page_size: c.page_size,
            },
        )
        .map_err(|e| sync_error(&e))?;
        let settings = Settings {
            api_version: c.api_version.clone(),
            page_size: c.page_size,
            ..Default::default()
        };
        let id = self
            .store
            .create_connection(c.kind, &c.name, c.base_url.trim(), &settings.json()?)
            .await?;
        let row = self.store.sync_connection(id).await?;
        if let Err(e) = self.store_credentials(&row, &c.credentials).await {
            // No connection without its secrets: the keyring refused, nothing stays behind.
            let _ = self.store.delete_connection(id).await;
            return Err(e);
        }
        self.connection(id).await
    }

    pub async fn connection(&self, id: i64) -> Result<SyncConnectionView, ApiError> {
        view(&self.store.sync_connection(id).await?)
    }

    /// Every connection with a base URL (the ones sync can reach).
    pub async fn list_sync_connections(&self) -> Result<Vec<SyncConnectionView>, ApiError> {
        self.store
            .sync_connections()
            .await?
            .iter()
            .filter(|r| r.base_url.is_some())
            .map(view)
            .collect()
    }

    pub async fn set_connection_credentials(
        &self,
        id: i64,
        c: &CredentialsInput,
    ) -> Result<SyncConnectionView, ApiError> {
        let row = self.store.sync_connection(id).await?;
        self.store_credentials(&row, c).await?;
        self.connection(id).await
    }

    pub async fn update_connection(
        &self,
        id: i64,
        p: &ConnectionPatch,
    ) -> Result<SyncConnectionView, ApiError> {
        let row = self.store.sync_connection(id).await?;
        let mut s = Settings::of(&row);
        if let Some(v) = &p.api_version {
            s.api_version = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        }
        if let Some(n) = p.page_size {
            s.page_size = Some(n);
        }
        self.store
            .update_connection(
                id,
                p.base_url.as_deref().map(str::trim),
                Some(&s.json()?),
                p.enabled,
                p.paused,
            )
            .await?;
        self.connection(id).await
    }

    /// Removes a connection without orders, and its secrets.
    pub async fn remove_connection(&self, id: i64) -> Result<(), ApiError> {
        self.store.delete_connection(id).await?;
        self.with_secrets(move |s| {
            for f in SECRET_FIELDS {
                s.delete(&secret_key(id, f))?;
            }
            Ok(())
        })
        .await
    }

    /// A connector for a connection, its secrets read from the keyring.
    pub(crate) async fn connector(&self, row: &ConnectionRow) -> Result<Connector, ApiError> {
        let kind = ChannelKind::parse(&row.kind)?;
        let id = row.id;
        let secrets: Vec<Option<String>> = self
            .with_secrets(move |s| {
                SECRET_FIELDS
                    .iter()
                    .map(|f| s.get(&secret_key(id, f)))
                    .collect()
            })
            .await?;
        let get = |f: &str| {
            SECRET_FIELDS
                .iter()
                .position(|x| *x == f)
                .and_then(|i| secrets.get(i).cloned().flatten())
        };
        let missing = || {
            ApiError::new(
                ErrorCode::ChannelConfig,
                format!(
                    "connection {:?} has no credentials in the keyring",
                    row.name
                ),
            )
        };
        let credentials = match kind {
            ChannelKind::Shopify => {
                match (get("access_token"), get("client_id"), get("client_secret")) {
                    (Some(t), _, _) => Credentials::ShopifyToken { access_token: t },
                    (None, Some(id), Some(secret)) => Credentials::ShopifyClient {
                        client_id: id,
                        client_secret: secret,
                    },
                    _ => return Err(missing()),
                }
            }
            ChannelKind::Woocommerce => match (get("consumer_key"), get("consumer_secret")) {
                (Some(key), Some(secret)) => Credentials::WooKeys { key, secret },
                _ => return Err(missing()),
            },
            other => {
                return Err(ApiError::new(
                    ErrorCode::ChannelConfig,
                    format!("no connector for {} yet", other.as_str()),
                ))
            }
        };
        let s = Settings::of(row);
        let base_url = row.base_url.clone().ok_or_else(|| {
            ApiError::new(
                ErrorCode::ChannelConfig,
                format!("connection {:?} has no base URL", row.name),
            )
        })?;
        Connector::new(
            kind,
            Endpoint {
                name: row.name.clone(),
                base_url,
                api_version: s.api_version,
                page_size: s.page_size,
            },
            credentials,
            self.http()?,
        )
        .map_err(|e| sync_error(&e))
    }

    fn http(&self) -> Result<oms_sync::http::Http, ApiError> {
        oms_sync::http::Http::new(self.sync_policy.clone()).map_err(|e| sync_error(&e))
    }

    /// Asks the channel who it is with the stored credentials.
    pub async fn test_connection(&self, id: i64) -> Result<ConnectionTest, ApiError> {
        let row = self.store.sync_connection(id).await?;
        let mut c = match self.connector(&row).await {
            Ok(c) => c,
            Err(e) => {
                return Ok(ConnectionTest {
                    ok: false,
                    message: e.message,
                    code: Some(format!("{:?}", e.code)),
                })
            }
        };
        Ok(match c.test().await {
            Ok(message) => ConnectionTest {
                ok: true,
                message,
                code: None,
            },
            Err(e) => ConnectionTest {
                ok: false,
                message: e.message.clone(),
                code: Some(e.kind.as_str().into()),
            },
        })
    }

    /// Pulls one connection once, to the end. A failed run is recorded on the connection
    /// (error, circuit) and returned.
    pub async fn sync_connection(
        &self,
        id: i64,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<SyncReport, ApiError> {
        let lock = self
            .sync_locks
            .lock()
            .map(|mut m| m.entry(id).or_default().clone())
            .map_err(|_| ApiError::new(ErrorCode::Internal, "sync lock poisoned"))?;
        let _turn = lock.lock().await;
        let row = self.store.sync_connection(id).await?;
        let result = match self.connector(&row).await {
            Ok(mut c) => self.pull(&row, &mut c, progress).await,
            Err(e) => Err(e),
        };
        let code_text = |e: &ApiError| format!("{:?}", e.code);
        match &result {
            Ok(_) => self.store.record_sync_run(id, None).await?,
            Err(e) => {
                self.store
                    .record_sync_run(id, Some((&code_text(e), &e.message)))
                    .await?
            }
        }
        result
    }

    async fn pull(
        &self,
        row: &ConnectionRow,
        c: &mut Connector,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<SyncReport, ApiError> {
        let s = Settings::of(row);
        let overlap = s.overlap_s.unwrap_or(300).max(0) * 1000;
        let since = match row.sync_cursor {
            Some(cursor) => cursor - overlap,
            None => now_ms() - s.initial_days.unwrap_or(30).max(0) * 86_400_000,
        };
        let mut report = SyncReport {
            connection_id: row.id,
            cursor: row.sync_cursor,
            ..Default::default()
        };
        let mut importer = oms_store::Importer::new(&self.store, format!("sync:{}", row.name));
        // Channel SKUs mapped by hand to ours: the order's lines name our product.
        let mapped = self.sku_map(row.id).await?;
        let mut token = None;
        let task = "sync".to_owned();
        while report.pages < MAX_PAGES {
            let page = c
                .fetch(since, token.as_ref())
                .await
                .map_err(|e| sync_error(&e))?;
            report.pages += 1;
            let hashes: Vec<String> = page
                .records
                .iter()
                .map(|r| content_hash(&r.payload))
                .collect();
            let unreadable_ids: Vec<String> = page
                .unreadable
                .iter()
                .map(|(i, text, _)| format!("unreadable:{}:{i}", content_hash(text)))
                .collect();
            let mut records: Vec<InboxRecord<'_>> = page
                .records
                .iter()
                .zip(&hashes)
                .map(|(r, h)| InboxRecord {
                    external_id: &r.external_id,
                    version: r.updated_at,
                    payload: &r.payload,
                    content_hash: h.clone(),
                })
                .collect();
            for ((_, text, _), ext) in page.unreadable.iter().zip(&unreadable_ids) {
                records.push(InboxRecord {
                    external_id: ext,
                    version: 0,
                    payload: text,
                    content_hash: content_hash(text),
                });
            }
            let stored = self.store.store_inbox(row.id, &records).await?;
            let mut quarantined: Vec<(i64, String)> = Vec::new();
            let mut orders = Vec::with_capacity(page.records.len());
            let mut seen: std::collections::BTreeSet<String> = Default::default();
            let mut channel_returns = Vec::new();
            for (r, (inbox_id, new)) in page.records.iter().zip(&stored) {
                if !new {
                    report.unchanged += 1;
                    continue;
                }
                match c
                    .map(r)
                    .and_then(|o| o.totals().map(|_| o).map_err(|e| MapError(e.to_string())))
                {
                    Ok(mut o) => {
                        for l in &mut o.lines {
                            seen.insert(l.sku.as_str().to_owned());
                            if let Some(ours) = mapped.get(l.sku.as_str()) {
                                l.sku = ours.clone();
                            }
                        }
                        let rets = c.returns_of(r);
                        if !rets.is_empty() {
                            channel_returns.push((o.external_id.clone(), rets));
                        }
                        orders.push(o)
                    }
                    Err(e) => quarantined.push((*inbox_id, e.0)),
                }
            }
            for ((_, _, why), (inbox_id, new)) in page
                .unreadable
                .iter()
                .zip(stored.iter().skip(page.records.len()))
            {
                if *new {
                    quarantined.push((*inbox_id, why.clone()));
                }
            }
            if !orders.is_empty() {
                let b = importer.write(&orders).await?;
                let seen: Vec<String> = seen.into_iter().collect();
                self.store
                    .note_channel_skus(row.id, &seen, now_ms())
                    .await?;
                report.imported += b.inserted;
                report.updated += b.updated;
                report.unchanged += b.skipped;
            }
            for (external_id, rets) in &channel_returns {
                report.returns += self
                    .record_channel_returns(row.id, external_id, rets, &mapped)
                    .await?;
            }
            report.fetched += (page.records.len() + page.unreadable.len()) as u64;
            report.quarantined += quarantined.len() as u64;
            let newest = page.records.iter().map(|r| r.updated_at).max();
            // A page with nothing new and no newer change leaves the connection as it is.
            let moves = newest.is_some_and(|n| report.cursor.is_none_or(|c| n > c));
            if moves || !quarantined.is_empty() || !orders.is_empty() {
                self.store
                    .finish_page(
                        row.id,
                        &PageOutcome {
                            quarantined: &quarantined,
                            cursor: newest,
                            pulled: orders.len() as u64,
                        },
                    )
                    .await?;
            }
            if let Some(n) = newest {
                report.cursor = Some(report.cursor.map_or(n, |c| c.max(n)));
            }
            progress(Progress {
                task: task.clone(),
                done: report.fetched,
                total: 0,
            });
            match page.next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        // The total is known only at the end.
        progress(Progress {
            task,
            done: report.fetched,
            total: report.fetched,
        });
        Ok(report)
    }

    /// Records the returns a channel reported with an order (once each; one matching an open
    /// return made here is linked to it). A return that does not fit what shipped is put on
    /// the order's timeline instead, and the sync goes on. Returns how many were new.
    async fn record_channel_returns(
        &self,
        connection_id: i64,
        external_id: &str,
        rets: &[oms_sync::ChannelReturn],
        mapped: &std::collections::HashMap<String, oms_domain::Sku>,
    ) -> Result<u64, ApiError> {
        let Some(order) = self.store.order_id_of(connection_id, external_id).await? else {
            return Ok(0);
        };
        let lines = self.returnable(order).await?.lines;
        let mut made = 0;
        for r in rets {
            if matches!(r.status.as_str(), "DECLINED" | "CANCELED") || r.lines.is_empty() {
                continue;
            }
            let mut input = oms_domain::return_views::ReturnInput {
                order_id: order,
                lines: Vec::new(),
                note: Some(format!("Return {} on the channel", r.id)),
                approve: r.status != "REQUESTED",
            };
            let mut unknown = Vec::new();
            for l in &r.lines {
                let sku = mapped
                    .get(l.sku.as_str())
                    .map_or(l.sku.as_str(), |s| s.as_str());
                match lines.iter().find(|x| x.sku == sku) {
                    Some(x) => input.lines.push(oms_domain::return_views::ReturnLineInput {
                        line_no: x.line_no,
                        quantity: l.quantity,
                        reason: channel_reason(&l.reason),
                        comment: l.note.clone(),
                    }),
                    None => unknown.push(l.sku.clone()),
                }
            }
            let outcome = if unknown.is_empty() {
                self.record_channel_return(&input, &r.id)
                    .await
                    .map(|(_, new)| new)
            } else {
                Err(ApiError::invalid(format!(
                    "SKU {} is not on this order",
                    unknown.join(", ")
                )))
            };
            match outcome {
                Ok(true) => made += 1,
                Ok(false) => {}
                Err(e) => {
                    self.store
                        .record_event(
                            order,
                            oms_domain::EventKind::Returned,
                            "sync",
                            &format!("The channel's return {} was not recorded", r.id),
                            Some(&e.message),
                        )
                        .await?
                }
            }
        }
        Ok(made)
    }

    /// A connection's hand mappings: channel SKU → our SKU.
    async fn sku_map(
        &self,
        connection_id: i64,
    ) -> Result<std::collections::HashMap<String, oms_domain::Sku>, ApiError> {
        Ok(self
            .store
            .sku_mappings(connection_id)
            .await?
            .into_iter()
            .filter_map(|(channel, ours)| oms_domain::Sku::parse(&ours).ok().map(|s| (channel, s)))
            .collect())
    }

    /// Removes inbox payloads older than `days` that were mapped or dismissed, except the
    /// newest one of each order. Returns how many went.
    pub async fn prune_inbox(&self, days: i64) -> Result<u64, ApiError> {
        if days < 0 {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "days to keep: 0 or more",
            ));
        }
        Ok(self.store.prune_inbox(now_ms() - days * 86_400_000).await?)
    }

    /// Pulls every enabled, unpaused connection once; one failing connection does not stop the
    /// others.
    pub async fn sync_all(
        &self,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Vec<(i64, Result<SyncReport, ApiError>)>, ApiError> {
        let mut out = Vec::new();
        for c in self.list_sync_connections().await? {
            if c.enabled && !c.paused {
                out.push((c.id, self.sync_connection(c.id, progress).await));
            }
        }
        Ok(out)
    }

    /// Moves a connection's cursor (`None`: the next run starts from `initial_days` back).
    pub async fn reset_sync_cursor(&self, id: i64, cursor: Option<i64>) -> Result<(), ApiError> {
        self.store.sync_connection(id).await?;
        Ok(self.store.set_sync_cursor(id, cursor).await?)
    }

    pub async fn quarantined(
        &self,
        connection_id: Option<i64>,
    ) -> Result<Vec<QuarantineView>, ApiError> {
        Ok(self
            .store
            .quarantine(connection_id, 1_000)
            .await?
            .into_iter()
            .map(|q| QuarantineView {
                id: q.id,
                connection_id: q.connection_id,
                connection: q.connection,
                external_id: q.external_id,
                fetched_at: q.fetched_at,
                error: q.error,
            })
            .collect())
    }

    /// Maps a quarantined payload again (after a mapping fix or a product added) and imports it;
    /// it stays quarantined, with the new error, if it still fails.
    pub async fn retry_quarantined(&self, inbox_id: i64) -> Result<QuarantineRetry, ApiError> {
        let (conn_id, external_id, version, payload) = self.store.inbox_payload(inbox_id).await?;
        let row = self.store.sync_connection(conn_id).await?;
        let c = self.connector(&row).await?;
        let raw = oms_sync::Raw {
            external_id,
            updated_at: version,
            payload,
        };
        match c
            .map(&raw)
            .and_then(|o| o.totals().map(|_| o).map_err(|e| MapError(e.to_string())))
        {
            Ok(mut o) => {
                let mapped = self.sku_map(row.id).await?;
                for l in &mut o.lines {
                    if let Some(ours) = mapped.get(l.sku.as_str()) {
                        l.sku = ours.clone();
                    }
                }
                let mut importer =
                    oms_store::Importer::new(&self.store, format!("sync:{}", row.name));
                importer.write(&[o]).await?;
                self.store
                    .set_inbox_status(&[inbox_id], "mapped", None)
                    .await?;
                Ok(QuarantineRetry {
                    imported: true,
                    error: None,
                })
            }
            Err(MapError(e)) => {
                self.store
                    .set_inbox_status(&[inbox_id], "quarantined", Some(&e))
                    .await?;
                Ok(QuarantineRetry {
                    imported: false,
                    error: Some(e),
                })
            }
        }
    }

    /// Drops quarantined payloads from the queue (they stay in the inbox, marked dismissed).
    pub async fn dismiss_quarantined(&self, ids: &[i64]) -> Result<(), ApiError> {
        Ok(self.store.set_inbox_status(ids, "dismissed", None).await?)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct QuarantineRetry {
    pub imported: bool,
    pub error: Option<String>,
}

/// Our reason for a channel's reason code; one we have no word for is kept as it is (and then
/// recorded as "other" with the channel's word).
fn channel_reason(code: &str) -> String {
    match code {
        "SIZE_TOO_SMALL" => "too_small",
        "SIZE_TOO_LARGE" => "too_large",
        "UNWANTED" => "changed_mind",
        "NOT_AS_DESCRIBED" => "not_as_described",
        "WRONG_ITEM" => "wrong_item",
        "DEFECTIVE" => "defective",
        "OTHER" | "UNKNOWN" => "other",
        other => return other.to_lowercase(),
    }
    .to_owned()
}
