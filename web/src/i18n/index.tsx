/**
 * The UI language: Simplified Chinese by default, English on request, remembered in the browser.
 * Every string the UI shows comes from ./zh-CN.ts or ./en.ts (one catalogue per language);
 * programme texts come with both languages from the server and are picked with `loc`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en } from "./en";
import { zhCN, type MessageKey } from "./zh-CN";

export type Locale = "zh-CN" | "en";
export type { MessageKey } from "./zh-CN";
export type Params = Record<string, string | number>;

const catalogues: Record<Locale, Record<MessageKey, string>> = { "zh-CN": zhCN, en };
const STORAGE_KEY = "certdesk.locale";

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "en" || saved === "zh-CN") return saved;
  } catch {
    // Storage refused (private mode): the default applies.
  }
  return "zh-CN";
}

let current: Locale = initialLocale();

/** The language in force, for code outside React (the API client's Accept-Language). */
export function currentLocale(): Locale {
  return current;
}

export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  const template = catalogues[locale][key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, params?: Params): string;
  /** A text the server holds in both languages (programme data). */
  loc(text: { "zh-CN": string; en: string } | undefined): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(current);
  const setLocale = useCallback((next: Locale) => {
    current = next;
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered, still switched.
    }
    setLocaleState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key, params) => translate(locale, key, params),
      loc: (text) => (text ? text[locale] : ""),
    }),
    [locale, setLocale],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
