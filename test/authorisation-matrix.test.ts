/**
 * The authorisation matrix: every route the OpenAPI document serves, sent by every kind of caller
 * (nobody, organisation A's handler, organisation B's handler, each staff role, a relying platform
 * with a signed request), answered as the table in src/people/authorisation.ts says: refused
 * with 401 or 403 and the guard's code, or let through to the route (whatever it then answers,
 * never the guard's refusal). ROUTES below names each route's action; a route served without a
 * row here, or a row without a route, fails the suite.
 */
import { randomUUID } from "node:crypto";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizationHeader } from "../src/platforms/request-signing.js";
import { guardRoutes } from "../src/server/guard.js";
import { CaRegistry } from "../src/ca/ca.js";
import { ACTIONS, type Action, type Grantee } from "../src/people/authorisation.js";
import { Publication } from "../src/ca/publication.js";
import { DEMO, startTestApp, TEST_CA_PASSPHRASE, type TestApp } from "./support/app.js";
import { testStores } from "./support/stores.js";

type Store = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;

/** Every route of the API document and the action it declares. */
const ROUTES: Record<string, Action> = {
  "GET /api/health": "desk.health",
  "GET /api/programmes": "programme.read",
  "GET /api/programmes/:id": "programme.read",
  "GET /api/uploads/limits": "programme.read",
  "POST /api/quote": "quote.compute",
  "GET /api/calendar/add-working-days": "calendar.read",
  "GET /api/calendar/is-working-day": "calendar.read",
  "POST /api/validate/:kind": "identity.validate",

  "POST /api/auth/sign-up": "organisation.signUp",
  "POST /api/auth/login": "session.login",
  "POST /api/auth/logout": "session.logout",
  "POST /api/auth/password-reset/request": "session.passwordReset",
  "POST /api/auth/password-reset/confirm": "session.passwordReset",
  "POST /api/auth/key/challenge": "session.login",
  "POST /api/auth/key/login": "session.login",
  "GET /api/me": "session.read",
  "GET /api/me/contact": "contact.manage",
  "PUT /api/me/contact": "contact.manage",
  "POST /api/organisation/handlers": "organisation.addHandler",
  "GET /api/portal/organisation": "organisation.read",

  "POST /api/orders": "order.create",
  "GET /api/orders": "order.read",
  "GET /api/orders/:id": "order.read",
  "GET /api/orders/:id/audit": "order.read",
  "POST /api/orders/:id/submit": "order.submit",
  "POST /api/orders/:id/resubmit": "order.submit",
  "POST /api/orders/:id/cancel": "order.cancel",
  "POST /api/orders/:id/materials/:materialId": "order.material.upload",
  "PUT /api/orders/:id/paper-tracking": "order.paperTracking",
  "GET /api/orders/:id/materials": "order.read",
  "GET /api/materials/:id": "order.read",
  "GET /api/orders/:id/forms/:templateId": "order.read",
  "GET /api/orders/:id/refund-eligibility": "order.read",
  "GET /api/orders/:id/payments": "order.read",
  "GET /api/orders/:id/seal-image/preview": "order.read",
  "POST /api/orders/:id/seal-image": "seal.image.upload",
  "POST /api/orders/:id/pay": "order.pay",
  "POST /api/orders/:id/payments/query": "payment.query",
  "POST /api/payments/callback/dev": "payment.gatewayCallback",
  "POST /api/orders/:id/transfer-receipts": "payment.receipt.upload",
  "GET /api/orders/:id/transfer-receipts": "payment.receipt.read",
  "GET /api/transfer-receipts/:id/file": "payment.receipt.read",
  "GET /api/transfer-receipts": "payment.receipt.review",
  "POST /api/transfer-receipts/:id/reject": "payment.receipt.review",
  "POST /api/orders/:id/payments/bank-transfer": "payment.transfer.confirm",
  "GET /api/invoices": "invoice.read",
  "GET /api/invoices/:id": "invoice.read",
  "GET /api/invoices/:id/pdf": "invoice.read",

  "GET /api/certificates": "certificate.read",
  "GET /api/certificates/:id/seal": "certificate.read",
  "GET /api/certificates/:id/seals": "certificate.read",
  "POST /api/certificates/:id/activate": "certificate.activate",
  "POST /api/certificates/:id/bind": "certificate.bind",
  "POST /api/certificates/:id/revoke": "certificate.revoke",
  "POST /api/pdf/verify": "pdf.verify",

  "GET /api/keys": "key.read",
  "GET /api/keys/:serial": "key.read",
  "POST /api/keys/:serial/activate": "key.activate",
  "POST /api/keys/:serial/unlock-order": "key.unlock",
  "POST /api/keys/:serial/unlock-code": "key.unlock",
  "POST /api/keys/:serial/unblock": "key.unlock",
  "POST /api/keys/:serial/format-order": "key.format",
  "POST /api/keys/:serial/format": "key.format",
  "POST /api/keys/:serial/renewals": "key.renew",
  "POST /api/keys/:serial/renewals/:orderId/certificate": "key.renew",
  "POST /api/keys/:serial/renewals/:orderId/installed": "key.renew",
  "POST /api/keys/:serial/seal": "key.seal",
  "POST /api/keys/:serial/seal/installed": "key.seal",

  "GET /api/office/orders": "office.read",
  "GET /api/office/orders/search": "office.search",
  "GET /api/office/orders/:id": "office.read",
  "GET /api/office/stats": "office.read",
  "GET /api/staff/sms": "office.read",
  "GET /api/staff/outbox": "office.read",
  "GET /api/staff/deadlines/overdue": "office.read",
  "POST /api/orders/:id/review/start": "order.review",
  "POST /api/orders/:id/approve": "order.review",
  "POST /api/orders/:id/reject": "order.review",
  "POST /api/orders/:id/paper-received": "order.review",
  "POST /api/staff/organisations": "organisation.registerWithOverride",
  "POST /api/orders/:id/production/start": "order.produce",
  "POST /api/orders/:id/production/finish": "order.produce",
  "POST /api/orders/:id/seal/produce": "order.produce",
  "POST /api/production/batches": "order.produce",
  "POST /api/production/batches/:id/resume": "order.produce",
  "GET /api/production/batches": "production.read",
  "GET /api/production/batches/:id": "production.read",
  "POST /api/orders/:id/activation-code": "key.activationCode.send",
  "POST /api/orders/:id/reset-pin": "key.resetPin",
  "POST /api/orders/:id/ship": "order.ship",
  "POST /api/orders/:id/deliver": "order.ship",
  "POST /api/orders/:id/fulfil": "order.fulfil",
  "POST /api/orders/:id/refund/pay": "refund.pay",
  "GET /api/refunds": "refund.read",
  "GET /api/finance/payments": "finance.read",
  "GET /api/finance/refunds": "finance.read",
  "GET /api/finance/invoices": "finance.read",
  "GET /api/cas": "ca.read",

  "POST /api/ca/issue": "ca.issue",
  "PUT /api/programmes/:id": "programme.save",
  "POST /api/calendar/years": "calendar.save",
  "GET /api/audit/verify": "audit.verify",
  "GET /api/admin/jobs": "jobs.manage",
  "POST /api/admin/jobs/:name/run": "jobs.manage",
  "GET /api/platforms": "platform.manage",
  "POST /api/platforms": "platform.manage",
  "PATCH /api/platforms/:id": "platform.manage",
  "POST /api/platforms/:id/credentials": "platform.manage",
  "DELETE /api/platforms/:id/credentials/:keyId": "platform.manage",
  "GET /api/platforms/:id/deliveries": "platform.manage",
  "POST /api/webhook-deliveries/:id/replay": "platform.manage",

  "POST /api/platform/v1/challenges": "platform.challenge",
  "POST /api/platform/v1/bindings": "platform.bind",
  "GET /api/platform/v1/bindings/:account": "platform.binding.read",
  "POST /api/platform/v1/bindings/:account/unbind": "platform.unbind",
  "POST /api/platform/v1/logins": "platform.login",

  "GET /ca/:file": "ca.certificate.read",
  "GET /crl/:file": "publication.read",
  "POST /ocsp": "publication.read",
  "GET /ocsp/*": "publication.read",
  "POST /tsa": "timestamp.issue",
};

/** Routes the document leaves out (schema.hide): the web app's pages and the development gateway. */
const HIDDEN: Record<string, Action> = {
  "GET /": "web.page",
  "GET /*": "web.page",
  "GET /assets/*": "web.page",
  "GET /dev-gateway/pay/:tradeNo": "devGateway.pay",
  "POST /dev-gateway/pay/:tradeNo": "devGateway.pay",
};

/** The callers, each with the grantee of the table it stands for (a platform only on its own API). */
const CALLERS = [
  "anonymous",
  "supplierA",
  "retailerB",
  "reviewer",
  "production",
  "finance",
  "admin",
  "platform",
] as const;
type Caller = (typeof CALLERS)[number];
const GRANTEE: Record<Caller, Grantee | undefined> = {
  anonymous: undefined,
  supplierA: "organisation",
  retailerB: "organisation",
  reviewer: "reviewer",
  production: "production",
  finance: "finance",
  admin: "admin",
  platform: "platform",
};

/** Routes that check a signature of their own once let through: what they answer to an unsigned call. */
const OWN_SIGNATURE: Record<string, string> = { "POST /api/payments/callback/dev": "payment.bad_signature" };

const PARAMS: Record<string, string> = {
  serial: "UK0000000001",
  kind: "uscc",
  name: "nightly",
  keyId: "no-such-key",
  account: "no-such-account",
  materialId: "application-form",
  templateId: "application-form",
  "*": "MAMwAQ%3D%3D",
};

function urlOf(route: string): string {
  const path = route.slice(route.indexOf(" ") + 1);
  if (path === "/ca/:file") return "/ca/no-such-ca.crt";
  if (path === "/crl/:file") return "/crl/no-such-ca.crl";
  if (path === "/*") return "/portal/orders";
  return path.replace(/:([A-Za-z]+)|\*/g, (whole: string, name: string | undefined) => {
    const key = name ?? whole;
    return key === "id" || key === "orderId" ? randomUUID() : (PARAMS[key] ?? "x");
  });
}

for (const kind of testStores) {
  describe(`authorisation matrix on ${kind.name}`, () => {
    let store: Store;
    let t: TestApp;
    let tokens: Partial<Record<Caller, string>>;
    let credential: { keyId: string; secret: string };
    let served: string[];

    beforeAll(async () => {
      store = await kind.open();
      const holder: { t?: TestApp } = {};
      // Every optional part of the desk, so that every route is served.
      t = await startTestApp(store, "2026-11-20T02:00:00Z", {
        keys: { secretKey: "test-secret-key-for-usb-keys-0000000000000", codes: { queue: async () => {} } },
        publication: new Publication({
          db: store.db,
          clock: { now: () => holder.t!.clock.now() },
          cas: new CaRegistry(store.db, { passphrase: TEST_CA_PASSPHRASE }),
          settings: { crlValidityHours: 24, crlRefreshMinutes: 60, ocspValidityMinutes: 60 },
        }),
        platforms: { secretKey: "test-platform-secret-key-000000000000000000" },
      });
      holder.t = t;
      tokens = {};
      for (const caller of CALLERS) {
        if (caller === "anonymous" || caller === "platform") continue;
        tokens[caller] = await login(caller);
      }
      const registered = await t.app.inject({
        method: "POST",
        url: "/api/platforms",
        headers: { authorization: `Bearer ${tokens.admin}` },
        payload: { id: "matrix-platform", programmeId: "procurement", name: "矩阵测试平台" },
      });
      expect(registered.statusCode, registered.body).toBe(200);
      credential = registered.json<{ credential: { keyId: string; secret: string } }>().credential;
      const doc = (await t.app.inject({ method: "GET", url: "/docs/json" })).json<{
        paths: Record<string, Record<string, unknown>>;
      }>();
      served = Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.keys(operations)
          .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
          .map(
            (m) =>
              `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, (_w, p: string) => (p === "*" ? "*" : `:${p}`))}`,
          ),
      );
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    async function login(caller: Exclude<Caller, "anonymous" | "platform">): Promise<string> {
      const [name, password] = DEMO[caller];
      const res = await t.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { login: name, password },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ token: string }>().token;
    }

    it("every route of the API document has a row here, and every row a route", () => {
      expect([...served].sort()).toEqual(Object.keys(ROUTES).sort());
    });

    it("the routes the document leaves out are served, and every action of the table is some route's", () => {
      for (const route of Object.keys(HIDDEN)) {
        const [method, url] = route.split(" ") as ["GET", string];
        expect(t.app.hasRoute({ method, url }), route).toBe(true);
      }
      expect(new Set(Object.values({ ...ROUTES, ...HIDDEN }))).toEqual(new Set(Object.keys(ACTIONS)));
    });

    it("each caller is let through or refused on each route as the table says", async () => {
      const wrong: string[] = [];
      expect(served.length).toBeGreaterThan(100);
      for (const route of [...served, ...Object.keys(HIDDEN)]) {
        const action = ROUTES[route] ?? HIDDEN[route];
        if (!action) continue; // the first test names it
        const grantees: readonly Grantee[] = ACTIONS[action];
        const method = route.slice(0, route.indexOf(" "));
        const platformApi = grantees.includes("platform");
        for (const caller of CALLERS) {
          const url = urlOf(route);
          const body = ["POST", "PUT", "PATCH"].includes(method) ? "{}" : undefined;
          const headers: Record<string, string> = body ? { "content-type": "application/json" } : {};
          if (caller === "platform")
            headers.authorization = authorizationHeader(
              credential,
              { method, path: url, body: body ?? "" },
              t.clock.now(),
            );
          else if (caller !== "anonymous") {
            // Signing out ends the session: that call gets one of its own.
            const token = route === "POST /api/auth/logout" ? await login(caller) : tokens[caller]!;
            headers.authorization = `Bearer ${token}`;
          }
          const res = await t.app.inject({
            method: method as "GET",
            url,
            headers,
            ...(body ? { payload: body } : {}),
          });
          const code = String(res.headers["content-type"] ?? "").includes("json")
            ? (res.json<{ code?: string }>().code ?? "")
            : "";
          const grantee = GRANTEE[caller];
          const allowed =
            grantees.includes("anyone") || (grantee !== undefined && grantees.includes(grantee));
          const seen = `${route} as ${caller}: ${res.statusCode} ${code}`;
          if (allowed) {
            const ownCheck = OWN_SIGNATURE[route];
            const ok = ownCheck ? code === ownCheck : res.statusCode !== 401 && res.statusCode !== 403;
            if (!ok) wrong.push(`${seen} (allowed: ${action})`);
          } else {
            const expected = platformApi
              ? [401, "platform.auth_missing"]
              : grantee === undefined || caller === "platform"
                ? [401, "auth.unauthenticated"]
                : [403, "auth.forbidden"];
            if (res.statusCode !== expected[0] || code !== expected[1])
              wrong.push(`${seen} (refused: ${action}, expected ${expected.join(" ")})`);
          }
        }
      }
      expect(wrong).toEqual([]);
    }, 120_000);
  });
}

describe("the guard at startup", () => {
  it("refuses a route that declares no action, or one the table does not know", async () => {
    for (const config of [undefined, { action: "order.teleport" }]) {
      const app = Fastify();
      guardRoutes(app);
      expect(() =>
        app.get("/api/new-thing", config ? { config: config as never } : {}, async () => ({ ok: true })),
      ).toThrow(/declare the route's action/);
      await app.close();
    }
  });

  it("checks the caller before the handler runs", async () => {
    const app = Fastify();
    app.setErrorHandler((e, _req, reply) => reply.status(418).send({ code: (e as { code?: string }).code }));
    guardRoutes(app);
    let ran = 0;
    app.get("/open", { config: { action: "desk.health" } }, async () => ({ ran: ++ran }));
    app.get("/closed", { config: { action: "audit.verify" } }, async () => ({ ran: ++ran }));
    expect((await app.inject({ method: "GET", url: "/open" })).json()).toEqual({ ran: 1 });
    const closed = await app.inject({ method: "GET", url: "/closed" });
    expect(closed.json()).toEqual({ code: "auth.unauthenticated" });
    expect(ran).toBe(1);
    await app.close();
  });
});
