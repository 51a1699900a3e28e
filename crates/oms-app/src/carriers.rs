//! Carriers through the application API (issue 6, first slice): EasyPost accounts (the API key
//! in the OS keyring), rate shopping an order's parcel across every account, and buying a
//! label, which ships the order's reserved units with the tracking number (the channel is told
//! through the outbox) and keeps the label file beside the database.

use crate::{now_ms, Api, ApiError, ErrorCode};
use oms_domain::carrier_views::*;
use oms_domain::{Currency, OrderId};
use oms_store::{CarrierAccountRow, LabelRecord};
use oms_sync::carriers::easypost::EasyPost;
use oms_sync::carriers::{CustomsLine, ParcelSpec, PostalAddress, RateRequest};
use std::path::PathBuf;

/// Weight counted for a product without one.
pub const DEFAULT_WEIGHT_G: i64 = 500;

fn key_of(account_id: i64) -> String {
    format!("carrier-{account_id}-api_key")
}

fn postal(a: &oms_domain::AddressView) -> PostalAddress {
    PostalAddress {
        name: a.name.clone(),
        company: a.company.clone(),
        street1: a.line1.clone(),
        street2: a.line2.clone(),
        city: a.city.clone(),
        state: a.region.clone(),
        zip: a.postal_code.clone(),
        country: a.country.clone(),
        phone: a.phone.clone(),
        email: None,
    }
}

impl Api {
    /// Adds an EasyPost account; its API key goes to the keyring (the row is removed again
    /// if the keyring refuses).
    pub async fn add_carrier_account(
        &self,
        a: &NewCarrierAccount,
    ) -> Result<CarrierAccountView, ApiError> {
        if a.kind != "easypost" {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("carrier kind {:?}: only easypost so far", a.kind),
            ));
        }
        if a.api_key.trim().is_empty() {
            return Err(ApiError::new(ErrorCode::InvalidInput, "api key: required"));
        }
        let base = a.base_url.trim().trim_end_matches('/');
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("base URL {base:?}: must start with https:// (or http:// for a local test server)"),
            ));
        }
        let id = self
            .store
            .create_carrier_account(&a.kind, &a.name, base)
            .await?;
        let key = a.api_key.trim().to_owned();
        let stored = self.with_secrets(move |s| s.set(&key_of(id), &key)).await;
        if let Err(e) = stored {
            self.store.delete_carrier_account(id).await?;
            return Err(e);
        }
        self.carrier_account(id).await
    }

    pub async fn carrier_account(&self, id: i64) -> Result<CarrierAccountView, ApiError> {
        self.list_carrier_accounts()
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("carrier account {id}")))
    }

    pub async fn list_carrier_accounts(&self) -> Result<Vec<CarrierAccountView>, ApiError> {
        let rows = self.store.carrier_accounts().await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let keys: Vec<bool> = self
            .with_secrets(move |s| {
                ids.iter()
                    .map(|id| s.get(&key_of(*id)).map(|k| k.is_some()))
                    .collect()
            })
            .await?;
        Ok(rows
            .into_iter()
            .zip(keys)
            .map(|(r, has_key)| CarrierAccountView {
                id: r.id,
                kind: r.kind,
                name: r.name,
                base_url: r.base_url,
                enabled: r.enabled,
                has_key,
            })
            .collect())
    }

    async fn easypost(&self, row: &CarrierAccountRow) -> Result<EasyPost, ApiError> {
        let id = row.id;
        let key = self
            .with_secrets(move |s| s.get(&key_of(id)))
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::ChannelConfig,
                    format!(
                        "carrier account {:?} has no API key in the keyring",
                        row.name
                    ),
                )
            })?;
        let http = oms_sync::http::Http::new(self.sync_policy.clone())
            .map_err(|e| crate::sync::sync_error(&e))?;
        EasyPost::new(&row.base_url, &key, http).map_err(|e| crate::sync::sync_error(&e))
    }

    /// Every enabled account's quotes for the order's reserved units, cheapest first. An
    /// account that fails is named in `problems`; the others still quote.
    pub async fn quote_order(&self, order_id: i64) -> Result<Quotes, ApiError> {
        let id = OrderId::new(order_id)?;
        let d = self.store.get_order(id).await?;
        let to = d.ship_to.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("order {order_id} has no ship-to address"),
            )
        })?;
        let facts = self.store.parcel_facts(id, DEFAULT_WEIGHT_G).await?;
        let loc_id = facts.location_id.ok_or_else(|| {
            ApiError::new(
                ErrorCode::Conflict,
                format!("order {order_id} has nothing reserved to ship"),
            )
        })?;
        let from = self
            .list_locations()
            .await?
            .into_iter()
            .find(|l| l.id == loc_id)
            .and_then(|l| l.address)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    "the shipping location has no address: add one on the Locations screen",
                )
            })?;
        let currency = Currency::parse(&d.order.currency)?;
        let customs = if from.country != to.country {
            facts
                .lines
                .iter()
                .map(|l| CustomsLine {
                    description: l.description.clone(),
                    quantity: u32::try_from(l.quantity).unwrap_or(u32::MAX),
                    value_minor: l.value_minor,
                    currency,
                    weight_g: u32::try_from(l.weight_g).unwrap_or(u32::MAX),
                    hs_code: l.hs_code.clone(),
                    origin_country: l.origin_country.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let request = RateRequest {
            from: postal(&from),
            to: postal(to),
            parcel: ParcelSpec {
                weight_g: u32::try_from(facts.weight_g.max(1)).unwrap_or(u32::MAX),
                length_mm: None,
                width_mm: None,
                height_mm: None,
            },
            customs,
            reference: d.order.order_number.clone(),
        };
        let mut out = Quotes {
            order_id,
            weight_g: facts.weight_g,
            unweighed: facts.unweighed,
            quotes: Vec::new(),
            problems: Vec::new(),
        };
        for row in self
            .store
            .carrier_accounts()
            .await?
            .into_iter()
            .filter(|r| r.enabled)
        {
            let rates = match self.easypost(&row).await {
                Ok(ep) => ep
                    .rates(&request)
                    .await
                    .map_err(|e| crate::sync::sync_error(&e)),
                Err(e) => Err(e),
            };
            match rates {
                Ok(r) => {
                    out.problems
                        .extend(r.problems.iter().map(|p| format!("{}: {p}", row.name)));
                    out.quotes.extend(r.quotes.into_iter().map(|q| QuoteView {
                        account_id: row.id,
                        account: row.name.clone(),
                        carrier_shipment_id: r.shipment_id.clone(),
                        rate_id: q.rate_id,
                        carrier: q.carrier,
                        service: q.service,
                        amount_minor: q.amount_minor,
                        currency: q.currency.as_str().to_owned(),
                        delivery_days: q.delivery_days,
                    }));
                }
                Err(e) => out.problems.push(format!("{}: {}", row.name, e.message)),
            }
        }
        out.quotes.sort_by(|a, b| {
            a.amount_minor
                .cmp(&b.amount_minor)
                .then(a.delivery_days.cmp(&b.delivery_days))
        });
        Ok(out)
    }

    /// Buys a quoted rate and ships the order's reserved units with it. Safe to call again
    /// after a timeout: the carrier is asked first, nothing is bought twice.
    pub async fn buy_label(
        &self,
        order_id: i64,
        account_id: i64,
        carrier_shipment_id: &str,
        rate_id: &str,
    ) -> Result<LabelView, ApiError> {
        let id = OrderId::new(order_id)?;
        let row = self
            .store
            .carrier_accounts()
            .await?
            .into_iter()
            .find(|r| r.id == account_id)
            .ok_or_else(|| {
                ApiError::new(ErrorCode::NotFound, format!("carrier account {account_id}"))
            })?;
        let ep = self.easypost(&row).await?;
        let label = ep
            .buy(carrier_shipment_id, rate_id)
            .await
            .map_err(|e| crate::sync::sync_error(&e))?;
        let bytes = ep
            .download(&label.label_url)
            .await
            .map_err(|e| crate::sync::sync_error(&e))?;
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
            order_id,
            safe(&label.tracking_number),
            label.label_format.to_ascii_lowercase()
        ));
        let io =
            |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", file.display()));
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::write(&file, &bytes).map_err(io)?;
        let path = file.display().to_string();
        let units = self
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
            units,
            new_purchase: label.new_purchase,
        })
    }
}
