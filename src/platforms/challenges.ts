/**
 * Challenges a platform account signs with its certificate's key, and the proof checked from them.
 */
import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import { verifySignature } from "../pki/signer.js";
import type { ChallengePurpose, PlatformClientRow } from "../store/schema-platforms.js";
import type { CertificateRow, Database } from "../store/schema.js";
import { loginMessage, signatureAlgorithmFor } from "../token/protocol.js";

export const CHALLENGE_SECONDS = 300;

// ---- challenges -------------------------------------------------------------------------------

/** A challenge for the user's key to sign: names the platform and the purpose, used once. */
export async function issueChallenge(
  deps: { db: Kysely<Database>; clock: Clock },
  client: PlatformClientRow,
  purpose: ChallengePurpose,
): Promise<{ challenge: string; expiresAt: string }> {
  const now = deps.clock.now();
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + CHALLENGE_SECONDS * 1000);
  await deps.db
    .insertInto("platform_challenges")
    .values({ id, client_id: client.id, purpose, created_at: now, expires_at: expiresAt, used_at: null })
    .execute();
  return { challenge: `certdesk-platform/${client.id}/${purpose}/${id}`, expiresAt: expiresAt.toISOString() };
}

/** Marks the challenge used; refuses another platform's, another purpose's, an old or a used one. */
export async function useChallenge(
  db: Kysely<Database> | Transaction<Database>,
  now: Date,
  client: PlatformClientRow,
  purpose: ChallengePurpose,
  challenge: string,
): Promise<void> {
  const m = /^certdesk-platform\/([a-z0-9-]+)\/(bind|login)\/([0-9a-f-]{36})$/.exec(challenge);
  if (!m || m[1] !== client.id || m[2] !== purpose) throw new DomainError("platform.challenge_invalid");
  const used = await db
    .updateTable("platform_challenges")
    .set({ used_at: now })
    .where("id", "=", m[3]!)
    .where("client_id", "=", client.id)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning("id")
    .executeTakeFirst();
  if (used) return;
  const row = await db
    .selectFrom("platform_challenges")
    .select(["used_at", "expires_at"])
    .where("id", "=", m[3]!)
    .where("client_id", "=", client.id)
    .executeTakeFirst();
  if (!row) throw new DomainError("platform.challenge_invalid");
  if (row.used_at) throw new DomainError("platform.challenge_used");
  throw new DomainError("platform.challenge_expired");
}

// ---- proof of possession ----------------------------------------------------------------------

export interface SignedChallenge {
  challenge: string;
  /**
   * The platform's own web origin (scheme://host[:port]), where its page asked the security
   * client to sign: the signature is bound to it, so one made on another site's page is refused.
   */
  origin: string;
  /** the certificate, DER in base64, as the security client returns it */
  certificate: string;
  /** the key's signature over loginMessage({ origin, challenge }), base64 */
  signature: string;
}

/**
 * The certificate whose key signed the challenge: one this desk issued for the platform's
 * programme, within its validity, not revoked, and the signature right.
 */
export async function provenCertificate(
  db: Kysely<Database>,
  now: Date,
  client: PlatformClientRow,
  signed: SignedChallenge,
): Promise<CertificateRow> {
  let view;
  try {
    view = parseCertificate(new Uint8Array(Buffer.from(signed.certificate, "base64")));
  } catch {
    throw new DomainError("platform.certificate_unknown");
  }
  const cert = await db
    .selectFrom("certificates")
    .selectAll()
    .where("serial", "=", view.serialNumber)
    .executeTakeFirst();
  if (!cert?.der || Buffer.compare(cert.der, view.der) !== 0 || cert.programme_id !== client.programme_id)
    throw new DomainError("platform.certificate_unknown");
  const ok = verifySignature(
    view.spki,
    signatureAlgorithmFor(cert.key_algorithm ?? view.keyAlgorithm),
    loginMessage({ origin: signed.origin, challenge: signed.challenge }),
    new Uint8Array(Buffer.from(signed.signature, "base64")),
  );
  if (!ok) throw new DomainError("platform.signature_invalid");
  if (cert.status === "revoked")
    throw new DomainError("platform.certificate_revoked", {
      serial: cert.serial,
      revokedAt: cert.revoked_at?.toISOString() ?? "",
    });
  if (cert.not_before > now || cert.not_after <= now)
    throw new DomainError("platform.certificate_expired", { serial: cert.serial });
  return cert;
}
