import { useQuery, useQueryClient } from '@tanstack/react-query';
import { open } from '@tauri-apps/plugin-dialog';
import { useEffect, useState } from 'react';
import type { BulkResult, PickupState } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';
import { go } from '../../route';
import { PickPack } from './PickPack';
import { Tracking } from './Tracking';

const STATES: PickupState[] = ['to_prepare', 'ready', 'waiting', 'picked_up'];

type Tab = 'pack' | 'tracking' | 'pickup' | 'handoffs';

/** Where orders leave the building: pick and pack at our locations, parcels on their way,
 * each store's pickup queue, and the hand-offs to drop-ship suppliers and 3PLs. */
export function Fulfilment() {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>('pack');
  return (
    <div className="screen" data-testid="fulfilment">
      <div className="row between">
        <h1>{t('fulfil.title')}</h1>
      </div>
      <div className="tabs">
        <button className={`tab ${tab === 'pack' ? 'active' : ''}`} data-testid="tab-pack" onClick={() => setTab('pack')}>{t('fulfil.pack')}</button>
        <button className={`tab ${tab === 'tracking' ? 'active' : ''}`} data-testid="tab-tracking" onClick={() => setTab('tracking')}>{t('fulfil.trackingTab')}</button>
        <button className={`tab ${tab === 'pickup' ? 'active' : ''}`} data-testid="tab-pickup" onClick={() => setTab('pickup')}>{t('fulfil.pickup')}</button>
        <button className={`tab ${tab === 'handoffs' ? 'active' : ''}`} data-testid="tab-handoffs" onClick={() => setTab('handoffs')}>{t('fulfil.handoffs')}</button>
      </div>
      {tab === 'pack' ? <PickPack /> : tab === 'tracking' ? <Tracking /> : tab === 'pickup' ? <PickupQueue /> : <Handoffs />}
    </div>
  );
}

function useBulkToast() {
  const { t } = useI18n();
  const toast = useToast();
  return (r: BulkResult) => {
    if (r.failed_count > 0) toast.error({ code: 'conflict', message: r.failed.map((f) => f.message).join('; '), details: [] });
    else toast.ok(t('actions.done', { changed: r.changed, failed: r.failed_count }));
  };
}

function PickupQueue() {
  const { t, num, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const done = useBulkToast();
  const locations = useQuery({ queryKey: ['locations'], queryFn: api.listLocations });
  const stores = (locations.data ?? []).filter((l) => l.kind === 'store');
  const [store, setStore] = useState<number | null>(null);
  useEffect(() => {
    if (store === null && stores.length) setStore(stores[0].id);
  }, [store, stores]);
  const queue = useQuery({ queryKey: ['pickup', store], queryFn: () => api.pickupQueue(store ?? 0), enabled: store !== null, staleTime: 0 });
  const [sel, setSel] = useState<number[]>([]);
  const act = async (f: (ids: number[]) => Promise<BulkResult>, ids: number[]) => {
    try {
      done(await f(ids));
      setSel([]);
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  if (!stores.length) return <p className="muted card" data-testid="pickup-no-stores">{t('fulfil.noStores')}</p>;
  const rows = queue.data ?? [];
  const counts = (s: PickupState) => rows.filter((r) => r.state === s).length;
  return (
    <div className="stack" data-testid="pickup">
      <div className="row gap toolbar">
        <label className="field"><span>{t('fulfil.store')}</span>
          <select data-testid="pickup-store" value={store ?? ''} onChange={(e) => { setStore(Number(e.target.value)); setSel([]); }}>
            {stores.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
          </select></label>
        {STATES.map((s) => <span key={s} className={`badge pickup-${s}`}>{t(`pickup.${s}` as MessageKey)} {num(counts(s))}</span>)}
        <span className="grow" />
        <button data-testid="pickup-ready" disabled={!sel.length} onClick={() => void act(api.markReadyForPickup, sel)}>{t('fulfil.markReady')}</button>
        <button className="primary" data-testid="pickup-done" disabled={!sel.length} onClick={() => void act(api.markPickedUp, sel)}>{t('fulfil.markPickedUp')}</button>
      </div>
      {rows.length === 0 ? <p className="muted card">{t('fulfil.emptyQueue')}</p> : (
        <table className="simple card" data-testid="pickup-table">
          <thead><tr><th /><th>{t('orders.col.number')}</th><th>{t('orders.col.customer')}</th><th>{t('fulfil.contact')}</th><th>{t('fulfil.units')}</th><th>{t('fulfil.state')}</th><th>{t('fulfil.since')}</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.order_id} data-testid="pickup-row" data-state={r.state} data-order-number={r.order_number} className={sel.includes(r.order_id) ? 'sel' : ''}>
                <td><input type="checkbox" disabled={r.state === 'picked_up' || r.state === 'waiting'} checked={sel.includes(r.order_id)} onChange={(e) => setSel(e.target.checked ? [...sel, r.order_id] : sel.filter((x) => x !== r.order_id))} /></td>
                <td><button className="link mono" onClick={() => go(`/orders/${r.order_id}`)}>{r.order_number}</button></td>
                <td>{r.customer_name}</td>
                <td className="small">{[r.email, r.phone].filter(Boolean).join(' · ')}</td>
                <td className="num">{num(r.units)}</td>
                <td><span className={`badge pickup-${r.state}`}>{t(`pickup.${r.state}` as MessageKey)}</span>{r.state === 'waiting' && <span className="muted small"> {t(`status.${r.status}` as MessageKey)}</span>}</td>
                <td className="small">{r.since ? dateTime(r.since) : dateTime(r.placed_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Handoffs() {
  const { t, dateTime, num } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const [status, setStatus] = useState<string>('');
  const list = useQuery({ queryKey: ['handoffs', status], queryFn: () => api.listHandoffs(status || null), staleTime: 0 });
  const [ship, setShip] = useState<{ id: number; carrier: string; tracking: string } | null>(null);
  const [conf, setConf] = useState<{ id: number; ref: string } | null>(null);
  const refresh = () => qc.invalidateQueries();
  const exportAll = async () => {
    const folder = await open({ directory: true, multiple: false });
    if (typeof folder !== 'string') return;
    try {
      const r = await api.exportHandoffs(null, folder);
      toast.ok(t('fulfil.exported', { count: r.handoffs, folder: r.folder }));
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  const confirm = async () => {
    if (!conf) return;
    try {
      await api.confirmHandoff(conf.id, conf.ref.trim() || null);
      setConf(null);
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  const doShip = async () => {
    if (!ship) return;
    try {
      await api.shipHandoff(ship.id, ship.carrier, ship.tracking);
      toast.ok(t('fulfil.shipped'));
      setShip(null);
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  const importCsv = async () => {
    const file = await open({ multiple: false, filters: [{ name: 'CSV', extensions: ['csv'] }] });
    if (typeof file !== 'string') return;
    try {
      const r = await api.importHandoffCsv(file, 'all_or_nothing');
      if (!r.committed && r.errors.length) {
        toast.error({ code: 'csv_invalid', message: t('fulfil.importRefused', { count: num(r.errors.length) }), details: r.errors });
      } else {
        toast.ok(t('fulfil.imported', { confirmed: num(r.confirmed), shipped: num(r.shipped) }));
      }
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  const rows = list.data ?? [];
  const pending = rows.filter((h) => h.status === 'pending').length;
  return (
    <div className="stack" data-testid="handoffs">
      <div className="row gap toolbar">
        <label className="field"><span>{t('fulfil.status')}</span>
          <select data-testid="handoff-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('fulfil.open')}</option>
            {['pending', 'sent', 'confirmed', 'shipped', 'cancelled'].map((s) => <option key={s} value={s}>{t(`handoff.${s}` as MessageKey)}</option>)}
          </select></label>
        <span className="grow" />
        <button data-testid="handoffs-import" onClick={() => void importCsv()}>{t('fulfil.importCsv')}</button>
        <button className="primary" data-testid="handoffs-export" disabled={!pending} onClick={() => void exportAll()}>{t('fulfil.export', { count: num(pending) })}</button>
      </div>
      <p className="muted small">{t('fulfil.handoffHint')}</p>
      {conf && (
        <form className="card row gap" data-testid="handoff-confirm-form" onSubmit={(e) => { e.preventDefault(); void confirm(); }}>
          <strong>HO-{conf.id}</strong>
          <input placeholder={t('fulfil.supplierRef')} data-testid="handoff-ref" value={conf.ref} onChange={(e) => setConf({ ...conf, ref: e.target.value })} />
          <button className="primary" type="submit" data-testid="handoff-confirm-submit">{t('fulfil.confirm')}</button>
          <button type="button" onClick={() => setConf(null)}>{t('common.cancel')}</button>
        </form>
      )}
      {ship && (
        <form className="card row gap" data-testid="handoff-ship-form" onSubmit={(e) => { e.preventDefault(); void doShip(); }}>
          <strong>HO-{ship.id}</strong>
          <input placeholder={t('fulfil.carrier')} data-testid="handoff-carrier" value={ship.carrier} onChange={(e) => setShip({ ...ship, carrier: e.target.value })} />
          <input placeholder={t('fulfil.tracking')} data-testid="handoff-tracking" value={ship.tracking} onChange={(e) => setShip({ ...ship, tracking: e.target.value })} />
          <button className="primary" type="submit" data-testid="handoff-ship-submit">{t('fulfil.ship')}</button>
          <button type="button" onClick={() => setShip(null)}>{t('common.cancel')}</button>
        </form>
      )}
      {rows.length === 0 ? <p className="muted card" data-testid="handoffs-empty">{t('fulfil.noHandoffs')}</p> : (
        <table className="simple card" data-testid="handoffs-table">
          <thead><tr><th>{t('fulfil.reference')}</th><th>{t('orders.col.number')}</th><th>{t('fulfil.supplier')}</th><th>{t('fulfil.kind')}</th><th>{t('fulfil.units')}</th><th>{t('fulfil.status')}</th><th>{t('fulfil.since')}</th><th /></tr></thead>
          <tbody>
            {rows.map((h) => (
              <tr key={h.id} data-testid="handoff-row">
                <td className="mono">HO-{h.id}{h.supplier_ref ? <div className="muted small">{h.supplier_ref}</div> : null}</td>
                <td><button className="link mono" onClick={() => go(`/orders/${h.order_id}`)}>{h.order_number}</button></td>
                <td>{h.location_name}</td>
                <td className="small">{t(`handoff.kind.${h.kind}` as MessageKey)}</td>
                <td className="num">{num(h.units)}</td>
                <td><span className={`badge handoff-${h.status}`}>{t(`handoff.${h.status}` as MessageKey)}</span>{h.tracking_number ? <div className="small mono">{h.carrier} {h.tracking_number}</div> : null}</td>
                <td className="small">{dateTime(h.confirmed_at ?? h.sent_at ?? h.created_at)}</td>
                <td className="row gap">
                  {(h.status === 'pending' || h.status === 'sent') && <button data-testid="handoff-confirm" onClick={() => { setShip(null); setConf({ id: h.id, ref: '' }); }}>{t('fulfil.confirm')}</button>}
                  {['pending', 'sent', 'confirmed'].includes(h.status) && <button data-testid="handoff-ship" onClick={() => { setConf(null); setShip({ id: h.id, carrier: '', tracking: '' }); }}>{t('fulfil.enterTracking')}</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
