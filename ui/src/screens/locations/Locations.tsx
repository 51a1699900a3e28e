import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { LocationKind, LocationView, NewLocation } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';

export const LOCATION_KINDS: LocationKind[] = ['warehouse', 'store', 'third_party_logistics', 'drop_ship_supplier'];

type Form = {
  id: number | null; kind: LocationKind; name: string; line1: string; line2: string; postal: string;
  city: string; region: string; country: string; phone: string; lat: string; lon: string; active: boolean;
  priority: string; shipsTo: string; capOrders: string; capUnits: string; cutoff: string;
};

const blank = (): Form => ({
  id: null, kind: 'warehouse', name: '', line1: '', line2: '', postal: '', city: '', region: '', country: 'DE',
  phone: '', lat: '', lon: '', active: true, priority: '0', shipsTo: '', capOrders: '', capUnits: '', cutoff: '',
});

const hhmm = (m: number | null) => (m === null ? '' : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
const minutes = (s: string): number | null => {
  const x = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(s);
  return x ? Number(x[1]) * 60 + Number(x[2]) : null;
};
const count = (s: string): number | null => (s.trim() === '' ? null : Math.max(0, Math.floor(Number(s))));

const fromView = (l: LocationView): Form => ({
  id: l.id, kind: l.kind, name: l.name, line1: l.address?.line1 ?? '', line2: l.address?.line2 ?? '',
  postal: l.address?.postal_code ?? '', city: l.address?.city ?? '', region: l.address?.region ?? '',
  country: l.address?.country ?? '', phone: l.address?.phone ?? '',
  lat: l.lat === null ? '' : String(l.lat), lon: l.lon === null ? '' : String(l.lon), active: l.active,
  priority: String(l.routing.priority), shipsTo: l.routing.ships_to.join(' '),
  capOrders: l.routing.capacity_orders === null ? '' : String(l.routing.capacity_orders),
  capUnits: l.routing.capacity_units === null ? '' : String(l.routing.capacity_units), cutoff: hhmm(l.routing.cutoff_minute_utc),
});

const opt = (s: string) => (s.trim() ? s.trim() : null);
const coord = (s: string) => (s.trim() === '' ? null : Number(s.replace(',', '.')));

function toNew(f: Form): NewLocation {
  const hasAddress = [f.line1, f.city, f.postal].some((x) => x.trim());
  return {
    kind: f.kind, name: f.name.trim(), lat: coord(f.lat), lon: coord(f.lon),
    routing: {
      priority: Math.floor(Number(f.priority) || 0),
      ships_to: f.shipsTo.split(/[\s,]+/).map((c) => c.trim().toUpperCase()).filter(Boolean),
      capacity_orders: count(f.capOrders), capacity_units: count(f.capUnits), cutoff_minute_utc: minutes(f.cutoff),
    },
    address: hasAddress
      ? { name: f.name.trim(), company: null, line1: f.line1.trim(), line2: opt(f.line2), city: f.city.trim(),
          region: opt(f.region), postal_code: opt(f.postal), country: f.country.trim().toUpperCase(), phone: opt(f.phone) }
      : null,
  };
}

/** Stock locations (warehouses, stores, 3PLs, drop-ship suppliers) with address and coordinates. */
export function Locations() {
  const { t } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['locations'], queryFn: api.listLocations });
  const [f, setF] = useState<Form>(blank);
  const set = (patch: Partial<Form>) => setF({ ...f, ...patch });
  const field = (key: keyof Form, label: MessageKey, cls = '') => (
    <label className={`field ${cls}`}>
      <span>{t(label)}</span>
      <input data-testid={`loc-${key}`} value={String(f[key] ?? '')} onChange={(e) => set({ [key]: e.target.value } as Partial<Form>)} />
    </label>
  );
  const save = async () => {
    try {
      const l = f.id === null ? await api.createLocation(toNew(f)) : await api.updateLocation(f.id, toNew(f), f.active);
      toast.ok(t('locations.saved', { name: l.name }));
      setF(blank());
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  const rows = q.data ?? [];
  return (
    <div className="screen" data-testid="locations">
      <h1>{t('locations.title')}</h1>
      <div className="inv-grid">
        <div className="card">
          {q.isSuccess && rows.length === 0 && <p className="muted">{t('locations.empty')}</p>}
          <table className="simple">
            <thead>
              <tr>
                <th>{t('inventory.name')}</th><th>{t('locations.kind')}</th><th>{t('locations.address')}</th>
                <th>{t('locations.coordinates')}</th><th>{t('locations.routing')}</th><th>{t('locations.state')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((l) => (
                <tr key={l.id} data-testid="location-row" className={`clickable ${f.id === l.id ? 'sel' : ''}`} onClick={() => setF(fromView(l))}>
                  <td className="strong">{l.name}</td>
                  <td>{t(`loc.${l.kind}` as MessageKey)}</td>
                  <td className="small">
                    {l.address ? `${l.address.line1}, ${l.address.postal_code ?? ''} ${l.address.city}, ${l.address.country}` : <span className="muted">—</span>}
                  </td>
                  <td className="mono small">{l.lat !== null && l.lon !== null ? `${l.lat.toFixed(4)}, ${l.lon.toFixed(4)}` : <span className="muted">{t('locations.noCoordinates')}</span>}</td>
                  <td className="small">
                    {[l.routing.priority ? `P${l.routing.priority}` : '', l.routing.ships_to.join(' '),
                      l.routing.capacity_orders !== null ? `${l.routing.capacity_orders}/d` : '',
                      l.routing.cutoff_minute_utc !== null ? `⏱ ${hhmm(l.routing.cutoff_minute_utc)}` : ''].filter(Boolean).join(' · ') || '—'}
                  </td>
                  <td>{l.active ? t('locations.active') : <span className="warn-text">{t('locations.inactive')}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="side">
          <div className="card">
            <h2>{f.id === null ? t('inventory.addLocation') : t('locations.edit', { name: f.name })}</h2>
            <form className="stack" onSubmit={(e) => { e.preventDefault(); void save(); }}>
              {field('name', 'inventory.name')}
              <label className="field">
                <span>{t('locations.kind')}</span>
                <select data-testid="loc-kind" value={f.kind} onChange={(e) => set({ kind: e.target.value as LocationKind })}>
                  {LOCATION_KINDS.map((k) => <option key={k} value={k}>{t(`loc.${k}` as MessageKey)}</option>)}
                </select>
              </label>
              {field('line1', 'locations.line1')}
              {field('line2', 'locations.line2')}
              <div className="row gap">
                {field('postal', 'locations.postal', 'narrow-field')}
                {field('city', 'locations.city')}
              </div>
              <div className="row gap">
                {field('region', 'locations.region')}
                {field('country', 'locations.country', 'narrow-field')}
              </div>
              {field('phone', 'locations.phone')}
              <div className="row gap">
                {field('lat', 'locations.lat')}
                {field('lon', 'locations.lon')}
              </div>
              <h3 className="small">{t('locations.routing')}</h3>
              <div className="row gap">
                {field('priority', 'locations.priority')}
                {field('cutoff', 'locations.cutoff')}
              </div>
              {field('shipsTo', 'locations.shipsTo')}
              <div className="row gap">
                {field('capOrders', 'locations.capacityOrders')}
                {field('capUnits', 'locations.capacityUnits')}
              </div>
              {f.id !== null && (
                <label className="row gap"><input type="checkbox" checked={f.active} onChange={(e) => set({ active: e.target.checked })} />{t('locations.takesOrders')}</label>
              )}
              <div className="row gap">
                <button className="primary" type="submit" data-testid="loc-save" disabled={!f.name.trim()}>{t('common.save')}</button>
                {f.id !== null && <button type="button" onClick={() => setF(blank())}>{t('locations.new')}</button>}
              </div>
            </form>
          </div>
        </div>
      </div>
    </div>
  );
}
