// Typed wrappers over the Tauri commands (src-tauri/src/commands.rs). Types come from
// bindings.ts, which is generated from the Rust definitions.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  ApiError, AppInfo, ConnectionView, Dashboard, ExportReport, ImportMode, ImportReport, OrderDetail,
  OrderPage, OrderQuery, OrderRow, Progress, SavedView, StatusCount, TimelineEventView,
} from './bindings';

export const api = {
  appInfo: () => invoke<AppInfo>('app_info'),
  loadDemo: (count: number) => invoke<ImportReport>('load_demo', { count }),
  listOrders: (query: OrderQuery) => invoke<OrderPage>('list_orders', { query }),
  countOrders: (query: OrderQuery) => invoke<number>('count_orders', { query }),
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
