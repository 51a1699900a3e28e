import { invoke } from '@tauri-apps/api/core';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { de } from './de';
import { en, type MessageKey } from './en';
import { formatDate, formatDateTime, formatMoney, formatNumber, formatShortDateTime } from './format';

export type Lang = 'en' | 'de';
export const LANGS: Lang[] = ['en', 'de'];
const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, de };

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const text = dictionaries[lang][key] ?? en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

function initialLang(): Lang {
  const saved = localStorage.getItem('oms.lang');
  if (saved === 'en' || saved === 'de') return saved;
  return navigator.language.toLowerCase().startsWith('de') ? 'de' : 'en';
}

type I18n = {
  lang: Lang;
  locale: string;
  setLang: (l: Lang) => void;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  money: (minor: number, currency: string) => string;
  dateTime: (ms: number) => string;
  shortDateTime: (ms: number) => string;
  date: (ms: number) => string;
  num: (n: number) => string;
};

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  // Native text (the tray, notifications) follows the UI's language.
  useEffect(() => {
    void invoke('set_ui_language', { lang }).catch(() => {});
  }, [lang]);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem('oms.lang', l);
    document.documentElement.lang = l;
    setLangState(l);
  }, []);
  const value = useMemo<I18n>(() => {
    const locale = lang === 'de' ? 'de-DE' : 'en-GB';
    return {
      lang,
      locale,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      money: (minor, currency) => formatMoney(minor, currency, locale),
      dateTime: (ms) => formatDateTime(ms, locale),
      shortDateTime: (ms) => formatShortDateTime(ms, locale),
      date: (ms) => formatDate(ms, locale),
      num: (n) => formatNumber(n, locale),
    };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

export type { MessageKey };
