/** Small reads the portal needs: the signed-in handler's organisation, and an order's payments. */
import { z } from "zod";
import { DomainError } from "../../domain/errors.js";
import { getOrder } from "../../orders/orders.js";
import { actorOf, type AppDeps, type ZApp } from "../app.js";

export function registerPortalRoutes(app: ZApp, deps: AppDeps): void {
  app.get(
    "/api/portal/organisation",
    {
      config: { action: "organisation.read" },
      schema: {
        tags: ["portal"],
        summary: "The signed-in handler's organisation and the handler (to prefill applications)",
        response: {
          200: z.object({
            id: z.string(),
            name: z.string(),
            uscc: z.string(),
            address: z.string().nullable(),
            handler: z.object({ id: z.string(), name: z.string(), mobile: z.string().nullable() }),
          }),
        },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      if (actor.kind !== "applicant") throw new DomainError("auth.forbidden");
      const organisation = await deps.db
        .selectFrom("organisations")
        .select(["id", "name", "uscc", "address"])
        .where("id", "=", actor.organisationId)
        .executeTakeFirstOrThrow();
      const handler = await deps.db
        .selectFrom("users")
        .select(["id", "name", "mobile"])
        .where("id", "=", actor.userId)
        .executeTakeFirstOrThrow();
      return { ...organisation, handler };
    },
  );

  app.get(
    "/api/orders/:id/payments",
    {
      config: { action: "order.read" },
      schema: {
        tags: ["payments"],
        summary: "The order's payments, oldest first",
        params: z.object({ id: z.uuid() }),
        response: {
          200: z.array(
            z.object({
              id: z.string(),
              channel: z.string(),
              amountFen: z.number().int(),
              status: z.enum(["pending", "succeeded", "failed"]),
              tradeNo: z.string().nullable(),
              createdAt: z.string(),
              paidAt: z.string().nullable(),
            }),
          ),
        },
      },
    },
    async (req) => {
      await getOrder(deps, actorOf(req), req.params.id);
      const rows = await deps.db
        .selectFrom("payments")
        .select(["id", "channel", "amount_fen", "status", "gateway_trade_no", "created_at", "paid_at"])
        .where("order_id", "=", req.params.id)
        .orderBy("created_at")
        .execute();
      return rows.map((p) => ({
        id: p.id,
        channel: p.channel,
        amountFen: Number(p.amount_fen),
        status: p.status,
        tradeNo: p.gateway_trade_no,
        createdAt: p.created_at.toISOString(),
        paidAt: p.paid_at ? p.paid_at.toISOString() : null,
      }));
    },
  );
}
