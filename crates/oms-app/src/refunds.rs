//! Refunds through the application API (issue 7, first slice): what an order can still give
//! back, a refund per line, for shipping or any amount with a reason — always within what was
//! paid minus what was refunded — and an approval step above an amount. A refund needs no
//! return. Telling the channel (Shopify refund, WooCommerce refund) comes with the next slice.

use crate::{now_ms, Api, ApiError, ErrorCode};
use oms_domain::refund_views::{RefundInput, RefundView, Refundable};

const APPROVAL_KEY: &str = "refunds.approval_above";

impl Api {
    /// Refunds above this amount (minor units) wait for approval; None: none wait.
    pub async fn refund_approval_above(&self) -> Result<Option<i64>, ApiError> {
        match self.store.setting(APPROVAL_KEY).await? {
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                ApiError::new(ErrorCode::Internal, format!("stored {APPROVAL_KEY}: {v:?}"))
            }),
            None => Ok(None),
        }
    }

    pub async fn set_refund_approval_above(&self, above: Option<i64>) -> Result<(), ApiError> {
        match above {
            Some(a) if a < 0 => Err(ApiError::new(
                ErrorCode::InvalidInput,
                "approval above: an amount of 0 or more",
            )),
            Some(a) => Ok(self.store.put_setting(APPROVAL_KEY, &a.to_string()).await?),
            None => Ok(self.store.delete_setting(APPROVAL_KEY).await?),
        }
    }

    pub async fn refundable(&self, order_id: i64) -> Result<Refundable, ApiError> {
        let above = self.refund_approval_above().await?;
        Ok(self.store.refundable(order_id, above).await?)
    }

    /// Records a refund within what the order can still give back; above the approval amount
    /// it waits for approval. On the order's timeline either way.
    pub async fn create_refund(&self, input: &RefundInput) -> Result<RefundView, ApiError> {
        let above = self.refund_approval_above().await?;
        Ok(self
            .store
            .create_refund(input, above, &self.actor, now_ms())
            .await?)
    }

    pub async fn decide_refund(&self, id: i64, approve: bool) -> Result<RefundView, ApiError> {
        Ok(self
            .store
            .decide_refund(id, approve, &self.actor, now_ms())
            .await?)
    }

    /// An order's refunds, or every refund waiting for approval.
    pub async fn refunds(&self, order_id: Option<i64>) -> Result<Vec<RefundView>, ApiError> {
        Ok(self.store.refunds(order_id).await?)
    }
}
