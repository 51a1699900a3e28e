// Typed wrappers over the Tauri commands (src-tauri/src/commands.rs). Types come from
// bindings.ts, which is generated from the Rust definitions.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  ApiError, AppInfo, BulkResult, ConnectionView, Dashboard, ExportReport, HoldReason, ImportMode, ImportReport,
  InventoryPage, InventoryQuery, LocationView, MovementView, NewLocation, OrderDetail, OrderPage, OrderQuery,
  OrderRow, PipelineSettings, ProcessOutcome, ProcessSummary, Progress, ReviewRow, SavedView, StatusCount,
  StockChangeInput, TimelineEventView, ShippingRateView, RateImportReport, BacktestRequest, BacktestReport,
  PickupRow, HandoffView, HandoffExport, SyncConnectionView, NewConnection, ConnectionPatch,
  CredentialsInput, ConnectionTest, SyncReport, QuarantineView, QuarantineRetry,
  OutboxView, OutboxReport, PushSettings, ChannelSkuView, ChannelLocationView,
  CarrierAccountView, NewCarrierAccount, Quotes, LabelView,
  FulfilmentQueue, BatchView, PickList, PackingSlip, PackInput, PackResult, ParcelPreset, RateRules, RatePick,
  LabelBatchReport, VoidView, ShipmentView, TrackingReport, MailSettingsView, MailSettingsInput, MailTemplateView,
  MailPreview, MailView, MailReport, HandoffImportReport, BatchLabels, Refundable, RefundInput, RefundView,
  Returnable, ReturnInput, ReturnQueue, ReturnView, ReceiveLine, InspectLine,
  OrderEdit, EditResult, CancelLinesInput, ExchangeInput, ExchangeResult, CustomerPage, NoteView,
} from './bindings';

export const api = {
  appInfo: () => invoke<AppInfo>('app_info'),
  loadDemo: (count: number) => invoke<ImportReport>('load_demo', { count }),
  listOrders: (query: OrderQuery) => invoke<OrderPage>('list_orders', { query }),
  countOrders: (query: OrderQuery) => invoke<number>('count_orders', { query }),
  matchingOrderIds: (query: OrderQuery) => invoke<number[]>('matching_order_ids', { query }),
  statusCounts: () => invoke<StatusCount[]>('status_counts'),
  getOrder: (id: number) => invoke<OrderDetail>('get_order', { id }),
  addNote: (orderId: number, body: string) => invoke<TimelineEventView>('add_note', { orderId, body }),
  bulkAddTag: (orderIds: number[], tag: string) => invoke<number>('bulk_add_tag', { orderIds, tag }),
  bulkAddNote: (orderIds: number[], body: string) => invoke<number>('bulk_add_note', { orderIds, body }),
  exportCsv: (query: OrderQuery | null, orderIds: number[] | null, path: string) =>
    invoke<ExportReport>('export_csv', { query, orderIds, path }),
  importCsv: (path: string, mode: ImportMode) => invoke<ImportReport>('import_csv', { path, mode }),
  search: (text: string, limit: number) => invoke<OrderRow[]>('search', { text, limit }),
  listConnections: () => invoke<ConnectionView[]>('list_connections'),
  listTags: () => invoke<string[]>('list_tags'),
  dashboard: () => invoke<Dashboard>('dashboard'),
  listViews: () => invoke<SavedView[]>('list_views'),
  saveView: (name: string, query: OrderQuery) => invoke<SavedView>('save_view', { name, query }),
  deleteView: (id: number) => invoke<null>('delete_view', { id }),
  processPending: () => invoke<ProcessSummary>('process_pending'),
  processOrders: (orderIds: number[]) => invoke<ProcessSummary>('process_orders', { orderIds }),
  holdOrders: (orderIds: number[], reason: HoldReason, comment: string) =>
    invoke<BulkResult>('hold_orders', { orderIds, reason, comment }),
  releaseOrders: (orderIds: number[], comment: string) => invoke<BulkResult>('release_orders', { orderIds, comment }),
  cancelOrders: (orderIds: number[], comment: string) => invoke<BulkResult>('cancel_orders', { orderIds, comment }),
  shipOrders: (orderIds: number[]) => invoke<BulkResult>('ship_orders', { orderIds }),
  rerouteOrders: (orderIds: number[]) => invoke<BulkResult>('reroute_orders', { orderIds }),
  mergeOrders: (orderIds: number[]) => invoke<ProcessOutcome>('merge_orders', { orderIds }),
  setPriority: (orderIds: number[], priority: number | null) => invoke<number>('set_priority', { orderIds, priority }),
  reviewQueue: (reason: HoldReason | null) => invoke<ReviewRow[]>('review_queue', { reason }),
  pipelineSettings: () => invoke<PipelineSettings>('pipeline_settings'),
  savePipelineSettings: (settings: PipelineSettings) => invoke<null>('save_pipeline_settings', { settings }),
  listLocations: () => invoke<LocationView[]>('list_locations'),
  createLocation: (location: NewLocation) => invoke<LocationView>('create_location', { location }),
  updateLocation: (id: number, location: NewLocation, active: boolean) =>
    invoke<LocationView>('update_location', { id, location, active }),
  inventory: (query: InventoryQuery) => invoke<InventoryPage>('inventory', { query }),
  ledger: (sku: string, locationId: number | null) => invoke<MovementView[]>('ledger', { sku, locationId }),
  changeStock: (changes: StockChangeInput[]) => invoke<number>('change_stock', { changes }),
  importStockCsv: (path: string, mode: ImportMode) => invoke<ImportReport>('import_stock_csv', { path, mode }),
  listRates: () => invoke<ShippingRateView[]>('list_rates'),
  importRatesCsv: (path: string, mode: ImportMode) => invoke<RateImportReport>('import_rates_csv', { path, mode }),
  backtest: (request: BacktestRequest) => invoke<BacktestReport>('backtest', { request }),
  exportBacktestCsv: (report: BacktestReport, path: string) => invoke<null>('export_backtest_csv', { report, path }),
  setPickupLocation: (orderId: number, locationId: number | null) => invoke<ProcessOutcome>('set_pickup_location', { orderId, locationId }),
  pickupQueue: (locationId: number) => invoke<PickupRow[]>('pickup_queue', { locationId }),
  markReadyForPickup: (orderIds: number[]) => invoke<BulkResult>('mark_ready_for_pickup', { orderIds }),
  markPickedUp: (orderIds: number[]) => invoke<BulkResult>('mark_picked_up', { orderIds }),
  listHandoffs: (status: string | null) => invoke<HandoffView[]>('list_handoffs', { status }),
  exportHandoffs: (ids: number[] | null, folder: string | null) => invoke<HandoffExport>('export_handoffs', { ids, folder }),
  confirmHandoff: (id: number, supplierRef: string | null) => invoke<HandoffView>('confirm_handoff', { id, supplierRef }),
  shipHandoff: (id: number, carrier: string, trackingNumber: string) => invoke<HandoffView>('ship_handoff', { id, carrier, trackingNumber }),
  setReleaseDate: (sku: string, releaseAt: number | null) => invoke<null>('set_release_date', { sku, releaseAt }),
  listSyncConnections: () => invoke<SyncConnectionView[]>('list_sync_connections'),
  addConnection: (connection: NewConnection) => invoke<SyncConnectionView>('add_connection', { connection }),
  updateConnection: (id: number, patch: ConnectionPatch) =>
    invoke<SyncConnectionView>('update_connection', { id, patch }),
  setConnectionCredentials: (id: number, credentials: CredentialsInput) =>
    invoke<SyncConnectionView>('set_connection_credentials', { id, credentials }),
  removeConnection: (id: number) => invoke<null>('remove_connection', { id }),
  testConnection: (id: number) => invoke<ConnectionTest>('test_connection', { id }),
  syncConnection: (id: number) => invoke<SyncReport>('sync_connection', { id }),
  quarantined: (connectionId: number | null) => invoke<QuarantineView[]>('quarantined', { connectionId }),
  retryQuarantined: (id: number) => invoke<QuarantineRetry>('retry_quarantined', { id }),
  dismissQuarantined: (ids: number[]) => invoke<null>('dismiss_quarantined', { ids }),
  shipOrder: (id: number, carrier: string, trackingNumber: string) =>
    invoke<number>('ship_order', { id, carrier, trackingNumber }),
  outbox: (connectionId: number | null, status: string | null, limit: number) =>
    invoke<OutboxView[]>('outbox', { connectionId, status, limit }),
  sendOutbox: () => invoke<OutboxReport[]>('send_outbox'),
  retryOutbox: (ids: number[]) => invoke<number>('retry_outbox', { ids }),
  dismissOutbox: (ids: number[]) => invoke<number>('dismiss_outbox', { ids }),
  setPushSettings: (id: number, settings: PushSettings) =>
    invoke<SyncConnectionView>('set_push_settings', { id, settings }),
  channelSkus: (id: number, unknownOnly: boolean) => invoke<ChannelSkuView[]>('channel_skus', { id, unknownOnly }),
  mapChannelSku: (id: number, channelSku: string, sku: string | null) =>
    invoke<null>('map_channel_sku', { id, channelSku, sku }),
  channelLocations: (id: number) => invoke<ChannelLocationView[]>('channel_locations', { id }),
  listCarrierAccounts: () => invoke<CarrierAccountView[]>('list_carrier_accounts'),
  addCarrierAccount: (account: NewCarrierAccount) => invoke<CarrierAccountView>('add_carrier_account', { account }),
  quoteOrder: (id: number) => invoke<Quotes>('quote_order', { id }),
  buyLabel: (id: number, accountId: number, carrierShipmentId: string, rateId: string) =>
    invoke<LabelView>('buy_label', { id, accountId, carrierShipmentId, rateId }),
  setChannelLocation: (id: number, locationId: number, externalLocationId: string | null, feeds: boolean) =>
    invoke<null>('set_channel_location', { id, locationId, externalLocationId, feeds }),
  // Fulfilment (issue 6)
  fulfilmentQueue: (locationId: number, batched: boolean) =>
    invoke<FulfilmentQueue>('fulfilment_queue', { locationId, batched }),
  createBatch: (locationId: number, orderIds: number[], take: number | null) =>
    invoke<BatchView>('create_batch', { locationId, orderIds, take }),
  listBatches: (locationId: number | null, openOnly: boolean) => invoke<BatchView[]>('list_batches', { locationId, openOnly }),
  removeFromBatch: (batch: number, orderId: number) => invoke<BatchView>('remove_from_batch', { batch, orderId }),
  closeBatch: (batch: number) => invoke<BatchView>('close_batch', { batch }),
  pickList: (batch: number) => invoke<PickList>('pick_list', { batch }),
  batchSlips: (batch: number) => invoke<PackingSlip[]>('batch_slips', { batch }),
  packingSlip: (orderId: number, locationId: number) => invoke<PackingSlip>('packing_slip', { orderId, locationId }),
  saveFulfilmentPdf: (what: 'pick_list' | 'slips', args: { batch?: number; orderId?: number; locationId?: number }, lang: string, path: string | null) =>
    invoke<string>('save_fulfilment_pdf', { what, batch: args.batch ?? null, orderId: args.orderId ?? null, locationId: args.locationId ?? null, lang, path }),
  packOrder: (input: PackInput) => invoke<PackResult>('pack_order', { input }),
  unpackParcel: (parcel: number) => invoke<null>('unpack_parcel', { parcel }),
  shipParcel: (parcel: number, carrier: string, tracking: string | null) => invoke<number>('ship_parcel', { parcel, carrier, tracking }),
  parcelPresets: () => invoke<ParcelPreset[]>('parcel_presets'),
  saveParcelPreset: (preset: ParcelPreset) => invoke<ParcelPreset[]>('save_parcel_preset', { preset }),
  deleteParcelPreset: (id: number) => invoke<ParcelPreset[]>('delete_parcel_preset', { id }),
  setBin: (sku: string, locationId: number, bin: string | null) => invoke<null>('set_bin', { sku, locationId, bin }),
  rateRules: () => invoke<RateRules>('rate_rules'),
  saveRateRules: (rules: RateRules) => invoke<RateRules>('save_rate_rules', { rules }),
  pickRate: (id: number) => invoke<[Quotes, RatePick | null]>('pick_rate', { id }),
  buyLabelByRule: (id: number) => invoke<LabelView>('buy_label_by_rule', { id }),
  buyLabels: (ids: number[]) => invoke<LabelBatchReport>('buy_labels', { ids }),
  voidLabel: (shipmentId: number) => invoke<VoidView>('void_label', { shipmentId }),
  shipments: (orderId: number) => invoke<ShipmentView[]>('shipments', { orderId }),
  pollTracking: () => invoke<TrackingReport>('poll_tracking'),
  trackingProblems: () => invoke<ShipmentView[]>('tracking_problems'),
  mailSettings: () => invoke<MailSettingsView>('mail_settings'),
  saveMailSettings: (input: MailSettingsInput) => invoke<MailSettingsView>('save_mail_settings', { input }),
  setEmailCustomers: (connectionId: number, on: boolean) => invoke<MailSettingsView>('set_email_customers', { connectionId, on }),
  mailTemplate: (kind: string, lang: string) => invoke<MailTemplateView>('mail_template', { kind, lang }),
  saveMailTemplate: (kind: string, lang: string, subject: string, body: string) =>
    invoke<MailTemplateView>('save_mail_template', { kind, lang, subject, body }),
  previewMail: (kind: string, lang: string, orderId: number | null, subject: string | null, body: string | null) =>
    invoke<MailPreview>('preview_mail', { kind, lang, orderId, subject, body }),
  sendTestMail: (to: string, kind: string, lang: string, subject: string | null, body: string | null) =>
    invoke<MailPreview>('send_test_mail', { to, kind, lang, subject, body }),
  listMail: (orderId: number | null, status: string | null) => invoke<MailView[]>('list_mail', { orderId, status }),
  sendMailNow: () => invoke<MailReport>('send_mail_now'),
  retryMail: (id: number) => invoke<MailView>('retry_mail', { id }),
  dismissMail: (id: number) => invoke<MailView>('dismiss_mail', { id }),
  resendMail: (orderId: number, kind: string) => invoke<MailView>('resend_mail', { orderId, kind }),
  saveBatchLabels: (batch: number) => invoke<BatchLabels>('save_batch_labels', { batch }),
  openDocument: (path: string) => invoke<null>('open_document', { path }),
  refundable: (orderId: number) => invoke<Refundable>('refundable', { orderId }),
  createRefund: (input: RefundInput) => invoke<RefundView>('create_refund', { input }),
  decideRefund: (id: number, approve: boolean) => invoke<RefundView>('decide_refund', { id, approve }),
  listRefunds: (orderId: number | null) => invoke<RefundView[]>('list_refunds', { orderId }),
  returnable: (orderId: number) => invoke<Returnable>('returnable', { orderId }),
  createReturn: (input: ReturnInput) => invoke<ReturnView>('create_return', { input }),
  returnQueue: (status: string | null, search: string | null) => invoke<ReturnQueue>('return_queue', { status, search }),
  getReturn: (id: number) => invoke<ReturnView>('get_return', { id }),
  returnsOf: (orderId: number) => invoke<ReturnView[]>('returns_of', { orderId }),
  decideReturn: (id: number, approve: boolean, comment: string) => invoke<ReturnView>('decide_return', { id, approve, comment }),
  returnInTransit: (id: number, carrier: string | null, tracking: string | null) => invoke<ReturnView>('return_in_transit', { id, carrier, tracking }),
  sendReturnLabel: (id: number, locationId: number) => invoke<ReturnView>('send_return_label', { id, locationId }),
  receiveReturn: (id: number, lines: ReceiveLine[]) => invoke<ReturnView>('receive_return', { id, lines }),
  receiveReturns: (ids: number[]) => invoke<BulkResult>('receive_returns', { ids }),
  inspectReturn: (id: number, lines: InspectLine[]) => invoke<ReturnView>('inspect_return', { id, lines }),
  refundReturn: (id: number, shipping: number, extra: number, reason: string) => invoke<RefundView>('refund_return', { id, shipping, extra, reason }),
  closeReturn: (id: number) => invoke<ReturnView>('close_return', { id }),
  scanReturn: (code: string) => invoke<ReturnView[]>('scan_return', { code }),
  returnReasons: () => invoke<string[]>('return_reasons'),
  setReturnReasons: (reasons: string[]) => invoke<null>('set_return_reasons', { reasons }),
  editOrder: (edit: OrderEdit) => invoke<EditResult>('edit_order', { edit }),
  cancelLines: (input: CancelLinesInput) => invoke<string>('cancel_lines', { input }),
  createExchange: (input: ExchangeInput) => invoke<ExchangeResult>('create_exchange', { input }),
  customerPage: (orderId: number) => invoke<CustomerPage>('customer_page', { orderId }),
  mentions: (name: string | null) => invoke<NoteView[]>('mentions', { name }),
  refundApprovalAbove: () => invoke<number | null>('refund_approval_above'),
  setRefundApprovalAbove: (above: number | null) => invoke<null>('set_refund_approval_above', { above }),
  importHandoffCsv: (path: string, mode: ImportMode) => invoke<HandoffImportReport>('import_handoff_csv', { path, mode }),
};

let readySent = false;
/** Tells the shell, once, that the first screen shows real data (startup timing). */
export function reportReady(screen: string) {
  if (readySent) return;
  readySent = true;
  void invoke('ui_ready', { screen }).catch(() => {});
}

export function onProgress(handler: (p: Progress) => void): Promise<UnlistenFn> {
  return listen<Progress>('progress', (e) => handler(e.payload));
}

export function isApiError(e: unknown): e is ApiError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

export const emptyQuery = (): OrderQuery => ({
  status: null, connection_id: null, placed_from: null, placed_to: null, country: null,
  payment_status: null, tag: null, search: null, sort: 'placed_at', dir: 'desc', cursor: null, limit: 200,
});
