/**
 * Password hashing (scrypt, 32 MB and tens of milliseconds a hash) on worker threads of its own.
 * On libuv's pool a burst of logins took the four threads that file reads, DNS and the SM2 addon's
 * signatures also wait for; here they queue for their own threads, one job at a time per thread.
 *
 * One thread per core but one, so the event loop keeps a core of its own (on two cores, one
 * thread). The pool starts on first use; threads do not keep the process alive while idle. Where a
 * thread cannot start or dies, its work is done by the caller's fallback (scrypt on libuv's pool):
 * the same key, only on another thread.
 */
import { moduleWorker } from "../worker-module.js";
import type { ScryptOptions } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";

export interface PasswordPoolRequest {
  id: number;
  password: string;
  salt: Uint8Array;
  keylen: number;
  params: ScryptOptions;
}

export type PasswordPoolReply =
  | { id: number; ok: true; ready: true }
  | { id: number; ok: true; key: Uint8Array }
  | { id: number; ok: false; error: string };

type Fallback = () => Promise<Buffer>;

interface Job {
  request: Omit<PasswordPoolRequest, "id">;
  fallback: Fallback;
  resolve(key: Buffer): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: (Job & { id: number }) | undefined;
}

/** Leave a core to the event loop: on two cores, one thread. */
export const PASSWORD_THREADS = Math.max(1, availableParallelism() - 1);

export class PasswordPool {
  /** keys derived on a thread of the pool, and by the fallback */
  readonly stats = { pooled: 0, fallback: 0 };
  readonly #threads: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #failed = false;

  constructor(threads = PASSWORD_THREADS) {
    this.#threads = threads;
  }

  /** scrypt(password, salt) on a thread of the pool; `fallback` derives the same key where none runs. */
  scrypt(request: Omit<PasswordPoolRequest, "id">, fallback: Fallback): Promise<Buffer> {
    if (this.#failed) return this.#fallback({ request, fallback, resolve: () => {}, reject: () => {} });
    return new Promise<Buffer>((resolve, reject) => {
      this.#queue.push({ request, fallback, resolve, reject });
      if (this.#slots.length === 0) this.#start();
      this.#dispatch();
      this.#holdWhileWaiting();
    });
  }

  /** Stops the threads (tests, shutdown); what waits is derived by the fallback. A later call starts new ones. */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0);
    for (const slot of slots) slot.ready = false;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const slot of slots) if (slot.job) this.#runFallback(slot.job);
    for (const job of this.#queue.splice(0)) this.#runFallback(job);
  }

  #fallback(job: Job): Promise<Buffer> {
    this.stats.fallback++;
    return job.fallback();
  }

  #runFallback(job: Job): void {
    this.#fallback(job).then(job.resolve, job.reject);
  }

  /**
   * Threads keep the process alive only while there is work for them: a CLI awaiting a hash must
   * not exit while the thread starts, and an idle pool must not keep a finished command running.
   */
  #holdWhileWaiting(): void {
    const waiting = this.#queue.length > 0;
    for (const slot of this.#slots) {
      if (slot.job || (waiting && !slot.ready)) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.job) continue;
      const job = this.#queue.shift();
      if (!job) return;
      const id = this.#nextId++;
      slot.job = { ...job, id };
      slot.worker.postMessage({ id, ...job.request } satisfies PasswordPoolRequest);
    }
  }

  #start(): void {
    for (let i = 0; i < this.#threads; i++) {
      let worker: Worker;
      try {
        worker = moduleWorker(import.meta.url, "password-worker");
      } catch {
        this.#fail();
        return;
      }
      const slot: Slot = { worker, ready: false, job: undefined };
      worker.on("message", (reply: PasswordPoolReply) => {
        if ("ready" in reply) {
          slot.ready = true;
          this.#dispatch();
          this.#holdWhileWaiting();
          return;
        }
        const job = slot.job;
        if (job?.id !== reply.id) return;
        slot.job = undefined;
        if (reply.ok && "key" in reply) {
          this.stats.pooled++;
          job.resolve(Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
        } else this.#runFallback(job);
        this.#dispatch();
        this.#holdWhileWaiting();
      });
      // A thread that cannot start or dies: its work and what waits go to the fallback.
      worker.on("error", () => this.#fail());
      worker.on("exit", () => {
        if (this.#slots.includes(slot)) this.#fail();
      });
      // After the listeners: adding a "message" listener refs the worker's port again (Node 20).
      worker.unref();
      this.#slots.push(slot);
    }
  }

  #fail(): void {
    if (this.#failed) return;
    this.#failed = true;
    const slots = this.#slots.splice(0);
    for (const slot of slots) {
      slot.ready = false;
      void slot.worker.terminate().catch(() => undefined);
      if (slot.job) this.#runFallback(slot.job);
    }
    for (const job of this.#queue.splice(0)) this.#runFallback(job);
  }
}

let pool: PasswordPool | undefined;

/** The process's password pool. */
export function passwordPool(): PasswordPool {
  pool ??= new PasswordPool();
  return pool;
}
