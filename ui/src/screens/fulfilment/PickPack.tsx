import { useQuery, useQueryClient } from '@tanstack/react-query';
import { save } from '@tauri-apps/plugin-dialog';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { BatchView, PackCheck, PackingSlip, PickList, RatePick, Scan } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';
import { go } from '../../route';

type Doc = { kind: 'pick'; list: PickList } | { kind: 'slips'; slips: PackingSlip[]; title: string };

/** Pick and pack at one of our locations: the queue of orders with units reserved there,
 * pick batches with their pick list and packing slips (printed through the system's print
 * dialog, or saved as PDF), and the packing bench with scan-to-verify. */
export function PickPack() {
  const { t, num, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const locations = useQuery({ queryKey: ['locations'], queryFn: api.listLocations });
  const ours = (locations.data ?? []).filter((l) => l.kind === 'warehouse' || l.kind === 'store');
  const [loc, setLoc] = useState<number | null>(null);
  useEffect(() => {
    if (loc === null && ours.length) setLoc(ours[0].id);
  }, [loc, ours]);
  const queue = useQuery({ queryKey: ['fq', loc], queryFn: () => api.fulfilmentQueue(loc ?? 0, false), enabled: loc !== null, staleTime: 0 });
  const batches = useQuery({ queryKey: ['batches', loc], queryFn: () => api.listBatches(loc, true), enabled: loc !== null, staleTime: 0 });
  const [sel, setSel] = useState<number[]>([]);
  const [doc, setDoc] = useState<Doc | null>(null);
  const [bench, setBench] = useState<{ orderId: number; batch: number | null } | null>(null);
  const refresh = () => qc.invalidateQueries();
  const makeBatch = async (ids: number[], take: number | null) => {
    if (loc === null) return;
    try {
      const b = await api.createBatch(loc, ids, take);
      toast.ok(t('pack.batchMade', { name: b.name, count: num(b.orders.length) }));
      setSel([]);
      await refresh();
    } catch (e) {
      toast.error(e);
    }
  };
  if (!ours.length) return <p className="muted card">{t('pack.noLocations')}</p>;
  const rows = queue.data?.rows ?? [];
  return (
    <div className="stack" data-testid="pickpack">
      <div className="row gap toolbar">
        <label className="field"><span>{t('pack.location')}</span>
          <select data-testid="pack-location" value={loc ?? ''} onChange={(e) => { setLoc(Number(e.target.value)); setSel([]); setBench(null); }}>
            {ours.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
          </select></label>
        <span className="muted">{t('pack.waiting', { count: num(queue.data?.total ?? 0) })}</span>
        <span className="grow" />
        <button data-testid="batch-selected" disabled={!sel.length} onClick={() => void makeBatch(sel, null)}>{t('pack.batchSelected', { count: num(sel.length) })}</button>
        <button className="primary" data-testid="batch-next" disabled={!rows.length} onClick={() => void makeBatch([], 20)}>{t('pack.batchNext')}</button>
      </div>
      {doc && <PrintDoc doc={doc} onClose={() => setDoc(null)} />}
      {bench && loc !== null && (
        <Bench key={bench.orderId} orderId={bench.orderId} locationId={loc} batch={bench.batch} onDone={() => { setBench(null); void refresh(); }} />
      )}
      {(batches.data ?? []).map((b) => (
        <BatchCard key={b.id} b={b} onDoc={setDoc} onPack={(orderId) => setBench({ orderId, batch: b.id })} onChanged={() => void refresh()} />
      ))}
      <h2>{t('pack.queue')}</h2>
      {rows.length === 0 ? <p className="muted card" data-testid="pack-queue-empty">{t('pack.queueEmpty')}</p> : (
        <table className="simple card" data-testid="pack-queue">
          <thead><tr><th /><th>{t('orders.col.number')}</th><th>{t('orders.col.customer')}</th><th>{t('orders.col.country')}</th><th className="num">{t('fulfil.units')}</th><th>{t('orders.col.status')}</th><th>{t('orders.col.placed')}</th><th /></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.order_id} data-testid="pack-queue-row" data-order-number={r.order_number} className={sel.includes(r.order_id) ? 'sel' : ''}>
                <td><input type="checkbox" checked={sel.includes(r.order_id)} onChange={(e) => setSel(e.target.checked ? [...sel, r.order_id] : sel.filter((x) => x !== r.order_id))} /></td>
                <td><button className="link mono" onClick={() => go(`/orders/${r.order_id}`)}>{r.order_number}</button></td>
                <td>{r.customer}</td>
                <td>{r.country}</td>
                <td className="num">{num(r.units)}</td>
                <td><span className={`badge status-${r.status}`}>{t(`status.${r.status}` as MessageKey)}</span>{r.parcel_id !== null && <span className="badge ok"> {t('pack.packed')}</span>}</td>
                <td className="small">{dateTime(r.placed_at)}</td>
                <td><button data-testid="pack-open" onClick={() => setBench({ orderId: r.order_id, batch: null })}>{t('pack.pack')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function BatchCard({ b, onDoc, onPack, onChanged }: { b: BatchView; onDoc: (d: Doc) => void; onPack: (orderId: number) => void; onChanged: () => void }) {
  const { t, num, lang } = useI18n();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const showPick = async () => {
    try { onDoc({ kind: 'pick', list: await api.pickList(b.id) }); } catch (e) { toast.error(e); }
  };
  const showSlips = async () => {
    try { onDoc({ kind: 'slips', slips: await api.batchSlips(b.id), title: b.name }); } catch (e) { toast.error(e); }
  };
  const savePdf = async (what: 'pick_list' | 'slips') => {
    const path = await save({ defaultPath: `${what === 'pick_list' ? 'pick-list' : 'packing-slips'}-${b.id}.pdf`, filters: [{ name: 'PDF', extensions: ['pdf'] }] });
    if (typeof path !== 'string') return;
    try {
      const f = await api.saveFulfilmentPdf(what, { batch: b.id }, lang, path);
      toast.ok(t('pack.pdfSaved', { file: f }));
    } catch (e) {
      toast.error(e);
    }
  };
  const packed = b.orders.filter((o) => o.state === 'packed').map((o) => o.order_id);
  const labels = async () => {
    setBusy(true);
    try {
      const r = await api.buyLabels(packed);
      if (r.failed) toast.error({ code: 'conflict', message: r.problems.join('; '), details: [] });
      else toast.ok(t('pack.labelsBought', { count: num(r.bought + r.reused) }));
      onChanged();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  const close = async () => {
    try { await api.closeBatch(b.id); onChanged(); } catch (e) { toast.error(e); }
  };
  const printLabels = async () => {
    try {
      const r = await api.saveBatchLabels(b.id);
      const files = [r.pdf, r.zpl, ...r.separate].filter((f): f is string => !!f);
      toast.ok(t('pack.labelsGathered', { count: num(r.count), files: files.join(', ') }));
      if (r.problems.length) toast.error({ code: 'io', message: r.problems.join('; '), details: [] });
      for (const f of [r.pdf, r.zpl].filter((f): f is string => !!f)) await api.openDocument(f).catch(() => null);
    } catch (e) {
      toast.error(e);
    }
  };
  return (
    <div className="card stack" data-testid="batch-card" data-batch={b.id}>
      <div className="row gap">
        <strong>{b.name}</strong>
        <span className="muted small">{t('pack.batchOrders', { count: num(b.orders.length) })}</span>
      </div>
      <div className="row gap wrap batch-actions">
        <button data-testid="batch-picklist" onClick={() => void showPick()}>{t('pack.pickList')}</button>
        <button onClick={() => void savePdf('pick_list')}>{t('pack.pickListPdf')}</button>
        <button data-testid="batch-slips" onClick={() => void showSlips()}>{t('pack.slips')}</button>
        <button onClick={() => void savePdf('slips')}>{t('pack.slipsPdf')}</button>
        <button data-testid="batch-labels" disabled={!packed.length || busy} onClick={() => void labels()}>{t('pack.buyLabels', { count: num(packed.length) })}</button>
        <button data-testid="batch-print-labels" onClick={() => void printLabels()}>{t('pack.printLabels')}</button>
        <button onClick={() => void close()}>{t('pack.closeBatch')}</button>
      </div>
      <div className="row gap wrap">
        {b.orders.filter((o) => o.state !== 'removed').map((o) => (
          <span key={o.order_id} className={`chip state-${o.state}`} data-testid="batch-order" data-state={o.state} data-order-number={o.order_number}>
            <span className="mono">{o.order_number}</span> <span className="muted small">{t(`pack.state.${o.state}` as MessageKey)}</span>
            {o.state === 'waiting' && <button className="link" data-testid="batch-pack" onClick={() => onPack(o.order_id)}>{t('pack.pack')}</button>}
          </span>
        ))}
      </div>
    </div>
  );
}

/** A pick list or packing slips on screen, with Print (the system's dialog, which can also
 * save as PDF). Only this part is printed. */
function PrintDoc({ doc, onClose }: { doc: Doc; onClose: () => void }) {
  const { t, num, date } = useI18n();
  return (
    <div className="card stack print-area" data-testid="print-doc">
      <div className="row gap no-print">
        <span className="grow" />
        <button className="primary" data-testid="print" onClick={() => window.print()}>{t('pack.print')}</button>
        <button onClick={onClose}>{t('common.close')}</button>
      </div>
      {doc.kind === 'pick' ? (
        <div data-testid="pick-list">
          <h2>{t('pack.pickList')} {doc.list.batch}</h2>
          <p className="muted">{doc.list.location} · {num(doc.list.units)} {t('pack.unitsWord')}</p>
          <table className="simple">
            <thead><tr><th /><th>{t('pack.bin')}</th><th>{t('pack.sku')}</th><th>{t('pack.product')}</th><th className="num">{t('pack.qty')}</th><th>{t('pack.orders')}</th></tr></thead>
            <tbody>
              {doc.list.rows.map((r) => (
                <tr key={r.sku} data-testid="pick-row" data-sku={r.sku}>
                  <td>☐</td>
                  <td className="mono"><strong>{r.bin ?? '—'}</strong></td>
                  <td className="mono">{r.sku}</td>
                  <td>{r.title}</td>
                  <td className="num"><strong>{num(r.quantity)}</strong></td>
                  <td className="small">{r.orders.map((o) => `${o.order_number} ×${o.quantity}`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <div data-testid="slips">
          {doc.slips.map((s) => (
            <section key={s.order_id} className="slip" data-testid="slip">
              <h2>{t('pack.slip')} {s.order_number}</h2>
              <p className="muted">{s.channel} · {date(s.placed_at)} · {s.location}</p>
              {s.ship_to && (
                <address>
                  {[s.ship_to.name, s.ship_to.company, s.ship_to.line1, s.ship_to.line2, [s.ship_to.postal_code, s.ship_to.city].filter(Boolean).join(' '), s.ship_to.country].filter(Boolean).map((l, i) => <div key={i}>{l}</div>)}
                </address>
              )}
              <table className="simple">
                <thead><tr><th /><th>{t('pack.sku')}</th><th>{t('pack.product')}</th><th className="num">{t('pack.qty')}</th><th>{t('pack.bin')}</th></tr></thead>
                <tbody>
                  {s.lines.map((l) => (
                    <tr key={l.line_no}><td>☐</td><td className="mono">{l.sku}</td><td>{l.title}{l.ordered > l.quantity && <div className="muted small">{t('pack.restLater', { n: num(l.ordered) })}</div>}</td><td className="num"><strong>{num(l.quantity)}</strong></td><td className="mono">{l.bin}</td></tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </div>
      )}
    </div>
  );
}

/** The packing bench: scan (or type) each item's SKU or barcode; the counts are checked
 * against the order, mismatches flagged. Pack, then buy the label by the shop's rules or
 * enter any carrier's tracking number. */
function Bench({ orderId, locationId, batch, onDone }: { orderId: number; locationId: number; batch: number | null; onDone: () => void }) {
  const { t, num, money } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const slip = useQuery({ queryKey: ['slip', orderId, locationId], queryFn: () => api.packingSlip(orderId, locationId), staleTime: 0 });
  const presets = useQuery({ queryKey: ['presets'], queryFn: api.parcelPresets });
  const [scans, setScans] = useState<Scan[]>([]);
  const [code, setCode] = useState('');
  const [preset, setPreset] = useState<number | null>(null);
  const [weight, setWeight] = useState('');
  const [check, setCheck] = useState<PackCheck | null>(null);
  const [parcel, setParcel] = useState<number | null>(null);
  const [pick, setPick] = useState<RatePick | null | undefined>(undefined);
  const [manual, setManual] = useState({ carrier: '', tracking: '' });
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (slip.data?.packed) setParcel(slip.data.packed.id);
  }, [slip.data]);
  const counts = useMemo(() => {
    const m = new Map<number, number>();
    const lines = slip.data?.lines ?? [];
    const unknown: string[] = [];
    for (const s of scans) {
      const c = s.code.trim().toUpperCase();
      const hits = lines.filter((l) => l.sku.toUpperCase() === c || (l.gtin ?? '').toUpperCase() === c);
      if (!hits.length) { unknown.push(s.code); continue; }
      let left = s.quantity;
      for (const l of hits) {
        const room = Math.max(0, l.quantity - (m.get(l.line_no) ?? 0));
        const take = Math.min(room, left);
        m.set(l.line_no, (m.get(l.line_no) ?? 0) + take);
        left -= take;
      }
      if (left > 0) { const last = hits[hits.length - 1]; m.set(last.line_no, (m.get(last.line_no) ?? 0) + left); }
    }
    return { m, unknown };
  }, [scans, slip.data]);
  const add = (raw: string) => {
    const c = raw.trim();
    if (!c) return;
    setScans((s) => [...s, { code: c, quantity: 1 }]);
    setCode('');
    setCheck(null);
  };
  const doPack = async (partial: boolean) => {
    try {
      const r = await api.packOrder({ order_id: orderId, location_id: locationId, scans, partial, preset_id: preset, weight_g: weight.trim() ? Number(weight) : null, batch_id: batch });
      setCheck(r.check);
      if (r.parcel) {
        setParcel(r.parcel.id);
        void qc.invalidateQueries({ queryKey: ['batches'] });
        void qc.invalidateQueries({ queryKey: ['fq'] });
        toast.ok(t('pack.parcelPacked', { units: num(r.parcel.units) }));
        setPick((await api.pickRate(orderId).catch(() => [null, null] as const))[1]);
      }
    } catch (e) {
      toast.error(e);
    }
  };
  const buy = async () => {
    if (busy) return;
    setBusy(true);
    try {
      const l = await api.buyLabelByRule(orderId);
      toast.ok(t('pack.labelBought', { carrier: `${l.carrier} ${l.service}`, tracking: l.tracking_number }));
      onDone();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  const shipManual = async () => {
    if (parcel === null || busy) return;
    setBusy(true);
    try {
      await api.shipParcel(parcel, manual.carrier, manual.tracking.trim() || null);
      toast.ok(t('pack.shipped'));
      onDone();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  const unpack = async () => {
    if (parcel === null) return;
    try {
      await api.unpackParcel(parcel);
      setParcel(null);
      setScans([]);
      setPick(undefined);
      void qc.invalidateQueries({ queryKey: ['batches'] });
      void qc.invalidateQueries({ queryKey: ['fq'] });
      void qc.invalidateQueries({ queryKey: ['slip'] });
    } catch (e) {
      toast.error(e);
    }
  };
  const s = slip.data;
  if (!s) return null;
  const total = s.lines.reduce((a, l) => a + l.quantity, 0);
  const scanned = s.lines.reduce((a, l) => a + Math.min(l.quantity, counts.m.get(l.line_no) ?? 0), 0);
  return (
    <div className="card stack bench" data-testid="bench" data-order-number={s.order_number}>
      <div className="row gap">
        <h2>{t('pack.bench')} {s.order_number}</h2>
        <span className="muted">{s.ship_to ? `${s.ship_to.name}, ${s.ship_to.city} ${s.ship_to.country}` : s.customer}</span>
        <span className="grow" />
        <span className={scanned === total && !counts.unknown.length ? 'badge ok' : 'badge'} data-testid="bench-progress">{num(scanned)} / {num(total)}</span>
      </div>
      {parcel === null ? (
        <>
          <form className="row gap" onSubmit={(e) => { e.preventDefault(); add(code); }}>
            <input ref={input} autoFocus className="scan" data-testid="scan-input" placeholder={t('pack.scanHint')} value={code} onChange={(e) => setCode(e.target.value)} />
            <button type="submit">{t('pack.add')}</button>
            <button type="button" onClick={() => { setScans([]); setCheck(null); input.current?.focus(); }}>{t('pack.reset')}</button>
          </form>
          <table className="simple">
            <thead><tr><th>{t('pack.sku')}</th><th>{t('pack.barcode')}</th><th>{t('pack.product')}</th><th>{t('pack.bin')}</th><th className="num">{t('pack.scanned')}</th></tr></thead>
            <tbody>
              {s.lines.map((l) => {
                const n = counts.m.get(l.line_no) ?? 0;
                const cls = n > l.quantity ? 'bad' : n === l.quantity ? 'good' : '';
                return (
                  <tr key={l.line_no} className={cls} data-testid="bench-line" data-sku={l.sku} data-scanned={n}>
                    <td className="mono">{l.sku}</td><td className="mono small">{l.gtin}</td><td>{l.title}</td><td className="mono">{l.bin}</td>
                    <td className="num"><strong>{num(n)}</strong> / {num(l.quantity)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {counts.unknown.length > 0 && <p className="error-text" data-testid="bench-unknown">{t('pack.unknownCodes', { codes: counts.unknown.join(', ') })}</p>}
          {check && check.problems.length > 0 && <ul className="error-text small" data-testid="bench-problems">{check.problems.map((p) => <li key={p}>{p}</li>)}</ul>}
          <div className="row gap">
            <label className="field"><span>{t('pack.box')}</span>
              <select data-testid="bench-preset" value={preset ?? ''} onChange={(e) => setPreset(e.target.value ? Number(e.target.value) : null)}>
                <option value="">{t('pack.noBox')}</option>
                {(presets.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name} ({p.length_mm}×{p.width_mm}×{p.height_mm} mm)</option>)}
              </select></label>
            <label className="field"><span>{t('pack.weight')}</span><input data-testid="bench-weight" inputMode="numeric" value={weight} onChange={(e) => setWeight(e.target.value.replace(/[^0-9]/g, ''))} /></label>
            <span className="grow" />
            <button data-testid="bench-partial" disabled={scanned === 0 || scanned === total} onClick={() => void doPack(true)}>{t('pack.packPartial')}</button>
            <button className="primary" data-testid="bench-pack" disabled={scanned === 0} onClick={() => void doPack(false)}>{t('pack.packParcel')}</button>
          </div>
        </>
      ) : (
        <div className="stack" data-testid="bench-packed">
          <p>{t('pack.readyToShip')}</p>
          {pick === undefined ? null : pick === null ? <p className="muted" data-testid="bench-no-rate">{t('pack.noRate')}</p> : (
            <p data-testid="bench-pick"><strong>{pick.quote.carrier} {pick.quote.service}</strong> · {money(pick.quote.amount_minor, pick.quote.currency)} <span className="muted small">— {pick.reason}</span></p>
          )}
          <div className="row gap">
            <button className="primary" data-testid="bench-buy" disabled={busy} onClick={() => void buy()}>{t('pack.buyByRule')}</button>
            <span className="muted">{t('pack.or')}</span>
            <input placeholder={t('fulfil.carrier')} data-testid="bench-carrier" value={manual.carrier} onChange={(e) => setManual({ ...manual, carrier: e.target.value })} />
            <input placeholder={t('fulfil.tracking')} data-testid="bench-tracking" value={manual.tracking} onChange={(e) => setManual({ ...manual, tracking: e.target.value })} />
            <button data-testid="bench-ship-manual" disabled={!manual.carrier.trim() || busy} onClick={() => void shipManual()}>{t('pack.shipManual')}</button>
            <span className="grow" />
            <button onClick={() => void unpack()}>{t('pack.unpack')}</button>
          </div>
        </div>
      )}
    </div>
  );
}
