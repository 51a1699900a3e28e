import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { OrderQuery } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';

/** Saved views: named queries stored in the database. */
export function Views({ query, onApply }: { query: OrderQuery; onApply: (q: OrderQuery) => void }) {
  const { t } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const views = useQuery({ queryKey: ['views'], queryFn: api.listViews });
  const [current, setCurrent] = useState<number | null>(null);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const saveView = async () => {
    try {
      const v = await api.saveView(name, query);
      setNaming(false);
      setName('');
      setCurrent(v.id);
      toast.ok(t('views.saved', { name: v.name }));
      await qc.invalidateQueries({ queryKey: ['views'] });
    } catch (e) {
      toast.error(e);
    }
  };
  if (naming) {
    return (
      <form className="row gap" onSubmit={(e) => { e.preventDefault(); void saveView(); }}>
        <input autoFocus value={name} placeholder={t('views.name')} onChange={(e) => setName(e.target.value)} />
        <button className="primary" type="submit" disabled={!name.trim()}>{t('common.save')}</button>
        <button type="button" onClick={() => setNaming(false)}>{t('common.cancel')}</button>
      </form>
    );
  }
  return (
    <div className="row gap">
      <select
        aria-label={t('views.label')}
        value={current ?? ''}
        onChange={(e) => {
          const v = views.data?.find((x) => x.id === Number(e.target.value));
          setCurrent(v?.id ?? null);
          if (v) onApply(v.query);
        }}
      >
        <option value="">{t('views.none')}</option>
        {(views.data ?? []).map((v) => (
          <option key={v.id} value={v.id}>{v.name}</option>
        ))}
      </select>
      {current !== null && (
        <button
          title={t('views.delete')}
          onClick={async () => {
            try {
              await api.deleteView(current);
              setCurrent(null);
              await qc.invalidateQueries({ queryKey: ['views'] });
            } catch (e) {
              toast.error(e);
            }
          }}
        >
          ✕
        </button>
      )}
      <button onClick={() => setNaming(true)}>{t('views.save')}</button>
    </div>
  );
}
