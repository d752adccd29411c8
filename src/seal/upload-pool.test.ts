/**
 * The upload pool decodes on worker threads with a budget per job: it gives the answers the
 * in-thread code gives, keeps the event loop free meanwhile, and a job over its time or heap budget
 * is stopped with a clear refusal while the pool goes on serving with a fresh thread.
 */
import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../domain/errors.js";
import { processSealImage } from "./image.js";
import { BLUE_INK, drawPhoto, toPng } from "../../test/support/seal-images.js";
import { UploadWorkerPool } from "./upload-pool.js";

/** 20 mm at 300 dpi: 236 pixels, from a small photo, so each job is short. */
const OPTIONS = { sizeMm: 20, dpi: 300 };
const photo = toPng(drawPhoto({ width: 600, height: 450, stamps: [{ cx: 300, cy: 225, radius: 160 }] }));

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

/** The longest the event loop went without running a timer while `work` ran. */
async function longestStall(work: Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    await work;
  } catch {
    // The caller judges the outcome.
  }
  clearInterval(timer);
  return longest;
}

const pools: UploadWorkerPool[] = [];
const newPool = (...args: ConstructorParameters<typeof UploadWorkerPool>) => {
  const pool = new UploadWorkerPool(...args);
  pools.push(pool);
  return pool;
};
afterAll(async () => {
  for (const pool of pools) await pool.close();
});

describe("the upload pool", () => {
  it("makes the same seal picture as in-thread, with the source's SHA-256, without stalling the event loop", async () => {
    const pool = newPool({ threads: 1 });
    pool.warm();
    const job = pool.sealImage(photo, OPTIONS);
    const stall = await longestStall(job);
    const { picture, sha256 } = await job;
    expect(Buffer.from(picture.png).equals(Buffer.from(processSealImage(photo, OPTIONS).png))).toBe(true);
    expect(sha256).toBe(createHash("sha256").update(photo).digest("hex"));
    expect(stall).toBeLessThan(100);
  });

  it("raises a refusal made on the thread as the same DomainError", async () => {
    const pool = newPool({ threads: 1 });
    const blue = toPng(
      drawPhoto({ width: 600, height: 450, stamps: [{ cx: 300, cy: 225, radius: 160, ink: BLUE_INK }] }),
    );
    expect((await refusal(pool.sealImage(blue, OPTIONS))).code).toBe("seal.image_no_red_ink");
  });

  it("terminates a job over its time budget, refuses it with upload.time_budget, and goes on serving", async () => {
    const pool = newPool({ threads: 1 });
    pool.warm();
    // Warm up, so the budget below is spent on the job, not on the thread's start.
    await pool.sealImage(photo, OPTIONS);
    const started = performance.now();
    const slow = await refusal(pool.sealImage(photo, OPTIONS, { timeoutMs: 5 }));
    expect(slow.code).toBe("upload.time_budget");
    expect(slow.params).toEqual({ seconds: 0 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(pool.stats.replaced).toBe(1);
    // Queued behind the killed job, and after it: both answered by the new thread.
    const [a, b] = await Promise.all([pool.sealImage(photo, OPTIONS), pool.sealImage(photo, OPTIONS)]);
    expect(a.picture.widthPx).toBe(236);
    expect(b.sha256).toBe(a.sha256);
    expect(pool.stats.done).toBe(3);
  });

  it("refuses with upload.busy past its queue, at once", async () => {
    const pool = newPool({ threads: 1, maxQueued: 1 });
    await pool.sealImage(photo, OPTIONS);
    const first = pool.sealImage(photo, OPTIONS);
    const second = pool.sealImage(photo, OPTIONS);
    expect((await refusal(pool.sealImage(photo, OPTIONS))).code).toBe("upload.busy");
    await Promise.all([first, second]);
  });
});

/** A PDF of `count` small objects, uncompressed: pdf-lib keeps each as objects on the heap. */
function manyObjects(count: number): Uint8Array {
  const parts = ["%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"];
  parts.push("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
  for (let i = 3; i < count + 3; i++) parts.push(`${i} 0 obj\n<< /N ${i} /A [${i} ${i} ${i}] >>\nendobj\n`);
  parts.push("trailer\n<< /Root 1 0 R >>\n%%EOF\n");
  return Buffer.from(parts.join(""), "latin1");
}

describe("the upload pool's heap budget", () => {
  it("stops a job that outgrows the thread's heap with upload.memory_budget, and goes on serving", async () => {
    const pool = newPool({ threads: 1, heapMb: 32, timeoutMs: 60_000 });
    const pdf = manyObjects(150_000);
    const refused = await refusal(pool.verifyPdf(pdf, {}));
    expect(refused.code).toBe("upload.memory_budget");
    expect(refused.params).toEqual({ megabytes: 32 });
    expect(pool.stats.replaced).toBe(1);
    const small = await pool.verifyPdf(manyObjects(10), {});
    expect(small).toMatchObject({ valid: false, signatures: [] });
  }, 120_000);
});
