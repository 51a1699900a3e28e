import { describe, expect, it } from 'vitest';
import { de } from './de';
import { en } from './en';
import { currencyDigits, dayToMs, formatMoney, msToDay } from './format';

describe('dictionaries', () => {
  it('German has exactly the English keys', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });
  it('every placeholder in English appears in German', () => {
    for (const [k, v] of Object.entries(en)) {
      const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(vars(de[k as keyof typeof en]), k).toEqual(vars(v));
    }
  });
  it('no German entry is left in English by mistake for screen titles', () => {
    expect(de['nav.orders']).not.toEqual(en['nav.orders']);
    expect(de['nav.dashboard']).not.toEqual(en['nav.dashboard']);
  });
});

describe('money', () => {
  it('uses the currency exponent', () => {
    expect(currencyDigits('EUR')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('KWD')).toBe(3);
  });
  it('formats minor units per locale', () => {
    expect(formatMoney(123456, 'EUR', 'de-DE').replace(/\s/g, ' ')).toBe('1.234,56 €');
    expect(formatMoney(123456, 'USD', 'en-GB')).toBe('US$1,234.56');
    expect(formatMoney(1500, 'JPY', 'en-GB')).toBe('JP¥1,500');
    expect(formatMoney(-5, 'EUR', 'en-GB')).toBe('-€0.05');
  });
});

describe('dates', () => {
  it('turns date inputs into UTC midnight and back', () => {
    expect(dayToMs('2026-11-24')).toBe(Date.UTC(2026, 10, 24));
    expect(dayToMs('24.11.2026')).toBeNull();
    expect(msToDay(Date.UTC(2026, 10, 24, 23, 59))).toBe('2026-11-24');
    expect(msToDay(null)).toBe('');
  });
});
