//! Tauri commands: one line of work each, all in the application API. Errors cross as
//! `ApiError` (a machine code, a message, field details).

use crate::AppState;
use oms_app::domain::carrier_views::{CarrierAccountView, LabelView, NewCarrierAccount, Quotes};
use oms_app::domain::sync_views::{
    ChannelLocationView, ChannelSkuView, ConnectionTest, CredentialsInput, NewConnection,
    OutboxReport, OutboxView, PushSettings, QuarantineView, SyncConnectionView, SyncReport,
};
use oms_app::domain::{
    BulkResult, ConnectionView, Dashboard, HoldReason, InventoryPage, InventoryQuery, LocationView,
    MovementView, OrderDetail, OrderPage, OrderQuery, OrderRow, ProcessOutcome, ReviewRow,
    SavedView, StatusCount, TimelineEventView,
};
use oms_app::domain::{HandoffView, PickupRow, ShippingRateView};
use oms_app::engine::PipelineSettings;
use oms_app::{
    ApiError, AppInfo, BacktestReport, BacktestRequest, ExportReport, HandoffExport, ImportMode,
    ImportReport, NewLocation, ProcessSummary, Progress, RateImportReport, StockChangeInput,
};
use oms_app::{ConnectionPatch, QuarantineRetry};
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
        matching_order_ids,
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
        process_pending,
        process_orders,
        hold_orders,
        release_orders,
        cancel_orders,
        ship_orders,
        merge_orders,
        reroute_orders,
        set_priority,
        review_queue,
        pipeline_settings,
        save_pipeline_settings,
        list_locations,
        create_location,
        update_location,
        inventory,
        ledger,
        change_stock,
        import_stock_csv,
        list_rates,
        import_rates_csv,
        backtest,
        export_backtest_csv,
        set_pickup_location,
        pickup_queue,
        mark_ready_for_pickup,
        mark_picked_up,
        list_handoffs,
        export_handoffs,
        confirm_handoff,
        ship_handoff,
        set_release_date,
        list_sync_connections,
        add_connection,
        update_connection,
        set_connection_credentials,
        remove_connection,
        test_connection,
        sync_connection,
        quarantined,
        retry_quarantined,
        dismiss_quarantined,
        ship_order,
        outbox,
        send_outbox,
        retry_outbox,
        dismiss_outbox,
        set_push_settings,
        channel_skus,
        map_channel_sku,
        channel_locations,
        set_channel_location,
        set_ui_language,
        list_carrier_accounts,
        add_carrier_account,
        quote_order,
        buy_label,
        crate::commands_fulfil::fulfilment_queue,
        crate::commands_fulfil::create_batch,
        crate::commands_fulfil::list_batches,
        crate::commands_fulfil::remove_from_batch,
        crate::commands_fulfil::close_batch,
        crate::commands_fulfil::pick_list,
        crate::commands_fulfil::batch_slips,
        crate::commands_fulfil::packing_slip,
        crate::commands_fulfil::save_fulfilment_pdf,
        crate::commands_fulfil::pack_order,
        crate::commands_fulfil::unpack_parcel,
        crate::commands_fulfil::ship_parcel,
        crate::commands_fulfil::parcel_presets,
        crate::commands_fulfil::save_parcel_preset,
        crate::commands_fulfil::delete_parcel_preset,
        crate::commands_fulfil::set_bin,
        crate::commands_fulfil::rate_rules,
        crate::commands_fulfil::save_rate_rules,
        crate::commands_fulfil::pick_rate,
        crate::commands_fulfil::buy_label_by_rule,
        crate::commands_fulfil::buy_labels,
        crate::commands_fulfil::void_label,
        crate::commands_fulfil::shipments,
        crate::commands_fulfil::poll_tracking,
        crate::commands_fulfil::tracking_problems,
        crate::commands_fulfil::mail_settings,
        crate::commands_fulfil::save_mail_settings,
        crate::commands_fulfil::set_email_customers,
        crate::commands_fulfil::mail_template,
        crate::commands_fulfil::save_mail_template,
        crate::commands_fulfil::preview_mail,
        crate::commands_fulfil::send_test_mail,
        crate::commands_fulfil::list_mail,
        crate::commands_fulfil::send_mail_now,
        crate::commands_fulfil::retry_mail,
        crate::commands_fulfil::dismiss_mail,
        crate::commands_fulfil::resend_mail,
        crate::commands_fulfil::import_handoff_csv,
        crate::commands_fulfil::save_batch_labels,
        crate::commands_fulfil::open_document,
        crate::commands_fulfil::refundable,
        crate::commands_fulfil::create_refund,
        crate::commands_fulfil::decide_refund,
        crate::commands_fulfil::list_refunds,
        crate::commands_returns::returnable,
        crate::commands_returns::create_return,
        crate::commands_returns::return_queue,
        crate::commands_returns::get_return,
        crate::commands_returns::returns_of,
        crate::commands_returns::decide_return,
        crate::commands_returns::return_in_transit,
        crate::commands_returns::send_return_label,
        crate::commands_returns::receive_return,
        crate::commands_returns::receive_returns,
        crate::commands_returns::inspect_return,
        crate::commands_returns::refund_return,
        crate::commands_returns::close_return,
        crate::commands_returns::scan_return,
        crate::commands_returns::return_reasons,
        crate::commands_returns::set_return_reasons,
        crate::commands_returns::edit_order,
        crate::commands_returns::cancel_lines,
        crate::commands_returns::create_exchange,
        crate::commands_returns::customer_page,
        crate::commands_returns::mentions,
        crate::commands_returns::refund_approval_above,
        crate::commands_returns::set_refund_approval_above,
        ui_ready
    ]
}

pub(crate) fn emitter(app: AppHandle) -> impl Fn(Progress) + Send + Sync {
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
async fn matching_order_ids(s: State<'_, AppState>, query: OrderQuery) -> R<Vec<i64>> {
    s.api.matching_order_ids(&query).await
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

#[tauri::command]
async fn process_pending(app: AppHandle, s: State<'_, AppState>) -> R<ProcessSummary> {
    s.api.process_pending(&emitter(app)).await
}

#[tauri::command]
async fn process_orders(
    app: AppHandle,
    s: State<'_, AppState>,
    order_ids: Vec<i64>,
) -> R<ProcessSummary> {
    s.api.process_orders(&order_ids, &emitter(app)).await
}

#[tauri::command]
async fn hold_orders(
    app: AppHandle,
    s: State<'_, AppState>,
    order_ids: Vec<i64>,
    reason: HoldReason,
    comment: String,
) -> R<BulkResult> {
    s.api
        .hold_orders(&order_ids, reason, &comment, &emitter(app))
        .await
}

#[tauri::command]
async fn release_orders(
    app: AppHandle,
    s: State<'_, AppState>,
    order_ids: Vec<i64>,
    comment: String,
) -> R<BulkResult> {
    s.api
        .release_orders(&order_ids, &comment, &emitter(app))
        .await
}

#[tauri::command]
async fn cancel_orders(
    app: AppHandle,
    s: State<'_, AppState>,
    order_ids: Vec<i64>,
    comment: String,
) -> R<BulkResult> {
    s.api
        .cancel_orders(&order_ids, &comment, &emitter(app))
        .await
}

#[tauri::command]
async fn ship_orders(app: AppHandle, s: State<'_, AppState>, order_ids: Vec<i64>) -> R<BulkResult> {
    s.api.mark_shipped(&order_ids, &emitter(app)).await
}

#[tauri::command]
async fn merge_orders(s: State<'_, AppState>, order_ids: Vec<i64>) -> R<ProcessOutcome> {
    s.api.merge_orders(&order_ids).await
}

#[tauri::command]
async fn set_priority(
    s: State<'_, AppState>,
    order_ids: Vec<i64>,
    priority: Option<i32>,
) -> R<u64> {
    s.api.set_priority(&order_ids, priority).await
}

#[tauri::command]
async fn review_queue(s: State<'_, AppState>, reason: Option<HoldReason>) -> R<Vec<ReviewRow>> {
    s.api.review_queue(reason, 500).await
}

#[tauri::command]
async fn pipeline_settings(s: State<'_, AppState>) -> R<PipelineSettings> {
    s.api.pipeline_settings().await
}

#[tauri::command]
async fn save_pipeline_settings(s: State<'_, AppState>, settings: PipelineSettings) -> R<()> {
    s.api.save_pipeline_settings(&settings).await
}

#[tauri::command]
async fn list_locations(s: State<'_, AppState>) -> R<Vec<LocationView>> {
    s.api.list_locations().await
}

#[tauri::command]
async fn create_location(s: State<'_, AppState>, location: NewLocation) -> R<LocationView> {
    s.api.create_location(&location).await
}

#[tauri::command]
async fn reroute_orders(
    app: AppHandle,
    s: State<'_, AppState>,
    order_ids: Vec<i64>,
) -> R<BulkResult> {
    s.api.reroute_orders(&order_ids, &emitter(app)).await
}

#[tauri::command]
async fn update_location(
    s: State<'_, AppState>,
    id: i64,
    location: NewLocation,
    active: bool,
) -> R<LocationView> {
    s.api.update_location(id, &location, active).await
}

#[tauri::command]
async fn inventory(s: State<'_, AppState>, query: InventoryQuery) -> R<InventoryPage> {
    s.api.inventory(&query).await
}

#[tauri::command]
async fn ledger(
    s: State<'_, AppState>,
    sku: String,
    location_id: Option<i64>,
) -> R<Vec<MovementView>> {
    s.api.ledger(&sku, location_id, 200).await
}

#[tauri::command]
async fn change_stock(s: State<'_, AppState>, changes: Vec<StockChangeInput>) -> R<u64> {
    s.api.change_stock(&changes).await
}

#[tauri::command]
async fn import_stock_csv(
    s: State<'_, AppState>,
    path: PathBuf,
    mode: ImportMode,
) -> R<ImportReport> {
    s.api.import_stock_csv(&path, mode).await
}

#[tauri::command]
async fn list_rates(s: State<'_, AppState>) -> R<Vec<ShippingRateView>> {
    s.api.list_rates().await
}

#[tauri::command]
async fn import_rates_csv(
    s: State<'_, AppState>,
    path: PathBuf,
    mode: ImportMode,
) -> R<RateImportReport> {
    s.api.import_rates_csv(&path, mode).await
}

#[tauri::command]
async fn backtest(
    app: AppHandle,
    s: State<'_, AppState>,
    request: BacktestRequest,
) -> R<BacktestReport> {
    s.api.backtest(&request, &emitter(app)).await
}

#[tauri::command]
async fn export_backtest_csv(
    s: State<'_, AppState>,
    report: BacktestReport,
    path: PathBuf,
) -> R<()> {
    s.api.export_backtest_csv(&report, &path).await
}

#[tauri::command]
async fn set_pickup_location(
    s: State<'_, AppState>,
    order_id: i64,
    location_id: Option<i64>,
) -> R<ProcessOutcome> {
    s.api.set_pickup_location(order_id, location_id).await
}

#[tauri::command]
async fn pickup_queue(s: State<'_, AppState>, location_id: i64) -> R<Vec<PickupRow>> {
    s.api.pickup_queue(location_id).await
}

#[tauri::command]
async fn mark_ready_for_pickup(
    app: AppHandle,
    s: State<'_, AppState>,
    order_ids: Vec<i64>,
) -> R<BulkResult> {
    s.api.mark_ready_for_pickup(&order_ids, &emitter(app)).await
}

#[tauri::command]
async fn mark_picked_up(
    app: AppHandle,
    s: State<'_, AppState>,
    order_ids: Vec<i64>,
) -> R<BulkResult> {
    s.api.mark_picked_up(&order_ids, &emitter(app)).await
}

#[tauri::command]
async fn list_handoffs(s: State<'_, AppState>, status: Option<String>) -> R<Vec<HandoffView>> {
    s.api.list_handoffs(status.as_deref()).await
}

#[tauri::command]
async fn export_handoffs(
    s: State<'_, AppState>,
    ids: Option<Vec<i64>>,
    folder: Option<PathBuf>,
) -> R<HandoffExport> {
    s.api
        .export_handoffs(ids.as_deref(), folder.as_deref())
        .await
}

#[tauri::command]
async fn confirm_handoff(
    s: State<'_, AppState>,
    id: i64,
    supplier_ref: Option<String>,
) -> R<HandoffView> {
    s.api.confirm_handoff(id, supplier_ref.as_deref()).await
}

#[tauri::command]
async fn ship_handoff(
    s: State<'_, AppState>,
    id: i64,
    carrier: String,
    tracking_number: String,
) -> R<HandoffView> {
    s.api.ship_handoff(id, &carrier, &tracking_number).await
}

#[tauri::command]
async fn set_release_date(s: State<'_, AppState>, sku: String, release_at: Option<i64>) -> R<()> {
    s.api.set_release_date(&sku, release_at).await
}

#[tauri::command]
async fn list_sync_connections(s: State<'_, AppState>) -> R<Vec<SyncConnectionView>> {
    s.api.list_sync_connections().await
}

/// The secrets in `connection.credentials` go to the OS keyring; none comes back.
#[tauri::command]
async fn add_connection(
    s: State<'_, AppState>,
    connection: NewConnection,
) -> R<SyncConnectionView> {
    s.api.add_connection(&connection).await
}

#[tauri::command]
async fn update_connection(
    s: State<'_, AppState>,
    id: i64,
    patch: ConnectionPatch,
) -> R<SyncConnectionView> {
    s.api.update_connection(id, &patch).await
}

#[tauri::command]
async fn set_connection_credentials(
    s: State<'_, AppState>,
    id: i64,
    credentials: CredentialsInput,
) -> R<SyncConnectionView> {
    s.api.set_connection_credentials(id, &credentials).await
}

#[tauri::command]
async fn remove_connection(s: State<'_, AppState>, id: i64) -> R<()> {
    s.api.remove_connection(id).await
}

#[tauri::command]
async fn test_connection(s: State<'_, AppState>, id: i64) -> R<ConnectionTest> {
    s.api.test_connection(id).await
}

#[tauri::command]
async fn sync_connection(app: AppHandle, s: State<'_, AppState>, id: i64) -> R<SyncReport> {
    s.api.sync_connection(id, &emitter(app)).await
}

#[tauri::command]
async fn quarantined(s: State<'_, AppState>, connection_id: Option<i64>) -> R<Vec<QuarantineView>> {
    s.api.quarantined(connection_id).await
}

#[tauri::command]
async fn retry_quarantined(s: State<'_, AppState>, id: i64) -> R<QuarantineRetry> {
    s.api.retry_quarantined(id).await
}

#[tauri::command]
async fn dismiss_quarantined(s: State<'_, AppState>, ids: Vec<i64>) -> R<()> {
    s.api.dismiss_quarantined(&ids).await
}

#[tauri::command]
async fn ship_order(
    s: State<'_, AppState>,
    id: i64,
    carrier: String,
    tracking_number: String,
) -> R<i64> {
    s.api.ship_order(id, &carrier, &tracking_number).await
}

#[tauri::command]
async fn outbox(
    s: State<'_, AppState>,
    connection_id: Option<i64>,
    status: Option<String>,
    limit: i64,
) -> R<Vec<OutboxView>> {
    s.api.outbox(connection_id, status.as_deref(), limit).await
}

#[tauri::command]
async fn send_outbox(s: State<'_, AppState>) -> R<Vec<OutboxReport>> {
    s.api.dispatch_all().await
}

#[tauri::command]
async fn retry_outbox(s: State<'_, AppState>, ids: Vec<i64>) -> R<u64> {
    s.api.retry_outbox(&ids).await
}

#[tauri::command]
async fn dismiss_outbox(s: State<'_, AppState>, ids: Vec<i64>) -> R<u64> {
    s.api.dismiss_outbox(&ids).await
}

#[tauri::command]
async fn set_push_settings(
    s: State<'_, AppState>,
    id: i64,
    settings: PushSettings,
) -> R<SyncConnectionView> {
    s.api.set_push_settings(id, &settings).await?;
    s.api.connection(id).await
}

#[tauri::command]
async fn channel_skus(
    s: State<'_, AppState>,
    id: i64,
    unknown_only: bool,
) -> R<Vec<ChannelSkuView>> {
    s.api.channel_skus(id, unknown_only).await
}

#[tauri::command]
async fn map_channel_sku(
    s: State<'_, AppState>,
    id: i64,
    channel_sku: String,
    sku: Option<String>,
) -> R<()> {
    s.api
        .map_channel_sku(id, &channel_sku, sku.as_deref())
        .await
}

#[tauri::command]
async fn channel_locations(s: State<'_, AppState>, id: i64) -> R<Vec<ChannelLocationView>> {
    s.api.channel_locations(id).await
}

#[tauri::command]
async fn set_channel_location(
    s: State<'_, AppState>,
    id: i64,
    location_id: i64,
    external_location_id: Option<String>,
    feeds: bool,
) -> R<()> {
    s.api
        .set_channel_location(id, location_id, external_location_id.as_deref(), feeds)
        .await
}

#[tauri::command]
async fn list_carrier_accounts(s: State<'_, AppState>) -> R<Vec<CarrierAccountView>> {
    s.api.list_carrier_accounts().await
}

#[tauri::command]
async fn add_carrier_account(
    s: State<'_, AppState>,
    account: NewCarrierAccount,
) -> R<CarrierAccountView> {
    s.api.add_carrier_account(&account).await
}

#[tauri::command]
async fn quote_order(s: State<'_, AppState>, id: i64) -> R<Quotes> {
    s.api.quote_order(id).await
}

#[tauri::command]
async fn buy_label(
    s: State<'_, AppState>,
    id: i64,
    account_id: i64,
    carrier_shipment_id: String,
    rate_id: String,
) -> R<LabelView> {
    s.api
        .buy_label(id, account_id, &carrier_shipment_id, &rate_id)
        .await
}

/// The UI's language, for the tray and notifications.
#[tauri::command]
fn set_ui_language(l: State<'_, crate::tray::UiLang>, lang: String) {
    if let Ok(mut g) = l.0.lock() {
        *g = oms_app::Lang::parse(&lang);
    }
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
