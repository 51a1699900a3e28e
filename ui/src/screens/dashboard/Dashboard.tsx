import { useQuery, useQueryClient } from '@tanstack/react-query';
import { processText } from '../../components/actions';
import { useToast } from '../../components/toast';
import { useEffect } from 'react';
import type { DayCount, OrderStatus } from '../../api/bindings';
import { api, reportReady } from '../../api/client';
import { useI18n } from '../../i18n';
import { go } from '../../route';

export function Dashboard() {
  const { t, num, dateTime } = useI18n();
  const q = useQuery({ queryKey: ['dashboard'], queryFn: api.dashboard, refetchInterval: 30000 });
  const parcels = useQuery({ queryKey: ['tracking-problems'], queryFn: api.trackingProblems, refetchInterval: 60000 });
  const mentions = useQuery({ queryKey: ['mentions'], queryFn: () => api.mentions(null), refetchInterval: 60000 });
  const d = q.data;
  const toast = useToast();
  const qc = useQueryClient();
  const processNow = async () => {
    try {
      toast.ok(processText(t, await api.processPending()));
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  useEffect(() => {
    if (d) requestAnimationFrame(() => reportReady('dashboard'));
  }, [d]);
  const openStatus = (s: OrderStatus) => {
    sessionStorage.setItem('oms.orders.status', s);
    go('/orders');
  };
  return (
    <div className="screen" data-testid="dashboard">
      <div className="row between">
        <h1>{t('dashboard.title')}</h1>
        {d && d.unprocessed > 0 && (
          <span className="row gap">
            <span className="muted" data-testid="unprocessed">{t('dashboard.unprocessed')}: {d.unprocessed > 10000 ? `${num(10000)}+` : num(d.unprocessed)}</span>
            <button className="primary" data-testid="process-now" onClick={() => void processNow()}>{t('dashboard.processNow')}</button>
          </span>
        )}
      </div>
      {!d ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <>
          <div className="tiles">
            <div className="tile total">
              <div className="tile-n">{num(d.total)}</div>
              <div className="tile-l">{t('dashboard.total')}</div>
            </div>
            {d.counts.map((c) => (
              <button key={c.status} className={`tile st-edge-${c.status}`} data-testid="status-tile" onClick={() => openStatus(c.status)}>
                <div className="tile-n">{num(c.count)}</div>
                <div className="tile-l">{t(`status.${c.status}`)}</div>
              </button>
            ))}
          </div>
          <div className="dash-grid">
            <div className="card">
              <h2>{t('dashboard.perDay')}</h2>
              <DayChart days={d.per_day} />
            </div>
            <div className="card">
              <h2>
                {t('dashboard.exceptions')}{' '}
                <span className="muted small">
                  {t('dashboard.onHold')} {num(d.on_hold)} · {t('dashboard.lateToShip')} {num(d.late_to_ship)}
                </span>
              </h2>
              {d.exceptions.length === 0 && !(parcels.data ?? []).length && <p className="muted">{t('dashboard.noExceptions')}</p>}
              <ul className="exceptions">
                {(parcels.data ?? []).slice(0, 10).map((s) => (
                  <li key={`parcel-${s.id}`}>
                    <button className="exception" data-testid="parcel-exception" onClick={() => go(`/orders/${s.order_id}`)}>
                      <span className="ex-kind ex-parcel">{s.tracking_status === 'exception' || s.tracking_status === 'returned_to_sender' ? t(`track.s.${s.tracking_status}`) : t('dashboard.noMovement')}</span>
                      <span className="mono strong">{s.order_number}</span>
                      <span>{s.carrier} {s.tracking_number}</span>
                      <span className="muted small">{t('dashboard.lastScan', { time: dateTime(s.moved_at ?? s.created_at) })}</span>
                    </button>
                  </li>
                ))}
                {d.exceptions.map((e) => (
                  <li key={`${e.kind}-${e.order_id}`}>
                    <button className="exception" data-testid="exception" onClick={() => go(`/orders/${e.order_id}`)}>
                      <span className={`ex-kind ex-${e.kind}`}>{e.kind === 'on_hold' ? t('dashboard.onHold') : e.kind === 'backordered' ? t('dashboard.backordered') : t('dashboard.lateToShip')}</span>
                      <span className="mono strong">{e.order_number}</span>
                      <span>{e.customer_name}</span>
                      <span className="muted small">
                        {e.kind !== 'late_to_ship' ? t('dashboard.since', { time: dateTime(e.since) }) : t('dashboard.shipBy', { time: dateTime(e.since) })}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
            {(mentions.data ?? []).length > 0 && (
              <div className="card" data-testid="mentions">
                <h2>{t('dashboard.mentions')}</h2>
                <ul className="exceptions">
                  {(mentions.data ?? []).slice(0, 10).map((n, i) => (
                    <li key={i}>
                      <button className="exception" onClick={() => go(`/orders/${n.order_id}?do=notes`)}>
                        <span className="mono strong">{n.order_number}</span>
                        <span>{n.body}</span>
                        <span className="muted small">{n.actor} · {dateTime(n.at)}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function DayChart({ days }: { days: DayCount[] }) {
  const { num, locale } = useI18n();
  const dayMonth = (ms: number) => new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(ms));
  const w = 640;
  const h = 220;
  const pad = { l: 44, r: 8, t: 10, b: 28 };
  const max = Math.max(1, ...days.map((d) => d.count));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const bw = (w - pad.l - pad.r) / Math.max(1, days.length);
  const y = (v: number) => pad.t + (h - pad.t - pad.b) * (1 - v / top);
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  return (
    <svg className="chart" viewBox={`0 0 ${w} ${h}`} role="img">
      {ticks.map((v) => (
        <g key={v}>
          <line x1={pad.l} x2={w - pad.r} y1={y(v)} y2={y(v)} className="grid" />
          <text x={pad.l - 6} y={y(v) + 4} textAnchor="end" className="axis">
            {num(v)}
          </text>
        </g>
      ))}
      {days.map((d, i) => (
        <g key={d.day}>
          <rect x={pad.l + i * bw + 2} y={y(d.count)} width={Math.max(1, bw - 4)} height={h - pad.b - y(d.count)} className="bar">
            <title>{`${d.day}: ${num(d.count)}`}</title>
          </rect>
          {i % 5 === 0 || i === days.length - 1 ? (
            <text x={pad.l + i * bw + bw / 2} y={h - 8} textAnchor="middle" className="axis">
              {dayMonth(Date.parse(`${d.day}T12:00:00Z`))}
            </text>
          ) : null}
        </g>
      ))}
    </svg>
  );
}

function niceStep(max: number): number {
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}
