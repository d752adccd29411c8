/**
 * The one mapper from error codes to HTTP: RFC 7807 problem+json with the stable code and the
 * message in the caller's language (and both languages, for clients that switch).
 */
import { hasMessage, translate, type Locale } from "../i18n/catalogue.js";
import type { ErrorParams } from "../domain/errors.js";

const EXACT: Record<string, number> = {
  "auth.unauthenticated": 401,
  "auth.bad_credentials": 401,
  "auth.forbidden": 403,
  "auth.throttled": 429,
  "auth.organisation_exists": 409,
  "auth.mobile_taken": 409,
  "order.illegal_transition": 409,
  "rules.binding.account_has_certificate": 409,
  "rules.binding.certificate_has_account": 409,
  "material.too_large": 413,
  "platform.auth_missing": 401,
  "platform.auth_invalid": 401,
  "platform.auth_stale": 401,
  "platform.auth_replayed": 401,
  "platform.disabled": 403,
  "platform.exists": 409,
  "platform.signature_invalid": 403,
  "platform.certificate_unknown": 403,
  "platform.certificate_revoked": 403,
  "platform.certificate_expired": 403,
  "platform.certificate_not_bound": 403,
  "payment.bad_signature": 401,
  "common.validation": 400,
  "common.internal": 500,
  "store.folder_locked": 503,
  "production.batch_busy": 409,
  "keys.key_cloned": 403,
  "production.lease_lost": 409,
};

export function statusOf(code: string): number {
  const exact = EXACT[code];
  if (exact) return exact;
  if (code.endsWith("not_found")) return 404;
  return 422;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  params: ErrorParams;
  messages: Record<Locale, string>;
}

export function problemOf(code: string, params: ErrorParams, locale: Locale): Problem {
  const known = hasMessage(code) ? code : "common.internal";
  const status = statusOf(code);
  const messages = { "zh-CN": translate(known, "zh-CN", params), en: translate(known, "en", params) };
  return {
    type: `urn:certdesk:problem:${code}`,
    title: messages[locale],
    status,
    code,
    detail: messages[locale],
    params,
    messages,
  };
}
