/**
 * Where a certificate stands for its holder: expired, revoked, inside its renewal window. The rule
 * itself is the domain's (src/domain/rules.ts renewalEligibility), the same the server applies.
 */
import { type CalendarDate } from "../../../src/domain/dates.js";
import { daysUntilExpiry, renewalEligibility } from "../../../src/domain/rules.js";
import type { Certificate, Programme } from "../api/types";

export type CertificateStanding = "revoked" | "expired" | "renewable" | "pending-activation" | "valid";

export interface CertificateView {
  standing: CertificateStanding;
  daysLeft: number;
  /** The renewal window is open now (the programme offers renewal and the rule allows it). */
  renewable: boolean;
}

export function certificateView(
  cert: Certificate,
  programme: Programme | undefined,
  today: CalendarDate,
): CertificateView {
  const notAfter = new Date(cert.not_after);
  const daysLeft = daysUntilExpiry(today, notAfter);
  const revoked = cert.status === "revoked";
  const renewable =
    Boolean(programme?.services.renewal) &&
    renewalEligibility({
      today,
      certificateNotAfter: notAfter,
      windowDays: programme?.rules.renewalWindowDays ?? 90,
      revoked,
    }).allowed;
  const standing: CertificateStanding = revoked
    ? "revoked"
    : daysLeft <= 0
      ? "expired"
      : renewable
        ? "renewable"
        : cert.activated_at
          ? "valid"
          : "pending-activation";
  return { standing, daysLeft, renewable };
}
