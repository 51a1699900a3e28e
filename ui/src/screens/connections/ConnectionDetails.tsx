import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { SyncConnectionView } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';

/** What a connection is told besides orders (shipments, cancellations, stock with buffer and
 * cap, which locations feed it), its outbox and its SKU mapping. */
export function ConnectionDetails({ c }: { c: SyncConnectionView }) {
  const { t } = useI18n();
  return (
    <details className="conn-details" data-testid="conn-details">
      <summary>
        {t('push.summary')}
        {c.outbox_failed > 0 && <span className="badge bad"> {t('push.failedCount', { n: c.outbox_failed })}</span>}
        {c.unknown_skus > 0 && <span className="badge warn"> {t('push.unknownCount', { n: c.unknown_skus })}</span>}
      </summary>
      <PushForm c={c} />
      <Outbox id={c.id} />
      <Skus id={c.id} />
    </details>
  );
}

function PushForm({ c }: { c: SyncConnectionView }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const [buffer, setBuffer] = useState(String(c.stock_buffer));
  const [cap, setCap] = useState(c.stock_cap === null ? '' : String(c.stock_cap));
  const locations = useQuery({ queryKey: ['locations'], queryFn: api.listLocations });
  const feeds = useQuery({ queryKey: ['channel-locations', c.id], queryFn: () => api.channelLocations(c.id) });
  const save = async (patch: Partial<{ push_fulfilments: boolean; push_stock: boolean }>) => {
    try {
      const n = Number(buffer);
      if (!Number.isInteger(n) || n < 0) throw { code: 'invalid_input', message: t('push.badBuffer'), details: [] };
      const capN = cap.trim() === '' ? null : Number(cap);
      if (capN !== null && (!Number.isInteger(capN) || capN < 0)) throw { code: 'invalid_input', message: t('push.badCap'), details: [] };
      await api.setPushSettings(c.id, {
        push_fulfilments: patch.push_fulfilments ?? null,
        push_stock: patch.push_stock ?? null,
        stock_buffer: n,
        stock_cap: capN,
        remove_cap: capN === null,
      });
      toast.ok(t('push.saved'));
    } catch (e) {
      toast.error(e);
    }
    await qc.invalidateQueries();
  };
  const fed = new Map((feeds.data ?? []).map((f) => [f.location_id, f]));
  return (
    <div className="push-form">
      <h3>{t('push.title')}</h3>
      <label className="check">
        <input type="checkbox" data-testid="push-fulfilments" checked={c.push_fulfilments} onChange={(e) => void save({ push_fulfilments: e.target.checked })} />
        {t('push.fulfilments')}
      </label>
      <label className="check">
        <input type="checkbox" data-testid="push-stock" checked={c.push_stock} onChange={(e) => void save({ push_stock: e.target.checked })} />
        {t('push.stock')}
      </label>
      <div className="form-grid">
        <label>
          {t('push.buffer')}
          <input type="number" min={0} data-testid="push-buffer" value={buffer} onChange={(e) => setBuffer(e.target.value)} />
        </label>
        <label>
          {t('push.cap')}
          <input type="number" min={0} data-testid="push-cap" placeholder={t('push.noCap')} value={cap} onChange={(e) => setCap(e.target.value)} />
        </label>
      </div>
      <button data-testid="push-save" onClick={() => void save({})}>{t('connections.save')}</button>
      <h3>{t('push.locations')}</h3>
      <p className="muted small">{fed.size === 0 ? t('push.allLocations') : t('push.someLocations')}</p>
      <table className="simple">
        <tbody>
          {(locations.data ?? []).filter((l) => l.active).map((l) => (
            <LocationFeed key={l.id} connectionId={c.id} locationId={l.id} name={l.name}
              feeds={fed.has(l.id)} external={fed.get(l.id)?.external_location_id ?? null} shopify={c.kind === 'shopify'} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LocationFeed(p: { connectionId: number; locationId: number; name: string; feeds: boolean; external: string | null; shopify: boolean }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [ext, setExt] = useState(p.external ?? '');
  const set = async (feeds: boolean) => {
    try {
      await api.setChannelLocation(p.connectionId, p.locationId, ext.trim() || null, feeds);
    } catch (e) {
      toast.error(e);
    }
    await qc.invalidateQueries({ queryKey: ['channel-locations', p.connectionId] });
  };
  return (
    <tr>
      <td>
        <label className="check">
          <input type="checkbox" checked={p.feeds} onChange={(e) => void set(e.target.checked)} /> {p.name}
        </label>
      </td>
      {p.shopify && (
        <td>
          <input className="wide" placeholder="gid://shopify/Location/…" value={ext} onChange={(e) => setExt(e.target.value)}
            onBlur={() => { if (p.feeds && ext !== (p.external ?? '')) void set(true); }} />
        </td>
      )}
    </tr>
  );
}

function Outbox({ id }: { id: number }) {
  const { t, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const rows = useQuery({ queryKey: ['outbox', id], queryFn: () => api.outbox(id, null, 25), refetchInterval: 4000 });
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (e) {
      toast.error(e);
    }
    await qc.invalidateQueries();
  };
  const list = rows.data ?? [];
  return (
    <>
      <div className="row between">
        <h3>{t('push.outbox')}</h3>
        <button data-testid="outbox-send" onClick={() => void act(async () => {
          const r = await api.sendOutbox();
          const mine = r.find((x) => x.connection_id === id);
          toast.ok(t('push.sentNow', { sent: mine?.sent ?? 0, failed: mine?.failed ?? 0, retrying: mine?.retrying ?? 0 }));
        })}>{t('push.sendNow')}</button>
      </div>
      {list.length === 0 ? (
        <p className="muted small">{t('push.outboxEmpty')}</p>
      ) : (
        <table className="simple" data-testid="outbox">
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-testid={`outbox-${r.status}`}>
                <td className="muted">{dateTime(r.created_at)}</td>
                <td><span className={`badge ${r.status === 'sent' ? 'ok' : r.status === 'failed' ? 'bad' : r.status === 'pending' ? 'warn' : ''}`}>
                  {t(`push.status.${r.status}` as MessageKey)}</span></td>
                <td>{r.summary}</td>
                <td className="muted small">
                  {r.status === 'pending' && r.attempts > 0 && t('push.nextTry', { at: dateTime(r.next_attempt_at), n: r.attempts })}
                  {r.status === 'sent' && r.sent_at !== null && t('push.sentAt', { at: dateTime(r.sent_at) })}
                  {r.last_error && r.status !== 'sent' && <div className="error-text">{r.last_error}</div>}
                </td>
                <td>
                  {(r.status === 'failed' || (r.status === 'pending' && r.attempts > 0)) && (
                    <button data-testid="outbox-retry" onClick={() => void act(() => api.retryOutbox([r.id]))}>{t('connections.retry')}</button>
                  )}
                  {(r.status === 'failed' || r.status === 'pending') && (
                    <button onClick={() => void act(() => api.dismissOutbox([r.id]))}>{t('connections.dismiss')}</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Skus({ id }: { id: number }) {
  const { t, dateTime, num } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const [unknownOnly, setUnknownOnly] = useState(false);
  const [editing, setEditing] = useState<{ sku: string; to: string } | null>(null);
  const skus = useQuery({ queryKey: ['channel-skus', id, unknownOnly], queryFn: () => api.channelSkus(id, unknownOnly) });
  const list = skus.data ?? [];
  const map = async () => {
    if (!editing) return;
    try {
      await api.mapChannelSku(id, editing.sku, editing.to.trim() || null);
      toast.ok(t('push.mapped', { sku: editing.sku }));
      setEditing(null);
    } catch (e) {
      toast.error(e);
    }
    await qc.invalidateQueries();
  };
  return (
    <>
      <div className="row between">
        <h3>{t('push.skus')}</h3>
        <label className="check">
          <input type="checkbox" checked={unknownOnly} onChange={(e) => setUnknownOnly(e.target.checked)} /> {t('push.unknownOnly')}
        </label>
      </div>
      {list.length === 0 ? (
        <p className="muted small">{t('push.noSkus')}</p>
      ) : (
        <table className="simple" data-testid="channel-skus">
          <thead>
            <tr><th>{t('push.channelSku')}</th><th>{t('push.ourSku')}</th><th>{t('push.state')}</th><th>{t('push.pushed')}</th><th /></tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.channel_sku} data-testid={`sku-${s.state}`}>
                <td className="strong">{s.channel_sku}</td>
                <td>
                  {editing?.sku === s.channel_sku ? (
                    <span className="row">
                      <input data-testid="sku-map-input" value={editing.to} placeholder={s.channel_sku} onChange={(e) => setEditing({ ...editing, to: e.target.value })} />
                      <button className="primary" data-testid="sku-map-save" onClick={() => void map()}>{t('connections.save')}</button>
                      <button onClick={() => setEditing(null)}>{t('common.cancel')}</button>
                    </span>
                  ) : (
                    <>{s.sku ?? '—'}{s.manual && <span className="muted small"> {t('push.byHand')}</span>} {s.title && <span className="muted small">· {s.title}</span>}</>
                  )}
                </td>
                <td><span className={`badge ${s.state === 'mapped' ? 'ok' : 'warn'}`}>{t(`push.skuState.${s.state}` as MessageKey)}</span></td>
                <td className="muted small">{s.pushed_quantity === null || s.pushed_at === null ? '—' : t('push.pushedAt', { q: num(s.pushed_quantity), at: dateTime(s.pushed_at) })}</td>
                <td>{editing?.sku !== s.channel_sku && (
                  <button className="link" data-testid="sku-map" onClick={() => setEditing({ sku: s.channel_sku, to: s.manual ? s.sku ?? '' : '' })}>{t('push.map')}</button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
