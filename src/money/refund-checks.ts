/**
 * The money facts an order transition checks (the runner in orders/transitions.ts calls them):
 * reads only, and never calls back into orders.
 */
import type { Transaction } from "kysely";
import { DomainError } from "../domain/errors.js";
import type { Database, OrderRow } from "../store/schema.js";

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
