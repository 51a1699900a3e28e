import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { isApiError } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';

type Toast = { id: number; kind: 'ok' | 'error'; text: string };
type Ctx = { ok: (text: string) => void; error: (e: unknown) => void };
const ToastCtx = createContext<Ctx | null>(null);

export function ToastProvider({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const push = useCallback((kind: Toast['kind'], text: string) => {
    const id = Date.now() + Math.random();
    setToasts((ts) => [...ts.slice(-3), { id, kind, text }]);
    setTimeout(() => setToasts((ts) => ts.filter((x) => x.id !== id)), kind === 'error' ? 9000 : 4000);
  }, []);
  const ctx: Ctx = {
    ok: (text) => push('ok', text),
    error: (e) => {
      if (isApiError(e)) push('error', t(`error.${e.code}` as MessageKey, { message: e.message }));
      else push('error', t('error.internal', { message: String(e) }));
    },
  };
  return (
    <ToastCtx.Provider value={ctx}>
      {children}
      <div className="toasts" role="status">
        {toasts.map((x) => (
          // A click puts it away (it would otherwise cover the buttons under it for a while).
          <div key={x.id} className={`toast toast-${x.kind}`} data-testid={`toast-${x.kind}`}
            onClick={() => setToasts((ts) => ts.filter((y) => y.id !== x.id))}>
            {x.text}
          </div>
        ))}
      </div>
    </ToastCtx.Provider>
  );
}

export function useToast(): Ctx {
  const v = useContext(ToastCtx);
  if (!v) throw new Error('useToast outside ToastProvider');
  return v;
}
