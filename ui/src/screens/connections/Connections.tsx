import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ChannelKind, CredentialsInput, SyncConnectionView } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';
import { go } from '../../route';
import { Carriers } from './Carriers';
import { CustomerMail } from './CustomerMail';
import { ShippingSettings } from './ShippingSettings';
import { ConnectionDetails } from './ConnectionDetails';

const SYNCING: ChannelKind[] = ['shopify', 'woocommerce'];
const COMING: ChannelKind[] = ['amazon', 'ebay', 'etsy', 'pos', 'edi'];

const noCredentials = (): CredentialsInput => ({
  access_token: null, client_id: null, client_secret: null, consumer_key: null, consumer_secret: null,
});

/** Channel connections: add one (its secrets go to the OS keyring), test it, pull its orders,
 * pause it; each shows its sync state and its quarantined payloads. */
export function Connections() {
  const { t } = useI18n();
  // Background sync changes these: refreshed every few seconds.
  const conns = useQuery({ queryKey: ['sync-connections'], queryFn: api.listSyncConnections, refetchInterval: 4000 });
  const [adding, setAdding] = useState<ChannelKind | null>(null);
  const list = conns.data ?? [];
  return (
    <div className="screen" data-testid="connections">
      <h1>{t('connections.title')}</h1>
      <p className="muted lead">{t('connections.body')}</p>
      <div className="cards">
        {SYNCING.map((k) => (
          <div key={k} className="card conn-card">
            <div className={`conn-logo logo-${k}`}>{t(`connections.kind.${k}`).slice(0, 1)}</div>
            <div>
              <div className="strong">{t(`connections.kind.${k}`)}</div>
              <button className="link" data-testid={`add-${k}`} onClick={() => setAdding(k)}>
                {t('connections.add')}
              </button>
            </div>
          </div>
        ))}
        {COMING.map((k) => (
          <div key={k} className="card conn-card">
            <div className={`conn-logo logo-${k}`}>{t(`connections.kind.${k}`).slice(0, 1)}</div>
            <div>
              <div className="strong">{t(`connections.kind.${k}`)}</div>
              <span className="soon">{t('connections.soon')}</span>
            </div>
          </div>
        ))}
        <div className="card conn-card">
          <div className="conn-logo logo-csv">C</div>
          <div>
            <div className="strong">{t('connections.kind.csv')}</div>
            <div className="muted small">{t('connections.csv')}</div>
            <button className="link" onClick={() => go('/orders')}>
              {t('connections.openOrders')}
            </button>
          </div>
        </div>
      </div>
      {adding && <AddConnection kind={adding} onDone={() => setAdding(null)} />}
      <h2>{t('connections.existing')}</h2>
      {conns.data && list.length === 0 && <p className="muted">{t('connections.noneYet')}</p>}
      {list.map((c) => (
        <ConnectionCard key={c.id} c={c} />
      ))}
      <Quarantine />
      <Carriers />
      <ShippingSettings />
      <CustomerMail />
    </div>
  );
}

function AddConnection({ kind, onDone }: { kind: ChannelKind; onDone: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [apiVersion, setApiVersion] = useState('');
  const [pageSize, setPageSize] = useState('');
  const [cred, setCred] = useState<CredentialsInput>(noCredentials());
  const [busy, setBusy] = useState(false);
  const field = (key: keyof CredentialsInput, label: string) => (
    <label>
      {label}
      <input
        type="password"
        autoComplete="off"
        data-testid={`cred-${key}`}
        value={cred[key] ?? ''}
        onChange={(e) => setCred({ ...cred, [key]: e.target.value || null })}
      />
    </label>
  );
  const save = async () => {
    setBusy(true);
    try {
      await api.addConnection({
        kind,
        name,
        base_url: baseUrl,
        api_version: apiVersion.trim() || null,
        page_size: pageSize ? Number(pageSize) : null,
        credentials: cred,
      });
      toast.ok(t('connections.added', { name }));
      await qc.invalidateQueries({ queryKey: ['sync-connections'] });
      onDone();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card form" data-testid="add-connection">
      <h2>{t('connections.addTitle', { kind: t(`connections.kind.${kind}`) })}</h2>
      <div className="form-grid">
        <label>
          {t('connections.name')}
          <input data-testid="conn-name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('connections.baseUrl')}
          <input
            data-testid="conn-base-url"
            placeholder={kind === 'shopify' ? 'https://my-shop.myshopify.com' : 'https://shop.example'}
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
          />
        </label>
        {kind === 'shopify' ? (
          <>
            {field('access_token', t('connections.accessToken'))}
            {field('client_id', t('connections.clientId'))}
            {field('client_secret', t('connections.clientSecret'))}
          </>
        ) : (
          <>
            {field('consumer_key', t('connections.consumerKey'))}
            {field('consumer_secret', t('connections.consumerSecret'))}
          </>
        )}
      </div>
      <details>
        <summary>{t('connections.advanced')}</summary>
        <div className="form-grid">
          {kind === 'shopify' && (
            <label>
              {t('connections.apiVersion')}
              <input placeholder="2026-10" value={apiVersion} onChange={(e) => setApiVersion(e.target.value)} />
            </label>
          )}
          <label>
            {t('connections.pageSize')}
            <input type="number" min={1} max={kind === 'shopify' ? 250 : 100} value={pageSize} onChange={(e) => setPageSize(e.target.value)} />
          </label>
        </div>
      </details>
      <p className="muted small">{t('connections.keyringNote')}</p>
      <div className="row">
        <button className="primary" data-testid="conn-save" disabled={busy || !name.trim() || !baseUrl.trim()} onClick={save}>
          {t('connections.save')}
        </button>
        <button onClick={onDone}>{t('common.cancel')}</button>
      </div>
    </div>
  );
}

function ConnectionCard({ c }: { c: SyncConnectionView }) {
  const { t, num, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const [editUrl, setEditUrl] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries();
  const run = async (what: string, f: () => Promise<void>) => {
    setBusy(what);
    try {
      await f();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(null);
      await refresh();
    }
  };
  const when = (ms: number | null) => (ms === null ? t('connections.never') : dateTime(ms));
  const lagMin = c.cursor === null ? null : Math.max(0, Math.round((Date.now() - c.cursor) / 60000));
  return (
    <div className="card conn-state" data-testid={`connection-${c.id}`}>
      <div className="row between">
        <div>
          <span className="strong">{c.name}</span> <span className="muted">· {t(`connections.kind.${c.kind}`)}</span>
          {c.paused && <span className="badge warn"> {t('connections.paused')}</span>}
          {!c.enabled && <span className="badge"> {t('connections.disabled')}</span>}
          <span className={`badge ${c.circuit === 'open' ? 'bad' : 'ok'}`} data-testid="circuit">
            {c.circuit === 'open' ? t('connections.failing') : t('connections.healthy')}
          </span>
        </div>
        <div className="row">
          <button data-testid="conn-test" disabled={busy !== null} onClick={() => run('test', async () => {
            const r = await api.testConnection(c.id);
            if (r.ok) toast.ok(r.message);
            else toast.error({ code: 'channel_rejected', message: r.message, details: [] });
          })}>{t('connections.test')}</button>
          <button className="primary" data-testid="conn-sync" disabled={busy !== null || !c.enabled} onClick={() => run('sync', async () => {
            const r = await api.syncConnection(c.id);
            toast.ok(t('connections.synced', { fetched: r.fetched, imported: r.imported, updated: r.updated, quarantined: r.quarantined, returns: r.returns }));
          })}>{busy === 'sync' ? t('connections.syncing') : t('connections.syncNow')}</button>
          <button data-testid="conn-pause" disabled={busy !== null} onClick={() => run('pause', async () => {
            await api.updateConnection(c.id, { base_url: null, api_version: null, page_size: null, enabled: null, paused: !c.paused });
          })}>{c.paused ? t('connections.resume') : t('connections.pause')}</button>
        </div>
      </div>
      <div className="muted small">
        {editUrl === null ? (
          <>
            {c.base_url} <button className="link" data-testid="conn-edit-url" onClick={() => setEditUrl(c.base_url ?? '')}>{t('connections.change')}</button>
          </>
        ) : (
          <span className="row">
            <input data-testid="conn-url-input" value={editUrl} onChange={(e) => setEditUrl(e.target.value)} />
            <button onClick={() => run('url', async () => {
              await api.updateConnection(c.id, { base_url: editUrl, api_version: null, page_size: null, enabled: null, paused: null });
              setEditUrl(null);
            })}>{t('connections.save')}</button>
            <button onClick={() => setEditUrl(null)}>{t('common.cancel')}</button>
          </span>
        )}
      </div>
      <dl className="facts">
        <div><dt>{t('connections.lastSuccess')}</dt><dd data-testid="last-success">{when(c.last_success_at)}</dd></div>
        <div><dt>{t('connections.lag')}</dt><dd>{lagMin === null ? '—' : t('connections.minutes', { n: lagMin })}</dd></div>
        <div><dt>{t('connections.ordersPulled')}</dt><dd data-testid="orders-pulled">{num(c.orders_pulled)}</dd></div>
        <div><dt>{t('connections.orders')}</dt><dd>{num(c.orders)}</dd></div>
        <div><dt>{t('connections.quarantined')}</dt><dd data-testid="quarantined-count">{num(c.quarantined)}</dd></div>
        <div><dt>{t('connections.outbox')}</dt><dd data-testid="outbox-backlog">{num(c.outbox_backlog)}</dd></div>
        {c.outbox_failed > 0 && <div><dt>{t('connections.outboxFailed')}</dt><dd className="error-text">{num(c.outbox_failed)}</dd></div>}
        {c.unknown_skus > 0 && <div><dt>{t('connections.unknownSkus')}</dt><dd>{num(c.unknown_skus)}</dd></div>}
        <div><dt>{t('connections.credentials')}</dt><dd>{c.credentials.length ? t('connections.inKeyring', { n: c.credentials.length }) : t('connections.noCredentials')}</dd></div>
      </dl>
      {c.last_error && (
        <p className="error-text" data-testid="last-error">
          {t('connections.lastError', { at: when(c.last_sync_at) })}: {c.last_error}
        </p>
      )}
      <ConnectionDetails c={c} />
    </div>
  );
}

function Quarantine() {
  const { t, dateTime } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const q = useQuery({ queryKey: ['quarantine'], queryFn: () => api.quarantined(null), refetchInterval: 4000 });
  const rows = q.data ?? [];
  if (rows.length === 0) return null;
  return (
    <>
      <h2>{t('connections.quarantine')}</h2>
      <p className="muted">{t('connections.quarantineBody')}</p>
      <table className="simple" data-testid="quarantine">
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td className="muted">{dateTime(r.fetched_at)}</td>
              <td>{r.connection}</td>
              <td className="strong">{r.external_id}</td>
              <td>{r.error}</td>
              <td>
                <button onClick={async () => {
                  try {
                    const res = await api.retryQuarantined(r.id);
                    if (res.imported) toast.ok(t('connections.retried'));
                    else toast.error({ code: 'invalid_input', message: res.error ?? '', details: [] });
                  } catch (e) {
                    toast.error(e);
                  }
                  await qc.invalidateQueries();
                }}>{t('connections.retry')}</button>
                <button onClick={async () => {
                  try {
                    await api.dismissQuarantined([r.id]);
                  } catch (e) {
                    toast.error(e);
                  }
                  await qc.invalidateQueries();
                }}>{t('connections.dismiss')}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
