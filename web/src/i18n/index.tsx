/**
 * The UI language: Simplified Chinese by default, English on request, remembered in the browser.
 * Every string the UI shows comes from ./zh-CN.ts or ./en.ts (one catalogue per language);
 * programme texts come with both languages from the server and are picked with `loc`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { zhCN, type MessageKey } from "./zh-CN";

export type Locale = "zh-CN" | "en";
export type { MessageKey } from "./zh-CN";
export type Params = Record<string, string | number>;

// English comes when first asked for: a first visitor (in Chinese) does not download it.
const catalogues: Partial<Record<Locale, Record<MessageKey, string>>> = { "zh-CN": zhCN };
let english: Promise<void> | undefined;
function loadCatalogue(locale: Locale): Promise<void> {
  if (catalogues[locale]) return Promise.resolve();
  english ??= import("./en").then((m) => {
    catalogues.en = m.en;
  });
  return english;
}
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
  // Until English has come, its pages show in Chinese (the provider waits for it: rarely seen).
  const template = (catalogues[locale] ?? zhCN)[key];
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
  const [ready, setReady] = useState(catalogues[current] !== undefined);
  useEffect(() => {
    if (!ready) void loadCatalogue(current).then(() => setReady(true));
  }, [ready]);
  const setLocale = useCallback((next: Locale) => {
    void loadCatalogue(next).then(() => {
      current = next;
      try {
        localStorage.setItem(STORAGE_KEY, next);
      } catch {
        // Not remembered, still switched.
      }
      setLocaleState(next);
    });
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
  // Started in English: nothing shows until its catalogue has come (a moment, not a Chinese flash).
  return <I18nContext.Provider value={value}>{ready ? children : null}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
