import { useEffect, useState } from 'react';
import type { Progress } from '../api/bindings';
import { onProgress } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';

/** Shows long tasks (demo data, imports, exports) from the backend's progress events. */
export function ProgressBar() {
  const { t, num } = useI18n();
  const [p, setP] = useState<Progress | null>(null);
  useEffect(() => {
    let hide: ReturnType<typeof setTimeout> | undefined;
    const un = onProgress((next) => {
      setP(next);
      clearTimeout(hide);
      // Done when all of a known total is done; a task whose total is not known yet (a sync)
      // reports 0 until its last event.
      const finished = next.total > 0 ? next.done >= next.total : next.done === 0;
      if (finished) hide = setTimeout(() => setP(null), 1200);
    });
    return () => {
      clearTimeout(hide);
      void un.then((f) => f());
    };
  }, []);
  if (!p) return null;
  const pct = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;
  return (
    <div className="progress" data-testid="progress">
      <span>
        {t(`progress.${p.task}` as MessageKey)} {num(p.done)}{p.total > 0 ? ` / ${num(p.total)}` : ''}
      </span>
      <div className="progress-track">
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
