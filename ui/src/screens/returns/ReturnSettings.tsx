import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';
import { go } from '../../route';
import { parseMinor, reasonLabel } from './ReturnCard';

/** Refunds waiting for approval, approved or declined by someone allowed to. */
export function RefundApprovals() {
  const { t, money, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const q = useQuery({ queryKey: ['refunds-waiting'], queryFn: () => api.listRefunds(null), staleTime: 0 });
  const decide = async (id: number, approve: boolean) => {
    try {
      await api.decideRefund(id, approve);
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  const rows = q.data ?? [];
  return (
    <div className="card stack" data-testid="refund-approvals">
      <h2>{t('approvals.title')}</h2>
      {rows.length === 0 && <p className="muted">{t('approvals.none')}</p>}
      <table className="simple">
        <tbody>
          {rows.map((f) => (
            <tr key={f.id} data-testid="approval-row">
              <td><button className="link mono" onClick={() => go(`/orders/${f.order_id}`)}>#{f.order_id}</button></td>
              <td className="num strong">{money(f.amount, f.currency)}</td>
              <td>{f.reason}</td>
              <td className="muted small">{f.created_by ?? ''} · {dateTime(f.created_at)}</td>
              <td>
                <span className="row gap">
                  <button className="primary" data-testid="approval-approve" onClick={() => void decide(f.id, true)}>{t('refund.approve')}</button>
                  <button onClick={() => void decide(f.id, false)}>{t('refund.decline')}</button>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The reason list and the amount above which refunds wait for approval. */
export function ReturnSettings() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const reasons = useQuery({ queryKey: ['return-reasons'], queryFn: api.returnReasons });
  const above = useQuery({ queryKey: ['refund-approval'], queryFn: api.refundApprovalAbove });
  const [text, setText] = useState('');
  const [limit, setLimit] = useState('');
  useEffect(() => { if (reasons.data) setText(reasons.data.join('\n')); }, [reasons.data]);
  useEffect(() => { if (above.data !== undefined) setLimit(above.data === null ? '' : (above.data / 100).toFixed(2)); }, [above.data]);
  const save = async () => {
    try {
      await api.setReturnReasons(text.split('\n').map((s) => s.trim()).filter(Boolean));
      const minor = parseMinor(limit, 'EUR');
      if (Number.isNaN(minor)) throw { code: 'invalid_input', message: t('settings.badAmount', { value: limit }) };
      await api.setRefundApprovalAbove(limit.trim() ? minor : null);
      toast.ok(t('settings.saved'));
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  return (
    <div className="card stack" data-testid="return-settings">
      <h2>{t('settings.returnsTitle')}</h2>
      <label className="field">
        <span>{t('settings.reasons')}</span>
        <textarea data-testid="settings-reasons" rows={9} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <p className="muted small">{(reasons.data ?? []).map((r) => `${r} = ${reasonLabel(t as (k: MessageKey) => string, r)}`).join(' · ')}</p>
      <label className="field">
        <span>{t('settings.approvalAbove')}</span>
        <input data-testid="settings-approval" value={limit} placeholder={t('settings.noApproval')} onChange={(e) => setLimit(e.target.value)} />
      </label>
      <div className="row"><button className="primary" data-testid="settings-save" onClick={() => void save()}>{t('common.save')}</button></div>
    </div>
  );
}
