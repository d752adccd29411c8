/**
 * The back office's read-only views: orders with the organisation they are for and the step each
 * waits for (pendingStep), so that a queue is "orders whose next step is review".
 */
import { sql } from "kysely";
import { z } from "zod";
import { addDays, shanghaiDate } from "../../domain/dates.js";
import { pendingStep, TERMINAL_STATES, type OrderState } from "../../domain/lifecycle.js";
import type { Programme } from "../../domain/programme.js";
import { flowOf, getOrder, listOrders, type OrderView } from "../../orders/orders.js";
import { getProgramme } from "../../orders/programmes.js";
import { actorOf, type AppDeps, type ZApp } from "../app.js";
import { orderSchema } from "../schemas.js";

const officeOrderSchema = orderSchema.extend({
  organisation: z.object({ id: z.string(), name: z.string(), uscc: z.string() }).nullable(),
});

export function registerOfficeRoutes(app: ZApp, deps: AppDeps): void {
  async function forOffice(orders: OrderView[]): Promise<z.infer<typeof officeOrderSchema>[]> {
    if (orders.length === 0) return [];
    const rows = await deps.db
      .selectFrom("orders")
      .innerJoin("organisations", "organisations.id", "orders.organisation_id")
      .select(["orders.id as orderId", "organisations.id", "organisations.name", "organisations.uscc"])
      .where(
        "orders.id",
        "in",
        orders.map((o) => o.id),
      )
      .execute();
    const byOrder = new Map(rows.map((r) => [r.orderId, { id: r.id, name: r.name, uscc: r.uscc }]));
    const programmes = new Map<string, Programme>();
    const stepOf = async (o: OrderView) => {
      let programme = programmes.get(o.programmeId);
      if (!programme) {
        programme = await getProgramme(deps.db, o.programmeId);
        programmes.set(o.programmeId, programme);
      }
      try {
        return pendingStep(flowOf(programme, o.service), o.state as OrderState) ?? null;
      } catch {
        // A service the programme no longer offers: no step to wait for.
        return null;
      }
    };
    const out = [];
    for (const o of orders) {
      out.push({
        ...o,
        pendingStep: o.pendingStep ?? (await stepOf(o)),
        organisation: byOrder.get(o.id) ?? null,
      });
    }
    return out;
  }

  app.get(
    "/api/office/orders",
    {
      config: { action: "office.read" },
      schema: {
        tags: ["back office"],
        summary: "Orders for a staff queue, with organisation and pending step (staff only)",
        querystring: z.object({
          state: z.string().optional(),
          programmeId: z.string().optional(),
          service: z.string().optional(),
        }),
        response: { 200: z.array(officeOrderSchema) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return forOffice(await listOrders(deps, actor, { ...req.query, limit: 500 }));
    },
  );

  app.get(
    "/api/office/orders/:id",
    {
      config: { action: "office.read" },
      schema: {
        tags: ["back office"],
        summary: "One order with organisation and pending step (staff only)",
        params: z.object({ id: z.uuid() }),
        response: { 200: officeOrderSchema },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const [order] = await forOffice([await getOrder(deps, actor, req.params.id)]);
      return order!;
    },
  );

  app.get(
    "/api/office/stats",
    {
      config: { action: "office.read" },
      schema: {
        tags: ["back office"],
        summary:
          "Dashboard figures: orders per day by service and revenue per day (last 30 days), deadlines missed now, certificates expiring per month (next 12 months); staff only",
        response: {
          200: z.object({
            from: z.string(),
            to: z.string(),
            ordersPerDay: z.array(z.object({ day: z.string(), service: z.string(), count: z.number() })),
            revenuePerDay: z.array(z.object({ day: z.string(), amountFen: z.number() })),
            deadlinesMissed: z.array(z.object({ kind: z.string(), count: z.number() })),
            expiringPerMonth: z.array(z.object({ month: z.string(), count: z.number() })),
          }),
        },
      },
    },
    async () => {
      const now = deps.clock.now();
      const today = shanghaiDate(now);
      const from = addDays(today, -29);
      const day = (column: string) =>
        sql<string>`to_char(${sql.ref(column)} at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`;
      const since = new Date(now.getTime() - 31 * 86_400_000);
      const orders = await deps.db
        .selectFrom("orders")
        .select([day("created_at").as("day"), "service", sql<string>`count(*)`.as("count")])
        .where("created_at", ">=", since)
        .where("state", "!=", "draft")
        .groupBy([day("created_at"), "service"])
        .execute();
      const revenue = await deps.db
        .selectFrom("payments")
        .select([day("paid_at").as("day"), sql<string>`sum(amount_fen)`.as("amount")])
        .where("status", "=", "succeeded")
        .where("paid_at", ">=", since)
        .groupBy(day("paid_at"))
        .execute();
      const missed = await deps.db
        .selectFrom("orders")
        .select(["due_kind", sql<string>`count(*)`.as("count")])
        .where("due_on", "<", today)
        .where("due_kind", "is not", null)
        .where("state", "not in", [...TERMINAL_STATES])
        .groupBy("due_kind")
        .execute();
      const month = sql<string>`to_char(not_after at time zone 'Asia/Shanghai', 'YYYY-MM')`;
      const expiring = await deps.db
        .selectFrom("certificates")
        .select([month.as("month"), sql<string>`count(*)`.as("count")])
        .where("revoked_at", "is", null)
        .where("not_after", ">=", now)
        .where("not_after", "<", new Date(now.getTime() + 366 * 86_400_000))
        .groupBy(month)
        .execute();
      return {
        from,
        to: today,
        ordersPerDay: orders
          .filter((r) => r.day >= from)
          .map((r) => ({ day: r.day, service: r.service, count: Number(r.count) })),
        revenuePerDay: revenue
          .filter((r) => r.day >= from)
          .map((r) => ({ day: r.day, amountFen: Number(r.amount) })),
        deadlinesMissed: missed.map((r) => ({ kind: r.due_kind ?? "", count: Number(r.count) })),
        expiringPerMonth: expiring
          .map((r) => ({ month: r.month, count: Number(r.count) }))
          .sort((a, b) => (a.month < b.month ? -1 : 1)),
      };
    },
  );
}
