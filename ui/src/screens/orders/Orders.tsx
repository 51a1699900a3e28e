import { useQuery, useQueryClient } from '@tanstack/react-query';
import { open, save } from '@tauri-apps/plugin-dialog';
import { useCallback, useEffect, useState } from 'react';
import type { ImportReport, OrderQuery, OrderRow, OrderSort, OrderStatus, PaymentStatus } from '../../api/bindings';
import { api, emptyQuery } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';
import { dayToMs, msToDay } from '../../i18n/format';
import { ImportReportCard } from '../../components/import-report';
import { BulkBar } from './BulkBar';
import { OrderTable } from './OrderTable';
import { Views } from './Views';

const STATUSES: OrderStatus[] = ['pending', 'on_hold', 'ready', 'allocated', 'partially_shipped', 'shipped', 'delivered', 'cancelled', 'returned'];
const PAYMENTS: PaymentStatus[] = ['pending', 'authorized', 'paid', 'partially_refunded', 'refunded', 'voided', 'failed'];
const SORTS: OrderSort[] = ['placed_at', 'grand_total', 'order_number', 'priority'];

function initialQuery(): OrderQuery {
  const q = emptyQuery();
  // The dashboard's status tiles open this screen on one status.
  const s = sessionStorage.getItem('oms.orders.status');
  if (s) {
    sessionStorage.removeItem('oms.orders.status');
    q.status = s as OrderStatus;
  }
  return q;
}

export function Orders() {
  const { t, num } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const [query, setQuery] = useState<OrderQuery>(initialQuery);
  const [searchText, setSearchText] = useState('');
  const [countryText, setCountryText] = useState('');
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [, setRows] = useState<OrderRow[]>([]);
  const [importReport, setImportReport] = useState<{ path: string; report: ImportReport } | null>(null);

  const set = (patch: Partial<OrderQuery>) => {
    setSelected(new Set());
    setQuery((q) => ({ ...q, ...patch, cursor: null }));
  };
  useEffect(() => {
    const h = setTimeout(() => {
      const s = searchText.trim() || null;
      setQuery((q) => (q.search === s ? q : { ...q, search: s, cursor: null }));
    }, 120);
    return () => clearTimeout(h);
  }, [searchText]);

  const counts = useQuery({ queryKey: ['status-counts'], queryFn: api.statusCounts });
  const conns = useQuery({ queryKey: ['connections'], queryFn: api.listConnections });
  const tags = useQuery({ queryKey: ['tags'], queryFn: api.listTags });
  const matchCount = useQuery({ queryKey: ['count', { ...query, cursor: null }], queryFn: () => api.countOrders(query), placeholderData: (p) => p });
  const total = counts.data?.reduce((a, c) => a + c.count, 0) ?? 0;
  const onRows = useCallback((r: OrderRow[]) => setRows(r), []);

  const refresh = () => qc.invalidateQueries();
  const exportCsv = async (ids: number[] | null) => {
    const path = await save({ defaultPath: 'orders.csv', filters: [{ name: 'CSV', extensions: ['csv'] }] });
    if (!path) return;
    try {
      const r = await api.exportCsv(ids ? null : query, ids, path);
      toast.ok(t('orders.exported', { orders: num(r.orders), rows: num(r.rows), path: r.path }));
    } catch (e) {
      toast.error(e);
    }
  };
  const importCsv = async (path: string, mode: 'all_or_nothing' | 'good_rows_only') => {
    try {
      const report = await api.importCsv(path, mode);
      if (report.committed) {
        setImportReport(report.error_count > 0 ? { path, report } : null);
        toast.ok(t('orders.imported', { orders: num(report.imported_orders), updated: num(report.updated_orders), lines: num(report.imported_lines) }));
        await refresh();
      } else {
        setImportReport({ path, report });
      }
    } catch (e) {
      toast.error(e);
    }
  };
  const pickImport = async () => {
    const path = await open({ multiple: false, directory: false, filters: [{ name: 'CSV', extensions: ['csv'] }] });
    if (typeof path === 'string') await importCsv(path, 'all_or_nothing');
  };

  return (
    <div className="screen orders" data-testid="orders">
      <div className="row between">
        <h1>{t('orders.title')}</h1>
        <div className="row gap">
          <Views query={query} onApply={(q) => { setSearchText(q.search ?? ''); setCountryText(q.country ?? ''); set(q); }} />
          <button onClick={pickImport}>{t('orders.import')}</button>
          <button onClick={() => exportCsv(null)}>{t('orders.exportAll')}</button>
        </div>
      </div>
      <div className="tabs">
        <button className={`tab ${query.status === null ? 'active' : ''}`} onClick={() => set({ status: null })}>
          {t('status.all')} <span className="count">{num(total)}</span>
        </button>
        {STATUSES.map((s) => (
          <button key={s} className={`tab ${query.status === s ? 'active' : ''}`} data-testid={`tab-${s}`} onClick={() => set({ status: s })}>
            {t(`status.${s}`)} <span className="count">{num(counts.data?.find((c) => c.status === s)?.count ?? 0)}</span>
          </button>
        ))}
      </div>
      <div className="filters">
        <input className="search" data-testid="orders-search" value={searchText} placeholder={t('orders.search')} onChange={(e) => setSearchText(e.target.value)} />
        <select aria-label={t('orders.channel')} value={query.connection_id ?? ''} onChange={(e) => set({ connection_id: e.target.value ? Number(e.target.value) : null })}>
          <option value="">{t('orders.allChannels')}</option>
          {(conns.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>{c.name}</option>
          ))}
        </select>
        <label className="inline">
          {t('orders.from')}
          <input type="date" value={msToDay(query.placed_from)} onChange={(e) => set({ placed_from: dayToMs(e.target.value) })} />
        </label>
        <label className="inline">
          {t('orders.to')}
          <input
            type="date"
            value={query.placed_to === null ? '' : msToDay(query.placed_to - 86400000)}
            onChange={(e) => {
              const d = dayToMs(e.target.value);
              set({ placed_to: d === null ? null : d + 86400000 });
            }}
          />
        </label>
        <input
          className="country"
          aria-label={t('orders.country')}
          placeholder={t('orders.country')}
          maxLength={2}
          value={countryText}
          onChange={(e) => {
            const c = e.target.value.toUpperCase().replace(/[^A-Z]/g, '');
            setCountryText(c);
            if (c.length === 0 || c.length === 2) set({ country: c || null });
          }}
        />
        <select aria-label={t('orders.payment')} value={query.payment_status ?? ''} onChange={(e) => set({ payment_status: (e.target.value || null) as PaymentStatus | null })}>
          <option value="">{t('orders.anyPayment')}</option>
          {PAYMENTS.map((p) => (
            <option key={p} value={p}>{t(`payment.${p}`)}</option>
          ))}
        </select>
        <select aria-label={t('orders.tag')} value={query.tag ?? ''} onChange={(e) => set({ tag: e.target.value || null })}>
          <option value="">{t('orders.anyTag')}</option>
          {(tags.data ?? []).map((tag) => (
            <option key={tag} value={tag}>{tag}</option>
          ))}
        </select>
        <select aria-label={t('orders.sort')} value={query.sort} onChange={(e) => set({ sort: e.target.value as OrderSort })}>
          {SORTS.map((s) => (
            <option key={s} value={s}>{t(`orders.sort.${s}`)}</option>
          ))}
        </select>
        <button onClick={() => set({ dir: query.dir === 'asc' ? 'desc' : 'asc' })} title={t(`orders.dir.${query.dir}`)}>
          {query.dir === 'asc' ? '▲' : '▼'}
        </button>
        <button className="link" onClick={() => { setSearchText(''); setCountryText(''); set({ ...emptyQuery(), sort: query.sort, dir: query.dir }); }}>
          {t('orders.clear')}
        </button>
        <span className="muted small match-count" data-testid="match-count">
          {matchCount.data === undefined ? t('orders.counting') : t('orders.matches', { count: num(matchCount.data) })}
        </span>
      </div>
      {importReport && (
        <ImportReportCard
          testid="import-report"
          report={importReport.report}
          headline={importReport.report.committed
            ? t('orders.imported', { orders: num(importReport.report.imported_orders), updated: num(importReport.report.updated_orders), lines: num(importReport.report.imported_lines) })
            : t('orders.importFailed', { count: num(importReport.report.error_count) })}
          onGoodRows={() => importCsv(importReport.path, 'good_rows_only')}
          onDismiss={() => setImportReport(null)}
        />
      )}
      {selected.size > 0 && (
        <BulkBar
          selected={selected}
          matching={matchCount.data ?? 0}
          onSelectMatching={async () => {
            try {
              setSelected(new Set(await api.matchingOrderIds(query)));
            } catch (e) {
              toast.error(e);
            }
          }}
          onClear={() => setSelected(new Set())}
          onExport={() => exportCsv([...selected])}
        />
      )}
      <OrderTable
        query={query}
        selected={selected}
        onSelect={setSelected}
        onRows={onRows}
        onSort={(s) => set(query.sort === s ? { dir: query.dir === 'asc' ? 'desc' : 'asc' } : { sort: s, dir: s === 'order_number' ? 'asc' : 'desc' })}
      />
    </div>
  );
}
