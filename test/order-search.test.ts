/**
 * Staff order search (GET /api/office/orders/search) on every test store: each filter narrows to
 * the orders it names (number and USCC by their beginning, part of the organisation's name, the
 * handler's mobile, service, state, created from/to in Shanghai days, overdue now), filters combine,
 * pages follow one another, and applicants are refused. Speed on 100,000 orders is measured by
 * bench/order-search.ts, not here.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, startTestApp, submittedOrderA, type Client, type TestApp } from "./support/app.js";
import { testStores } from "./support/stores.js";
import { createdSpanOfNumberPrefix } from "../src/orders/order-search.js";

type Found = {
  orders: { id: string; number: string; state: string; organisation: { uscc: string } }[];
  more: boolean;
};

describe("the creation span an order number's beginning names", () => {
  const span = (prefix: string) => {
    const s = createdSpanOfNumberPrefix(prefix);
    return s && [s.from.toISOString(), s.before.toISOString()];
  };
  it("covers every Shanghai day the digits allow, with a day to spare either side", () => {
    // CD20250: January to September 2025, Shanghai days (UTC+8).
    expect(span("CD20250")).toEqual(["2024-12-30T16:00:00.000Z", "2025-10-02T16:00:00.000Z"]);
    expect(span("CD2026")).toEqual(["2025-12-30T16:00:00.000Z", "2027-01-01T16:00:00.000Z"]);
    expect(span("CD20261207000042")).toEqual(["2026-12-05T16:00:00.000Z", "2026-12-08T16:00:00.000Z"]);
    // February's last day: the span runs past it rather than miss it.
    expect((span("CD202502") ?? [])[1]! >= "2025-02-28T16:00:00.000Z").toBe(true);
  });
  it("names none when the beginning does not hold a year", () => {
    expect(span("CD202")).toBeUndefined();
    expect(span("XX20260101")).toBeUndefined();
  });
});

for (const kind of testStores) {
  describe(`staff order search on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    let reviewer: Client;
    let a: { id: string; number: string }[];
    let b: { id: string; number: string };

    const search = async (query: string) => {
      const res = await reviewer({ method: "GET", url: `/api/office/orders/search?${query}` });
      expect(res.status, res.body).toBe(200);
      return res.json<Found>();
    };

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
      const supplier = await t.as(...DEMO.supplierA);
      a = [await submittedOrderA<{ id: string; number: string; state: string }>(supplier)];
      // A second order of A's, a day later; and one of B's, left a draft.
      t.clock.advance(86_400_000);
      // Sessions last 12 hours: everyone signs in again the next day.
      reviewer = await t.as(...DEMO.reviewer);
      a.push(
        await submittedOrderA<{ id: string; number: string; state: string }>(await t.as(...DEMO.supplierA)),
      );
      t.clock.advance(60_000);
      const retailer = await t.as(...DEMO.retailerB);
      b = (
        await retailer({
          method: "POST",
          url: "/api/orders",
          payload: {
            programmeId: "power-trading",
            service: "new",
            details: { keys: 2, years: 3, plan: "basic" },
          },
        })
      ).json();
    }, 900_000);
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    it("by order number (whole or its beginning), USCC, part of the organisation's name and the handler's mobile", async () => {
      expect((await search(`number=${a[0]!.number}`)).orders.map((o) => o.id)).toEqual([a[0]!.id]);
      const prefix = await search(`number=${a[0]!.number.slice(0, 6)}`);
      expect(prefix.orders.map((o) => o.id)).toEqual(expect.arrayContaining([a[0]!.id, a[1]!.id]));
      // The day in the number: the first order's day holds it, not the second's (a day later).
      const day = await search(`number=${a[0]!.number.slice(0, 10)}`);
      expect(day.orders.map((o) => o.id)).toEqual([a[0]!.id]);
      expect((await search("uscc=91440101MA5")).orders.map((o) => o.id)).toEqual([b.id]);
      expect((await search(`organisation=${encodeURIComponent("供应链")}`)).orders.map((o) => o.id)).toEqual([
        a[1]!.id,
        a[0]!.id,
      ]);
      expect((await search("mobile=139-0013-9000")).orders.map((o) => o.id)).toEqual([b.id]);
      expect((await search(`organisation=${encodeURIComponent("100%")}`)).orders).toEqual([]);
    });

    it("by service, state and creation day (Shanghai), combined, newest first, a page at a time", async () => {
      expect((await search("state=draft")).orders.map((o) => o.id)).toEqual([b.id]);
      const submitted = await search("service=new&programmeId=procurement");
      expect(submitted.orders.map((o) => o.id)).toEqual([a[1]!.id, a[0]!.id]);
      // Created 2026-11-20 10:00 and 2026-11-21 10:00 Shanghai time.
      expect((await search("from=2026-11-21&to=2026-11-21")).orders.map((o) => o.id).sort()).toEqual(
        [a[1]!.id, b.id].sort(),
      );
      expect((await search("to=2026-11-20")).orders.map((o) => o.id)).toEqual([a[0]!.id]);
      const first = await search("service=new&limit=2");
      expect(first).toMatchObject({ more: true });
      const second = await search("service=new&limit=2&offset=2");
      expect(second.more).toBe(false);
      expect([...first.orders, ...second.orders].map((o) => o.id)).toEqual([b.id, a[1]!.id, a[0]!.id]);
    });

    it("overdue now: an open order whose deadline has passed", async () => {
      expect((await search("overdue=true")).orders).toEqual([]);
      await store.db
        .updateTable("orders")
        .set({ due_kind: "review", due_on: "2026-11-01" })
        .where("id", "=", a[0]!.id)
        .execute();
      expect((await search("overdue=true")).orders.map((o) => o.id)).toEqual([a[0]!.id]);
    });

    it("the desk's figures show money received to finance and admin only, not to a reviewer (issue 19, finding 9)", async () => {
      const stats = async (who: readonly [string, string]) =>
        (await (await t.as(...who))({ method: "GET", url: "/api/office/stats" })).json<{
          revenuePerDay: unknown[] | null;
        }>();
      expect((await stats(DEMO.reviewer)).revenuePerDay).toBeNull();
      expect((await stats(DEMO.production)).revenuePerDay).toBeNull();
      expect(Array.isArray((await stats(DEMO.finance)).revenuePerDay)).toBe(true);
      expect(Array.isArray((await stats(DEMO.admin)).revenuePerDay)).toBe(true);
    });

    it("part of a name: a trigram index on PostgreSQL (migration 0031), read in full on the embedded store", async () => {
      const indexes = await sql<{ indexname: string }>`
        select indexname from pg_indexes where tablename = 'organisations' and indexname = 'organisations_name_trgm'
      `.execute(store.db);
      // PostgreSQL with contrib has pg_trgm; PGlite loads no extension, and the migration passes it by.
      expect(indexes.rows.length).toBe(kind.name === "postgres" ? 1 : 0);
      const found = await search(`organisation=${encodeURIComponent("示例供应链")}`);
      expect(found.orders.map((o) => o.id)).toEqual([a[1]!.id, a[0]!.id]);
    });

    it("refuses a malformed mobile or day, and applicants", async () => {
      const bad = await reviewer({ method: "GET", url: "/api/office/orders/search?mobile=12345" });
      expect(bad.json()).toMatchObject({ code: "validation.mobile.format" });
      const day = await reviewer({ method: "GET", url: "/api/office/orders/search?from=2026-13-01" });
      expect(day.status).toBe(400);
      const applicant = await t.as(...DEMO.supplierA);
      expect((await applicant({ method: "GET", url: "/api/office/orders/search?state=draft" })).status).toBe(
        403,
      );
    });
  });
}
