import type { BulkResult, ProcessSummary } from '../api/bindings';
import type { MessageKey } from '../i18n';

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** One sentence for the result of a bulk action. */
export function bulkText(t: T, r: BulkResult): string {
  const base = t('actions.done', { changed: r.changed, failed: r.failed_count });
  return r.failed.length ? `${base} — ${r.failed[0].message}` : base;
}

export function processText(t: T, s: ProcessSummary): string {
  return t('actions.processed', {
    processed: s.processed, allocated: s.allocated, backordered: s.backordered, held: s.on_hold, skipped: s.skipped, failed: s.failed_count,
  });
}
