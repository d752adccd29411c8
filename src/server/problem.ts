/**
 * The one mapper from error codes to HTTP: RFC 7807 problem+json with the stable code and the
 * message in the caller's language (and both languages, for clients that switch).
 */
import { hasMessage, translate, type Locale } from "../i18n/catalogue.js";
import { isDomainError, type ErrorParams } from "../domain/errors.js";
import { storeFailureOf, type StoreFailure } from "../store/failures.js";

const EXACT: Record<string, number> = {
  "auth.unauthenticated": 401,
  "auth.bad_credentials": 401,
  "auth.forbidden": 403,
  "auth.throttled": 429,
  "auth.reset_throttled": 429,
  "keys.code_throttled": 429,
  "auth.organisation_exists": 409,
  "auth.mobile_taken": 409,
  "order.illegal_transition": 409,
  "order.rejected_materials_not_replaced": 409,
  "order.paper_already_received": 409,
  "rules.binding.account_has_certificate": 409,
  "rules.binding.certificate_has_account": 409,
  "rules.new.valid_certificate_held": 409,
  "material.too_large": 413,
  "upload.image_too_large": 413,
  "upload.busy": 503,
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
  "keys.login_signature_invalid": 403,
  "keys.challenge_used": 409,
  "payment.bad_signature": 401,
  "payment.callback_invalid": 400,
  "refund.already_requested": 409,
  "auth.cross_origin": 403,
  "store.unavailable": 503,
  "store.conflict": 409,
  "store.invalid_value": 400,
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

/** What the store refused, as the code the caller sees (statuses in EXACT, or 422). */
const STORE_CODES: Record<StoreFailure, string> = {
  unavailable: "store.unavailable",
  foreign_key: "store.reference_unknown",
  unique: "store.conflict",
  check: "store.value_refused",
  not_null: "store.value_missing",
  invalid_value: "store.invalid_value",
};

/**
 * Any error a request ended with: a domain error by its code; a constraint or value the store
 * refused, or a database out of reach, by what the store said; anything else is internal (500).
 */
export function problemOfError(error: unknown, locale: Locale): Problem {
  if (isDomainError(error)) return problemOf(error.code, error.params, locale);
  const failure = storeFailureOf(error);
  if (failure) return problemOf(STORE_CODES[failure], {}, locale);
  return problemOf("common.internal", {}, locale);
}
