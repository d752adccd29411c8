/**
 * Paying for an order through the payment port. However many callbacks arrive, in whatever order,
 * an order is paid once: the payment row is locked, a succeeded payment stays succeeded, and the
 * store refuses a second succeeded payment for one order (payments_once_per_order).
 */
import { randomUUID } from "node:crypto";
import { DomainError } from "../domain/errors.js";
import type { OrderState } from "../domain/lifecycle.js";
import type { PaymentGateway } from "../payments/port.js";
import { appendAudit } from "../store/audit.js";
import { actorLabel, systemActor, type Actor } from "./actor.js";
import { assertCanSee, lockOrder, transitionInTx, type OrderDeps } from "./orders.js";
import { getProgramme } from "./programmes.js";
import { requireRole } from "./people.js";

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

/**
 * A gateway callback. Verified first; then the payment and its order change together or not at
 * all. A repeated or late callback for a settled payment is acknowledged and changes nothing.
 */
export async function acceptPaymentCallback(
  deps: PaymentDeps,
  rawBody: string,
  signature: string | undefined,
): Promise<{ outcome: "paid" | "already-paid" | "failed" | "ignored" }> {
  const notice = deps.gateway.readCallback(rawBody, signature);
  if (!notice) throw new DomainError("payment.bad_signature");
  const payment = await deps.db
    .selectFrom("payments")
    .selectAll()
    .where("gateway_trade_no", "=", notice.tradeNo)
    .executeTakeFirst();
  if (!payment) throw new DomainError("payment.unknown_trade", { trade: notice.tradeNo });
  const gateway = systemActor(`gateway:${deps.gateway.name}`);

  if (notice.status === "failed") {
    const changed = await deps.db
      .updateTable("payments")
      .set({ status: "failed" })
      .where("id", "=", payment.id)
      .where("status", "=", "pending")
      .executeTakeFirst();
    return { outcome: changed.numUpdatedRows > 0n ? "failed" : "ignored" };
  }
  if (notice.amountFen !== Number(payment.amount_fen)) {
    throw new DomainError("payment.amount_mismatch", {
      paid: notice.amountFen,
      due: Number(payment.amount_fen),
    });
  }
  return deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, payment.order_id);
    const current = await tx
      .selectFrom("payments")
      .select("status")
      .where("id", "=", payment.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (current.status === "succeeded") return { outcome: "already-paid" as const };
    const otherPaid = await tx
      .selectFrom("payments")
      .select("id")
      .where("order_id", "=", order.id)
      .where("status", "=", "succeeded")
      .executeTakeFirst();
    if (otherPaid) return { outcome: "already-paid" as const };
    await tx
      .updateTable("payments")
      .set({ status: "succeeded", paid_at: notice.paidAt })
      .where("id", "=", payment.id)
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(gateway),
        action: "payment.succeeded",
        subjectType: "order",
        subjectId: order.id,
        data: { tradeNo: notice.tradeNo, amountFen: notice.amountFen, gatewayRef: notice.gatewayRef },
      },
      deps.clock.now(),
    );
    // The money and the order move together: a process killed here leaves neither half done.
    if (order.state === "awaiting_payment") await transitionInTx(tx, deps, gateway, order.id, "pay");
    else {
      // Paid after the order lapsed or was cancelled: the money is kept on record for finance to return.
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
        deps.clock.now(),
      );
    }
    return { outcome: "paid" as const };
  });
}

/**
 * Finance confirms a bank transfer it has seen on the collection account (programme B). The
 * transfer reference is unique, so confirming the same transfer twice records it once.
 */
export async function confirmBankTransfer(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  input: { reference: string; amountFen: number },
): Promise<{ outcome: "paid" | "already-paid" }> {
  requireRole(actor, "finance");
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const programme = await getProgramme(tx, order.programme_id);
    if (!programme.payment.channels.includes("bank-transfer"))
      throw new DomainError("payment.channel_not_offered", { channel: "bank-transfer" });
    const paid = await tx
      .selectFrom("payments")
      .select("gateway_trade_no")
      .where("order_id", "=", order.id)
      .where("status", "=", "succeeded")
      .executeTakeFirst();
    if (paid) return { outcome: "already-paid" as const };
    if (input.amountFen !== Number(order.total_fen))
      throw new DomainError("payment.amount_mismatch", {
        paid: input.amountFen,
        due: Number(order.total_fen),
      });
    const reference = `BANK-${input.reference.trim()}`;
    await tx
      .insertInto("payments")
      .values({
        id: randomUUID(),
        order_id: order.id,
        channel: "bank-transfer",
        amount_fen: input.amountFen,
        status: "succeeded",
        gateway_trade_no: reference,
        created_at: now,
        paid_at: now,
      })
      .execute();
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "payment.succeeded",
        subjectType: "order",
        subjectId: order.id,
        data: { reference, amountFen: input.amountFen, channel: "bank-transfer" },
      },
      now,
    );
    await transitionInTx(tx, deps, actor, order.id, "pay");
    return { outcome: "paid" as const };
  });
}
