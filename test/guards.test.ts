/**
 * #19 finding 9, the portal's guards as the API enforces them, on a fixed date (Friday 2026-11-20
 * in Shanghai): a second new certificate beside a valid one needs an acknowledgement; a renewal
 * quote for a certificate outside its window is refused by the rule the order applies; the
 * courier's number of the mailed paper is kept until the paper is recorded received.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anonymous,
  DEMO,
  multipart,
  PDF_BYTES,
  startTestApp,
  type Client,
  type TestApp,
} from "./support/app.js";
import { testStores } from "./support/stores.js";

type Order = {
  id: string;
  state: string;
  paperTracking: { carrier: string; trackingNumber: string; at: string } | null;
};
type Problem = {
  code: string;
  params: Record<string, string | number>;
  detail: string;
  messages: { "zh-CN": string; en: string };
};

for (const kind of testStores) {
  describe(`portal guards on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    let supplier: Client, retailer: Client, reviewer: Client;
    let organisationId: string;

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store, "2026-11-20T02:00:00Z");
      [supplier, retailer, reviewer] = await Promise.all([
        t.as(...DEMO.supplierA),
        t.as(...DEMO.retailerB),
        t.as(...DEMO.reviewer),
      ]);
      organisationId = (
        await store.db
          .selectFrom("organisations")
          .select("id")
          .where("uscc", "=", "91310115591693856A")
          .executeTakeFirstOrThrow()
      ).id;
    }, 300_000);
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    /** A certificate of the supplier's organisation ending at the end of the given Shanghai day. */
    async function certificateEnding(
      day: string,
      status: "active" | "revoked" = "active",
    ): Promise<{ id: string; serial: string }> {
      const id = randomUUID();
      const serial = id.replaceAll("-", "").slice(0, 16).toUpperCase();
      await store.db
        .insertInto("certificates")
        .values({
          id,
          serial,
          organisation_id: organisationId,
          programme_id: "procurement",
          subject: "CN=test",
          not_before: new Date("2025-01-01T00:00:00Z"),
          not_after: new Date(`${day}T15:59:59Z`),
          order_id: null,
          status,
          activated_at: new Date("2025-01-02T00:00:00Z"),
          revoked_at: status === "revoked" ? new Date("2026-01-01T00:00:00Z") : null,
          revocation_reason: status === "revoked" ? "superseded" : null,
          created_at: new Date(),
        })
        .execute();
      return { id, serial };
    }

    const newOrder = (client: Client, extra: object = {}, lang = "zh-CN") =>
      client({
        method: "POST",
        url: "/api/orders",
        headers: { "accept-language": lang },
        payload: { programmeId: "procurement", service: "new", details: { years: 1 }, ...extra },
      });

    it("a new certificate beside a valid one in the programme: 409 naming it, accepted once acknowledged", async () => {
      // Only an expired and a revoked certificate: nothing valid, no question asked.
      await certificateEnding("2026-11-19");
      await certificateEnding("2027-06-30", "revoked");
      const first = await newOrder(supplier);
      expect(first.status, first.body).toBe(201);

      const held = await certificateEnding("2027-08-31");
      const refused = await newOrder(supplier);
      expect(refused.status).toBe(409);
      const problem = refused.json<Problem>();
      expect(problem.code).toBe("rules.new.valid_certificate_held");
      expect(problem.params).toMatchObject({ serial: held.serial, notAfter: "2027-08-31", count: 1 });
      expect(problem.messages["zh-CN"]).toContain(held.serial);
      expect(problem.messages["zh-CN"]).toContain("更新续期");
      expect(problem.messages.en).toContain("valid until 2027-08-31");
      expect(problem.messages.en).toContain("renew");

      const acknowledged = await newOrder(supplier, { acknowledgeExistingCertificate: true });
      expect(acknowledged.status, acknowledged.body).toBe(201);
      // Another organisation's certificates are not the retailer's concern.
      const other = await retailer({
        method: "POST",
        url: "/api/orders",
        payload: { programmeId: "power-trading", service: "new", details: { years: 3, plan: "basic" } },
      });
      expect(other.status, other.body).toBe(201);
    });

    it("a renewal quote for a certificate outside its window is refused with the day it opens; inside, priced", async () => {
      // 2026-11-20 + 91 days = 2027-02-19: not yet; + 90 = 2027-02-18: open.
      const early = await certificateEnding("2027-02-19");
      const quote = (client: Client, certificateId?: string) =>
        client({
          method: "POST",
          url: "/api/quote",
          headers: { "accept-language": "zh-CN" },
          payload: { programmeId: "procurement", service: "renewal", years: 1, certificateId },
        });
      const refused = await quote(supplier, early.id);
      expect(refused.status).toBe(422);
      expect(refused.json<Problem>()).toMatchObject({
        code: "rules.renewal.not_yet_open",
        params: { notAfter: "2027-02-19", opensOn: "2026-11-21", windowDays: 90 },
      });
      expect(refused.json<Problem>().detail).toContain("2026-11-21");

      const open = await certificateEnding("2027-02-18");
      const priced = await quote(supplier, open.id);
      expect(priced.status, priced.body).toBe(200);
      expect(priced.json<{ total: number }>().total).toBe(20000);

      // The order applies the same rule.
      const order = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "renewal",
          details: { certificateId: early.id, years: 1 },
        },
      });
      expect(order.status).toBe(422);
      expect(order.json<Problem>().code).toBe("rules.renewal.not_yet_open");

      // An expired one is sent to a new application; without a certificate the price list answers.
      const expired = await quote(supplier, (await certificateEnding("2026-11-20")).id);
      expect(expired.json<Problem>().code).toBe("rules.renewal.expired");
      expect((await quote(supplier)).status).toBe(200);
      // A certificate is the signed-in organisation's own: nobody else quotes on it.
      expect((await quote(await anonymous(t), early.id)).status).toBe(401);
      expect((await quote(retailer, early.id)).json<Problem>().code).toBe("order.certificate_not_found");
    });

    it("the courier's number of the mailed paper: validated, corrected until the paper is received, audited, seen by the reviewer", async () => {
      const draft = (await newOrder(supplier, { acknowledgeExistingCertificate: true })).json<Order>();
      const put = (client: Client, carrier: string, trackingNumber: string, lang = "zh-CN") =>
        client({
          method: "PUT",
          url: `/api/orders/${draft.id}/paper-tracking`,
          headers: { "accept-language": lang },
          payload: { carrier, trackingNumber },
        });

      const bad = await put(supplier, "顺丰速运", "SF12");
      expect(bad.status).toBe(422);
      expect(bad.json<Problem>()).toMatchObject({
        code: "validation.courier.tracking.format",
        params: { field: "trackingNumber" },
      });
      expect(bad.json<Problem>().messages["zh-CN"]).toContain("8 至 30 位");
      expect(bad.json<Problem>().messages.en).toContain("8 to 30 letters or digits");
      expect((await put(supplier, "顺丰速运", "SF1234567890!!")).status).toBe(422);
      expect((await put(supplier, "  ", "SF1234567890123")).json<Problem>().code).toBe(
        "validation.courier.carrier_name",
      );

      const given = await put(supplier, "顺丰速运", "sf 1234 5678 9012 3");
      expect(given.status, given.body).toBe(200);
      expect(given.json<Order>().paperTracking).toMatchObject({
        carrier: "顺丰速运",
        trackingNumber: "SF1234567890123",
      });
      const corrected = await put(supplier, "EMS", "EA123456785CN");
      expect(corrected.json<Order>().paperTracking).toMatchObject({
        carrier: "EMS",
        trackingNumber: "EA123456785CN",
      });
      // Staff do not type it for the applicant; another organisation cannot see the order.
      expect((await put(reviewer, "EMS", "EA123456785CN")).status).toBe(403);
      expect((await put(retailer, "EMS", "EA123456785CN")).status).toBe(404);

      // Through payment and review to awaiting_paper; the reviewer sees the number there.
      for (const m of ["application-form", "business-licence", "handler-id-card"]) {
        const up = await supplier({
          method: "POST",
          url: `/api/orders/${draft.id}/materials/${m}`,
          ...multipart("scan.pdf", PDF_BYTES),
        });
        expect(up.status).toBe(201);
      }
      await supplier({ method: "POST", url: `/api/orders/${draft.id}/submit` });
      const pay = (await supplier({ method: "POST", url: `/api/orders/${draft.id}/pay` })).json<{
        tradeNo: string;
      }>();
      await t.gateway.settle(pay.tradeNo, "succeeded", t.clock.now());
      const approved = await reviewer({ method: "POST", url: `/api/orders/${draft.id}/approve` });
      expect(approved.json<Order>().state).toBe("awaiting_paper");
      const office = await reviewer({ method: "GET", url: `/api/office/orders/${draft.id}` });
      expect(office.json<Order>().paperTracking).toMatchObject({ trackingNumber: "EA123456785CN" });
      expect((await put(supplier, "EMS", "1234567890123")).status).toBe(200);

      await reviewer({ method: "POST", url: `/api/orders/${draft.id}/paper-received` });
      const late = await put(supplier, "EMS", "9999999999999", "en");
      expect(late.status).toBe(409);
      expect(late.json<Problem>().code).toBe("order.paper_already_received");
      const kept = (await supplier({ method: "GET", url: `/api/orders/${draft.id}` })).json<Order>();
      expect(kept.paperTracking).toMatchObject({ carrier: "EMS", trackingNumber: "1234567890123" });

      const trail = (await supplier({ method: "GET", url: `/api/orders/${draft.id}/audit` })).json<
        { action: string; data: Record<string, unknown> }[]
      >();
      expect(trail.filter((r) => r.action === "order.paper_tracking").map((r) => r.data)).toEqual([
        { carrier: "顺丰速运", trackingNumber: "SF1234567890123" },
        { carrier: "EMS", trackingNumber: "EA123456785CN", previous: "SF1234567890123" },
        { carrier: "EMS", trackingNumber: "1234567890123", previous: "EA123456785CN" },
      ]);
    });

    it("an order with no paper step takes no courier's number", async () => {
      const cert = await certificateEnding("2027-01-31");
      const renewal = (
        await supplier({
          method: "POST",
          url: "/api/orders",
          payload: {
            programmeId: "procurement",
            service: "renewal",
            details: { certificateId: cert.id, years: 1 },
          },
        })
      ).json<Order>();
      const res = await supplier({
        method: "PUT",
        url: `/api/orders/${renewal.id}/paper-tracking`,
        payload: { carrier: "EMS", trackingNumber: "1234567890123" },
      });
      expect(res.status).toBe(422);
      expect(res.json<Problem>().code).toBe("order.paper_not_needed");
    });
  });
}
