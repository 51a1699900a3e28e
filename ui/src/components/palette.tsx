import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { go } from '../route';
import { StatusBadge } from './badges';

/** Ctrl/Cmd-K from anywhere: find an order by anything a customer says. */
export function Palette() {
  const { t, money } = useI18n();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [debounced, setDebounced] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen(true);
      } else if (e.key === 'Escape') {
        setOpen(false);
      }
    };
    const onOpen = () => setOpen(true);
    window.addEventListener('keydown', onKey);
    window.addEventListener('oms:palette', onOpen);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('oms:palette', onOpen);
    };
  }, []);
  useEffect(() => {
    if (open) setTimeout(() => input.current?.focus(), 0);
    else setText('');
  }, [open]);
  useEffect(() => {
    const h = setTimeout(() => setDebounced(text.trim()), 80);
    return () => clearTimeout(h);
  }, [text]);
  const results = useQuery({
    queryKey: ['palette', debounced],
    queryFn: () => api.search(debounced, 20),
    enabled: open && debounced.length > 0,
    placeholderData: (prev) => prev,
  });
  const rows = debounced ? (results.data ?? []) : [];
  useEffect(() => setActive(0), [debounced]);

  if (!open) return null;
  const openOrder = (id: number, intent?: string) => {
    setOpen(false);
    if (intent === 'customer') go(`/customer/${id}`);
    else go(intent ? `/orders/${id}?do=${intent}` : `/orders/${id}`);
  };
  /** Alt + a letter on the highlighted order: straight to what the agent wants to do. */
  const INTENTS: Record<string, string> = { c: 'customer', r: 'return', f: 'refund', e: 'edit', x: 'cancel' };
  return (
    <div className="overlay" onMouseDown={() => setOpen(false)}>
      <div className="palette" data-testid="palette" onMouseDown={(e) => e.stopPropagation()}>
        <input
          ref={input}
          data-testid="palette-input"
          value={text}
          placeholder={t('palette.placeholder')}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(a + 1, rows.length - 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(a - 1, 0));
            } else if (e.key === 'Enter' && rows[active]) {
              openOrder(rows[active].id);
            } else if (e.altKey && rows[active] && INTENTS[e.key.toLowerCase()]) {
              e.preventDefault();
              openOrder(rows[active].id, INTENTS[e.key.toLowerCase()]);
            }
          }}
        />
        <div className="palette-results">
          {rows.map((r, i) => (
            <button
              key={r.id}
              type="button"
              className={`palette-result ${i === active ? 'active' : ''}`}
              data-testid="palette-result"
              onMouseEnter={() => setActive(i)}
              onClick={() => openOrder(r.id)}
            >
              <span className="mono strong">{r.order_number}</span>
              <span>{r.customer_name}</span>
              <span className="muted">{r.email ?? ''}</span>
              <span className="num">{money(r.grand_total, r.currency)}</span>
              <StatusBadge status={r.status} />
            </button>
          ))}
          {debounced && results.isSuccess && rows.length === 0 && <div className="muted pad">{t('palette.empty')}</div>}
        </div>
        {rows[active] && (
          <div className="palette-actions" data-testid="palette-actions">
            <span className="muted small">{rows[active].order_number}:</span>
            {Object.entries(INTENTS).map(([k, intent]) => (
              <button key={k} type="button" className="small" data-testid={`palette-do-${intent}`} onClick={() => openOrder(rows[active].id, intent)}>
                {t(`palette.do.${intent}` as MessageKey)} <kbd>Alt {k.toUpperCase()}</kbd>
              </button>
            ))}
          </div>
        )}
        <div className="palette-hint muted">{t('palette.hint')}</div>
      </div>
    </div>
  );
}
