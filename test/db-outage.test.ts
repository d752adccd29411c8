/**
 * PostgreSQL unreachable (issue #15, item 4): while the desk cannot reach its database every API
 * answer, health included, is a 503 with the code store.unavailable, never a 500 or a hang; when
 * the database is back the desk recovers by itself (the pool reconnects). The server the other
 * suites share is never stopped: the desk reaches it through a TCP proxy this test cuts.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../src/store/database.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { createTempDatabase } from "./support/stores.js";

/** A TCP proxy in front of the PostgreSQL server; cut() drops every connection and refuses new ones. */
interface CuttableProxy {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function startProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
  const open = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) return client.destroy();
    const upstream = createConnection(target);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const serverUrl = process.env.TEST_DATABASE_URL;

// Only where a PostgreSQL server is given (TEST_DATABASE_URL), like the store suites' second run.
for (const url of serverUrl ? [serverUrl] : []) {
  describe("PostgreSQL unreachable", () => {
    let temp: Awaited<ReturnType<typeof createTempDatabase>>;
    let proxy: CuttableProxy;
    let store: Store;
    let t: TestApp;

    beforeAll(async () => {
      temp = await createTempDatabase(url);
      const direct = new URL(temp.url);
      proxy = await startProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
      const viaProxy = new URL(temp.url);
      viaProxy.hostname = "127.0.0.1";
      viaProxy.port = String(proxy.port);
      store = await openStore({ kind: "postgres", url: viaProxy.toString() });
      t = await startTestApp(store);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await store?.close();
      await proxy?.close();
      await temp?.drop();
    });

    const get = async (url: string) => {
      const res = await t.app.inject({ method: "GET", url: `${url}?lang=en` });
      return {
        status: res.statusCode,
        body: res.json<{ code?: string; detail?: string; status?: string }>(),
        res,
      };
    };

    it("answers 503 store.unavailable on health and the API while cut, and recovers by itself", async () => {
      expect((await get("/api/health")).status).toBe(200);
      expect((await get("/api/programmes")).status).toBe(200);

      proxy.cut();
      for (const url of ["/api/health", "/api/programmes", "/api/health"]) {
        const started = Date.now();
        const answer = await get(url);
        expect(answer.status, `${url}: ${JSON.stringify(answer.body)}`).toBe(503);
        expect(answer.body.code).toBe("store.unavailable");
        expect(answer.body.detail).toMatch(/database/i);
        expect(answer.res.headers["retry-after"]).toBeDefined();
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      // A signed-in request fails the same way while its session is looked up.
      const signedIn = await t.app.inject({
        method: "GET",
        url: "/api/orders",
        headers: { authorization: "Bearer some-session-token" },
      });
      expect(signedIn.statusCode).toBe(503);

      proxy.restore();
      expect((await get("/api/health")).status).toBe(200);
      expect((await get("/api/programmes")).status).toBe(200);
    }, 60_000);
  });
}
