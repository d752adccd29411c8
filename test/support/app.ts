/** An app on a test store with a fixed clock and the demo data, driven through app.inject. */
import type { FastifyInstance, InjectOptions } from "fastify";
import { fixedClock } from "../../src/domain/clock.js";
import { DevPaymentGateway } from "../../src/money/dev-gateway.js";
import { buildApp, type AppDeps } from "../../src/server/app.js";
import { systemActor } from "../../src/people/actor.js";
import {
  CA_ALGORITHMS,
  CaRegistry,
  initCas,
  publicationUrls,
  type PublicationUrls,
} from "../../src/ca/ca.js";
import { LiveCalendar, loadCalendar, seedBundledCalendar } from "../../src/desk/calendar.js";
import { seedDemo } from "../../src/desk/demo.js";
import type { Store } from "../../src/store/database.js";

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  clock: ReturnType<typeof fixedClock>;
  gateway: DevPaymentGateway;
  cas: CaRegistry;
  urls: PublicationUrls;
  /** What the app was built with, for calling the services directly. */
  deps: AppDeps;
  /** Signs in and returns a function that sends requests as that user. */
  as(login: string, password: string): Promise<Client>;
  close(): Promise<void>;
}

export type Client = (
  opts: InjectOptions,
) => Promise<{ status: number; json: <T = Record<string, unknown>>() => T; body: string; raw: Buffer }>;

/** Unlocks the test CAs' keys (encrypted at rest like any others). */
export const TEST_CA_PASSPHRASE = "test-ca-passphrase-not-secret";

export const DEMO = {
  supplierA: ["13800138000", "supplier-demo-1"],
  retailerB: ["13900139000", "retailer-demo-1"],
  reviewer: ["reviewer", "reviewer-demo-1"],
  production: ["production", "production-demo-1"],
  finance: ["finance", "finance-demo-1"],
  admin: ["admin", "admin-demo-1"],
} as const;

export async function startTestApp(
  store: Store,
  now = "2026-11-20T02:00:00Z",
  /** Deps some suites add (the USB key desk, a publication). */
  extra: Partial<AppDeps> = {},
): Promise<TestApp> {
  const clock = fixedClock(now);
  await seedBundledCalendar(store.db);
  const calendar = new LiveCalendar(await loadCalendar(store.db));
  await seedDemo({ db: store.db, clock });
  // The demo CAs, as `npm run demo` makes them: every certificate issued in a test chains to these.
  const urls = publicationUrls("http://certdesk.test");
  await initCas({ db: store.db, clock }, systemActor("test"), {
    algorithms: CA_ALGORITHMS,
    organisation: "certdesk 测试",
    passphrase: TEST_CA_PASSPHRASE,
    urls,
    prefix: "demo",
  });
  const cas = new CaRegistry(store.db, { passphrase: TEST_CA_PASSPHRASE });
  const holder: { app?: FastifyInstance } = {};
  // The gateway's callback goes back into this same app, as it would over HTTP.
  const gateway = new DevPaymentGateway({
    db: store.db,
    secret: "test-secret-test-secret-test-secret",
    publicUrl: "http://certdesk.test",
    clock,
    send: async (url, body, signature) => {
      const res = await holder.app!.inject({
        method: "POST",
        url: new URL(url).pathname,
        headers: { "content-type": "application/json", "x-gateway-signature": signature },
        payload: body,
      });
      if (res.statusCode !== 200) throw new Error(`callback refused: ${res.statusCode} ${res.body}`);
    },
  });
  const deps: AppDeps = {
    db: store.db,
    clock,
    calendar,
    gateway,
    devGateway: gateway,
    publicUrl: "http://certdesk.test",
    sessionHours: 12,
    uploadLimitBytes: 2 * 1024 * 1024,
    secureCookies: false,
    cas,
    urls,
    ...extra,
  };
  const app = await buildApp(deps);
  holder.app = app;
  const client =
    (token?: string): Client =>
    async (opts) => {
      const res = await app.inject({
        ...opts,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.headers ?? {}) },
      });
      return { status: res.statusCode, json: <T>() => res.json() as T, body: res.body, raw: res.rawPayload };
    };
  return {
    app,
    store,
    clock,
    gateway,
    cas,
    urls,
    deps,
    as: async (login, password) => {
      const res = await client()({ method: "POST", url: "/api/auth/login", payload: { login, password } });
      if (res.status !== 200) throw new Error(`login ${login} failed: ${res.body}`);
      return client(res.json<{ token: string }>().token);
    },
    close: () => app.close(),
  };
}

export const anonymous =
  async (t: TestApp): Promise<Client> =>
  async (opts) => {
    const res = await t.app.inject(opts);
    return { status: res.statusCode, json: <T>() => res.json() as T, body: res.body, raw: res.rawPayload };
  };

/** A tiny valid PDF and PNG, enough for content sniffing. */
export const PDF_BYTES = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
export const PNG_BYTES = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf000000030101001d6e9e0a0000000049454e44ae426082",
  "hex",
);

export function multipart(filename: string, bytes: Buffer, contentType = "application/octet-stream") {
  const boundary = "----certdesk" + Math.random().toString(16).slice(2);
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

/** Programme A: a new 1-year order of the applicant's, its scans uploaded, submitted: it awaits payment. */
export async function submittedOrderA<T extends { id: string; state: string }>(
  applicant: Client,
): Promise<T> {
  const draft = (
    await applicant({
      method: "POST",
      url: "/api/orders",
      payload: {
        programmeId: "procurement",
        service: "new",
        acknowledgeExistingCertificate: true,
        details: { years: 1 },
      },
    })
  ).json<T>();
  for (const m of ["application-form", "business-licence", "handler-id-card"]) {
    const up = await applicant({
      method: "POST",
      url: `/api/orders/${draft.id}/materials/${m}`,
      ...multipart("scan.pdf", PDF_BYTES),
    });
    if (up.status !== 201) throw new Error(`upload ${m}: ${up.status} ${up.body}`);
  }
  return (await applicant({ method: "POST", url: `/api/orders/${draft.id}/submit` })).json<T>();
}
