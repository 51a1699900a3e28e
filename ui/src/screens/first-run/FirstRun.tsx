import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';
import { go } from '../../route';

export function FirstRun() {
  const { t, num } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const [count, setCount] = useState(2000);
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setBusy(true);
    try {
      await api.loadDemo(count);
      await qc.invalidateQueries();
      go('/dashboard');
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="first-run" data-testid="first-run">
      <div className="card hero">
        <h1>{t('firstRun.title')}</h1>
        <p>{t('firstRun.body')}</p>
        <div className="row gap">
          <label className="field">
            <span>{t('firstRun.demoCount')}</span>
            <select value={count} onChange={(e) => setCount(Number(e.target.value))} disabled={busy}>
              {[2000, 20000, 200000].map((n) => (
                <option key={n} value={n}>
                  {num(n)}
                </option>
              ))}
            </select>
          </label>
          <button className="primary" data-testid="load-demo" onClick={load} disabled={busy}>
            {busy ? t('firstRun.loading') : t('firstRun.demo')}
          </button>
          <button data-testid="go-connections" onClick={() => go('/connections')} disabled={busy}>
            {t('firstRun.connections')}
          </button>
        </div>
      </div>
    </div>
  );
}
