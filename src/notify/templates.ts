/**
 * Every notification the desk sends, in one place: which template, which parameters it needs, and
 * how it renders for SMS and e-mail in the recipient's language. The texts themselves are in the
 * message catalogue (src/i18n/messages/money.ts, codes notify.<template>.sms|subject|body).
 *
 * Parameters are stored with the outbox row and rendered at delivery. A parameter that differs by
 * language is stored twice, "name.zh-CN" and "name.en"; rendering picks the recipient's.
 */
import { translate, type Locale } from "../i18n/catalogue.js";

export const TEMPLATES = [
  "order-submitted",
  "order-rejected",
  "order-paid",
  "order-approved",
  "order-shipped",
  "activation-code",
  "unlock-code",
  "invoice-ready",
  "refund-made",
  "expiry-reminder",
  "deadline-overdue",
  "order-expired",
  "transfer-rejected",
  "password-reset-code",
] as const;
export type TemplateName = (typeof TEMPLATES)[number];

/** The parameters each template fills (without the language suffixes). */
export const TEMPLATE_PARAMS: Record<TemplateName, readonly string[]> = {
  "order-submitted": ["number", "service"],
  "order-rejected": ["number", "service", "reason"],
  "order-paid": ["number", "service", "amount"],
  "order-approved": ["number", "service"],
  "order-shipped": ["number", "carrier", "trackingNumber"],
  "activation-code": ["number", "code"],
  "unlock-code": ["number", "code"],
  "invoice-ready": ["number", "invoiceNumber", "amount", "amountInCapitals"],
  "refund-made": ["number", "amount", "channel"],
  "expiry-reminder": ["subject", "serial", "notAfter", "days"],
  "deadline-overdue": ["number", "deadline", "dueOn"],
  "order-expired": ["number"],
  "transfer-rejected": ["number", "reason"],
  "password-reset-code": ["code", "minutes"],
};

export type TemplateParams = Record<string, string | number>;

export interface RenderedSms {
  text: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
}

export function isTemplateName(value: string): value is TemplateName {
  return (TEMPLATES as readonly string[]).includes(value);
}

/** The parameters as seen in one language: "x.en" becomes "x" for English, and so on. */
export function paramsFor(locale: Locale, params: TemplateParams): TemplateParams {
  const out: TemplateParams = {};
  for (const [key, value] of Object.entries(params)) {
    const dot = key.lastIndexOf(".");
    const suffix = dot >= 0 ? key.slice(dot + 1) : "";
    if (suffix === "zh-CN" || suffix === "en") {
      if (suffix === locale) out[key.slice(0, dot)] = value;
    } else if (!(key in out)) out[key] = value;
  }
  return out;
}

/** Both languages of a localized value, as parameters: { "service.zh-CN": …, "service.en": … }. */
export function localizedParam(name: string, value: { "zh-CN": string; en: string }): TemplateParams {
  return { [`${name}.zh-CN`]: value["zh-CN"], [`${name}.en`]: value.en };
}

function check(template: TemplateName, params: TemplateParams): void {
  const missing = TEMPLATE_PARAMS[template].filter((p) => !(p in params));
  if (missing.length > 0) throw new Error(`template ${template} lacks ${missing.join(", ")}`);
}

export function renderSms(template: TemplateName, locale: Locale, params: TemplateParams): RenderedSms {
  const p = paramsFor(locale, params);
  check(template, p);
  return { text: translate("notify.signature", locale) + translate(`notify.${template}.sms`, locale, p) };
}

export function renderEmail(template: TemplateName, locale: Locale, params: TemplateParams): RenderedEmail {
  const p = paramsFor(locale, params);
  check(template, p);
  return {
    subject: translate("notify.signature", locale) + translate(`notify.${template}.subject`, locale, p),
    text: translate(`notify.${template}.body`, locale, p),
  };
}

/** Fen as yuan with two decimals, as the texts show amounts. */
export function yuan(fen: number | bigint): string {
  const n = typeof fen === "bigint" ? fen : BigInt(fen);
  const sign = n < 0n ? "-" : "";
  const abs = n < 0n ? -n : n;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}
