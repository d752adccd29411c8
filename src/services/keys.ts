/**
 * The desk's side of the keys it made, as the security client and its agent reach it:
 *
 * - activation: when an order's keys ship, one activation code per order goes to the handler by
 *   SMS (kept as an HMAC); the client sends it with a signature made by the key over the code, and
 *   the certificate is activated (which ends refund eligibility). A key not activated cannot log in.
 * - unlock and format: the order (unlock, or programme B's paid PIN reset; format) follows its
 *   programme's steps; once it waits for fulfilment, an unlock code goes by SMS, and the key's SO
 *   challenge is answered here from the SO PIN in the store (src/token/software-key.ts, soRespond).
 *   The SO PIN is opened in this process for the length of one call and never leaves it.
 * - renewal: a new key pair made on the key, its CSR, a renewal order paid through the portal, the
 *   certificate issued once paid, installed by the client, then activated: the old one is revoked
 *   (superseded) and OCSP says so.
 * - seals: a seal order's electronic seal is made by the seal-maker CA and installed on the key.
 * - key login: a desk challenge signed by the key of an activated certificate opens a session.
 *
 * Every step is audited where the state changes.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { shanghaiDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import { pendingStep, TERMINAL_STATES, type OrderState } from "../domain/lifecycle.js";
import type { Programme } from "../domain/programme.js";
import { renewalWindowOpens } from "../domain/rules.js";
import { enqueue, userRecipient } from "../notify/outbox.js";
import { parseCertificate } from "../pki/certificate.js";
import { parseCsr, verifyCsr } from "../pki/csr.js";
import { pemEncode } from "../pki/pem.js";
import { verifySignature } from "../pki/signer.js";
import { appendAudit } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import "../store/schema-keys.js";
import type { UsbKeyRow } from "../store/schema-keys.js";
import { activationMessage, installMessage, loginMessage, signatureAlgorithmFor } from "../token/protocol.js";
import type { UsbKey } from "../token/port.js";
import type { ProductionStation } from "../token/station.js";
import { readSoChallenge, soRespond } from "../token/software-key.js";
import { actorLabel, systemActor, type Actor } from "./actor.js";
import type { CaRegistry } from "./ca.js";
import { activateCertificateInTx, finishProduction, shipOrder, type ProductionDeps } from "./fulfilment.js";
import { forgetGuesses, GUESS_LIMITS, spendGuess } from "./guess-limits.js";
import { codeHash, newCode, openSoPin, sameHash } from "./key-secrets.js";
import { planOfCertificate } from "./order-basket.js";
import { createOrder, flowOf, lockOrder, transitionInTx, viewOf, type OrderView } from "./orders.js";
import { startSession, type Session } from "./people.js";
import { csrFromText } from "./issuance.js";
import { initialUserPin, type KeyDeskSettings } from "./production.js";
import { getProgramme } from "./programmes.js";
import { revokeInTx, notifyRevoked, type RevokedCertificate } from "./revocation.js";

// ---- deps and the code channel ---------------------------------------------------------------

/** A code on its way to the handler's phone, written in the transaction that made it. */
export interface KeyCodeMessage {
  template: "activation-code" | "unlock-code";
  codeId: string;
  orderId: string;
  orderNumber: string;
  userId: string;
  code: string;
}

export interface KeyCodeSender {
  queue(tx: Transaction<Database>, message: KeyCodeMessage, now: Date): Promise<void>;
}

/** Through the notification outbox (src/notify): SMS to the handler, committed with the code. */
export const outboxCodeSender: KeyCodeSender = {
  async queue(tx, m, now) {
    const to = await userRecipient(tx, m.userId);
    if (!to) return;
    await enqueue(
      tx,
      {
        kind: "key",
        template: m.template,
        params: { number: m.orderNumber, code: m.code },
        subject: { type: "order", id: m.orderId },
        dedupeKey: `key-code:${m.codeId}`,
        to,
        channels: ["sms"],
      },
      now,
    );
  },
};

export interface KeyServiceSettings extends KeyDeskSettings {
  /** where codes go; the notification outbox when left out */
  codes?: KeyCodeSender | undefined;
}

export type KeyDeps = ProductionDeps & {
  keys: KeyServiceSettings;
  cas: Pick<CaRegistry, "active">;
  sessionHours: number;
};

const ACTIVATION_ATTEMPTS = 5;
const UNLOCK_ATTEMPTS = 5;
const UNLOCK_CODE_MINUTES = 30;
const LOGIN_CHALLENGE_SECONDS = 300;

const sender = (deps: KeyDeps): KeyCodeSender => deps.keys.codes ?? outboxCodeSender;

// ---- reading a key ----------------------------------------------------------------------------

async function keyBySerial(db: Kysely<Database>, actor: Actor, serial: string): Promise<UsbKeyRow> {
  const row = await db.selectFrom("usb_keys").selectAll().where("serial", "=", serial).executeTakeFirst();
  // Another organisation's key is "not found", as its orders are.
  if (!row || (actor.kind === "applicant" && actor.organisationId !== row.organisation_id))
    throw new DomainError("keys.key_not_found", { serial });
  return row;
}

export interface KeyOrderSummary {
  id: string;
  number: string;
  service: string;
  state: string;
  pendingStep: string | null;
  totalFen: number;
}

export interface KeyView {
  serial: string;
  label: string;
  kind: string | null;
  programmeId: string;
  orderId: string;
  orderNumber: string;
  position: number;
  shipped: boolean;
  activated: boolean;
  activatedAt: string | null;
  formatted: boolean;
  keyPairId: string;
  certificate: {
    id: string;
    serial: string;
    status: string;
    notBefore: string;
    notAfter: string;
    revocationReason: string | null;
  } | null;
  renewal: { offered: boolean; windowOpens: string | null; open: boolean };
  /** the services this key's programme offers for it, by code */
  services: { unlock: string | null; format: string | null };
  /** orders for this key's certificate still under way (unlock, PIN reset, format, renewal, seal) */
  openOrders: (KeyOrderSummary & { keyPairId?: string })[];
  initialPin: { defaultPin: boolean; pin: string | null };
}

const SHIPPED_STATES = ["shipped", "delivered", "activated", "bound", "completed"];

function summary(programme: Programme, o: OrderRow): KeyOrderSummary {
  return {
    id: o.id,
    number: o.number,
    service: o.service,
    state: o.state,
    pendingStep: pendingStep(flowOf(programme, o.service), o.state as OrderState) ?? null,
    totalFen: Number(o.total_fen),
  };
}

export async function getKey(deps: KeyDeps, actor: Actor, serial: string): Promise<KeyView> {
  const key = await keyBySerial(deps.db, actor, serial);
  const programme = await getProgramme(deps.db, key.programme_id);
  const order = await deps.db
    .selectFrom("orders")
    .selectAll()
    .where("id", "=", key.order_id)
    .executeTakeFirstOrThrow();
  const cert = key.certificate_id
    ? await deps.db
        .selectFrom("certificates")
        .selectAll()
        .where("id", "=", key.certificate_id)
        .executeTakeFirst()
    : undefined;
  const shipment = await deps.db
    .selectFrom("shipments")
    .select("id")
    .where("order_id", "=", key.order_id)
    .executeTakeFirst();
  const open = cert
    ? await deps.db
        .selectFrom("orders")
        .selectAll()
        .where("certificate_id", "=", cert.id)
        .where("id", "!=", key.order_id)
        .where("state", "not in", [...TERMINAL_STATES, "draft"])
        .orderBy("created_at")
        .execute()
    : [];
  const renewals = open.length
    ? await deps.db
        .selectFrom("key_renewals")
        .selectAll()
        .where(
          "order_id",
          "in",
          open.map((o) => o.id),
        )
        .execute()
    : [];
  const windowDays = programme.rules.renewalWindowDays;
  const opens = cert && windowDays ? renewalWindowOpens(cert.not_after, windowDays) : null;
  const today = shanghaiDate(deps.clock.now());
  const initial = initialUserPin(programme);
  return {
    serial,
    label: key.label,
    kind: key.kind,
    programmeId: key.programme_id,
    orderId: key.order_id,
    orderNumber: order.number,
    position: key.position,
    shipped: Boolean(shipment) || SHIPPED_STATES.includes(order.state),
    activated: key.activated_at !== null,
    activatedAt: key.activated_at?.toISOString() ?? null,
    formatted: key.formatted_at !== null,
    keyPairId: key.key_pair_id,
    certificate: cert
      ? {
          id: cert.id,
          serial: cert.serial,
          status: cert.status,
          notBefore: cert.not_before.toISOString(),
          notAfter: cert.not_after.toISOString(),
          revocationReason: cert.revocation_reason,
        }
      : null,
    renewal: {
      offered: Boolean(programme.services.renewal),
      windowOpens: opens,
      open: Boolean(
        programme.services.renewal && cert && opens && today >= opens && cert.not_after > deps.clock.now(),
      ),
    },
    services: {
      unlock: programme.services.unlock ? "unlock" : programme.services["pin-reset"] ? "pin-reset" : null,
      format: programme.services.format ? "format" : null,
    },
    openOrders: open.map((o) => {
      const r = renewals.find((x) => x.order_id === o.id);
      return { ...summary(programme, o), ...(r ? { keyPairId: r.key_pair_id } : {}) };
    }),
    initialPin: { defaultPin: initial.defaultPin, pin: programme.key.initialUserPin?.value ?? null },
  };
}

// ---- codes ------------------------------------------------------------------------------------

async function issueCode(
  tx: Transaction<Database>,
  deps: KeyDeps,
  input: { purpose: "activation" | "unlock"; order: OrderRow; attempts: number; expiresAt: Date | null },
): Promise<{ id: string; expiresAt: Date | null }> {
  const now = deps.clock.now();
  // A new code replaces the one before: only the newest is accepted.
  await tx
    .updateTable("key_codes")
    .set({ used_at: now })
    .where("order_id", "=", input.order.id)
    .where("purpose", "=", input.purpose)
    .where("used_at", "is", null)
    .execute();
  const code = newCode(input.purpose === "activation" ? 8 : 6);
  const id = randomUUID();
  await tx
    .insertInto("key_codes")
    .values({
      id,
      purpose: input.purpose,
      order_id: input.order.id,
      code_hash: codeHash(deps.keys.secretKey, input.purpose, input.order.id, code),
      attempts_left: input.attempts,
      expires_at: input.expiresAt,
      used_at: null,
      created_at: now,
    })
    .execute();
  await sender(deps).queue(
    tx,
    {
      template: input.purpose === "activation" ? "activation-code" : "unlock-code",
      codeId: id,
      orderId: input.order.id,
      orderNumber: input.order.number,
      userId: input.order.applicant_id,
      code,
    },
    now,
  );
  await appendAudit(
    tx,
    {
      actor: "system:key-codes",
      action: `key.code.${input.purpose}`,
      subjectType: "order",
      subjectId: input.order.id,
      data: { codeId: id, ...(input.expiresAt ? { expiresAt: input.expiresAt.toISOString() } : {}) },
    },
    now,
  );
  return { id, expiresAt: input.expiresAt };
}

/**
 * Checks a code like a PIN: the attempt is counted (committed) before the comparison, and a right
 * code puts the count back. Throws keys.code_wrong with the attempts left, or keys.code_locked.
 * The holder's allowance for this kind of code is spent first (src/services/guess-limits.ts), so
 * a code sent again brings no new guesses past it: keys.code_throttled, with the wait.
 */
async function checkCode(
  deps: KeyDeps,
  input: {
    purpose: "activation" | "unlock";
    orderId: string;
    userId: string;
    code: string;
    attempts: number;
  },
): Promise<string> {
  const now = deps.clock.now();
  const accountKey = `code:${input.purpose}:${input.userId}`;
  await spendGuess(deps.db, {
    key: accountKey,
    limit: GUESS_LIMITS.code.perAccount,
    windowMinutes: GUESS_LIMITS.code.windowMinutes,
    now,
    errorCode: "keys.code_throttled",
  });
  const row = await deps.db.transaction().execute(async (tx) => {
    const found = await tx
      .selectFrom("key_codes")
      .selectAll()
      .where("order_id", "=", input.orderId)
      .where("purpose", "=", input.purpose)
      .where("used_at", "is", null)
      .orderBy("created_at", "desc")
      .forUpdate()
      .executeTakeFirst();
    if (!found) throw new DomainError(`keys.${input.purpose}_code_missing`);
    if (found.expires_at && found.expires_at <= now) throw new DomainError("keys.code_expired");
    if (found.attempts_left <= 0) throw new DomainError("keys.code_locked");
    await tx
      .updateTable("key_codes")
      .set({ attempts_left: found.attempts_left - 1 })
      .where("id", "=", found.id)
      .execute();
    return { ...found, attempts_left: found.attempts_left - 1 };
  });
  const given = input.code.trim();
  if (!sameHash(row.code_hash, codeHash(deps.keys.secretKey, input.purpose, input.orderId, given))) {
    if (row.attempts_left === 0) throw new DomainError("keys.code_locked");
    throw new DomainError("keys.code_wrong", { remaining: row.attempts_left });
  }
  await deps.db
    .updateTable("key_codes")
    .set({ attempts_left: input.attempts })
    .where("id", "=", row.id)
    .execute();
  await forgetGuesses(deps.db, accountKey);
  return row.id;
}

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

function verifyKeySignature(
  cert: { der: Uint8Array | null; key_algorithm: string | null },
  data: Uint8Array,
  signature: string,
): void {
  const view = parseCertificate(cert.der!);
  const ok = verifySignature(
    view.spki,
    signatureAlgorithmFor(cert.key_algorithm ?? view.keyAlgorithm),
    data,
    new Uint8Array(Buffer.from(signature, "base64")),
  );
  if (!ok) throw new DomainError("keys.signature_invalid");
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

// ---- unlock and format ------------------------------------------------------------------------

/** The key's open order of one of these services, or a new one placed (and submitted) for it. */
async function serviceOrderFor(
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
async function readyForFulfilment(
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

function assertChallengeFor(key: UsbKeyRow, challenge: string, purpose: "unblock" | "format"): void {
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
  const plan =
    programme.tariff.term?.kind === "plans"
      ? (key.plan ?? (await planOfCertificate(deps.db, { id: key.certificate_id, order_id: key.order_id })))
      : undefined;
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

async function renewalOf(db: Kysely<Database>, key: UsbKeyRow, orderId: string) {
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

// ---- seals ------------------------------------------------------------------------------------

const SEAL_SERVICES = ["seal-apply", "seal-change"];

/**
 * The seal to install on the key: the seal the desk made for its certificate's seal order
 * (at activation), or for the new order that asked for a seal.
 */
export async function sealForKey(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
): Promise<{ orderId: string; sealName: string; seal: string }> {
  const key = await keyBySerial(deps.db, actor, serial);
  if (!key.certificate_id) throw new DomainError("keys.no_certificate", { serial });
  const candidates = await deps.db
    .selectFrom("orders")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb("certificate_id", "=", key.certificate_id), eb("service", "in", SEAL_SERVICES)]),
        eb("id", "=", key.order_id),
      ]),
    )
    .where("state", "not in", ["draft", "cancelled", "expired", "refunded"])
    .orderBy("created_at", "desc")
    .execute();
  const programme = await getProgramme(deps.db, key.programme_id);
  const order = candidates.find((o) => {
    const step = pendingStep(flowOf(programme, o.service), o.state as OrderState);
    if (SEAL_SERVICES.includes(o.service)) return step === "production" || step === "activation";
    return (o.details as { sealRequested?: boolean }).sealRequested === true;
  });
  if (!order) throw new DomainError("keys.no_seal_order", { serial });
  const existing = await deps.db
    .selectFrom("seals")
    .selectAll()
    .where("order_id", "=", order.id)
    .executeTakeFirst();
  const details = order.details as { sealName?: string; sealType?: string };
  const organisation = await deps.db
    .selectFrom("organisations")
    .select("name")
    .where("id", "=", order.organisation_id)
    .executeTakeFirstOrThrow();
  const sealName = details.sealName?.trim() || organisation.name;
  if (existing) return { orderId: order.id, sealName, seal: Buffer.from(existing.der).toString("base64") };
  // The desk makes the seal from the organisation's stamped imprint (services/seals.ts produceSeal);
  // until production has made it there is nothing to install.
  throw new DomainError("keys.seal_not_made", { order: order.number });
}

/** The client wrote the seal on the key: a seal order's activation step is done. */
export async function sealInstalled(
  deps: KeyDeps,
  actor: Actor,
  serial: string,
  orderId: string,
): Promise<void> {
  if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
  const key = await keyBySerial(deps.db, actor, serial);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (order.organisation_id !== key.organisation_id) throw new DomainError("order.not_found");
    const seal = await tx
      .selectFrom("seals")
      .select(["es_id", "certificate_id"])
      .where("order_id", "=", orderId)
      .executeTakeFirst();
    if (!seal || seal.certificate_id !== key.certificate_id)
      throw new DomainError("keys.no_seal_order", { serial });
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "key.seal.install",
        subjectType: "usb_key",
        subjectId: key.id,
        data: { serial, orderId, esId: seal.es_id },
      },
      now,
    );
    const programme = await getProgramme(tx, order.programme_id);
    if (pendingStep(flowOf(programme, order.service), order.state as OrderState) === "activation")
      await transitionInTx(tx, deps, actor, orderId, "activate", { data: { esId: seal.es_id } });
  });
}

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
function checkChallenge(deps: Pick<KeyDeps, "clock" | "keys">, challenge: string): string {
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
async function useChallenge(deps: Pick<KeyDeps, "clock" | "db">, nonce: string): Promise<void> {
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
async function checkUseCounter(deps: KeyDeps, key: UsbKeyRow, counter: number): Promise<void> {
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

/** For the back office: the desk's CA chain of a certificate, so the client can show and verify it. */
export function certificatePem(der: Uint8Array): string {
  return pemEncode("CERTIFICATE", der);
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
