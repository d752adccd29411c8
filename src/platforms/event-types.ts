/**
 * The webhook bodies platforms receive, as plain types: shared by the desk (events.ts) and the
 * relying-platform SDK (packages/sdk), which must not reach into the desk's store.
 */
export const PLATFORM_EVENT_TYPES = [
  "certificate.issued",
  "certificate.renewed",
  "certificate.revoked",
  "certificate.expiring",
  "binding.bound",
  "binding.unbound",
] as const;
export type PlatformEventType = (typeof PLATFORM_EVENT_TYPES)[number];

export interface CertificateSummary {
  id: string;
  serial: string;
  subject: string;
  organisation: string | null;
  uscc: string | null;
  notBefore: string;
  notAfter: string;
  status: string;
}

/** The body a platform receives: the same JSON for every attempt and replay of one event. */
export interface PlatformEventBody {
  id: string;
  /** increases with each event the desk records: a platform applies an account's events in it */
  sequence: number;
  type: PlatformEventType;
  programme: string;
  createdAt: string;
  data: Record<string, unknown>;
}
