import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Quotes } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';

/** Rate shopping for an allocated order: every carrier account's quotes, cheapest first, and
 * buying one, which ships the order with its tracking number and keeps the label file. */
export function Rates({ orderId, onClose }: { orderId: number; onClose: () => void }) {
  const { t, money, num } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const [quotes, setQuotes] = useState<Quotes | null>(null);
  const [busy, setBusy] = useState<string | null>('quote');
  useEffect(() => {
    let live = true;
    void api
      .quoteOrder(orderId)
      .then((q) => { if (live) setQuotes(q); }, (e) => toast.error(e))
      .finally(() => { if (live) setBusy(null); });
    return () => { live = false; };
    // One quote per opening (the toast helper is stable enough for this).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [orderId]);
  const buy = async (q: Quotes['quotes'][number]) => {
    setBusy(q.rate_id);
    try {
      const l = await api.buyLabel(orderId, q.account_id, q.carrier_shipment_id, q.rate_id);
      toast.ok(t('quote.bought', { carrier: l.carrier, service: l.service, number: l.tracking_number, path: l.label_path }));
      onClose();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(null);
      await qc.invalidateQueries();
    }
  };
  return (
    <div className="card rates" data-testid="rates">
      <div className="row between">
        <h2>{t('quote.title')}</h2>
        <button onClick={onClose}>{t('common.cancel')}</button>
      </div>
      {busy === 'quote' && <p className="muted">{t('quote.asking')}</p>}
      {quotes && (
        <>
          <p className="muted small">
            {t('quote.weight', { g: num(quotes.weight_g) })}
            {quotes.unweighed.length > 0 && ` · ${t('quote.unweighed', { skus: quotes.unweighed.join(', ') })}`}
          </p>
          {quotes.quotes.length === 0 ? (
            <p className="muted">{t('quote.none')}</p>
          ) : (
            <table className="simple" data-testid="rate-table">
              <tbody>
                {quotes.quotes.map((q, i) => (
                  <tr key={`${q.account_id}-${q.rate_id}`} data-testid="rate-row">
                    <td className="strong">{money(q.amount_minor, q.currency)}</td>
                    <td>{q.carrier} {q.service}</td>
                    <td className="muted">{q.delivery_days === null ? '—' : t('quote.days', { n: q.delivery_days })}</td>
                    <td className="muted small">{q.account}</td>
                    <td>
                      <button className={i === 0 ? 'primary' : ''} data-testid="rate-buy" disabled={busy !== null} onClick={() => void buy(q)}>
                        {i === 0 ? t('quote.buyCheapest') : t('quote.buy')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {quotes.problems.map((p) => (
            <p key={p} className="muted small">{t('quote.problem', { what: p })}</p>
          ))}
        </>
      )}
    </div>
  );
}
