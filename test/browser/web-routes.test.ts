/**
 * How the server hands out the web app (src/server/routes/web.ts): built files, index.html for the
 * browser's own routes, and never the app for the server's paths (API, docs, CRLs, OCSP, CA
 * certificates, the payment gateway), whose misses stay the API's 404.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerWebRoutes } from "../../src/server/routes/web.js";

async function appOn(dist: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).type("application/problem+json").send({ code: "common.not_found" }),
  );
  await registerWebRoutes(app, dist);
  return app;
}

describe("the web app's routes", () => {
  const root = mkdtempSync(join(tmpdir(), "certdesk-web-"));
  const dist = join(root, "dist");
  let app: FastifyInstance;

  beforeAll(async () => {
    mkdirSync(join(dist, "assets"), { recursive: true });
    writeFileSync(join(dist, "index.html"), "<!doctype html><div id=root></div>");
    writeFileSync(join(dist, "assets", "index-abc123.js"), "console.log(1)");
    writeFileSync(join(dist, "favicon.svg"), "<svg/>");
    app = await appOn(dist);
  });
  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves index.html at / and for the app's own paths, never cached", async () => {
    for (const url of [
      "/",
      "/portal",
      "/portal/orders/3f0c8a52-0b7e-4b1e-9f5e-6a1f0e4c9d11",
      "/guides/procurement/new?x=1",
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"], url).toMatch(/^text\/html/);
      expect(res.headers["cache-control"], url).toBe("no-cache");
      expect(res.body).toContain("id=root");
    }
  });

  it("serves hashed assets for good, and a missing one is a 404, not the app", async () => {
    const js = await app.inject({ url: "/assets/index-abc123.js" });
    expect(js.statusCode).toBe(200);
    expect(js.headers["cache-control"]).toContain("immutable");
    expect((await app.inject({ url: "/assets/index-gone.js" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/favicon.svg" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/robots.txt" })).statusCode).toBe(404);
  });

  it("never answers the server's paths with the app (API, docs, CRL, OCSP, CA, gateway)", async () => {
    for (const url of [
      "/api/nothing",
      "/api",
      "/docs/nothing",
      "/crl/x.crl",
      "/ocsp/abc",
      "/ca/root",
      "/dev-gateway/pay/x",
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"], url).toMatch(/problem\+json/);
    }
  });

  it("says how to build the app when web/dist is missing", async () => {
    const bare = await appOn(join(root, "not-built"));
    const res = await bare.inject({ url: "/portal" });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain("npm run build:web");
    expect((await bare.inject({ url: "/api/nothing" })).statusCode).toBe(404);
    await bare.close();
  });
});
