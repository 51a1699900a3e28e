import { useQuery, useQueryClient } from '@tanstack/react-query';
import { open, save } from '@tauri-apps/plugin-dialog';
import { useState } from 'react';
import { usePipelineSettings } from '../../components/settings';
import type {
  BacktestMetrics, BacktestReport, Filter, ImportMode, LocationKind, RateImportReport, Ranker,
  RoutingSettings, SplitPolicy, StockModel, Strategy, WhenFull,
} from '../../api/bindings';
import { api } from '../../api/client';
import { ImportReportCard } from '../../components/import-report';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';
import { dayToMs, msToDay } from '../../i18n/format';
import { LOCATION_KINDS } from '../locations/Locations';

export const RANKERS: Ranker['kind'][] = ['nearest', 'lowest_cost', 'fastest_transit', 'location_priority', 'fewest_shipments', 'spread_load'];
const TOGGLED: Filter['kind'][] = ['ships_to_destination', 'has_stock'];
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const DAY = 86_400_000;

const newStrategy = (n: number): Strategy => ({
  name: `strategy ${n}`,
  when: { channels: [], countries: [], services: [], tags: [], min_value_minor: null, max_value_minor: null },
  filters: [{ kind: 'not_paused' }, { kind: 'ships_to_destination' }, { kind: 'has_stock' }, { kind: 'capacity_left' }],
  rank: [{ kind: 'nearest' }, { kind: 'location_priority' }],
  split: { kind: 'when_needed' },
  when_full: 'route_elsewhere',
});

/** Routing: the strategies (which orders, which locations, how ranked, how split), a backtest of
 * the edited rules against the saved ones over past orders, and the shipping rate table. */
export function Routing() {
  const { t } = useI18n();
  const { s, setS, dirty, save: saveAll } = usePipelineSettings();
  if (!s) return <div className="screen muted">{t('common.loading')}</div>;
  const rules = s.routing.rules;
  const setRules = (r: RoutingSettings) => setS({ ...s, routing: { ...s.routing, rules: r } });
  const setStrategy = (i: number, st: Strategy) => setRules({ ...rules, strategies: rules.strategies.map((x, j) => (j === i ? st : x)) });
  const move = (i: number, by: number) => {
    const next = [...rules.strategies];
    const [x] = next.splice(i, 1);
    next.splice(Math.max(0, Math.min(next.length, i + by)), 0, x);
    setRules({ ...rules, strategies: next });
  };
  return (
    <div className="screen" data-testid="routing-screen">
      <div className="row between">
        <h1>{t('routing.title')}</h1>
        <div className="row gap">
          {dirty && <span className="muted small" data-testid="routing-unsaved">{t('routing.unsaved')}</span>}
          <button className="primary" data-testid="routing-save" onClick={() => void saveAll()}>{t('common.save')}</button>
        </div>
      </div>
      <div className="rules-grid">
        <div className="stack">
          <div className="card stack">
            <label className="row gap"><input type="checkbox" data-testid="routing-enabled" checked={s.routing.enabled} onChange={(e) => setS({ ...s, routing: { ...s.routing, enabled: e.target.checked } })} />{t('rules.routingEnabled')}</label>
            <p className="muted small">{t('routing.order')}</p>
          </div>
          {rules.strategies.map((st, i) => (
            <div className="card stack" key={i} data-testid={`strategy-${i}`}>
              <div className="row between">
                <input className="strong" data-testid={`strategy-name-${i}`} value={st.name} onChange={(e) => setStrategy(i, { ...st, name: e.target.value })} />
                <div className="row gap">
                  <button title={t('routing.up')} disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
                  <button title={t('routing.down')} disabled={i === rules.strategies.length - 1} onClick={() => move(i, 1)}>↓</button>
                  <button data-testid={`strategy-remove-${i}`} onClick={() => setRules({ ...rules, strategies: rules.strategies.filter((_, j) => j !== i) })}>{t('routing.remove')}</button>
                </div>
              </div>
              <Conditions strategy={st} onChange={(x) => setStrategy(i, x)} idx={i} />
              <StrategyBody strategy={st} onChange={(x) => setStrategy(i, x)} idx={String(i)} />
            </div>
          ))}
          <button data-testid="strategy-add" onClick={() => setRules({ ...rules, strategies: [...rules.strategies, newStrategy(rules.strategies.length + 1)] })}>{t('routing.add')}</button>
          <div className="card stack" data-testid="strategy-fallback">
            <h2>{t('routing.fallback')}</h2>
            <p className="muted small">{t('routing.fallbackHint')}</p>
            <StrategyBody strategy={rules.fallback} onChange={(fallback) => setRules({ ...rules, fallback })} idx="fallback" />
          </div>
        </div>
        <div className="stack">
          <Backtest candidate={rules} edited={dirty} />
          <Rates />
        </div>
      </div>
    </div>
  );
}

/** When a strategy applies: channels, countries, services, tags, order value. */
function Conditions({ strategy, onChange, idx }: { strategy: Strategy; onChange: (s: Strategy) => void; idx: number }) {
  const { t } = useI18n();
  const w = strategy.when;
  const set = (patch: Partial<Strategy['when']>) => onChange({ ...strategy, when: { ...w, ...patch } });
  const text = (label: MessageKey, value: string[], on: (v: string[]) => void, testid: string, upper = false) => (
    <label className="field">
      <span>{t(label)}</span>
      <input data-testid={testid} defaultValue={value.join(', ')} onBlur={(e) => on(list(upper ? e.target.value.toUpperCase() : e.target.value))} />
    </label>
  );
  const value = (v: string) => (v.trim() === '' ? null : Math.max(0, Math.floor(Number(v) || 0)));
  return (
    <fieldset className="stack">
      <legend>{t('routing.when')}</legend>
      <div className="grid2">
        {text('routing.channels', w.channels, (channels) => set({ channels }), `when-channels-${idx}`)}
        {text('routing.countries', w.countries, (countries) => set({ countries }), `when-countries-${idx}`, true)}
        {text('routing.services', w.services, (services) => set({ services }), `when-services-${idx}`)}
        {text('routing.tags', w.tags, (tags) => set({ tags }), `when-tags-${idx}`)}
        <label className="field"><span>{t('routing.minValue')}</span>
          <input type="number" min={0} value={w.min_value_minor ?? ''} onChange={(e) => set({ min_value_minor: value(e.target.value) })} /></label>
        <label className="field"><span>{t('routing.maxValue')}</span>
          <input type="number" min={0} value={w.max_value_minor ?? ''} onChange={(e) => set({ max_value_minor: value(e.target.value) })} /></label>
      </div>
    </fieldset>
  );
}

/** Filters, ranking, split policy and what to do when the best location is full. */
export function StrategyBody({ strategy, onChange, idx }: { strategy: Strategy; onChange: (s: Strategy) => void; idx: string }) {
  const { t } = useI18n();
  const has = (k: Filter['kind']) => strategy.filters.some((f) => f.kind === k);
  const without = (k: Filter['kind']) => strategy.filters.filter((f) => f.kind !== k);
  const toggle = (k: Filter['kind'], on: boolean) => onChange({ ...strategy, filters: on ? [...without(k), { kind: k } as Filter] : without(k) });
  const kinds = (strategy.filters.find((f) => f.kind === 'kinds') as { kind: 'kinds'; kinds: LocationKind[] } | undefined)?.kinds ?? [];
  const setKinds = (next: LocationKind[]) => onChange({ ...strategy, filters: next.length ? [...without('kinds'), { kind: 'kinds', kinds: next }] : without('kinds') });
  const maxKm = (strategy.filters.find((f) => f.kind === 'max_distance_km') as { kind: 'max_distance_km'; km: number } | undefined)?.km;
  const setMaxKm = (v: string) => {
    const km = Number(v);
    onChange({ ...strategy, filters: v.trim() && km > 0 ? [...without('max_distance_km'), { kind: 'max_distance_km', km }] : without('max_distance_km') });
  };
  const rank = strategy.rank.map((r) => r.kind);
  const setRank = (i: number, kind: string) => {
    const next = [...rank];
    if (kind) next[i] = kind as Ranker['kind'];
    else next.splice(i, 1);
    onChange({ ...strategy, rank: [...new Set(next)].map((k) => ({ kind: k }) as Ranker) });
  };
  const split = strategy.split;
  return (
    <>
      <fieldset className="stack">
        <legend>{t('routing.filters')}</legend>
        <label className="row gap muted"><input type="checkbox" checked disabled />{t('routing.filter.not_paused')}</label>
        {TOGGLED.map((k) => (
          <label key={k} className="row gap"><input type="checkbox" data-testid={`filter-${k}-${idx}`} checked={has(k)} onChange={(e) => toggle(k, e.target.checked)} />{t(`routing.filter.${k}` as MessageKey)}</label>
        ))}
        <label className="row gap muted"><input type="checkbox" checked disabled />{t('routing.filter.capacity_left')}</label>
        <div className="field">
          <span>{t('routing.filter.kinds')}</span>
          <div className="row gap wrap">
            {LOCATION_KINDS.map((k) => (
              <label key={k} className="row gap small"><input type="checkbox" checked={kinds.includes(k)} onChange={(e) => setKinds(e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k))} />{t(`loc.${k}` as MessageKey)}</label>
            ))}
          </div>
        </div>
        <label className="field"><span>{t('routing.filter.max_distance_km')}</span>
          <input type="number" min={0} data-testid={`filter-maxkm-${idx}`} value={maxKm ?? ''} onChange={(e) => setMaxKm(e.target.value)} /></label>
      </fieldset>
      <div className="field">
        <span>{t('rules.rank')}</span>
        <div className="row gap wrap">
          {[0, 1, 2, 3].map((i) => (
            <select key={i} data-testid={`routing-rank-${idx}-${i}`} value={rank[i] ?? ''} disabled={i > rank.length} onChange={(e) => setRank(i, e.target.value)}>
              <option value="">{t('rules.none')}</option>
              {RANKERS.map((k) => <option key={k} value={k}>{t(`route.rule.${k}` as MessageKey)}</option>)}
            </select>
          ))}
        </div>
        <span className="muted small">{t('routing.tiebreak')}</span>
      </div>
      <label className="field">
        <span>{t('rules.split')}</span>
        <select data-testid={`routing-split-${idx}`} value={split.kind} onChange={(e) => {
          const kind = e.target.value as SplitPolicy['kind'];
          onChange({ ...strategy, split: kind === 'up_to' ? { kind, shipments: 2 } : ({ kind } as SplitPolicy) });
        }}>
          {(['never', 'when_needed', 'up_to'] as const).map((k) => <option key={k} value={k}>{t(`rules.split.${k}` as MessageKey)}</option>)}
        </select>
      </label>
      {split.kind === 'up_to' && (
        <label className="field"><span>{t('rules.shipments')}</span>
          <input type="number" min={1} value={split.shipments} onChange={(e) => onChange({ ...strategy, split: { kind: 'up_to', shipments: Math.max(1, Number(e.target.value) || 1) } })} /></label>
      )}
      <label className="field">
        <span>{t('rules.whenFull')}</span>
        <select value={strategy.when_full} onChange={(e) => onChange({ ...strategy, when_full: e.target.value as WhenFull })}>
          {(['route_elsewhere', 'wait'] as const).map((k) => <option key={k} value={k}>{t(`rules.whenFull.${k}` as MessageKey)}</option>)}
        </select>
      </label>
    </>
  );
}

type Measure = { key: MessageKey; get: (m: BacktestMetrics) => number | null; fmt: 'int' | 'pct' | 'km' | 'days' | 'money'; lowerIsBetter: boolean };
const MEASURES: Measure[] = [
  { key: 'backtest.routed', get: (m) => m.routed, fmt: 'int', lowerIsBetter: false },
  { key: 'backtest.partial', get: (m) => m.partial, fmt: 'int', lowerIsBetter: true },
  { key: 'backtest.unrouted', get: (m) => m.unrouted, fmt: 'int', lowerIsBetter: true },
  { key: 'backtest.shipments', get: (m) => m.shipments, fmt: 'int', lowerIsBetter: true },
  { key: 'backtest.splitRate', get: (m) => m.split_rate, fmt: 'pct', lowerIsBetter: true },
  { key: 'backtest.cost', get: (m) => (m.orders_with_cost ? m.cost_minor : null), fmt: 'money', lowerIsBetter: true },
  { key: 'backtest.distance', get: (m) => m.avg_distance_km, fmt: 'km', lowerIsBetter: true },
  { key: 'backtest.transit', get: (m) => m.avg_transit_days, fmt: 'days', lowerIsBetter: true },
];

/** Runs the edited rules and the saved ones over past orders and compares them. */
function Backtest({ candidate, edited }: { candidate: RoutingSettings; edited: boolean }) {
  const { t, num, money } = useI18n();
  const toast = useToast();
  const views = useQuery({ queryKey: ['views'], queryFn: api.listViews });
  const now = Date.now();
  const [from, setFrom] = useState(msToDay(now - 30 * DAY));
  const [to, setTo] = useState(msToDay(now));
  const [view, setView] = useState('');
  const [stock, setStock] = useState<StockModel>('stocked');
  const [running, setRunning] = useState(false);
  const [report, setReport] = useState<BacktestReport | null>(null);
  const run = async () => {
    const v = views.data?.find((x) => String(x.id) === view);
    const fromMs = dayToMs(from);
    const toMs = dayToMs(to);
    const query = v
      ? { ...v.query, cursor: null }
      : { status: null, connection_id: null, country: null, payment_status: null, tag: null, search: null,
          sort: 'placed_at' as const, dir: 'desc' as const, cursor: null, limit: 1000,
          placed_from: fromMs, placed_to: toMs === null ? null : toMs + DAY };
    setRunning(true);
    try {
      setReport(await api.backtest({ query, candidate, baseline: null, stock }));
    } catch (e) {
      toast.error(e);
    } finally {
      setRunning(false);
    }
  };
  const exportCsv = async () => {
    if (!report) return;
    const path = await save({ defaultPath: 'backtest.csv', filters: [{ name: 'CSV', extensions: ['csv'] }] });
    if (typeof path !== 'string') return;
    try {
      await api.exportBacktestCsv(report, path);
      toast.ok(t('backtest.exported'));
    } catch (e) {
      toast.error(e);
    }
  };
  const fmt = (v: number | null, f: Measure['fmt']) => {
    if (v === null) return '—';
    if (f === 'pct') return `${(v * 100).toFixed(1)} %`;
    if (f === 'km') return `${num(Math.round(v))} km`;
    if (f === 'days') return t('backtest.days', { n: v.toFixed(1) });
    if (f === 'money') return report?.currency ? money(v, report.currency) : num(v);
    return num(v);
  };
  return (
    <div className="card stack" data-testid="backtest">
      <h2>{t('backtest.title')}</h2>
      <p className="muted small">{edited ? t('backtest.hintEdited') : t('backtest.hint')}</p>
      <div className="row gap wrap">
        <label className="field"><span>{t('backtest.from')}</span><input type="date" data-testid="backtest-from" value={from} disabled={!!view} onChange={(e) => setFrom(e.target.value)} /></label>
        <label className="field"><span>{t('backtest.to')}</span><input type="date" data-testid="backtest-to" value={to} disabled={!!view} onChange={(e) => setTo(e.target.value)} /></label>
        <label className="field"><span>{t('backtest.view')}</span>
          <select data-testid="backtest-view" value={view} onChange={(e) => setView(e.target.value)}>
            <option value="">{t('backtest.noView')}</option>
            {(views.data ?? []).map((v) => <option key={v.id} value={String(v.id)}>{v.name}</option>)}
          </select></label>
        <label className="field"><span>{t('backtest.stock')}</span>
          <select data-testid="backtest-stock" value={stock} onChange={(e) => setStock(e.target.value as StockModel)}>
            <option value="stocked">{t('backtest.stock.stocked')}</option>
            <option value="on_hand_now">{t('backtest.stock.on_hand_now')}</option>
          </select></label>
      </div>
      <div className="row gap">
        <button className="primary" data-testid="backtest-run" disabled={running} onClick={() => void run()}>{running ? t('backtest.running') : t('backtest.run')}</button>
        {report && <button data-testid="backtest-export" onClick={() => void exportCsv()}>{t('backtest.export')}</button>}
      </div>
      {report && (
        <div className="stack" data-testid="backtest-result">
          <p className="small">{t('backtest.summary', { orders: num(report.orders), changed: num(report.changed_orders), secs: report.seconds.toFixed(1) })}{report.truncated ? ` ${t('backtest.truncated')}` : ''}</p>
          <table className="simple" data-testid="backtest-table">
            <thead><tr><th>{t('backtest.measure')}</th><th>{t('backtest.baseline')}</th><th>{t('backtest.candidate')}</th><th>{t('backtest.difference')}</th></tr></thead>
            <tbody>
              {MEASURES.map((m) => {
                const a = m.get(report.baseline);
                const b = m.get(report.candidate);
                const d = a !== null && b !== null ? b - a : null;
                const better = d !== null && d !== 0 && (m.lowerIsBetter ? d < 0 : d > 0);
                return (
                  <tr key={m.key}>
                    <td>{t(m.key)}</td><td className="num">{fmt(a, m.fmt)}</td><td className="num">{fmt(b, m.fmt)}</td>
                    <td className={`num ${d ? (better ? 'good' : 'bad') : ''}`}>{d === null ? '—' : `${d > 0 ? '+' : ''}${fmt(d, m.fmt)}`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <LoadChart report={report} />
        </div>
      )}
    </div>
  );
}

/** Orders per location under each rule set, as paired bars. */
function LoadChart({ report }: { report: BacktestReport }) {
  const { t, num } = useI18n();
  const names = new Map<number, string>();
  for (const l of [...report.baseline.per_location, ...report.candidate.per_location]) names.set(l.location_id, l.name);
  const of = (m: BacktestMetrics, id: number) => m.per_location.find((l) => l.location_id === id)?.orders ?? 0;
  const rows = [...names.entries()]
    .map(([id, name]) => ({ id, name, a: of(report.baseline, id), b: of(report.candidate, id) }))
    .sort((x, y) => Math.max(y.a, y.b) - Math.max(x.a, x.b));
  const max = Math.max(1, ...rows.map((r) => Math.max(r.a, r.b)));
  return (
    <div className="stack" data-testid="backtest-chart">
      <div className="row between">
        <strong className="small">{t('backtest.load')}</strong>
        <span className="row gap small"><span className="swatch base" />{t('backtest.baseline')} <span className="swatch cand" />{t('backtest.candidate')}</span>
      </div>
      {rows.map((r) => (
        <div key={r.id} className="load-row" data-testid="backtest-load-row">
          <span className="load-name" title={r.name}>{r.name}</span>
          <div className="load-bars">
            <div className="bar base" style={{ width: `${(100 * r.a) / max}%` }} title={num(r.a)} />
            <div className="bar cand" style={{ width: `${(100 * r.b) / max}%` }} title={num(r.b)} />
          </div>
          <span className="num small">{num(r.a)} → {num(r.b)}</span>
        </div>
      ))}
    </div>
  );
}

/** The shipping rate table: what shipping from each location to each zone costs and takes. */
function Rates() {
  const { t, money, num } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const rates = useQuery({ queryKey: ['rates'], queryFn: api.listRates, staleTime: 0 });
  const [report, setReport] = useState<{ path: string; report: RateImportReport } | null>(null);
  const importFile = async (given?: string, mode: ImportMode = 'all_or_nothing') => {
    const path = given ?? (await open({ multiple: false, filters: [{ name: 'CSV', extensions: ['csv'] }] }));
    if (typeof path !== 'string') return;
    try {
      const r = await api.importRatesCsv(path, mode);
      if (r.committed && r.error_count === 0) {
        setReport(null);
        toast.ok(t('rates.imported', { count: r.imported }));
      } else setReport({ path, report: r });
      await qc.invalidateQueries({ queryKey: ['rates'] });
    } catch (e) {
      toast.error(e);
    }
  };
  const rows = rates.data ?? [];
  return (
    <div className="card stack" data-testid="rates">
      <div className="row between">
        <h2>{t('rates.title')}</h2>
        <button data-testid="rates-import" onClick={() => void importFile()}>{t('rates.import')}</button>
      </div>
      <p className="muted small">{t('rates.hint')}</p>
      {report && (
        <ImportReportCard
          testid="rates-import-report"
          report={report.report}
          headline={report.report.committed
            ? t('rates.importedSome', { count: num(report.report.imported), bad: num(report.report.error_count) })
            : t('inventory.importErrors', { count: num(report.report.error_count) })}
          onGoodRows={() => void importFile(report.path, 'good_rows_only')}
          onDismiss={() => setReport(null)}
        />
      )}
      {rows.length === 0 ? <p className="muted" data-testid="rates-empty">{t('rates.empty')}</p> : (
        <table className="simple" data-testid="rates-table">
          <thead><tr><th>{t('rates.location')}</th><th>{t('rates.zone')}</th><th>{t('rates.weight')}</th><th>{t('rates.cost')}</th><th>{t('rates.transit')}</th></tr></thead>
          <tbody>
            {rows.slice(0, 500).map((r, i) => (
              <tr key={i}>
                <td>{r.location_name}</td>
                <td>{r.country === '*' ? t('rates.rest') : `${r.country}${r.postal_prefix ? ` ${r.postal_prefix}…` : ''}`}</td>
                <td>{r.max_weight_g === null ? t('rates.anyWeight') : `≤ ${num(r.max_weight_g)} g`}</td>
                <td className="num">{money(r.cost_minor, r.currency)}</td>
                <td className="num">{t('backtest.days', { n: r.transit_days })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
