/**
 * Refunds: money going back through the channel it came by, never twice.
 *
 * A customer's refund request is an order of the refund service (checked by the domain's refund
 * rule when it is made, reviewed, due within the programme's refundPaymentDeadlineWorkingDays).
 * Finance pays it (payRefund): an online payment goes back through the gateway, which confirms by
 * a signed callback; a bank transfer is sent back by finance, who enters the transfer reference.
 * Only when the money is back does the refund order complete, which ends the refunded order and
 * revokes its certificates in the same transaction (orders/orders.ts).
 *
 * The store keeps one live refund per payment and one per order for a customer's request
 * (refunds_once_per_payment, refunds_once_per_order); the gateway refunds each refund number once.
 * Money that arrived for nothing (a second charge paid, a charge paid after the order lapsed) is
 * refunded the same way, without a request.
 */
import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { DomainError } from "../domain/errors.js";
import { pendingStep, type OrderState } from "../domain/lifecycle.js";
import { translate } from "../i18n/catalogue.js";
import { enqueue, userRecipient } from "../notify/outbox.js";
import { localizedParam, yuan } from "../notify/templates.js";
import type { PaymentGateway, RefundNotice } from "./gateway-port.js";
import { appendAudit } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import type { RefundCause, RefundRow } from "../store/schema-money.js";
import { actorLabel, STAFF_ROLES, systemActor, type Actor, type StaffRole } from "../people/actor.js";
import { flowOf, lockOrder, viewOf, type OrderDeps, type OrderView } from "../orders/orders.js";
import { transitionInTx } from "../orders/transitions.js";
import { requireRole } from "../people/people.js";
import { getProgramme } from "../orders/programmes.js";
import { notifyRevoked, type RevokedCertificate } from "../ca/revocation.js";

export interface RefundDeps extends OrderDeps {
  gateway: PaymentGateway;
}

export interface RefundView {
  id: string;
  refundNo: string;
  orderId: string;
  refundOrderId: string | null;
  channel: string;
  amountFen: number;
  cause: RefundCause;
  status: RefundRow["status"];
  reference: string | null;
  failureReason: string | null;
  createdAt: string;
  refundedAt: string | null;
}

export function refundView(r: RefundRow): RefundView {
  return {
    id: r.id,
    refundNo: r.refund_no,
    orderId: r.order_id,
    refundOrderId: r.refund_order_id,
    channel: r.channel,
    amountFen: Number(r.amount_fen),
    cause: r.cause,
    status: r.status,
    reference: r.reference,
    failureReason: r.failure_reason,
    createdAt: r.created_at.toISOString(),
    refundedAt: r.refunded_at?.toISOString() ?? null,
  };
}

/** The lifecycle's guard: a refund order completes only once its money has gone back. */
export async function assertRefundPaidBack(tx: Transaction<Database>, refundOrder: OrderRow): Promise<void> {
  const paid = await tx
    .selectFrom("refunds")
    .select("id")
    .where("refund_order_id", "=", refundOrder.id)
    .where("status", "=", "succeeded")
    .executeTakeFirst();
  if (!paid) throw new DomainError("refund.unpaid_fulfil");
}

async function countingPayment(db: Kysely<Database> | Transaction<Database>, orderId: string) {
  return db
    .selectFrom("payments")
    .selectAll()
    .where("order_id", "=", orderId)
    .where("status", "=", "succeeded")
    .where("duplicate_of", "is", null)
    .executeTakeFirst();
}

function refundNumber(): string {
  return `RF${randomUUID().replaceAll("-", "").slice(0, 18).toUpperCase()}`;
}

/** A refund of a whole payment, pending until the channel confirms it; returns its id. */
export async function createRefundInTx(
  tx: Transaction<Database>,
  deps: Pick<OrderDeps, "clock">,
  actor: Actor,
  input: { paymentId: string; cause: RefundCause; refundOrderId?: string },
): Promise<string> {
  const payment = await tx
    .selectFrom("payments")
    .selectAll()
    .where("id", "=", input.paymentId)
    .executeTakeFirstOrThrow();
  const now = deps.clock.now();
  const id = randomUUID();
  await tx
    .insertInto("refunds")
    .values({
      id,
      refund_no: refundNumber(),
      payment_id: payment.id,
      order_id: payment.order_id,
      refund_order_id: input.refundOrderId ?? null,
      channel: payment.channel,
      amount_fen: payment.amount_fen,
      cause: input.cause,
      status: "pending",
      reference: null,
      gateway_ref: null,
      failure_reason: null,
      requested_by: actorLabel(actor),
      created_at: now,
      submitted_at: null,
      refunded_at: null,
    })
    .execute();
  await appendAudit(
    tx,
    {
      actor: actorLabel(actor),
      action: "refund.requested",
      subjectType: "order",
      subjectId: payment.order_id,
      data: {
        refundId: id,
        cause: input.cause,
        amountFen: Number(payment.amount_fen),
        channel: payment.channel,
      },
    },
    now,
  );
  return id;
}

/** Sends pending online refunds to the gateway (after the transaction that made them committed). */
export async function submitRefunds(deps: RefundDeps, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const refund = await deps.db.selectFrom("refunds").selectAll().where("id", "=", id).executeTakeFirst();
    if (!refund || refund.status !== "pending" || refund.channel !== "online") continue;
    const payment = await deps.db
      .selectFrom("payments")
      .select("gateway_trade_no")
      .where("id", "=", refund.payment_id)
      .executeTakeFirstOrThrow();
    await deps.db
      .updateTable("refunds")
      .set({ submitted_at: deps.clock.now() })
      .where("id", "=", id)
      .execute();
    await deps.gateway.refund({
      tradeNo: payment.gateway_trade_no!,
      refundNo: refund.refund_no,
      amountFen: Number(refund.amount_fen),
      reason: refund.cause,
    });
  }
}

/**
 * Finance pays an approved refund request back. Online: the gateway is asked and the request
 * completes when its callback confirms. Bank transfer: finance has sent the money and gives the
 * transfer reference; the request completes at once. Asking again never pays twice.
 */
export async function payRefund(
  deps: RefundDeps,
  actor: Actor,
  refundOrderId: string,
  input: { reference?: string | undefined; note?: string | undefined } = {},
): Promise<OrderView & { refund: RefundView }> {
  requireRole(actor, "finance");
  const revoked: RevokedCertificate[] = [];
  const { refundId, submit } = await deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, refundOrderId);
    if (order.service !== "refund" || !order.target_order_id)
      throw new DomainError("refund.not_a_refund_order");
    const flow = flowOf(await getProgramme(tx, order.programme_id), order.service);
    const existing = await tx
      .selectFrom("refunds")
      .selectAll()
      .where("refund_order_id", "=", order.id)
      .where("status", "<>", "failed")
      .executeTakeFirst();
    if (existing)
      return { refundId: existing.id, submit: existing.status === "pending" && !existing.submitted_at };
    if (pendingStep(flow, order.state as OrderState) !== "fulfilment")
      throw new DomainError("refund.not_ready", { state: order.state });
    const target = await lockOrder(tx, order.target_order_id);
    const payment = await countingPayment(tx, target.id);
    if (!payment) throw new DomainError("refund.nothing_paid");
    const other = await tx
      .selectFrom("refunds")
      .select("id")
      .where("payment_id", "=", payment.id)
      .where("status", "<>", "failed")
      .executeTakeFirst();
    if (other) throw new DomainError("refund.already_made");
    if (payment.channel !== "online" && !input.reference?.trim())
      throw new DomainError("refund.reference_required");
    const id = await createRefundInTx(tx, deps, actor, {
      paymentId: payment.id,
      cause: "customer-request",
      refundOrderId: order.id,
    });
    if (payment.channel === "online") return { refundId: id, submit: true };
    // Finance sent the transfer back: the refund is made, and the request completes with it.
    await completeRefundInTx(tx, deps, actor, id, {
      reference: `BANK-${input.reference!.trim()}`,
      gatewayRef: null,
      at: deps.clock.now(),
      revoked,
      note: input.note,
    });
    return { refundId: id, submit: false };
  });
  await notifyRevoked(deps.publication, revoked);
  if (submit) await submitRefunds(deps, [refundId]);
  const [row, refund] = await Promise.all([
    deps.db.selectFrom("orders").selectAll().where("id", "=", refundOrderId).executeTakeFirstOrThrow(),
    deps.db.selectFrom("refunds").selectAll().where("id", "=", refundId).executeTakeFirstOrThrow(),
  ]);
  return { ...viewOf(deps, row), refund: refundView(refund) };
}

/** The money is back: the refund is marked made, the request (if any) completes, the customer is told. */
async function completeRefundInTx(
  tx: Transaction<Database>,
  deps: OrderDeps,
  actor: Actor,
  refundId: string,
  input: {
    reference: string | null;
    gatewayRef: string | null;
    at: Date;
    revoked: RevokedCertificate[];
    note?: string | undefined;
    /** Who confirmed the money is back, when not the actor (a gateway's callback). */
    confirmedBy?: Actor | undefined;
  },
): Promise<void> {
  const now = deps.clock.now();
  const refund = await tx
    .updateTable("refunds")
    .set({
      status: "succeeded",
      refunded_at: input.at,
      reference: input.reference,
      gateway_ref: input.gatewayRef,
    })
    .where("id", "=", refundId)
    .where("status", "=", "pending")
    .returningAll()
    .executeTakeFirst();
  if (!refund) return;
  await appendAudit(
    tx,
    {
      actor: actorLabel(input.confirmedBy ?? actor),
      action: "refund.succeeded",
      subjectType: "order",
      subjectId: refund.order_id,
      data: {
        refundId,
        refundNo: refund.refund_no,
        amountFen: Number(refund.amount_fen),
        channel: refund.channel,
        ...(input.reference ? { reference: input.reference } : {}),
        ...(input.gatewayRef ? { gatewayRef: input.gatewayRef } : {}),
      },
    },
    now,
  );
  if (refund.refund_order_id) {
    await transitionInTx(tx, deps, actor, refund.refund_order_id, "fulfil", {
      reason: input.note ?? `refund ${refund.refund_no} paid back`,
      revoked: input.revoked,
    });
  }
  const order = await tx
    .selectFrom("orders")
    .selectAll()
    .where("id", "=", refund.order_id)
    .executeTakeFirstOrThrow();
  const to = await userRecipient(tx, order.applicant_id);
  if (to) {
    const channel = refund.channel === "online" ? "online" : "bank-transfer";
    await enqueue(
      tx,
      {
        kind: "refund",
        template: "refund-made",
        params: {
          number: order.number,
          amount: yuan(refund.amount_fen),
          ...localizedParam("channel", {
            "zh-CN": translate(`notify.channel.${channel}`, "zh-CN"),
            en: translate(`notify.channel.${channel}`, "en"),
          }),
        },
        subject: { type: "order", id: order.id },
        dedupeKey: `refund:${refund.id}:made`,
        to,
      },
      now,
    );
  }
}

/** The gateway's refund callback: made (the request completes) or failed (finance may try again). */
export async function acceptRefundNotice(
  deps: RefundDeps,
  notice: RefundNotice,
): Promise<{ outcome: "refunded" | "refund-failed" | "ignored" }> {
  const found = await deps.db
    .selectFrom("refunds")
    .select(["id", "order_id", "refund_order_id"])
    .where("refund_no", "=", notice.refundNo)
    .executeTakeFirst();
  if (!found) throw new DomainError("refund.not_found");
  const gateway = systemActor(`gateway:${deps.gateway.name}`);
  const revoked: RevokedCertificate[] = [];
  const outcome = await deps.db.transaction().execute(async (tx) => {
    // Orders first, then the refund row: the same lock order as payRefund.
    if (found.refund_order_id) await lockOrder(tx, found.refund_order_id);
    await lockOrder(tx, found.order_id);
    const refund = await tx
      .selectFrom("refunds")
      .selectAll()
      .where("id", "=", found.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (refund.status !== "pending") return "ignored" as const;
    if (notice.status === "failed") {
      await tx
        .updateTable("refunds")
        .set({ status: "failed", failure_reason: notice.failureReason ?? "failed" })
        .where("id", "=", refund.id)
        .execute();
      await appendAudit(
        tx,
        {
          actor: actorLabel(gateway),
          action: "refund.failed",
          subjectType: "order",
          subjectId: refund.order_id,
          data: { refundId: refund.id, reason: notice.failureReason ?? "failed" },
        },
        deps.clock.now(),
      );
      return "refund-failed" as const;
    }
    if (notice.amountFen !== Number(refund.amount_fen))
      throw new DomainError("payment.amount_mismatch", {
        paid: notice.amountFen,
        due: Number(refund.amount_fen),
      });
    // The request completes in the name of the finance officer who paid it; the gateway confirmed.
    const payer = (await staffActor(tx, refund.requested_by)) ?? gateway;
    await completeRefundInTx(tx, deps, payer, refund.id, {
      reference: null,
      gatewayRef: notice.gatewayRef,
      at: notice.refundedAt,
      revoked,
      confirmedBy: gateway,
    });
    return "refunded" as const;
  });
  await notifyRevoked(deps.publication, revoked);
  return { outcome };
}

/** The staff member behind an actor label ("staff:<id>"), if they still work in finance. */
async function staffActor(tx: Transaction<Database>, label: string): Promise<Actor | undefined> {
  const match = /^staff:([0-9a-f-]{36})$/.exec(label);
  if (!match) return undefined;
  const user = await tx
    .selectFrom("users")
    .select(["id", "name", "roles", "disabled"])
    .where("id", "=", match[1]!)
    .executeTakeFirst();
  if (!user || user.disabled) return undefined;
  const roles = user.roles.filter((r): r is StaffRole => (STAFF_ROLES as readonly string[]).includes(r));
  if (!roles.includes("finance") && !roles.includes("admin")) return undefined;
  return { kind: "staff", userId: user.id, roles, name: user.name };
}

/**
 * Online refunds still pending: never sent (the process died after committing), or sent with no
 * callback for a while. Sent again (the gateway refunds each number once) or settled from the
 * gateway's answer.
 */
export async function reconcileRefunds(
  deps: RefundDeps,
  options: { queryAfterMs: number },
): Promise<{ submitted: number; settled: number }> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - options.queryAfterMs);
  const pending = await deps.db
    .selectFrom("refunds")
    .selectAll()
    .where("status", "=", "pending")
    .where("channel", "=", "online")
    .where((eb) => eb.or([eb("submitted_at", "is", null), eb("submitted_at", "<=", cutoff)]))
    .limit(100)
    .execute();
  const report = { submitted: 0, settled: 0 };
  for (const refund of pending) {
    const status = await deps.gateway.queryRefund(refund.refund_no);
    if (status.status === "unknown") {
      await submitRefunds(deps, [refund.id]);
      report.submitted += 1;
    } else if (status.status === "succeeded" || status.status === "failed") {
      const payment = await deps.db
        .selectFrom("payments")
        .select("gateway_trade_no")
        .where("id", "=", refund.payment_id)
        .executeTakeFirstOrThrow();
      const { outcome } = await acceptRefundNotice(deps, {
        kind: "refund",
        refundNo: refund.refund_no,
        tradeNo: payment.gateway_trade_no ?? "",
        status: status.status,
        amountFen: status.amountFen,
        refundedAt: status.refundedAt ?? now,
        gatewayRef: status.gatewayRef ?? "",
      });
      if (outcome !== "ignored") report.settled += 1;
    }
  }
  return report;
}

export async function listRefunds(
  deps: Pick<OrderDeps, "db">,
  actor: Actor,
  filter: { status?: RefundRow["status"] | undefined; orderId?: string | undefined },
): Promise<RefundView[]> {
  requireRole(actor, "finance");
  let q = deps.db.selectFrom("refunds").selectAll();
  if (filter.status) q = q.where("status", "=", filter.status);
  if (filter.orderId)
    q = q.where((eb) =>
      eb.or([eb("order_id", "=", filter.orderId!), eb("refund_order_id", "=", filter.orderId!)]),
    );
  return (await q.orderBy("created_at", "desc").limit(500).execute()).map(refundView);
}
