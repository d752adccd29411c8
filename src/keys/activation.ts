/**
 * Activation: when an order's keys ship, one activation code per order goes to the handler by SMS;
 * the client sends it with a signature made by the key over the code, and the certificate is
 * activated (which ends refund eligibility).
 */
import { DomainError } from "../domain/errors.js";
import "../store/schema-keys.js";
import { activationMessage } from "../token/protocol.js";
import type { Actor } from "../people/actor.js";
import { activateCertificateInTx, shipOrder } from "../orders/fulfilment.js";
import { lockOrder, type OrderView } from "../orders/orders.js";
import { notifyRevoked } from "../ca/revocation.js";
import {
  type KeyDeps,
  ACTIVATION_ATTEMPTS,
  keyBySerial,
  type KeyView,
  SHIPPED_STATES,
  getKey,
  issueCode,
  checkCode,
  verifyKeySignature,
} from "./keys.js";

// ---- shipping and activation ------------------------------------------------------------------

/**
 * Ships an order and, when it carries keys, sends its activation code: one code per order, for each
 * of its keys. Production staff; what the back office's ship action calls.
 */
export async function shipKeys(
  deps: KeyDeps,
  actor: Actor,
  orderId: string,
  input: Parameters<typeof shipOrder>[3],
): Promise<OrderView> {
  const view = await shipOrder(deps, actor, orderId, input);
  await sendActivationCode(deps, actor, orderId);
  return view;
}

/** Sends (again) an order's activation code, replacing any sent before. No keys or certificates, nothing sent. */
export async function sendActivationCode(
  deps: KeyDeps,
  actor: Actor,
  orderId: string,
): Promise<{ sent: boolean }> {
  if (actor.kind === "applicant") throw new DomainError("auth.forbidden");
  return deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const keys = await tx.selectFrom("usb_keys").select("step").where("order_id", "=", orderId).execute();
    // Keys made elsewhere (requests sent with production) are activated with the code too.
    const certificates = await tx
      .selectFrom("certificates")
      .select("id")
      .where("order_id", "=", orderId)
      .limit(1)
      .execute();
    if (keys.length === 0 && certificates.length === 0) return { sent: false };
    if (keys.some((k) => k.step !== "recorded"))
      throw new DomainError("keys.not_produced", { number: order.number });
    if (!SHIPPED_STATES.includes(order.state))
      throw new DomainError("keys.not_shipped", { number: order.number });
    await issueCode(tx, deps, {
      purpose: "activation",
      order,
      attempts: ACTIVATION_ATTEMPTS,
      expiresAt: null,
    });
    return { sent: true };
  });
}

/**
 * The holder activates a shipped key with the code from the SMS and a signature the key made over
 * it (the key is present and its PIN known). Activation is recorded and ends refund eligibility.
 */
export async function activateKey(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  input: { code: string; signature: string },
): Promise<KeyView> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const key = await keyBySerial(deps.db, actor, serial);
  if (key.activated_at) return getKey(deps, actor, serial);
  if (!key.certificate_id) throw new DomainError("keys.no_certificate", { serial });
  const order = await deps.db
    .selectFrom("orders")
    .selectAll()
    .where("id", "=", key.order_id)
    .executeTakeFirstOrThrow();
  if (!SHIPPED_STATES.includes(order.state))
    throw new DomainError("keys.not_shipped", { number: order.number });
  const codeId = await checkCode(deps, {
    purpose: "activation",
    orderId: key.order_id,
    userId: actor.userId,
    code: input.code,
    attempts: ACTIVATION_ATTEMPTS,
  });
  const cert = await deps.db
    .selectFrom("certificates")
    .selectAll()
    .where("id", "=", key.certificate_id)
    .executeTakeFirstOrThrow();
  verifyKeySignature(
    cert,
    activationMessage({ keySerial: serial, certificateSerial: cert.serial, code: input.code.trim() }),
    input.signature,
  );
  // The certificate and its key are activated in one transaction.
  const { revoked } = await deps.db
    .transaction()
    .execute((tx) => activateCertificateInTx(tx, deps, actor, cert.id, { codeId }));
  await notifyRevoked(deps.publication, revoked);
  return getKey(deps, actor, serial);
}

/**
 * Activation asked for by the certificate (the portal's route): the same proof as activateKey. A
 * certificate on a key the desk made is activated through its key; one whose key was made
 * elsewhere (its request came with production) is proved by the order's code and a signature by
 * the certificate's key, over the activation message with an empty key serial.
 */
export async function activateCertificateWithProof(
  deps: KeyDeps,
  actor: Actor,
  certificateId: string,
  input: { code: string; signature: string },
): Promise<void> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const cert = await deps.db
    .selectFrom("certificates")
    .selectAll()
    .where("id", "=", certificateId)
    .executeTakeFirst();
  // Another organisation's certificate is "not found", as its orders are.
  if (!cert?.order_id || cert.organisation_id !== actor.organisationId)
    throw new DomainError("order.certificate_not_found");
  const key = await deps.db
    .selectFrom("usb_keys")
    .select("serial")
    .where("certificate_id", "=", cert.id)
    .executeTakeFirst();
  const order = await deps.db
    .selectFrom("orders")
    .selectAll()
    .where("id", "=", cert.order_id)
    .executeTakeFirstOrThrow();
  if (!SHIPPED_STATES.includes(order.state))
    throw new DomainError("keys.not_shipped", { number: order.number });
  if (key?.serial) {
    await activateKey(deps, actor, key.serial, input);
    return;
  }
  if (key) throw new DomainError("keys.not_produced", { number: order.number });
  if (cert.activated_at) return;
  const codeId = await checkCode(deps, {
    purpose: "activation",
    orderId: order.id,
    userId: actor.userId,
    code: input.code,
    attempts: ACTIVATION_ATTEMPTS,
  });
  verifyKeySignature(
    cert,
    activationMessage({ keySerial: "", certificateSerial: cert.serial, code: input.code.trim() }),
    input.signature,
  );
  const { revoked } = await deps.db
    .transaction()
    .execute((tx) => activateCertificateInTx(tx, deps, actor, cert.id, { codeId }));
  await notifyRevoked(deps.publication, revoked);
}
