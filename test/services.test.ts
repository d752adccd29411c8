/**
 * The services' rules as the desk applies them through the API, on fixed dates: renewal window,
 * refund before acceptance (and the refunded order), unlock auto-approval, one seal per certificate.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, multipart, PDF_BYTES, startTestApp, type Client, type TestApp } from "./support/app.js";
import { testStores } from "./support/stores.js";

type Order = { id: string; state: string; totalFen: number; due: { kind: string; on: string } | null };
type Problem = { code: string; params: Record<string, string | number>; detail: string };

for (const kind of testStores) {
  describe(`services on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    let supplier: Client, reviewer: Client, finance: Client;
    let organisationId: string;

    beforeAll(async () => {
      store = await kind.open();
      // Friday 2026-11-20, 10:00 in Shanghai.
      t = await startTestApp(store, "2026-11-20T02:00:00Z");
      [supplier, reviewer, finance] = await Promise.all([
        t.as(...DEMO.supplierA),
        t.as(...DEMO.reviewer),
        t.as(...DEMO.finance),
      ]);
      organisationId = (
        await store.db
          .selectFrom("organisations")
          .select("id")
          .where("uscc", "=", "91310115591693856A")
          .executeTakeFirstOrThrow()
      ).id;
    });
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    /** A certificate of the supplier's organisation ending at the end of the given Shanghai day. */
    async function certificateEnding(day: string): Promise<string> {
      const id = randomUUID();
      await store.db
        .insertInto("certificates")
        .values({
          id,
          serial: id.replaceAll("-", "").slice(0, 16),
          organisation_id: organisationId,
          programme_id: "procurement",
          subject: "CN=test",
          not_before: new Date("2025-01-01T00:00:00Z"),
          not_after: new Date(`${day}T15:59:59Z`),
          order_id: null,
          activated_at: new Date("2025-01-02T00:00:00Z"),
          revoked_at: null,
          revocation_reason: null,
          created_at: new Date(),
        })
        .execute();
      return id;
    }

    const order = (client: Client, service: string, details: object) =>
      client({
        method: "POST",
        url: "/api/orders",
        payload: { programmeId: "procurement", service, details, submit: true },
      });

    it("renewal opens 90 days before expiry (day 90 inclusive) and says when it opens before that", async () => {
      // 2026-11-20 + 91 days = 2027-02-19; + 90 days = 2027-02-18.
      const early = await order(supplier, "renewal", {
        certificateId: await certificateEnding("2027-02-19"),
        years: 1,
      });
      expect(early.status).toBe(422);
      expect(early.json<Problem>()).toMatchObject({
        code: "rules.renewal.not_yet_open",
        params: { opensOn: "2026-11-21" },
      });
      const inWindow = await order(supplier, "renewal", {
        certificateId: await certificateEnding("2027-02-18"),
        years: 1,
      });
      expect(inWindow.status).toBe(201);
      expect(inWindow.json<Order>()).toMatchObject({ state: "awaiting_payment", totalFen: 20000 });
      const expired = await order(supplier, "renewal", {
        certificateId: await certificateEnding("2026-11-20"),
        years: 1,
      });
      expect(expired.json<Problem>().code).toBe("rules.renewal.expired");
    });

    it("change and reissue only before expiry, keeping the original end", async () => {
      const live = await certificateEnding("2027-06-30");
      const reissue = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "reissue",
          details: { certificateId: live, reason: "钥匙遗失" },
        },
      });
      expect(reissue.status).toBe(201);
      expect(reissue.json<{ details: { validityEnd: string } }>().details.validityEnd).toBe(
        "2027-06-30T15:59:59.000Z",
      );
      const dead = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "change",
          details: { certificateId: await certificateEnding("2026-11-19") },
        },
      });
      expect(dead.json<Problem>().code).toBe("rules.certificate.expired");
    });

    it("a refund before the CA accepted the order goes through; the refunded order ends refunded and the deadline is 15 working days", async () => {
      const draft = (
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
      for (const m of ["application-form", "business-licence", "handler-id-card"]) {
        await supplier({
          method: "POST",
          url: `/api/orders/${draft.id}/materials/${m}`,
          ...multipart("scan.pdf", PDF_BYTES),
        });
      }
      await supplier({ method: "POST", url: `/api/orders/${draft.id}/submit` });
      const pay = (await supplier({ method: "POST", url: `/api/orders/${draft.id}/pay` })).json<{
        tradeNo: string;
      }>();
      await t.gateway.settle(pay.tradeNo, "succeeded", t.clock.now());
      expect(
        (await supplier({ method: "GET", url: `/api/orders/${draft.id}/refund-eligibility` })).json<{
          allowed: boolean;
        }>().allowed,
      ).toBe(true);

      const refund = await order(supplier, "refund", { targetOrderId: draft.id, reason: "项目取消" });
      expect(refund.status, refund.body).toBe(201);
      const refundId = refund.json<Order>().id;
      expect(refund.json<Order>().state).toBe("awaiting_paper");
      // The applicant cannot mark its own refund paid.
      expect((await supplier({ method: "POST", url: `/api/orders/${refundId}/fulfil` })).status).toBe(403);
      await reviewer({ method: "POST", url: `/api/orders/${refundId}/paper-received` });
      const approved = (
        await reviewer({ method: "POST", url: `/api/orders/${refundId}/approve` })
      ).json<Order>();
      // Correct materials on Friday 2026-11-20: 15 working days later is Friday 2026-12-11.
      expect(approved.due).toMatchObject({ kind: "refund-payment", on: "2026-12-11" });
      expect((await reviewer({ method: "POST", url: `/api/orders/${refundId}/fulfil` })).status).toBe(403);
      expect(
        (await finance({ method: "POST", url: `/api/orders/${refundId}/fulfil` })).json<Order>().state,
      ).toBe("completed");
      expect((await supplier({ method: "GET", url: `/api/orders/${draft.id}` })).json<Order>().state).toBe(
        "refunded",
      );
      // Nothing is refunded twice.
      const again = await order(supplier, "refund", { targetOrderId: draft.id });
      expect(again.json<Problem>().code).toBe("rules.refund.already_refunded");
    });

    it("unlock is approved at once for the handler of the organisation's latest order", async () => {
      const certificateId = await certificateEnding("2027-08-01");
      const res = await order(supplier, "unlock", { certificateId });
      expect(res.status).toBe(201);
      expect(res.json<Order>().state).toBe("approved");
      const trail = (
        await supplier({ method: "GET", url: `/api/orders/${res.json<Order>().id}/audit` })
      ).json<{ actor: string; action: string }[]>();
      expect(trail.find((r) => r.action === "order.approve")?.actor).toBe("system:unlock-auto-approval");
    });

    it("unlock by another handler of the organisation waits for review, due in 2 working days", async () => {
      const added = await supplier({
        method: "POST",
        url: "/api/organisation/handlers",
        payload: {
          handlerName: "王芳",
          idNumber: "110105199001011232",
          mobile: "13600136000",
          password: "colleague-1",
        },
      });
      expect(added.status, added.body).toBe(201);
      const colleague = await t.as("13600136000", "colleague-1");
      const certificateId = await certificateEnding("2027-08-02");
      const res = await order(colleague, "unlock", { certificateId });
      expect(res.status, res.body).toBe(201);
      // Requested on Friday 2026-11-20: reviewed by Tuesday 2026-11-24.
      expect(res.json<Order>()).toMatchObject({
        state: "submitted",
        due: { kind: "review", on: "2026-11-24" },
      });
    });

    it("a seal only of an official or contract seal, named after the organisation followed by the type's word", async () => {
      const certificateId = await certificateEnding("2027-09-01");
      const refused = async (sealType: string, sealName: string) => {
        const res = await order(supplier, "seal-apply", { certificateId, sealType, sealName });
        expect(res.status, res.body).toBe(422);
        return res.json<Problem>().code;
      };
      expect(await refused("finance", "上海示例供应链管理有限公司财务专用章")).toBe(
        "rules.seal.type_not_allowed",
      );
      // A 财务专用章 name is not a name change: it is a seal that cannot be electronic.
      expect(await refused("official", "上海示例供应链管理有限公司财务专用章")).toBe(
        "rules.seal.name_type_not_electronic",
      );
      expect(await refused("official", "上海示例供应链管理有限公司合同专用章")).toBe(
        "rules.seal.name_type_mismatch",
      );
      expect(await refused("contract", "上海示例供应链管理有限公司公章")).toBe(
        "rules.seal.name_type_mismatch",
      );
      expect(await refused("official", "上海示例供应链管理有限公司")).toBe(
        "rules.seal.name_missing_type_word",
      );
      expect(await refused("official", "上海另一家公司公章")).toBe(
        "rules.seal.name_change_needs_change_service",
      );
      const mismatch = await order(supplier, "seal-apply", {
        certificateId,
        sealType: "official",
        sealName: "上海示例供应链管理有限公司合同专用章",
      });
      expect(mismatch.json<Problem>().detail).toContain("合同专用章");
      const change = await order(supplier, "seal-change", {
        certificateId,
        sealType: "official",
        sealName: "上海示例供应链管理有限公司公章",
      });
      expect(change.json<Problem>().code).toBe("rules.seal.none_to_change");
      const ok = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "seal-apply",
          details: {
            certificateId,
            sealType: "contract",
            sealName: "上海示例供应链管理有限公司合同专用章",
          },
        },
      });
      expect(ok.status, ok.body).toBe(201);
    });
  });
}
