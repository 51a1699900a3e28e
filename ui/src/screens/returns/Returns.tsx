import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import type { ReturnView } from '../../api/bindings';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';
import { ReturnCard, reasonLabel } from './ReturnCard';
import { RefundApprovals, ReturnSettings } from './ReturnSettings';

const STATUSES = ['open', 'requested', 'approved', 'label_sent', 'in_transit', 'received', 'inspected', 'closed', 'rejected'];

/** The returns desk: scan an RMA, tracking or order number to open its return; the queue by
 * status with search; receive many at once. */
export function Returns() {
  const { t } = useI18n();
  const [tab, setTab] = useState<'desk' | 'approvals' | 'settings'>('desk');
  return (
    <div className="screen stack" data-testid="returns-screen">
      <div className="tabs">
        <button className={`tab ${tab === 'desk' ? 'active' : ''}`} data-testid="returns-tab-desk" onClick={() => setTab('desk')}>{t('returns.desk')}</button>
        <button className={`tab ${tab === 'approvals' ? 'active' : ''}`} data-testid="returns-tab-approvals" onClick={() => setTab('approvals')}>{t('approvals.title')}</button>
        <button className={`tab ${tab === 'settings' ? 'active' : ''}`} data-testid="returns-tab-settings" onClick={() => setTab('settings')}>{t('settings.returnsTitle')}</button>
      </div>
      {tab === 'desk' ? <ReturnsDesk /> : tab === 'approvals' ? <RefundApprovals /> : <ReturnSettings />}
    </div>
  );
}

function ReturnsDesk() {
  const { t, num, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const [status, setStatus] = useState('open');
  const [search, setSearch] = useState('');
  const [code, setCode] = useState('');
  const [picked, setPicked] = useState<ReturnView[]>([]);
  const [selected, setSelected] = useState<number[]>([]);
  const scanRef = useRef<HTMLInputElement>(null);
  useEffect(() => scanRef.current?.focus(), []);
  const q = useQuery({
    queryKey: ['return-queue', status, search],
    queryFn: () => api.returnQueue(status, search.trim() || null),
    staleTime: 0,
  });
  const counts = new Map((q.data?.counts ?? []).map((c) => [c.status, c.n]));
  const openCount = ['requested', 'approved', 'label_sent', 'in_transit', 'received', 'inspected'].reduce((a, s) => a + (counts.get(s) ?? 0), 0);
  const rows = q.data?.rows ?? [];
  const scan = async () => {
    if (!code.trim()) return;
    try {
      const found = await api.scanReturn(code.trim());
      if (found.length === 0) toast.error({ code: 'not_found', message: t('returns.scanNone', { code: code.trim() }) });
      setPicked(found);
      setCode('');
    } catch (e) {
      toast.error(e);
    }
  };
  const open = async (id: number) => {
    try { setPicked([await api.getReturn(id)]); } catch (e) { toast.error(e); }
  };
  const refreshPicked = async () => {
    const fresh = await Promise.all(picked.map((p) => api.getReturn(p.id).catch(() => p)));
    setPicked(fresh);
  };
  const bulkReceive = async () => {
    try {
      const r = await api.receiveReturns(selected);
      toast.ok(t('returns.bulkDone', { n: r.changed, failed: r.failed_count }));
      for (const f of r.failed.slice(0, 3)) toast.error({ code: 'conflict', message: f.message });
      setSelected([]);
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  return (
    <div className="stack" data-testid="returns-desk">
      <div className="row gap wrap">
        <h1 className="grow">{t('returns.screen')}</h1>
        <input ref={scanRef} data-testid="returns-scan" className="scan" placeholder={t('returns.scanPlaceholder')} value={code}
          onChange={(e) => setCode(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); void scan(); } }} />
      </div>
      {picked.length > 0 && (
        <div className="stack" data-testid="returns-picked">
          {picked.map((r) => <ReturnCard key={r.id} r={r} onChanged={() => void refreshPicked()} />)}
          <div className="row"><button onClick={() => setPicked([])}>{t('common.close')}</button></div>
        </div>
      )}
      <div className="tabs">
        {STATUSES.map((s) => (
          <button key={s} className={`tab ${status === s ? 'active' : ''}`} data-testid={`returns-tab-${s}`} onClick={() => { setStatus(s); setSelected([]); }}>
            {s === 'open' ? t('returns.open') : t(`returns.status.${s}` as MessageKey)}
            <span className="muted small"> {num(s === 'open' ? openCount : counts.get(s) ?? 0)}</span>
          </button>
        ))}
      </div>
      <div className="row gap">
        <input className="grow" data-testid="returns-search" placeholder={t('returns.searchPlaceholder')} value={search} onChange={(e) => setSearch(e.target.value)} />
        {selected.length > 0 && (
          <button className="primary" data-testid="returns-bulk-receive" onClick={() => void bulkReceive()}>{t('returns.receiveSelected', { n: selected.length })}</button>
        )}
      </div>
      <table className="simple card returns-table" data-testid="returns-table">
        <thead>
          <tr>
            <th><input type="checkbox" checked={rows.length > 0 && selected.length === rows.length} onChange={(e) => setSelected(e.target.checked ? rows.map((r) => r.id) : [])} /></th>
            <th>{t('returns.rma')}</th><th>{t('orders.col.number')}</th><th>{t('orders.col.customer')}</th><th>{t('returns.statusCol')}</th>
            <th className="num">{t('returns.received')}</th><th>{t('pack.sku')}</th><th>{t('returns.reason')}</th><th>{t('returns.trackingNo')}</th><th>{t('returns.created')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="returns-row" data-rma={r.rma} className="clickable" onClick={() => void open(r.id)}>
              <td onClick={(e) => e.stopPropagation()}>
                <input type="checkbox" checked={selected.includes(r.id)} onChange={(e) => setSelected(e.target.checked ? [...selected, r.id] : selected.filter((x) => x !== r.id))} />
              </td>
              <td className="mono">{r.rma}</td>
              <td>{r.order_number}</td>
              <td>{r.customer_name}</td>
              <td><span className={`badge return-${r.status}`}>{t(`returns.status.${r.status}` as MessageKey)}</span>{r.source === 'channel' && <span className="muted small"> · {t('returns.fromChannel')}</span>}</td>
              <td className="num">{r.received} / {r.units}</td>
              <td className="mono small">{r.skus}</td>
              <td className="small">{r.reasons.split(',').filter(Boolean).map((x) => reasonLabel(t, x)).join(', ')}</td>
              <td className="mono small">{r.tracking_number ?? ''}</td>
              <td className="small">{dateTime(r.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && !q.isLoading && <p className="muted">{t('returns.empty')}</p>}
    </div>
  );
}
