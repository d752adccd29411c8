/**
 * No upload can stall the server (issue #15, item 1): against a real server process, three
 * decompression bombs uploaded at once (PNGs of ~420 KB that declare 12000×12000 pixels, 432 MB
 * inflated) are each refused at once with a clear 4xx problem and its code, while /api/health keeps
 * answering within 50 ms at the 99th percentile and the server's memory grows by less than 100 MB.
 * A JPEG bomb sent as an applicant's material is refused the same way.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jpegBomb, pngBomb } from "../src/seal/bomb-test-support.js";
import { http, login, serverFleet, type ServerProcess } from "./support/process.js";

const SUPPLIER = ["13800138000", "supplier-demo-1"] as const;

const fleet = serverFleet();
const dataDir = mkdtempSync(join(tmpdir(), "certdesk-uploads-"));
let server: ServerProcess;
let token: string;

beforeAll(async () => {
  server = await fleet.start({ store: { kind: "embedded", dataDir }, demo: true, readyWithinMs: 120_000 });
  token = await login(server, ...SUPPLIER);
}, 180_000);

afterAll(async () => {
  await fleet.killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The server's resident memory now, from /proc (bytes). */
function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

function upload(path: string, filename: string, bytes: Uint8Array, type: string) {
  const form = new FormData();
  form.append("file", new Blob([bytes], { type }), filename);
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "accept-language": "en" },
    body: form,
    signal: AbortSignal.timeout(60_000),
  });
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

describe("uploads cannot stall the server", () => {
  it("three PNG bombs at once: each refused in under a second with upload.image_too_large; health p99 < 50 ms; RSS grows < 100 MB", async () => {
    const bomb = await pngBomb(12_000, 12_000);
    expect(bomb.length).toBeLessThan(600_000);
    // Settle, then the baseline.
    for (let i = 0; i < 20; i++) await http(`${server.url}/api/health`);
    const baseline = rssOf(server.pid);
    let peak = baseline;

    let uploading = true;
    const latencies: number[] = [];
    // Health polled back to back while the bombs are in flight, bounded in count and time.
    const polling = (async () => {
      const until = Date.now() + 60_000;
      // At least 2 s of polls, so that the 99th percentile is not merely the slowest of a few.
      const atLeastUntil = Date.now() + 2_000;
      while ((uploading || Date.now() < atLeastUntil) && latencies.length < 5_000 && Date.now() < until) {
        const started = performance.now();
        try {
          const res = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
        } catch {
          // No answer within 10 s: a stalled server, counted at the time waited.
        }
        latencies.push(performance.now() - started);
        peak = Math.max(peak, rssOf(server.pid));
      }
    })();

    const refusals = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const started = performance.now();
        const res = await upload(`/api/orders/${randomUUID()}/seal-image`, "imprint.png", bomb, "image/png");
        const body = (await res.json()) as { code?: string; detail?: string };
        return { status: res.status, body, ms: performance.now() - started };
      }),
    );
    uploading = false;
    await polling;
    peak = Math.max(peak, rssOf(server.pid));

    const p99 = percentile(latencies, 99);
    console.log(
      `bombs refused in ${refusals.map((r) => r.ms.toFixed(0)).join(", ")} ms; health p99 ${p99.toFixed(1)} ms ` +
        `(max ${Math.max(...latencies).toFixed(1)} ms, ${latencies.length} polls); ` +
        `RSS growth ${((peak - baseline) / 1048576).toFixed(1)} MB; slowest polls ` +
        [...latencies]
          .sort((a, b) => b - a)
          .slice(0, 8)
          .map((l) => l.toFixed(0))
          .join(", "),
    );
    for (const r of refusals) {
      expect(r.status).toBe(413);
      expect(r.body.code).toBe("upload.image_too_large");
      expect(r.body.detail).toContain("12000×12000");
      expect(r.ms).toBeLessThan(1_000);
    }
    expect(p99).toBeLessThan(50);
    expect(peak - baseline).toBeLessThan(100 * 1048576);
  }, 120_000);

  it("a JPEG bomb sent as a material is refused with upload.image_too_large, in Chinese by default", async () => {
    const created = await http(`${server.url}/api/orders`, {
      method: "POST",
      token,
      json: { programmeId: "procurement", service: "new", details: { years: 1 } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const orderId = (created.body as { id: string }).id;
    const form = new FormData();
    form.append("file", new Blob([jpegBomb(60_000, 60_000)], { type: "image/jpeg" }), "licence.jpg");
    const started = performance.now();
    const res = await fetch(`${server.url}/api/orders/${orderId}/materials/business-licence`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { code?: string; detail?: string };
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.status).toBe(413);
    expect(body.code).toBe("upload.image_too_large");
    expect(body.detail).toContain("60000×60000");
    expect(body.detail).toContain("图片尺寸过大");
  });
});
