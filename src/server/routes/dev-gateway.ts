/** The development payment gateway's pay page (development mode only). */
import { z } from "zod";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { DevPaymentGateway } from "../../money/dev-gateway.js";
import type { AppDeps, ZApp } from "../app.js";

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function registerDevGatewayRoutes(app: ZApp, deps: AppDeps & { devGateway: DevPaymentGateway }): void {
  const params = z.object({ tradeNo: z.string().max(80) });
  app.get(
    "/dev-gateway/pay/:tradeNo",
    { config: { action: "devGateway.pay" }, schema: { hide: true, params } },
    async (req, reply) => {
      const charge = await deps.devGateway.charge(req.params.tradeNo);
      if (!charge) return reply.status(404).type("text/html").send("<p>unknown charge</p>");
      const yuan = (charge.amountFen / 100).toFixed(2);
      return reply.type("text/html; charset=utf-8")
        .send(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>开发支付网关</title>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>开发支付网关 / Development gateway</h1>
<p>订单 ${escape(charge.orderNumber)} · 金额 ¥${yuan}</p><p>状态 / state: ${charge.state}</p>
<form method="post"><button name="outcome" value="succeeded">支付 / Pay</button> <button name="outcome" value="failed">失败 / Fail</button>
<button name="outcome" value="succeeded-twice">支付，回调两次 / Pay, callback twice</button>
<button name="outcome" value="succeeded-silent">支付，回调丢失 / Pay, callback lost</button></form></body></html>`);
    },
  );
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.post(
      "/dev-gateway/pay/:tradeNo",
      {
        config: { action: "devGateway.pay" },
        schema: {
          hide: true,
          params,
          body: z.object({
            outcome: z.enum(["succeeded", "failed", "succeeded-twice", "succeeded-silent"]),
          }),
        },
      },
      async (req, reply) => {
        const charge = await deps.devGateway.charge(req.params.tradeNo);
        if (!charge) return reply.status(404).send({ error: "unknown charge" });
        const outcome = req.body.outcome === "failed" ? "failed" : "succeeded";
        await deps.devGateway.settle(req.params.tradeNo, outcome, deps.clock.now(), {
          copies: req.body.outcome === "succeeded-twice" ? 2 : 1,
          deliver: req.body.outcome === "succeeded-silent" ? "never" : "now",
        });
        return reply.redirect(charge.returnUrl, 303);
      },
    );
  });
}
