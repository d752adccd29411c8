/**
 * Unlock, format and PIN reset: the order follows its programme's steps; once it waits for
 * fulfilment, an unlock code goes by SMS and the key's SO challenge is answered here from the SO PIN
 * in the store. The SO PIN is opened in this process for the length of one call and never leaves it.
 */
import type { Transaction } from "kysely";
import { DomainError } from "../domain/errors.js";
import { pendingStep, TERMINAL_STATES, type OrderState } from "../domain/lifecycle.js";
import type { Programme } from "../domain/programme.js";
import { appendAudit } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import "../store/schema-keys.js";
import type { UsbKeyRow } from "../store/schema-keys.js";
import type { UsbKey } from "../token/port.js";
import type { ProductionStation } from "../token/station.js";
import { readSoChallenge, soRespond } from "../token/software-key-format.js";
import { actorLabel, systemActor, type Actor } from "../people/actor.js";
import { openSoPin } from "./key-secrets.js";
import { flowOf, lockOrder, viewOf, type OrderView } from "../orders/orders.js";
import { createOrder } from "../orders/create-order.js";
import { transitionInTx } from "../orders/transitions.js";
import { initialUserPin } from "./production.js";
import { getProgramme } from "../orders/programmes.js";
import { revokeInTx, notifyRevoked, type RevokedCertificate } from "../ca/revocation.js";
import {
  type KeyDeps,
  UNLOCK_ATTEMPTS,
  UNLOCK_CODE_MINUTES,
  keyBySerial,
  issueCode,
  checkCode,
} from "./keys.js";

// ---- unlock and format ------------------------------------------------------------------------

/** The key's open order of one of these services, or a new one placed (and submitted) for it. */
export async function serviceOrderFor(
  deps: KeyDeps,
  actor: Actor,
  key: UsbKeyRow,
  services: readonly string[],
  details: Record<string, unknown> = {},
): Promise<OrderView> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  if (!key.certificate_id) throw new DomainError("keys.no_certificate", { serial: key.serial ?? "" });
  const programme = await getProgramme(deps.db, key.programme_id);
  const service = services.find((s) => programme.services[s as keyof Programme["services"]]);
  if (!service)
    throw new DomainError("order.service_not_offered", {
      service: services.join("/"),
      programme: programme.id,
    });
  const existing = await deps.db
    .selectFrom("orders")
    .selectAll()
    .where("certificate_id", "=", key.certificate_id)
    .where("service", "=", service)
    // The requester's own: a colleague's unlock is reviewed on its own, and its code goes to them.
    .where("applicant_id", "=", actor.userId)
    .where("state", "not in", [...TERMINAL_STATES, "draft"])
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  if (existing) return viewOf(deps, existing);
  return createOrder(deps, actor, {
    programmeId: programme.id,
    service,
    details: { certificateId: key.certificate_id, ...details },
    submit: true,
  });
}

/** Places (or finds) the key's unlock order: unlock where offered (programme A), else the PIN reset. */
export async function unlockOrder(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  reason?: string,
): Promise<OrderView> {
  const key = await keyBySerial(deps.db, actor, serial);
  return serviceOrderFor(deps, actor, key, ["unlock", "pin-reset"], reason ? { reason } : {});
}

export async function formatOrder(deps: KeyDeps, actor: Actor, serial: string): Promise<OrderView> {
  const key = await keyBySerial(deps.db, actor, serial);
  return serviceOrderFor(deps, actor, key, ["format"]);
}

/**
 * The order must be this key's and wait for its fulfilment (approved, or paid). One whose single
 * service the plan covers (total 0) has nothing to pay: it is marked paid here, by the desk.
 */
export async function readyForFulfilment(
  tx: Transaction<Database>,
  deps: KeyDeps,
  key: UsbKeyRow,
  orderId: string,
  services: readonly string[],
): Promise<OrderRow> {
  let order = await lockOrder(tx, orderId);
  if (
    order.organisation_id !== key.organisation_id ||
    order.certificate_id !== key.certificate_id ||
    !services.includes(order.service)
  )
    throw new DomainError("keys.order_not_for_key", { number: order.number });
  const programme = await getProgramme(tx, order.programme_id);
  const flow = flowOf(programme, order.service);
  if (order.state === "awaiting_payment" && Number(order.total_fen) === 0) {
    order = await transitionInTx(tx, deps, systemActor("plan-coverage"), order.id, "pay", {
      reason: "covered by the plan: nothing to pay",
    });
  }
  const step = pendingStep(flow, order.state as OrderState);
  if (step !== "fulfilment")
    throw new DomainError("keys.order_not_ready", {
      number: order.number,
      state: order.state,
      due: order.due_on ?? "",
    });
  return order;
}

/** Sends the unlock code of an approved (or paid) unlock order to the handler. */
export async function sendUnlockCode(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  orderId: string,
): Promise<{ expiresAt: string }> {
  const key = await keyBySerial(deps.db, actor, serial);
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const expiresAt = new Date(deps.clock.now().getTime() + UNLOCK_CODE_MINUTES * 60_000);
  await deps.db.transaction().execute(async (tx) => {
    const order = await readyForFulfilment(tx, deps, key, orderId, ["unlock", "pin-reset"]);
    await issueCode(tx, deps, { purpose: "unlock", order, attempts: UNLOCK_ATTEMPTS, expiresAt });
  });
  return { expiresAt: expiresAt.toISOString() };
}

export function assertChallengeFor(key: UsbKeyRow, challenge: string, purpose: "unblock" | "format"): void {
  if (key.kind !== "software")
    throw new DomainError("keys.unblock_at_service_centre", { serial: key.serial ?? "" });
  const claimed = readSoChallenge(challenge);
  if (claimed.serial !== key.serial)
    throw new DomainError("token.challenge_wrong_key", { serial: claimed.serial });
  if (claimed.purpose !== purpose)
    throw new DomainError("token.challenge_wrong_purpose", { purpose: claimed.purpose });
}

/**
 * The unblock: the unlock code checked, the key's SO challenge answered from the SO PIN held here,
 * and the order fulfilled, in one transaction. The response opens the key once, for that challenge.
 */
export async function unblockResponse(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  input: { orderId: string; code: string; challenge: string },
): Promise<{ response: string }> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const key = await keyBySerial(deps.db, actor, serial);
  assertChallengeFor(key, input.challenge, "unblock");
  await deps.db
    .transaction()
    .execute((tx) => readyForFulfilment(tx, deps, key, input.orderId, ["unlock", "pin-reset"]));
  const codeId = await checkCode(deps, {
    purpose: "unlock",
    orderId: input.orderId,
    userId: actor.userId,
    code: input.code,
    attempts: UNLOCK_ATTEMPTS,
  });
  const response = soRespond({
    soPin: openSoPin(key.so_pin, deps.keys.secretKey),
    serial,
    challenge: input.challenge,
    purpose: "unblock",
  });
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await readyForFulfilment(tx, deps, key, input.orderId, ["unlock", "pin-reset"]);
    await tx.updateTable("key_codes").set({ used_at: now }).where("id", "=", codeId).execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "key.unblock",
        subjectType: "usb_key",
        subjectId: key.id,
        data: { serial, orderId: input.orderId, codeId },
      },
      now,
    );
    await transitionInTx(tx, deps, systemActor("key-unblock"), input.orderId, "fulfil", {
      reason: "the key's SO challenge was answered",
      data: { serial },
    });
  });
  return { response };
}

/**
 * Format, a paid single service: once the format order is paid (or covered by the plan), the key's
 * SO challenge is answered; its certificate ends (cessationOfOperation: the private key is erased)
 * and the key is marked formatted. Returns the PIN the key gets after format.
 */
export async function formatResponse(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  input: { orderId: string; challenge: string },
): Promise<{ response: string; userPin: string; defaultPin: boolean }> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const key = await keyBySerial(deps.db, actor, serial);
  assertChallengeFor(key, input.challenge, "format");
  await deps.db.transaction().execute((tx) => readyForFulfilment(tx, deps, key, input.orderId, ["format"]));
  const response = soRespond({
    soPin: openSoPin(key.so_pin, deps.keys.secretKey),
    serial,
    challenge: input.challenge,
    purpose: "format",
  });
  const now = deps.clock.now();
  const revoked: RevokedCertificate[] = [];
  await deps.db.transaction().execute(async (tx) => {
    await readyForFulfilment(tx, deps, key, input.orderId, ["format"]);
    await transitionInTx(tx, deps, systemActor("key-format"), input.orderId, "fulfil", {
      reason: "the key's SO challenge was answered",
      data: { serial },
    });
    if (key.certificate_id) {
      const r = await revokeInTx(tx, deps, actor, {
        certificate: { certificateId: key.certificate_id },
        reason: "cessationOfOperation",
        trigger: `format of key ${serial}`,
        ifRevoked: "skip",
      });
      if (r) revoked.push(r);
    }
    await tx
      .updateTable("usb_keys")
      .set({ formatted_at: now, certificate_id: null, updated_at: now })
      .where("id", "=", key.id)
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "key.format",
        subjectType: "usb_key",
        subjectId: key.id,
        data: { serial, orderId: input.orderId, certificateId: key.certificate_id ?? "" },
      },
      now,
    );
  });
  await notifyRevoked(deps.publication, revoked);
  const { pin, defaultPin } = initialUserPin(await getProgramme(deps.db, key.programme_id));
  return { response, userPin: pin, defaultPin };
}

// ---- at the service centre --------------------------------------------------------------------

/**
 * The service centre's unblock, for keys that cannot answer a challenge (PKCS#11 devices): the key
 * is at the counter, its SO PIN is opened here and used on the device directly, and the user PIN
 * becomes the programme's initial PIN again (marked default, so the holder changes it). Only for an
 * unlock or PIN-reset order of this key that was approved (and paid, where it costs): the reset
 * fulfils it. Without one, nothing touches the key.
 */
export async function resetPinAtServiceCentre(
  deps: KeyDeps,
  actor: Actor,
  input: { key: UsbKey; orderId?: string | undefined },
): Promise<{ serial: string; defaultPin: boolean }> {
  if (actor.kind === "applicant") throw new DomainError("auth.forbidden");
  const orderId = input.orderId;
  if (!orderId) throw new DomainError("keys.reset_pin_order_required");
  const info = await input.key.info();
  const row = await deps.db
    .selectFrom("usb_keys")
    .selectAll()
    .where("serial", "=", info.serial)
    .executeTakeFirst();
  if (!row) throw new DomainError("keys.key_not_found", { serial: info.serial });
  await deps.db
    .transaction()
    .execute((tx) => readyForFulfilment(tx, deps, row, orderId, ["unlock", "pin-reset"]));
  const { pin, defaultPin } = initialUserPin(await getProgramme(deps.db, row.programme_id));
  await input.key.resetUserPinWithSoPin(openSoPin(row.so_pin, deps.keys.secretKey), pin, { defaultPin });
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "key.reset_pin",
        subjectType: "usb_key",
        subjectId: row.id,
        data: { serial: info.serial, orderId },
      },
      now,
    );
    await transitionInTx(tx, deps, actor, orderId, "fulfil", { reason: "PIN reset at the service centre" });
  });
  return { serial: info.serial, defaultPin };
}

/**
 * The same reset on the desk's own station (the key plugged in at the counter), for the order's
 * key: found there by the label production gave it, and only if it is that key (its serial).
 */
export async function resetPinAtStation(
  deps: KeyDeps,
  actor: Actor,
  input: { orderId: string; station: ProductionStation },
): Promise<{ serial: string; defaultPin: boolean }> {
  if (actor.kind === "applicant") throw new DomainError("auth.forbidden");
  const order = await deps.db
    .selectFrom("orders")
    .select(["number", "organisation_id", "certificate_id"])
    .where("id", "=", input.orderId)
    .executeTakeFirst();
  if (!order) throw new DomainError("order.not_found");
  const row = order.certificate_id
    ? await deps.db
        .selectFrom("usb_keys")
        .select(["label", "serial"])
        .where("certificate_id", "=", order.certificate_id)
        .where("organisation_id", "=", order.organisation_id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw new DomainError("keys.order_not_for_key", { number: order.number });
  const found = await input.station.keyFor(row.label);
  if (found.blank || (await found.key.info()).serial !== row.serial)
    throw new DomainError("production.key_missing", { label: row.label, serial: row.serial ?? "" });
  return resetPinAtServiceCentre(deps, actor, { key: found.key, orderId: input.orderId });
}
