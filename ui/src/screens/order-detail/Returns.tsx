import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';
import { ReturnCard, reasonLabel } from '../returns/ReturnCard';

/** Returns of an order: start one for shipped units (per line: units, reason, comment) and
 * work each through its steps without leaving the order. */
export function Returns({ orderId, initialOpen = false }: { orderId: number; initialOpen?: boolean }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const info = useQuery({ queryKey: ['returnable', orderId], queryFn: () => api.returnable(orderId), staleTime: 0 });
  const list = useQuery({ queryKey: ['returns-of', orderId], queryFn: () => api.returnsOf(orderId), staleTime: 0 });
  const [open, setOpen] = useState(initialOpen);
  const formRef = useRef<HTMLDivElement>(null);
  useEffect(() => { if (open) formRef.current?.scrollIntoView({ block: 'center', behavior: 'smooth' }); }, [open, formRef.current]);
  const [units, setUnits] = useState<Record<number, number>>({});
  const [reasons, setReasons] = useState<Record<number, string>>({});
  const [comments, setComments] = useState<Record<number, string>>({});
  const [note, setNote] = useState('');
  const [approve, setApprove] = useState(true);
  const r = info.data;
  if (!r) return null;
  const returns = list.data ?? [];
  const left = r.lines.filter((l) => l.shipped - l.returned - l.expected > 0);
  if (left.length === 0 && returns.length === 0) return null;
  const chosen = r.lines.filter((l) => (units[l.line_no] ?? 0) > 0);
  const submit = async () => {
    try {
      const made = await api.createReturn({
        order_id: orderId,
        lines: chosen.map((l) => ({ line_no: l.line_no, quantity: units[l.line_no], reason: reasons[l.line_no] ?? r.reasons[0], comment: comments[l.line_no] || null })),
        note: note || null,
        approve,
      });
      toast.ok(t('returns.createdToast', { rma: made.rma }));
      setOpen(false);
      setUnits({});
      setNote('');
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  return (
    <div className="card stack wide" data-testid="returns">
      <div className="row gap">
        <h2 className="grow">{t('returns.title')}</h2>
        {!open && left.length > 0 && <button data-testid="return-open" onClick={() => setOpen(true)}>{t('returns.start')}</button>}
      </div>
      {open && (
        <div className="stack" data-testid="return-form" ref={formRef}>
          <table className="simple">
            <thead><tr><th>{t('pack.sku')}</th><th>{t('pack.product')}</th><th className="num">{t('returns.units')}</th><th>{t('returns.reason')}</th><th>{t('returns.comment')}</th></tr></thead>
            <tbody>
              {left.map((l) => {
                const max = l.shipped - l.returned - l.expected;
                return (
                  <tr key={l.line_no}>
                    <td className="mono">{l.sku}</td><td>{l.title}</td>
                    <td className="num">
                      <input data-testid="return-units" data-line={l.line_no} inputMode="numeric" size={3} value={units[l.line_no] || ''}
                        onChange={(e) => setUnits({ ...units, [l.line_no]: Math.min(max, Number(e.target.value.replace(/\D/g, '') || 0)) })} />
                      <span className="muted small"> / {max}</span>
                    </td>
                    <td>
                      <select data-testid="return-reason" data-line={l.line_no} value={reasons[l.line_no] ?? r.reasons[0]} onChange={(e) => setReasons({ ...reasons, [l.line_no]: e.target.value })}>
                        {r.reasons.map((x) => <option key={x} value={x}>{reasonLabel(t, x)}</option>)}
                      </select>
                    </td>
                    <td><input value={comments[l.line_no] ?? ''} onChange={(e) => setComments({ ...comments, [l.line_no]: e.target.value })} /></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="row gap wrap">
            <label className="field grow"><span>{t('returns.note')}</span><input value={note} onChange={(e) => setNote(e.target.value)} /></label>
            <label className="row gap inline"><input type="checkbox" checked={approve} onChange={(e) => setApprove(e.target.checked)} /> {t('returns.approveNow')}</label>
          </div>
          <div className="row gap">
            <span className="grow" />
            <button className="primary" data-testid="return-submit" disabled={chosen.length === 0} onClick={() => void submit()}>{t('returns.create')}</button>
            <button onClick={() => setOpen(false)}>{t('common.cancel')}</button>
          </div>
        </div>
      )}
      {returns.map((x) => <ReturnCard key={x.id} r={x} />)}
    </div>
  );
}
