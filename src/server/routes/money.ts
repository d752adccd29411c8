/**
 * Money, messages and deadlines over HTTP: transfer receipts, payment queries, refunds paid back,
 * invoices, finance views (JSON or CSV), the SMS sink and the outbox for staff, one's own contact
 * details, overdue deadlines, and scheduled jobs for admins.
 */
import { z } from "zod";
import { calendarDate, shanghaiDate, addDays } from "../../domain/dates.js";
import { DomainError } from "../../domain/errors.js";
import { overdueOrders } from "../../jobs/deadlines.js";
import { getContact, setContact } from "../../notify/contacts.js";
import type { Actor } from "../../people/actor.js";
import {
  invoicesCsv,
  invoicesPerDay,
  paymentsCsv,
  paymentsPerDay,
  refundsCsv,
  refundsPerDay,
  type FinanceRange,
} from "../../money/finance.js";
import { getInvoice, invoicePdf, listInvoices } from "../../money/invoices.js";
import { queryOrderPayments } from "../../money/payments.js";
import {
  listTransferReceipts,
  readTransferReceipt,
  rejectTransferReceipt,
  uploadTransferReceipt,
} from "../../money/transfers.js";
import { listRefunds, payRefund } from "../../money/refunds.js";
import { actorOf, type AppDeps, type ZApp } from "../app.js";
import { attachmentDisposition } from "../edge.js";
import { orderSchema } from "../schemas.js";

const idParams = z.object({ id: z.uuid() });

const receiptSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number(),
  sha256: z.string(),
  plan: z.string().nullable(),
  years: z.number(),
  amountFen: z.number(),
  payerAccount: z.string().nullable(),
  status: z.enum(["submitted", "confirmed", "rejected"]),
  reason: z.string().nullable(),
  uploadedAt: z.string(),
  decidedAt: z.string().nullable(),
});

const refundSchema = z.object({
  id: z.string(),
  refundNo: z.string(),
  orderId: z.string(),
  refundOrderId: z.string().nullable(),
  channel: z.string(),
  amountFen: z.number(),
  cause: z.string(),
  status: z.enum(["pending", "succeeded", "failed"]),
  reference: z.string().nullable(),
  failureReason: z.string().nullable(),
  createdAt: z.string(),
  refundedAt: z.string().nullable(),
});

const invoiceSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  programmeId: z.string(),
  number: z.string(),
  issuedOn: z.string(),
  dueOn: z.string().nullable(),
  buyerName: z.string(),
  buyerTaxNumber: z.string().nullable(),
  taxRateBp: z.number(),
  netFen: z.number(),
  taxFen: z.number(),
  totalFen: z.number(),
  totalInCapitals: z.string(),
});

const financeQuery = z.object({
  from: z.iso.date().optional().describe("first Shanghai day, inclusive (default: 30 days before to)"),
  to: z.iso.date().optional().describe("last Shanghai day, inclusive (default: today)"),
  programme: z.string().max(60).optional(),
  format: z.enum(["json", "csv"]).default("json"),
});

export function registerMoneyRoutes(app: ZApp, deps: AppDeps): void {
  // ---- bank transfer receipts -----------------------------------------------------------------
  app.post(
    "/api/orders/:id/transfer-receipts",
    {
      config: { action: "payment.receipt.upload" },
      schema: {
        tags: ["payments"],
        summary:
          "Upload the bank transfer receipt (multipart/form-data, field 'file': PDF, JPG or PNG) stating the plan and term paid for",
        params: idParams,
        querystring: z.object({
          years: z.coerce.number().int().min(1).max(10).optional(),
          plan: z.string().max(40).optional(),
          payerAccount: z.string().max(60).optional(),
        }),
        consumes: ["multipart/form-data"],
        response: { 201: receiptSchema },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const file = await req.file();
      if (!file) throw new DomainError("payment.receipt_required");
      const bytes = await file.toBuffer();
      if (file.file.truncated)
        throw new DomainError("material.too_large", {
          size: ">" + Math.floor(deps.uploadLimitBytes / 1048576),
          limit: Math.floor(deps.uploadLimitBytes / 1048576),
        });
      // The stated terms may come as form fields (before the file) or in the query.
      const field = (name: string): string | undefined => {
        const f = file.fields[name];
        const one = Array.isArray(f) ? f[0] : f;
        return one && "value" in one && typeof one.value === "string" ? one.value : undefined;
      };
      const years = req.query.years ?? Number(field("years"));
      if (!Number.isInteger(years) || years < 1)
        throw new DomainError("common.validation", { detail: "years: state the term paid for" });
      const view = await uploadTransferReceipt(deps, actor, {
        orderId: req.params.id,
        filename: file.filename,
        bytes,
        years,
        plan: req.query.plan ?? field("plan"),
        payerAccount: req.query.payerAccount ?? field("payerAccount"),
      });
      return reply.status(201).send(view);
    },
  );
  app.get(
    "/api/orders/:id/transfer-receipts",
    {
      config: { action: "payment.receipt.read" },
      schema: { tags: ["payments"], params: idParams, response: { 200: z.array(receiptSchema) } },
    },
    async (req) => listTransferReceipts(deps, actorOf(req), { orderId: req.params.id }),
  );
  app.get(
    "/api/transfer-receipts",
    {
      config: { action: "payment.receipt.review" },
      schema: {
        tags: ["back office"],
        summary: "Transfer receipts for finance (submitted ones wait for a decision)",
        querystring: z.object({ status: z.enum(["submitted", "confirmed", "rejected"]).optional() }),
        response: { 200: z.array(receiptSchema) },
      },
    },
    async (req) => listTransferReceipts(deps, actorOf(req), { status: req.query.status }),
  );
  app.get(
    "/api/transfer-receipts/:id/file",
    { config: { action: "payment.receipt.read" }, schema: { tags: ["payments"], params: idParams } },
    async (req, reply) => {
      const r = await readTransferReceipt(deps, actorOf(req), req.params.id);
      return reply
        .type(r.contentType)
        .header("content-disposition", attachmentDisposition(r.filename))
        .send(Buffer.from(r.content));
    },
  );
  app.post(
    "/api/transfer-receipts/:id/reject",
    {
      config: { action: "payment.receipt.review" },
      schema: {
        tags: ["back office"],
        summary: "Finance rejects a transfer receipt with the reason the customer is told",
        params: idParams,
        body: z.object({ reason: z.string().max(500) }),
        response: { 200: receiptSchema },
      },
    },
    async (req) => rejectTransferReceipt(deps, actorOf(req), req.params.id, req.body.reason),
  );
  app.post(
    "/api/orders/:id/payments/query",
    {
      config: { action: "payment.query" },
      schema: {
        tags: ["payments"],
        summary:
          "Ask the gateway now about the order's open charges (the payer is back, the callback is not)",
        params: idParams,
        response: { 200: z.object({ outcomes: z.array(z.string()) }) },
      },
    },
    async (req) => queryOrderPayments(deps, actorOf(req), req.params.id),
  );

  // ---- refunds --------------------------------------------------------------------------------
  app.post(
    "/api/orders/:id/refund/pay",
    {
      config: { action: "refund.pay" },
      schema: {
        tags: ["back office"],
        summary:
          "Finance pays an approved refund request back through the original channel (a bank transfer needs the reference of the transfer sent)",
        params: idParams,
        body: z
          .object({ reference: z.string().min(4).max(60).optional(), note: z.string().max(500).optional() })
          .nullish(),
        response: { 200: orderSchema.extend({ refund: refundSchema }) },
      },
    },
    async (req) =>
      payRefund(deps, actorOf(req), req.params.id, { reference: req.body?.reference, note: req.body?.note }),
  );
  app.get(
    "/api/refunds",
    {
      config: { action: "refund.read" },
      schema: {
        tags: ["back office"],
        querystring: z.object({
          status: z.enum(["pending", "succeeded", "failed"]).optional(),
          orderId: z.uuid().optional(),
        }),
        response: { 200: z.array(refundSchema) },
      },
    },
    async (req) => listRefunds(deps, actorOf(req), req.query),
  );

  // ---- invoices -------------------------------------------------------------------------------
  app.get(
    "/api/invoices",
    {
      config: { action: "invoice.read" },
      schema: {
        tags: ["invoices"],
        summary: "Invoices (an applicant sees its organisation's)",
        querystring: z.object({ orderId: z.uuid().optional() }),
        response: { 200: z.array(invoiceSchema) },
      },
    },
    async (req) => listInvoices(deps, actorOf(req), req.query),
  );
  app.get(
    "/api/invoices/:id",
    {
      config: { action: "invoice.read" },
      schema: { tags: ["invoices"], params: idParams, response: { 200: invoiceSchema } },
    },
    async (req) => getInvoice(deps, actorOf(req), req.params.id),
  );
  app.get(
    "/api/invoices/:id/pdf",
    {
      config: { action: "invoice.read" },
      schema: { tags: ["invoices"], summary: "The VAT general invoice as a PDF", params: idParams },
    },
    async (req, reply) => {
      const { number, pdf } = await invoicePdf(deps, actorOf(req), req.params.id);
      return reply
        .type("application/pdf")
        .header("content-disposition", `inline; filename="invoice-${number}.pdf"`)
        .send(Buffer.from(pdf));
    },
  );

  // ---- finance views ---------------------------------------------------------------------------
  const range = (q: z.infer<typeof financeQuery>): FinanceRange => {
    const to = q.to ? calendarDate(q.to) : shanghaiDate(deps.clock.now());
    const from = q.from ? calendarDate(q.from) : addDays(to, -30);
    return { from, to, programmeId: q.programme };
  };
  const views = [
    ["payments", paymentsPerDay, paymentsCsv],
    ["refunds", refundsPerDay, refundsCsv],
    ["invoices", invoicesPerDay, invoicesCsv],
  ] as const;
  for (const [name, read, csv] of views) {
    app.get(
      `/api/finance/${name}`,
      {
        config: { action: "finance.read" },
        schema: {
          tags: ["finance"],
          summary: `${name} per Shanghai day and programme (format=csv for a spreadsheet)`,
          querystring: financeQuery,
        },
      },
      async (req, reply) => {
        const r = range(req.query);
        const rows = await (read as (db: typeof deps.db, a: Actor, r: FinanceRange) => Promise<object[]>)(
          deps.db,
          actorOf(req),
          r,
        );
        if (req.query.format === "csv") {
          return reply
            .type("text/csv; charset=utf-8")
            .header("content-disposition", `attachment; filename="${name}-${r.from}-${r.to}.csv"`)
            .send((csv as (rows: object[]) => string)(rows));
        }
        return { from: r.from, to: r.to, programme: r.programmeId ?? null, rows };
      },
    );
  }

  // ---- messages -------------------------------------------------------------------------------
  app.get(
    "/api/staff/sms",
    {
      config: { action: "office.read" },
      schema: {
        tags: ["back office"],
        summary: "Text messages kept by the development SMS sink, newest first",
        querystring: z.object({
          recipient: z.string().max(20).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: {
          200: z.array(
            z.object({ id: z.string(), recipient: z.string(), text: z.string(), createdAt: z.string() }),
          ),
        },
      },
    },
    async (req) => {
      let q = deps.db.selectFrom("sms_messages").selectAll();
      if (req.query.recipient) q = q.where("recipient", "=", req.query.recipient);
      const rows = await q.orderBy("created_at", "desc").orderBy("id").limit(req.query.limit).execute();
      return rows.map((r) => ({
        id: r.id,
        recipient: r.recipient,
        text: r.text,
        createdAt: r.created_at.toISOString(),
      }));
    },
  );
  app.get(
    "/api/staff/outbox",
    {
      config: { action: "office.read" },
      schema: {
        tags: ["back office"],
        summary: "Notifications waiting, sent or given up, newest first",
        querystring: z.object({
          status: z.enum(["pending", "sent", "failed"]).optional(),
          subjectId: z.string().max(60).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      let q = deps.db.selectFrom("outbox").selectAll();
      if (req.query.status) q = q.where("status", "=", req.query.status);
      if (req.query.subjectId) q = q.where("subject_id", "=", req.query.subjectId);
      const rows = await q.orderBy("id", "desc").limit(req.query.limit).execute();
      return rows.map((r) => ({
        id: r.id.toString(),
        kind: r.kind,
        template: r.template,
        channel: r.channel,
        recipient: r.recipient,
        locale: r.locale,
        status: r.status,
        attempts: r.attempts,
        createdAt: r.created_at.toISOString(),
        sentAt: r.sent_at?.toISOString() ?? null,
        lastError: r.last_error,
      }));
    },
  );
  const contactSchema = z.object({
    mobile: z.string().nullable(),
    email: z.string().nullable(),
    locale: z.enum(["zh-CN", "en"]),
  });
  app.get(
    "/api/me/contact",
    {
      config: { action: "contact.manage" },
      schema: {
        tags: ["auth"],
        summary: "Where and in which language you are notified",
        response: { 200: contactSchema },
      },
    },
    async (req) => getContact(deps, actorOf(req)),
  );
  app.put(
    "/api/me/contact",
    {
      config: { action: "contact.manage" },
      schema: {
        tags: ["auth"],
        body: z.object({
          email: z.string().max(200).nullable().optional(),
          locale: z.enum(["zh-CN", "en"]).optional(),
        }),
        response: { 200: contactSchema },
      },
    },
    async (req) => setContact(deps, actorOf(req), req.body),
  );

  // ---- deadlines and jobs ---------------------------------------------------------------------
  app.get(
    "/api/staff/deadlines/overdue",
    {
      config: { action: "office.read" },
      schema: { tags: ["back office"], summary: "Orders past a working-day deadline, most overdue first" },
    },
    async () => {
      return overdueOrders(deps);
    },
  );
  app.get(
    "/api/admin/jobs",
    { config: { action: "jobs.manage" }, schema: { tags: ["admin"], summary: "Scheduled jobs" } },
    async () => {
      return { running: deps.jobs?.running ?? false, jobs: deps.jobs?.names ?? [] };
    },
  );
  app.post(
    "/api/admin/jobs/:name/run",
    {
      config: { action: "jobs.manage" },
      schema: {
        tags: ["admin"],
        summary: "Run a scheduled job now and wait for it (bounded)",
        params: z.object({ name: z.string().max(60) }),
      },
    },
    async (req) => {
      if (!deps.jobs) throw new DomainError("jobs.not_running");
      return deps.jobs.runNow(req.params.name);
    },
  );
}
