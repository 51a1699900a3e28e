import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';

/** Refunds of an order: what it can still give back, a refund per line, for shipping or any
 * amount with a reason (no return needed), and approving the ones that wait. */
export function Refunds({ orderId, initialOpen = false }: { orderId: number; initialOpen?: boolean }) {
  const { t, num, money, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const info = useQuery({ queryKey: ['refundable', orderId], queryFn: () => api.refundable(orderId), staleTime: 0 });
  const list = useQuery({ queryKey: ['refunds', orderId], queryFn: () => api.listRefunds(orderId), staleTime: 0 });
  const [open, setOpen] = useState(initialOpen);
  const formRef = useRef<HTMLDivElement>(null);
  useEffect(() => { if (open) formRef.current?.scrollIntoView({ block: 'center', behavior: 'smooth' }); }, [open, formRef.current]);
  const [units, setUnits] = useState<Record<number, string>>({});
  const [shipping, setShipping] = useState('');
  const [extra, setExtra] = useState('');
  const [reason, setReason] = useState('');
  const r = info.data;
  if (!r) return null;
  const exp = new Intl.NumberFormat('en', { style: 'currency', currency: r.currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const minor = (s: string) => {
    const v = s.trim().replace(',', '.');
    if (!v) return 0;
    if (!/^\d+(\.\d+)?$/.test(v)) return NaN;
    const [whole, frac = ''] = v.split('.');
    if (frac.length > exp) return NaN;
    return Number(whole) * 10 ** exp + Number(frac.padEnd(exp, '0') || '0');
  };
  const lines = r.lines.map((l) => ({ line_no: l.line_no, quantity: Number(units[l.line_no] || 0) })).filter((l) => l.quantity > 0);
  const amount = r.lines.reduce((a, l) => a + l.unit_price * Number(units[l.line_no] || 0), 0) + (minor(shipping) || 0) + (minor(extra) || 0);
  const refresh = () => qc.invalidateQueries();
  const submit = async () => {
    try {
      const f = await api.createRefund({ order_id: orderId, lines, shipping: minor(shipping), extra: minor(extra), reason, return_id: null });
      toast.ok(t(f.status === 'approved' ? 'refund.done' : 'refund.waiting', { amount: money(f.amount, f.currency) }));
      setOpen(false);
      setUnits({});
      setShipping('');
      setExtra('');
      setReason('');
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  const decide = async (id: number, approve: boolean) => {
    try { await api.decideRefund(id, approve); await refresh(); } catch (e) { toast.error(e); }
  };
  const refunds = list.data ?? [];
  return (
    <div className="card stack" data-testid="refunds">
      <div className="row gap">
        <h2 className="grow">{t('refund.title')}</h2>
        <span className="muted small" data-testid="refund-left">{t('refund.left', { paid: money(r.paid, r.currency), left: money(r.left, r.currency) })}</span>
        {!open && r.left > 0 && <button data-testid="refund-open" onClick={() => setOpen(true)}>{t('refund.action')}</button>}
      </div>
      {open && (
        <div className="stack" data-testid="refund-form" ref={formRef}>
          <table className="simple">
            <thead><tr><th>{t('pack.sku')}</th><th>{t('pack.product')}</th><th className="num">{t('refund.price')}</th><th className="num">{t('refund.units')}</th></tr></thead>
            <tbody>
              {r.lines.map((l) => (
                <tr key={l.line_no}>
                  <td className="mono">{l.sku}</td><td>{l.title}</td><td className="num">{money(l.unit_price, r.currency)}</td>
                  <td className="num">
                    <input data-testid="refund-units" data-line={l.line_no} inputMode="numeric" size={3} value={units[l.line_no] ?? ''}
                      onChange={(e) => setUnits({ ...units, [l.line_no]: String(Math.min(l.quantity - l.refunded, Number(e.target.value.replace(/\D/g, '') || 0)) || '') })} />
                    <span className="muted small"> / {num(l.quantity - l.refunded)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row gap wrap">
            <label className="field"><span>{t('refund.shipping', { left: money(r.shipping_total - r.shipping_refunded, r.currency) })}</span><input data-testid="refund-shipping" value={shipping} onChange={(e) => setShipping(e.target.value)} /></label>
            <label className="field"><span>{t('refund.extra')}</span><input data-testid="refund-extra" value={extra} onChange={(e) => setExtra(e.target.value)} /></label>
            <label className="field grow"><span>{t('refund.reason')}</span><input data-testid="refund-reason" value={reason} onChange={(e) => setReason(e.target.value)} /></label>
          </div>
          <div className="row gap">
            <strong data-testid="refund-amount">{Number.isNaN(amount) ? '—' : money(amount, r.currency)}</strong>
            {r.approval_above !== null && amount > r.approval_above && <span className="muted small">{t('refund.needsApproval')}</span>}
            <span className="grow" />
            <button className="primary" data-testid="refund-submit" disabled={!reason.trim() || !(amount > 0)} onClick={() => void submit()}>{t('refund.submit')}</button>
            <button onClick={() => setOpen(false)}>{t('common.cancel')}</button>
          </div>
        </div>
      )}
      {refunds.length > 0 && (
        <ul className="plain small" data-testid="refund-list">
          {refunds.map((f) => (
            <li key={f.id} data-testid="refund-row" data-status={f.status}>
              <strong>{money(f.amount, f.currency)}</strong> <span className={`badge refund-${f.status}`}>{t(`refund.status.${f.status}` as MessageKey)}</span> {f.reason}{f.channel_refund_id && <span className="muted mono"> · {f.channel_refund_id}</span>}
              <span className="muted"> · {dateTime(f.created_at)} · {f.created_by}</span>
              {f.status === 'pending_approval' && (
                <span className="row gap inline">
                  <button data-testid="refund-approve" onClick={() => void decide(f.id, true)}>{t('refund.approve')}</button>
                  <button onClick={() => void decide(f.id, false)}>{t('refund.decline')}</button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
