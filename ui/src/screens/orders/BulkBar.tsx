import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { bulkText, processText } from '../../components/actions';
import { useToast } from '../../components/toast';
import { useI18n } from '../../i18n';

const MAX_SELECTION = 100_000;

/** Actions on the selected orders: tag, note, pipeline actions, export. */
export function BulkBar({ selected, matching, onSelectMatching, onClear, onExport }: {
  selected: Set<number>; matching: number; onSelectMatching: () => void; onClear: () => void; onExport: () => void;
}) {
  const { t, num } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const [tag, setTag] = useState('');
  const [note, setNote] = useState('');
  const [comment, setComment] = useState('');
  const [priority, setPriority] = useState('');
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
      <strong data-testid="selected-count">{t('orders.selected', { count: num(selected.size) })}</strong>
      {selected.size < matching && (
        <button className="link" data-testid="select-matching" onClick={onSelectMatching}>
          {t('orders.selectMatching', { count: num(Math.min(matching, MAX_SELECTION)) })}
        </button>
      )}
      <form className="row gap" onSubmit={(e) => { e.preventDefault(); if (tag.trim()) void run(async () => { const n = await api.bulkAddTag(ids, tag); setTag(''); return t('orders.tagged', { count: num(n) }); }); }}>
        <input value={tag} placeholder={t('orders.tagPlaceholder')} onChange={(e) => setTag(e.target.value)} data-testid="bulk-tag-input" />
        <button type="submit" data-testid="bulk-tag-submit" disabled={!tag.trim()}>{t('orders.addTag')}</button>
      </form>
      <form className="row gap" onSubmit={(e) => { e.preventDefault(); if (note.trim()) void run(async () => { const n = await api.bulkAddNote(ids, note); setNote(''); return t('orders.noted', { count: num(n) }); }); }}>
        <input className="wide" value={note} placeholder={t('orders.notePlaceholder')} onChange={(e) => setNote(e.target.value)} />
        <button type="submit" disabled={!note.trim()}>{t('orders.addNote')}</button>
      </form>
      <span className="row gap">
        <button data-testid="bulk-process" onClick={() => void run(async () => processText(t, await api.processOrders(ids)))}>{t('actions.process')}</button>
        <input value={comment} placeholder={t('actions.comment')} onChange={(e) => setComment(e.target.value)} data-testid="bulk-comment" />
        <button data-testid="bulk-hold" onClick={() => void run(async () => bulkText(t, await api.holdOrders(ids, 'manual', comment)))}>{t('actions.hold')}</button>
        <button data-testid="bulk-release" disabled={!comment.trim()} onClick={() => void run(async () => bulkText(t, await api.releaseOrders(ids, comment)))}>{t('actions.release')}</button>
        <button disabled={!comment.trim()} onClick={() => { if (window.confirm(t('actions.confirmCancel', { count: ids.length }))) void run(async () => bulkText(t, await api.cancelOrders(ids, comment))); }}>{t('actions.cancel')}</button>
        <button disabled={ids.length < 2} onClick={() => void run(async () => t('actions.merged', { number: (await api.mergeOrders(ids)).order_number }))}>{t('actions.merge')}</button>
        <button onClick={() => void run(async () => bulkText(t, await api.shipOrders(ids)))}>{t('actions.ship')}</button>
        <input className="narrow" type="number" value={priority} placeholder={t('actions.priority')} onChange={(e) => setPriority(e.target.value)} />
        <button onClick={() => void run(async () => { const n = await api.setPriority(ids, priority.trim() === '' ? null : Number(priority)); setPriority(''); return t('actions.done', { changed: n, failed: 0 }); })}>
          {priority.trim() === '' ? t('actions.priorityAuto') : t('actions.priority')}
        </button>
      </span>
      <button onClick={onExport}>{t('orders.exportSelected')}</button>
      <button className="link" onClick={onClear}>{t('orders.clearSelection')}</button>
    </div>
  );
}
