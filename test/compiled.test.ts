/**
 * The shipped product starts from the compiled code in dist/ (`npm run build`, which `npm test`
 * runs first): the server with its OCSP worker processes, the admin CLI and the security client,
 * none of them through the tsx loader. The other suites run the sources (CERTDESK_FROM_SOURCE=1).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, freePort, serverFleet } from "./support/process.js";

const fleet = serverFleet();
const dataDir = mkdtempSync(join(tmpdir(), "certdesk-compiled-"));

afterAll(async () => {
  await fleet.killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const dist = join(REPO_ROOT, "dist");

/** Every product source under src/ (tests and test helpers are not built). */
function productSources(dir = join(REPO_ROOT, "src")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return productSources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && !e.name.endsWith("test-support.ts")
      ? [path]
      : [];
  });
}

/** Runs a bin script as an installed user would: no CERTDESK_FROM_SOURCE, no tsx. */
function bin(name: string, args: string[]) {
  const env = { ...process.env };
  delete env.CERTDESK_FROM_SOURCE;
  delete env.NODE_OPTIONS;
  return spawnSync(process.execPath, [join(REPO_ROOT, "bin", name), ...args], { env, encoding: "utf8" });
}

describe("the compiled product", () => {
  it("is built, and no source is newer than its compiled module", () => {
    expect(existsSync(join(dist, "main.js")), "dist/ is missing: run `npm run build`").toBe(true);
    const stale = productSources().filter((src) => {
      const out = join(dist, relative(join(REPO_ROOT, "src"), src)).replace(/\.ts$/, ".js");
      return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
    });
    expect(
      stale.map((s) => relative(REPO_ROOT, s)),
      "stale build: run `npm run build`",
    ).toEqual([]);
  });

  it("holds no module whose source is gone (a moved or deleted file)", () => {
    const modules = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? modules(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : [],
      );
    const orphans = modules(dist).filter(
      (js) => !existsSync(join(REPO_ROOT, "src", relative(dist, js)).replace(/\.js$/, ".ts")),
    );
    expect(orphans.map((o) => relative(REPO_ROOT, o))).toEqual([]);
  });

  it("runs the admin CLI and the security client from dist/", () => {
    const cli = bin("certdesk.js", ["--version"]);
    expect(cli.stderr).toBe("");
    expect(cli.status).toBe(0);
    expect(cli.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const client = bin("certdesk-client.js", ["--help"]);
    expect(client.status).toBe(0);
    expect(client.stdout).toContain("sign");
  });

  it("starts the server and its OCSP worker processes from dist/", async () => {
    const ocspPort = await freePort();
    const server = await fleet.start({
      store: { kind: "embedded", dataDir },
      compiled: true,
      readyWithinMs: 150_000,
      env: { CERTDESK_OCSP_PORT: String(ocspPort), CERTDESK_OCSP_WORKERS: "1" },
    });
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    // A worker process answers even a request it cannot read: with an OCSP malformedRequest.
    const res = await fetch(`http://127.0.0.1:${ocspPort}/ocsp`, {
      method: "POST",
      headers: { "content-type": "application/ocsp-request" },
      body: new Uint8Array([0x30, 0x00]),
    });
    expect(res.headers.get("content-type")).toBe("application/ocsp-response");
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0x30, 0x03, 0x0a, 0x01, 0x01]);
    expect((await server.stop()).code).toBe(0);
  }, 200_000);
});
