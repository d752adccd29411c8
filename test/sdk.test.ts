/**
 * The relying-platform SDK as a platform installs it (packages/sdk): typed from the desk's OpenAPI
 * document, built into one module that runs without the desk's sources, and talking to a real desk.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TYPES_FILE, renderApiTypes } from "../packages/sdk/scripts/api-types.js";
import type * as Sdk from "../packages/sdk/src/index.js";
import type { OpenApiDocument } from "../packages/sdk/scripts/api-types.js";
import { webhookSignatureHeader } from "../src/platforms/request-signing.js";
import { DEMO, startTestApp, type TestApp } from "./support/app.js";
import { REPO_ROOT } from "./support/process.js";
import { testStores } from "./support/stores.js";

const SDK = join(REPO_ROOT, "packages/sdk");

describe("the relying-platform SDK package", () => {
  it("packs only its build, README, example and package.json", () => {
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: SDK,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files.filter((f) => !/^(dist\/|example\/|README\.md$|package\.json$)/.test(f))).toEqual([]);
  });

  describe("built, against a desk", () => {
    const kind = testStores[0]!;
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    let url: string;
    let credential: { keyId: string; secret: string };
    let sdk: typeof Sdk;

    beforeAll(async () => {
      const built = spawnSync(process.execPath, ["build.mjs"], { cwd: SDK, encoding: "utf8" });
      expect(built.status, built.stderr).toBe(0);
      for (const f of ["dist/index.js", "dist/index.d.ts"]) expect(existsSync(join(SDK, f)), f).toBe(true);
      // The bundle imports no desk source: only node: modules and the packages it declares.
      const bundle = readFileSync(join(SDK, "dist/index.js"), "utf8");
      expect(bundle).not.toMatch(/from\s+["']\.\.?\//);
      sdk = (await import(join(SDK, "dist/index.js"))) as typeof sdk;

      store = await kind.open();
      t = await startTestApp(store, "2026-11-20T02:00:00Z", {
        platforms: { secretKey: "sdk-test-secret-key-000000000000" },
      });
      url = await t.app.listen({ host: "127.0.0.1", port: 0 });
      const admin = await t.as(...DEMO.admin);
      const res = await admin({
        method: "POST",
        url: "/api/platforms",
        payload: { id: "sdk-platform", programmeId: "procurement", name: "SDK 平台" },
      });
      expect(res.status, res.body).toBe(200);
      credential = res.json<{ credential: { keyId: string; secret: string } }>().credential;
    }, 180_000);
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    it("is typed from the OpenAPI document the desk serves (src/api.ts in step)", async () => {
      const doc = (await t.app.inject({ method: "GET", url: "/docs/json" })).json<OpenApiDocument>();
      expect(
        readFileSync(API_TYPES_FILE, "utf8"),
        "run: node --import tsx packages/sdk/scripts/api-types.ts",
      ).toBe(await renderApiTypes(doc));
    });

    const client = (c: { keyId: string; secret: string }) =>
      new sdk.CertdeskPlatformClient({
        baseUrl: url,
        origin: "https://bid.example",
        ...c,
        now: () => t.clock.now(),
      });

    it("signs its requests: the desk gives a challenge, and refuses a wrong secret with its code", async () => {
      const { challenge, expiresAt } = await client(credential).challenge("login");
      expect(challenge.length).toBeGreaterThan(10);
      expect(Date.parse(expiresAt)).toBeGreaterThan(t.clock.now().getTime());
      const refused = await client({ ...credential, secret: "wrong" })
        .challenge("login")
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(sdk.CertdeskApiError);
      expect(refused).toMatchObject({ status: 401, code: "platform.auth_invalid" });
    });

    it("accepts the desk's webhook signature and refuses a changed body", () => {
      const body = JSON.stringify({ id: "e1", type: "binding.bound" });
      const now = new Date();
      const header = webhookSignatureHeader(credential, body, now);
      const secrets = { [credential.keyId]: credential.secret };
      expect(sdk.verifyWebhook({ body, header, secrets, now })).toMatchObject({ ok: true });
      expect(sdk.verifyWebhook({ body: body.replace("e1", "e2"), header, secrets, now })).toMatchObject({
        ok: false,
        reason: "bad_signature",
      });
    });
  });
});
