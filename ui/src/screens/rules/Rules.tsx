import type { PipelineSettings } from '../../api/bindings';
import { usePipelineSettings } from '../../components/settings';
import { useI18n, type MessageKey } from '../../i18n';
import { go } from '../../route';

const list = (s: string, sep: RegExp) => s.split(sep).map((x) => x.trim()).filter(Boolean);

/** The pipeline's rules: risk screening, validation, priority and merging. */
export function Rules() {
  const { t } = useI18n();
  const { s, setS, save } = usePipelineSettings();
  if (!s) return <div className="screen muted">{t('common.loading')}</div>;
  const risk = (patch: Partial<PipelineSettings['risk']>) => setS({ ...s, risk: { ...s.risk, ...patch } });
  const prio = (patch: Partial<PipelineSettings['priority']>) => setS({ ...s, priority: { ...s.priority, ...patch } });
  const numField = (label: MessageKey, value: number, on: (n: number) => void, testid?: string) => (
    <label className="field">
      <span>{t(label)}</span>
      <input type="number" data-testid={testid} value={value} onChange={(e) => on(Number(e.target.value) || 0)} />
    </label>
  );
  return (
    <div className="screen" data-testid="rules">
      <div className="row between">
        <h1>{t('rules.title')}</h1>
        <button className="primary" data-testid="rules-save" onClick={() => void save()}>{t('common.save')}</button>
      </div>
      <div className="rules-grid">
        <div className="card stack">
          <h2>{t('rules.risk')}</h2>
          <label className="row gap"><input type="checkbox" checked={s.risk.enabled} onChange={(e) => risk({ enabled: e.target.checked })} />{t('rules.enabled')}</label>
          {numField('rules.threshold', s.risk.hold_threshold, (n) => risk({ hold_threshold: n }), 'rules-threshold')}
          {numField('rules.highValue', s.risk.high_value_minor, (n) => risk({ high_value_minor: n }))}
          {numField('rules.highValuePoints', s.risk.high_value_points, (n) => risk({ high_value_points: n }))}
          {numField('rules.mismatch', s.risk.country_mismatch_points, (n) => risk({ country_mismatch_points: n }))}
          {numField('rules.velocityWindow', s.risk.velocity_window_hours, (n) => risk({ velocity_window_hours: n }))}
          {numField('rules.velocityMax', s.risk.velocity_max_orders, (n) => risk({ velocity_max_orders: n }))}
          {numField('rules.velocityPoints', s.risk.velocity_points, (n) => risk({ velocity_points: n }))}
          <label className="field"><span>{t('rules.countries')}</span>
            <input value={s.risk.high_risk_countries.join(', ')} onChange={(e) => risk({ high_risk_countries: list(e.target.value.toUpperCase(), /[,\s]+/) })} /></label>
          {numField('rules.countryPoints', s.risk.high_risk_country_points, (n) => risk({ high_risk_country_points: n }))}
          {numField('rules.firstExpress', s.risk.first_time_express_points, (n) => risk({ first_time_express_points: n }))}
          <label className="field"><span>{t('rules.denyEmails')}</span>
            <textarea data-testid="rules-deny-emails" rows={3} value={s.risk.deny_emails.join('\n')} onChange={(e) => risk({ deny_emails: list(e.target.value, /\n/) })} /></label>
          <label className="field"><span>{t('rules.denyAddresses')}</span>
            <textarea rows={3} value={s.risk.deny_addresses.join('\n')} onChange={(e) => risk({ deny_addresses: list(e.target.value, /\n/) })} /></label>
          {numField('rules.denyPoints', s.risk.deny_points, (n) => risk({ deny_points: n }))}
        </div>
        <div className="stack">
          <div className="card stack">
            <h2>{t('rules.validation')}</h2>
            <label className="row gap"><input type="checkbox" checked={s.validation.require_capture} onChange={(e) => setS({ ...s, validation: { ...s.validation, require_capture: e.target.checked } })} />{t('rules.requireCapture')}</label>
            <label className="field"><span>{t('rules.poBox')}</span>
              <input value={s.validation.po_box_refusing_services.join(', ')} onChange={(e) => setS({ ...s, validation: { ...s.validation, po_box_refusing_services: list(e.target.value, /,/) } })} /></label>
          </div>
          <div className="card stack">
            <h2>{t('rules.priority')}</h2>
            <label className="field"><span>{t('rules.express')}</span>
              <input value={s.priority.express_services.join(', ')} onChange={(e) => prio({ express_services: list(e.target.value, /,/) })} /></label>
            {numField('rules.expressPoints', s.priority.express_points, (n) => prio({ express_points: n }))}
            <label className="field"><span>{t('rules.vipTags')}</span>
              <input value={s.priority.vip_tags.join(', ')} onChange={(e) => prio({ vip_tags: list(e.target.value, /,/) })} /></label>
            {numField('rules.vipPoints', s.priority.vip_points, (n) => prio({ vip_points: n }))}
            {numField('rules.agePoints', s.priority.points_per_day_of_age, (n) => prio({ points_per_day_of_age: n }))}
          </div>
          <div className="card stack" data-testid="rules-routing">
            <h2>{t('rules.routing')}</h2>
            <label className="row gap"><input type="checkbox" data-testid="routing-enabled" checked={s.routing.enabled} onChange={(e) => setS({ ...s, routing: { ...s.routing, enabled: e.target.checked } })} />{t('rules.routingEnabled')}</label>
            <p className="muted small">{t('rules.routingMoved')}</p>
            <button data-testid="rules-open-routing" onClick={() => go('/routing')}>{t('rules.openRouting')}</button>
          </div>
          <div className="card stack">
            <h2>{t('rules.merge')}</h2>
            <label className="row gap"><input type="checkbox" checked={s.auto_merge} onChange={(e) => setS({ ...s, auto_merge: e.target.checked })} />{t('rules.autoMerge')}</label>
          </div>
        </div>
      </div>
    </div>
  );
}
