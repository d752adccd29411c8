/**
 * The development payment gateway. It behaves like a real one, so that a real provider plugs in
 * behind the same port and the desk's handling of it is exercised for real:
 *
 * - charges and refunds are kept in its own tables, so they survive a restart of the process;
 * - the payer pays (or fails) on a pay page, and the gateway posts a callback signed with
 *   HMAC-SHA256 over the raw body to the desk; it retries with backoff until the desk answers 2xx,
 *   and it may deliver a callback several times, late, out of order, or never (settle's options);
 * - the desk can query a charge or a refund, and close an unpaid charge;
 * - a refund goes back to the original charge once per refund number, and is confirmed by a
 *   signed refund callback of its own.
 *
 * It is the only place that signs; the desk only verifies (readCallback).
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import { z } from "zod";
import { systemClock, type Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import type { Database } from "../store/schema.js";
import type { DevChargeState } from "../store/schema-money.js";
import type {
  ChargeRequest,
  ChargeStatus,
  GatewayNotice,
  PaymentGateway,
  PaymentNotice,
  RefundNotice,
  RefundRequest,
  RefundStatus,
} from "./gateway-port.js";

export const SIGNATURE_HEADER = "x-gateway-signature";

/** A callback's body, as the gateway signs it (notices with their times as ISO strings). */
const notice = {
  tradeNo: z.string().min(1).max(80),
  status: z.enum(["succeeded", "failed"]),
  amountFen: z.number().int().nonnegative(),
  gatewayRef: z.string().max(120),
  failureReason: z.string().max(500).optional(),
};
const callbackSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("payment"), ...notice, paidAt: z.iso.datetime({ offset: true }) }),
  z.object({
    kind: z.literal("refund"),
    ...notice,
    refundNo: z.string().min(1).max(80),
    refundedAt: z.iso.datetime({ offset: true }),
  }),
]);

export interface DevCharge extends ChargeRequest {
  state: DevChargeState;
  refundedFen: number;
}

export type Send = (url: string, body: string, signature: string) => Promise<void>;

export interface DevGatewayOptions {
  db: Kysely<Database>;
  secret: string;
  publicUrl: string;
  /** How callbacks travel; a fetch POST by default. */
  send?: Send;
  /** The gateway's own clock, for its books and retry schedule. */
  clock?: Clock;
}

/** How the payer's outcome reaches the desk. */
export interface SettleOptions {
  /** How many copies of the callback the gateway sends (duplicate delivery). */
  copies?: number;
  /** now: delivered before settle returns (and retried later if refused); later: left for the delivery loop; never: lost (the desk must query). */
  deliver?: "now" | "later" | "never";
  failureReason?: string;
}

const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 5 * 60_000;

export class DevPaymentGateway implements PaymentGateway {
  readonly name = "dev";
  readonly #db: Kysely<Database>;
  readonly #secret: string;
  readonly #publicUrl: string;
  readonly #send: Send;
  readonly #clock: Clock;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<unknown> | undefined;
  #running = false;

  constructor(options: DevGatewayOptions) {
    this.#db = options.db;
    this.#secret = options.secret;
    this.#publicUrl = options.publicUrl;
    this.#send = options.send ?? postCallback;
    this.#clock = options.clock ?? systemClock;
  }

  get callbackUrl(): string {
    return `${this.#publicUrl}/api/payments/callback/dev`;
  }

  async createCharge(request: ChargeRequest): Promise<{ payUrl: string }> {
    const now = this.#clock.now();
    await this.#db
      .insertInto("dev_gateway_charges")
      .values({
        trade_no: request.tradeNo,
        order_number: request.orderNumber,
        amount_fen: request.amountFen,
        description: request.description,
        return_url: request.returnUrl,
        state: "open",
        gateway_ref: null,
        paid_at: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column("trade_no").doNothing())
      .execute();
    return { payUrl: `${this.#publicUrl}/dev-gateway/pay/${encodeURIComponent(request.tradeNo)}` };
  }

  async charge(tradeNo: string): Promise<DevCharge | undefined> {
    const row = await this.#db
      .selectFrom("dev_gateway_charges")
      .selectAll()
      .where("trade_no", "=", tradeNo)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      tradeNo: row.trade_no,
      orderNumber: row.order_number,
      amountFen: Number(row.amount_fen),
      description: row.description,
      returnUrl: row.return_url,
      state: row.state,
      refundedFen: Number(row.refunded_fen),
    };
  }

  sign(body: string): string {
    return createHmac("sha256", this.#secret).update(body).digest("hex");
  }

  readCallback(rawBody: string, signature: string | undefined): GatewayNotice | undefined {
    if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
    const expected = Buffer.from(this.sign(rawBody), "hex");
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return undefined;
    // Signed by the gateway yet unreadable (a bug on its side, a format change): the caller's
    // mistake, a 400 the gateway sees, never a 500 or a notice made of guesses.
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw new DomainError("payment.callback_invalid", { detail: "not JSON" });
    }
    const parsed = callbackSchema.safeParse(json);
    if (!parsed.success)
      throw new DomainError("payment.callback_invalid", {
        detail: parsed.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; "),
      });
    const body = parsed.data;
    if (body.kind === "refund") {
      return { ...body, refundedAt: new Date(body.refundedAt) };
    }
    return { ...body, paidAt: new Date(body.paidAt) };
  }

  /**
   * What the payer does on the pay page. A paid charge stays paid (paying again only repeats the
   * callback); a failed attempt may be followed by a successful one; a closed charge takes nothing.
   */
  async settle(
    tradeNo: string,
    outcome: "succeeded" | "failed",
    at: Date,
    options: SettleOptions = {},
  ): Promise<PaymentNotice> {
    const now = this.#clock.now();
    const { notice, ids } = await this.#db.transaction().execute(async (tx) => {
      const charge = await tx
        .selectFrom("dev_gateway_charges")
        .selectAll()
        .where("trade_no", "=", tradeNo)
        .forUpdate()
        .executeTakeFirst();
      if (!charge) throw new DomainError("payment.charge_unknown", { trade: tradeNo });
      if (charge.state === "closed") throw new DomainError("payment.charge_unknown", { trade: tradeNo });
      if (charge.state === "paid" && outcome === "failed")
        throw new Error(`charge ${tradeNo} is paid and cannot fail`);
      let gatewayRef = charge.gateway_ref ?? `DEV${randomUUID().replaceAll("-", "").slice(0, 20)}`;
      let paidAt = charge.paid_at ?? at;
      if (outcome === "succeeded" && charge.state !== "paid") {
        await tx
          .updateTable("dev_gateway_charges")
          .set({ state: "paid", gateway_ref: gatewayRef, paid_at: at, updated_at: now })
          .where("trade_no", "=", tradeNo)
          .execute();
        paidAt = at;
      } else if (outcome === "failed") {
        gatewayRef = `DEVF${randomUUID().replaceAll("-", "").slice(0, 19)}`;
        paidAt = at;
        await tx
          .updateTable("dev_gateway_charges")
          .set({ state: "failed", updated_at: now })
          .where("trade_no", "=", tradeNo)
          .execute();
      }
      const notice: PaymentNotice = {
        kind: "payment",
        tradeNo,
        status: outcome,
        amountFen: Number(charge.amount_fen),
        paidAt,
        gatewayRef,
        ...(outcome === "failed" ? { failureReason: options.failureReason ?? "declined" } : {}),
      };
      if (options.deliver === "never") return { notice, ids: [] as bigint[] };
      const body = JSON.stringify({ ...notice, paidAt: paidAt.toISOString() });
      const copies = Math.max(1, options.copies ?? 1);
      const rows = await tx
        .insertInto("dev_gateway_notifications")
        .values(
          Array.from({ length: copies }, () => ({
            kind: "payment" as const,
            ref: tradeNo,
            body,
            next_attempt_at: now,
            created_at: now,
          })),
        )
        .returning("id")
        .execute();
      return { notice, ids: rows.map((r) => r.id) };
    });
    if ((options.deliver ?? "now") === "now") await this.#deliverMany(ids);
    return notice;
  }

  async queryCharge(tradeNo: string): Promise<ChargeStatus> {
    const charge = await this.#db
      .selectFrom("dev_gateway_charges")
      .selectAll()
      .where("trade_no", "=", tradeNo)
      .executeTakeFirst();
    if (!charge) return { tradeNo, status: "unknown", amountFen: 0 };
    const status = { open: "open", paid: "succeeded", failed: "failed", closed: "closed" } as const;
    return {
      tradeNo,
      status: status[charge.state],
      amountFen: Number(charge.amount_fen),
      paidAt: charge.paid_at ?? undefined,
      gatewayRef: charge.gateway_ref ?? undefined,
    };
  }

  async closeCharge(tradeNo: string): Promise<ChargeStatus> {
    await this.#db
      .updateTable("dev_gateway_charges")
      .set({ state: "closed", updated_at: this.#clock.now() })
      .where("trade_no", "=", tradeNo)
      .where("state", "in", ["open", "failed"])
      .execute();
    return this.queryCharge(tradeNo);
  }

  /** Refunds at once (a development gateway has no bank in between) and calls back like a payment. */
  async refund(request: RefundRequest): Promise<{ accepted: boolean }> {
    const now = this.#clock.now();
    const result = await this.#db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom("dev_gateway_refunds")
        .selectAll()
        .where("refund_no", "=", request.refundNo)
        .executeTakeFirst();
      if (existing) return { accepted: existing.state !== "failed", ids: [] as bigint[] };
      const charge = await tx
        .selectFrom("dev_gateway_charges")
        .selectAll()
        .where("trade_no", "=", request.tradeNo)
        .forUpdate()
        .executeTakeFirst();
      const refundable = charge?.state === "paid" ? Number(charge.amount_fen - charge.refunded_fen) : 0;
      const ok = request.amountFen > 0 && request.amountFen <= refundable;
      const gatewayRef = `DEVR${randomUUID().replaceAll("-", "").slice(0, 19)}`;
      if (charge) {
        await tx
          .insertInto("dev_gateway_refunds")
          .values({
            refund_no: request.refundNo,
            trade_no: request.tradeNo,
            amount_fen: request.amountFen,
            state: ok ? "succeeded" : "failed",
            gateway_ref: gatewayRef,
            refunded_at: ok ? now : null,
            created_at: now,
          })
          .execute();
      }
      if (!charge || !ok) return { accepted: false, ids: [] as bigint[] };
      await tx
        .updateTable("dev_gateway_charges")
        .set({ refunded_fen: charge.refunded_fen + BigInt(request.amountFen), updated_at: now })
        .where("trade_no", "=", request.tradeNo)
        .execute();
      const notice: RefundNotice = {
        kind: "refund",
        refundNo: request.refundNo,
        tradeNo: request.tradeNo,
        status: "succeeded",
        amountFen: request.amountFen,
        refundedAt: now,
        gatewayRef,
      };
      const rows = await tx
        .insertInto("dev_gateway_notifications")
        .values({
          kind: "refund",
          ref: request.refundNo,
          body: JSON.stringify({ ...notice, refundedAt: now.toISOString() }),
          next_attempt_at: now,
          created_at: now,
        })
        .returning("id")
        .execute();
      return { accepted: true, ids: rows.map((r) => r.id) };
    });
    await this.#deliverMany(result.ids);
    return { accepted: result.accepted };
  }

  async queryRefund(refundNo: string): Promise<RefundStatus> {
    const row = await this.#db
      .selectFrom("dev_gateway_refunds")
      .selectAll()
      .where("refund_no", "=", refundNo)
      .executeTakeFirst();
    if (!row) return { refundNo, status: "unknown", amountFen: 0 };
    return {
      refundNo,
      status: row.state,
      amountFen: Number(row.amount_fen),
      refundedAt: row.refunded_at ?? undefined,
      gatewayRef: row.gateway_ref,
    };
  }

  /**
   * Posts the callbacks that are due (all undelivered ones with `all`), each until the desk answers
   * 2xx; a refused or failed post is tried again later with backoff. Returns how many got through.
   */
  async deliverDue(options: { all?: boolean; limit?: number } = {}): Promise<number> {
    let q = this.#db
      .selectFrom("dev_gateway_notifications")
      .select("id")
      .where("delivered_at", "is", null)
      .orderBy("id")
      .limit(options.limit ?? 100);
    if (!options.all) q = q.where("next_attempt_at", "<=", this.#clock.now());
    const due = await q.execute();
    return this.#deliverMany(due.map((r) => r.id));
  }

  /** The retry loop a real gateway runs: every interval, the callbacks that are due. */
  start(intervalMs = 500): void {
    if (this.#running) return;
    this.#running = true;
    const tick = () => {
      this.#round = this.deliverDue()
        .catch(() => 0)
        .finally(() => {
          if (!this.#running) return;
          this.#timer = setTimeout(tick, intervalMs);
          this.#timer.unref();
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#round;
  }

  /** Delivers the given notifications concurrently, as a gateway's parallel senders would. */
  async #deliverMany(ids: bigint[]): Promise<number> {
    const results = await Promise.all(ids.map((id) => this.#deliverOne(id)));
    return results.filter(Boolean).length;
  }

  async #deliverOne(id: bigint): Promise<boolean> {
    const row = await this.#db
      .selectFrom("dev_gateway_notifications")
      .selectAll()
      .where("id", "=", id)
      .where("delivered_at", "is", null)
      .executeTakeFirst();
    if (!row) return false;
    try {
      await this.#send(this.callbackUrl, row.body, this.sign(row.body));
    } catch (e) {
      const now = this.#clock.now();
      const delay = Math.min(FIRST_RETRY_MS * 2 ** row.attempts, LONGEST_RETRY_MS);
      await this.#db
        .updateTable("dev_gateway_notifications")
        .set({
          attempts: row.attempts + 1,
          next_attempt_at: new Date(now.getTime() + delay),
          last_error: (e instanceof Error ? e.message : String(e)).slice(0, 300),
        })
        .where("id", "=", id)
        .execute();
      return false;
    }
    await this.#db
      .updateTable("dev_gateway_notifications")
      .set({ attempts: row.attempts + 1, delivered_at: this.#clock.now(), last_error: null })
      .where("id", "=", id)
      .execute();
    return true;
  }
}

async function postCallback(url: string, body: string, signature: string): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`callback refused: ${response.status} ${await response.text()}`);
}
