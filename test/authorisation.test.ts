/**
 * Authorisation by action (src/people/authorisation.ts): what a kind of actor may do at all,
 * checked on real objects of the demo data. Visibility (an organisation touches only its own)
 * stays with the services and is checked here too, so the two are not confused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/people/actor.js";
import { ACTIONS, type Action } from "../src/people/authorisation.js";
import { activateCertificate, finishProduction } from "../src/orders/fulfilment.js";
import { DEMO, startTestApp, type Client, type TestApp } from "./support/app.js";
import { applicantActor, keyWithCsr, orderAtProduction, staffActor, USCC_A } from "./support/production.js";
import { testStores } from "./support/stores.js";

type Store = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;
type Problem = { code: string };

for (const kind of testStores) {
  describe(`authorisation of domain actions on ${kind.name}`, () => {
    let store: Store;
    let t: TestApp;
    let production: Actor;
    let as: Record<keyof typeof DEMO, Client>;

    beforeAll(async () => {
      store = await kind.open();
      // With the key services, so the certificate's activation route (routes/keys.ts) is served.
      t = await startTestApp(store, "2026-11-20T02:00:00Z", {
        keys: { secretKey: "test-secret-key-for-usb-keys-0000000000000", codes: { queue: async () => {} } },
      });
      production = await staffActor(store.db, "production");
      const who = Object.keys(DEMO) as (keyof typeof DEMO)[];
      const clients = await Promise.all(who.map((w) => t.as(DEMO[w][0], DEMO[w][1])));
      as = Object.fromEntries(who.map((w, i) => [w, clients[i]!])) as typeof as;
    });
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    /** A certificate issued to organisation A for a new programme A order. */
    async function issuedToA(): Promise<string> {
      const orderId = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "new",
        uscc: USCC_A,
        details: { years: 1 },
      });
      const done = await finishProduction(t.deps, production, orderId, [
        { csr: (await keyWithCsr("sm2")).csr },
      ]);
      return done.certificates[0]!.id;
    }

    it("binding a platform account is the organisation's own act: no staff role may bind a customer's certificate", async () => {
      const certificateId = await issuedToA();
      const bind = (client: Client, accountName: string) =>
        client({
          method: "POST",
          url: `/api/certificates/${certificateId}/bind`,
          payload: { programmeId: "procurement", accountName },
        });
      // Activated as the holder's security client would (the proof itself: test/activation.test.ts).
      await activateCertificate(t.deps, await applicantActor(store.db, USCC_A), certificateId);
      for (const staff of ["finance", "reviewer", "production", "admin"] as const) {
        const res = await bind(as[staff], `staff-${staff}-0001`);
        expect(res.status, `${staff}: ${res.body}`).toBe(403);
        expect(res.json<Problem>().code).toBe("auth.forbidden");
      }
      // Another organisation may bind certificates, but not this one: it does not see it.
      const other = await bind(as.retailerB, "retailer-0001");
      expect(other.status, other.body).toBe(404);
      const anonymous = await t.app.inject({
        method: "POST",
        url: `/api/certificates/${certificateId}/bind`,
        payload: { programmeId: "procurement", accountName: "nobody-0001" },
      });
      expect(anonymous.statusCode).toBe(401);
      // Nothing was bound by the refused calls: the owner's own bind is the first.
      const own = await bind(as.supplierA, "supplier-0001");
      expect(own.status, own.body).toBe(200);
      const bindings = await store.db
        .selectFrom("bindings")
        .select("id")
        .where("certificate_id", "=", certificateId)
        .execute();
      expect(bindings).toHaveLength(1);
    });

    it("activating a certificate is the organisation's act (in its security client), not staff's", async () => {
      const certificateId = await issuedToA();
      for (const staff of ["finance", "reviewer", "production", "admin"] as const) {
        const res = await as[staff]({
          method: "POST",
          url: `/api/certificates/${certificateId}/activate`,
          payload: { code: "12345678", signature: "AAAA" },
        });
        expect(res.status, `${staff}: ${res.body}`).toBe(403);
      }
      const row = await store.db
        .selectFrom("certificates")
        .select("activated_at")
        .where("id", "=", certificateId)
        .executeTakeFirstOrThrow();
      expect(row.activated_at).toBeNull();
    });
  });
}

/** The domain's decisions, as DOMAIN.md and the order lifecycle (EVENT_DOERS) have them. */
describe("the authorisation table keeps the domain's decisions", () => {
  const decisions: [Action, string[]][] = [
    ["certificate.bind", ["organisation"]],
    ["certificate.activate", ["organisation"]],
    ["key.activate", ["organisation"]],
    ["order.create", ["organisation"]],
    ["order.submit", ["organisation"]],
    ["order.pay", ["organisation"]],
    ["order.cancel", ["organisation", "reviewer", "admin"]],
    ["order.review", ["reviewer", "admin"]],
    ["order.produce", ["production", "admin"]],
    ["order.ship", ["production", "admin"]],
    ["payment.transfer.confirm", ["finance", "admin"]],
    ["refund.pay", ["finance", "admin"]],
    ["certificate.revoke", ["reviewer", "admin"]],
    ["ca.issue", ["admin"]],
    ["platform.manage", ["admin"]],
    ["platform.bind", ["platform"]],
  ];
  it.each(decisions)("%s: %j", (action, who) => {
    expect([...ACTIONS[action]].sort()).toEqual([...who].sort());
  });
});
