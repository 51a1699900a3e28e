//! Carriers through the application API (issue 6): EasyPost and Shippo accounts (the API key
//! in the OS keyring, read once per process), the connector of an account, and rate shopping
//! an order's parcel across every account. Buying, choosing by rule and voiding labels are in
//! `labels.rs`.

use crate::{now_ms, Api, ApiError, ErrorCode};
use oms_domain::carrier_views::*;
use oms_domain::{Currency, OrderId};
use oms_store::CarrierAccountRow;
use oms_sync::carriers::{CarrierClient, CustomsLine, ParcelSpec, PostalAddress, RateRequest};

/// Weight counted for a product without one.
pub const DEFAULT_WEIGHT_G: i64 = 500;

fn key_of(account_id: i64) -> String {
    format!("carrier-{account_id}-api_key")
}

pub(crate) fn postal(a: &oms_domain::AddressView) -> PostalAddress {
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
    /// Adds an EasyPost or Shippo account; its API key goes to the keyring (the row is
    /// removed again if the keyring refuses).
    pub async fn add_carrier_account(
        &self,
        a: &NewCarrierAccount,
    ) -> Result<CarrierAccountView, ApiError> {
        if !matches!(a.kind.as_str(), "easypost" | "shippo") {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("carrier kind {:?}: easypost or shippo", a.kind),
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

    pub(crate) async fn carrier_client(
        &self,
        row: &CarrierAccountRow,
    ) -> Result<CarrierClient, ApiError> {
        let id = row.id;
        let cached = self
            .carrier_keys
            .lock()
            .ok()
            .and_then(|m| m.get(&id).cloned());
        let key = match cached {
            Some(k) => Some(k),
            None => self.with_secrets(move |s| s.get(&key_of(id))).await?,
        };
        if let (Some(k), Ok(mut m)) = (&key, self.carrier_keys.lock()) {
            m.insert(id, k.clone());
        }
        let key = key.ok_or_else(|| {
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
        CarrierClient::new(&row.kind, &row.base_url, &key, http)
            .map_err(|e| crate::sync::sync_error(&e))
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
                length_mm: facts.dims_mm.map(|d| d.0),
                width_mm: facts.dims_mm.map(|d| d.1),
                height_mm: facts.dims_mm.map(|d| d.2),
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
            let rates = match self.carrier_client(&row).await {
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
        // The cheapest quote with its delivery days feeds the routing rules' cost and transit
        // estimates for this location, country and weight.
        if let Some(q) = out.quotes.iter().find(|q| q.delivery_days.is_some()) {
            self.store
                .note_rate_sample(
                    loc_id,
                    &to.country,
                    facts.weight_g,
                    q.amount_minor,
                    &q.currency,
                    q.delivery_days.unwrap_or(0),
                    &q.carrier,
                    &q.service,
                    now_ms(),
                )
                .await?;
        }
        Ok(out)
    }
}
