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
import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { shanghaiDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import { pendingStep, TERMINAL_STATES, type OrderState } from "../domain/lifecycle.js";
import type { Programme } from "../domain/programme.js";
import { renewalWindowOpens } from "../domain/rules.js";
import { enqueue, userRecipient } from "../notify/outbox.js";
import { parseCertificate } from "../pki/certificate.js";
import { pemEncode } from "../pki/pem.js";
import { verifySignature } from "../pki/signer.js";
import { appendAudit } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import "../store/schema-keys.js";
import type { UsbKeyRow } from "../store/schema-keys.js";
import { signatureAlgorithmFor } from "../token/protocol.js";
import type { Actor } from "../people/actor.js";
import type { CaRegistry } from "../ca/ca.js";
import type { ProductionDeps } from "../orders/fulfilment.js";
import { forgetGuesses, GUESS_LIMITS, spendGuess } from "../people/guess-limits.js";
import { codeHash, newCode, sameHash } from "./key-secrets.js";
import { flowOf } from "../orders/orders.js";
import { initialUserPin, type KeyDeskSettings } from "./production.js";
import { getProgramme } from "../orders/programmes.js";

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

export const ACTIVATION_ATTEMPTS = 5;
export const UNLOCK_ATTEMPTS = 5;
export const UNLOCK_CODE_MINUTES = 30;

const sender = (deps: KeyDeps): KeyCodeSender => deps.keys.codes ?? outboxCodeSender;

// ---- reading a key ----------------------------------------------------------------------------

export async function keyBySerial(db: Kysely<Database>, actor: Actor, serial: string): Promise<UsbKeyRow> {
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

export const SHIPPED_STATES = ["shipped", "delivered", "activated", "bound", "completed"];

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

export async function issueCode(
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
 * The holder's allowance for this kind of code is spent first (src/people/guess-limits.ts), so
 * a code sent again brings no new guesses past it: keys.code_throttled, with the wait.
 */
export async function checkCode(
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

export function verifyKeySignature(
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

/** For the back office: the desk's CA chain of a certificate, so the client can show and verify it. */
export function certificatePem(der: Uint8Array): string {
  return pemEncode("CERTIFICATE", der);
}
