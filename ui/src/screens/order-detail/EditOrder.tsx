import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { AddressView, OrderDetail } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';
import { parseMinor } from '../returns/ReturnCard';

type NewLine = { sku: string; title: string; quantity: string; price: string };

/** Edit an unshipped order: quantities (0 removes a line), new lines, the ship-to address and
 * the shipping service. The order is checked and routed again; the timeline keeps the diff. */
export function EditOrder({ d, onClose }: { d: OrderDetail; onClose: () => void }) {
  const { t, money } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const cur = d.order.currency;
  const [qty, setQty] = useState<Record<number, string>>({});
  const [added, setAdded] = useState<NewLine[]>([]);
  const [addr, setAddr] = useState<AddressView | null>(d.ship_to);
  const [service, setService] = useState(d.shipping_service ?? '');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.scrollIntoView({ block: 'center', behavior: 'smooth' }), []);
  const active = d.lines.filter((l) => l.quantities.ordered - l.quantities.cancelled > 0);
  const addrChanged = JSON.stringify(addr) !== JSON.stringify(d.ship_to);
  const submit = async () => {
    setBusy(true);
    try {
      const r = await api.editOrder({
        order_id: d.order.id,
        quantities: active
          .filter((l) => qty[l.line_no] !== undefined && qty[l.line_no] !== '' && Number(qty[l.line_no]) !== l.quantities.ordered - l.quantities.cancelled)
          .map((l) => ({ line_no: l.line_no, quantity: Number(qty[l.line_no]) })),
        add: added.filter((a) => a.sku.trim()).map((a) => ({ sku: a.sku.trim(), title: a.title.trim() || null, quantity: Number(a.quantity || 0), unit_price: parseMinor(a.price, cur) })),
        ship_to: addrChanged ? addr : null,
        shipping_service: service !== (d.shipping_service ?? '') ? service : null,
        comment,
      });
      toast.ok(t('edit.done', { n: r.changes.length, status: t(`status.${r.status}` as never) }));
      if (r.balance !== 0) toast.ok(t(r.balance > 0 ? 'edit.collect' : 'edit.giveBack', { amount: money(Math.abs(r.balance), r.currency) }));
      await qc.invalidateQueries();
      onClose();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  const field = (k: keyof AddressView, label: string) => (
    <label className="field">
      <span>{label}</span>
      <input data-testid={`edit-addr-${k}`} value={(addr?.[k] as string | null) ?? ''} onChange={(e) => setAddr({ ...(addr ?? { name: '', company: null, line1: '', line2: null, city: '', region: null, postal_code: null, country: '', phone: null }), [k]: e.target.value })} />
    </label>
  );
  return (
    <div className="card stack" data-testid="edit-order" ref={box}>
      <h3>{t('edit.title')}</h3>
      <table className="simple">
        <thead><tr><th>{t('pack.sku')}</th><th>{t('pack.product')}</th><th className="num">{t('refund.price')}</th><th className="num">{t('edit.units')}</th></tr></thead>
        <tbody>
          {active.map((l) => {
            const shipped = l.quantities.shipped;
            return (
              <tr key={l.line_no}>
                <td className="mono">{l.sku}</td><td>{l.title}</td><td className="num">{money(l.unit_price, cur)}</td>
                <td className="num">
                  <input data-testid="edit-qty" data-line={l.line_no} inputMode="numeric" size={3} disabled={shipped >= l.quantities.ordered - l.quantities.cancelled}
                    value={qty[l.line_no] ?? String(l.quantities.ordered - l.quantities.cancelled)}
                    onChange={(e) => setQty({ ...qty, [l.line_no]: e.target.value.replace(/\D/g, '') })} />
                  {shipped > 0 && <span className="muted small"> ≥ {shipped}</span>}
                </td>
              </tr>
            );
          })}
          {added.map((a, i) => (
            <tr key={`new-${i}`}>
              <td><input data-testid="edit-new-sku" placeholder="SKU" size={10} value={a.sku} onChange={(e) => setAdded(added.map((x, j) => (j === i ? { ...x, sku: e.target.value } : x)))} /></td>
              <td><input placeholder={t('pack.product')} value={a.title} onChange={(e) => setAdded(added.map((x, j) => (j === i ? { ...x, title: e.target.value } : x)))} /></td>
              <td className="num"><input data-testid="edit-new-price" size={6} value={a.price} onChange={(e) => setAdded(added.map((x, j) => (j === i ? { ...x, price: e.target.value } : x)))} /></td>
              <td className="num"><input data-testid="edit-new-qty" size={3} value={a.quantity} onChange={(e) => setAdded(added.map((x, j) => (j === i ? { ...x, quantity: e.target.value.replace(/\D/g, '') } : x)))} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <div><button data-testid="edit-add-line" onClick={() => setAdded([...added, { sku: '', title: '', quantity: '1', price: '' }])}>{t('edit.addLine')}</button></div>
      <div className="row gap wrap">
        {field('name', t('edit.name'))}
        {field('line1', t('edit.street'))}
        {field('postal_code', t('edit.postal'))}
        {field('city', t('edit.city'))}
        {field('country', t('edit.country'))}
        <label className="field"><span>{t('edit.service')}</span><input data-testid="edit-service" value={service} onChange={(e) => setService(e.target.value)} /></label>
      </div>
      <label className="field"><span>{t('edit.comment')}</span><input value={comment} onChange={(e) => setComment(e.target.value)} /></label>
      <div className="row gap">
        <span className="muted small grow">{t('edit.hint')}</span>
        <button className="primary" data-testid="edit-submit" disabled={busy} onClick={() => void submit()}>{t('edit.save')}</button>
        <button onClick={onClose}>{t('common.cancel')}</button>
      </div>
    </div>
  );
}

/** Cancel units of some lines before they ship; the shop is told. */
export function CancelLines({ d, onClose }: { d: OrderDetail; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const [units, setUnits] = useState<Record<number, number>>({});
  const [reason, setReason] = useState('');
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.scrollIntoView({ block: 'center', behavior: 'smooth' }), []);
  const open = d.lines.filter((l) => l.quantities.ordered - l.quantities.shipped - l.quantities.cancelled > 0);
  const chosen = open.filter((l) => (units[l.line_no] ?? 0) > 0);
  const submit = async () => {
    try {
      toast.ok(await api.cancelLines({ order_id: d.order.id, lines: chosen.map((l) => ({ line_no: l.line_no, quantity: units[l.line_no] })), reason }));
      await qc.invalidateQueries();
      onClose();
    } catch (e) {
      toast.error(e);
    }
  };
  return (
    <div className="card stack" data-testid="cancel-lines" ref={box}>
      <h3>{t('cancelLines.title')}</h3>
      <table className="simple">
        <thead><tr><th>{t('pack.sku')}</th><th>{t('pack.product')}</th><th className="num">{t('cancelLines.units')}</th></tr></thead>
        <tbody>
          {open.map((l) => {
            const max = l.quantities.ordered - l.quantities.shipped - l.quantities.cancelled;
            return (
              <tr key={l.line_no}>
                <td className="mono">{l.sku}</td><td>{l.title}</td>
                <td className="num">
                  <input data-testid="cancel-units" data-line={l.line_no} inputMode="numeric" size={3} value={units[l.line_no] || ''}
                    onChange={(e) => setUnits({ ...units, [l.line_no]: Math.min(max, Number(e.target.value.replace(/\D/g, '') || 0)) })} />
                  <span className="muted small"> / {max}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="row gap">
        <input className="grow" data-testid="cancel-reason" placeholder={t('cancelLines.reason')} value={reason} onChange={(e) => setReason(e.target.value)} />
        <button className="danger" data-testid="cancel-submit" disabled={chosen.length === 0 || !reason.trim()} onClick={() => void submit()}>{t('cancelLines.submit')}</button>
        <button onClick={onClose}>{t('common.cancel')}</button>
      </div>
    </div>
  );
}
