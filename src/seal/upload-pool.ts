/**
 * Uploaded files are decoded on worker threads, never on the event loop: a seal photo (PNG or JPEG
 * decode and analysis) and a PDF to verify (parsing, object streams, signatures) take from tens of
 * milliseconds to seconds, and a hostile file can take much more. Each job has a budget: a time
 * limit, after which its thread is terminated and replaced, and a heap limit (worker_threads
 * `resourceLimits`), past which V8 stops the thread. Pixel buffers live outside the heap, so their
 * size is bounded before a job starts, by the image header check (image-header.ts).
 *
 * One job at a time per thread, a bounded queue, and a clear refusal past it (upload.busy): a burst
 * of uploads waits its turn instead of multiplying the memory in use. Threads start on first use and
 * do not keep the process alive while idle.
 */
import { moduleWorker } from "../worker-module.js";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { DomainError, type ErrorParams } from "../domain/errors.js";
import type { SealImageOptions, SealPicture } from "./image.js";
import type { pdfVerdictToJson } from "./pdf-describe.js";
import type { VerifyPdfOptions } from "./pdf-verify.js";

export type UploadJob =
  | { op: "sealImage"; bytes: Uint8Array; options: SealImageOptions }
  | { op: "verifyPdf"; pdf: Uint8Array; options: VerifyPdfOptions };

export interface UploadResults {
  /** the seal picture and the SHA-256 (hex) of the source, hashed on the thread too */
  sealImage: { picture: SealPicture; sha256: string };
  /** the verdict as the API returns it (plain JSON, so nothing is lost crossing threads) */
  verifyPdf: ReturnType<typeof pdfVerdictToJson>;
}

export type UploadReply =
  | { id: number; ok: true; ready: true }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; code: string; params: ErrorParams }
  | { id: number; ok: false; error: string };

export interface UploadBudget {
  /** wall time of one job on its thread */
  timeoutMs: number;
  /** the thread's V8 heap (old generation) */
  heapMb: number;
}

export interface UploadPoolOptions extends Partial<UploadBudget> {
  threads?: number;
  /** jobs that may wait for a thread; more are refused with upload.busy */
  maxQueued?: number;
}

/**
 * Measured on this shared two-core machine under load: a seal picture from a 48 MP JPEG took 42 s,
 * so one at the 25 MP limit (image-header.ts) takes about 22 s; a 1200×900 photo, 2 to 3 s. Twice
 * the slowest honest job is the budget: past it a job is treated as hostile.
 */
export const DEFAULT_UPLOAD_BUDGET: UploadBudget = { timeoutMs: 60_000, heapMb: 256 };

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Running | undefined;
}

interface Running {
  id: number;
  timer: NodeJS.Timeout;
  settle(reply: UploadReply | Error): void;
}

interface Queued {
  job: UploadJob;
  timeoutMs: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class UploadWorkerPool {
  /** jobs answered by a thread, and threads terminated for going over their budget */
  readonly stats = { done: 0, replaced: 0 };
  readonly #budget: UploadBudget;
  readonly #threads: number;
  readonly #maxQueued: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Queued[] = [];
  #nextId = 1;

  constructor(options: UploadPoolOptions = {}) {
    this.#budget = {
      timeoutMs: options.timeoutMs ?? DEFAULT_UPLOAD_BUDGET.timeoutMs,
      heapMb: options.heapMb ?? DEFAULT_UPLOAD_BUDGET.heapMb,
    };
    this.#threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    this.#maxQueued = options.maxQueued ?? 16;
  }

  /** Makes the seal picture (image.ts) on a thread; refusals arrive as the DomainError they were. */
  sealImage(
    bytes: Uint8Array,
    options: SealImageOptions,
    budget: Partial<Pick<UploadBudget, "timeoutMs">> = {},
  ): Promise<UploadResults["sealImage"]> {
    return this.#run({ op: "sealImage", bytes, options }, budget) as Promise<UploadResults["sealImage"]>;
  }

  /** Verifies a PDF's signatures (pdf-verify.ts) on a thread. */
  verifyPdf(
    pdf: Uint8Array,
    options: VerifyPdfOptions,
    budget: Partial<Pick<UploadBudget, "timeoutMs">> = {},
  ): Promise<UploadResults["verifyPdf"]> {
    return this.#run({ op: "verifyPdf", pdf, options }, budget) as Promise<UploadResults["verifyPdf"]>;
  }

  /** Starts the threads now, so the first upload does not wait for them. */
  warm(): void {
    this.#fill();
  }

  /** Stops the threads; jobs waiting or running are refused (upload.busy). A later job starts new ones. */
  async close(): Promise<void> {
    for (const q of this.#queue.splice(0)) q.reject(new DomainError("upload.busy"));
    const slots = this.#slots.splice(0);
    for (const slot of slots) slot.job?.settle(new DomainError("upload.busy"));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #run(job: UploadJob, budget: Partial<Pick<UploadBudget, "timeoutMs">>): Promise<unknown> {
    if (this.#queue.length >= this.#maxQueued) return Promise.reject(new DomainError("upload.busy"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, timeoutMs: budget.timeoutMs ?? this.#budget.timeoutMs, resolve, reject });
      this.#fill();
      this.#dispatch();
    });
  }

  /** Keeps the pool at its size: on first use, and after a thread was terminated. */
  #fill(): void {
    while (this.#slots.length < this.#threads) this.#slots.push(this.#startSlot());
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.job) continue;
      const next = this.#queue.shift();
      if (!next) return;
      this.#start(slot, next);
    }
  }

  #start(slot: Slot, queued: Queued): void {
    const id = this.#nextId++;
    // The clock runs from when the thread takes the job: time in the queue is not the job's fault.
    const timer = setTimeout(() => {
      this.#retire(slot);
      queued.reject(
        new DomainError("upload.time_budget", { seconds: +(queued.timeoutMs / 1000).toFixed(1) }),
      );
    }, queued.timeoutMs);
    slot.job = {
      id,
      timer,
      settle: (reply) => {
        clearTimeout(timer);
        slot.job = undefined;
        if (reply instanceof Error) queued.reject(reply);
        else if (reply.ok && "value" in reply) {
          this.stats.done++;
          queued.resolve(reply.value);
        } else if (!reply.ok && "code" in reply) queued.reject(new DomainError(reply.code, reply.params));
        else queued.reject(new Error(`upload worker: ${"error" in reply ? reply.error : "no answer"}`));
        this.#dispatch();
      },
    };
    slot.worker.ref();
    slot.worker.postMessage({ id, ...queued.job });
  }

  #startSlot(): Slot {
    const heapMb = this.#budget.heapMb;
    const worker = moduleWorker(import.meta.url, "upload-worker", {
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    const slot: Slot = { worker, ready: false, job: undefined };
    worker.unref();
    worker.on("message", (reply: UploadReply) => {
      if ("ready" in reply) {
        slot.ready = true;
        this.#dispatch();
        return;
      }
      if (slot.job?.id !== reply.id) return;
      worker.unref();
      slot.job.settle(reply);
    });
    worker.on("error", (e: Error) => this.#lost(slot, e));
    worker.on("exit", () => this.#lost(slot, new Error("upload worker exited")));
    return slot;
  }

  /** A thread died: its job is refused, and if it never started, the waiting jobs fail rather than loop. */
  #lost(slot: Slot, e: Error & { code?: string }): void {
    if (!this.#slots.includes(slot)) return; // retired already
    const job = slot.job;
    if (!slot.ready)
      for (const q of this.#queue.splice(0)) q.reject(new Error(`upload worker did not start: ${e.message}`));
    this.#retire(slot);
    // A thread past its heap limit is stopped by V8 (ERR_WORKER_OUT_OF_MEMORY).
    job?.settle(
      e.code === "ERR_WORKER_OUT_OF_MEMORY"
        ? new DomainError("upload.memory_budget", { megabytes: this.#budget.heapMb })
        : e,
    );
  }

  /** Terminates a thread (over budget, or dead) and starts another in its place if work waits. */
  #retire(slot: Slot): void {
    const at = this.#slots.indexOf(slot);
    if (at < 0) return;
    this.#slots.splice(at, 1);
    if (slot.job) clearTimeout(slot.job.timer);
    slot.job = undefined;
    slot.ready = false;
    this.stats.replaced++;
    void slot.worker.terminate().catch(() => undefined);
    if (this.#queue.length > 0) {
      this.#fill();
      this.#dispatch();
    }
  }
}

let pool: UploadWorkerPool | undefined;

/** The process's pool for uploaded files. */
export function uploadPool(): UploadWorkerPool {
  pool ??= new UploadWorkerPool();
  return pool;
}
