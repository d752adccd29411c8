/**
 * Renewal: a new key pair made on the key, its CSR, a renewal order paid through the portal, the
 * certificate issued once paid, installed by the client, then activated: the old one is revoked
 * (superseded). The renewal window itself is domain/rules.ts renewalWindowOpens.
 */
import type { Kysely } from "kysely";
import { DomainError } from "../domain/errors.js";
import { pendingStep, TERMINAL_STATES, type OrderState } from "../domain/lifecycle.js";
import { parseCertificate } from "../pki/certificate.js";
import { parseCsr, verifyCsr } from "../pki/csr.js";
import { pemEncode } from "../pki/pem.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import "../store/schema-keys.js";
import type { UsbKeyRow } from "../store/schema-keys.js";
import { installMessage } from "../token/protocol.js";
import { actorLabel, systemActor, type Actor } from "../people/actor.js";
import { activateCertificateInTx, finishProduction } from "../orders/fulfilment.js";
import { flowOf, viewOf, type OrderView } from "../orders/orders.js";
import { createOrder } from "../orders/create-order.js";
import { csrFromText } from "../ca/issuance.js";
import { getProgramme } from "../orders/programmes.js";
import { notifyRevoked } from "../ca/revocation.js";
import { type KeyDeps, keyBySerial, type KeyView, getKey, verifyKeySignature } from "./keys.js";

// ---- renewal ----------------------------------------------------------------------------------

/**
 * A renewal made on the key: the client made a new key pair (keyPairId) and its CSR; the renewal
 * order is placed for the key's certificate (inside the renewal window, the rules decide) and the
 * request kept with it. A second call while that order is under way returns it.
 */
export async function requestRenewal(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  input: { csr: string; keyPairId: string; years?: number | undefined },
): Promise<{ order: OrderView; keyPairId: string }> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const key = await keyBySerial(deps.db, actor, serial);
  if (!key.certificate_id) throw new DomainError("keys.no_certificate", { serial });
  const pending = await deps.db
    .selectFrom("key_renewals")
    .innerJoin("orders", "orders.id", "key_renewals.order_id")
    .selectAll("orders")
    .select("key_renewals.key_pair_id")
    .where("key_renewals.usb_key_id", "=", key.id)
    .where("orders.certificate_id", "=", key.certificate_id)
    .where("orders.state", "not in", [...TERMINAL_STATES])
    .executeTakeFirst();
  if (pending) return { order: viewOf(deps, pending), keyPairId: pending.key_pair_id };
  if (!/^[0-9a-f]{2,64}$/.test(input.keyPairId))
    throw new DomainError("token.key_id_invalid", { id: input.keyPairId });
  const csr = parseCsr(csrFromText(input.csr));
  if (!verifyCsr(csr)) throw new DomainError("issuance.proof_of_possession_failed");
  const programme = await getProgramme(deps.db, key.programme_id);
  // On plan pricing (programme B) the renewal keeps the plan the key was bought on.
  const made = await deps.db
    .selectFrom("orders")
    .select("details")
    .where("id", "=", key.order_id)
    .executeTakeFirstOrThrow();
  const plan = programme.tariff.term?.kind === "plans" ? (made.details as { plan?: string }).plan : undefined;
  const order = await createOrder(deps, actor, {
    programmeId: programme.id,
    service: "renewal",
    details: {
      certificateId: key.certificate_id,
      years: input.years ?? programme.rules.defaultYears ?? 1,
      ...(plan ? { plan } : {}),
    },
    submit: true,
  });
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("key_renewals")
      .values({
        order_id: order.id,
        usb_key_id: key.id,
        key_pair_id: input.keyPairId,
        csr: csr.der,
        created_at: now,
      })
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "key.renewal.request",
        subjectType: "usb_key",
        subjectId: key.id,
        data: { serial, orderId: order.id, orderNumber: order.number, keyPairId: input.keyPairId },
      },
      now,
    );
  });
  return { order, keyPairId: input.keyPairId };
}

export async function renewalOf(db: Kysely<Database>, key: UsbKeyRow, orderId: string) {
  const row = await db
    .selectFrom("key_renewals")
    .selectAll()
    .where("order_id", "=", orderId)
    .where("usb_key_id", "=", key.id)
    .executeTakeFirst();
  if (!row) throw new DomainError("keys.order_not_for_key", { number: orderId });
  return row;
}

/**
 * The renewed certificate once the order is paid: issued here (the desk's production step for a
 * renewal is the CA certifying the request; issued once, a repeat returns it).
 */
export async function renewalCertificate(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  orderId: string,
): Promise<{ certificateId: string; certificate: string; keyPairId: string }> {
  const key = await keyBySerial(deps.db, actor, serial);
  const renewal = await renewalOf(deps.db, key, orderId);
  const order = await deps.db
    .selectFrom("orders")
    .selectAll()
    .where("id", "=", orderId)
    .executeTakeFirstOrThrow();
  const programme = await getProgramme(deps.db, order.programme_id);
  const step = pendingStep(flowOf(programme, order.service), order.state as OrderState);
  if (step === "payment" || step === "review")
    throw new DomainError("keys.renewal_unpaid", { number: order.number, state: order.state });
  const done = await finishProduction(
    deps,
    systemActor("renewal"),
    orderId,
    step === "production" ? [{ csr: pemEncode("CERTIFICATE REQUEST", renewal.csr) }] : [],
  );
  const cert = done.certificates[0];
  if (!cert) throw new DomainError("keys.no_certificate", { serial });
  return { certificateId: cert.id, certificate: cert.certificate, keyPairId: renewal.key_pair_id };
}

/**
 * The client has written the renewed certificate on the key and proves it with a signature by the
 * new key pair: the certificate is activated, which revokes the old one (superseded), and the key
 * now holds the new one.
 */
export async function installRenewal(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  input: { orderId: string; signature: string },
): Promise<KeyView> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const key = await keyBySerial(deps.db, actor, serial);
  const renewal = await renewalOf(deps.db, key, input.orderId);
  const cert = await deps.db
    .selectFrom("certificates")
    .selectAll()
    .where("order_id", "=", input.orderId)
    .executeTakeFirst();
  if (!cert) throw new DomainError("keys.renewal_unpaid", { number: input.orderId, state: "" });
  if (key.certificate_id === cert.id) return getKey(deps, actor, serial);
  verifyKeySignature(
    cert,
    installMessage({ keySerial: serial, certificateSerial: cert.serial, orderId: input.orderId }),
    input.signature,
  );
  const now = deps.clock.now();
  const { revoked } = await deps.db.transaction().execute(async (tx) => {
    const activated = await activateCertificateInTx(tx, deps, actor, cert.id);
    await tx
      .updateTable("usb_keys")
      .set({
        certificate_id: cert.id,
        key_pair_id: renewal.key_pair_id,
        public_key: parseCertificate(cert.der!).spki,
        activated_at: key.activated_at ?? now,
        updated_at: now,
      })
      .where("id", "=", key.id)
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "key.renew",
        subjectType: "usb_key",
        subjectId: key.id,
        data: {
          serial,
          orderId: input.orderId,
          certificateSerial: cert.serial,
          replaced: key.certificate_id ?? "",
        },
      },
      now,
    );
    return activated;
  });
  await notifyRevoked(deps.publication, revoked);
  return getKey(deps, actor, serial);
}
