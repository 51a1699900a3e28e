import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';

/** Actions on the selected orders: tag, note, export. */
export function BulkBar({ selected, onClear, onExport }: { selected: Set<number>; onClear: () => void; onExport: () => void }) {
  const { t, num } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const [tag, setTag] = useState('');
  const [note, setNote] = useState('');
  const ids = [...selected];
  const run = async (f: () => Promise<string>) => {
    try {
      toast.ok(await f());
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  return (
    <div className="bulk" data-testid="bulk-bar">
      <strong>{t('orders.selected', { count: num(selected.size) })}</strong>
      <form className="row gap" onSubmit={(e) => { e.preventDefault(); if (tag.trim()) void run(async () => { const n = await api.bulkAddTag(ids, tag); setTag(''); return t('orders.tagged', { count: num(n) }); }); }}>
        <input value={tag} placeholder={t('orders.tagPlaceholder')} onChange={(e) => setTag(e.target.value)} data-testid="bulk-tag-input" />
        <button type="submit" data-testid="bulk-tag-submit" disabled={!tag.trim()}>{t('orders.addTag')}</button>
      </form>
      <form className="row gap" onSubmit={(e) => { e.preventDefault(); if (note.trim()) void run(async () => { const n = await api.bulkAddNote(ids, note); setNote(''); return t('orders.noted', { count: num(n) }); }); }}>
        <input className="wide" value={note} placeholder={t('orders.notePlaceholder')} onChange={(e) => setNote(e.target.value)} />
        <button type="submit" disabled={!note.trim()}>{t('orders.addNote')}</button>
      </form>
      <button onClick={onExport}>{t('orders.exportSelected')}</button>
      <button className="link" onClick={onClear}>{t('orders.clearSelection')}</button>
    </div>
  );
}
