import { useQuery } from '@tanstack/react-query';
import type { ChannelKind } from '../../api/bindings';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { go } from '../../route';

const COMING: ChannelKind[] = ['shopify', 'woocommerce', 'amazon', 'ebay', 'etsy', 'pos', 'edi'];

/** The connection kinds to come. Nothing here pretends to connect: the sync issue builds that. */
export function Connections() {
  const { t } = useI18n();
  const conns = useQuery({ queryKey: ['connections'], queryFn: api.listConnections });
  return (
    <div className="screen" data-testid="connections">
      <h1>{t('connections.title')}</h1>
      <p className="muted lead">{t('connections.body')}</p>
      <div className="cards">
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
      <h2>{t('connections.existing')}</h2>
      {conns.data && conns.data.length === 0 && <p className="muted">{t('connections.noneYet')}</p>}
      <table className="simple">
        <tbody>
          {(conns.data ?? []).map((c) => (
            <tr key={c.id}>
              <td className="strong">{c.name}</td>
              <td>{t(`connections.kind.${c.kind}`)}</td>
              <td className="muted">{c.enabled ? t('connections.enabled') : t('connections.disabled')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
