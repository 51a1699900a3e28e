// Money and dates through Intl. Money arrives as integer minor units with an ISO 4217 code.

const fractionCache = new Map<string, number>();

/** Digits after the decimal point for a currency, as Intl knows them (JPY 0, EUR 2, KWD 3). */
export function currencyDigits(currency: string): number {
  let d = fractionCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    fractionCache.set(currency, d);
  }
  return d;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function formatMoney(minor: number, currency: string, locale: string): string {
  const key = `${locale}|${currency}`;
  let f = moneyFormats.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    } catch {
      f = new Intl.NumberFormat(locale, { minimumFractionDigits: 2 });
    }
    moneyFormats.set(key, f);
  }
  return f.format(minor / 10 ** currencyDigits(currency));
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

const DATE_STYLES = {
  dateTime: { dateStyle: 'medium', timeStyle: 'short' },
  date: { dateStyle: 'medium' },
  /** Compact date and time for dense lists ("24/11/2026, 21:02"). */
  shortDateTime: { dateStyle: 'short', timeStyle: 'short' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

function formatWith(style: keyof typeof DATE_STYLES, ms: number, locale: string): string {
  const key = `${locale}|${style}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, DATE_STYLES[style]);
    dateFormats.set(key, f);
  }
  return f.format(new Date(ms));
}

export const formatDateTime = (ms: number, locale: string) => formatWith('dateTime', ms, locale);
export const formatDate = (ms: number, locale: string) => formatWith('date', ms, locale);
export const formatShortDateTime = (ms: number, locale: string) => formatWith('shortDateTime', ms, locale);

export function formatNumber(n: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** `YYYY-MM-DD` from a date input → epoch ms at UTC midnight, or null. */
export function dayToMs(day: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) ? null : ms;
}

export function msToDay(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString().slice(0, 10);
}
