/** The applicant's side of orders: create, submit, upload, pay, follow; and certificates. */
import { sql } from "kysely";
import { z } from "zod";
import { shanghaiDate } from "../../domain/dates.js";
import { DomainError } from "../../domain/errors.js";
import { auditTrail } from "../../store/audit.js";
import { orderForm } from "../../orders/forms.js";
import { listMaterials, readMaterial, uploadMaterial } from "../../orders/materials.js";
import { getOrder, listOrders } from "../../orders/orders.js";
import { createOrder } from "../../orders/create-order.js";
import { transitionOrder } from "../../orders/transitions.js";
import { refundDecision } from "../../orders/eligibility.js";
import { bindAccount, resubmitOrder } from "../../orders/fulfilment.js";
import { recordPaperTracking } from "../../orders/paper-tracking.js";
import { acceptPaymentCallback, startOnlinePayment } from "../../money/payments.js";
import { SIGNATURE_HEADER } from "../../money/dev-gateway.js";
import { translate } from "../../i18n/catalogue.js";
import type { AppDeps, ZApp } from "../app.js";
import { actorOf } from "../session.js";
import { orderDetailsSchema, orderSchema } from "../schemas.js";
import { attachmentDisposition } from "../edge.js";

const idParams = z.object({ id: z.uuid() });

export function registerOrderRoutes(app: ZApp, deps: AppDeps): void {
  app.post(
    "/api/orders",
    {
      config: { action: "order.create" },
      schema: {
        tags: ["orders"],
        summary:
          "Create an order (and submit it with submit: true). Send an Idempotency-Key header to make retries safe.",
        headers: z.object({ "idempotency-key": z.string().min(8).max(100).optional() }).passthrough(),
        body: z.object({
          programmeId: z.string(),
          service: z.string(),
          details: orderDetailsSchema.default({}),
          submit: z.boolean().optional(),
          acknowledgeExistingCertificate: z
            .boolean()
            .optional()
            .describe(
              "service new: true when the applicant confirmed another certificate beside a valid one (else 409 rules.new.valid_certificate_held)",
            ),
        }),
        response: { 201: orderSchema },
      },
    },
    async (req, reply) => {
      const order = await createOrder(deps, actorOf(req), {
        ...req.body,
        idempotencyKey: req.headers["idempotency-key"],
      });
      return reply.status(201).send(order);
    },
  );

  app.get(
    "/api/orders",
    {
      config: { action: "order.read" },
      schema: {
        tags: ["orders"],
        querystring: z.object({
          state: z.string().optional(),
          programmeId: z.string().optional(),
          service: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
        response: { 200: z.array(orderSchema) },
      },
    },
    async (req) => listOrders(deps, actorOf(req), req.query),
  );

  app.get(
    "/api/orders/:id",
    {
      config: { action: "order.read" },
      schema: { tags: ["orders"], params: idParams, response: { 200: orderSchema } },
    },
    async (req) => getOrder(deps, actorOf(req), req.params.id),
  );

  app.get(
    "/api/orders/:id/audit",
    {
      config: { action: "order.read" },
      schema: {
        tags: ["orders"],
        summary: "The order's audit trail, oldest first",
        params: idParams,
        response: {
          200: z.array(
            z.object({
              seq: z.string(),
              at: z.string(),
              actor: z.string(),
              action: z.string(),
              fromState: z.string().nullable(),
              toState: z.string().nullable(),
              reason: z.string().nullable(),
              data: z.record(z.string(), z.unknown()),
            }),
          ),
        },
      },
    },
    async (req) => {
      await getOrder(deps, actorOf(req), req.params.id);
      const rows = await auditTrail(deps.db, "order", req.params.id);
      return rows.map((r) => ({
        seq: r.seq.toString(),
        at: r.at.toISOString(),
        actor: r.actor,
        action: r.action,
        fromState: r.from_state,
        toState: r.to_state,
        reason: r.reason,
        data: r.data,
      }));
    },
  );

  for (const [path, event, action] of [
    ["submit", "submit", "order.submit"],
    ["cancel", "cancel", "order.cancel"],
  ] as const) {
    app.post(
      `/api/orders/:id/${path}`,
      {
        config: { action },
        schema: {
          tags: ["orders"],
          params: idParams,
          body: z.object({ reason: z.string().max(500).optional() }).nullish(),
          response: { 200: orderSchema },
        },
      },
      async (req) => transitionOrder(deps, actorOf(req), req.params.id, event, { reason: req.body?.reason }),
    );
  }

  app.post(
    "/api/orders/:id/resubmit",
    {
      config: { action: "order.submit" },
      schema: {
        tags: ["orders"],
        summary: "Resubmit after a rejection, with corrected details if any",
        params: idParams,
        body: z.object({ details: orderDetailsSchema.partial().optional() }).nullish(),
        response: { 200: orderSchema },
      },
    },
    async (req) => resubmitOrder(deps, actorOf(req), req.params.id, req.body?.details),
  );

  app.put(
    "/api/orders/:id/paper-tracking",
    {
      config: { action: "order.paperTracking" },
      schema: {
        tags: ["orders"],
        summary:
          "The courier and waybill number of the paper originals mailed to the service centre; may be corrected until the paper is recorded received",
        params: idParams,
        body: z.object({
          carrier: z.string().max(60).describe("the courier's name, 1 to 30 characters"),
          trackingNumber: z.string().max(60).describe("8 to 30 letters or digits; spaces and dashes ignored"),
        }),
        response: { 200: orderSchema },
      },
    },
    async (req) => recordPaperTracking(deps, actorOf(req), req.params.id, req.body),
  );

  app.post(
    "/api/orders/:id/materials/:materialId",
    {
      config: { action: "order.material.upload" },
      schema: {
        tags: ["orders"],
        summary:
          "Upload a scanned material (multipart/form-data, field 'file'); PDF, JPEG or PNG judged by content",
        params: z.object({ id: z.uuid(), materialId: z.string().max(60) }),
        consumes: ["multipart/form-data"],
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const file = await req.file();
      if (!file) throw new DomainError("material.empty");
      const bytes = await file.toBuffer();
      if (file.file.truncated)
        throw new DomainError("material.too_large", {
          size: ">" + Math.floor(deps.uploadLimitBytes / 1048576),
          limit: Math.floor(deps.uploadLimitBytes / 1048576),
        });
      const view = await uploadMaterial(deps, actor, {
        orderId: req.params.id,
        materialId: req.params.materialId,
        filename: file.filename,
        bytes,
      });
      return reply.status(201).send(view);
    },
  );

  app.get(
    "/api/orders/:id/materials",
    { config: { action: "order.read" }, schema: { tags: ["orders"], params: idParams } },
    async (req) => listMaterials(deps, actorOf(req), req.params.id),
  );

  app.get(
    "/api/materials/:id",
    { config: { action: "order.read" }, schema: { tags: ["orders"], params: idParams } },
    async (req, reply) => {
      const m = await readMaterial(deps, actorOf(req), req.params.id);
      return reply
        .type(m.contentType)
        .header("content-disposition", attachmentDisposition(m.filename))
        .send(Buffer.from(m.content));
    },
  );

  app.get(
    "/api/orders/:id/forms/:templateId",
    {
      config: { action: "order.read" },
      schema: {
        tags: ["orders"],
        summary: "A pre-filled form of the order as PDF (A4), to print, sign by hand and stamp",
        params: z.object({ id: z.uuid(), templateId: z.string().max(60) }),
      },
    },
    async (req, reply) => {
      const form = await orderForm(deps, actorOf(req), req.params.id, req.params.templateId);
      return reply
        .type("application/pdf")
        .header("content-disposition", `attachment; filename="${form.filename}"`)
        .send(Buffer.from(form.pdf));
    },
  );

  app.post(
    "/api/orders/:id/pay",
    {
      config: { action: "order.pay" },
      schema: {
        tags: ["payments"],
        summary: "Start online payment: returns the gateway's pay page",
        params: idParams,
        response: { 200: z.object({ payUrl: z.string(), tradeNo: z.string() }) },
      },
    },
    async (req) => startOnlinePayment(deps, actorOf(req), req.params.id),
  );

  app.get(
    "/api/orders/:id/refund-eligibility",
    {
      config: { action: "order.read" },
      schema: {
        tags: ["orders"],
        params: idParams,
        response: {
          200: z.object({ allowed: z.boolean(), code: z.string().optional(), reason: z.string().optional() }),
        },
      },
    },
    async (req) => {
      await getOrder(deps, actorOf(req), req.params.id);
      const target = await deps.db
        .selectFrom("orders")
        .selectAll()
        .where("id", "=", req.params.id)
        .executeTakeFirstOrThrow();
      const decision = await refundDecision(deps, target, shanghaiDate(deps.clock.now()));
      return decision.allowed
        ? { allowed: true }
        : {
            allowed: false,
            code: decision.reason,
            reason: translate(decision.reason, req.locale, decision.params),
          };
    },
  );

  // The gateway calls this; the raw body is what its signature covers.
  app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(
      "/api/payments/callback/dev",
      {
        config: { action: "payment.gatewayCallback" },
        schema: { tags: ["payments"], summary: "Payment gateway callback (signed)" },
      },
      async (req) => {
        const signature = req.headers[SIGNATURE_HEADER];
        return acceptPaymentCallback(
          deps,
          String(req.body),
          typeof signature === "string" ? signature : undefined,
        );
      },
    );
  });

  app.get(
    "/api/certificates",
    {
      config: { action: "certificate.read" },
      schema: {
        tags: ["certificates"],
        summary: "The organisation's certificates (staff: all, filtered by organisation)",
        querystring: z.object({ organisationId: z.uuid().optional() }),
      },
    },
    async (req) => {
      const actor = actorOf(req);
      // Each with its key (label, serial) and the plan it was bought on, so pickers can tell them apart.
      let q = deps.db
        .selectFrom("certificates")
        .leftJoin("usb_keys", "usb_keys.certificate_id", "certificates.id")
        .leftJoin("orders", "orders.id", "certificates.order_id")
        .select([
          "certificates.id",
          "certificates.serial",
          "certificates.order_id",
          "certificates.organisation_id",
          "certificates.programme_id",
          "certificates.subject",
          "certificates.not_before",
          "certificates.not_after",
          "certificates.status",
          "certificates.activated_at",
          "certificates.revoked_at",
          "certificates.revocation_reason",
          "usb_keys.label as key_label",
          "usb_keys.serial as key_serial",
          sql<string | null>`coalesce(usb_keys.plan, orders.details->>'plan')`.as("plan"),
        ]);
      if (actor.kind === "applicant") q = q.where("certificates.organisation_id", "=", actor.organisationId);
      else if (req.query.organisationId)
        q = q.where("certificates.organisation_id", "=", req.query.organisationId);
      return (await q.orderBy("certificates.not_after").limit(500).execute()).map((c) => ({
        ...c,
        not_before: c.not_before.toISOString(),
        not_after: c.not_after.toISOString(),
      }));
    },
  );

  // POST /api/certificates/:id/activate needs the holder's proof: routes/keys.ts.

  app.post(
    "/api/certificates/:id/bind",
    {
      config: { action: "certificate.bind" },
      schema: {
        tags: ["certificates"],
        summary: "Bind a platform account to this certificate (one to one)",
        params: idParams,
        body: z.object({ programmeId: z.string(), accountName: z.string().min(1).max(100) }),
        response: { 200: z.object({ bindingId: z.string() }) },
      },
    },
    async (req) => bindAccount(deps, actorOf(req), { certificateId: req.params.id, ...req.body }),
  );
}
