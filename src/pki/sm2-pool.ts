/**
 * SM2 signing and verification on worker threads, for the JavaScript fallback (sm2.ts) when the
 * native addon (sm2-native.ts) is not there: without this every signature and every proof of
 * possession holds the event loop, a verification about 1.7 ms. The pool moves them to threads of
 * their own, across the machine's cores.
 *
 * The pool starts on first use and is shared by the process, like libuv's thread pool that node's
 * own crypto uses. Until its threads are ready, or where they cannot start (a runner without the
 * TypeScript loader), or if one dies, the work is done in-thread by the caller's fallback: callers
 * always get the same answer, only sooner or later. Threads do not keep the process alive when
 * idle.
 */
import { moduleWorker } from "../worker-module.js";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";

export type Sm2PoolRequest =
  | { op: "key"; key: number; privateKey: Uint8Array; signerId: string | Uint8Array }
  | { op: "forget"; key: number }
  | { op: "sign"; id: number; key: number; message: Uint8Array }
  | {
      op: "verify";
      id: number;
      publicKey: Uint8Array;
      message: Uint8Array;
      signature: Uint8Array;
      signerId: string | Uint8Array;
    };

export type Sm2PoolReply =
  | { id: number; ok: true; ready: true }
  | { id: number; ok: true; signature: Uint8Array }
  | { id: number; ok: true; valid: boolean }
  | { id: number; ok: false; error: string };

interface Slot {
  worker: Worker;
  ready: boolean;
  inFlight: number;
  /** keys this thread has been given */
  keys: Set<number>;
}

interface Pending {
  slot: Slot;
  settle(reply: Sm2PoolReply | undefined): void;
}

/** Leave a core to the event loop: on two cores, one thread. */
const POOL_SIZE = Math.max(1, Math.min(4, availableParallelism() - 1));

class Sm2WorkerPool {
  /** operations done on a thread of the pool, and in the caller's thread instead */
  readonly stats = { pooled: 0, inThread: 0 };
  readonly #slots: Slot[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #keys = new Map<number, { privateKey: Uint8Array; signerId: string | Uint8Array }>();
  #nextId = 1;
  #nextKey = 1;
  #failed = false;

  /** A key that signs many times; the private scalar goes to each thread on its first signature. */
  registerKey(privateKey: Uint8Array, signerId: string | Uint8Array): number {
    const key = this.#nextKey++;
    this.#keys.set(key, { privateKey: privateKey.slice(), signerId });
    return key;
  }

  /** The key's signer is gone: the threads drop the key too. */
  forgetKey(key: number): void {
    this.#keys.delete(key);
    for (const slot of this.#slots) {
      if (!slot.keys.delete(key)) continue;
      slot.worker.postMessage({ op: "forget", key } satisfies Sm2PoolRequest);
    }
  }

  sign(key: number, message: Uint8Array, inThread: () => Uint8Array): Promise<Uint8Array> {
    const slot = this.#pick();
    if (!slot) return this.#inThread(inThread);
    if (!slot.keys.has(key)) {
      const k = this.#keys.get(key);
      if (!k) return this.#inThread(inThread);
      slot.worker.postMessage({ op: "key", key, ...k } satisfies Sm2PoolRequest);
      slot.keys.add(key);
    }
    return this.#send(
      slot,
      (id) => ({ op: "sign", id, key, message }),
      (reply) =>
        reply && reply.ok && "signature" in reply ? this.#counted(reply.signature) : this.#fallback(inThread),
    );
  }

  verify(
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
    signerId: string | Uint8Array,
    inThread: () => boolean,
  ): Promise<boolean> {
    const slot = this.#pick();
    if (!slot) return this.#inThread(inThread);
    return this.#send(
      slot,
      (id) => ({ op: "verify", id, publicKey, message, signature, signerId }),
      // A thread's exception (an ID too long) is raised again, as it would be in-thread.
      (reply) =>
        reply && reply.ok && "valid" in reply ? this.#counted(reply.valid) : this.#fallback(inThread),
    );
  }

  #counted<T>(value: T): T {
    this.stats.pooled++;
    return value;
  }

  #fallback<T>(inThread: () => T): T {
    this.stats.inThread++;
    return inThread();
  }

  #inThread<T>(inThread: () => T): Promise<T> {
    try {
      return Promise.resolve(this.#fallback(inThread));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The ready thread with the least work, starting the pool on first use. */
  #pick(): Slot | undefined {
    if (this.#failed) return undefined;
    if (this.#slots.length === 0) this.#start();
    let best: Slot | undefined;
    for (const slot of this.#slots) if (slot.ready && (!best || slot.inFlight < best.inFlight)) best = slot;
    return best;
  }

  #send<T>(
    slot: Slot,
    request: (id: number) => Sm2PoolRequest,
    answer: (reply: Sm2PoolReply | undefined) => T,
  ) {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, {
        slot,
        settle: (reply) => {
          try {
            resolve(answer(reply));
          } catch (e) {
            reject(e);
          }
        },
      });
      // Referenced while it works for us: a CLI awaiting a signature must not exit meanwhile.
      if (slot.inFlight++ === 0) slot.worker.ref();
      slot.worker.postMessage(request(id));
    });
  }

  #start(): void {
    for (let i = 0; i < POOL_SIZE; i++) {
      let worker: Worker;
      try {
        worker = moduleWorker(import.meta.url, "sm2-worker");
      } catch {
        this.#fail();
        return;
      }
      const slot: Slot = { worker, ready: false, inFlight: 0, keys: new Set() };
      worker.on("message", (reply: Sm2PoolReply) => {
        if ("ready" in reply) {
          slot.ready = true;
          return;
        }
        const pending = this.#pending.get(reply.id);
        if (!pending) return;
        this.#pending.delete(reply.id);
        if (--slot.inFlight === 0) slot.worker.unref();
        pending.settle(reply);
      });
      // A thread that cannot start or dies: everything goes back in-thread, nothing is lost.
      worker.on("error", () => this.#fail());
      worker.on("exit", () => this.#fail());
      // After the listeners: adding a "message" listener refs the worker's port again (Node 20),
      // and a referenced idle thread keeps a finished CLI command from exiting.
      worker.unref();
      this.#slots.push(slot);
    }
  }

  #fail(): void {
    if (this.#failed) return;
    this.#failed = true;
    for (const slot of this.#slots) {
      slot.ready = false;
      void slot.worker.terminate().catch(() => undefined);
    }
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.settle(undefined);
  }
}

let pool: Sm2WorkerPool | undefined;

/** The process's SM2 pool. */
export function sm2Pool(): Sm2WorkerPool {
  pool ??= new Sm2WorkerPool();
  return pool;
}
