//! Tauri commands: one line of work each, all in the application API. Errors cross as
//! `ApiError` (a machine code, a message, field details).

use crate::AppState;
use oms_app::domain::{
    ConnectionView, Dashboard, OrderDetail, OrderPage, OrderQuery, OrderRow, SavedView,
    StatusCount, TimelineEventView,
};
use oms_app::{ApiError, AppInfo, ExportReport, ImportMode, ImportReport, Progress};
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, State};

type R<T> = Result<T, ApiError>;

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        app_info,
        load_demo,
        list_orders,
        count_orders,
        status_counts,
        get_order,
        add_note,
        bulk_add_tag,
        bulk_add_note,
        export_csv,
        import_csv,
        search,
        list_connections,
        list_tags,
        dashboard,
        list_views,
        save_view,
        delete_view,
        ui_ready
    ]
}

fn emitter(app: AppHandle) -> impl Fn(Progress) + Send + Sync {
    move |p: Progress| {
        // A closed window cannot receive progress; the task itself carries on.
        let _ = app.emit("progress", p);
    }
}

#[tauri::command]
async fn app_info(s: State<'_, AppState>) -> R<AppInfo> {
    s.api.app_info().await
}

#[tauri::command]
async fn load_demo(app: AppHandle, s: State<'_, AppState>, count: u64) -> R<ImportReport> {
    s.api.load_demo(count, &emitter(app)).await
}

#[tauri::command]
async fn list_orders(s: State<'_, AppState>, query: OrderQuery) -> R<OrderPage> {
    s.api.list_orders(&query).await
}

#[tauri::command]
async fn count_orders(s: State<'_, AppState>, query: OrderQuery) -> R<i64> {
    s.api.count_orders(&query).await
}

#[tauri::command]
async fn status_counts(s: State<'_, AppState>) -> R<Vec<StatusCount>> {
    s.api.status_counts().await
}

#[tauri::command]
async fn get_order(s: State<'_, AppState>, id: i64) -> R<OrderDetail> {
    s.api.get_order(id).await
}

#[tauri::command]
async fn add_note(s: State<'_, AppState>, order_id: i64, body: String) -> R<TimelineEventView> {
    s.api.add_note(order_id, &body).await
}

#[tauri::command]
async fn bulk_add_tag(s: State<'_, AppState>, order_ids: Vec<i64>, tag: String) -> R<u64> {
    s.api.bulk_add_tag(&order_ids, &tag).await
}

#[tauri::command]
async fn bulk_add_note(s: State<'_, AppState>, order_ids: Vec<i64>, body: String) -> R<u64> {
    s.api.bulk_add_note(&order_ids, &body).await
}

#[tauri::command]
async fn export_csv(
    app: AppHandle,
    s: State<'_, AppState>,
    query: Option<OrderQuery>,
    order_ids: Option<Vec<i64>>,
    path: PathBuf,
) -> R<ExportReport> {
    s.api
        .export_csv(query.as_ref(), order_ids.as_deref(), &path, &emitter(app))
        .await
}

#[tauri::command]
async fn import_csv(
    app: AppHandle,
    s: State<'_, AppState>,
    path: PathBuf,
    mode: ImportMode,
) -> R<ImportReport> {
    s.api.import_csv(&path, mode, &emitter(app)).await
}

#[tauri::command]
async fn search(s: State<'_, AppState>, text: String, limit: u32) -> R<Vec<OrderRow>> {
    s.api.search(&text, limit).await
}

#[tauri::command]
async fn list_connections(s: State<'_, AppState>) -> R<Vec<ConnectionView>> {
    s.api.list_connections().await
}

#[tauri::command]
async fn list_tags(s: State<'_, AppState>) -> R<Vec<String>> {
    s.api.list_tags().await
}

#[tauri::command]
async fn dashboard(s: State<'_, AppState>) -> R<Dashboard> {
    s.api.dashboard().await
}

#[tauri::command]
async fn list_views(s: State<'_, AppState>) -> R<Vec<SavedView>> {
    s.api.list_views().await
}

#[tauri::command]
async fn save_view(s: State<'_, AppState>, name: String, query: OrderQuery) -> R<SavedView> {
    s.api.save_view(&name, &query).await
}

#[tauri::command]
async fn delete_view(s: State<'_, AppState>, id: i64) -> R<()> {
    s.api.delete_view(id).await
}

/// The UI calls this once its first screen shows real data. With `OMS_LOG_STARTUP=1` the time
/// since the process started is printed, which is how cold start is measured.
#[tauri::command]
fn ui_ready(s: State<'_, AppState>, screen: String) {
    if std::env::var_os("OMS_LOG_STARTUP").is_some() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "startup: {screen} ready after {} ms",
                s.started.elapsed().as_millis()
            );
        }
    }
}
