//! Labels through the application API (issue 6): buying a quoted rate — which ships the
//! parcel's units with the tracking number (the channel is told through the outbox) and keeps
//! the label file beside the database — by hand, by the shop's rate rules (with the reason on
//! the timeline) or for many orders at once; every purchase recorded before the carrier is
//! asked, so none is made twice; voiding a label.

use crate::{now_ms, Api, ApiError, ErrorCode};
use oms_domain::carrier_views::*;
use oms_domain::OrderId;
use oms_store::LabelRecord;
use oms_sync::carriers::{CarrierClient, VoidOutcome};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// How far a label purchase got when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    NotBought,
    Unknown,
    Bought,
}

/// Where the shop's rate rules are kept (settings).
const RATE_RULES_KEY: &str = "shipping.rate_rules";
/// Orders whose labels are bought at once when buying for many.
pub const LABEL_CONCURRENCY: usize = 8;

impl Api {
    /// Buys a quoted rate and ships the order's reserved units with it. Safe to call again
    /// after a timeout: the carrier is asked first, nothing is bought twice.
    pub async fn buy_label(
        &self,
        order_id: i64,
        account_id: i64,
        carrier_shipment_id: &str,
        rate_id: &str,
    ) -> Result<LabelView, ApiError> {
        self.buy_label_because(
            order_id,
            account_id,
            carrier_shipment_id,
            rate_id,
            Some("picked by hand"),
        )
        .await
    }

    /// Buys through the purchase record: a purchase of the order that did not finish before
    /// (its answer was lost, the app stopped) is finished first — the carrier is looked at and
    /// nothing is bought twice — instead of starting another.
    async fn buy_label_because(
        &self,
        order_id: i64,
        account_id: i64,
        carrier_shipment_id: &str,
        rate_id: &str,
        reason: Option<&str>,
    ) -> Result<LabelView, ApiError> {
        if let Some(p) = self.store.pending_purchase(order_id).await? {
            let r = self
                .buy_label_now(
                    order_id,
                    p.account_id,
                    &p.carrier_shipment_id,
                    &p.rate_id,
                    p.reason.as_deref(),
                )
                .await;
            return self.end_purchase(p.id, r).await;
        }
        let pid = self
            .store
            .begin_purchase(
                order_id,
                account_id,
                carrier_shipment_id,
                rate_id,
                reason,
                now_ms(),
            )
            .await?;
        let r = self
            .buy_label_now(order_id, account_id, carrier_shipment_id, rate_id, reason)
            .await;
        self.end_purchase(pid, r).await
    }

    /// Closes a purchase record: done, or failed when nothing was bought (the units cannot
    /// ship, the account cannot buy, the carrier refused). A purchase that may have been bought
    /// (unreachable, a timeout) or was bought but not recorded stays pending for the next
    /// purchase of the order to finish.
    async fn end_purchase(
        &self,
        id: i64,
        r: Result<LabelView, (ApiError, Stage)>,
    ) -> Result<LabelView, ApiError> {
        match r {
            Ok(l) => {
                self.store.finish_purchase(id, true, None, now_ms()).await?;
                Ok(l)
            }
            Err((e, Stage::NotBought)) => {
                self.store
                    .finish_purchase(id, false, Some(&e.message), now_ms())
                    .await?;
                Err(e)
            }
            // Bought, or maybe bought: the next purchase for the order finishes this one.
            Err((e, _)) => Err(e),
        }
    }

    async fn buy_label_now(
        &self,
        order_id: i64,
        account_id: i64,
        carrier_shipment_id: &str,
        rate_id: &str,
        reason: Option<&str>,
    ) -> Result<LabelView, (ApiError, Stage)> {
        let nb = |e: ApiError| (e, Stage::NotBought);
        let id = OrderId::new(order_id).map_err(|e| nb(e.into()))?;
        // The parcel that was quoted: the packed one when one waits.
        let parcel = self
            .store
            .next_packed_parcel(order_id)
            .await
            .map_err(|e| nb(e.into()))?
            .map(|p| p.id);
        let row = self
            .store
            .carrier_accounts()
            .await
            .map_err(|e| nb(e.into()))?
            .into_iter()
            .find(|r| r.id == account_id)
            .ok_or_else(|| {
                nb(ApiError::new(
                    ErrorCode::NotFound,
                    format!("carrier account {account_id}"),
                ))
            })?;
        let ep = self.carrier_client(&row).await.map_err(nb)?;
        // Never a label for units that cannot ship (cancelled, held, no longer reserved).
        self.store
            .check_shippable(order_id, parcel)
            .await
            .map_err(|e| nb(e.into()))?;
        let label = ep.buy(carrier_shipment_id, rate_id).await.map_err(|e| {
            let a = crate::sync::sync_error(&e);
            // A refusal bought nothing; anything else (a timeout, a lost answer) may have.
            let stage = if matches!(
                a.code,
                ErrorCode::ChannelRejected
                    | ErrorCode::ChannelConfig
                    | ErrorCode::ChannelUnauthorized
            ) {
                Stage::NotBought
            } else {
                Stage::Unknown
            };
            (a, stage)
        })?;
        self.keep_label(
            &ep,
            label,
            order_id,
            id,
            account_id,
            carrier_shipment_id,
            parcel,
            reason,
        )
        .await
        .map_err(|e| (e, Stage::Bought))
    }

    /// Writes a label file beside the database (`labels/STEM-TRACKING.FORMAT`); its path.
    pub(crate) fn save_label_file(
        &self,
        stem: &str,
        tracking: &str,
        format: &str,
        bytes: &[u8],
    ) -> Result<String, ApiError> {
        let dir: PathBuf = self
            .store
            .path()
            .parent()
            .map(|p| p.join("labels"))
            .unwrap_or_else(|| PathBuf::from("labels"));
        let safe = |s: &str| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        };
        let file = dir.join(format!(
            "{}-{}.{}",
            safe(stem),
            safe(tracking),
            match safe(&format.to_ascii_lowercase()).as_str() {
                "" => "label".to_owned(),
                f => f.to_owned(),
            }
        ));
        let io =
            |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", file.display()));
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::write(&file, bytes).map_err(io)?;
        Ok(file.display().to_string())
    }

    /// Keeps a bought label: downloads its file and ships the parcel with it.
    #[allow(clippy::too_many_arguments)]
    async fn keep_label(
        &self,
        ep: &CarrierClient,
        label: oms_sync::carriers::Label,
        order_id: i64,
        id: OrderId,
        account_id: i64,
        carrier_shipment_id: &str,
        parcel: Option<i64>,
        reason: Option<&str>,
    ) -> Result<LabelView, ApiError> {
        let bytes = ep
            .download(&label.label_url)
            .await
            .map_err(|e| crate::sync::sync_error(&e))?;
        let path = self.save_label_file(
            &order_id.to_string(),
            &label.tracking_number,
            &label.label_format,
            &bytes,
        )?;
        let shipped = self
            .store
            .ship_with_label(
                id,
                &LabelRecord {
                    account_id,
                    carrier_shipment_id,
                    carrier: &label.carrier,
                    service: &label.service,
                    tracking_number: &label.tracking_number,
                    cost_minor: label.amount_minor,
                    currency: label.currency.as_str(),
                    label_path: &path,
                    label_format: &label.label_format,
                    tracker_id: label.tracker_id.as_deref(),
                    label_id: Some(&label.label_id),
                    parcel_id: parcel,
                    reason,
                },
                &self.actor,
                now_ms(),
            )
            .await?;
        Ok(LabelView {
            order_id,
            carrier: label.carrier,
            service: label.service,
            tracking_number: label.tracking_number,
            amount_minor: label.amount_minor,
            currency: label.currency.as_str().to_owned(),
            label_path: path,
            label_format: label.label_format,
            units: shipped.units,
            new_purchase: label.new_purchase,
        })
    }

    pub async fn rate_rules(&self) -> Result<RateRules, ApiError> {
        match self.store.setting(RATE_RULES_KEY).await? {
            Some(v) => serde_json::from_str(&v)
                .map_err(|e| ApiError::new(ErrorCode::Internal, format!("stored rate rules: {e}"))),
            None => Ok(RateRules::default()),
        }
    }

    pub async fn save_rate_rules(&self, r: &RateRules) -> Result<RateRules, ApiError> {
        for (i, p) in r.preferred.iter().enumerate() {
            if p.carrier.trim().is_empty() {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("preferred carrier {}: name the carrier", i + 1),
                ));
            }
            if let Some(c) = p.countries.iter().find(|c| c.trim().len() != 2) {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "preferred carrier {}: country {c:?} is not a two-letter code",
                        i + 1
                    ),
                ));
            }
        }
        let mut r = r.clone();
        for p in &mut r.preferred {
            p.carrier = p.carrier.trim().to_owned();
            p.countries = p
                .countries
                .iter()
                .map(|c| c.trim().to_ascii_uppercase())
                .collect();
        }
        let v = serde_json::to_string(&r)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("rate rules: {e}")))?;
        self.store.put_setting(RATE_RULES_KEY, &v).await?;
        Ok(r)
    }

    /// Quotes an order and picks a rate by the shop's rules (with the reason).
    pub async fn pick_rate(&self, order_id: i64) -> Result<(Quotes, Option<RatePick>), ApiError> {
        let q = self.quote_order(order_id).await?;
        let rules = self.rate_rules().await?;
        let d = self.store.get_order(OrderId::new(order_id)?).await?;
        let country = d
            .ship_to
            .as_ref()
            .map(|a| a.country.clone())
            .unwrap_or_default();
        let pick = crate::rate_rules::pick(
            &q.quotes,
            &rules,
            &country,
            q.weight_g,
            d.order.ship_by,
            now_ms(),
        );
        Ok((q, pick))
    }

    /// Rate shops an order, picks by rule and buys: the choice and its reason go on the
    /// timeline with the label.
    pub async fn buy_label_by_rule(&self, order_id: i64) -> Result<LabelView, ApiError> {
        let (q, pick) = self.pick_rate(order_id).await?;
        let Some(p) = pick else {
            return Err(ApiError::new(
                ErrorCode::ChannelUnavailable,
                format!(
                    "no carrier quoted order {order_id}{}",
                    if q.problems.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", q.problems.join("; "))
                    }
                ),
            ));
        };
        self.buy_label_because(
            order_id,
            p.quote.account_id,
            &p.quote.carrier_shipment_id,
            &p.quote.rate_id,
            Some(&p.reason),
        )
        .await
    }

    /// Buys labels for many orders by rule, `concurrency` at a time (each order's quotes
    /// and purchase in turn), reporting progress after each. One order's failure is named and
    /// the others go on.
    pub async fn buy_labels(
        &self,
        order_ids: &[i64],
        concurrency: Option<usize>,
        progress: &(dyn Fn(u32, u32) + Send + Sync),
    ) -> Result<LabelBatchReport, ApiError> {
        let started = std::time::Instant::now();
        // Each order once: two purchases of one order never run side by side.
        let mut seen = std::collections::HashSet::new();
        let order_ids: Vec<i64> = order_ids
            .iter()
            .copied()
            .filter(|id| seen.insert(*id))
            .collect();
        let order_ids = &order_ids[..];
        let total = u32::try_from(order_ids.len()).unwrap_or(u32::MAX);
        let n = concurrency.unwrap_or(LABEL_CONCURRENCY).clamp(1, 32);
        let done = Arc::new(AtomicU32::new(0));
        let mut report = LabelBatchReport::default();
        let mut results = Vec::with_capacity(order_ids.len());
        let mut set = tokio::task::JoinSet::new();
        let mut next = 0usize;
        loop {
            while set.len() < n && next < order_ids.len() {
                let id = order_ids[next];
                let api = self.clone();
                set.spawn(async move { (id, api.buy_label_by_rule(id).await) });
                next += 1;
            }
            let Some(r) = set.join_next().await else {
                break;
            };
            let (id, r) =
                r.map_err(|e| ApiError::new(ErrorCode::Internal, format!("label task: {e}")))?;
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            results.push((id, r));
        }
        results.sort_by_key(|r| r.0);
        for (id, r) in results {
            match r {
                Ok(l) => {
                    if l.new_purchase {
                        report.bought += 1;
                    } else {
                        report.reused += 1;
                    }
                    report.labels.push(l);
                }
                Err(e) => {
                    report.failed += 1;
                    report.problems.push(format!("order {id}: {}", e.message));
                }
            }
        }
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(report)
    }

    /// Voids a shipment's label with its carrier (where the carrier allows) and takes the
    /// units back: on hand and reserved again, the order allocated again. A label the
    /// carrier refuses to void stays bought, and the error says why.
    pub async fn void_label(&self, shipment_id: i64) -> Result<VoidView, ApiError> {
        let (account, label, _, voided) = self.store.shipment_label(shipment_id).await?;
        if voided {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("shipment {shipment_id} is voided already"),
            ));
        }
        let (Some(account), Some(label)) = (account, label) else {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("shipment {shipment_id} has no bought label to void"),
            ));
        };
        let row = self
            .store
            .carrier_accounts()
            .await?
            .into_iter()
            .find(|r| r.id == account)
            .ok_or_else(|| {
                ApiError::new(ErrorCode::NotFound, format!("carrier account {account}"))
            })?;
        let client = self.carrier_client(&row).await?;
        // The store's checks first: the carrier is not asked to refund what stays shipped here.
        self.store.check_voidable(shipment_id).await?;
        let outcome = client
            .void(&label)
            .await
            .map_err(|e| crate::sync::sync_error(&e))?;
        let (state, why) = match outcome {
            VoidOutcome::Voided => ("voided", format!("{} voided the label", row.name)),
            VoidOutcome::Pending => (
                "pending",
                format!("{} accepted the void; the refund is pending", row.name),
            ),
            VoidOutcome::Refused(words) => {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    format!("{} refused to void the label: {words}", row.name),
                ))
            }
        };
        let v = self
            .store
            .void_shipment(shipment_id, &why, &self.actor, now_ms())
            .await?;
        Ok(VoidView {
            shipment_id,
            order_id: v.order_id,
            units: v.units,
            refund: state.to_owned(),
            channel_told: v.channel_told,
        })
    }
}
