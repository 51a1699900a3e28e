import type { ImportReport } from '../api/bindings';
import { useI18n } from '../i18n';

/** The result of a CSV import: the headline, each bad row by row and column, and — when nothing
 * was imported because of bad rows — the offer to import only the good ones. */
export function ImportReportCard({ report, headline, testid, onGoodRows, onDismiss }: {
  report: Pick<ImportReport, 'errors' | 'committed'>; headline: string; testid: string; onGoodRows: () => void; onDismiss: () => void;
}) {
  const { t } = useI18n();
  return (
    <div className="import-report card" data-testid={testid}>
      <div className="row between">
        <strong>{headline}</strong>
        <div className="row gap">
          {!report.committed && <button className="primary" onClick={onGoodRows}>{t('orders.importGood')}</button>}
          <button onClick={onDismiss}>{t('orders.dismiss')}</button>
        </div>
      </div>
      <ul className="errors">
        {report.errors.slice(0, 50).map((e, i) => (
          <li key={i}>
            <span className="mono">{e.row !== null ? t('orders.row', { row: e.row }) : ''}</span> <span className="mono strong">{e.column ?? ''}</span> {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
