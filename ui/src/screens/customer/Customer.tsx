import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { PaymentBadge, StatusBadge, Tags } from '../../components/badges';
import { useI18n, type MessageKey } from '../../i18n';
import { go } from '../../route';
import { reasonLabel } from '../returns/ReturnCard';

/** The customer-service view of an order's customer: every order across the channels (by
 * e-mail, then by phone), returns, refunds, notes and lifetime value. */
export function Customer({ orderId }: { orderId: number }) {
  const { t, money, dateTime, num } = useI18n();
  const q = useQuery({ queryKey: ['customer', orderId], queryFn: () => api.customerPage(orderId) });
  const c = q.data;
  if (q.isError) return <div className="screen"><p className="error-text">{t('error.not_found')}</p></div>;
  if (!c) return <div className="screen muted">{t('common.loading')}</div>;
  const amounts = (list: { currency: string; amount: number }[]) => (list.length ? list.map((a) => money(a.amount, a.currency)).join(' · ') : '—');
  return (
    <div className="screen stack" data-testid="customer-page">
      <div><button className="link" onClick={() => history.back()}>← {t('detail.back')}</button></div>
      <div className="detail-head">
        <h1>{c.name}</h1>
        {c.tags.length > 0 && <Tags tags={c.tags} />}
      </div>
      <div className="facts">
        <div className="fact wide"><div className="muted small">{t('customer.email')}</div><div>{c.email ?? '—'}</div></div>
        <div className="fact"><div className="muted small">{t('customer.phone')}</div><div>{c.phone ?? '—'}</div></div>
        <div className="fact"><div className="muted small">{t('customer.orders')}</div><div data-testid="customer-order-count">{num(c.orders.length)}{c.by_phone > 0 && <span className="muted small"> · {t('customer.byPhone', { n: c.by_phone })}</span>}</div></div>
        <div className="fact"><div className="muted small">{t('customer.ltv')}</div><div className="strong" data-testid="customer-ltv">{amounts(c.lifetime_value)}</div></div>
        <div className="fact"><div className="muted small">{t('customer.refunded')}</div><div>{amounts(c.refunded)}</div></div>
      </div>
      <div className="card">
        <h2>{t('customer.orders')}</h2>
        <table className="simple" data-testid="customer-orders">
          <thead><tr><th>{t('orders.col.number')}</th><th>{t('orders.col.channel')}</th><th>{t('orders.col.placed')}</th><th>{t('returns.statusCol')}</th><th>{t('customer.payment')}</th><th className="num">{t('customer.total')}</th></tr></thead>
          <tbody>
            {c.orders.map((o) => (
              <tr key={o.id} className="clickable" data-testid="customer-order" onClick={() => go(`/orders/${o.id}`)}>
                <td className="mono">{o.order_number}</td>
                <td>{o.connection_name}</td>
                <td>{dateTime(o.placed_at)}</td>
                <td><StatusBadge status={o.status} /></td>
                <td><PaymentBadge status={o.payment_status} /></td>
                <td className="num">{money(o.grand_total, o.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="detail-grid">
        <div className="card">
          <h2>{t('returns.title')}</h2>
          {c.returns.length === 0 && <p className="muted small">{t('returns.empty')}</p>}
          <ul className="plain small">
            {c.returns.map((r) => (
              <li key={r.id}>
                <button className="link mono" onClick={() => go(`/orders/${r.order_id}`)}>{r.rma}</button> · {r.order_number} ·{' '}
                <span className={`badge return-${r.status}`}>{t(`returns.status.${r.status}` as MessageKey)}</span> · {r.received}/{r.units} · {r.skus} ·{' '}
                {r.reasons.split(',').filter(Boolean).map((x) => reasonLabel(t, x)).join(', ')}
              </li>
            ))}
          </ul>
          <h2>{t('refund.title')}</h2>
          {c.refunds.length === 0 && <p className="muted small">—</p>}
          <ul className="plain small">
            {c.refunds.map((f) => (
              <li key={f.id}>
                <strong>{money(f.amount, f.currency)}</strong> <span className={`badge refund-${f.status}`}>{t(`refund.status.${f.status}` as MessageKey)}</span> {f.reason}
                <span className="muted"> · {dateTime(f.created_at)}</span>
              </li>
            ))}
          </ul>
        </div>
        <div className="card">
          <h2>{t('customer.notes')}</h2>
          {c.notes.length === 0 && <p className="muted small">—</p>}
          <ul className="plain small" data-testid="customer-notes">
            {c.notes.map((n, i) => (
              <li key={i}>
                <div>{n.body}</div>
                <div className="muted">{dateTime(n.at)} · {n.actor} · <button className="link" onClick={() => go(`/orders/${n.order_id}`)}>{n.order_number}</button></div>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}
