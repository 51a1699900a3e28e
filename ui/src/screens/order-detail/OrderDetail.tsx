import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CancelLines, EditOrder } from './EditOrder';
import { Rates } from './Rates';
import { Refunds } from './Refunds';
import { Returns } from './Returns';
import { Shipments } from './Shipments';
import type { AddressView, OrderDetail as Detail, RoutingView } from '../../api/bindings';
import { api } from '../../api/client';
import { PaymentBadge, StatusBadge, Tags } from '../../components/badges';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';

import { bulkText, processText } from '../../components/actions';
import { go } from '../../route';

const EVENT_KINDS = ['imported', 'updated', 'note', 'tagged', 'held', 'released', 'cancelled'];

/** Timeline filters: the event kinds each one shows. */
const TIMELINE_GROUPS: Record<string, string[]> = {
  all: [],
  notes: ['note'],
  processing: ['imported', 'updated', 'validated', 'held', 'released', 'screened', 'prioritised', 'reserved', 'backordered', 'merged', 'routed', 'status_changed', 'tagged'],
  shipping: ['packed', 'shipped', 'tracking', 'channel_updated'],
  customer: ['email'],
  returns: ['returned', 'refunded'],
  edits: ['edited', 'cancelled'],
};

/** A note's text with @mentions marked (the operator's own stand out). */
function Mentions({ text, me }: { text: string; me: string }) {
  const parts = text.split(/(@[\p{L}\p{N}._-]+)/u);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith('@') ? (
          <span key={i} className={`mention ${p.slice(1).toLowerCase() === me.toLowerCase() ? 'me' : ''}`} data-testid="mention">{p}</span>
        ) : (
          <span key={i}>{p}</span>
        ),
      )}
    </>
  );
}

export function OrderDetail({ id, intent }: { id: number; intent?: string }) {
  const { t, money, dateTime, num, date } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const eventTitle = (kind: string, summary: string) => (EVENT_KINDS.includes(kind) ? t(`event.${kind}` as MessageKey) : summary);
  const q = useQuery({ queryKey: ['order', id], queryFn: () => api.getOrder(id) });
  const info = useQuery({ queryKey: ['app-info'], queryFn: api.appInfo });
  const [note, setNote] = useState('');
  const [comment, setComment] = useState('');
  const [shipping, setShipping] = useState<{ carrier: string; number: string } | null>(null);
  const [rating, setRating] = useState(false);
  const [editing, setEditing] = useState<'edit' | 'cancel' | null>(intent === 'edit' || intent === 'cancel' ? intent : null);
  const [filter, setFilter] = useState('all');
  const act = async (f: () => Promise<string>) => {
    try {
      toast.ok(await f());
      setComment('');
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  const addNote = useMutation({
    mutationFn: (body: string) => api.addNote(id, body),
    onSuccess: () => {
      setNote('');
      void qc.invalidateQueries({ queryKey: ['order', id] });
    },
    onError: (e) => toast.error(e),
  });
  if (q.isError) {
    return (
      <div className="screen">
        <button className="link" onClick={() => go('/orders')}>← {t('detail.back')}</button>
        <p className="error-text">{t('error.not_found')}</p>
      </div>
    );
  }
  const d = q.data;
  if (!d) return <div className="screen muted">{t('common.loading')}</div>;
  const o = d.order;
  const m = (v: number) => money(v, o.currency);
  return (
    <div className="screen detail" data-testid="order-detail">
      <button className="link" onClick={() => history.back()}>← {t('detail.back')}</button>
      <div className="detail-head">
        <h1 className="mono">{o.order_number}</h1>
        <StatusBadge status={o.status} />
        <PaymentBadge status={o.payment_status} />
        <span className="muted">{o.connection_name}</span>
      </div>
      <div className="facts">
        <Fact label={t('detail.placed')} value={dateTime(o.placed_at)} />
        <Fact label={t('detail.shipBy')} value={o.ship_by ? dateTime(o.ship_by) : t('detail.none')} />
        <Fact label={t('detail.service')} value={d.shipping_service ?? t('detail.none')} />
        <Fact label={t('detail.priority')} value={num(o.priority)} />
        <Fact label={t('detail.risk')} value={d.risk_score === null ? t('detail.none') : num(d.risk_score)} />
        <Fact label={t('detail.externalId')} value={d.external_id} />
        <div className="fact wide">
          <div className="muted small">{t('detail.customer')}</div>
          <div>{[o.customer_name, o.email, d.phone].filter(Boolean).join(' · ')} <button className="link small" data-testid="open-customer" onClick={() => go(`/customer/${id}`)}>{t('customer.open')}</button></div>
        </div>
      </div>
      <div className="detail-grid">
        <div className="card">
          <h2>{t('detail.lines')}</h2>
          <table className="simple lines">
            <thead>
              <tr>
                <th>{t('detail.sku')}</th>
                <th>{t('detail.item')}</th>
                <th className="num">{t('detail.qty')}</th>
                <th>{t('detail.reserved')}</th>
                <th className="num">{t('detail.unitPrice')}</th>
                <th className="num">{t('detail.lineTotal')}</th>
              </tr>
            </thead>
            <tbody>
              {d.lines.map((l) => (
                <tr key={l.line_no}>
                  <td className="mono">{l.sku}</td>
                  <td>{l.title}{l.origin_order_number && <div className="muted small">{t('detail.fromOrder', { number: l.origin_order_number })}</div>}
                    {l.release_at !== null && l.release_at > Date.now() && <div><span className="badge pickup-to_prepare" data-testid="line-preorder">{t('detail.preorder', { date: date(l.release_at) })}</span>{l.preorder_covered !== null && <span className={`small ${l.preorder_covered ? 'ok-text' : 'warn-text'}`}> {t(l.preorder_covered ? 'detail.preorderCovered' : 'detail.preorderBeyond')}</span>}</div>}</td>
                  <td className="num">{num(l.quantity)}</td>
                  <td className="small" data-testid="line-allocation">
                    {l.reservations.map((r) => (
                      <div key={r.location_id}>{num(r.quantity)} {t('detail.at', { where: r.location_name })}</div>
                    ))}
                    {l.quantities.backordered > 0 && (
                      <div className="warn-text">{num(l.quantities.backordered)} {t('detail.backordered')}</div>
                    )}
                    {l.expected.map((x, i) => (
                      <div key={i} className="muted">{t('detail.expected', { count: num(x.incoming), where: x.location_name, when: x.expected_at ? dateTime(x.expected_at) : '' })}</div>
                    ))}
                    {l.quantities.shipped > 0 && <div className="muted">{num(l.quantities.shipped)} {t('detail.shipped')}</div>}
                  </td>
                  <td className="num">{m(l.unit_price)}</td>
                  <td className="num">{m(l.line_total)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <Total label={t('detail.subtotal')} v={m(d.subtotal)} />
              <Total label={t('detail.shipping')} v={m(d.shipping_total)} />
              <Total label={t('detail.tax')} v={m(d.tax_total)} />
              {d.discount_total > 0 && <Total label={t('detail.discount')} v={`− ${m(d.discount_total)}`} />}
              <Total label={t('detail.grandTotal')} v={m(o.grand_total)} strong />
            </tfoot>
          </table>
          <div className="addresses">
            <Address title={t('detail.shipTo')} a={d.ship_to} />
            <Address title={t('detail.billTo')} a={d.bill_to} />
          </div>
          <div className="row gap small">
            <span className="muted">{t('detail.tags')}:</span>
            {o.tags.length ? <Tags tags={o.tags} /> : <span className="muted">{t('detail.noTags')}</span>}
          </div>
        </div>
        {d.routing && <RoutingCard r={d.routing} />}
        <Delivery d={d} />
        <Shipments orderId={id} />
        <Returns orderId={id} initialOpen={intent === 'return'} />
        <Refunds orderId={id} initialOpen={intent === 'refund'} />
        <div className="stack">
        <div className="card" data-testid="order-actions">
          <h2>{t('detail.actions')}</h2>
          {d.merged_into && (
            <p className="small">{t('detail.mergedInto')}: <button className="link mono" onClick={() => go(`/orders/${d.merged_into!.id}`)}>{d.merged_into.order_number}</button></p>
          )}
          {d.merged_from.length > 0 && (
            <p className="small">{t('detail.mergedFrom')}: {d.merged_from.map((m) => (
              <button key={m.id} className="link mono" onClick={() => go(`/orders/${m.id}`)}>{m.order_number} ({m.connection_name})</button>
            ))}</p>
          )}
          {d.exchange_of && (
            <p className="small" data-testid="exchange-of">{t('detail.exchangeOf')}: <button className="link mono" onClick={() => go(`/orders/${d.exchange_of!.id}`)}>{d.exchange_of.order_number}</button></p>
          )}
          {d.exchanges.length > 0 && (
            <p className="small" data-testid="exchanges">{t('detail.exchanges')}: {d.exchanges.map((x) => (
              <button key={x.id} className="link mono" onClick={() => go(`/orders/${x.id}`)}>{x.order_number}</button>
            ))}</p>
          )}
          <input className="full" data-testid="action-comment" value={comment} placeholder={t('review.comment')} onChange={(e) => setComment(e.target.value)} />
          <div className="row gap wrap">
            <button data-testid="action-process" onClick={() => void act(async () => processText(t, await api.processOrders([id])))}>{t('actions.process')}</button>
            {o.status !== 'on_hold' && (
              <button data-testid="action-hold" onClick={() => void act(async () => bulkText(t, await api.holdOrders([id], 'manual', comment)))}>{t('actions.hold')}</button>
            )}
            {d.holds.some((h) => h.released_at === null) && (
              <button className="primary" data-testid="action-release" disabled={!comment.trim()} onClick={() => void act(async () => bulkText(t, await api.releaseOrders([id], comment)))}>{t('actions.release')}</button>
            )}
            {['pending', 'on_hold', 'ready', 'backordered', 'allocated'].includes(o.status) && (
              <button data-testid="action-reroute" onClick={() => void act(async () => bulkText(t, await api.rerouteOrders([id])))}>{t('actions.reroute')}</button>
            )}
            {(o.status === 'allocated' || o.status === 'partially_shipped') && (
              <button data-testid="action-ship" onClick={() => void act(async () => bulkText(t, await api.shipOrders([id])))}>{t('actions.ship')}</button>
            )}
            {(o.status === 'allocated' || o.status === 'partially_shipped') && (
              <button data-testid="action-rates" onClick={() => setRating(true)}>{t('quote.action')}</button>
            )}
            {(o.status === 'allocated' || o.status === 'partially_shipped') && (
              <button data-testid="action-ship-tracking" onClick={() => setShipping({ carrier: '', number: '' })}>{t('detail.shipTracking')}</button>
            )}
            {['pending', 'on_hold', 'ready', 'backordered', 'allocated', 'partially_shipped'].includes(o.status) && (
              <button data-testid="action-edit" onClick={() => setEditing('edit')}>{t('edit.action')}</button>
            )}
            {['pending', 'on_hold', 'ready', 'backordered', 'allocated', 'partially_shipped'].includes(o.status) && (
              <button data-testid="action-cancel-lines" onClick={() => setEditing('cancel')}>{t('cancelLines.action')}</button>
            )}
            <button className="danger" data-testid="action-cancel" disabled={!comment.trim()} onClick={() => { if (window.confirm(t('actions.confirmCancel', { count: 1 }))) void act(async () => bulkText(t, await api.cancelOrders([id], comment))); }}>{t('actions.cancel')}</button>
          </div>
          {rating && <Rates orderId={id} onClose={() => setRating(false)} />}
          {editing === 'edit' && <EditOrder d={d} onClose={() => setEditing(null)} />}
          {editing === 'cancel' && <CancelLines d={d} onClose={() => setEditing(null)} />}
          {shipping && (
            <div className="row gap wrap ship-tracking" data-testid="ship-tracking">
              <input data-testid="ship-carrier" placeholder={t('detail.carrier')} value={shipping.carrier} onChange={(e) => setShipping({ ...shipping, carrier: e.target.value })} />
              <input data-testid="ship-number" placeholder={t('detail.trackingNumber')} value={shipping.number} onChange={(e) => setShipping({ ...shipping, number: e.target.value })} />
              <button className="primary" data-testid="ship-confirm" disabled={!shipping.carrier.trim() || !shipping.number.trim()}
                onClick={() => void act(async () => {
                  const units = await api.shipOrder(id, shipping.carrier, shipping.number);
                  setShipping(null);
                  return t('detail.shippedWith', { units, carrier: shipping.carrier, number: shipping.number });
                })}>{t('actions.ship')}</button>
              <button onClick={() => setShipping(null)}>{t('common.cancel')}</button>
            </div>
          )}
          <h2>{t('detail.holds')}</h2>
          {d.holds.length === 0 && <p className="muted small">{t('detail.noHolds')}</p>}
          <ul className="plain holds" data-testid="holds">
            {d.holds.map((h) => (
              <li key={h.id} className={h.released_at ? 'released' : 'open'} data-testid="hold">
                <span className={`hold-chip hold-${h.reason}`}>{t(`hold.${h.reason}` as MessageKey)}</span> {h.message}
                <div className="muted small">{dateTime(h.placed_at)} · {h.placed_by}
                  {h.released_at && <> · {t('detail.releasedBy', { who: h.released_by ?? '', comment: h.release_comment ?? '' })}</>}</div>
              </li>
            ))}
          </ul>
        </div>
        <div className="card">
          <h2>{t('detail.notes')}</h2>
          <form
            className="note-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (note.trim()) addNote.mutate(note);
            }}
          >
            <textarea data-testid="note-input" value={note} rows={3} placeholder={t('detail.notePlaceholder')} onChange={(e) => setNote(e.target.value)} />
            <button className="primary" data-testid="note-add" type="submit" disabled={!note.trim() || addNote.isPending}>
              {t('detail.addNote')}
            </button>
          </form>
          <div className="row gap wrap">
            <h2 className="grow">{t('detail.timeline')}</h2>
            <select data-testid="timeline-filter" value={filter} onChange={(e) => setFilter(e.target.value)}>
              {Object.keys(TIMELINE_GROUPS).map((g) => <option key={g} value={g}>{t(`timeline.${g}` as MessageKey)}</option>)}
            </select>
          </div>
          <ol className="timeline">
            {d.timeline.filter((e) => filter === 'all' || TIMELINE_GROUPS[filter].includes(e.kind)).map((e) => (
              <li key={e.id} className={`ev ev-${e.kind}`} data-testid="timeline-event">
                <div className="ev-head">
                  <span className="strong">{eventTitle(e.kind, e.summary)}</span>
                  <span className="muted small">{dateTime(e.at)} · {e.actor}</span>
                </div>
                {e.detail && <div className="ev-detail"><Mentions text={e.detail} me={info.data?.operator ?? ''} /></div>}
              </li>
            ))}
          </ol>
        </div>
        </div>
      </div>
    </div>
  );
}

function Fact({ label, value, wide }: { label: string; value: string; wide?: boolean }) {
  return (
    <div className={`fact ${wide ? 'wide' : ''}`}>
      <div className="muted small">{label}</div>
      <div>{value}</div>
    </div>
  );
}

function Total({ label, v, strong }: { label: string; v: string; strong?: boolean }) {
  return (
    <tr className={strong ? 'strong' : ''}>
      <td colSpan={5} className="num">{label}</td>
      <td className="num">{v}</td>
    </tr>
  );
}

function Address({ title, a }: { title: string; a: AddressView | null }) {
  return (
    <div className="address">
      <div className="muted small">{title}</div>
      {a ? (
        <address>
          {[a.name, a.company, a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(' '), a.region, a.country]
            .filter(Boolean)
            .map((l, i) => (
              <div key={i}>{l}</div>
            ))}
        </address>
      ) : (
        <div>—</div>
      )}
    </div>
  );
}

const RANKER_UNITS: Record<string, string> = { nearest: ' km', fastest_transit: ' d' };

/** A ranking value as a person reads it: rankers rank ascending, so "higher is better" ones
 * (priority, spare capacity) are stored negated. */
function shown(ranker: string, v: number): string {
  if (ranker === 'location_priority') return String(-v);
  if (ranker === 'spread_load') return `${Math.round(-v * 100)}%`;
  if (ranker === 'lowest_cost') return (v / 100).toFixed(2);
  return `${Math.round(v * 10) / 10}${RANKER_UNITS[ranker] ?? ''}`;
}

/** Why the order goes where it goes: the winner, every location considered and what removed
 * the others, with the ranking values. */
/** Store pickup (set the store, ready, picked up) and the hand-offs to suppliers and 3PLs. */
function Delivery({ d }: { d: Detail }) {
  const { t, dateTime, num } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const locations = useQuery({ queryKey: ['locations'], queryFn: api.listLocations });
  const stores = (locations.data ?? []).filter((l) => l.kind === 'store');
  const open = ['pending', 'on_hold', 'ready', 'backordered', 'allocated'].includes(d.order.status);
  const run = async (f: () => Promise<unknown>) => {
    try {
      const r = await f();
      if (r && typeof r === 'object' && 'failed_count' in r && (r as { failed_count: number }).failed_count > 0) {
        const failed = (r as unknown as { failed: { message: string }[] }).failed;
        toast.error({ code: 'conflict', message: failed.map((x) => x.message).join('; '), details: [] });
      }
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  if (!d.pickup && d.handoffs.length === 0 && (!open || stores.length === 0)) return null;
  return (
    <div className="card stack" data-testid="delivery">
      <h2>{d.pickup ? t('detail.pickup') : d.handoffs.length ? t('detail.handoffs') : t('detail.pickup')}</h2>
      {d.pickup && (
        <p data-testid="pickup-state">
          {t('detail.pickupAt', { store: d.pickup.location_name })} · <span className={`badge pickup-${d.pickup.state}`}>{t(`pickup.${d.pickup.state}` as MessageKey)}</span>
          {d.pickup.since ? <span className="muted small"> {dateTime(d.pickup.since)}</span> : null}
        </p>
      )}
      {open && stores.length > 0 && (
        <label className="field"><span>{t('detail.pickupSet')}</span>
          <select data-testid="pickup-select" value={d.pickup?.location_id ?? ''} onChange={(e) => void run(() => api.setPickupLocation(d.order.id, e.target.value ? Number(e.target.value) : null))}>
            <option value="">{t('detail.pickupNone')}</option>
            {stores.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
          </select></label>
      )}
      {d.pickup && (
        <div className="row gap">
          {d.pickup.state === 'to_prepare' && <button data-testid="detail-pickup-ready" onClick={() => void run(() => api.markReadyForPickup([d.order.id]))}>{t('fulfil.markReady')}</button>}
          {d.pickup.state === 'ready' && <button className="primary" data-testid="detail-picked-up" onClick={() => void run(() => api.markPickedUp([d.order.id]))}>{t('fulfil.markPickedUp')}</button>}
        </div>
      )}
      {d.handoffs.length > 0 && (
        <table className="simple" data-testid="detail-handoffs">
          <tbody>
            {d.handoffs.map((h) => (
              <tr key={h.id}>
                <td className="mono">HO-{h.id}</td>
                <td>{h.location_name}<div className="muted small">{t(`handoff.kind.${h.kind}` as MessageKey)} · {num(h.units)}</div></td>
                <td><span className={`badge handoff-${h.status}`}>{t(`handoff.${h.status}` as MessageKey)}</span>{h.tracking_number && <div className="small mono">{h.carrier} {h.tracking_number}</div>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function RoutingCard({ r }: { r: RoutingView }) {
  const { t, dateTime, num, money } = useI18n();
  const rule = (name: string) => t(`route.rule.${name}` as MessageKey);
  return (
    <div className="card" data-testid="routing">
      <h2>{t('route.title')}</h2>
      <p data-testid="routing-explanation">{r.explanation}</p>
      <p className="muted small">
        {t('route.meta', { strategy: r.strategy, when: dateTime(r.at), precision: t(`route.precision.${r.precision}` as MessageKey) })}
        {r.distance_km !== null ? ` · ${num(Math.round(r.distance_km))} km` : ''}
        {r.cost_minor !== null && r.cost_currency ? ` · ${money(r.cost_minor, r.cost_currency)}` : ''}
        {r.transit_days !== null ? ` · ${t('backtest.days', { n: r.transit_days })}` : ''}
      </p>
      <table className="simple">
        <thead><tr><th>{t('inventory.location')}</th><th>{t('route.outcome')}</th><th>{t('route.values')}</th></tr></thead>
        <tbody>
          {r.candidates.map((c) => (
            <tr key={c.location_id} data-testid="routing-candidate" className={c.chosen ? 'sel' : ''}>
              <td className="strong">{c.name}</td>
              <td>
                {c.chosen
                  ? <span className="ok-text">{t('route.chosen')}{r.winner_rule ? ` · ${rule(r.winner_rule)}` : ''}</span>
                  : c.rejected_by
                    ? <span className="warn-text">{c.reason ?? rule(c.rejected_by)}</span>
                    : <span className="muted">{t('route.ranked')}</span>}
              </td>
              <td className="small mono">{c.values.map(([k, v]) => `${rule(k)} ${shown(k, v)}`).join(' · ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.earlier.length > 0 && (
        <details className="small">
          <summary>{t('route.earlier', { count: r.earlier.length })}</summary>
          <ul className="plain">{r.earlier.map((e, i) => <li key={i} className="muted">{e}</li>)}</ul>
        </details>
      )}
    </div>
  );
}
