/** The back office: review, paper, production, shipping, delivery. */
import { z } from "zod";
import {
  approveOrder,
  deliverOrder,
  finishProduction,
  receivePaper,
  rejectOrder,
  shipOrder,
} from "../../orders/fulfilment.js";
import { shipKeys } from "../../keys/activation.js";
import { transitionOrder } from "../../orders/transitions.js";
import { confirmBankTransfer } from "../../money/transfers.js";
import { payRefund } from "../../money/refunds.js";
import { registerOrganisationWithOverride } from "../../people/people.js";
import { actorOf, type AppDeps, type ZApp } from "../app.js";
import { orderSchema } from "../schemas.js";

const idParams = z.object({ id: z.uuid() });

export function registerStaffRoutes(app: ZApp, deps: AppDeps): void {
  const note = z.object({ note: z.string().max(1000).optional() }).nullish();

  app.post(
    "/api/orders/:id/review/start",
    {
      config: { action: "order.review" },
      schema: { tags: ["back office"], params: idParams, response: { 200: orderSchema } },
    },
    async (req) => transitionOrder(deps, actorOf(req), req.params.id, "start_review"),
  );
  app.post(
    "/api/orders/:id/approve",
    {
      config: { action: "order.review" },
      schema: { tags: ["back office"], params: idParams, body: note, response: { 200: orderSchema } },
    },
    async (req) => approveOrder(deps, actorOf(req), req.params.id, req.body?.note),
  );
  app.post(
    "/api/orders/:id/reject",
    {
      config: { action: "order.review" },
      schema: {
        tags: ["back office"],
        summary: "Reject with a reason, and per material or field what to fix",
        params: idParams,
        body: z.object({
          reason: z.string().max(1000),
          items: z
            .array(z.object({ target: z.string().max(60), reason: z.string().max(500) }))
            .max(50)
            .optional(),
        }),
        response: { 200: orderSchema },
      },
    },
    async (req) => rejectOrder(deps, actorOf(req), req.params.id, req.body),
  );
  app.post(
    "/api/orders/:id/paper-received",
    {
      config: { action: "order.review" },
      schema: { tags: ["back office"], params: idParams, body: note, response: { 200: orderSchema } },
    },
    async (req) => receivePaper(deps, actorOf(req), req.params.id, req.body?.note),
  );
  app.post(
    "/api/orders/:id/production/start",
    {
      config: { action: "order.produce" },
      schema: { tags: ["back office"], params: idParams, response: { 200: orderSchema } },
    },
    async (req) => transitionOrder(deps, actorOf(req), req.params.id, "start_production"),
  );
  const keyMaterial = {
    csr: z.string().max(20_000).optional().describe("PKCS#10 request: PEM, or base64 of the DER"),
    publicKey: z
      .string()
      .max(4_000)
      .optional()
      .describe("base64 of a DER SubjectPublicKeyInfo made on the key"),
  };
  const oneKey = (k: { csr?: string | undefined; publicKey?: string | undefined }) =>
    (k.csr === undefined) !== (k.publicKey === undefined);
  const eitherMessage = "give either csr or publicKey";
  app.post(
    "/api/orders/:id/production/finish",
    {
      config: { action: "order.produce" },
      schema: {
        tags: ["back office"],
        summary: "Production done: one certificate issued per key (a retried call returns the same ones)",
        params: idParams,
        body: z.object({
          keys: z
            .array(
              z
                .object({
                  ...keyMaterial,
                  keySerial: z.string().max(64).optional(),
                  encryption: z
                    .object(keyMaterial)
                    .refine(oneKey, eitherMessage)
                    .optional()
                    .describe("SM2 dual pair: the key's encryption key"),
                })
                .refine(oneKey, eitherMessage),
            )
            .max(1000),
        }),
        response: {
          200: orderSchema.extend({
            certificates: z.array(
              z.object({
                id: z.string(),
                serial: z.string(),
                profile: z.string().nullable(),
                caId: z.string().nullable(),
                keyAlgorithm: z.string().nullable(),
                subject: z.string(),
                notBefore: z.iso.datetime(),
                notAfter: z.iso.datetime(),
                certificate: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const done = await finishProduction(deps, actorOf(req), req.params.id, req.body.keys);
      return {
        ...done,
        certificates: done.certificates.map((c) => ({
          ...c,
          notBefore: c.notBefore.toISOString(),
          notAfter: c.notAfter.toISOString(),
        })),
      };
    },
  );
  app.post(
    "/api/orders/:id/ship",
    {
      config: { action: "order.ship" },
      schema: {
        tags: ["back office"],
        params: idParams,
        body: z.object({ carrier: z.enum(["SF", "EMS"]), trackingNumber: z.string().max(40) }),
        response: { 200: orderSchema },
      },
    },
    // With USB keys served, shipping also sends the order's activation code (keys/keys.ts).
    async (req) =>
      deps.keys
        ? shipKeys({ ...deps, keys: deps.keys }, actorOf(req), req.params.id, req.body)
        : shipOrder(deps, actorOf(req), req.params.id, req.body),
  );
  app.post(
    "/api/orders/:id/deliver",
    {
      config: { action: "order.ship" },
      schema: {
        tags: ["back office"],
        summary: "The courier delivery was signed for (date in Shanghai; today by default)",
        params: idParams,
        body: z.object({ signedOn: z.iso.date().optional() }).nullish(),
        response: { 200: orderSchema },
      },
    },
    async (req) => deliverOrder(deps, actorOf(req), req.params.id, req.body?.signedOn),
  );
  app.post(
    "/api/orders/:id/fulfil",
    {
      config: { action: "order.fulfil" },
      schema: {
        tags: ["back office"],
        summary: "The service itself is done: a refund paid back, a PIN reset or format done, support given",
        params: idParams,
        body: note,
        response: { 200: orderSchema },
      },
    },
    async (req) => {
      // A refund is done only once its money is back: paid through the original channel.
      const target = await deps.db
        .selectFrom("orders")
        .select("service")
        .where("id", "=", req.params.id)
        .executeTakeFirst();
      if (target?.service === "refund")
        return payRefund(deps, actorOf(req), req.params.id, { note: req.body?.note });
      return transitionOrder(deps, actorOf(req), req.params.id, "fulfil", { reason: req.body?.note });
    },
  );
  app.post(
    "/api/orders/:id/payments/bank-transfer",
    {
      config: { action: "payment.transfer.confirm" },
      schema: {
        tags: ["back office"],
        summary: "Finance confirms a bank transfer seen on the collection account",
        params: idParams,
        body: z.object({ reference: z.string().min(4).max(60), amountFen: z.number().int().min(0) }),
        response: { 200: z.object({ outcome: z.enum(["paid", "already-paid"]) }) },
      },
    },
    async (req) => confirmBankTransfer(deps, actorOf(req), req.params.id, req.body),
  );
  app.post(
    "/api/staff/organisations",
    {
      config: { action: "organisation.registerWithOverride" },
      schema: {
        tags: ["back office"],
        summary: "Register an organisation whose credit code fails its check digit, with the reason recorded",
        body: z.object({
          name: z.string().max(200),
          uscc: z.string().max(30),
          reason: z.string().max(500),
          address: z.string().max(300).optional(),
        }),
        response: { 201: z.object({ organisationId: z.string() }) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await registerOrganisationWithOverride(deps, actorOf(req), req.body)),
  );
}
