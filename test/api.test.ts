/**
 * The foundation through its API only, as a new user would, on every test store: quotes, a
 * programme A application that is paid, rejected, resubmitted and approved, programme B's
 * review-before-payment flow, access rules, bindings under concurrency and the audit chain.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { buildCsr } from "../src/pki/csr.js";
import { pemEncode } from "../src/pki/pem.js";
import { generateSoftwareKey } from "../src/pki/signer.js";
import { caChain } from "../src/ca/certificate-signing.js";
import { verifyAuditChain } from "../src/store/audit.js";
import {
  anonymous,
  DEMO,
  multipart,
  PDF_BYTES,
  PNG_BYTES,
  startTestApp,
  type Client,
  type TestApp,
} from "./support/app.js";
import { opensslVerifiesChain } from "./support/chain.js";
import { activationProof, capturedKeyCodes } from "./support/production.js";
import { testStores } from "./support/stores.js";

type Order = {
  id: string;
  number: string;
  state: string;
  totalFen: number;
  rejection: { reason: string; items: { target: string; reason: string }[] } | null;
  due: { kind: string; on: string } | null;
};

for (const kind of testStores) {
  describe(`API on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    const keyCodes = capturedKeyCodes();
    let supplier: Client,
      retailer: Client,
      reviewer: Client,
      production: Client,
      finance: Client,
      admin: Client,
      anon: Client;

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store, undefined, { keys: keyCodes.keys });
      [supplier, retailer, reviewer, production, finance, admin] = await Promise.all([
        t.as(...DEMO.supplierA),
        t.as(...DEMO.retailerB),
        t.as(...DEMO.reviewer),
        t.as(...DEMO.production),
        t.as(...DEMO.finance),
        t.as(...DEMO.admin),
      ]);
      anon = await anonymous(t);
    });
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    const upload = (
      client: Client,
      orderId: string,
      material: string,
      bytes = PDF_BYTES,
      name = "scan.pdf",
    ) =>
      client({
        method: "POST",
        url: `/api/orders/${orderId}/materials/${material}`,
        ...multipart(name, bytes),
      });

    it("quotes programme B: 2 keys for 3 years cost 700.00 basic and 1200.00 all-inclusive; a PIN reset 50.00 basic, 0.00 all-inclusive", async () => {
      const q = async (body: object) =>
        (
          await anon({
            method: "POST",
            url: "/api/quote",
            payload: { programmeId: "power-trading", ...body },
          })
        ).json<{ total: number }>().total;
      expect(await q({ service: "new", years: 3, keys: 2, plan: "basic" })).toBe(70000);
      expect(await q({ service: "new", years: 3, keys: 2, plan: "all-inclusive" })).toBe(120000);
      expect(await q({ service: "pin-reset", coveredByPlan: "basic" })).toBe(5000);
      expect(await q({ service: "pin-reset", coveredByPlan: "all-inclusive" })).toBe(0);
    });

    it("an oversize scan is refused naming the configured limit (最大 2 MB), which the browser can read first", async () => {
      const limits = (await anon({ method: "GET", url: "/api/uploads/limits" })).json<{ maxMb: number }>();
      expect(limits).toEqual({ maxBytes: 2 * 1024 * 1024, maxMb: 2 });
      const created = (
        await supplier({
          method: "POST",
          url: "/api/orders",
          payload: {
            programmeId: "procurement",
            service: "new",
            acknowledgeExistingCertificate: true,
            details: { years: 1 },
          },
        })
      ).json<Order>();
      const big = Buffer.concat([PDF_BYTES, Buffer.alloc(limits.maxMb * 1048576)]);
      const refused = await supplier({
        method: "POST",
        url: `/api/orders/${created.id}/materials/application-form`,
        ...multipart("big.pdf", big),
      });
      expect(refused.status).toBe(413);
      const problem = refused.json<{ code: string; detail: string; messages: Record<string, string> }>();
      expect(problem.code).toBe("material.too_large");
      expect(problem.messages["zh-CN"]).toBe("文件过大（最大 2 MB）");
      expect(problem.messages.en).toBe("The file is too large (at most 2 MB)");
    });

    it("refuses a bad quote in the caller's language with a stable code", async () => {
      const res = await anon({
        method: "POST",
        url: "/api/quote",
        headers: { "accept-language": "en" },
        payload: { programmeId: "procurement", service: "new", years: 6 },
      });
      expect(res.status).toBe(422);
      const problem = res.json<{ code: string; detail: string; messages: Record<string, string> }>();
      expect(problem.code).toBe("tariff.years_not_offered");
      expect(problem.detail).toMatch(/6-year/);
      expect(problem.messages["zh-CN"]).toMatch(/6 年/);
    });

    it("programme A: a supplier applies for 3 years (600.00), pays online, is rejected with a reason, resubmits and is approved", async () => {
      const created = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "new",
          acknowledgeExistingCertificate: true,
          details: { years: 3, platformAccount: "supplier-0001" },
        },
      });
      expect(created.status).toBe(201);
      const order = created.json<Order>();
      expect(order.totalFen).toBe(60000);
      expect(order.state).toBe("draft");

      // Submitting without the scans is refused, naming what is missing.
      const early = await supplier({ method: "POST", url: `/api/orders/${order.id}/submit` });
      expect(early.json<{ code: string }>().code).toBe("order.materials_missing");

      // A file is judged by its content, not its name.
      const fake = await upload(
        supplier,
        order.id,
        "application-form",
        Buffer.from("MZ not a pdf"),
        "form.pdf",
      );
      expect(fake.status).toBe(422);
      expect(fake.json<{ code: string }>().code).toBe("material.type_refused");
      for (const m of ["application-form", "business-licence"])
        expect((await upload(supplier, order.id, m)).status).toBe(201);
      expect((await upload(supplier, order.id, "handler-id-card", PNG_BYTES, "id.png")).status).toBe(201);

      const submitted = (
        await supplier({ method: "POST", url: `/api/orders/${order.id}/submit` })
      ).json<Order>();
      expect(submitted.state).toBe("awaiting_payment");
      expect((submitted as Order & { pendingStep: string }).pendingStep).toBe("payment");

      // Review before payment is refused: programme A pays first.
      const tooSoon = await reviewer({ method: "POST", url: `/api/orders/${order.id}/approve` });
      expect(tooSoon.status).toBe(409);
      expect(tooSoon.json<{ code: string }>().code).toBe("order.illegal_transition");

      const pay = (await supplier({ method: "POST", url: `/api/orders/${order.id}/pay` })).json<{
        tradeNo: string;
        payUrl: string;
      }>();
      expect(pay.payUrl).toContain("/dev-gateway/pay/");
      await t.gateway.settle(pay.tradeNo, "succeeded", t.clock.now());
      // The gateway repeats its callback; the order is paid once.
      await t.gateway.settle(pay.tradeNo, "succeeded", t.clock.now());
      expect((await supplier({ method: "GET", url: `/api/orders/${order.id}` })).json<Order>().state).toBe(
        "paid",
      );
      const payments = await store.db
        .selectFrom("payments")
        .selectAll()
        .where("order_id", "=", order.id)
        .execute();
      expect(payments.filter((p) => p.status === "succeeded")).toHaveLength(1);
      expect(payments[0]!.amount_fen).toBe(60000n);

      // A forged callback is refused.
      const forged = await anon({
        method: "POST",
        url: "/api/payments/callback/dev",
        headers: { "content-type": "application/json", "x-gateway-signature": "0".repeat(64) },
        payload: JSON.stringify({
          tradeNo: pay.tradeNo,
          status: "succeeded",
          amountFen: 1,
          paidAt: new Date().toISOString(),
          gatewayRef: "x",
        }),
      });
      expect(forged.status).toBe(401);

      // An applicant cannot review its own order.
      expect((await supplier({ method: "POST", url: `/api/orders/${order.id}/approve` })).status).toBe(403);

      const rejected = await reviewer({
        method: "POST",
        url: `/api/orders/${order.id}/reject`,
        payload: {
          reason: "申请表未加盖公章",
          items: [{ target: "application-form", reason: "缺少单位实物公章" }],
        },
      });
      expect(rejected.json<Order>().state).toBe("rejected");
      const seen = (await supplier({ method: "GET", url: `/api/orders/${order.id}` })).json<Order>();
      expect(seen.rejection?.items).toEqual([{ target: "application-form", reason: "缺少单位实物公章" }]);

      // Finding 2: the same scan cannot go back unchanged; the refusal names what to upload again.
      const unchanged = await supplier({
        method: "POST",
        url: `/api/orders/${order.id}/resubmit`,
        headers: { "accept-language": "zh-CN" },
      });
      expect(unchanged.status).toBe(409);
      const refusal = unchanged.json<{ code: string; detail: string }>();
      expect(refusal.code).toBe("order.rejected_materials_not_replaced");
      expect(refusal.detail).toContain("机构数字证书申请表");
      // Another material's new scan is not the rejected one's.
      expect((await upload(supplier, order.id, "business-licence")).status).toBe(201);
      expect((await supplier({ method: "POST", url: `/api/orders/${order.id}/resubmit` })).status).toBe(409);

      expect((await upload(supplier, order.id, "application-form")).status).toBe(201);
      const resubmitted = (
        await supplier({ method: "POST", url: `/api/orders/${order.id}/resubmit` })
      ).json<Order>();
      expect(resubmitted.state).toBe("resubmitted");
      expect(resubmitted.rejection).toBeNull();

      const approved = (
        await reviewer({ method: "POST", url: `/api/orders/${order.id}/approve` })
      ).json<Order>();
      expect(approved.state).toBe("awaiting_paper");

      const trail = (await supplier({ method: "GET", url: `/api/orders/${order.id}/audit` })).json<
        { action: string; toState: string | null; reason: string | null }[]
      >();
      expect(trail.filter((r) => r.toState).map((r) => r.toState)).toEqual([
        "draft",
        "awaiting_payment",
        "paid",
        "rejected",
        "resubmitted",
        "awaiting_paper",
      ]);
      expect(trail.find((r) => r.action === "order.reject")?.reason).toBe("申请表未加盖公章");
    });

    it("programme A, continued: paper received, key made, shipped, delivered, activated and bound completes the order", async () => {
      const [order] = (await supplier({ method: "GET", url: "/api/orders?state=awaiting_paper" })).json<
        Order[]
      >();
      expect(order).toBeDefined();
      const id = order!.id;
      expect(
        (await reviewer({ method: "POST", url: `/api/orders/${id}/paper-received` })).json<Order>().state,
      ).toBe("paper_received");
      // The key is made on the token; production sends its request. The requested subject is
      // ignored: the CA names the organisation on file.
      const key = generateSoftwareKey("sm2");
      const csr = pemEncode(
        "CERTIFICATE REQUEST",
        await buildCsr({ subject: { CN: "whoever I say I am" }, signer: key.signer }),
      );
      const produced = await production({
        method: "POST",
        url: `/api/orders/${id}/production/finish`,
        payload: { keys: [{ csr, keySerial: "UK0000000001" }] },
      });
      expect(produced.status, produced.body).toBe(200);
      expect(produced.json<Order>().state).toBe("produced");
      const cert = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("order_id", "=", id)
        .executeTakeFirstOrThrow();
      expect(cert).toMatchObject({ profile: "organisation-signing", key_algorithm: "sm2", status: "issued" });
      expect(cert.subject).toContain("CN=上海示例供应链管理有限公司");
      // Three years from Friday 2026-11-20 run through 2029-11-19, to the end of that day in Shanghai.
      expect(cert.not_after.toISOString()).toBe("2029-11-19T15:59:59.000Z");
      const chain = [cert.der!, ...(await caChain(store.db, cert.ca_id!))];
      const verdict = opensslVerifiesChain(chain, "sm2", t.clock.now());
      expect(verdict.ok, verdict.output).toBe(true);
      const badWaybill = await production({
        method: "POST",
        url: `/api/orders/${id}/ship`,
        payload: { carrier: "SF", trackingNumber: "12AB" },
      });
      expect(badWaybill.json<{ code: string }>().code).toBe("validation.courier.sf.format");
      expect(
        (
          await production({
            method: "POST",
            url: `/api/orders/${id}/ship`,
            payload: { carrier: "SF", trackingNumber: "SF1234567890123" },
          })
        ).json<Order>().state,
      ).toBe("shipped");
      expect(
        (
          await production({
            method: "POST",
            url: `/api/orders/${id}/deliver`,
            payload: { signedOn: "2026-11-20" },
          })
        ).json<Order>().state,
      ).toBe("delivered");
      const certificateId = (await supplier({ method: "GET", url: `/api/orders/${id}` })).json<{
        certificateId: string;
      }>().certificateId;
      // Activation needs the holder's proof: the code the shipping sent, signed by the key.
      const code = keyCodes.codes.find((c) => c.orderId === id && c.template === "activation-code");
      expect(code).toBeDefined();
      expect(
        (await supplier({ method: "POST", url: `/api/certificates/${certificateId}/activate`, payload: {} }))
          .status,
      ).toBe(400);
      const proof = await activationProof(key.signer, { certificateSerial: cert.serial, code: code!.code });
      const activated = await supplier({
        method: "POST",
        url: `/api/certificates/${certificateId}/activate`,
        payload: proof,
      });
      expect(activated.status, activated.body).toBe(200);
      expect((await supplier({ method: "GET", url: `/api/orders/${id}` })).json<Order>().state).toBe(
        "activated",
      );
      expect(
        (
          await supplier({
            method: "POST",
            url: `/api/certificates/${certificateId}/bind`,
            payload: { programmeId: "procurement", accountName: "supplier-0001" },
          })
        ).status,
      ).toBe(200);
      const done = (await supplier({ method: "GET", url: `/api/orders/${id}` })).json<Order>();
      expect(done.state).toBe("completed");
      // Completed on Friday 2026-11-20: the e-invoice is due two working days later, Tuesday 2026-11-24.
      expect(done.due).toMatchObject({ kind: "invoice", on: "2026-11-24" });
      // An activated key is never refundable.
      const refund = (await supplier({ method: "GET", url: `/api/orders/${id}/refund-eligibility` })).json<{
        allowed: boolean;
        code: string;
      }>();
      expect(refund).toMatchObject({ allowed: false, code: "rules.refund.activated" });
    });

    it("programme B: the agent reviews before payment; finance confirms the transfer; production is due in 3 working days", async () => {
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
      expect(order.totalFen).toBe(120000);
      await upload(retailer, order.id, "enterprise-application-form");
      await upload(retailer, order.id, "authorisation-letter");
      expect(
        (await retailer({ method: "POST", url: `/api/orders/${order.id}/submit` })).json<Order>().state,
      ).toBe("submitted");
      expect(
        (await reviewer({ method: "POST", url: `/api/orders/${order.id}/approve` })).json<Order>().state,
      ).toBe("awaiting_payment");
      const wrong = await finance({
        method: "POST",
        url: `/api/orders/${order.id}/payments/bank-transfer`,
        payload: { reference: "TRF0001", amountFen: 70000 },
      });
      expect(wrong.json<{ code: string }>().code).toBe("payment.amount_mismatch");
      expect(
        (
          await finance({
            method: "POST",
            url: `/api/orders/${order.id}/payments/bank-transfer`,
            payload: { reference: "TRF0001", amountFen: 120000 },
          })
        ).json<{ outcome: string }>().outcome,
      ).toBe("paid");
      const paid = (await retailer({ method: "GET", url: `/api/orders/${order.id}` })).json<Order>();
      expect(paid.state).toBe("paid");
      // Paid on Friday 2026-11-20: three working days later is Wednesday 2026-11-25.
      expect(paid.due).toMatchObject({ kind: "production", on: "2026-11-25" });
    });

    it("an applicant sees only its own organisation's orders", async () => {
      const mine = (await supplier({ method: "GET", url: "/api/orders" })).json<Order[]>();
      const theirs = (await retailer({ method: "GET", url: "/api/orders" })).json<Order[]>();
      expect(mine.length).toBeGreaterThan(0);
      expect(theirs.length).toBeGreaterThan(0);
      const other = theirs[0]!.id;
      expect(mine.some((o) => o.id === other)).toBe(false);
      expect((await supplier({ method: "GET", url: `/api/orders/${other}` })).status).toBe(404);
      expect((await anon({ method: "GET", url: "/api/orders" })).status).toBe(401);
    });

    it("an order created twice with one Idempotency-Key exists once", async () => {
      const send = () =>
        supplier({
          method: "POST",
          url: "/api/orders",
          headers: { "idempotency-key": "retry-key-0001" },
          payload: {
            programmeId: "procurement",
            service: "new",
            acknowledgeExistingCertificate: true,
            details: { years: 1 },
          },
        });
      const [a, b] = await Promise.all([send(), send()]);
      expect(a.json<Order>().id).toBe(b.json<Order>().id);
      const rows = await store.db
        .selectFrom("orders")
        .select("id")
        .where("idempotency_key", "=", "retry-key-0001")
        .execute();
      expect(rows).toHaveLength(1);
    });

    it("two concurrent bindings of one account to two certificates: exactly one wins", async () => {
      const org = await store.db
        .selectFrom("organisations")
        .select("id")
        .where("uscc", "=", "91310115591693856A")
        .executeTakeFirstOrThrow();
      const certs = ["aa01", "aa02"].map((serial, i) => ({
        id: `00000000-0000-4000-8000-00000000000${i + 1}`,
        serial,
        organisation_id: org.id,
        programme_id: "procurement",
        subject: "CN=test",
        not_before: new Date("2026-01-01"),
        not_after: new Date("2027-01-01"),
        order_id: null,
        activated_at: null,
        revoked_at: null,
        revocation_reason: null,
        created_at: new Date(),
      }));
      await store.db.insertInto("certificates").values(certs).execute();
      const results = await Promise.all(
        certs.map((c) =>
          supplier({
            method: "POST",
            url: `/api/certificates/${c.id}/bind`,
            payload: { programmeId: "procurement", accountName: "race-account" },
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const live = await store.db
        .selectFrom("bindings")
        .selectAll()
        .where("unbound_at", "is", null)
        .execute();
      expect(live.filter((b) => certs.some((c) => c.id === b.certificate_id))).toHaveLength(1);
    });

    it("reads 64-bit integers back exactly", async () => {
      const { rows } = await sql<{
        big: bigint;
        seq: bigint;
      }>`select 9223372036854775807::int8 as big, (select max(seq) from audit_log) as seq`.execute(store.db);
      expect(rows[0]!.big).toBe(9223372036854775807n);
      expect(typeof rows[0]!.seq).toBe("bigint");
    });

    it("throttles repeated failed logins", async () => {
      for (let i = 0; i < 5; i++)
        expect(
          (
            await anon({
              method: "POST",
              url: "/api/auth/login",
              payload: { login: "finance", password: "wrong-password-1" },
            })
          ).status,
        ).toBe(401);
      const blocked = await anon({
        method: "POST",
        url: "/api/auth/login",
        payload: { login: "finance", password: "finance-demo-1" },
      });
      expect(blocked.status).toBe(429);
      expect(blocked.json<{ code: string }>().code).toBe("auth.throttled");
    });

    it("the audit chain verifies, and an edited row is detected", async () => {
      expect((await admin({ method: "GET", url: "/api/audit/verify" })).json<{ ok: boolean }>().ok).toBe(
        true,
      );
      expect((await supplier({ method: "GET", url: "/api/audit/verify" })).status).toBe(403);
      await sql`update audit_log set reason = 'edited' where seq = 3`.execute(store.db);
      expect(await verifyAuditChain(store.db)).toMatchObject({ ok: false, seq: "3", problem: "hash" });
    });
  });
}

describe("API surface", () => {
  it("serves its OpenAPI description at /docs", async () => {
    const kind = testStores[0]!;
    const store = await kind.open();
    const t = await startTestApp(store);
    try {
      const doc = (await t.app.inject({ method: "GET", url: "/docs/json" })).json<{
        openapi: string;
        paths: Record<string, unknown>;
      }>();
      expect(doc.openapi).toMatch(/^3\./);
      for (const path of ["/api/orders", "/api/quote", "/api/orders/{id}/reject", "/api/auth/login"])
        expect(doc.paths).toHaveProperty([path]);
      // Development gateway pages stay out of the public description.
      expect(Object.keys(doc.paths).some((p) => p.startsWith("/dev-gateway"))).toBe(false);
    } finally {
      await t.close();
      await store.dispose();
    }
  });

  it("lets an admin load a new year's calendar and staff register an organisation whose credit code fails its check", async () => {
    const store = await testStores[0]!.open();
    const t = await startTestApp(store);
    try {
      const admin = await t.as(...DEMO.admin);
      const reviewer = await t.as(...DEMO.reviewer);
      const before = (
        await admin({ method: "GET", url: "/api/calendar/is-working-day?date=2027-01-04" })
      ).json<{ code: string }>();
      expect(before.code).toBe("calendar.year_unknown");
      const year = { year: 2027, holidays: ["2027-01-01", "2027-01-02", "2027-01-03"], workdays: [] };
      expect((await reviewer({ method: "POST", url: "/api/calendar/years", payload: year })).status).toBe(
        403,
      );
      expect((await admin({ method: "POST", url: "/api/calendar/years", payload: year })).status).toBe(200);
      expect(
        (await admin({ method: "GET", url: "/api/calendar/is-working-day?date=2027-01-04" })).json<{
          workingDay: boolean;
        }>().workingDay,
      ).toBe(true);

      const signUp = await t.app.inject({
        method: "POST",
        url: "/api/auth/sign-up",
        payload: {
          organisationName: "厦门示例早期企业",
          uscc: "91350211M00013FA1N",
          handlerName: "陈静",
          idNumber: "11010519491231002X",
          mobile: "13700137000",
          password: "early-code-1",
        },
      });
      expect(signUp.json<{ code: string }>().code).toBe("validation.uscc.check_digit");
      const noReason = await reviewer({
        method: "POST",
        url: "/api/staff/organisations",
        payload: { name: "厦门示例早期企业", uscc: "91350211M00013FA1N", reason: " " },
      });
      expect(noReason.json<{ code: string }>().code).toBe("auth.override_reason_required");
      const overridden = await reviewer({
        method: "POST",
        url: "/api/staff/organisations",
        payload: {
          name: "厦门示例早期企业",
          uscc: "91350211M00013FA1N",
          reason: "早期赋码，营业执照原件核对无误",
        },
      });
      expect(overridden.status).toBe(201);
      const row = await store.db
        .selectFrom("organisations")
        .selectAll()
        .where("uscc", "=", "91350211M00013FA1N")
        .executeTakeFirstOrThrow();
      expect(row.uscc_override_reason).toBe("早期赋码，营业执照原件核对无误");
    } finally {
      await t.close();
      await store.dispose();
    }
  });
});
