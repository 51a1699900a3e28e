//! Tauri commands of returns, edits and exchanges (issue 7): the queue, one return, the RMA
//! steps, receiving one or many, inspecting, refunding what came back, the desk's scan, the
//! reason list; editing an order, cancelling lines, an exchange. Each is one call into the
//! application API.

use crate::AppState;
use oms_app::domain::edit_views::*;
use oms_app::domain::refund_views::RefundView;
use oms_app::domain::return_views::*;
use oms_app::domain::BulkResult;
use oms_app::ApiError;
use tauri::{AppHandle, State};

type R<T> = Result<T, ApiError>;

#[tauri::command]
pub async fn returnable(s: State<'_, AppState>, order_id: i64) -> R<Returnable> {
    s.api.returnable(order_id).await
}

#[tauri::command]
pub async fn create_return(s: State<'_, AppState>, input: ReturnInput) -> R<ReturnView> {
    s.api.create_return(&input).await
}

#[tauri::command]
pub async fn return_queue(
    s: State<'_, AppState>,
    status: Option<String>,
    search: Option<String>,
) -> R<ReturnQueue> {
    s.api
        .return_queue(status.as_deref(), search.as_deref(), 500)
        .await
}

#[tauri::command]
pub async fn get_return(s: State<'_, AppState>, id: i64) -> R<ReturnView> {
    s.api.return_view(id).await
}

#[tauri::command]
pub async fn returns_of(s: State<'_, AppState>, order_id: i64) -> R<Vec<ReturnView>> {
    s.api.returns_of(order_id).await
}

#[tauri::command]
pub async fn decide_return(
    s: State<'_, AppState>,
    id: i64,
    approve: bool,
    comment: String,
) -> R<ReturnView> {
    s.api.decide_return(id, approve, &comment).await
}

#[tauri::command]
pub async fn return_in_transit(
    s: State<'_, AppState>,
    id: i64,
    carrier: Option<String>,
    tracking: Option<String>,
) -> R<ReturnView> {
    s.api
        .return_in_transit(id, carrier.as_deref(), tracking.as_deref())
        .await
}

#[tauri::command]
pub async fn send_return_label(s: State<'_, AppState>, id: i64, location_id: i64) -> R<ReturnView> {
    s.api.send_return_label(id, location_id).await
}

#[tauri::command]
pub async fn receive_return(
    s: State<'_, AppState>,
    id: i64,
    lines: Vec<ReceiveLine>,
) -> R<ReturnView> {
    s.api.receive_return(id, &lines).await
}

#[tauri::command]
pub async fn receive_returns(
    app: AppHandle,
    s: State<'_, AppState>,
    ids: Vec<i64>,
) -> R<BulkResult> {
    s.api
        .receive_returns(&ids, &crate::commands::emitter(app))
        .await
}

#[tauri::command]
pub async fn inspect_return(
    s: State<'_, AppState>,
    id: i64,
    lines: Vec<InspectLine>,
) -> R<ReturnView> {
    s.api.inspect_return(id, &lines).await
}

#[tauri::command]
pub async fn refund_return(
    s: State<'_, AppState>,
    id: i64,
    shipping: i64,
    extra: i64,
    reason: String,
) -> R<RefundView> {
    s.api.refund_return(id, shipping, extra, &reason).await
}

#[tauri::command]
pub async fn close_return(s: State<'_, AppState>, id: i64) -> R<ReturnView> {
    s.api.close_return(id).await
}

#[tauri::command]
pub async fn scan_return(s: State<'_, AppState>, code: String) -> R<Vec<ReturnView>> {
    s.api.scan_return(&code).await
}

#[tauri::command]
pub async fn return_reasons(s: State<'_, AppState>) -> R<Vec<String>> {
    s.api.return_reasons().await
}

#[tauri::command]
pub async fn set_return_reasons(s: State<'_, AppState>, reasons: Vec<String>) -> R<()> {
    s.api.set_return_reasons(&reasons).await
}

#[tauri::command]
pub async fn edit_order(s: State<'_, AppState>, edit: OrderEdit) -> R<EditResult> {
    s.api.edit_order(&edit).await
}

#[tauri::command]
pub async fn cancel_lines(s: State<'_, AppState>, input: CancelLinesInput) -> R<String> {
    s.api.cancel_lines(&input).await
}

#[tauri::command]
pub async fn create_exchange(s: State<'_, AppState>, input: ExchangeInput) -> R<ExchangeResult> {
    s.api.create_exchange(&input).await
}

#[tauri::command]
pub async fn customer_page(s: State<'_, AppState>, order_id: i64) -> R<CustomerPage> {
    s.api.customer_page(order_id).await
}

#[tauri::command]
pub async fn mentions(s: State<'_, AppState>, name: Option<String>) -> R<Vec<NoteView>> {
    s.api.mentions(name.as_deref()).await
}

#[tauri::command]
pub async fn refund_approval_above(s: State<'_, AppState>) -> R<Option<i64>> {
    s.api.refund_approval_above().await
}

#[tauri::command]
pub async fn set_refund_approval_above(s: State<'_, AppState>, above: Option<i64>) -> R<()> {
    s.api.set_refund_approval_above(above).await
}
