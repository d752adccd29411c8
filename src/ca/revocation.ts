/**
 * Revoking certificates: staff revoke with an RFC 5280 reason, and the desk revokes on its own
 * when a service ends a certificate (a reissue for a lost key, a change or renewal once the new
 * certificate is activated, a refund after production). Each revocation sets the certificate's
 * status, ends its platform binding and is audited in one transaction; listeners (the CRL and OCSP
 * publication) hear of it only after that transaction commits, so they never publish a revocation
 * that was rolled back.
 */
import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import type { RevocationReason } from "../pki/crl.js";
import { normalizeSerial } from "../pki/serial.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { requireRole } from "../people/people.js";
import { unbindCertificateInTx } from "../platforms/bindings.js";
import { emitCertificateEvent } from "../platforms/events.js";
import { recordDeskEvents } from "../desk/desk-events.js";

export interface RevocationEvent {
  caId: string;
  serial: string;
  revokedAt: Date;
}

/** Told of every revocation after it is committed (the publication rebuilds the CRL, refreshes OCSP). */
export interface RevocationListener {
  certificateRevoked(e: RevocationEvent): Promise<void>;
}

export const noRevocationListener: RevocationListener = { certificateRevoked: async () => {} };

/**
 * Reasons staff may give. certificateHold is left out (the desk has no hold to lift, and a lifted
 * hold needs removeFromCRL); cACompromise and aACompromise are for CA certificates.
 */
export const STAFF_REVOCATION_REASONS = [
  "unspecified",
  "keyCompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "privilegeWithdrawn",
] as const satisfies readonly RevocationReason[];
export type StaffRevocationReason = (typeof STAFF_REVOCATION_REASONS)[number];

export interface RevocationDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** The CRL and OCSP publication (ca/publication.ts), told of each revocation after commit. */
  publication?: RevocationListener | undefined;
}

export type CertificateRef = { certificateId: string } | { serial: string };

export interface RevokeInput {
  certificate: CertificateRef;
  reason: RevocationReason;
  note?: string | undefined;
}

export interface RevokedCertificate {
  id: string;
  serial: string;
  caId: string | null;
  reason: RevocationReason;
  revokedAt: Date;
  /** platform bindings ended by the revocation */
  unboundBindings: number;
}

/** Staff (reviewer or admin) revoke a certificate. Revoking it again is refused, never re-dated. */
export async function revokeCertificate(
  deps: RevocationDeps,
  actor: Actor,
  input: RevokeInput,
): Promise<RevokedCertificate> {
  requireRole(actor, "reviewer", "admin");
  if (!(STAFF_REVOCATION_REASONS as readonly string[]).includes(input.reason)) {
    throw new DomainError("revocation.reason_not_allowed", {
      reason: input.reason,
      allowed: STAFF_REVOCATION_REASONS.join(", "),
    });
  }
  const revoked = await deps.db
    .transaction()
    .execute((tx) => revokeInTx(tx, deps, actor, { ...input, ifRevoked: "refuse" }));
  // "refuse" never answers undefined: a revoked certificate throws instead.
  await notifyRevoked(deps.publication, [revoked!]);
  return revoked!;
}

export interface RevokeInTxInput extends RevokeInput {
  /** the certificate that replaces this one (change, renewal, reissue) */
  supersededBy?: string | undefined;
  /** what made the desk revoke, for the audit trail ("reissue", "refund" …) */
  trigger?: string | undefined;
  /** refuse: revocation.already_revoked; skip: leave the earlier revocation as it is */
  ifRevoked: "refuse" | "skip";
}

/**
 * Revokes inside the caller's transaction; the caller passes the result to notifyRevoked after
 * commit. No role check: callers are the staff use case above and the desk's own services.
 */
export async function revokeInTx(
  tx: Transaction<Database>,
  deps: Pick<RevocationDeps, "clock">,
  actor: Actor,
  input: RevokeInTxInput,
): Promise<RevokedCertificate | undefined> {
  let query = tx.selectFrom("certificates").selectAll();
  query =
    "certificateId" in input.certificate
      ? query.where("id", "=", input.certificate.certificateId)
      : query.where("serial", "=", normalizeSerial(input.certificate.serial));
  const cert = await query.forUpdate().executeTakeFirst();
  if (!cert) throw new DomainError("revocation.certificate_not_found");
  if (cert.revoked_at) {
    if (input.ifRevoked === "skip") return undefined;
    throw new DomainError("revocation.already_revoked", {
      serial: cert.serial,
      revokedAt: cert.revoked_at.toISOString(),
      reason: cert.revocation_reason ?? "unspecified",
    });
  }
  const now = deps.clock.now();
  await tx
    .updateTable("certificates")
    .set({
      status: "revoked",
      revoked_at: now,
      revocation_reason: input.reason,
      ...(input.supersededBy ? { superseded_by: input.supersededBy } : {}),
    })
    .where("id", "=", cert.id)
    .execute();
  // One account holds one live certificate: a revoked one gives its account back.
  await emitCertificateEvent(
    tx,
    "certificate.revoked",
    cert.id,
    { reason: input.reason, revokedAt: now.toISOString() },
    now,
  );
  const unbound = await unbindCertificateInTx(tx, now, cert.id, `revoked: ${input.reason}`);
  await appendAudit(
    tx,
    {
      actor: actorLabel(actor),
      action: "certificate.revoke",
      subjectType: "certificate",
      subjectId: cert.id,
      fromState: cert.status,
      toState: "revoked",
      reason: input.note?.trim() || null,
      data: {
        serial: cert.serial,
        caId: cert.ca_id,
        reason: input.reason,
        unboundBindings: unbound,
        ...(input.supersededBy ? { supersededBy: input.supersededBy } : {}),
        ...(input.trigger ? { trigger: input.trigger } : {}),
      },
    },
    now,
  );
  // Every desk process hears of it: OCSP answers dropped everywhere, the CRL rebuilt once.
  if (cert.ca_id)
    await recordDeskEvents(tx, [{ type: "certificate.revoked", caId: cert.ca_id, serial: cert.serial }], now);
  return {
    id: cert.id,
    serial: cert.serial,
    caId: cert.ca_id,
    reason: input.reason,
    revokedAt: now,
    unboundBindings: unbound.length,
  };
}

/** Every live certificate an order produced (a refund after production ends them all). */
export async function revokeOrderCertificatesInTx(
  tx: Transaction<Database>,
  deps: Pick<RevocationDeps, "clock">,
  actor: Actor,
  orderId: string,
  input: { reason: RevocationReason; trigger: string },
): Promise<RevokedCertificate[]> {
  const live = await tx
    .selectFrom("certificates")
    .select("id")
    .where("order_id", "=", orderId)
    .where("revoked_at", "is", null)
    .orderBy("created_at")
    .execute();
  const out: RevokedCertificate[] = [];
  for (const c of live) {
    const revoked = await revokeInTx(tx, deps, actor, {
      certificate: { certificateId: c.id },
      reason: input.reason,
      trigger: input.trigger,
      ifRevoked: "skip",
    });
    if (revoked) out.push(revoked);
  }
  return out;
}

/**
 * Tells the listener, after commit. A listener failure does not undo or fail the revocation, which
 * is already recorded: the publication's scheduled refresh picks it up.
 */
export async function notifyRevoked(
  listener: RevocationListener | undefined,
  revoked: readonly RevokedCertificate[],
): Promise<void> {
  const to = listener ?? noRevocationListener;
  for (const r of revoked) {
    if (!r.caId) continue; // a certificate recorded before the CA core: on no CRL of ours
    try {
      await to.certificateRevoked({ caId: r.caId, serial: r.serial, revokedAt: r.revokedAt });
    } catch {
      // Deliberately ignored: see above.
    }
  }
}
