import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';

/** Carrier accounts (EasyPost, Shippo): add one (its API key goes to the OS keyring) and list them. */
export function Carriers() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const accounts = useQuery({ queryKey: ['carrier-accounts'], queryFn: api.listCarrierAccounts });
  const [adding, setAdding] = useState<'easypost' | 'shippo' | null>(null);
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('https://api.easypost.com');
  const [key, setKey] = useState('');
  const save = async () => {
    try {
      await api.addCarrierAccount({ kind: adding ?? 'easypost', name, base_url: baseUrl, api_key: key });
      toast.ok(t('carriers.added', { name }));
      setAdding(null);
      setName('');
      setKey('');
    } catch (e) {
      toast.error(e);
    }
    await qc.invalidateQueries({ queryKey: ['carrier-accounts'] });
  };
  const list = accounts.data ?? [];
  return (
    <>
      <div className="row between">
        <h2>{t('carriers.title')}</h2>
        {!adding && (
          <div className="row gap">
            <button data-testid="add-carrier" onClick={() => { setAdding('easypost'); setBaseUrl('https://api.easypost.com'); }}>{t('carriers.addEasyPost')}</button>
            <button data-testid="add-shippo" onClick={() => { setAdding('shippo'); setBaseUrl('https://api.goshippo.com'); }}>{t('carriers.addShippo')}</button>
          </div>
        )}
      </div>
      <p className="muted">{t('carriers.body')}</p>
      {adding && (
        <div className="card form" data-testid="carrier-form">
          <div className="form-grid">
            <label>{t('connections.name')}<input data-testid="carrier-name" value={name} onChange={(e) => setName(e.target.value)} /></label>
            <label>{t('connections.baseUrl')}<input data-testid="carrier-base-url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} /></label>
            <label>{t('carriers.apiKey')}<input type="password" autoComplete="off" data-testid="carrier-key" value={key} onChange={(e) => setKey(e.target.value)} /></label>
          </div>
          <p className="muted small">{t('connections.keyringNote')}</p>
          <div className="row">
            <button className="primary" data-testid="carrier-save" disabled={!name.trim() || !key.trim()} onClick={() => void save()}>{t('connections.save')}</button>
            <button onClick={() => setAdding(null)}>{t('common.cancel')}</button>
          </div>
        </div>
      )}
      {list.length === 0 ? (
        <p className="muted small">{t('carriers.none')}</p>
      ) : (
        <table className="simple" data-testid="carrier-accounts">
          <tbody>
            {list.map((a) => (
              <tr key={a.id}>
                <td className="strong">{a.name}</td>
                <td>{a.kind === 'shippo' ? 'Shippo' : 'EasyPost'}</td>
                <td className="muted">{a.base_url}</td>
                <td>{a.has_key ? t('connections.inKeyring', { n: 1 }) : <span className="error-text">{t('connections.noCredentials')}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
