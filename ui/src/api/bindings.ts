// Generated from the Rust types in crates/oms-domain and crates/oms-app by ts-rs.
// Do not edit: run `UPDATE_BINDINGS=1 cargo test -p oms-app bindings` after changing them.
// Times are epoch milliseconds (UTC); money is integer minor units.

export type OrderStatus = "pending" | "on_hold" | "ready" | "allocated" | "partially_shipped" | "shipped" | "delivered" | "cancelled" | "returned";

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

export type OrderLineView = { line_no: number, sku: string, title: string, quantity: number, unit_price: number, line_total: number, };

export type TimelineEventView = { id: number, at: number, kind: string, actor: string, summary: string, detail: string | null, };

export type OrderDetail = { order: OrderRow, external_id: string, phone: string | null, subtotal: number, shipping_total: number, tax_total: number, discount_total: number, shipping_service: string | null, ship_to: AddressView | null, bill_to: AddressView | null, lines: Array<OrderLineView>, 
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

export type ExceptionKind = "on_hold" | "late_to_ship";

export type ExceptionRow = { kind: ExceptionKind, order_id: number, order_number: string, customer_name: string, 
/**
 * When the exception began: placed-at for holds, ship-by for late orders.
 */
since: number, };

export type Dashboard = { counts: Array<StatusCount>, total: number, per_day: Array<DayCount>, exceptions: Array<ExceptionRow>, on_hold: number, late_to_ship: number, };

export type SavedView = { id: number, name: string, query: OrderQuery, };

export type ErrorCode = "not_found" | "invalid_input" | "csv_invalid" | "conflict" | "transition_not_allowed" | "storage" | "io" | "internal";

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
first_run: boolean, };

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
