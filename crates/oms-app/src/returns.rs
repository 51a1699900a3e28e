//! Returns through the application API (issue 7): the RMA lifecycle (requested → approved or
//! rejected → label sent or shipped by the customer → received → inspected → closed), the
//! reasons to choose from, a return label bought through a carrier account, receiving one or
//! many returns, inspecting (restocks write ledger movements and wake backorders), and a
//! refund of what came back. Returns pulled from a channel go through `record_channel_return`
//! and never make a second RMA.

use crate::carriers::postal;
use crate::Progress;
use crate::{now_ms, Api, ApiError, ErrorCode};
use oms_domain::refund_views::{RefundInput, RefundLineInput, RefundView};
use oms_domain::return_views::*;
use oms_domain::views::{BulkFailure, BulkResult};
use oms_domain::OrderId;
use oms_store::ReturnOrigin;
use oms_sync::carriers::{ParcelSpec, RateRequest};

const REASONS_KEY: &str = "returns.reasons";

/// Weight of a return parcel per unit, when the products have none.
const UNIT_WEIGHT_G: u32 = 500;

impl Api {
    /// The return reasons agents and customers choose from.
    pub async fn return_reasons(&self) -> Result<Vec<String>, ApiError> {
        match self.store.setting(REASONS_KEY).await? {
            Some(v) => serde_json::from_str(&v).map_err(|e| {
                ApiError::new(ErrorCode::Internal, format!("stored {REASONS_KEY}: {e}"))
            }),
            None => Ok(DEFAULT_REASONS.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    /// Sets the reasons (1 to 40, each 1 to 40 characters of lower-case letters, digits and
    /// underscores, no repeats).
    pub async fn set_return_reasons(&self, reasons: &[String]) -> Result<(), ApiError> {
        if reasons.is_empty() || reasons.len() > 40 {
            return Err(ApiError::invalid("reasons: 1 to 40 of them"));
        }
        for (i, r) in reasons.iter().enumerate() {
            let ok = !r.is_empty()
                && r.len() <= 40
                && r.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(ApiError::invalid(format!(
                    "reason {}: {r:?} — use 1 to 40 lower-case letters, digits or _",
                    i + 1
                )));
            }
            if reasons[..i].contains(r) {
                return Err(ApiError::invalid(format!("reason {}: {r:?} twice", i + 1)));
            }
        }
        let json = serde_json::to_string(reasons)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        Ok(self.store.put_setting(REASONS_KEY, &json).await?)
    }

    pub async fn returnable(&self, order_id: i64) -> Result<Returnable, ApiError> {
        let reasons = self.return_reasons().await?;
        Ok(self.store.returnable(order_id, &reasons).await?)
    }

    /// Opens a return (an RMA) for shipped units, within what can still come back.
    pub async fn create_return(&self, input: &ReturnInput) -> Result<ReturnView, ApiError> {
        let reasons = self.return_reasons().await?;
        let origin = ReturnOrigin {
            actor: &self.actor,
            channel_return_id: None,
            now: now_ms(),
        };
        Ok(self.store.create_return(input, &reasons, &origin).await?.0)
    }

    /// A return the channel reports (pulled by sync): made once, whatever how often it is
    /// pulled; linked to the app's open return for the same lines instead of a second RMA.
    /// Returns the view and whether a new return was made.
    pub async fn record_channel_return(
        &self,
        input: &ReturnInput,
        channel_return_id: &str,
    ) -> Result<(ReturnView, bool), ApiError> {
        if channel_return_id.trim().is_empty() {
            return Err(ApiError::invalid("channel return id: must not be empty"));
        }
        let mut reasons = self.return_reasons().await?;
        // A channel's reason the list does not have is kept as "other".
        let mut input = input.clone();
        for l in &mut input.lines {
            if !reasons.iter().any(|r| r == l.reason.trim()) {
                let said = std::mem::replace(&mut l.reason, "other".into());
                l.comment = Some(match l.comment.take() {
                    Some(c) => format!("{said}: {c}"),
                    None => said,
                });
            }
        }
        if !reasons.iter().any(|r| r == "other") {
            reasons.push("other".into());
        }
        let origin = ReturnOrigin {
            actor: "channel",
            channel_return_id: Some(channel_return_id.trim()),
            now: now_ms(),
        };
        Ok(self.store.create_return(&input, &reasons, &origin).await?)
    }

    pub async fn decide_return(
        &self,
        id: i64,
        approve: bool,
        comment: &str,
    ) -> Result<ReturnView, ApiError> {
        Ok(self
            .store
            .decide_return(id, approve, comment, &self.actor, now_ms())
            .await?)
    }

    /// The customer sends the parcel themselves: on its way back, with their tracking number
    /// when they gave one.
    pub async fn return_in_transit(
        &self,
        id: i64,
        carrier: Option<&str>,
        tracking: Option<&str>,
    ) -> Result<ReturnView, ApiError> {
        Ok(self
            .store
            .return_on_its_way(id, carrier, tracking, None, &self.actor, now_ms())
            .await?)
    }

    /// Buys a return label from the customer's address to `location_id` through the cheapest
    /// quote of the enabled carrier accounts, keeps its file beside the shipping labels and
    /// marks the return "label sent" with the tracking number.
    pub async fn send_return_label(
        &self,
        id: i64,
        location_id: i64,
    ) -> Result<ReturnView, ApiError> {
        let r = self.store.return_view(id).await?;
        if r.status != "approved" {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "return {} is {}: a return label is sent for an approved return",
                    r.rma, r.status
                ),
            ));
        }
        let order = self.store.get_order(OrderId::new(r.order_id)?).await?;
        let from = order.ship_to.as_ref().ok_or_else(|| {
            ApiError::invalid(format!(
                "order {}: no address to collect from",
                r.order_number
            ))
        })?;
        let to = self
            .list_locations()
            .await?
            .into_iter()
            .find(|l| l.id == location_id)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("location {location_id} not found"),
                )
            })?;
        let to_addr = to.address.as_ref().ok_or_else(|| {
            ApiError::invalid(format!(
                "location {:?} has no address: add one on the Locations screen",
                to.name
            ))
        })?;
        let units: i64 = r.lines.iter().map(|l| l.quantity - l.received).sum();
        let request = RateRequest {
            from: postal(from),
            to: postal(to_addr),
            parcel: ParcelSpec {
                weight_g: UNIT_WEIGHT_G.saturating_mul(u32::try_from(units.max(1)).unwrap_or(1)),
                length_mm: None,
                width_mm: None,
                height_mm: None,
            },
            customs: Vec::new(),
            reference: r.rma.clone(),
        };
        let mut best = None;
        let mut problems = Vec::new();
        for row in self
            .store
            .carrier_accounts()
            .await?
            .into_iter()
            .filter(|a| a.enabled)
        {
            let client = match self.carrier_client(&row).await {
                Ok(c) => c,
                Err(e) => {
                    problems.push(format!("{}: {}", row.name, e.message));
                    continue;
                }
            };
            match client.rates(&request).await {
                Ok(rates) => {
                    for q in rates.quotes {
                        let cheaper = best.as_ref().is_none_or(
                            |(_, _, b): &(_, _, oms_sync::carriers::Quote)| {
                                q.amount_minor < b.amount_minor
                            },
                        );
                        if cheaper {
                            best = Some((row.clone(), rates.shipment_id.clone(), q));
                        }
                    }
                }
                Err(e) => problems.push(format!(
                    "{}: {}",
                    row.name,
                    crate::sync::sync_error(&e).message
                )),
            }
        }
        let (account, shipment, quote) = best.ok_or_else(|| {
            ApiError::new(
                ErrorCode::ChannelUnavailable,
                if problems.is_empty() {
                    "no carrier account quoted a return label: add one under Connections → Carriers"
                        .to_owned()
                } else {
                    format!("no carrier quoted a return label: {}", problems.join("; "))
                },
            )
        })?;
        let client = self.carrier_client(&account).await?;
        let label = client
            .buy(&shipment, &quote.rate_id)
            .await
            .map_err(|e| crate::sync::sync_error(&e))?;
        let bytes = client
            .download(&label.label_url)
            .await
            .map_err(|e| crate::sync::sync_error(&e))?;
        let path =
            self.save_label_file(&r.rma, &label.tracking_number, &label.label_format, &bytes)?;
        Ok(self
            .store
            .return_on_its_way(
                id,
                Some(&label.carrier),
                Some(&label.tracking_number),
                Some(&path),
                &self.actor,
                now_ms(),
            )
            .await?)
    }

    pub async fn receive_return(
        &self,
        id: i64,
        lines: &[ReceiveLine],
    ) -> Result<ReturnView, ApiError> {
        Ok(self
            .store
            .receive_return(id, lines, &self.actor, now_ms())
            .await?)
    }

    /// Receives every unit still expected of each return (the bulk action of the returns
    /// queue). A return that cannot be received is listed with the reason; the others go on.
    pub async fn receive_returns(
        &self,
        ids: &[i64],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<BulkResult, ApiError> {
        if ids.is_empty() {
            return Err(ApiError::invalid("no returns selected"));
        }
        if ids.len() > crate::MAX_SELECTION {
            return Err(ApiError::invalid(format!(
                "at most {} returns at once",
                crate::MAX_SELECTION
            )));
        }
        let mut out = BulkResult {
            requested: ids.len() as u64,
            ..Default::default()
        };
        for (i, id) in ids.iter().enumerate() {
            let res = async {
                let r = self.store.return_view(*id).await?;
                let lines: Vec<ReceiveLine> = r
                    .lines
                    .iter()
                    .filter(|l| l.quantity > l.received)
                    .map(|l| ReceiveLine {
                        line_no: l.line_no,
                        quantity: l.quantity - l.received,
                    })
                    .collect();
                if lines.is_empty() {
                    return Ok::<bool, ApiError>(false);
                }
                self.store
                    .receive_return(*id, &lines, &self.actor, now_ms())
                    .await?;
                Ok(true)
            }
            .await;
            match res {
                Ok(true) => out.changed += 1,
                Ok(false) => out.unchanged += 1,
                Err(e) => {
                    out.failed_count += 1;
                    if out.failed.len() < 200 {
                        out.failed.push(BulkFailure {
                            order_id: *id,
                            message: e.message,
                        });
                    }
                }
            }
            if (i + 1).is_multiple_of(50) || i + 1 == ids.len() {
                progress(Progress {
                    task: "receive returns".into(),
                    done: i as u64 + 1,
                    total: ids.len() as u64,
                });
            }
        }
        Ok(out)
    }

    /// Inspects a received return: restocked units go into the ledger at the chosen location
    /// (as the SKU or its B-stock SKU) and orders waiting for them are processed.
    pub async fn inspect_return(
        &self,
        id: i64,
        lines: &[InspectLine],
    ) -> Result<ReturnView, ApiError> {
        let (view, grown) = self
            .store
            .inspect_return(id, lines, &self.actor, now_ms())
            .await?;
        self.fill_backorders(&grown).await?;
        Ok(view)
    }

    pub async fn close_return(&self, id: i64) -> Result<ReturnView, ApiError> {
        Ok(self.store.close_return(id, &self.actor, now_ms()).await?)
    }

    /// Refunds the units of a return that came back and are not refunded yet (at their
    /// prices), plus shipping and any other amount given, within what the order can give
    /// back. The refund is linked to the return.
    pub async fn refund_return(
        &self,
        id: i64,
        shipping: i64,
        extra: i64,
        reason: &str,
    ) -> Result<RefundView, ApiError> {
        let r = self.store.return_view(id).await?;
        let refundable = self.refundable(r.order_id).await?;
        let mut lines = Vec::new();
        for l in r.lines.iter().filter(|l| l.received > 0) {
            let left = refundable
                .lines
                .iter()
                .find(|x| x.line_no == l.line_no)
                .map_or(0, |x| x.quantity - x.refunded);
            let q = l.received.min(left);
            if q > 0 {
                lines.push(RefundLineInput {
                    line_no: l.line_no,
                    quantity: q,
                });
            }
        }
        if lines.is_empty() && shipping == 0 && extra == 0 {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                if r.lines.iter().any(|l| l.received > 0) {
                    format!(
                        "return {}: what came back is refunded already (or waits for approval)",
                        r.rma
                    )
                } else {
                    format!("return {}: nothing came back yet to refund", r.rma)
                },
            ));
        }
        let reason = match reason.trim() {
            "" => format!("return {}", r.rma),
            why => format!("return {}: {why}", r.rma),
        };
        self.create_refund(&RefundInput {
            order_id: r.order_id,
            lines,
            shipping,
            extra,
            reason,
            return_id: Some(id),
        })
        .await
    }

    pub async fn return_view(&self, id: i64) -> Result<ReturnView, ApiError> {
        Ok(self.store.return_view(id).await?)
    }

    pub async fn returns_of(&self, order_id: i64) -> Result<Vec<ReturnView>, ApiError> {
        Ok(self.store.returns_of(order_id).await?)
    }

    /// The returns queue: one status ("open" or None: every open return), searched.
    pub async fn return_queue(
        &self,
        status: Option<&str>,
        search: Option<&str>,
        limit: i64,
    ) -> Result<ReturnQueue, ApiError> {
        if let Some(s) = status.filter(|s| *s != "open") {
            oms_domain::ReturnStatus::parse(s)?;
        }
        Ok(self.store.return_queue(status, search, limit).await?)
    }

    /// A scan at the returns desk: the returns an RMA, a tracking number or an order number
    /// names, newest first.
    pub async fn scan_return(&self, code: &str) -> Result<Vec<ReturnView>, ApiError> {
        if code.trim().is_empty() {
            return Err(ApiError::invalid("scan: an RMA, tracking or order number"));
        }
        let mut out = Vec::new();
        for id in self.store.scan_returns(code).await? {
            out.push(self.store.return_view(id).await?);
        }
        Ok(out)
    }
}
