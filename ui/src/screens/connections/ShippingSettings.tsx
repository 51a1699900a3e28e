import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ParcelPreset, RateRule, RateRules } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';

const RULES: RateRule[] = ['cheapest', 'cheapest_on_time', 'fastest'];

/** How labels are chosen (a rule, preferred carriers per country and weight) and the boxes
 * the packers use (size and own weight go to the carriers with the parcel). */
export function ShippingSettings() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const rules = useQuery({ queryKey: ['rate-rules'], queryFn: api.rateRules });
  const presets = useQuery({ queryKey: ['presets'], queryFn: api.parcelPresets });
  const [r, setR] = useState<RateRules | null>(null);
  useEffect(() => { if (rules.data && !r) setR(rules.data); }, [rules.data, r]);
  const [p, setP] = useState<ParcelPreset>({ id: 0, name: '', length_mm: 300, width_mm: 200, height_mm: 100, tare_g: 150, max_g: null });
  const saveRules = async () => {
    if (!r) return;
    try { setR(await api.saveRateRules(r)); toast.ok(t('rate.saved')); } catch (e) { toast.error(e); }
  };
  const savePreset = async () => {
    try { await api.saveParcelPreset(p); setP({ ...p, name: '' }); await qc.invalidateQueries({ queryKey: ['presets'] }); } catch (e) { toast.error(e); }
  };
  const del = async (id: number) => {
    try { await api.deleteParcelPreset(id); await qc.invalidateQueries({ queryKey: ['presets'] }); } catch (e) { toast.error(e); }
  };
  return (
    <div className="stack" data-testid="shipping-settings">
      <h2>{t('rate.title')}</h2>
      {r && (
        <div className="card stack" data-testid="rate-rules">
          <div className="row gap">
            <label className="field"><span>{t('rate.rule')}</span>
              <select data-testid="rate-rule" value={r.rule} onChange={(e) => setR({ ...r, rule: e.target.value as RateRule })}>
                {RULES.map((x) => <option key={x} value={x}>{t(`rate.rule.${x}` as MessageKey)}</option>)}
              </select></label>
            {r.rule === 'cheapest_on_time' && (
              <label className="field"><span>{t('rate.within')}</span>
                <input inputMode="numeric" value={r.deliver_within_days ?? ''} onChange={(e) => setR({ ...r, deliver_within_days: e.target.value ? Number(e.target.value.replace(/\D/g, '')) : null })} /></label>
            )}
          </div>
          <p className="muted small">{t('rate.preferredHint')}</p>
          {r.preferred.map((pc, i) => (
            <div key={i} className="row gap" data-testid="preferred-carrier">
              <input placeholder={t('fulfil.carrier')} value={pc.carrier} onChange={(e) => setR({ ...r, preferred: r.preferred.map((x, j) => j === i ? { ...x, carrier: e.target.value } : x) })} />
              <CountriesInput value={pc.countries} onChange={(countries) => setR({ ...r, preferred: r.preferred.map((x, j) => j === i ? { ...x, countries } : x) })} />
              <input placeholder={t('rate.maxWeight')} inputMode="numeric" value={pc.max_weight_g ?? ''} onChange={(e) => setR({ ...r, preferred: r.preferred.map((x, j) => j === i ? { ...x, max_weight_g: e.target.value ? Number(e.target.value.replace(/\D/g, '')) : null } : x) })} />
              <button onClick={() => setR({ ...r, preferred: r.preferred.filter((_, j) => j !== i) })}>{t('rate.remove')}</button>
            </div>
          ))}
          <div className="row gap">
            <button onClick={() => setR({ ...r, preferred: [...r.preferred, { carrier: '', countries: [], max_weight_g: null }] })}>{t('rate.addPreferred')}</button>
            <span className="grow" />
            <button className="primary" data-testid="rate-save" onClick={() => void saveRules()}>{t('common.save')}</button>
          </div>
        </div>
      )}
      <h2>{t('preset.title')}</h2>
      <div className="card stack" data-testid="presets">
        {(presets.data ?? []).length === 0 && <p className="muted small">{t('preset.none')}</p>}
        <table className="simple">
          <tbody>
            {(presets.data ?? []).map((x) => (
              <tr key={x.id} data-testid="preset-row"><td className="strong">{x.name}</td><td>{x.length_mm} × {x.width_mm} × {x.height_mm} mm</td><td>{t('preset.tare', { g: x.tare_g })}</td><td><button onClick={() => void del(x.id)}>{t('rate.remove')}</button></td></tr>
            ))}
          </tbody>
        </table>
        <div className="row gap wrap">
          <input data-testid="preset-name" placeholder={t('connections.name')} value={p.name} onChange={(e) => setP({ ...p, name: e.target.value })} />
          {(['length_mm', 'width_mm', 'height_mm', 'tare_g'] as const).map((k) => (
            <label key={k} className="field"><span>{t(`preset.${k}` as MessageKey)}</span>
              <input inputMode="numeric" size={6} value={p[k]} onChange={(e) => setP({ ...p, [k]: Number(e.target.value.replace(/\D/g, '')) || 0 })} /></label>
          ))}
          <button data-testid="preset-save" disabled={!p.name.trim()} onClick={() => void savePreset()}>{t('preset.add')}</button>
        </div>
      </div>
    </div>
  );
}

/** Country codes typed freely ("DE AT, CH"); the list is taken from the text as it is typed. */
function CountriesInput({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(value.join(' '));
  return (
    <input placeholder={t('rate.countries')} value={text} onChange={(e) => {
      setText(e.target.value);
      onChange(e.target.value.split(/[\s,]+/).filter(Boolean));
    }} />
  );
}
