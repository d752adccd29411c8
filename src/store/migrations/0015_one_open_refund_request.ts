import { sql, type Kysely } from "kysely";

/**
 * One open refund request per order: a second one while the first is still being handled is
 * refused, also when two arrive at once (orders/orders.ts maps the violation to
 * refund.already_requested). A request that ended (completed, cancelled, expired) frees the order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create unique index orders_one_open_refund_request on orders(target_order_id)
      where service = 'refund' and state not in ('completed', 'cancelled', 'expired', 'refunded')
  `.execute(db);
}
