/** The back office: review, paper, production, shipping, delivery. */
import { z } from "zod";
import {
  approveOrder,
  deliverOrder,
  finishProduction,
  receivePaper,
  rejectOrder,
  shipOrder,
} from "../../services/fulfilment.js";
import { transitionOrder } from "../../services/orders.js";
import { confirmBankTransfer } from "../../services/payments.js";
import { registerOrganisationWithOverride } from "../../services/people.js";
import { actorOf, type AppDeps, type ZApp } from "../app.js";
import { orderSchema } from "../schemas.js";

const idParams = z.object({ id: z.uuid() });

export function registerStaffRoutes(app: ZApp, deps: AppDeps): void {
  const note = z.object({ note: z.string().max(1000).optional() }).nullish();

  app.post(
    "/api/orders/:id/review/start",
    { schema: { tags: ["back office"], params: idParams, response: { 200: orderSchema } } },
    async (req) => transitionOrder(deps, actorOf(req), req.params.id, "start_review"),
  );
  app.post(
    "/api/orders/:id/approve",
    { schema: { tags: ["back office"], params: idParams, body: note, response: { 200: orderSchema } } },
    async (req) => approveOrder(deps, actorOf(req), req.params.id, req.body?.note),
  );
  app.post(
    "/api/orders/:id/reject",
    {
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
    { schema: { tags: ["back office"], params: idParams, body: note, response: { 200: orderSchema } } },
    async (req) => receivePaper(deps, actorOf(req), req.params.id, req.body?.note),
  );
  app.post(
    "/api/orders/:id/production/start",
    { schema: { tags: ["back office"], params: idParams, response: { 200: orderSchema } } },
    async (req) => transitionOrder(deps, actorOf(req), req.params.id, "start_production"),
  );
  app.post(
    "/api/orders/:id/production/finish",
    {
      schema: {
        tags: ["back office"],
        summary: "Production done: the certificates made for the order",
        params: idParams,
        body: z.object({
          certificates: z
            .array(
              z.object({
                serial: z.string().regex(/^[0-9a-fA-F]{2,64}$/),
                subject: z.string().max(500),
                notBefore: z.iso.datetime(),
                notAfter: z.iso.datetime(),
              }),
            )
            .max(1000),
        }),
        response: { 200: orderSchema },
      },
    },
    async (req) =>
      finishProduction(
        deps,
        actorOf(req),
        req.params.id,
        req.body.certificates.map((c) => ({
          ...c,
          notBefore: new Date(c.notBefore),
          notAfter: new Date(c.notAfter),
        })),
      ),
  );
  app.post(
    "/api/orders/:id/ship",
    {
      schema: {
        tags: ["back office"],
        params: idParams,
        body: z.object({ carrier: z.enum(["SF", "EMS"]), trackingNumber: z.string().max(40) }),
        response: { 200: orderSchema },
      },
    },
    async (req) => shipOrder(deps, actorOf(req), req.params.id, req.body),
  );
  app.post(
    "/api/orders/:id/deliver",
    {
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
      schema: {
        tags: ["back office"],
        summary: "The service itself is done: a refund paid back, a PIN reset or format done, support given",
        params: idParams,
        body: note,
        response: { 200: orderSchema },
      },
    },
    async (req) => transitionOrder(deps, actorOf(req), req.params.id, "fulfil", { reason: req.body?.note }),
  );
  app.post(
    "/api/orders/:id/payments/bank-transfer",
    {
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
