/**
 * Key login: a desk challenge signed by the key of an activated certificate opens a session.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import { appendAudit } from "../store/audit.js";
import "../store/schema-keys.js";
import type { UsbKeyRow } from "../store/schema-keys.js";
import { loginMessage } from "../token/protocol.js";
import { actorLabel } from "../people/actor.js";
import { startSession, type Session } from "../people/people.js";
import { type KeyDeps, verifyKeySignature } from "./keys.js";
export const LOGIN_CHALLENGE_SECONDS = 300;

// ---- login with the key -----------------------------------------------------------------------

/** A login challenge: a timestamp and a nonce under the desk's MAC; nothing is stored. */
export function loginChallenge(deps: Pick<KeyDeps, "clock" | "keys">): {
  challenge: string;
  expiresAt: string;
} {
  const issued = Math.floor(deps.clock.now().getTime() / 1000);
  const body = `${issued}.${randomBytes(18).toString("base64url")}`;
  const mac = createHmac("sha256", deps.keys.secretKey)
    .update(`certdesk key login\n${body}`)
    .digest("base64url");
  return {
    challenge: `${body}.${mac}`,
    expiresAt: new Date((issued + LOGIN_CHALLENGE_SECONDS) * 1000).toISOString(),
  };
}

/** The challenge's nonce, once its MAC and age are checked. */
export function checkChallenge(deps: Pick<KeyDeps, "clock" | "keys">, challenge: string): string {
  const parts = challenge.split(".");
  if (parts.length !== 3) throw new DomainError("keys.challenge_invalid");
  const [issued, nonce, mac] = parts as [string, string, string];
  const expected = createHmac("sha256", deps.keys.secretKey)
    .update(`certdesk key login\n${issued}.${nonce}`)
    .digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new DomainError("keys.challenge_invalid");
  const age = deps.clock.now().getTime() / 1000 - Number(issued);
  if (!(age >= -30 && age <= LOGIN_CHALLENGE_SECONDS)) throw new DomainError("keys.challenge_expired");
  return nonce;
}

/** A challenge answers one login: its nonce is kept until it would have expired anyway. */
export async function useChallenge(deps: Pick<KeyDeps, "clock" | "db">, nonce: string): Promise<void> {
  const now = deps.clock.now();
  await deps.db.deleteFrom("key_login_challenges_used").where("expires_at", "<", now).execute();
  const kept = await deps.db
    .insertInto("key_login_challenges_used")
    .values({ nonce, expires_at: new Date(now.getTime() + (LOGIN_CHALLENGE_SECONDS + 60) * 1000) })
    .onConflict((oc) => oc.column("nonce").doNothing())
    .returning("nonce")
    .executeTakeFirst();
  if (!kept) throw new DomainError("keys.challenge_used");
}

/**
 * Login with the key: the challenge, bound to the desk's own origin (a signature a platform's page
 * obtained names that platform and is refused), signed by the key of a certificate the desk
 * issued, still valid and activated on its key; each challenge once. Opens a session for the
 * handler who ordered it.
 */
export async function loginWithKey(
  deps: KeyDeps,
  input: { challenge: string; certificate: string; signature: string; counter?: number | undefined },
  deskOrigin: string,
): Promise<Session> {
  const nonce = checkChallenge(deps, input.challenge);
  let view;
  try {
    view = parseCertificate(new Uint8Array(Buffer.from(input.certificate, "base64")));
  } catch {
    throw new DomainError("keys.certificate_unknown");
  }
  const cert = await deps.db
    .selectFrom("certificates")
    .selectAll()
    .where("serial", "=", view.serialNumber)
    .executeTakeFirst();
  if (!cert?.der || Buffer.compare(cert.der, view.der) !== 0)
    throw new DomainError("keys.certificate_unknown");
  const now = deps.clock.now();
  if (cert.status === "revoked") throw new DomainError("rules.certificate.revoked", { service: "login" });
  if (cert.not_before > now || cert.not_after < now) throw new DomainError("keys.certificate_expired");
  const key = await deps.db
    .selectFrom("usb_keys")
    .selectAll()
    .where("certificate_id", "=", cert.id)
    .executeTakeFirst();
  if (!key?.activated_at || !cert.activated_at)
    throw new DomainError("keys.not_activated", { serial: key?.serial ?? "" });
  // The security client signs a software key's use counter too: it must be ahead of the last one
  // seen (below). The agent's sign-login (shared with the platforms' key login) sends none.
  try {
    verifyKeySignature(
      cert,
      loginMessage({ origin: deskOrigin, challenge: input.challenge, useCounter: input.counter }),
      input.signature,
    );
  } catch (e) {
    // Most likely made for another site's page (or another challenge): say so.
    if (e instanceof DomainError && e.code === "keys.signature_invalid")
      throw new DomainError("keys.login_signature_invalid", { origin: deskOrigin });
    throw e;
  }
  await useChallenge(deps, nonce);
  if (input.counter !== undefined) await checkUseCounter(deps, key, input.counter);
  const order = await deps.db
    .selectFrom("orders")
    .select("applicant_id")
    .where("id", "=", key.order_id)
    .executeTakeFirstOrThrow();
  const session = await startSession(deps, order.applicant_id);
  await deps.db.transaction().execute((tx) =>
    appendAudit(
      tx,
      {
        actor: actorLabel(session.actor),
        action: "key.login",
        subjectType: "usb_key",
        subjectId: key.id,
        data: { serial: key.serial ?? "", certificateSerial: cert.serial },
      },
      now,
    ),
  );
  return session;
}

/**
 * A key's use counter only goes up: one not ahead of the highest seen comes from a copy of the key
 * (the original or the copy, whichever is used second). Refused and audited.
 */
export async function checkUseCounter(deps: KeyDeps, key: UsbKeyRow, counter: number): Promise<void> {
  const moved = await deps.db
    .updateTable("usb_keys")
    .set({ use_counter: BigInt(counter) })
    .where("id", "=", key.id)
    .where("use_counter", "<", BigInt(counter))
    .executeTakeFirst();
  if (moved.numUpdatedRows > 0n) return;
  const seen = await deps.db
    .selectFrom("usb_keys")
    .select("use_counter")
    .where("id", "=", key.id)
    .executeTakeFirstOrThrow();
  await deps.db.transaction().execute((tx) =>
    appendAudit(
      tx,
      {
        actor: "system:key-login",
        action: "key.clone_suspected",
        subjectType: "usb_key",
        subjectId: key.id,
        data: { serial: key.serial ?? "", counter, seen: String(seen.use_counter) },
      },
      deps.clock.now(),
    ),
  );
  throw new DomainError("keys.key_cloned", { serial: key.serial ?? "" });
}
