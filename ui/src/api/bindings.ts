// Generated from the Rust types in crates/oms-domain and crates/oms-app by ts-rs.
// Do not edit: run `UPDATE_BINDINGS=1 cargo test -p oms-app bindings` after changing them.
// Times are epoch milliseconds (UTC); money is integer minor units.

export type OrderStatus = "pending" | "on_hold" | "ready" | "backordered" | "allocated" | "partially_shipped" | "shipped" | "delivered" | "cancelled" | "returned" | "merged";

export type PaymentStatus = "pending" | "authorized" | "paid" | "partially_refunded" | "refunded" | "voided" | "failed";

export type ChannelKind = "shopify" | "woocommerce" | "amazon" | "ebay" | "etsy" | "pos" | "edi" | "csv" | "manual" | "demo";

export type OrderSort = "placed_at" | "grand_total" | "order_number" | "priority";

export type SortDir = "asc" | "desc";

export type OrderQuery = { status: OrderStatus | null, connection_id: number | null, 
/**
 * Inclusive lower bound, epoch ms UTC.
 */
placed_from: number | null, 
/**
 * Exclusive upper bound, epoch ms UTC.
 */
placed_to: number | null, country: string | null, payment_status: PaymentStatus | null, tag: string | null, 
/**
 * Search-as-you-type text: every word must prefix-match the search index.
 */
search: string | null, sort: OrderSort, dir: SortDir, 
/**
 * Opaque keyset cursor returned as `next_cursor` by the previous page.
 */
cursor: string | null, limit: number, };

export type OrderRow = { id: number, order_number: string, channel: ChannelKind, connection_name: string, placed_at: number, customer_name: string, email: string | null, ship_country: string | null, currency: string, grand_total: number, status: OrderStatus, payment_status: PaymentStatus, priority: number, tags: Array<string>, item_count: number, ship_by: number | null, };

export type OrderPage = { rows: Array<OrderRow>, next_cursor: string | null, };

export type StatusCount = { status: OrderStatus, count: number, };

export type AddressView = { name: string, company: string | null, line1: string, line2: string | null, city: string, region: string | null, postal_code: string | null, country: string, phone: string | null, };

export type OrderLineView = { line_no: number, sku: string, title: string, quantity: number, unit_price: number, line_total: number, quantities: LineQuantities, 
/**
 * The order this line was bought on, when it came here by a merge.
 */
origin_order_number: string | null, 
/**
 * Where the line's units are reserved.
 */
reservations: Array<ReservationView>, 
/**
 * For backordered lines: stock expected at locations (incoming units and when).
 */
expected: Array<ExpectedStock>, 
/**
 * The product's release date: a pre-order until then.
 */
release_at: number | null, 
/**
 * For a pre-order line: whether the expected receipts cover it, counting the pre-orders
 * ahead of it in the queue (priority, then placed time).
 */
preorder_covered: boolean | null, };

export type TimelineEventView = { id: number, at: number, kind: string, actor: string, summary: string, detail: string | null, };

export type OrderDetail = { order: OrderRow, external_id: string, phone: string | null, subtotal: number, shipping_total: number, tax_total: number, discount_total: number, shipping_service: string | null, ship_to: AddressView | null, bill_to: AddressView | null, lines: Array<OrderLineView>, 
/**
 * Open holds first, then released ones, newest first.
 */
holds: Array<HoldView>, risk_score: number | null, 
/**
 * Set when this order was merged into another.
 */
merged_into: OrderRef | null, 
/**
 * Orders merged into this one; each keeps its channel reference.
 */
merged_from: Array<OrderRef>, 
/**
 * The order this one replaces items of (an exchange).
 */
exchange_of: OrderRef | null, 
/**
 * Exchange orders made for items of this one.
 */
exchanges: Array<OrderRef>, 
/**
 * The customer (matched by e-mail), for the customer page.
 */
customer_id: number | null, 
/**
 * The current routing decision, when the routing rules placed this order.
 */
routing: RoutingView | null, 
/**
 * Buy online, pick up in store: the store and where the order stands there.
 */
pickup: PickupInfo | null, 
/**
 * What drop-ship suppliers or 3PLs were asked to ship, oldest first.
 */
handoffs: Array<HandoffView>, 
/**
 * Newest first.
 */
timeline: Array<TimelineEventView>, };

export type ConnectionView = { id: number, kind: ChannelKind, name: string, enabled: boolean, };

export type DayCount = { 
/**
 * YYYY-MM-DD, UTC.
 */
day: string, count: number, };

export type ExceptionKind = "on_hold" | "late_to_ship" | "backordered";

export type ExceptionRow = { kind: ExceptionKind, order_id: number, order_number: string, customer_name: string, 
/**
 * When the exception began: placed-at for holds, ship-by for late orders.
 */
since: number, };

export type Dashboard = { counts: Array<StatusCount>, total: number, per_day: Array<DayCount>, exceptions: Array<ExceptionRow>, on_hold: number, late_to_ship: number, backordered: number, 
/**
 * Orders waiting for the pipeline, counted up to 10,001 (above 10,000 the UI says "10,000+").
 */
unprocessed: number, };

export type SavedView = { id: number, name: string, query: OrderQuery, };

export type ErrorCode = "not_found" | "invalid_input" | "csv_invalid" | "conflict" | "transition_not_allowed" | "storage" | "io" | "internal" | "secret_store" | "channel_config" | "channel_unauthorized" | "channel_rate_limited" | "channel_unavailable" | "channel_rejected";

export type FieldError = { 
/**
 * 1-based data row (the header is row 0), when the error is about a file row.
 */
row: number | null, column: string | null, message: string, };

export type ApiError = { code: ErrorCode, message: string, details: Array<FieldError>, };

export type Progress = { task: string, done: number, total: number, };

export type AppInfo = { version: string, db_path: string, order_count: number, 
/**
 * The database holds no orders yet: offer demo data or connections.
 */
first_run: boolean, 
/**
 * Who runs the app (notes mention them as `@name`).
 */
operator: string, };

export type ImportMode = "all_or_nothing" | "good_rows_only";

export type ImportReport = { imported_orders: number, updated_orders: number, imported_lines: number, 
/**
 * Rows not imported because they, or another row of their order, are bad.
 */
skipped_rows: number, 
/**
 * The first errors (at most 200), each naming its row and column.
 */
errors: Array<FieldError>, error_count: number, 
/**
 * Whether anything was written.
 */
committed: boolean, };

export type ExportReport = { path: string, orders: number, rows: number, };

export type LineQuantities = { ordered: number, reserved: number, backordered: number, shipped: number, cancelled: number, returned: number, };

export type HoldReason = "payment" | "address" | "risk" | "stock" | "validation" | "manual" | "merge_candidate";

export type LocationKind = "warehouse" | "store" | "third_party_logistics" | "drop_ship_supplier";

export type MovementKind = "receipt" | "adjustment" | "reservation" | "release" | "shipment" | "return_restock" | "transfer_out" | "transfer_in";

export type ReservationView = { location_id: number, location_name: string, quantity: number, };

export type ExpectedStock = { location_name: string, incoming: number, expected_at: number | null, };

export type HoldView = { id: number, reason: HoldReason, 
/**
 * The check or rule that raised it ("postal_code", "risk", "manual" …).
 */
check: string, message: string, placed_at: number, placed_by: string, released_at: number | null, released_by: string | null, release_comment: string | null, };

export type OrderRef = { id: number, order_number: string, external_id: string, connection_name: string, };

export type LocationView = { id: number, kind: LocationKind, name: string, address: AddressView | null, lat: number | null, lon: number | null, active: boolean, routing: LocationRouting, };

export type InventoryRow = { product_id: number, sku: string, title: string, location_id: number, location_name: string, on_hand: number, reserved: number, 
/**
 * on_hand − reserved.
 */
available: number, safety_stock: number, incoming: number, incoming_at: number | null, 
/**
 * Units of this SKU waiting on backordered lines (all locations).
 */
backordered: number, 
/**
 * available ≤ safety stock.
 */
low: boolean, allow_backorder: boolean, };

export type InventoryQuery = { 
/**
 * SKU or title prefix.
 */
search: string | null, location_id: number | null, low_only: boolean, 
/**
 * Opaque cursor from the previous page.
 */
cursor: string | null, limit: number, };

export type InventoryPage = { rows: Array<InventoryRow>, next_cursor: string | null, };

export type MovementView = { id: number, at: number, kind: MovementKind, 
/**
 * Signed change to on-hand.
 */
on_hand_change: number, 
/**
 * Signed change to reserved.
 */
reserved_change: number, order_id: number | null, order_number: string | null, reason: string | null, actor: string | null, };

export type ReviewRow = { order: OrderRow, holds: Array<HoldView>, risk_score: number | null, };

export type ProcessOutcome = { order_id: number, order_number: string, status: OrderStatus, findings: Array<string>, risk_score: number, priority: number, reserved_units: number, backordered_units: number, 
/**
 * Set when the order was merged into another by this run.
 */
merged_into: number | null, 
/**
 * Whether anything changed (a second run with nothing new changes nothing).
 */
changed: boolean, 
/**
 * Why the order was not processed (already shipped, cancelled, merged …).
 */
skipped: string | null, };

export type BulkResult = { requested: number, changed: number, unchanged: number, 
/**
 * Orders the action could not apply to, each with the reason (at most 200 listed).
 */
failed: Array<BulkFailure>, failed_count: number, };

export type BulkFailure = { order_id: number, message: string, };

export type ProcessSummary = { processed: number, allocated: number, backordered: number, on_hold: number, merged: number, skipped: number, 
/**
 * Orders whose processing failed: each is held for review with the error.
 */
failed: Array<BulkFailure>, failed_count: number, };

export type NewLocation = { kind: LocationKind, name: string, address: AddressView | null, lat: number | null, lon: number | null, 
/**
 * Priority, countries served, daily capacity and cut-off for the routing rules.
 */
routing: LocationRouting, };

export type StockChangeInput = { sku: string, location_id: number, kind: MovementKind, quantity: number, reason: string | null, };

export type SyncConnectionView = { id: number, kind: ChannelKind, name: string, enabled: boolean, paused: boolean, base_url: string | null, api_version: string | null, page_size: number | null, 
/**
 * Which secrets the keyring holds (their names, never their values).
 */
credentials: Array<string>, 
/**
 * The newest channel change pulled (UTC epoch ms).
 */
cursor: number | null, last_sync_at: number | null, last_success_at: number | null, last_error: string | null, last_error_code: string | null, 
/**
 * closed (working), open (three failed runs in a row: runs wait longer)
 */
circuit: string, failures: number, orders_pulled: number, orders: number, quarantined: number, outbox_backlog: number, 
/**
 * Outbox rows the channel refused: they wait for a person (retry or dismiss).
 */
outbox_failed: number, 
/**
 * Shipments and cancellations made here are sent to the channel.
 */
push_fulfilments: boolean, 
/**
 * Stock levels are sent to the channel.
 */
push_stock: boolean, 
/**
 * Units held back from the channel per SKU.
 */
stock_buffer: number, 
/**
 * At most this many units are offered per SKU.
 */
stock_cap: number | null, 
/**
 * Channel SKUs that match no stocked product of ours.
 */
unknown_skus: number, };

export type CredentialsInput = { 
/**
 * Shopify: an Admin API access token (`shpat_…`).
 */
access_token: string | null, 
/**
 * Shopify: a Dev Dashboard app's client id and secret.
 */
client_id: string | null, client_secret: string | null, 
/**
 * WooCommerce: REST API consumer key and secret.
 */
consumer_key: string | null, consumer_secret: string | null, };

export type NewConnection = { kind: ChannelKind, name: string, base_url: string, api_version: string | null, page_size: number | null, credentials: CredentialsInput, };

export type SyncReport = { connection_id: number, pages: number, 
/**
 * Payloads received.
 */
fetched: number, imported: number, updated: number, 
/**
 * Payloads seen before (same content) or older than what is stored.
 */
unchanged: number, quarantined: number, 
/**
 * Returns the channel reported that were new here.
 */
returns: number, cursor: number | null, };

export type QuarantineView = { id: number, connection_id: number, connection: string, external_id: string, fetched_at: number, error: string, };

export type ConnectionTest = { ok: boolean, 
/**
 * The shop's name on success, the vendor's error in plain words otherwise.
 */
message: string, code: string | null, };

export type OutboxView = { id: number, connection_id: number, order_id: number | null, order_number: string | null, 
/**
 * fulfilment | cancellation | stock
 */
kind: string, 
/**
 * In plain words: what the row tells the channel.
 */
summary: string, 
/**
 * pending | sent | failed | dismissed
 */
status: string, attempts: number, 
/**
 * The channel's words for the last failure.
 */
last_error: string | null, next_attempt_at: number, created_at: number, sent_at: number | null, external_ref: string | null, };

export type OutboxReport = { connection_id: number, sent: number, 
/**
 * Failed for now; tried again later.
 */
retrying: number, 
/**
 * Refused by the channel: waiting for a person.
 */
failed: number, 
/**
 * Stock rows for SKUs the channel does not list.
 */
not_listed: number, 
/**
 * Why the pass stopped early (credentials, settings), if it did.
 */
stopped: string | null, };

export type ChannelSkuView = { channel_sku: string, 
/**
 * Our SKU it maps to (None: none).
 */
sku: string | null, title: string | null, 
/**
 * Mapped by hand.
 */
manual: boolean, 
/**
 * mapped | unknown (no stocked product of ours) | not_listed (the channel lacks it)
 */
state: string, last_seen_at: number, pushed_quantity: number | null, pushed_at: number | null, };

export type PushSettings = { push_fulfilments: boolean | null, push_stock: boolean | null, stock_buffer: number | null, 
/**
 * A new cap (units per SKU at most).
 */
stock_cap: number | null, 
/**
 * No cap any more.
 */
remove_cap: boolean, };

export type ChannelLocationView = { location_id: number, name: string, external_location_id: string | null, };

export type CarrierAccountView = { id: number, 
/**
 * easypost
 */
kind: string, name: string, base_url: string, enabled: boolean, 
/**
 * The keyring holds its API key.
 */
has_key: boolean, };

export type NewCarrierAccount = { kind: string, name: string, 
/**
 * e.g. https://api.easypost.com (a local test server works too).
 */
base_url: string, 
/**
 * Goes to the OS keyring only.
 */
api_key: string, };

export type QuoteView = { account_id: number, account: string, 
/**
 * The carrier platform's shipment the quote belongs to (buy against it).
 */
carrier_shipment_id: string, rate_id: string, carrier: string, service: string, amount_minor: number, currency: string, delivery_days: number | null, };

export type Quotes = { order_id: number, weight_g: number, 
/**
 * SKUs without a weight (counted with the default weight).
 */
unweighed: Array<string>, quotes: Array<QuoteView>, 
/**
 * "EasyPost: DHLExpress: …", one per carrier or account that did not quote.
 */
problems: Array<string>, };

export type LabelView = { order_id: number, carrier: string, service: string, tracking_number: string, amount_minor: number, currency: string, 
/**
 * Where the label file is kept.
 */
label_path: string, label_format: string, units: number, 
/**
 * False when a retried purchase found the label bought before (nothing charged twice).
 */
new_purchase: boolean, };

export type RefundableLine = { line_no: number, sku: string, title: string, unit_price: number, quantity: number, 
/**
 * Units refunded already.
 */
refunded: number, };

export type Refundable = { order_id: number, currency: string, 
/**
 * What the customer paid (0 while unpaid).
 */
paid: number, 
/**
 * Refunded or waiting for approval.
 */
refunded: number, left: number, shipping_total: number, shipping_refunded: number, lines: Array<RefundableLine>, 
/**
 * Refunds above this (minor units) wait for approval; None: none do.
 */
approval_above: number | null, };

export type RefundLineInput = { line_no: number, quantity: number, };

export type RefundInput = { order_id: number, lines: Array<RefundLineInput>, shipping: number, 
/**
 * Any other amount (a goodwill gesture, a price adjustment).
 */
extra: number, reason: string, 
/**
 * The return this refund is for, when it is for one.
 */
return_id: number | null, };

export type RefundLineView = { line_no: number, sku: string, quantity: number, amount: number, };

export type RefundView = { id: number, order_id: number, amount: number, currency: string, reason: string, 
/**
 * pending_approval | approved | sent | confirmed | failed
 */
status: string, shipping: number, extra: number, lines: Array<RefundLineView>, created_by: string | null, approved_by: string | null, channel_refund_id: string | null, created_at: number, };

export type LineQuantityInput = { line_no: number, quantity: number, };

export type NewLineInput = { sku: string, title: string | null, quantity: number, 
/**
 * Minor units of the order's currency.
 */
unit_price: number, };

export type OrderEdit = { order_id: number, quantities: Array<LineQuantityInput>, add: Array<NewLineInput>, ship_to: AddressView | null, shipping_service: string | null, comment: string, };

export type EditResult = { order_id: number, 
/**
 * "MUG: 2 → 3 units", "ship-to: … → …", one per change.
 */
changes: Array<string>, currency: string, total_before: number, total_after: number, 
/**
 * Positive: to collect from the customer; negative: to give back (a paid order).
 */
balance: number, 
/**
 * The order's status after it was checked and routed again.
 */
status: string, };

export type CancelLinesInput = { order_id: number, lines: Array<LineQuantityInput>, reason: string, };

export type ExchangeLineInput = { 
/**
 * The line of the original order being exchanged.
 */
line_no: number, sku: string, quantity: number, 
/**
 * The new item's unit price; None: the same as the returned line's (an even swap).
 */
unit_price: number | null, };

export type ExchangeInput = { return_id: number, lines: Array<ExchangeLineInput>, };

export type ExchangeResult = { order_id: number, order_number: string, 
/**
 * What the new order costs the customer (the price differences above the returned items).
 */
to_collect: number, 
/**
 * What the customer gets back (the new items cost less); refund it from the original.
 */
to_refund: number, currency: string, status: string, };

export type CurrencyAmount = { currency: string, amount: number, };

export type NoteView = { order_id: number, order_number: string, at: number, actor: string, body: string, };

export type CustomerPage = { customer_id: number | null, name: string, email: string | null, phone: string | null, tags: Array<string>, 
/**
 * Newest first.
 */
orders: Array<OrderRow>, 
/**
 * Orders matched by phone only (no e-mail on them).
 */
by_phone: number, 
/**
 * What the orders are worth (not cancelled nor merged) less what was refunded.
 */
lifetime_value: Array<CurrencyAmount>, refunded: Array<CurrencyAmount>, returns: Array<ReturnRow>, refunds: Array<RefundView>, 
/**
 * Newest first.
 */
notes: Array<NoteView>, };

export type ReturnableLine = { line_no: number, sku: string, title: string, unit_price: number, shipped: number, 
/**
 * Units received back already.
 */
returned: number, 
/**
 * Units in open returns not received yet.
 */
expected: number, };

export type Returnable = { order_id: number, currency: string, lines: Array<ReturnableLine>, 
/**
 * The reasons to choose from.
 */
reasons: Array<string>, };

export type ReturnLineInput = { line_no: number, quantity: number, reason: string, comment: string | null, };

export type ReturnInput = { order_id: number, lines: Array<ReturnLineInput>, note: string | null, 
/**
 * Approved at once (an agent who decided already).
 */
approve: boolean, };

export type ReturnLineView = { line_no: number, sku: string, title: string, unit_price: number, quantity: number, reason: string, comment: string | null, received: number, condition: string | null, disposition: string | null, location_id: number | null, location_name: string | null, restocked: number, };

export type ReturnView = { id: number, rma: string, order_id: number, order_number: string, customer_name: string, currency: string, 
/**
 * requested | approved | rejected | label_sent | in_transit | received | inspected | closed
 */
status: string, 
/**
 * app | channel
 */
source: string, channel_return_id: string | null, note: string | null, carrier: string | null, tracking_number: string | null, label_path: string | null, lines: Array<ReturnLineView>, 
/**
 * The value of the returned lines at their prices (minor units).
 */
value: number, 
/**
 * Refunded for this return so far (approved, sent or confirmed refunds).
 */
refunded: number, exchange_order_id: number | null, created_by: string | null, created_at: number, updated_at: number | null, };

export type ReturnRow = { id: number, rma: string, order_id: number, order_number: string, customer_name: string, status: string, source: string, units: number, received: number, skus: string, reasons: string, tracking_number: string | null, created_at: number, };

export type ReturnQueue = { rows: Array<ReturnRow>, 
/**
 * How many returns each status has.
 */
counts: Array<ReturnCount>, };

export type ReceiveLine = { line_no: number, quantity: number, };

export type InspectLine = { line_no: number, condition: ItemCondition, disposition: Disposition, 
/**
 * Where restocked units go (restock and B-stock only).
 */
location_id: number | null, };

export type ItemCondition = "as_new" | "opened" | "damaged" | "defective";

export type ReturnCount = { status: string, n: number, };

export type Disposition = "restock" | "b_stock" | "quarantine" | "scrap" | "return_to_vendor";

export type RateRule = "cheapest" | "cheapest_on_time" | "fastest";

export type PreferredCarrier = { 
/**
 * The carrier as quoted (e.g. "DHLExpress", "USPS"); matched without regard to case.
 */
carrier: string, 
/**
 * Destination countries (ISO alpha-2); empty: any.
 */
countries: Array<string>, 
/**
 * Parcels up to this weight; None: any.
 */
max_weight_g: number | null, };

export type RateRules = { rule: RateRule, 
/**
 * For cheapest_on_time: days a parcel may take after the order's ship-by date (or
 * after today when it has none).
 */
deliver_within_days: number | null, 
/**
 * Checked in order before the rule.
 */
preferred: Array<PreferredCarrier>, };

export type RatePick = { quote: QuoteView, 
/**
 * "cheapest of 4 rates", "preferred carrier DHL for DE up to 2000 g", …
 */
reason: string, };

export type LabelBatchReport = { bought: number, 
/**
 * Found bought before: nothing charged twice.
 */
reused: number, failed: number, 
/**
 * "#1001: no carrier quoted (…)", per failure.
 */
problems: Array<string>, labels: Array<LabelView>, elapsed_ms: number, };

export type VoidView = { shipment_id: number, order_id: number, 
/**
 * Units back on hand and reserved.
 */
units: number, 
/**
 * voided | pending (the carrier refunds later)
 */
refund: string, 
/**
 * The channel had been told of the shipment; its fulfilment there stays.
 */
channel_told: boolean, };

export type QueueRow = { order_id: number, order_number: string, customer: string | null, country: string | null, placed_at: number, priority: number | null, 
/**
 * Units reserved here, still to ship.
 */
units: number, lines: number, status: string, 
/**
 * The unfinished batch it is in.
 */
batch_id: number | null, 
/**
 * A packed parcel waits for its label.
 */
parcel_id: number | null, };

export type FulfilmentQueue = { location_id: number, rows: Array<QueueRow>, 
/**
 * Orders waiting here in all (rows may be fewer).
 */
total: number, };

export type BatchView = { id: number, name: string, location_id: number, location: string, 
/**
 * open | done
 */
status: string, actor: string, created_at: number, orders: Array<BatchOrderView>, };

export type BatchOrderView = { order_id: number, order_number: string, 
/**
 * waiting | packed | shipped | removed
 */
state: string, units: number, };

export type PickRow = { bin: string | null, sku: string, gtin: string | null, title: string, quantity: number, 
/**
 * "#1001 × 2", in batch order.
 */
orders: Array<PickOrder>, };

export type PickOrder = { order_number: string, quantity: number, };

export type PickList = { batch_id: number, batch: string, location: string, 
/**
 * Sorted by bin (products without a bin last), then SKU.
 */
rows: Array<PickRow>, units: number, };

export type SlipLine = { line_no: number, sku: string, gtin: string | null, title: string, bin: string | null, 
/**
 * Reserved at this location and not shipped.
 */
quantity: number, 
/**
 * Ordered in all (other units may ship from elsewhere or later).
 */
ordered: number, weight_g: number, };

export type PackingSlip = { order_id: number, order_number: string, placed_at: number, channel: string, customer: string | null, email: string | null, ship_to: AddressView | null, location_id: number, location: string, lines: Array<SlipLine>, 
/**
 * A parcel already packed here, waiting for its label.
 */
packed: ParcelView | null, };

export type Scan = { code: string, quantity: number, };

export type PackInput = { order_id: number, location_id: number, scans: Array<Scan>, 
/**
 * Pack what was scanned although some units are missing (a partial shipment).
 */
partial: boolean, preset_id: number | null, 
/**
 * Weighed at the bench.
 */
weight_g: number | null, batch_id: number | null, };

export type PackLineCheck = { line_no: number, sku: string, expected: number, scanned: number, };

export type PackCheck = { lines: Array<PackLineCheck>, unknown_codes: Array<string>, 
/**
 * "SKU-1: 3 scanned, 2 to pack".
 */
problems: Array<string>, ok: boolean, 
/**
 * Some units scanned, none too many, nothing unknown: can pack as a partial shipment.
 */
partial_ok: boolean, };

export type PackResult = { check: PackCheck, parcel: ParcelView | null, };

export type ParcelView = { id: number, order_id: number, location_id: number, 
/**
 * packed | shipped | unpacked
 */
status: string, preset_id: number | null, weight_g: number | null, lines: Array<ParcelLineView>, units: number, };

export type ParcelLineView = { line_no: number, sku: string, quantity: number, };

export type ParcelPreset = { id: number, name: string, length_mm: number, width_mm: number, height_mm: number, 
/**
 * The box's own weight, added to the contents.
 */
tare_g: number, max_g: number | null, };

export type ShipmentView = { id: number, order_id: number, order_number: string, carrier: string, service: string | null, tracking_number: string | null, tracking_url: string | null, 
/**
 * pre_transit | in_transit | out_for_delivery | delivered | exception | returned_to_sender
 * | unknown; None until first tracked.
 */
tracking_status: string | null, tracking_raw: string | null, created_at: number, moved_at: number | null, delivered_at: number | null, est_delivery: number | null, label_path: string | null, label_format: string | null, cost_minor: number | null, cost_currency: string | null, voided: boolean, units: number, events: Array<TrackEventView>, };

export type TrackEventView = { at: number, status: string, message: string, location: string | null, };

export type TrackingReport = { asked: number, changed: number, delivered: number, exceptions: number, failed: number, 
/**
 * "EasyPost test: 1Z…: not found", per failure.
 */
problems: Array<string>, };

export type BatchLabels = { 
/**
 * PNG labels, one per 4 × 6 inch page.
 */
pdf: string | null, 
/**
 * ZPL labels, one after the other, for a thermal printer.
 */
zpl: string | null, 
/**
 * Labels that print on their own (PDF files as the carrier gave them).
 */
separate: Array<string>, 
/**
 * "#1001: …", labels that could not be gathered.
 */
problems: Array<string>, count: number, };

export type SmtpView = { host: string, port: number, 
/**
 * none (loopback test servers only) | starttls | tls
 */
security: string, username: string | null, from_name: string, from_address: string, reply_to: string | null, };

export type MailChannelView = { connection_id: number, name: string, email_customers: boolean, };

export type MailSettingsView = { smtp: SmtpView | null, 
/**
 * The keyring holds the SMTP password.
 */
has_password: boolean, 
/**
 * en | de: the language of customer e-mail.
 */
lang: string, channels: Array<MailChannelView>, 
/**
 * Waiting to be sent, and refused (needs a person).
 */
pending: number, failed: number, };

export type MailSettingsInput = { smtp: SmtpView, 
/**
 * Goes to the OS keyring; None or empty keeps the stored one.
 */
password: string | null, lang: string, };

export type MailTemplateView = { 
/**
 * order_confirmed | shipped | delivered | exception
 */
kind: string, lang: string, subject: string, body: string, 
/**
 * Not changed from the shipped default.
 */
is_default: boolean, 
/**
 * "unknown placeholder {{trackin_url}} in the subject (line 1, column 8)…"
 */
problems: Array<string>, placeholders: Array<string>, };

export type MailPreview = { to: string | null, subject: string, body: string, };

export type MailView = { id: number, order_id: number, order_number: string, kind: string, to: string, lang: string, 
/**
 * pending | sent | failed | dismissed
 */
status: string, attempts: number, last_error: string | null, next_attempt_at: number, created_at: number, sent_at: number | null, subject: string | null, };

export type MailReport = { sent: number, 
/**
 * Tried again later (server unreachable, 4xx).
 */
later: number, 
/**
 * Refused for good (5xx, bad address): waits for a person.
 */
failed: number, 
/**
 * Why the pass stopped early (no SMTP server set, login refused).
 */
stopped: string | null, };

export type ConnectionPatch = { base_url: string | null, api_version: string | null, page_size: number | null, enabled: boolean | null, paused: boolean | null, };

export type QuarantineRetry = { imported: boolean, error: string | null, };

export type PipelineSettings = { validation: ValidationSettings, risk: RiskSettings, priority: PrioritySettings, 
/**
 * Merge orders from the same customer to the same address automatically; when off, the
 * newer order is held as a merge candidate for someone to decide.
 */
auto_merge: boolean, 
/**
 * Where orders are reserved: the routing rules, or (when off) the location with the most
 * stock per line.
 */
routing: RoutingConfig, };

export type ValidationSettings = { 
/**
 * Hold orders whose payment is only authorised (not captured) as well as unpaid ones.
 */
require_capture: boolean, 
/**
 * Words in a shipping service name of carriers that refuse PO boxes (case-insensitive).
 */
po_box_refusing_services: Array<string>, };

export type RiskSettings = { enabled: boolean, hold_threshold: number, 
/**
 * Order value in minor units of the order's currency.
 */
high_value_minor: number, high_value_points: number, country_mismatch_points: number, velocity_window_hours: number, 
/**
 * More than this many other orders from one e-mail or one address inside the window fires.
 */
velocity_max_orders: number, velocity_points: number, high_risk_countries: Array<string>, high_risk_country_points: number, first_time_express_points: number, deny_emails: Array<string>, 
/**
 * Matched against the ship-to street line and postal code (case and spacing ignored).
 */
deny_addresses: Array<string>, deny_points: number, };

export type PrioritySettings = { 
/**
 * Words in the shipping service name that mean express (case-insensitive).
 */
express_services: Array<string>, express_points: number, ship_by_due_hours: number, ship_by_due_points: number, overdue_points: number, vip_tags: Array<string>, vip_points: number, 
/**
 * Extra points per channel kind ("amazon", "shopify" …).
 */
channel_points: Array<ChannelPoints>, points_per_day_of_age: number, max_age_points: number, };

export type ChannelPoints = { channel: string, points: number, };

export type RoutingConfig = { enabled: boolean, rules: RoutingSettings, };

export type RoutingSettings = { 
/**
 * The first whose condition matches the order routes it.
 */
strategies: Array<Strategy>, 
/**
 * Routes the orders no strategy matches (its condition is not consulted).
 */
fallback: Strategy, };

export type Strategy = { name: string, when: Condition, filters: Array<Filter>, 
/**
 * Rankers in order: each later one breaks the earlier ones' ties; the lower location id
 * breaks the last tie.
 */
rank: Array<Ranker>, split: SplitPolicy, when_full: WhenFull, };

export type Condition = { 
/**
 * Channel names, case-insensitive.
 */
channels: Array<string>, 
/**
 * Destination ISO country codes, case-insensitive.
 */
countries: Array<string>, 
/**
 * Words in the shipping service name (substring, case-insensitive).
 */
services: Array<string>, 
/**
 * Order tags, case-insensitive.
 */
tags: Array<string>, min_value_minor: number | null, max_value_minor: number | null, };

export type Filter = { "kind": "not_paused" } | { "kind": "ships_to_destination" } | { "kind": "has_stock" } | { "kind": "capacity_left" } | { "kind": "kinds", kinds: Array<LocationKind>, } | { "kind": "max_distance_km", km: number, };

export type Ranker = { "kind": "nearest" } | { "kind": "lowest_cost" } | { "kind": "fastest_transit" } | { "kind": "location_priority" } | { "kind": "fewest_shipments" } | { "kind": "spread_load" };

export type SplitPolicy = { "kind": "never" } | { "kind": "when_needed" } | { "kind": "up_to", shipments: number, };

export type WhenFull = "route_elsewhere" | "wait";

export type LocationRouting = { 
/**
 * Higher is preferred by the "location priority" ranking.
 */
priority: number, 
/**
 * ISO country codes it ships to; empty: everywhere.
 */
ships_to: Array<string>, 
/**
 * Orders per UTC day; None: no limit.
 */
capacity_orders: number | null, 
/**
 * Units per UTC day; None: no limit.
 */
capacity_units: number | null, 
/**
 * Minutes after 00:00 UTC after which today's capacity is closed.
 */
cutoff_minute_utc: number | null, };

export type RoutingView = { at: number, strategy: string, explanation: string, 
/**
 * How precisely the ship-to address was located: postal_code, city, region, country, unknown.
 */
precision: string, distance_km: number | null, 
/**
 * Estimated shipping cost of the used locations, from the rate table (in `cost_currency`).
 */
cost_minor: number | null, cost_currency: string | null, 
/**
 * Longest estimated transit of the used locations.
 */
transit_days: number | null, 
/**
 * The rule that chose the winner (a ranking, or e.g. "only_candidate").
 */
winner_rule: string | null, shipments: number, 
/**
 * The location it waits for when that one is full and the rule says wait.
 */
waits_for: string | null, candidates: Array<RouteCandidateView>, 
/**
 * Earlier decisions for this order, newest first (explanation only).
 */
earlier: Array<string>, };

export type RouteCandidateView = { location_id: number, name: string, 
/**
 * The rule that removed it (e.g. "capacity_left"), and why in words.
 */
rejected_by: string | null, reason: string | null, 
/**
 * The ranking values it was compared by, e.g. ("nearest", 212.4).
 */
values: Array<[string, number]>, chosen: boolean, };

export type ShippingRateView = { location_id: number, location_name: string, 
/**
 * ISO country code, or "*" for every other destination.
 */
country: string, 
/**
 * Postal codes starting with this; empty: the whole country.
 */
postal_prefix: string, max_weight_g: number | null, cost_minor: number, currency: string, transit_days: number, };

export type RateImportReport = { imported: number, skipped_rows: number, 
/**
 * The first errors (at most 200), each naming its row and column.
 */
errors: Array<FieldError>, error_count: number, committed: boolean, };

export type BacktestRequest = { 
/**
 * The orders: its filters (dates, status, channel, country, tag, search) as in the order
 * list; a saved view's query can be passed as it is.
 */
query: OrderQuery, 
/**
 * The changed rules.
 */
candidate: RoutingSettings, 
/**
 * The rules to compare with; none: the current rules.
 */
baseline: RoutingSettings | null, stock: StockModel, };

export type BacktestReport = { orders: number, 
/**
 * The orders matched more than the backtest replays (the newest ones were taken).
 */
truncated: boolean, stock: StockModel, baseline: BacktestMetrics, candidate: BacktestMetrics, 
/**
 * Orders whose main location differs between the two.
 */
changed_orders: number, 
/**
 * Currency of the cost estimates (the rate table's), if any.
 */
currency: string | null, seconds: number, };

export type StockModel = "stocked" | "on_hand_now";

export type BacktestMetrics = { orders: number, 
/**
 * Every unit placed.
 */
routed: number, 
/**
 * Some units placed, some short.
 */
partial: number, 
/**
 * Nothing placed (no location could, or the order waits for a full location).
 */
unrouted: number, 
/**
 * Orders held back by a full location (`WhenFull::Wait`), part of `unrouted`.
 */
waiting: number, 
/**
 * Parcels: locations used, summed over the orders.
 */
shipments: number, 
/**
 * Orders shipped from more than one location.
 */
split_orders: number, 
/**
 * `split_orders` / orders with anything placed.
 */
split_rate: number, 
/**
 * Estimated shipping cost of the orders that have an estimate for every location used.
 */
cost_minor: number, orders_with_cost: number, 
/**
 * Mean distance from the main location to the destination, where both are known.
 */
avg_distance_km: number | null, orders_with_distance: number, avg_transit_days: number | null, 
/**
 * Per location, busiest first.
 */
per_location: Array<LocationLoad>, 
/**
 * Orders per strategy name (which strategy of the rules routed them).
 */
by_strategy: Array<[string, bigint]>, };

export type LocationLoad = { location_id: number, name: string, 
/**
 * Orders it ships (all or part of).
 */
orders: number, units: number, 
/**
 * Its busiest day, in orders.
 */
peak_day_orders: number, };

export type PickupState = "waiting" | "to_prepare" | "ready" | "picked_up";

export type PickupRow = { order_id: number, order_number: string, customer_name: string, email: string | null, phone: string | null, status: OrderStatus, state: PickupState, placed_at: number, 
/**
 * When it became ready, or was picked up.
 */
since: number | null, units: number, };

export type PickupInfo = { location_id: number, location_name: string, state: PickupState, since: number | null, };

export type HandoffView = { id: number, order_id: number, order_number: string, location_id: number, location_name: string, 
/**
 * purchase_order (drop-ship) or fulfilment_request (3PL).
 */
kind: string, 
/**
 * pending, sent, confirmed, shipped, cancelled.
 */
status: string, 
/**
 * The request as written out (JSON).
 */
document: string, created_at: number, sent_at: number | null, confirmed_at: number | null, supplier_ref: string | null, carrier: string | null, tracking_number: string | null, units: number, };

export type HandoffExport = { folder: string, 
/**
 * The files written, two per hand-off (`HO-<id>-<order>.json` and `.csv`).
 */
files: Array<string>, handoffs: number, };

export type HandoffImportReport = { confirmed: number, shipped: number, skipped_rows: number, 
/**
 * Each naming its row (1 = the first after the header) and column.
 */
errors: Array<FieldError>, committed: boolean, };
