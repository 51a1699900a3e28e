import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { HoldReason } from '../../api/bindings';
import { api } from '../../api/client';
import { bulkText } from '../../components/actions';
import { StatusBadge } from '../../components/badges';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';
import { go } from '../../route';

export const HOLD_REASONS: HoldReason[] = ['payment', 'address', 'risk', 'stock', 'validation', 'manual', 'merge_candidate'];

/** Orders on hold with their reasons: release or cancel with a comment, one or many at once. */
export function Review() {
  const { t, money, dateTime, num } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const [reason, setReason] = useState<HoldReason | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const q = useQuery({ queryKey: ['review', reason], queryFn: () => api.reviewQueue(reason) });
  const rows = q.data ?? [];
  const toggle = (id: number) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const act = async (f: () => Promise<string>) => {
    setBusy(true);
    try {
      toast.ok(await f());
      setSelected(new Set());
      setComment('');
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  const ids = [...selected];
  return (
    <div className="screen" data-testid="review">
      <div className="row between">
        <h1>{t('review.title')}</h1>
        <select data-testid="review-reason" value={reason ?? ''} onChange={(e) => setReason((e.target.value || null) as HoldReason | null)}>
          <option value="">{t('review.all')}</option>
          {HOLD_REASONS.map((r) => (
            <option key={r} value={r}>{t(`hold.${r}` as MessageKey)}</option>
          ))}
        </select>
      </div>
      <div className="bulk">
        <strong>{t('orders.selected', { count: num(selected.size) })}</strong>
        <input className="wide" data-testid="review-comment" value={comment} placeholder={t('review.comment')} onChange={(e) => setComment(e.target.value)} />
        <button className="primary" data-testid="review-release" disabled={busy || !ids.length || !comment.trim()}
          onClick={() => void act(async () => bulkText(t, await api.releaseOrders(ids, comment)))}>{t('review.release')}</button>
        <button data-testid="review-cancel" disabled={busy || !ids.length || !comment.trim()}
          onClick={() => { if (window.confirm(t('actions.confirmCancel', { count: ids.length }))) void act(async () => bulkText(t, await api.cancelOrders(ids, comment))); }}>{t('review.cancel')}</button>
        <button disabled={busy || ids.length < 2}
          onClick={() => void act(async () => t('actions.merged', { number: (await api.mergeOrders(ids)).order_number }))}>{t('review.merge')}</button>
        <button className="link" disabled={!rows.length} onClick={() => setSelected(new Set(rows.map((r) => r.order.id)))}>{t('orders.selectAll')}</button>
      </div>
      {q.isSuccess && rows.length === 0 && <p className="muted">{t('review.empty')}</p>}
      <table className="simple review-table">
        <tbody>
          {rows.map((r) => (
            <tr key={r.order.id} data-testid="review-row" className={selected.has(r.order.id) ? 'sel' : ''}>
              <td><input type="checkbox" checked={selected.has(r.order.id)} onChange={() => toggle(r.order.id)} data-testid="review-check" /></td>
              <td>
                <button className="link mono" onClick={() => go(`/orders/${r.order.id}`)}>{r.order.order_number}</button>
                <div className="muted small">{r.order.connection_name} · {dateTime(r.order.placed_at)}</div>
              </td>
              <td>{r.order.customer_name}<div className="muted small">{r.order.ship_country ?? ''}</div></td>
              <td className="num">{money(r.order.grand_total, r.order.currency)}</td>
              <td><StatusBadge status={r.order.status} /></td>
              <td className="holds-cell">
                {r.holds.map((h) => (
                  <div key={h.id} className="hold-line">
                    <span className={`hold-chip hold-${h.reason}`}>{t(`hold.${h.reason}` as MessageKey)}</span> <span className="small">{h.message}</span>
                  </div>
                ))}
                {r.risk_score !== null && r.risk_score > 0 && <span className="muted small">{t('review.risk', { score: r.risk_score })}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
