/**
 * Programme B's basket, on every test store: one order of keys on different plans and terms is
 * quoted and created as one order (2 all-inclusive + 1 basic, 3 years = 1550.00 by DOMAIN.md's
 * tariff), production makes each key with its own plan and term, and a single service on several
 * of those keys charges only the keys their plan does not cover. Programme A's one-certificate
 * order is unchanged.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/people/actor.js";
import { createBatch, type KeyProductionDeps } from "../src/keys/production.js";
import { runBatch } from "../src/keys/production-run.js";
import { softwareStation } from "../src/token/station.js";
import { DEMO, anonymous, startTestApp, type Client, type TestApp } from "./support/app.js";
import { orderAtProduction, staffActor, USCC_B } from "./support/production.js";
import { testStores } from "./support/stores.js";

type Store = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;
type OrderBody = {
  id: string;
  totalFen: number;
  details: Record<string, unknown>;
  quote: { total: number; items: { code: string; quantity: number; amount: number }[] };
  certificateId: string | null;
};

const MIXED = [
  { plan: "all-inclusive", years: 3, keys: 2 },
  { plan: "basic", years: 3, keys: 1 },
];

for (const kind of testStores) {
  describe(`programme B basket on ${kind.name}`, () => {
    let store: Store;
    let t: TestApp;
    let retailer: Client;
    let supplier: Client;
    let deps: KeyProductionDeps;
    let producer: Actor;
    const folder = mkdtempSync(join(tmpdir(), "certdesk-basket-"));

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
      retailer = await t.as(...DEMO.retailerB);
      supplier = await t.as(...DEMO.supplierA);
      deps = { ...t.deps, keys: { secretKey: "test-secret-key-for-usb-keys-000000000000" } };
      producer = await staffActor(store.db, "production");
    }, 300_000);
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
      rmSync(folder, { recursive: true, force: true });
    });

    it("quotes 2 all-inclusive + 1 basic for 3 years as 1550.00 and orders them as one order", async () => {
      const quoted = await (
        await anonymous(t)
      )({
        method: "POST",
        url: "/api/quote",
        payload: { programmeId: "power-trading", service: "new", lines: MIXED },
      });
      expect(quoted.status).toBe(200);
      expect(quoted.json<{ total: number }>().total).toBe(155000);

      const created = await retailer({
        method: "POST",
        url: "/api/orders",
        payload: { programmeId: "power-trading", service: "new", details: { lines: MIXED } },
      });
      expect(created.status).toBe(201);
      const order = created.json<OrderBody>();
      expect(order.totalFen).toBe(155000);
      expect(order.quote.items.map((i) => [i.code, i.quantity, i.amount])).toEqual([
        ["new:all-inclusive:3y", 2, 120000],
        ["new:basic:3y", 1, 35000],
      ]);
      expect(order.details).toMatchObject({ lines: MIXED, keys: 3 });
      expect(order.details).not.toHaveProperty("plan");
      const row = await store.db
        .selectFrom("orders")
        .select(["total_fen"])
        .where("id", "=", order.id)
        .executeTakeFirstOrThrow();
      expect(Number(row.total_fen)).toBe(155000);
    });

    it("refuses a basket that also names a plan, and an empty one", async () => {
      const both = await retailer({
        method: "POST",
        url: "/api/orders",
        payload: { programmeId: "power-trading", service: "new", details: { plan: "basic", lines: MIXED } },
      });
      expect(both.status).toBe(422);
      expect(both.json<{ code: string }>().code).toBe("order.basket_and_term");
      const empty = await retailer({
        method: "POST",
        url: "/api/orders",
        payload: { programmeId: "power-trading", service: "new", details: { lines: [] } },
      });
      expect(empty.status).toBe(400);
    });

    it("programme A's one certificate is priced and ordered as before: 3 years = 600.00", async () => {
      const created = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: { programmeId: "procurement", service: "new", details: { years: 3, sealRequested: false } },
      });
      expect(created.status).toBe(201);
      expect(created.json<OrderBody>()).toMatchObject({
        totalFen: 60000,
        quote: { items: [{ code: "new:3y" }] },
      });
    });

    it("production makes each key of a basket with its own plan and term; a single service on them charges the uncovered keys only", async () => {
      const lines = [
        { plan: "all-inclusive", years: 3, keys: 2 },
        { plan: "basic", years: 1, keys: 1 },
      ];
      const orderId = await orderAtProduction(store.db, {
        programmeId: "power-trading",
        service: "new",
        uscc: USCC_B,
        details: { lines, keys: 3 },
      });
      const station = softwareStation(join(folder, "b"));
      const planned = await createBatch(deps, producer, { orderIds: [orderId], station });
      expect(planned.total).toBe(3);
      const batch = await runBatch(deps, producer, planned.id, station);
      expect(batch.state).toBe("done");
      const keys = await store.db
        .selectFrom("usb_keys")
        .innerJoin("certificates", "certificates.id", "usb_keys.certificate_id")
        .select(["usb_keys.position", "usb_keys.plan", "usb_keys.years", "certificates.id as certificateId"])
        .select(["certificates.not_before", "certificates.not_after"])
        .where("usb_keys.order_id", "=", orderId)
        .orderBy("usb_keys.position")
        .execute();
      expect(keys.map((k) => [k.position, k.plan, k.years])).toEqual([
        [1, "all-inclusive", 3],
        [2, "all-inclusive", 3],
        [3, "basic", 1],
      ]);
      // Each certificate runs for its own key's term.
      const yearsOf = (k: (typeof keys)[number]) =>
        k.not_after.getUTCFullYear() - k.not_before.getUTCFullYear();
      expect(keys.map(yearsOf)).toEqual([3, 3, 1]);

      const certificateIds = keys.map((k) => k.certificateId);
      const quoted = await (
        await anonymous(t)
      )({
        method: "POST",
        url: "/api/quote",
        payload: {
          programmeId: "power-trading",
          service: "format",
          keyPlans: ["all-inclusive", "all-inclusive", "basic"],
        },
      });
      expect(quoted.json<{ total: number }>().total).toBe(5000);
      const format = await retailer({
        method: "POST",
        url: "/api/orders",
        payload: { programmeId: "power-trading", service: "format", details: { certificateIds } },
      });
      expect(format.status).toBe(201);
      const order = format.json<OrderBody>();
      expect(order.totalFen).toBe(5000);
      expect(order.quote.items.map((i) => [i.quantity, i.amount])).toEqual([
        [2, 0],
        [1, 5000],
      ]);
      expect(order.details).toMatchObject({ certificateIds, keys: 3 });
      // An order on several keys is the desk's to fulfil, not any one key's.
      expect(order.certificateId).toBeNull();

      const covered = await retailer({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "power-trading",
          service: "pin-reset",
          details: { certificateId: certificateIds[0] },
        },
      });
      expect(covered.json<OrderBody>().totalFen).toBe(0);
    }, 300_000);
  });
}
