import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';
import { go } from '../../route';

/** Parcels that need a look: a delivery exception, returned to the sender, or no scan for
 * days. "Check tracking now" asks every carrier about the parcels still on their way. */
export function Tracking() {
  const { t, num, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const problems = useQuery({ queryKey: ['tracking-problems'], queryFn: api.trackingProblems, staleTime: 0 });
  const [busy, setBusy] = useState(false);
  const poll = async () => {
    setBusy(true);
    try {
      const r = await api.pollTracking();
      if (r.failed) toast.error({ code: 'channel_unavailable', message: r.problems.join('; '), details: [] });
      else toast.ok(t('track.polled', { asked: num(r.asked), changed: num(r.changed), delivered: num(r.delivered) }));
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  const rows = problems.data ?? [];
  return (
    <div className="stack" data-testid="tracking">
      <div className="row gap toolbar">
        <span className="muted">{t('track.hint')}</span>
        <span className="grow" />
        <button className="primary" data-testid="tracking-poll" disabled={busy} onClick={() => void poll()}>{t('track.pollNow')}</button>
      </div>
      {rows.length === 0 ? <p className="muted card" data-testid="tracking-empty">{t('track.none')}</p> : (
        <table className="simple card" data-testid="tracking-table">
          <thead><tr><th>{t('orders.col.number')}</th><th>{t('fulfil.carrier')}</th><th>{t('fulfil.tracking')}</th><th>{t('track.status')}</th><th>{t('track.lastScan')}</th></tr></thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.id} data-testid="tracking-row" data-status={s.tracking_status ?? ''}>
                <td><button className="link mono" onClick={() => go(`/orders/${s.order_id}`)}>{s.order_number}</button></td>
                <td>{s.carrier} {s.service}</td>
                <td className="mono">{s.tracking_url ? <a href={s.tracking_url} target="_blank" rel="noreferrer">{s.tracking_number}</a> : s.tracking_number}</td>
                <td><span className={`badge track-${s.tracking_status ?? 'none'}`}>{t(`track.s.${s.tracking_status ?? 'none'}` as MessageKey)}</span></td>
                <td className="small">{dateTime(s.moved_at ?? s.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
