import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';

/** An order's parcels — carrier, tracking link and the carrier's scans, the label — with
 * "Void label" while the carrier has not scanned it, and the customer e-mails about it. */
export function Shipments({ orderId }: { orderId: number }) {
  const { t, num, dateTime, money } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const ships = useQuery({ queryKey: ['shipments', orderId], queryFn: () => api.shipments(orderId), staleTime: 0 });
  const mails = useQuery({ queryKey: ['mail', orderId], queryFn: () => api.listMail(orderId, null), staleTime: 0 });
  const refresh = () => qc.invalidateQueries();
  const voidIt = async (id: number) => {
    if (!window.confirm(t('ship.confirmVoid'))) return;
    try {
      const v = await api.voidLabel(id);
      toast.ok(t(v.channel_told ? 'ship.voidedTold' : 'ship.voided', { units: num(v.units) }));
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  const resend = async (kind: string) => {
    try {
      const m = await api.resendMail(orderId, kind);
      toast.ok(t('ship.mailQueued', { to: m.to }));
      await api.sendMailNow().catch(() => null);
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  const list = ships.data ?? [];
  const ms = mails.data ?? [];
  if (!list.length && !ms.length) return null;
  return (
    <div className="card stack" data-testid="shipments">
      {list.length > 0 && <h2>{t('ship.title')}</h2>}
      {list.map((s) => (
        <div key={s.id} className={`shipment ${s.voided ? 'voided' : ''}`} data-testid="shipment" data-status={s.tracking_status ?? ''}>
          <div className="row gap">
            <strong>{s.carrier} {s.service}</strong>
            <span className="mono">{s.tracking_url ? <a href={s.tracking_url} target="_blank" rel="noreferrer">{s.tracking_number}</a> : s.tracking_number}</span>
            <span className={`badge track-${s.tracking_status ?? 'none'}`} data-testid="shipment-status">{s.voided ? t('ship.voidedBadge') : t(`track.s.${s.tracking_status ?? 'none'}` as MessageKey)}</span>
            <span className="muted small">{num(s.units)} {t('pack.unitsWord')} · {dateTime(s.created_at)}</span>
            <span className="grow" />
            {s.cost_minor !== null && s.cost_currency && <span className="small">{money(s.cost_minor, s.cost_currency)}</span>}
            {s.label_path && <button className="link small" data-testid="shipment-label" title={s.label_path} onClick={() => void api.openDocument(s.label_path!).catch((e) => toast.error(e))}>{t('ship.openLabel', { format: s.label_format ?? '' })}</button>}
            {!s.voided && s.label_path && (!s.tracking_status || s.tracking_status === 'pre_transit' || s.tracking_status === 'unknown') && (
              <button className="danger" data-testid="shipment-void" onClick={() => void voidIt(s.id)}>{t('ship.void')}</button>
            )}
          </div>
          {s.events.length > 0 && (
            <ol className="plain scans small" data-testid="shipment-events">
              {[...s.events].reverse().map((e) => (
                <li key={`${e.at}-${e.message}`}><span className="muted">{dateTime(e.at)}</span> · {e.message}{e.location ? <span className="muted"> — {e.location}</span> : null}</li>
              ))}
            </ol>
          )}
        </div>
      ))}
      <div className="row gap">
        <h3 className="grow">{t('ship.mails')}</h3>
        {list.some((s) => !s.voided) && <button data-testid="resend-shipped" onClick={() => void resend('shipped')}>{t('ship.resend')}</button>}
      </div>
      {ms.length === 0 ? <p className="muted small">{t('ship.noMails')}</p> : (
        <ul className="plain small" data-testid="order-mails">
          {ms.map((m) => (
            <li key={m.id} data-testid="order-mail" data-status={m.status} data-kind={m.kind}>
              <span className={`badge mail-${m.status}`}>{t(`mail.status.${m.status}` as MessageKey)}</span> {t(`mail.kind.${m.kind}` as MessageKey)} → {m.to}
              {m.subject && <span className="muted"> · {m.subject}</span>}
              {m.last_error && <div className="error-text">{m.last_error}</div>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
