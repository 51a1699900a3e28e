import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import type { ItemCondition, Disposition, ReturnView } from '../../api/bindings';
import { useToast } from '../../components/toast';
import { currencyDigits } from '../../i18n/format';
import { useI18n, type MessageKey } from '../../i18n';

export const CONDITIONS: ItemCondition[] = ['as_new', 'opened', 'damaged', 'defective'];
export const DISPOSITIONS: Disposition[] = ['restock', 'b_stock', 'quarantine', 'scrap', 'return_to_vendor'];

/** "4,90" or "4.90" in the currency's minor units; NaN when not a amount, 0 when empty. */
export function parseMinor(s: string, currency: string): number {
  const exp = currencyDigits(currency);
  const v = s.trim().replace(',', '.');
  if (!v) return 0;
  if (!/^\d+(\.\d+)?$/.test(v)) return NaN;
  const [whole, frac = ''] = v.split('.');
  if (frac.length > exp) return NaN;
  return Number(whole) * 10 ** exp + Number(frac.padEnd(exp, '0') || '0');
}

/** A reason's label: the dictionary's when it has one, else the configured word itself. */
export function reasonLabel(t: (k: MessageKey) => string, reason: string): string {
  const key = `returns.reason.${reason}` as MessageKey;
  const s = t(key);
  return s === key ? reason.replace(/_/g, ' ') : s;
}

/** One return (RMA) with the step it is at: approve or reject; customer ships or a return
 * label; receive (counted or scanned SKU by SKU); inspect with condition and disposition per
 * line; refund what came back; close. */
export function ReturnCard({ r, onChanged }: { r: ReturnView; onChanged?: () => void }) {
  const { t, money, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const locations = useQuery({ queryKey: ['locations'], queryFn: api.listLocations });
  const [comment, setComment] = useState('');
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const [labelLoc, setLabelLoc] = useState('');
  const [counts, setCounts] = useState<Record<number, number>>({});
  const [scan, setScan] = useState('');
  const [found, setFound] = useState<Record<number, { condition: ItemCondition; disposition: Disposition; location: string }>>({});
  const [shipping, setShipping] = useState('');
  const [extra, setExtra] = useState('');
  const [busy, setBusy] = useState(false);
  const [exch, setExch] = useState<Record<number, { sku: string; quantity: string; price: string }> | null>(null);
  const locs = (locations.data ?? []).filter((l) => l.active);
  const firstLoc = locs[0] ? String(locs[0].id) : '';

  const run = async (what: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    try {
      await what();
      if (done) toast.ok(done);
      await qc.invalidateQueries();
      onChanged?.();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  const receivable = r.lines.filter((l) => l.quantity > l.received);
  const canReceive = ['approved', 'label_sent', 'in_transit', 'received'].includes(r.status) && receivable.length > 0;
  const countOf = (line: number) => counts[line] ?? 0;
  const onScan = () => {
    const code = scan.trim().toUpperCase();
    if (!code) return;
    const line = receivable.find((l) => l.sku.toUpperCase() === code && countOf(l.line_no) < l.quantity - l.received);
    if (line) setCounts({ ...counts, [line.line_no]: countOf(line.line_no) + 1 });
    else toast.error({ code: 'invalid_input', message: t('returns.scanNoMatch', { code }) });
    setScan('');
  };
  const receiveAll = () => Object.fromEntries(receivable.map((l) => [l.line_no, l.quantity - l.received]));
  const inspectState = (line: number) => found[line] ?? { condition: 'as_new' as ItemCondition, disposition: 'restock' as Disposition, location: firstLoc };
  const setInspect = (line: number, patch: Partial<{ condition: ItemCondition; disposition: Disposition; location: string }>) =>
    setFound({ ...found, [line]: { ...inspectState(line), ...patch } });
  const received = r.lines.filter((l) => l.received > 0);
  const refundable = received.reduce((a, l) => a + l.unit_price * l.received, 0) - r.refunded;
  const sh = parseMinor(shipping, r.currency);
  const ex = parseMinor(extra, r.currency);

  return (
    <div className="card stack return-card" data-testid="return-card" data-rma={r.rma} data-status={r.status}>
      <div className="row gap wrap">
        <h3 className="grow">
          <span className="mono">{r.rma}</span> · <a href={`#/orders/${r.order_id}`}>{r.order_number}</a> · {r.customer_name}
        </h3>
        <span className={`badge return-${r.status}`} data-testid="return-status">{t(`returns.status.${r.status}` as MessageKey)}</span>
        {r.source === 'channel' && <span className="badge">{t('returns.fromChannel')}</span>}
      </div>
      <div className="muted small">
        {dateTime(r.created_at)} · {r.created_by ?? ''} · {t('returns.value', { value: money(r.value, r.currency) })}
        {r.refunded > 0 && <> · {t('returns.refunded', { amount: money(r.refunded, r.currency) })}</>}
        {r.tracking_number && <> · {t('returns.tracking', { carrier: r.carrier ?? '', tracking: r.tracking_number })}</>}
        {r.label_path && <> · <button className="link" onClick={() => void api.openDocument(r.label_path ?? '').catch(toast.error)}>{t('returns.openLabel')}</button></>}
      </div>
      {r.note && <div className="small">{r.note}</div>}
      <table className="simple">
        <thead>
          <tr>
            <th>{t('pack.sku')}</th><th>{t('pack.product')}</th><th className="num">{t('returns.asked')}</th><th className="num">{t('returns.received')}</th>
            <th>{t('returns.reason')}</th><th>{t('returns.outcome')}</th>
          </tr>
        </thead>
        <tbody>
          {r.lines.map((l) => (
            <tr key={l.line_no} data-testid="return-line" data-sku={l.sku}>
              <td className="mono">{l.sku}</td>
              <td>{l.title}</td>
              <td className="num">{l.quantity}</td>
              <td className="num">
                {canReceive && l.quantity > l.received ? (
                  <>
                    {l.received > 0 && <span className="muted">{l.received} + </span>}
                    <input data-testid="receive-units" data-line={l.line_no} inputMode="numeric" size={3} value={countOf(l.line_no) || ''}
                      onChange={(e) => setCounts({ ...counts, [l.line_no]: Math.min(l.quantity - l.received, Number(e.target.value.replace(/\D/g, '') || 0)) })} />
                  </>
                ) : l.received}
              </td>
              <td>{reasonLabel(t, l.reason)}{l.comment && <div className="muted small">{l.comment}</div>}</td>
              <td className="small">
                {r.status === 'received' && l.received > 0 ? (
                  <span className="row gap wrap">
                    <select data-testid="inspect-condition" data-line={l.line_no} value={inspectState(l.line_no).condition} onChange={(e) => setInspect(l.line_no, { condition: e.target.value as ItemCondition })}>
                      {CONDITIONS.map((c) => <option key={c} value={c}>{t(`returns.condition.${c}` as MessageKey)}</option>)}
                    </select>
                    <select data-testid="inspect-disposition" data-line={l.line_no} value={inspectState(l.line_no).disposition} onChange={(e) => setInspect(l.line_no, { disposition: e.target.value as Disposition })}>
                      {DISPOSITIONS.map((d) => <option key={d} value={d}>{t(`returns.disposition.${d}` as MessageKey)}</option>)}
                    </select>
                    {(inspectState(l.line_no).disposition === 'restock' || inspectState(l.line_no).disposition === 'b_stock') && (
                      <select data-testid="inspect-location" data-line={l.line_no} value={inspectState(l.line_no).location} onChange={(e) => setInspect(l.line_no, { location: e.target.value })}>
                        {locs.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
                      </select>
                    )}
                  </span>
                ) : l.disposition ? (
                  <span data-testid="return-outcome">
                    {t(`returns.condition.${l.condition ?? 'as_new'}` as MessageKey)} → {t(`returns.disposition.${l.disposition}` as MessageKey)}
                    {l.location_name && ` (${l.location_name})`}
                    {l.restocked > 0 && <span className="muted"> · {t('returns.restockedN', { n: l.restocked })}</span>}
                  </span>
                ) : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {r.status === 'requested' && (
        <div className="row gap wrap">
          <button className="primary" data-testid="return-approve" disabled={busy} onClick={() => void run(() => api.decideReturn(r.id, true, ''), t('returns.approved'))}>{t('returns.approve')}</button>
          <input placeholder={t('returns.rejectWhy')} value={comment} onChange={(e) => setComment(e.target.value)} />
          <button disabled={busy || !comment.trim()} onClick={() => void run(() => api.decideReturn(r.id, false, comment))}>{t('returns.reject')}</button>
        </div>
      )}
      {r.status === 'approved' && (
        <div className="row gap wrap">
          <label className="field"><span>{t('returns.carrier')}</span><input data-testid="transit-carrier" value={carrier} onChange={(e) => setCarrier(e.target.value)} size={8} /></label>
          <label className="field"><span>{t('returns.trackingNo')}</span><input data-testid="transit-tracking" value={tracking} onChange={(e) => setTracking(e.target.value)} /></label>
          <button data-testid="return-transit" disabled={busy} onClick={() => void run(() => api.returnInTransit(r.id, carrier || null, tracking || null))}>{t('returns.customerShips')}</button>
          <span className="muted">{t('common.or')}</span>
          <select value={labelLoc || firstLoc} onChange={(e) => setLabelLoc(e.target.value)}>
            {locs.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
          </select>
          <button data-testid="return-label" disabled={busy || !(labelLoc || firstLoc)} onClick={() => void run(() => api.sendReturnLabel(r.id, Number(labelLoc || firstLoc)), t('returns.labelSent'))}>{t('returns.sendLabel')}</button>
        </div>
      )}
      {canReceive && (
        <div className="row gap wrap">
          <input data-testid="receive-scan" placeholder={t('returns.scanSku')} value={scan} onChange={(e) => setScan(e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); onScan(); } }} />
          <button onClick={() => setCounts(receiveAll())}>{t('returns.everything')}</button>
          <span className="grow" />
          <button className="primary" data-testid="receive-submit" disabled={busy || Object.values(counts).every((n) => !n)}
            onClick={() => void run(async () => {
              await api.receiveReturn(r.id, Object.entries(counts).filter(([, n]) => n > 0).map(([line, n]) => ({ line_no: Number(line), quantity: n })));
              setCounts({});
            }, t('returns.receivedDone'))}>{t('returns.receive')}</button>
        </div>
      )}
      {r.status === 'received' && received.length > 0 && (
        <div className="row gap">
          <span className="grow muted small">{t('returns.inspectHint')}</span>
          <button className="primary" data-testid="inspect-submit" disabled={busy}
            onClick={() => void run(() => api.inspectReturn(r.id, received.map((l) => {
              const s = inspectState(l.line_no);
              const restocks = s.disposition === 'restock' || s.disposition === 'b_stock';
              return { line_no: l.line_no, condition: s.condition, disposition: s.disposition, location_id: restocks && s.location ? Number(s.location) : null };
            })), t('returns.inspected'))}>{t('returns.inspect')}</button>
        </div>
      )}
      {(r.status === 'received' || r.status === 'inspected') && refundable > 0 && (
        <div className="row gap wrap" data-testid="return-refund">
          <span>{t('returns.refundWhat', { amount: money(refundable, r.currency) })}</span>
          <label className="field"><span>{t('refund.extraShipping')}</span><input data-testid="return-refund-shipping" size={7} value={shipping} onChange={(e) => setShipping(e.target.value)} /></label>
          <label className="field"><span>{t('refund.extra')}</span><input size={7} value={extra} onChange={(e) => setExtra(e.target.value)} /></label>
          <button className="primary" data-testid="return-refund-submit" disabled={busy || Number.isNaN(sh) || Number.isNaN(ex)}
            onClick={() => void run(async () => {
              const f = await api.refundReturn(r.id, sh, ex, '');
              toast.ok(t(f.status === 'approved' ? 'refund.done' : 'refund.waiting', { amount: money(f.amount, f.currency) }));
            })}>{t('returns.refund')}</button>
        </div>
      )}
      {!['rejected', 'closed'].includes(r.status) && exch === null && (
        <div className="row gap">
          <span className="grow muted small">{r.exchange_order_id ? <a href={`#/orders/${r.exchange_order_id}`}>{t('returns.exchangeMade')}</a> : null}</span>
          <button data-testid="exchange-open" onClick={() => setExch(Object.fromEntries(r.lines.map((l) => [l.line_no, { sku: l.sku, quantity: String(l.quantity), price: '' }])))}>{t('returns.exchange')}</button>
        </div>
      )}
      {exch !== null && (
        <div className="stack" data-testid="exchange-form">
          {r.lines.map((l) => (
            <div key={l.line_no} className="row gap wrap">
              <span className="mono">{l.sku} →</span>
              <input data-testid="exchange-sku" data-line={l.line_no} size={14} value={exch[l.line_no]?.sku ?? ''} onChange={(e) => setExch({ ...exch, [l.line_no]: { ...exch[l.line_no], sku: e.target.value } })} />
              <input data-testid="exchange-qty" data-line={l.line_no} size={3} value={exch[l.line_no]?.quantity ?? ''} onChange={(e) => setExch({ ...exch, [l.line_no]: { ...exch[l.line_no], quantity: e.target.value.replace(/\D/g, '') } })} />
              <label className="field inline"><span>{t('returns.exchangePrice', { price: money(l.unit_price, r.currency) })}</span>
                <input size={7} value={exch[l.line_no]?.price ?? ''} onChange={(e) => setExch({ ...exch, [l.line_no]: { ...exch[l.line_no], price: e.target.value } })} /></label>
            </div>
          ))}
          <div className="row gap">
            <span className="grow muted small">{t('returns.exchangeHint')}</span>
            <button className="primary" data-testid="exchange-submit" disabled={busy}
              onClick={() => void run(async () => {
                const lines = r.lines
                  .map((l) => ({ l, x: exch[l.line_no] }))
                  .filter(({ x }) => x && x.sku.trim() && Number(x.quantity) > 0)
                  .map(({ l, x }) => ({ line_no: l.line_no, sku: x.sku.trim(), quantity: Number(x.quantity), unit_price: x.price.trim() ? parseMinor(x.price, r.currency) : null }));
                const made = await api.createExchange({ return_id: r.id, lines });
                toast.ok(t('returns.exchangeDone', { number: made.order_number }));
                if (made.to_collect > 0) toast.ok(t('edit.collect', { amount: money(made.to_collect, made.currency) }));
                if (made.to_refund > 0) toast.ok(t('edit.giveBack', { amount: money(made.to_refund, made.currency) }));
                setExch(null);
              })}>{t('returns.exchangeCreate')}</button>
            <button onClick={() => setExch(null)}>{t('common.cancel')}</button>
          </div>
        </div>
      )}
      {r.status === 'inspected' && (
        <div className="row gap">
          <span className="grow" />
          <button data-testid="return-close" disabled={busy} onClick={() => void run(() => api.closeReturn(r.id))}>{t('returns.close')}</button>
        </div>
      )}
    </div>
  );
}
