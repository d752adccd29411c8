/**
 * Money, messages and deadlines through the API on fixed dates, on every store: payment callbacks
 * duplicated and out of order, a lost callback settled by asking the gateway, bank-transfer
 * receipts, unpaid orders lapsing by the scheduler (pg-boss on this very store), refunds paid back
 * through the original channel on the 14th day and refused on the 15th, notifications in the SMS
 * sink and through a real SMTP server process, deadline alerts, invoices and finance CSV.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taxFromInclusiveTotal, amountInChineseCapitals } from "../src/documents/money.js";
import { alertOverdueDeadlines } from "../src/jobs/deadlines.js";
import { deskJobs, JOB_NAMES } from "../src/jobs/desk-jobs.js";
import { JobRunner } from "../src/jobs/runner.js";
import { sendExpiryReminders } from "../src/jobs/reminders.js";
import { smtpMailer } from "../src/notify/email.js";
import { deliverOutbox } from "../src/notify/outbox.js";
import { DevSmsSink, type Mailer } from "../src/notify/ports.js";
import { issueDueInvoices, type InvoiceSettings } from "../src/money/invoices.js";
import { reconcilePayments } from "../src/money/payments.js";
import {
  DEMO,
  multipart,
  PDF_BYTES,
  PNG_BYTES,
  startTestApp,
  submittedOrderA,
  type Client,
  type TestApp,
} from "./support/app.js";
import { activationProof, capturedKeyCodes, keyWithCsr } from "./support/production.js";
import { startSmtpServer, type SmtpServer } from "./support/smtp.js";
import { testStores } from "./support/stores.js";

type Order = {
  id: string;
  number: string;
  state: string;
  totalFen: number;
  due: { kind: string; on: string; overdue: boolean } | null;
};
type Problem = { code: string; detail: string; messages: Record<string, string> };

const INVOICES: InvoiceSettings = {
  seller: { name: "certdesk 测试服务中心", taxNumber: "91310110666007217T", address: "上海市示例路 1 号" },
  taxRateBp: 600,
  drawer: "赵丽",
};

let smtp: SmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await smtp?.stop();
});

for (const kind of testStores) {
  describe(`money, messages and deadlines on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    const keyCodes = capturedKeyCodes();
    let supplier: Client,
      retailer: Client,
      reviewer: Client,
      producer: Client,
      finance: Client,
      admin: Client;
    let mailer: Mailer;
    const deliver = () =>
      deliverOutbox({
        db: store.db,
        clock: t.clock,
        sms: new DevSmsSink({ db: store.db, clock: t.clock }),
        mailer,
      });

    beforeAll(async () => {
      store = await kind.open();
      // Friday 2026-11-20, 10:00 in Shanghai.
      t = await startTestApp(store, "2026-11-20T02:00:00Z", { keys: keyCodes.keys });
      [supplier, retailer, reviewer, producer, finance, admin] = await Promise.all([
        t.as(...DEMO.supplierA),
        t.as(...DEMO.retailerB),
        t.as(...DEMO.reviewer),
        t.as(...DEMO.production),
        t.as(...DEMO.finance),
        t.as(...DEMO.admin),
      ]);
      mailer = smtpMailer({
        url: smtp.url,
        from: "certdesk <no-reply@certdesk.test>",
        messageIdDomain: "certdesk.test",
      });
    });
    afterAll(async () => {
      await mailer?.close();
      await t?.close();
      await store?.dispose();
    });

    /** Programme A: a new order with its scans, submitted: it now awaits online payment. */
    async function orderAwaitingPayment(): Promise<Order> {
      const submitted = await submittedOrderA<Order>(supplier);
      expect(submitted.state).toBe("awaiting_payment");
      return submitted;
    }

    async function startPayment(orderId: string): Promise<string> {
      const res = await supplier({ method: "POST", url: `/api/orders/${orderId}/pay` });
      expect(res.status, res.body).toBe(200);
      return res.json<{ tradeNo: string }>().tradeNo;
    }

    const stateOf = async (id: string) =>
      (await store.db.selectFrom("orders").select("state").where("id", "=", id).executeTakeFirstOrThrow())
        .state;

    async function auditActions(orderId: string): Promise<string[]> {
      const rows = await store.db
        .selectFrom("audit_log")
        .select("action")
        .where("subject_type", "=", "order")
        .where("subject_id", "=", orderId)
        .orderBy("seq")
        .execute();
      return rows.map((r) => r.action);
    }

    /** Programme A: paid, reviewed, produced, shipped and delivered (signed for on signedOn). */
    async function deliveredOrder(
      signedOn: string,
    ): Promise<{ orderId: string; certificateId: string; proof: { code: string; signature: string } }> {
      const order = await orderAwaitingPayment();
      await t.gateway.settle(await startPayment(order.id), "succeeded", t.clock.now());
      await reviewer({ method: "POST", url: `/api/orders/${order.id}/approve` });
      await reviewer({ method: "POST", url: `/api/orders/${order.id}/paper-received` });
      const key = await keyWithCsr("sm2");
      const produced = await producer({
        method: "POST",
        url: `/api/orders/${order.id}/production/finish`,
        payload: { keys: [{ csr: key.csr }] },
      });
      expect(produced.status, produced.body).toBe(200);
      const certificate = produced.json<{ certificates: { id: string; serial: string }[] }>()
        .certificates[0]!;
      await producer({
        method: "POST",
        url: `/api/orders/${order.id}/ship`,
        payload: { carrier: "SF", trackingNumber: "SF1234567890123" },
      });
      const delivered = await producer({
        method: "POST",
        url: `/api/orders/${order.id}/deliver`,
        payload: { signedOn },
      });
      expect(delivered.json<Order>().state).toBe("delivered");
      const code = keyCodes.codes.find((c) => c.orderId === order.id && c.template === "activation-code")!;
      const proof = await activationProof(key.signer, {
        certificateSerial: certificate.serial,
        code: code.code,
      });
      return { orderId: order.id, certificateId: certificate.id, proof };
    }

    it("duplicate and out-of-order callbacks: paid once; a failure after the success changes nothing", async () => {
      const order = await orderAwaitingPayment();
      const trade = await startPayment(order.id);
      // The payer's first attempt fails, but the gateway holds that callback back...
      await t.gateway.settle(trade, "failed", t.clock.now(), { deliver: "later" });
      // ...the second attempt succeeds and its callback comes three times at once...
      await t.gateway.settle(trade, "succeeded", t.clock.now(), { copies: 3 });
      expect(await stateOf(order.id)).toBe("paid");
      // ...and only then the stale failure arrives: acknowledged, ignored.
      expect(await t.gateway.deliverDue({ all: true })).toBe(1);
      expect(await stateOf(order.id)).toBe("paid");
      const payments = await store.db
        .selectFrom("payments")
        .selectAll()
        .where("order_id", "=", order.id)
        .execute();
      expect(payments.map((p) => [p.status, p.duplicate_of])).toEqual([["succeeded", null]]);
      const actions = await auditActions(order.id);
      expect(actions.filter((a) => a === "payment.succeeded")).toHaveLength(1);
      expect(actions.filter((a) => a === "order.pay")).toHaveLength(1);
      expect(actions).not.toContain("payment.failed");
    });

    it("a success after a failure pays: the payer tried again", async () => {
      const order = await orderAwaitingPayment();
      const trade = await startPayment(order.id);
      await t.gateway.settle(trade, "failed", t.clock.now(), { failureReason: "insufficient funds" });
      expect(await stateOf(order.id)).toBe("awaiting_payment");
      const failed = await store.db
        .selectFrom("payments")
        .selectAll()
        .where("gateway_trade_no", "=", trade)
        .executeTakeFirstOrThrow();
      expect([failed.status, failed.failure_reason]).toEqual(["failed", "insufficient funds"]);
      await t.gateway.settle(trade, "succeeded", t.clock.now());
      expect(await stateOf(order.id)).toBe("paid");
      expect((await auditActions(order.id)).filter((a) => a.startsWith("payment."))).toEqual([
        "payment.start",
        "payment.failed",
        "payment.succeeded",
      ]);
    });

    it("a second charge paid for a paid order is money received twice: kept on record and refunded, never counted", async () => {
      const order = await orderAwaitingPayment();
      const first = await startPayment(order.id);
      await t.gateway.settle(first, "failed", t.clock.now());
      const second = await startPayment(order.id);
      expect(second).not.toBe(first);
      await t.gateway.settle(second, "succeeded", t.clock.now());
      // The first charge is paid after all (the payer had a second tab open).
      await t.gateway.settle(first, "succeeded", t.clock.now());
      const payments = await store.db
        .selectFrom("payments")
        .selectAll()
        .where("order_id", "=", order.id)
        .execute();
      const counting = payments.filter((p) => p.status === "succeeded" && p.duplicate_of === null);
      expect(counting.map((p) => p.gateway_trade_no)).toEqual([second]);
      const refunds = await store.db
        .selectFrom("refunds")
        .selectAll()
        .where("order_id", "=", order.id)
        .execute();
      expect(refunds.map((r) => [r.cause, r.status, Number(r.amount_fen)])).toEqual([
        ["duplicate-payment", "succeeded", order.totalFen],
      ]);
      expect((await t.gateway.queryRefund(refunds[0]!.refund_no)).status).toBe("succeeded");
      expect(await stateOf(order.id)).toBe("paid");
    });

    it("a callback that never comes: the desk asks the gateway (query API) and the order is paid", async () => {
      const order = await orderAwaitingPayment();
      const trade = await startPayment(order.id);
      await t.gateway.settle(trade, "succeeded", t.clock.now(), { deliver: "never" });
      expect(await stateOf(order.id)).toBe("awaiting_payment");
      // Too early to ask: the callback may still be on its way.
      expect((await reconcilePayments(t.deps, { queryAfterMs: 10 * 60_000 })).asked).toBe(0);
      t.clock.advance(11 * 60_000);
      try {
        expect(await reconcilePayments(t.deps, { queryAfterMs: 10 * 60_000 })).toEqual({
          asked: 1,
          paid: 1,
          failed: 0,
        });
      } finally {
        t.clock.advance(-11 * 60_000);
      }
      expect(await stateOf(order.id)).toBe("paid");
      const payment = await store.db
        .selectFrom("payments")
        .selectAll()
        .where("gateway_trade_no", "=", trade)
        .executeTakeFirstOrThrow();
      expect(payment.settled_by).toBe("query");
      const trail = await store.db
        .selectFrom("audit_log")
        .select(["action", "data"])
        .where("subject_id", "=", order.id)
        .where("action", "=", "payment.succeeded")
        .execute();
      expect(trail).toHaveLength(1);
      expect(trail[0]!.data).toMatchObject({ via: "query", tradeNo: trade });
    });

    it("programme B: the transfer receipt states plan and term; finance rejects it with a reason, then confirms", async () => {
      const order = (
        await retailer({
          method: "POST",
          url: "/api/orders",
          payload: {
            programmeId: "power-trading",
            service: "new",
            acknowledgeExistingCertificate: true,
            details: { years: 3, keys: 2, plan: "all-inclusive" },
          },
        })
      ).json<Order>();
      for (const m of ["enterprise-application-form", "authorisation-letter"])
        await retailer({
          method: "POST",
          url: `/api/orders/${order.id}/materials/${m}`,
          ...multipart("scan.pdf", PDF_BYTES),
        });
      await retailer({ method: "POST", url: `/api/orders/${order.id}/submit` });
      expect(
        (await reviewer({ method: "POST", url: `/api/orders/${order.id}/approve` })).json<Order>().state,
      ).toBe("awaiting_payment");
      const receipt = (query: string, bytes = PNG_BYTES) =>
        retailer({
          method: "POST",
          url: `/api/orders/${order.id}/transfer-receipts?${query}`,
          ...multipart("回单.png", bytes),
        });

      const wrongTerm = await receipt("years=1&plan=all-inclusive");
      expect(wrongTerm.status).toBe(422);
      expect(wrongTerm.json<Problem>()).toMatchObject({ code: "payment.receipt_terms_mismatch" });
      expect(wrongTerm.json<Problem>().messages["zh-CN"]).toContain("all-inclusive/1");
      expect(
        (await receipt("years=3&plan=all-inclusive", Buffer.from("not an image"))).json<Problem>().code,
      ).toBe("payment.receipt_type_refused");
      const first = await receipt("years=3&plan=all-inclusive&payerAccount=6222000011112222");
      expect(first.status, first.body).toBe(201);
      expect(first.json()).toMatchObject({
        status: "submitted",
        years: 3,
        plan: "all-inclusive",
        amountFen: 120000,
      });
      expect((await receipt("years=3&plan=all-inclusive")).json<Problem>().code).toBe(
        "payment.receipt_pending",
      );

      const waiting = (await finance({ method: "GET", url: "/api/transfer-receipts?status=submitted" })).json<
        { id: string }[]
      >();
      const receiptId = first.json<{ id: string }>().id;
      expect(waiting.map((r) => r.id)).toContain(receiptId);
      expect((await retailer({ method: "GET", url: "/api/transfer-receipts?status=submitted" })).status).toBe(
        403,
      );
      const file = await finance({ method: "GET", url: `/api/transfer-receipts/${receiptId}/file` });
      expect(file.status).toBe(200);

      expect(
        (
          await finance({
            method: "POST",
            url: `/api/transfer-receipts/${receiptId}/reject`,
            payload: { reason: " " },
          })
        ).json<Problem>().code,
      ).toBe("payment.reject_reason_required");
      const rejected = await finance({
        method: "POST",
        url: `/api/transfer-receipts/${receiptId}/reject`,
        payload: { reason: "回单金额与订单金额不符" },
      });
      expect(rejected.json()).toMatchObject({ status: "rejected", reason: "回单金额与订单金额不符" });
      expect((await retailer({ method: "GET", url: `/api/orders/${order.id}` })).json<Order>().state).toBe(
        "awaiting_payment",
      );
      // The customer is told why, by SMS (the handler's mobile) from the outbox.
      await deliver();
      const sms = (
        await reviewer({ method: "GET", url: `/api/staff/sms?recipient=${DEMO.retailerB[0]}` })
      ).json<{ text: string }[]>();
      expect(
        sms.some((m) => m.text.includes("回单金额与订单金额不符") && m.text.includes(order.number)),
      ).toBe(true);

      const second = await receipt("years=3&plan=all-inclusive");
      expect(second.status).toBe(201);
      const confirmed = await finance({
        method: "POST",
        url: `/api/orders/${order.id}/payments/bank-transfer`,
        payload: { reference: "TRF20261120001", amountFen: 120000 },
      });
      expect(confirmed.json()).toEqual({ outcome: "paid" });
      const receipts = (
        await retailer({ method: "GET", url: `/api/orders/${order.id}/transfer-receipts` })
      ).json<{ status: string }[]>();
      expect(receipts.map((r) => r.status).sort()).toEqual(["confirmed", "rejected"]);
      expect((await retailer({ method: "GET", url: `/api/orders/${order.id}` })).json<Order>().state).toBe(
        "paid",
      );
    });

    it("unpaid orders lapse after the programme's 72 hours, by the scheduler (pg-boss on this store), once", async () => {
      const order = await orderAwaitingPayment();
      const trade = await startPayment(order.id);
      const runner = new JobRunner({
        db: store.db,
        jobs: deskJobs(
          {
            ...t.deps,
            sms: new DevSmsSink({ db: store.db, clock: t.clock }),
            invoices: INVOICES,
            secretKey: "test-secret",
          },
          { paymentQueryAfterMs: 10 * 60_000, crlRefreshMs: 3_600_000 },
        ),
        schedule: false,
        catchUp: false,
        pollingIntervalSeconds: 0.5,
      });
      await runner.start();
      try {
        const early = await runner.runNow(JOB_NAMES.expire);
        expect(early.state).toBe("completed");
        expect(await stateOf(order.id)).toBe("awaiting_payment");
        t.clock.advance(72 * 3_600_000 + 60_000);
        const run = await runner.runNow(JOB_NAMES.expire);
        expect(run.state).toBe("completed");
        expect((run.output as { expired: string[] }).expired).toContain(order.id);
        expect(await stateOf(order.id)).toBe("expired");
        // The open charge was closed first, so nobody can pay for a lapsed order.
        expect((await t.gateway.queryCharge(trade)).status).toBe("closed");
        const again = await runner.runNow(JOB_NAMES.expire);
        expect((again.output as { expired: string[] }).expired).toEqual([]);
        const trail = await auditActions(order.id);
        expect(trail.filter((a) => a === "order.expire")).toHaveLength(1);
        const told = await store.db
          .selectFrom("outbox")
          .select("template")
          .where("subject_id", "=", order.id)
          .where("template", "=", "order-expired")
          .execute();
        expect(told.length).toBeGreaterThan(0);
      } finally {
        t.clock.advance(-(72 * 3_600_000 + 60_000));
        await runner.stop();
      }
    });

    it("refund: refused on the 15th day after delivery with the reason; on the 14th paid back online, certificate revoked, never twice", async () => {
      // Today is 2026-11-20. Signed for on 2026-11-05: today is day 15. On 2026-11-06: day 14.
      const late = await deliveredOrder("2026-11-05");
      const refused = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "refund",
          details: { targetOrderId: late.orderId },
          submit: true,
        },
      });
      expect(refused.status).toBe(422);
      expect(refused.json<Problem>()).toMatchObject({ code: "rules.refund.activation_window_passed" });
      expect(refused.json<Problem>().messages["zh-CN"]).toContain("2026-11-19");
      const eligibility = (
        await supplier({ method: "GET", url: `/api/orders/${late.orderId}/refund-eligibility?lang=en` })
      ).json<{ allowed: boolean; reason: string }>();
      expect(eligibility.allowed).toBe(false);
      expect(eligibility.reason).toContain("2026-11-19");

      const onTime = await deliveredOrder("2026-11-06");
      const request = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "refund",
          details: { targetOrderId: onTime.orderId, reason: "项目取消" },
          submit: true,
        },
      });
      expect(request.status, request.body).toBe(201);
      const refundOrderId = request.json<Order>().id;
      // Finance cannot pay a request that was not reviewed yet.
      expect(
        (await finance({ method: "POST", url: `/api/orders/${refundOrderId}/refund/pay` })).json<Problem>()
          .code,
      ).toBe("refund.not_ready");
      await reviewer({ method: "POST", url: `/api/orders/${refundOrderId}/paper-received` });
      const approved = (
        await reviewer({ method: "POST", url: `/api/orders/${refundOrderId}/approve` })
      ).json<Order>();
      // The refund is due 15 working days after correct materials (Friday 2026-11-20): 2026-12-11.
      expect(approved.due).toMatchObject({ kind: "refund-payment", on: "2026-12-11" });
      expect(
        (await reviewer({ method: "POST", url: `/api/orders/${refundOrderId}/refund/pay` })).status,
      ).toBe(403);

      const paid = await finance({ method: "POST", url: `/api/orders/${refundOrderId}/refund/pay` });
      expect(paid.status, paid.body).toBe(200);
      const body = paid.json<
        Order & { refund: { status: string; channel: string; amountFen: number; refundNo: string } }
      >();
      expect(body.state).toBe("completed");
      expect(body.refund).toMatchObject({ status: "succeeded", channel: "online", amountFen: 20000 });
      expect(await stateOf(onTime.orderId)).toBe("refunded");
      const cert = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("id", "=", onTime.certificateId)
        .executeTakeFirstOrThrow();
      expect([cert.status, cert.revocation_reason]).toEqual(["revoked", "cessationOfOperation"]);
      // Back through the original channel: the gateway refunded the original charge.
      const payment = await store.db
        .selectFrom("payments")
        .select("gateway_trade_no")
        .where("order_id", "=", onTime.orderId)
        .where("status", "=", "succeeded")
        .executeTakeFirstOrThrow();
      const charge = await t.gateway.charge(payment.gateway_trade_no!);
      expect(charge?.refundedFen).toBe(20000);

      // Nothing is refunded twice: paying again, a repeated callback, a new request.
      const again = await finance({ method: "POST", url: `/api/orders/${refundOrderId}/refund/pay` });
      expect(again.json<{ refund: { refundNo: string } }>().refund.refundNo).toBe(body.refund.refundNo);
      await t.gateway.refund({
        tradeNo: payment.gateway_trade_no!,
        refundNo: body.refund.refundNo,
        amountFen: 20000,
        reason: "again",
      });
      expect((await t.gateway.charge(payment.gateway_trade_no!))?.refundedFen).toBe(20000);
      const secondRequest = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "refund",
          details: { targetOrderId: onTime.orderId },
          submit: true,
        },
      });
      expect(secondRequest.json<Problem>().code).toBe("rules.refund.already_refunded");
      const refunds = await store.db
        .selectFrom("refunds")
        .selectAll()
        .where("order_id", "=", onTime.orderId)
        .execute();
      expect(refunds).toHaveLength(1);
      expect((await auditActions(onTime.orderId)).filter((a) => a === "refund.succeeded")).toHaveLength(1);
      // The customer is told the money is back.
      const told = await store.db
        .selectFrom("outbox")
        .select(["template", "channel"])
        .where("subject_id", "=", onTime.orderId)
        .where("template", "=", "refund-made")
        .execute();
      expect(told.map((r) => r.channel)).toContain("sms");
    });

    it("refund of money that came by bank transfer: finance sends it back and enters the transfer reference", async () => {
      const order = await orderAwaitingPayment();
      await t.gateway.settle(await startPayment(order.id), "succeeded", t.clock.now());
      // No demo programme takes bank transfers and refunds both: the payment is recorded as a transfer.
      await store.db
        .updateTable("payments")
        .set({ channel: "bank-transfer" })
        .where("order_id", "=", order.id)
        .execute();
      const request = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "refund",
          details: { targetOrderId: order.id },
          submit: true,
        },
      });
      expect(request.status, request.body).toBe(201);
      const refundOrderId = request.json<Order>().id;
      await reviewer({ method: "POST", url: `/api/orders/${refundOrderId}/paper-received` });
      await reviewer({ method: "POST", url: `/api/orders/${refundOrderId}/approve` });
      const noReference = await finance({ method: "POST", url: `/api/orders/${refundOrderId}/refund/pay` });
      expect(noReference.json<Problem>().code).toBe("refund.reference_required");
      expect(await stateOf(refundOrderId)).toBe("approved");
      const paid = await finance({
        method: "POST",
        url: `/api/orders/${refundOrderId}/refund/pay`,
        payload: { reference: "OUT20261120001" },
      });
      expect(paid.status, paid.body).toBe(200);
      expect(paid.json<{ state: string; refund: object }>()).toMatchObject({
        state: "completed",
        refund: { status: "succeeded", channel: "bank-transfer", reference: "BANK-OUT20261120001" },
      });
      expect(await stateOf(order.id)).toBe("refunded");
      const told = await store.db
        .selectFrom("outbox")
        .select("params")
        .where("subject_id", "=", order.id)
        .where("template", "=", "refund-made")
        .executeTakeFirstOrThrow();
      expect(told.params).toMatchObject({ "channel.zh-CN": "银行转账", "channel.en": "bank transfer" });
    });

    it("notifications: SMS into the sink (visible to staff), e-mail to a real SMTP server, each in the recipient's language", async () => {
      const email = `zhang.${randomUUID().slice(0, 8)}@example.cn`;
      const set = await supplier({ method: "PUT", url: "/api/me/contact", payload: { email, locale: "en" } });
      expect(set.json()).toEqual({ mobile: DEMO.supplierA[0], email, locale: "en" });
      expect(
        (
          await supplier({ method: "PUT", url: "/api/me/contact", payload: { email: "not an address" } })
        ).json<Problem>().code,
      ).toBe("notify.contact_invalid");
      const order = await orderAwaitingPayment();
      await t.gateway.settle(await startPayment(order.id), "succeeded", t.clock.now());
      const rejected = await reviewer({
        method: "POST",
        url: `/api/orders/${order.id}/reject`,
        payload: { reason: "申请表未加盖公章" },
      });
      expect(rejected.status).toBe(200);
      const report = await deliver();
      expect(report.failed).toBe(0);
      const mails = await smtp.waitFor((m) => m.to.includes(email), 3);
      const subjects = mails.map((m) => m.subject);
      expect(subjects).toContain(`[certdesk] Order ${order.number} submitted`);
      expect(subjects).toContain(`[certdesk] Payment received for order ${order.number}`);
      const rejection = mails.find((m) => m.subject === `[certdesk] Order ${order.number} needs changes`);
      expect(rejection?.text).toContain("Reason: 申请表未加盖公章");
      expect(rejection?.messageId).toMatch(/^<outbox-\d+@certdesk\.test>$/);

      const sms = await reviewer({ method: "GET", url: `/api/staff/sms?recipient=${DEMO.supplierA[0]}` });
      expect(sms.status).toBe(200);
      const texts = sms.json<{ text: string }[]>().map((m) => m.text);
      expect(
        texts.some(
          (x) => x.startsWith("[certdesk] ") && x.includes(order.number) && x.includes("申请表未加盖公章"),
        ),
      ).toBe(true);
      expect((await supplier({ method: "GET", url: "/api/staff/sms" })).status).toBe(403);
      // Delivered once: a second round sends nothing again.
      expect(await deliver()).toEqual({ sent: 0, retrying: 0, failed: 0 });
      await supplier({ method: "PUT", url: "/api/me/contact", payload: { email: null, locale: "zh-CN" } });
    });

    it("an expiry reminder at 30 days is sent once however often the sweep runs, never the 90-day one after it", async () => {
      const organisation = await store.db
        .selectFrom("organisations")
        .select("id")
        .where("uscc", "=", "91310115591693856A")
        .executeTakeFirstOrThrow();
      const id = randomUUID();
      await store.db
        .insertInto("certificates")
        .values({
          id,
          serial: id.replaceAll("-", "").slice(0, 16),
          organisation_id: organisation.id,
          programme_id: "procurement",
          subject: "CN=test",
          not_before: new Date("2025-12-01T00:00:00Z"),
          not_after: new Date(t.clock.now().getTime() + 29 * 86_400_000),
          order_id: null,
          activated_at: null,
          revoked_at: null,
          revocation_reason: null,
        })
        .execute();
      const deps = { db: store.db, clock: t.clock };
      await sendExpiryReminders(deps);
      await sendExpiryReminders(deps);
      const rows = await store.db.selectFrom("outbox").selectAll().where("subject_id", "=", id).execute();
      expect(rows.map((r) => [r.template, r.params.threshold, r.params.days])).toEqual([
        ["expiry-reminder", "30", 29],
      ]);
      // A day later it is still the 30-day reminder's turn: nothing new until 7 days are left.
      t.clock.advance(86_400_000);
      try {
        await sendExpiryReminders(deps);
        expect(
          await store.db.selectFrom("outbox").select("id").where("subject_id", "=", id).execute(),
        ).toHaveLength(1);
        t.clock.advance(21 * 86_400_000);
        await sendExpiryReminders(deps);
        const after = await store.db.selectFrom("outbox").selectAll().where("subject_id", "=", id).execute();
        expect(after.map((r) => r.params.threshold).sort()).toEqual(["30", "7"]);
      } finally {
        t.clock.advance(-22 * 86_400_000);
      }
    });

    it("deadline alert: production overdue on a fixed date alerts production staff once, and lists the order", async () => {
      const staffMail = `production.${randomUUID().slice(0, 8)}@desk.example.cn`;
      await producer({ method: "PUT", url: "/api/me/contact", payload: { email: staffMail } });
      const order = (
        await retailer({
          method: "POST",
          url: "/api/orders",
          payload: {
            programmeId: "power-trading",
            service: "new",
            acknowledgeExistingCertificate: true,
            details: { years: 1, keys: 1, plan: "basic" },
          },
        })
      ).json<Order>();
      for (const m of ["enterprise-application-form", "authorisation-letter"])
        await retailer({
          method: "POST",
          url: `/api/orders/${order.id}/materials/${m}`,
          ...multipart("scan.pdf", PDF_BYTES),
        });
      await retailer({ method: "POST", url: `/api/orders/${order.id}/submit` });
      await reviewer({ method: "POST", url: `/api/orders/${order.id}/approve` });
      await finance({
        method: "POST",
        url: `/api/orders/${order.id}/payments/bank-transfer`,
        payload: { reference: `TRF-${order.number}`, amountFen: 14000 },
      });
      // Paid Friday 2026-11-20: production due Wednesday 2026-11-25.
      expect(
        (await retailer({ method: "GET", url: `/api/orders/${order.id}` })).json<Order>().due,
      ).toMatchObject({
        kind: "production",
        on: "2026-11-25",
      });
      const deps = { db: store.db, clock: t.clock, calendar: t.deps.calendar };
      expect((await alertOverdueDeadlines(deps)).alerted).toBe(0);
      t.clock.set("2026-11-26T02:00:00Z");
      try {
        const first = await alertOverdueDeadlines(deps);
        expect(first.alerted).toBeGreaterThanOrEqual(1);
        expect(await alertOverdueDeadlines(deps)).toEqual({ alerted: 0, messages: 0 });
        const alerts = await store.db
          .selectFrom("outbox")
          .selectAll()
          .where("subject_id", "=", order.id)
          .where("template", "=", "deadline-overdue")
          .execute();
        expect(alerts.map((a) => [a.channel, a.recipient])).toEqual([["email", staffMail]]);
        expect(alerts[0]!.params).toMatchObject({
          number: order.number,
          dueOn: "2026-11-25",
          "deadline.zh-CN": "制证",
        });
        expect((await auditActions(order.id)).filter((a) => a === "deadline.overdue")).toHaveLength(1);
        // Sessions last 12 hours: six days on, production signs in again.
        const later = await t.as(...DEMO.production);
        const overdue = (await later({ method: "GET", url: "/api/staff/deadlines/overdue" })).json<
          { orderId: string; kind: string; lateWorkingDays: number; alertedAt: string | null }[]
        >();
        expect(overdue.find((o) => o.orderId === order.id)).toMatchObject({
          kind: "production",
          lateWorkingDays: 1,
        });
        await deliver();
        const mail = await smtp.waitFor((m) => m.to.includes(staffMail) && m.subject.includes(order.number));
        expect(mail[0]!.subject).toBe(`【证书服务】超期：订单 ${order.number}（制证，2026-11-25 到期）`);
      } finally {
        t.clock.set("2026-11-20T02:00:00Z");
      }
    });

    it("invoice: issued by the scheduled sweep within the deadline, tax split at the configured rate, total in capitals, PDF downloadable", async () => {
      const { orderId, certificateId, proof } = await deliveredOrder("2026-11-20");
      const activated = await supplier({
        method: "POST",
        url: `/api/certificates/${certificateId}/activate`,
        payload: proof,
      });
      expect(activated.status, activated.body).toBe(200);
      const bound = await supplier({
        method: "POST",
        url: `/api/certificates/${certificateId}/bind`,
        payload: { programmeId: "procurement", accountName: `acct-${randomUUID().slice(0, 8)}` },
      });
      expect(bound.status, bound.body).toBe(200);
      const completed = (await supplier({ method: "GET", url: `/api/orders/${orderId}` })).json<Order>();
      expect(completed.state).toBe("completed");
      // Completed Friday 2026-11-20: the invoice is due within 2 working days, Tuesday 2026-11-24.
      expect(completed.due).toMatchObject({ kind: "invoice", on: "2026-11-24" });
      const { issued } = await issueDueInvoices({ db: store.db, clock: t.clock, invoices: INVOICES });
      expect(issued.length).toBeGreaterThanOrEqual(1);
      expect((await issueDueInvoices({ db: store.db, clock: t.clock, invoices: INVOICES })).issued).toEqual(
        [],
      );
      const [invoice] = (await supplier({ method: "GET", url: `/api/invoices?orderId=${orderId}` })).json<
        {
          id: string;
          number: string;
          issuedOn: string;
          dueOn: string;
          totalFen: number;
          taxFen: number;
          netFen: number;
          taxRateBp: number;
          totalInCapitals: string;
          buyerName: string;
          buyerTaxNumber: string;
        }[]
      >();
      const split = taxFromInclusiveTotal(20000, 600);
      expect(invoice).toMatchObject({
        issuedOn: "2026-11-20",
        dueOn: "2026-11-24",
        totalFen: 20000,
        taxFen: split.taxFen,
        netFen: split.netFen,
        taxRateBp: 600,
        totalInCapitals: amountInChineseCapitals(20000),
        buyerName: "上海示例供应链管理有限公司",
        buyerTaxNumber: "91310115591693856A",
      });
      expect(split).toEqual({ taxFen: 1132, netFen: 18868, totalFen: 20000 });
      expect(invoice!.totalInCapitals).toBe("贰佰元整");
      expect(invoice!.issuedOn <= invoice!.dueOn).toBe(true);
      // The deadline is met: the order no longer counts down, and no alert will come.
      expect((await supplier({ method: "GET", url: `/api/orders/${orderId}` })).json<Order>().due).toBeNull();
      const pdf = await t.app.inject({
        method: "GET",
        url: `/api/invoices/${invoice!.id}/pdf`,
        headers: { authorization: await loginHeader(DEMO.supplierA) },
      });
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers["content-type"]).toBe("application/pdf");
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
      expect((await retailer({ method: "GET", url: `/api/invoices/${invoice!.id}` })).status).toBe(404);
      const ready = await store.db
        .selectFrom("outbox")
        .select("template")
        .where("subject_id", "=", orderId)
        .where("template", "=", "invoice-ready")
        .execute();
      expect(ready.length).toBeGreaterThan(0);
    });

    async function loginHeader([login, password]: readonly [string, string]): Promise<string> {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { login, password },
      });
      return `Bearer ${res.json<{ token: string }>().token}`;
    }

    it("finance views: payments, refunds and invoices per day and programme as CSV, with the right columns and sums", async () => {
      const q = "from=2026-11-01&to=2026-11-30";
      const csv = async (what: string, extra = "") => {
        const res = await finance({ method: "GET", url: `/api/finance/${what}?${q}${extra}&format=csv` });
        expect(res.status, res.body).toBe(200);
        expect(res.body.charCodeAt(0)).toBe(0xfeff);
        const [header, ...rows] = res.body
          .slice(1)
          .trimEnd()
          .split("\r\n")
          .map((l) => l.split(","));
        return { header: header!, rows };
      };
      const payments = await csv("payments");
      expect(payments.header).toEqual([
        "day",
        "programme",
        "channel",
        "count",
        "amount_fen",
        "amount_yuan",
        "duplicates",
        "duplicate_fen",
      ]);
      const sum = await store.db
        .selectFrom("payments")
        .select((eb) => [eb.fn.sum<string>("amount_fen").as("fen"), eb.fn.countAll<string>().as("n")])
        .where("status", "=", "succeeded")
        .executeTakeFirstOrThrow();
      expect(payments.rows.reduce((a, r) => a + Number(r[4]), 0)).toBe(Number(sum.fen));
      expect(payments.rows.reduce((a, r) => a + Number(r[3]), 0)).toBe(Number(sum.n));
      expect(payments.rows.every((r) => r[0] === "2026-11-20")).toBe(true);
      const bank = payments.rows.find((r) => r[1] === "power-trading" && r[2] === "bank-transfer");
      expect(bank?.slice(3, 6)).toEqual(["2", "134000", "1340.00"]);
      const online = await csv("payments", "&programme=procurement");
      expect(online.rows.every((r) => r[1] === "procurement")).toBe(true);

      const refunds = await csv("refunds");
      expect(refunds.header).toEqual([
        "day",
        "programme",
        "channel",
        "cause",
        "count",
        "amount_fen",
        "amount_yuan",
      ]);
      const refunded = await store.db
        .selectFrom("refunds")
        .select((eb) => eb.fn.sum<string>("amount_fen").as("fen"))
        .where("status", "=", "succeeded")
        .executeTakeFirstOrThrow();
      expect(refunds.rows.reduce((a, r) => a + Number(r[5]), 0)).toBe(Number(refunded.fen));
      expect(refunds.rows.map((r) => [r[2], r[3]]).sort()).toEqual([
        ["bank-transfer", "customer-request"],
        ["online", "customer-request"],
        ["online", "duplicate-payment"],
      ]);

      const invoices = await csv("invoices");
      expect(invoices.header).toEqual([
        "day",
        "programme",
        "count",
        "net_fen",
        "tax_fen",
        "total_fen",
        "total_yuan",
      ]);
      for (const r of invoices.rows) expect(Number(r[3]) + Number(r[4])).toBe(Number(r[5]));
      const json = (await finance({ method: "GET", url: `/api/finance/invoices?${q}` })).json<{
        rows: { count: number }[];
      }>();
      expect(json.rows.reduce((a, r) => a + r.count, 0)).toBe(
        Number(
          (
            await store.db
              .selectFrom("invoices")
              .select((eb) => eb.fn.countAll<string>().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      );
      expect((await supplier({ method: "GET", url: `/api/finance/payments?${q}` })).status).toBe(403);
      expect((await admin({ method: "GET", url: `/api/finance/payments?${q}&format=csv` })).status).toBe(200);
    });
  });
}
