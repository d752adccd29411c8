/**
 * The desk's HTTP edge on every store (issue #15, items 4 and 7): bad input is a 4xx with a code,
 * never a 500 (a reference to nothing, a constraint the store refuses, a signed callback that is
 * not JSON); security headers on every answer; uploaded files downloaded as attachments with
 * their checked type; state-changing requests from a foreign origin refused while the gateway's
 * callback keeps working; the API documentation behind a setting; one open refund request per
 * order, also under parallel requests.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/server/app.js";
import { problemOfError } from "../src/server/problem.js";
import type { Actor } from "../src/people/actor.js";
import { finishProduction } from "../src/orders/fulfilment.js";
import {
  anonymous,
  DEMO,
  multipart,
  PNG_BYTES,
  startTestApp,
  submittedOrderA,
  type Client,
  type TestApp,
} from "./support/app.js";
import { keyWithCsr, orderAtProduction, staffActor, USCC_A } from "./support/production.js";
import { testStores } from "./support/stores.js";

type Problem = { status: number; code: string; detail: string; messages: Record<string, string> };
type Order = { id: string; state: string };

for (const kind of testStores) {
  describe(`the HTTP edge on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    let supplier: Client, visitor: Client;
    let production: Actor;

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store, "2026-11-20T02:00:00Z");
      supplier = await t.as(...DEMO.supplierA);
      visitor = await anonymous(t);
      production = await staffActor(store.db, "production");
    });
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    /** Programme A: a new order with its scans, submitted and paid online. */
    async function paidOrder(): Promise<Order> {
      const draft = await submittedOrderA<Order>(supplier);
      const pay = await supplier({ method: "POST", url: `/api/orders/${draft.id}/pay` });
      expect(pay.status, pay.body).toBe(200);
      await t.gateway.settle(pay.json<{ tradeNo: string }>().tradeNo, "succeeded", t.clock.now());
      const paid = (await supplier({ method: "GET", url: `/api/orders/${draft.id}` })).json<Order>();
      expect(paid.state).toBe("paid");
      return paid;
    }

    // ---- item 4: never a 500 for bad input ---------------------------------------------------

    it("binding a certificate to an account of an unknown programme: 404 programme.not_found, nothing written", async () => {
      const orderId = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "new",
        uscc: USCC_A,
        details: { years: 1 },
      });
      const done = await finishProduction(t.deps, production, orderId, [
        { csr: (await keyWithCsr("sm2")).csr },
      ]);
      const res = await supplier({
        method: "POST",
        url: `/api/certificates/${done.certificates[0]!.id}/bind?lang=en`,
        payload: { programmeId: "no-such-programme", accountName: "edge-0001" },
      });
      expect(res.status, res.body).toBe(404);
      expect(res.json<Problem>()).toMatchObject({ code: "programme.not_found" });
      expect(res.json<Problem>().detail).toContain("no-such-programme");
      const accounts = await store.db
        .selectFrom("platform_accounts")
        .select("id")
        .where("account_name", "=", "edge-0001")
        .execute();
      expect(accounts).toHaveLength(0);
    });

    it("a constraint the store refuses (foreign key, unique, check, not-null) maps to a 4xx with a code, from the store's own error", async () => {
      const refusal = async (write: () => Promise<unknown>) => {
        try {
          await write();
        } catch (e) {
          return problemOfError(e, "en");
        }
        throw new Error("the store accepted the write");
      };
      const foreignKey = await refusal(() =>
        store.db
          .insertInto("platform_accounts")
          .values({
            id: randomUUID(),
            programme_id: "no-such-programme",
            organisation_id: randomUUID(),
            account_name: "fk",
            created_at: new Date(),
          })
          .execute(),
      );
      expect(foreignKey).toMatchObject({ status: 422, code: "store.reference_unknown" });
      const programme = await store.db.selectFrom("programmes").select("id").executeTakeFirstOrThrow();
      const unique = await refusal(() =>
        store.db.insertInto("programmes").values({ id: programme.id, definition: "{}" }).execute(),
      );
      expect(unique).toMatchObject({ status: 409, code: "store.conflict" });
      const anyOrder = await store.db.selectFrom("orders").select("id").executeTakeFirstOrThrow();
      const check = await refusal(() =>
        store.db.updateTable("orders").set({ total_fen: -1n }).where("id", "=", anyOrder.id).execute(),
      );
      expect(check).toMatchObject({ status: 422, code: "store.value_refused" });
      const notNull = await refusal(() =>
        store.db
          .updateTable("programmes")
          .set({ definition: null as never })
          .where("id", "=", programme.id)
          .execute(),
      );
      expect(notNull).toMatchObject({ status: 422, code: "store.value_missing" });
      // A message for the user in both languages, no SQL in it.
      expect(foreignKey.messages["zh-CN"]).not.toMatch(/violates|constraint|insert/);
      expect(foreignKey.messages.en).not.toMatch(/violates|constraint|insert/);
    });

    it("a validly signed payment callback whose body is not JSON, or not a notice: 400 payment.callback_invalid", async () => {
      for (const body of ["tradeNo=1&status=succeeded", "[1,2", '{"kind":"payment"}', "null"]) {
        const res = await visitor({
          method: "POST",
          url: "/api/payments/callback/dev",
          headers: { "content-type": "application/json", "x-gateway-signature": t.gateway.sign(body) },
          payload: body,
        });
        expect(res.status, `${body}: ${res.body}`).toBe(400);
        expect(res.json<Problem>().code).toBe("payment.callback_invalid");
      }
      // Unsigned, the same body is still refused as unsigned.
      const unsigned = await visitor({
        method: "POST",
        url: "/api/payments/callback/dev",
        headers: { "content-type": "application/json", "x-gateway-signature": "0".repeat(64) },
        payload: "[1,2",
      });
      expect(unsigned.json<Problem>().code).toBe("payment.bad_signature");
    });

    // ---- item 7: the HTTP edge -------------------------------------------------------------

    it("security headers on HTML, JSON, static files and errors; a CSP without inline scripts; no HSTS over http", async () => {
      const answers = await Promise.all(
        [
          "/",
          "/portal",
          "/api/health",
          "/api/programmes",
          "/docs/static/index.html",
          "/docs/static/index.css",
          "/api/nothing-here",
        ].map(async (url) => [url, await t.app.inject({ method: "GET", url })] as const),
      );
      for (const [url, res] of answers) {
        const csp = String(res.headers["content-security-policy"] ?? "");
        expect(csp, url).toContain("frame-ancestors 'self'");
        expect(csp, url).toContain("object-src 'self' blob:");
        const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? "";
        expect(scriptSrc, url).toBe("'self'");
        expect(csp, url).toContain("script-src-attr 'none'");
        expect(csp, url).not.toContain("unsafe-eval");
        expect(res.headers["x-content-type-options"], url).toBe("nosniff");
        expect(res.headers["referrer-policy"], url).toBe("same-origin");
        expect(res.headers["x-frame-options"], url).toBe("SAMEORIGIN");
        expect(res.headers["strict-transport-security"], url).toBeUndefined();
      }
      const secure = await buildApp({ ...t.deps, publicUrl: "https://desk.example" });
      try {
        const res = await secure.inject({ method: "GET", url: "/api/health" });
        expect(res.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
      } finally {
        await secure.close();
      }
    });

    it("an uploaded scan comes back as an attachment with a safe filename, its checked type and nosniff", async () => {
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
      // A picture the client called a PDF, under a name with a semicolon, a percent sign and Chinese.
      const up = await supplier({
        method: "POST",
        url: `/api/orders/${draft.id}/materials/business-licence`,
        ...multipart("营业执照;(copy) 100%.pdf", PNG_BYTES, "application/pdf"),
      });
      expect(up.status, up.body).toBe(201);
      const id = up.json<{ id: string }>().id;
      const res = await t.app.inject({
        method: "GET",
        url: `/api/materials/${id}`,
        headers: { authorization: `Bearer ${await token(...DEMO.supplierA)}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("image/png");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      const disposition = String(res.headers["content-disposition"]);
      expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''/);
      const fallback = /filename="([^"]*)"/.exec(disposition)![1]!;
      expect(fallback).not.toMatch(/[";\\%]/);
      expect(decodeURIComponent(/filename\*=UTF-8''(.*)$/.exec(disposition)![1]!)).toBe(
        "营业执照;(copy) 100%.pdf",
      );
      expect(res.rawPayload.equals(PNG_BYTES)).toBe(true);
    });

    async function token(login: string, password: string): Promise<string> {
      const res = await visitor({ method: "POST", url: "/api/auth/login", payload: { login, password } });
      return res.json<{ token: string }>().token;
    }

    it("a state-changing request from a foreign origin is refused with 403 auth.cross_origin; the same origin, a client without one and the gateway's callback go through", async () => {
      const login = { login: DEMO.supplierA[0], password: DEMO.supplierA[1] };
      const post = (headers: Record<string, string>) =>
        visitor({ method: "POST", url: "/api/auth/login", headers, payload: login });
      const foreign = await post({ origin: "https://evil.example" });
      expect(foreign.status).toBe(403);
      expect(foreign.json<Problem>().code).toBe("auth.cross_origin");
      expect((await post({ origin: "null" })).status).toBe(403);
      const crossSite = await post({ "sec-fetch-site": "cross-site" });
      expect(crossSite.json<Problem>().code).toBe("auth.cross_origin");
      // The desk's public origin, and the origin the browser addressed (a dev proxy, a fresh port).
      expect((await post({ origin: "http://certdesk.test", "sec-fetch-site": "same-origin" })).status).toBe(
        200,
      );
      expect((await post({ origin: "http://desk.internal:8080", host: "desk.internal:8080" })).status).toBe(
        200,
      );
      expect((await post({})).status).toBe(200);
      // A foreign origin may still read (GET is not state-changing).
      expect(
        (await visitor({ method: "GET", url: "/api/health", headers: { origin: "https://evil.example" } }))
          .status,
      ).toBe(200);
      // DELETE and PUT are state-changing too.
      const del = await visitor({
        method: "DELETE",
        url: "/api/platforms/p/credentials/k",
        headers: { origin: "https://evil.example" },
      });
      expect(del.status).toBe(403);

      // The gateway's callback carries no browser origin, and its signature is its credential.
      const order = await paidOrder();
      expect(order.state).toBe("paid");
      const body = JSON.stringify({ kind: "payment", tradeNo: "nope", status: "failed" });
      const callback = await visitor({
        method: "POST",
        url: "/api/payments/callback/dev",
        headers: {
          "content-type": "application/json",
          "x-gateway-signature": t.gateway.sign(body),
          origin: "https://gateway.example",
        },
        payload: body,
      });
      expect(callback.json<Problem>().code).not.toBe("auth.cross_origin");
    });

    it("the API documentation is served when enabled and not at all when disabled", async () => {
      expect((await t.app.inject({ method: "GET", url: "/docs" })).statusCode).toBeLessThan(400);
      const closed = await buildApp({ ...t.deps, apiDocs: false });
      try {
        for (const url of ["/docs", "/docs/", "/docs/json", "/docs/static/index.html"]) {
          const res = await closed.inject({ method: "GET", url });
          expect(res.statusCode, url).toBe(404);
          expect(res.headers["content-type"], url).toContain("application/problem+json");
        }
      } finally {
        await closed.close();
      }
    });

    it("two refund requests for one order at once: one accepted, the other 409 refund.already_requested", async () => {
      const order = await paidOrder();
      const request = () =>
        supplier({
          method: "POST",
          url: "/api/orders",
          payload: {
            programmeId: "procurement",
            service: "refund",
            details: { targetOrderId: order.id, reason: "项目取消" },
            submit: true,
          },
        });
      const answers = await Promise.all([request(), request()]);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
      const refused = answers.find((a) => a.status === 409)!;
      expect(refused.json<Problem>().code).toBe("refund.already_requested");
      const open = await store.db
        .selectFrom("orders")
        .select(["id", "state"])
        .where("target_order_id", "=", order.id)
        .where("service", "=", "refund")
        .execute();
      expect(open).toHaveLength(1);
      // Asked again later while it is open: refused the same way.
      expect((await request()).json<Problem>().code).toBe("refund.already_requested");
      // Once the open request is cancelled, the customer may ask again.
      const cancelled = await supplier({
        method: "POST",
        url: `/api/orders/${open[0]!.id}/cancel`,
        payload: {},
      });
      expect(cancelled.status, cancelled.body).toBe(200);
      expect((await request()).status).toBe(201);
    });
  });
}
