/**
 * Paying for an order. Online through the payment port: however many callbacks arrive, in
 * whatever order, an order is paid once; the payment row and the order move in one transaction
 * with the order locked first, a succeeded payment stays succeeded, and the store refuses a second
 * counting payment for one order (payments_once_per_order). Money that arrives anyway (a second
 * charge paid, a charge paid after the order lapsed) is kept on record and sent back by refund.
 * A callback that never comes is replaced by asking the gateway (reconcilePayments).
 *
 * By bank transfer (programme B): the customer uploads the transfer receipt stating plan and term;
 * finance confirms the transfer seen on the collection account, or rejects the receipt with a
 * reason. Orders left unpaid lapse after the programme's unpaidOrderExpiryHours (expireUnpaidOrders).
 */
import { randomUUID } from "node:crypto";
import { DomainError } from "../domain/errors.js";
import type { OrderState } from "../domain/lifecycle.js";
import type { GatewayNotice, PaymentGateway, PaymentNotice } from "./gateway-port.js";
import { appendAudit } from "../store/audit.js";
import { actorLabel, systemActor, type Actor } from "../people/actor.js";
import { assertCanSee, lockOrder, type OrderDeps } from "../orders/orders.js";
import { transitionInTx } from "../orders/transitions.js";
import { getProgramme, listProgrammes } from "../orders/programmes.js";
import { acceptRefundNotice, createRefundInTx, submitRefunds } from "./refunds.js";

export interface PaymentDeps extends OrderDeps {
  gateway: PaymentGateway;
  publicUrl: string;
}

/** Starts (or resumes) online payment of an order awaiting payment; returns the pay page. */
export async function startOnlinePayment(
  deps: PaymentDeps,
  actor: Actor,
  orderId: string,
): Promise<{ payUrl: string; tradeNo: string }> {
  const now = deps.clock.now();
  const { tradeNo, amountFen, number } = await deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, orderId);
    assertCanSee(actor, order);
    if ((order.state as OrderState) !== "awaiting_payment")
      throw new DomainError("order.illegal_transition", { state: order.state, event: "pay" });
    const programme = await getProgramme(tx, order.programme_id);
    if (!programme.payment.channels.includes("online"))
      throw new DomainError("payment.channel_not_offered", { channel: "online" });
    const amount = Number(order.total_fen);
    if (amount === 0) throw new DomainError("payment.nothing_due");
    const pending = await tx
      .selectFrom("payments")
      .select(["gateway_trade_no"])
      .where("order_id", "=", order.id)
      .where("status", "=", "pending")
      .where("channel", "=", "online")
      .executeTakeFirst();
    if (pending?.gateway_trade_no)
      return { tradeNo: pending.gateway_trade_no, amountFen: amount, number: order.number };
    const trade = `PAY${order.number}${randomUUID().replaceAll("-", "").slice(0, 6).toUpperCase()}`;
    await tx
      .insertInto("payments")
      .values({
        id: randomUUID(),
        order_id: order.id,
        channel: "online",
        amount_fen: amount,
        status: "pending",
        gateway_trade_no: trade,
        created_at: now,
        paid_at: null,
      })
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "payment.start",
        subjectType: "order",
        subjectId: order.id,
        data: { tradeNo: trade, amountFen: amount },
      },
      now,
    );
    return { tradeNo: trade, amountFen: amount, number: order.number };
  });
  const { payUrl } = await deps.gateway.createCharge({
    tradeNo,
    orderNumber: number,
    amountFen,
    description: `certdesk ${number}`,
    returnUrl: `${deps.publicUrl}/portal/orders/${orderId}`,
  });
  return { payUrl, tradeNo };
}

export type CallbackOutcome =
  | "paid"
  | "already-paid"
  | "duplicate"
  | "paid-after-close"
  | "failed"
  | "ignored"
  | "refunded"
  | "refund-failed";

/**
 * A gateway callback. Verified first; then the payment (or refund) and its order change together
 * or not at all. A repeated or late callback for a settled payment is acknowledged and changes
 * nothing, so the gateway stops sending it.
 */
export async function acceptPaymentCallback(
  deps: PaymentDeps,
  rawBody: string,
  signature: string | undefined,
): Promise<{ outcome: CallbackOutcome }> {
  const notice: GatewayNotice | undefined = deps.gateway.readCallback(rawBody, signature);
  if (!notice) throw new DomainError("payment.bad_signature");
  if (notice.kind === "refund") return acceptRefundNotice(deps, notice);
  return acceptPaymentNotice(deps, notice, "callback");
}

/**
 * The outcome of a charge, from a callback or from asking the gateway. failed only marks a
 * pending payment failed (a failure that arrives after a success changes nothing); succeeded pays
 * the order, or, when the order is already paid or no longer payable, keeps the money on record
 * and starts its refund.
 */
export async function acceptPaymentNotice(
  deps: PaymentDeps,
  notice: PaymentNotice,
  via: "callback" | "query",
): Promise<{ outcome: CallbackOutcome }> {
  const payment = await deps.db
    .selectFrom("payments")
    .selectAll()
    .where("gateway_trade_no", "=", notice.tradeNo)
    .executeTakeFirst();
  if (!payment) throw new DomainError("payment.unknown_trade", { trade: notice.tradeNo });
  const gateway = systemActor(`gateway:${deps.gateway.name}`);
  const now = deps.clock.now();

  if (notice.status === "failed") {
    return deps.db.transaction().execute(async (tx) => {
      const order = await lockOrder(tx, payment.order_id);
      const changed = await tx
        .updateTable("payments")
        .set({ status: "failed", failure_reason: notice.failureReason ?? "failed", settled_by: via })
        .where("id", "=", payment.id)
        .where("status", "=", "pending")
        .executeTakeFirst();
      if (changed.numUpdatedRows === 0n) return { outcome: "ignored" as const };
      await appendAudit(
        tx,
        {
          actor: actorLabel(gateway),
          action: "payment.failed",
          subjectType: "order",
          subjectId: order.id,
          data: { tradeNo: notice.tradeNo, via, reason: notice.failureReason ?? "failed" },
        },
        now,
      );
      return { outcome: "failed" as const };
    });
  }
  if (notice.amountFen !== Number(payment.amount_fen)) {
    throw new DomainError("payment.amount_mismatch", {
      paid: notice.amountFen,
      due: Number(payment.amount_fen),
    });
  }
  const refundIds: string[] = [];
  const result = await deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, payment.order_id);
    const current = await tx
      .selectFrom("payments")
      .select("status")
      .where("id", "=", payment.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (current.status === "succeeded") return { outcome: "already-paid" as const };
    const counting = await tx
      .selectFrom("payments")
      .select("id")
      .where("order_id", "=", order.id)
      .where("status", "=", "succeeded")
      .where("duplicate_of", "is", null)
      .executeTakeFirst();
    await tx
      .updateTable("payments")
      .set({
        status: "succeeded",
        paid_at: notice.paidAt,
        gateway_ref: notice.gatewayRef,
        settled_by: via,
        duplicate_of: counting?.id ?? null,
      })
      .where("id", "=", payment.id)
      .execute();
    const data = { tradeNo: notice.tradeNo, amountFen: notice.amountFen, gatewayRef: notice.gatewayRef, via };
    if (counting) {
      // A second charge paid for a paid order: the money goes back, it never pays twice.
      await appendAudit(
        tx,
        {
          actor: actorLabel(gateway),
          action: "payment.duplicate",
          subjectType: "order",
          subjectId: order.id,
          data: { ...data, duplicateOf: counting.id },
        },
        now,
      );
      refundIds.push(
        await createRefundInTx(tx, deps, gateway, { paymentId: payment.id, cause: "duplicate-payment" }),
      );
      return { outcome: "duplicate" as const };
    }
    await appendAudit(
      tx,
      {
        actor: actorLabel(gateway),
        action: "payment.succeeded",
        subjectType: "order",
        subjectId: order.id,
        data,
      },
      now,
    );
    // The money and the order move together: a process killed here leaves neither half done.
    if (order.state === "awaiting_payment") {
      await transitionInTx(tx, deps, gateway, order.id, "pay", { data: { tradeNo: notice.tradeNo } });
      return { outcome: "paid" as const };
    }
    // Paid after the order lapsed or was cancelled: the money is kept on record and goes back.
    await appendAudit(
      tx,
      {
        actor: actorLabel(gateway),
        action: "payment.needs_refund",
        subjectType: "order",
        subjectId: order.id,
        fromState: order.state,
        data: { tradeNo: notice.tradeNo },
      },
      now,
    );
    refundIds.push(
      await createRefundInTx(tx, deps, gateway, { paymentId: payment.id, cause: "order-closed" }),
    );
    return { outcome: "paid-after-close" as const };
  });
  await submitRefunds(deps, refundIds);
  return result;
}

/**
 * Charges whose callback has not come after queryAfterMs: the desk asks the gateway and acts on
 * the answer as it would on the callback. Returns what it found.
 */
export async function reconcilePayments(
  deps: PaymentDeps,
  options: { queryAfterMs: number; limit?: number },
): Promise<{ asked: number; paid: number; failed: number }> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - options.queryAfterMs);
  const pending = await deps.db
    .selectFrom("payments")
    .select(["id", "gateway_trade_no"])
    .where("status", "=", "pending")
    .where("channel", "=", "online")
    .where("created_at", "<=", cutoff)
    .where((eb) => eb.or([eb("last_queried_at", "is", null), eb("last_queried_at", "<=", cutoff)]))
    .orderBy("created_at")
    .limit(options.limit ?? 100)
    .execute();
  const report = { asked: 0, paid: 0, failed: 0 };
  for (const p of pending) {
    if (!p.gateway_trade_no) continue;
    report.asked += 1;
    const status = await deps.gateway.queryCharge(p.gateway_trade_no);
    await deps.db.updateTable("payments").set({ last_queried_at: now }).where("id", "=", p.id).execute();
    if (status.status === "succeeded") {
      const { outcome } = await acceptPaymentNotice(
        deps,
        {
          kind: "payment",
          tradeNo: p.gateway_trade_no,
          status: "succeeded",
          amountFen: status.amountFen,
          paidAt: status.paidAt ?? now,
          gatewayRef: status.gatewayRef ?? "",
        },
        "query",
      );
      if (outcome === "paid") report.paid += 1;
    } else if (status.status === "closed") {
      const { outcome } = await acceptPaymentNotice(
        deps,
        {
          kind: "payment",
          tradeNo: p.gateway_trade_no,
          status: "failed",
          amountFen: status.amountFen,
          paidAt: now,
          gatewayRef: status.gatewayRef ?? "",
          failureReason: "closed",
        },
        "query",
      );
      if (outcome === "failed") report.failed += 1;
    }
  }
  return report;
}

/**
 * Orders awaiting payment for longer than their programme's unpaidOrderExpiryHours lapse. A charge
 * still open at the gateway is closed first; one that turns out paid pays the order instead (its
 * callback was lost), so no money is ever taken for a lapsed order without being returned.
 * A bank-transfer receipt under review keeps the order open. Idempotent: a second run finds nothing.
 */
export async function expireUnpaidOrders(deps: PaymentDeps): Promise<{ expired: string[]; paid: string[] }> {
  const now = deps.clock.now();
  const out = { expired: [] as string[], paid: [] as string[] };
  for (const programme of await listProgrammes(deps.db)) {
    const cutoff = new Date(now.getTime() - programme.rules.unpaidOrderExpiryHours * 3_600_000);
    const lapsed = await deps.db
      .selectFrom("orders")
      .select(["id"])
      .where("programme_id", "=", programme.id)
      .where("state", "=", "awaiting_payment")
      .where("updated_at", "<", cutoff)
      .orderBy("updated_at")
      .limit(500)
      .execute();
    for (const { id } of lapsed) {
      const open = await deps.db
        .selectFrom("payments")
        .select(["gateway_trade_no"])
        .where("order_id", "=", id)
        .where("status", "=", "pending")
        .where("channel", "=", "online")
        .execute();
      let paid = false;
      for (const p of open) {
        if (!p.gateway_trade_no) continue;
        const status = await deps.gateway.closeCharge(p.gateway_trade_no);
        if (status.status === "succeeded") {
          const { outcome } = await acceptPaymentNotice(
            deps,
            {
              kind: "payment",
              tradeNo: p.gateway_trade_no,
              status: "succeeded",
              amountFen: status.amountFen,
              paidAt: status.paidAt ?? now,
              gatewayRef: status.gatewayRef ?? "",
            },
            "query",
          );
          paid ||= outcome === "paid";
        }
      }
      if (paid) {
        out.paid.push(id);
        continue;
      }
      const expired = await deps.db.transaction().execute(async (tx) => {
        const order = await lockOrder(tx, id);
        if (order.state !== "awaiting_payment" || order.updated_at >= cutoff) return false;
        const receipt = await tx
          .selectFrom("transfer_receipts")
          .select("id")
          .where("order_id", "=", id)
          .where("status", "=", "submitted")
          .executeTakeFirst();
        if (receipt) return false;
        await tx
          .updateTable("payments")
          .set({ status: "failed", failure_reason: "order expired", settled_by: "query" })
          .where("order_id", "=", id)
          .where("status", "=", "pending")
          .execute();
        await transitionInTx(tx, deps, systemActor("scheduler"), id, "expire", {
          reason: `unpaid for ${programme.rules.unpaidOrderExpiryHours} hours`,
        });
        return true;
      });
      if (expired) out.expired.push(id);
    }
  }
  return out;
}

/**
 * The payer came back from the pay page but no callback has arrived: the desk asks the gateway
 * about the order's open charges now, instead of waiting for the reconciliation job.
 */
export async function queryOrderPayments(
  deps: PaymentDeps,
  actor: Actor,
  orderId: string,
): Promise<{ outcomes: CallbackOutcome[] }> {
  const order = await deps.db
    .selectFrom("orders")
    .select(["organisation_id"])
    .where("id", "=", orderId)
    .executeTakeFirst();
  if (!order) throw new DomainError("order.not_found");
  assertCanSee(actor, order);
  const pending = await deps.db
    .selectFrom("payments")
    .select("gateway_trade_no")
    .where("order_id", "=", orderId)
    .where("status", "=", "pending")
    .where("channel", "=", "online")
    .execute();
  const outcomes: CallbackOutcome[] = [];
  for (const p of pending) {
    if (!p.gateway_trade_no) continue;
    const status = await deps.gateway.queryCharge(p.gateway_trade_no);
    if (status.status !== "succeeded") continue;
    const { outcome } = await acceptPaymentNotice(
      deps,
      {
        kind: "payment",
        tradeNo: p.gateway_trade_no,
        status: "succeeded",
        amountFen: status.amountFen,
        paidAt: status.paidAt ?? deps.clock.now(),
        gatewayRef: status.gatewayRef ?? "",
      },
      "query",
    );
    outcomes.push(outcome);
  }
  return { outcomes };
}
