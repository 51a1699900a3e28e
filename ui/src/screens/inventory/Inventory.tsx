import { useQuery, useQueryClient } from '@tanstack/react-query';
import { open } from '@tauri-apps/plugin-dialog';
import { useState } from 'react';
import type { ImportReport, InventoryRow, MovementKind } from '../../api/bindings';
import { api } from '../../api/client';
import { ImportReportCard } from '../../components/import-report';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';
import { go } from '../../route';

const PERSON_MOVES: MovementKind[] = ['receipt', 'adjustment', 'return_restock'];

/** Stock per SKU per location: on hand, reserved, available; the ledger of each; changes. */
export function Inventory() {
  const { t, num, dateTime, date } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const [search, setSearch] = useState('');
  const [lowOnly, setLowOnly] = useState(false);
  const [locationId, setLocationId] = useState<number | null>(null);
  const [picked, setPicked] = useState<InventoryRow | null>(null);
  const locations = useQuery({ queryKey: ['locations'], queryFn: api.listLocations });
  const inv = useQuery({
    queryKey: ['inventory', search, lowOnly, locationId],
    queryFn: () => api.inventory({ search: search || null, low_only: lowOnly, location_id: locationId, cursor: null, limit: 500 }),
  });
  const ledger = useQuery({
    queryKey: ['ledger', picked?.sku, picked?.location_id],
    queryFn: () => api.ledger(picked!.sku, picked!.location_id),
    enabled: !!picked,
  });
  const [change, setChange] = useState({ sku: '', location: '', kind: 'receipt' as MovementKind, quantity: '', reason: '' });
  const refresh = () => qc.invalidateQueries();
  const applyChange = async () => {
    try {
      const n = await api.changeStock([{
        sku: change.sku.trim(), location_id: Number(change.location), kind: change.kind,
        quantity: Number(change.quantity), reason: change.reason.trim() || null,
      }]);
      toast.ok(t('inventory.changed', { count: n }));
      setChange({ ...change, quantity: '', reason: '' });
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  const [report, setReport] = useState<{ path: string; report: ImportReport } | null>(null);
  const importCounts = async (given?: string, mode: 'all_or_nothing' | 'good_rows_only' = 'all_or_nothing') => {
    const path = given ?? (await open({ multiple: false, filters: [{ name: 'CSV', extensions: ['csv'] }] }));
    if (typeof path !== 'string') return;
    try {
      const r = await api.importStockCsv(path, mode);
      if (r.committed && r.error_count === 0) {
        setReport(null);
        toast.ok(t('inventory.imported', { count: r.imported_lines }));
      } else setReport({ path, report: r });
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  const rows = inv.data?.rows ?? [];
  return (
    <div className="screen" data-testid="inventory">
      <div className="row between">
        <h1>{t('inventory.title')}</h1>
        <button onClick={() => void importCounts()} data-testid="stock-import">{t('inventory.import')}</button>
      </div>
      {report && (
        <ImportReportCard
          testid="stock-import-report"
          report={report.report}
          headline={report.report.committed
            ? t('inventory.importedSome', { count: num(report.report.imported_lines), bad: num(report.report.error_count) })
            : t('inventory.importErrors', { count: num(report.report.error_count) })}
          onGoodRows={() => void importCounts(report.path, 'good_rows_only')}
          onDismiss={() => setReport(null)}
        />
      )}
      <div className="row gap toolbar">
        <input data-testid="inventory-search" value={search} placeholder={t('inventory.search')} onChange={(e) => setSearch(e.target.value)} />
        <select value={locationId ?? ''} onChange={(e) => setLocationId(e.target.value ? Number(e.target.value) : null)}>
          <option value="">{t('inventory.allLocations')}</option>
          {locations.data?.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
        </select>
        <label className="row gap small"><input type="checkbox" checked={lowOnly} onChange={(e) => setLowOnly(e.target.checked)} data-testid="low-only" />{t('inventory.lowOnly')}</label>
      </div>
      <div className="inv-grid">
        <div className="card">
          {inv.isSuccess && rows.length === 0 && <p className="muted">{t('inventory.empty')}</p>}
          <table className="simple inv-table">
            <thead>
              <tr>
                <th>{t('inventory.sku')}</th><th>{t('inventory.location')}</th>
                <th className="num">{t('inventory.onHand')}</th><th className="num">{t('inventory.reserved')}</th>
                <th className="num">{t('inventory.available')}</th><th className="num">{t('inventory.safety')}</th>
                <th className="num">{t('inventory.incoming')}</th><th className="num">{t('inventory.waiting')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.product_id}-${r.location_id}`} data-testid="inventory-row"
                  className={`clickable ${r.low ? 'low' : ''} ${picked?.product_id === r.product_id && picked?.location_id === r.location_id ? 'sel' : ''}`}
                  onClick={() => { setPicked(r); setChange({ ...change, sku: r.sku, location: String(r.location_id) }); }}>
                  <td><span className="mono">{r.sku}</span><div className="muted small">{r.title}</div></td>
                  <td>{r.location_name}</td>
                  <td className="num">{num(r.on_hand)}</td>
                  <td className="num">{num(r.reserved)}</td>
                  <td className="num strong">{num(r.available)} {r.low && <span className="low-chip">{t('inventory.low')}</span>}</td>
                  <td className="num">{num(r.safety_stock)}</td>
                  <td className="num">{r.incoming ? `${num(r.incoming)}${r.incoming_at ? ` · ${date(r.incoming_at)}` : ''}` : '—'}</td>
                  <td className="num">{r.backordered ? num(r.backordered) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="side">
          <div className="card">
            <h2>{t('inventory.change')}</h2>
            <form className="stack" onSubmit={(e) => { e.preventDefault(); void applyChange(); }}>
              <input data-testid="change-sku" value={change.sku} placeholder={t('inventory.sku')} onChange={(e) => setChange({ ...change, sku: e.target.value })} />
              <select data-testid="change-location" value={change.location} onChange={(e) => setChange({ ...change, location: e.target.value })}>
                <option value="">{t('inventory.location')}</option>
                {locations.data?.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
              </select>
              <select data-testid="change-kind" value={change.kind} onChange={(e) => setChange({ ...change, kind: e.target.value as MovementKind })}>
                {PERSON_MOVES.map((k) => <option key={k} value={k}>{t(`move.${k}` as MessageKey)}</option>)}
              </select>
              <input data-testid="change-qty" type="number" value={change.quantity} placeholder={t('inventory.quantity')} onChange={(e) => setChange({ ...change, quantity: e.target.value })} />
              <input data-testid="change-reason" value={change.reason} placeholder={t('inventory.reason')} onChange={(e) => setChange({ ...change, reason: e.target.value })} />
              <button className="primary" data-testid="change-apply" type="submit" disabled={!change.sku.trim() || !change.location || !change.quantity}>{t('inventory.apply')}</button>
            </form>
          </div>
          {picked && (
            <div className="card" data-testid="ledger">
              <h2>{t('inventory.ledger', { sku: picked.sku, where: picked.location_name })}</h2>
              <ol className="ledger">
                {ledger.data?.map((m) => (
                  <li key={m.id}>
                    <span className="strong">{t(`move.${m.kind}` as MessageKey)}</span>{' '}
                    <span className="mono">{m.on_hand_change ? `${m.on_hand_change > 0 ? '+' : ''}${m.on_hand_change} ${t('inventory.onHand')}` : ''}
                      {m.reserved_change ? ` ${m.reserved_change > 0 ? '+' : ''}${m.reserved_change} ${t('inventory.reserved')}` : ''}</span>
                    {m.order_id && <> · <button className="link mono" onClick={() => go(`/orders/${m.order_id}`)}>{m.order_number}</button></>}
                    <div className="muted small">{dateTime(m.at)}{m.reason ? ` · ${m.reason}` : ''}{m.actor ? ` · ${m.actor}` : ''}</div>
                  </li>
                ))}
              </ol>
            </div>
          )}
          <div className="card">
            <h2>{t('inventory.locations')}</h2>
            <ul className="plain">
              {locations.data?.map((l) => <li key={l.id}>{l.name} <span className="muted small">{t(`loc.${l.kind}` as MessageKey)}{l.active ? '' : ` · ${t('locations.inactive')}`}</span></li>)}
            </ul>
            <button className="link" data-testid="manage-locations" onClick={() => go('/locations')}>{t('inventory.manageLocations')}</button>
          </div>
        </div>
      </div>
    </div>
  );
}
