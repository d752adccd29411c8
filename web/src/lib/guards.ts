/**
 * The portal's guards before a quote: the same rules of src/domain/rules.ts the server applies to
 * the quote and the order (renewal window, expiry, revocation, a new certificate beside a valid
 * one), read here so the form says why at once, with the server's own words (its catalogue).
 */
import type { CalendarDate } from "../../../src/domain/dates.js";
import {
  beforeExpiryEligibility,
  renewalEligibility,
  validCertificates,
  type Decision,
  type RevocationReason,
} from "../../../src/domain/rules.js";
import { rulesMessages } from "../../../src/i18n/messages/rules.js";
import { validationMessages } from "../../../src/i18n/messages/validation.js";
import type { Certificate, Programme, ServiceCode } from "../api/types";
import type { Locale } from "../i18n";

/**
 * Whether this certificate may have this service today, as the server's quote and order decide;
 * undefined for services the server does not time (unlock, PIN reset and the other single services).
 */
export function certificateDecision(
  service: ServiceCode,
  cert: Certificate,
  programme: Programme,
  today: CalendarDate,
): Decision | undefined {
  const notAfter = new Date(cert.not_after);
  switch (service) {
    case "renewal":
      return renewalEligibility({
        today,
        certificateNotAfter: notAfter,
        windowDays: programme.rules.renewalWindowDays ?? 90,
        revoked: cert.status === "revoked",
      });
    case "change":
    case "reissue":
    case "seal-apply":
    case "seal-change":
      return beforeExpiryEligibility(service, {
        today,
        certificateNotAfter: notAfter,
        revoked:
          cert.status === "revoked"
            ? { reason: (cert.revocation_reason ?? "unspecified") as RevocationReason }
            : false,
      });
    default:
      return undefined;
  }
}

/** The certificates a picker would offer as eligible for this service today. */
export function eligibleCertificates(
  service: ServiceCode,
  certificates: readonly Certificate[],
  programme: Programme,
  today: CalendarDate,
): Certificate[] {
  // A single service (unlock, PIN reset…) is for a key that still works: not revoked, not expired.
  return certificates.filter(
    (c) => certificateDecision(service, c, programme, today)?.allowed ?? validHeld([c], today).length > 0,
  );
}

/** A certificate as the new-certificate rule reads it. */
export function held(cert: Certificate) {
  return {
    serial: cert.serial,
    notAfter: new Date(cert.not_after),
    revoked: cert.status === "revoked",
    cert,
  };
}

/** The valid certificates of the programme, soonest to end first (the rule's order). */
export function validHeld(certificates: readonly Certificate[], today: CalendarDate): Certificate[] {
  return validCertificates(today, certificates.map(held)).map((h) => h.cert);
}

/** A rule's or a validator's message in the server's words (its catalogue), placeholders filled. */
export function serverText(code: string, params: Record<string, string | number>, locale: Locale): string {
  const template = (rulesMessages[code] ?? validationMessages[code])?.[locale] ?? code;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** A refusal in the server's words, or undefined when allowed. */
export function refusalText(decision: Decision | undefined, locale: Locale): string | undefined {
  return decision && !decision.allowed ? serverText(decision.reason, decision.params, locale) : undefined;
}
