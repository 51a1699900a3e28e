//! Tauri commands of fulfilment (issue 6): queue, batches, pick lists, packing slips, packing,
//! presets, labels by rule, voiding, tracking and customer e-mail. Each is one call into the
//! application API.

use crate::AppState;
use oms_app::domain::carrier_views::{
    LabelBatchReport, LabelView, Quotes, RatePick, RateRules, VoidView,
};
use oms_app::domain::fulfil_views::*;
use oms_app::domain::mail_views::*;
use oms_app::{ApiError, Progress};
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, State};

type R<T> = Result<T, ApiError>;

#[tauri::command]
pub async fn fulfilment_queue(
    s: State<'_, AppState>,
    location_id: i64,
    batched: bool,
) -> R<FulfilmentQueue> {
    s.api.fulfilment_queue(location_id, batched, None).await
}

#[tauri::command]
pub async fn create_batch(
    s: State<'_, AppState>,
    location_id: i64,
    order_ids: Vec<i64>,
    take: Option<u32>,
) -> R<BatchView> {
    s.api.create_batch(location_id, &order_ids, take).await
}

#[tauri::command]
pub async fn list_batches(
    s: State<'_, AppState>,
    location_id: Option<i64>,
    open_only: bool,
) -> R<Vec<BatchView>> {
    s.api.list_batches(location_id, open_only).await
}

#[tauri::command]
pub async fn remove_from_batch(s: State<'_, AppState>, batch: i64, order_id: i64) -> R<BatchView> {
    s.api.remove_from_batch(batch, order_id).await
}

#[tauri::command]
pub async fn close_batch(s: State<'_, AppState>, batch: i64) -> R<BatchView> {
    s.api.close_batch(batch).await
}

#[tauri::command]
pub async fn pick_list(s: State<'_, AppState>, batch: i64) -> R<PickList> {
    s.api.pick_list(batch).await
}

#[tauri::command]
pub async fn batch_slips(s: State<'_, AppState>, batch: i64) -> R<Vec<PackingSlip>> {
    s.api.batch_slips(batch).await
}

#[tauri::command]
pub async fn packing_slip(
    s: State<'_, AppState>,
    order_id: i64,
    location_id: i64,
) -> R<PackingSlip> {
    s.api.packing_slip(order_id, location_id).await
}

/// Saves a pick list or packing slips as PDF (to `path` when the user chose one).
#[tauri::command]
pub async fn save_fulfilment_pdf(
    s: State<'_, AppState>,
    what: String,
    batch: Option<i64>,
    order_id: Option<i64>,
    location_id: Option<i64>,
    lang: String,
    path: Option<PathBuf>,
) -> R<String> {
    match what.as_str() {
        "pick_list" => {
            let b = batch.ok_or_else(|| {
                ApiError::new(oms_app::ErrorCode::InvalidInput, "batch: required")
            })?;
            s.api.save_pick_list_pdf(b, &lang, path.as_deref()).await
        }
        _ => {
            let order = order_id.zip(location_id);
            s.api
                .save_packing_slips_pdf(batch, order, &lang, path.as_deref())
                .await
        }
    }
}

#[tauri::command]
pub async fn pack_order(s: State<'_, AppState>, input: PackInput) -> R<PackResult> {
    s.api.pack_order(&input).await
}

#[tauri::command]
pub async fn unpack_parcel(s: State<'_, AppState>, parcel: i64) -> R<()> {
    s.api.unpack_parcel(parcel).await
}

#[tauri::command]
pub async fn ship_parcel(
    s: State<'_, AppState>,
    parcel: i64,
    carrier: String,
    tracking: Option<String>,
) -> R<i64> {
    s.api
        .ship_parcel(parcel, &carrier, tracking.as_deref())
        .await
}

#[tauri::command]
pub async fn parcel_presets(s: State<'_, AppState>) -> R<Vec<ParcelPreset>> {
    s.api.parcel_presets().await
}

#[tauri::command]
pub async fn save_parcel_preset(
    s: State<'_, AppState>,
    preset: ParcelPreset,
) -> R<Vec<ParcelPreset>> {
    s.api.save_parcel_preset(&preset).await
}

#[tauri::command]
pub async fn delete_parcel_preset(s: State<'_, AppState>, id: i64) -> R<Vec<ParcelPreset>> {
    s.api.delete_parcel_preset(id).await
}

#[tauri::command]
pub async fn set_bin(
    s: State<'_, AppState>,
    sku: String,
    location_id: i64,
    bin: Option<String>,
) -> R<()> {
    s.api.set_bin(&sku, location_id, bin.as_deref()).await
}

#[tauri::command]
pub async fn rate_rules(s: State<'_, AppState>) -> R<RateRules> {
    s.api.rate_rules().await
}

#[tauri::command]
pub async fn save_rate_rules(s: State<'_, AppState>, rules: RateRules) -> R<RateRules> {
    s.api.save_rate_rules(&rules).await
}

/// Quotes with the rate the rules would pick.
#[tauri::command]
pub async fn pick_rate(s: State<'_, AppState>, id: i64) -> R<(Quotes, Option<RatePick>)> {
    s.api.pick_rate(id).await
}

#[tauri::command]
pub async fn buy_label_by_rule(s: State<'_, AppState>, id: i64) -> R<LabelView> {
    s.api.buy_label_by_rule(id).await
}

/// Labels for many orders by rule, with progress.
#[tauri::command]
pub async fn buy_labels(
    app: AppHandle,
    s: State<'_, AppState>,
    ids: Vec<i64>,
) -> R<LabelBatchReport> {
    let progress = move |done: u32, total: u32| {
        let _ = app.emit(
            "progress",
            Progress {
                task: "labels".into(),
                done: u64::from(done),
                total: u64::from(total),
            },
        );
    };
    s.api.buy_labels(&ids, None, &progress).await
}

#[tauri::command]
pub async fn void_label(s: State<'_, AppState>, shipment_id: i64) -> R<VoidView> {
    s.api.void_label(shipment_id).await
}

#[tauri::command]
pub async fn shipments(s: State<'_, AppState>, order_id: i64) -> R<Vec<ShipmentView>> {
    s.api.shipments(order_id).await
}

#[tauri::command]
pub async fn poll_tracking(s: State<'_, AppState>) -> R<TrackingReport> {
    s.api.poll_tracking(true).await
}

#[tauri::command]
pub async fn tracking_problems(s: State<'_, AppState>) -> R<Vec<ShipmentView>> {
    s.api.tracking_problems(None).await
}

#[tauri::command]
pub async fn mail_settings(s: State<'_, AppState>) -> R<MailSettingsView> {
    s.api.mail_settings().await
}

#[tauri::command]
pub async fn save_mail_settings(
    s: State<'_, AppState>,
    input: MailSettingsInput,
) -> R<MailSettingsView> {
    s.api.save_mail_settings(&input).await
}

#[tauri::command]
pub async fn set_email_customers(
    s: State<'_, AppState>,
    connection_id: i64,
    on: bool,
) -> R<MailSettingsView> {
    s.api.set_email_customers(connection_id, on).await
}

#[tauri::command]
pub async fn mail_template(
    s: State<'_, AppState>,
    kind: String,
    lang: String,
) -> R<MailTemplateView> {
    s.api.mail_template(&kind, &lang).await
}

#[tauri::command]
pub async fn save_mail_template(
    s: State<'_, AppState>,
    kind: String,
    lang: String,
    subject: String,
    body: String,
) -> R<MailTemplateView> {
    s.api
        .save_mail_template(&kind, &lang, &subject, &body)
        .await
}

#[tauri::command]
pub async fn preview_mail(
    s: State<'_, AppState>,
    kind: String,
    lang: String,
    order_id: Option<i64>,
    subject: Option<String>,
    body: Option<String>,
) -> R<MailPreview> {
    s.api
        .preview_mail(&kind, &lang, order_id, subject.as_deref(), body.as_deref())
        .await
}

#[tauri::command]
pub async fn send_test_mail(
    s: State<'_, AppState>,
    to: String,
    kind: String,
    lang: String,
    subject: Option<String>,
    body: Option<String>,
) -> R<MailPreview> {
    s.api
        .send_test_mail(&to, &kind, &lang, subject.as_deref(), body.as_deref())
        .await
}

#[tauri::command]
pub async fn list_mail(
    s: State<'_, AppState>,
    order_id: Option<i64>,
    status: Option<String>,
) -> R<Vec<MailView>> {
    s.api.list_mail(order_id, status.as_deref()).await
}

#[tauri::command]
pub async fn send_mail_now(s: State<'_, AppState>) -> R<MailReport> {
    s.api.dispatch_mail().await
}

#[tauri::command]
pub async fn retry_mail(s: State<'_, AppState>, id: i64) -> R<MailView> {
    s.api.retry_mail(id).await
}

#[tauri::command]
pub async fn dismiss_mail(s: State<'_, AppState>, id: i64) -> R<MailView> {
    s.api.dismiss_mail(id).await
}

#[tauri::command]
pub async fn resend_mail(s: State<'_, AppState>, order_id: i64, kind: String) -> R<MailView> {
    s.api.resend_mail(order_id, &kind, None).await
}

/// Supplier confirmations from a CSV file (the path comes from the file dialog).
#[tauri::command]
pub async fn import_handoff_csv(
    s: State<'_, AppState>,
    path: PathBuf,
    mode: oms_app::ImportMode,
) -> R<oms_app::HandoffImportReport> {
    s.api.import_handoff_csv(&path, mode).await
}

#[tauri::command]
pub async fn save_batch_labels(s: State<'_, AppState>, batch: i64) -> R<BatchLabels> {
    s.api.save_batch_labels(batch, None).await
}

/// Opens a label or document the app wrote (labels/ or documents/ beside the database) in the
/// system's viewer, to print it from there. Any other path is refused.
#[tauri::command]
pub async fn open_document(app: AppHandle, s: State<'_, AppState>, path: PathBuf) -> R<()> {
    use tauri_plugin_opener::OpenerExt;
    let io = |m: String| ApiError::new(oms_app::ErrorCode::Io, m);
    let file = path
        .canonicalize()
        .map_err(|e| io(format!("{}: {e}", path.display())))?;
    let home = s
        .api
        .db_path()
        .parent()
        .and_then(|d| d.canonicalize().ok())
        .ok_or_else(|| io("the database folder is not readable".into()))?;
    let allowed = ["labels", "documents"]
        .iter()
        .any(|d| file.starts_with(home.join(d)));
    if !allowed {
        return Err(ApiError::new(
            oms_app::ErrorCode::InvalidInput,
            format!(
                "{}: only labels and documents the app wrote open from here",
                path.display()
            ),
        ));
    }
    app.opener()
        .open_path(file.display().to_string(), None::<&str>)
        .map_err(|e| io(format!("{}: {e}", file.display())))
}

#[tauri::command]
pub async fn refundable(
    s: State<'_, AppState>,
    order_id: i64,
) -> R<oms_app::domain::refund_views::Refundable> {
    s.api.refundable(order_id).await
}

#[tauri::command]
pub async fn create_refund(
    s: State<'_, AppState>,
    input: oms_app::domain::refund_views::RefundInput,
) -> R<oms_app::domain::refund_views::RefundView> {
    s.api.create_refund(&input).await
}

#[tauri::command]
pub async fn decide_refund(
    s: State<'_, AppState>,
    id: i64,
    approve: bool,
) -> R<oms_app::domain::refund_views::RefundView> {
    s.api.decide_refund(id, approve).await
}

#[tauri::command]
pub async fn list_refunds(
    s: State<'_, AppState>,
    order_id: Option<i64>,
) -> R<Vec<oms_app::domain::refund_views::RefundView>> {
    s.api.refunds(order_id).await
}
