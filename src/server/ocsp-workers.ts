/**
 * OCSP worker processes: the desk's busiest public address served on every core. Node answers
 * HTTP on one thread; relying parties ask OCSP for every login and every signature check, always
 * the same few thousand questions, whose answers are signed in advance (OcspResponder).
 *
 * With CERTDESK_OCSP_PORT set, the desk forks CERTDESK_OCSP_WORKERS processes (node:cluster) that
 * share that port. A worker keeps copies of pre-signed answers by the bytes of the request, and
 * asks this process over IPC for anything else: it holds no key and opens no store, so the
 * embedded database keeps its single process. On a revocation the responder's refresh tells every
 * worker to forget that status and waits until each has confirmed (a worker that does not within
 * FORGET_WITHIN_MS is killed and started again, empty), so no copy of the old answer is served
 * once the revocation has returned. A worker re-asks after the responder's recheck interval, so a
 * revocation made by another process is seen as soon as in the desk itself.
 *
 * Measured on 2 cores with ab -k (bench/ca.ts): the desk's own /ocsp answers 6,000-9,000
 * requests/s, two workers 24,000-36,000.
 */
import cluster, { type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";
import { DomainError } from "../domain/errors.js";
import { ocspErrorResponse } from "../pki/ocsp.js";
import type { OcspAnswer, OcspResponder } from "../ca/ocsp-responder.js";

/** What the desk tells a worker; IPC with the structured clone ("advanced"), so bytes and dates pass. */
export type ToWorker =
  { type: "answer"; id: number; answer: WireAnswer } | { type: "forget"; id: number; status: string };

export type FromWorker =
  | { type: "ask"; id: number; request: Uint8Array }
  | { type: "forgot"; id: number }
  | { type: "failed"; detail: string };

export type WireAnswer = Pick<OcspAnswer, "der" | "cache" | "presigned">;

/** The worker's settings, in its environment. */
export const WORKER_SETTINGS_ENV = "CERTDESK_OCSP_WORKER";
export interface WorkerSettings {
  host: string;
  port: number;
}

const WORKER_ENTRY = fileURLToPath(new URL("./ocsp-worker.ts", import.meta.url));
const FORGET_WITHIN_MS = 2_000;
const RESTART_AFTER_MS = 1_000;
const STOP_WITHIN_MS = 5_000;

export interface OcspWorkersOptions {
  host: string;
  port: number;
  workers: number;
  onError?: (error: unknown, context: string) => void;
}

export interface OcspWorkers {
  /** the responders' base URL, http://host:port/ocsp */
  readonly url: string;
  readonly count: number;
  stop(): Promise<void>;
}

/** Forks the workers and resolves once every one listens; rejects (and stops them) if one cannot. */
export async function startOcspWorkers(
  responder: OcspResponder,
  options: OcspWorkersOptions,
): Promise<OcspWorkers> {
  const { host, port } = options;
  const report = options.onError ?? (() => {});
  // Each worker accepts on the shared socket itself: a connection per request is ~40% faster
  // than the primary accepting and handing each one over (measured with ab on 2 cores).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({
    exec: WORKER_ENTRY,
    args: [],
    execArgv: ["--import", "tsx"],
    serialization: "advanced",
  });

  /** the live workers; one listening may hold copies, and owes a confirmation for each forget */
  const workers = new Map<Worker, { listening: boolean; owed: Map<number, () => void> }>();
  let nextId = 1;
  let stopping = false;

  const answer = async (worker: Worker, id: number, request: Uint8Array) => {
    let wire: WireAnswer;
    try {
      wire = await responder.respond(request);
    } catch (e) {
      report(e, "OCSP request from a worker process");
      wire = { der: ocspErrorResponse("internalError") };
    }
    if (worker.isConnected()) worker.send({ type: "answer", id, answer: wire } satisfies ToWorker);
  };

  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const settings: WorkerSettings = { host, port };
      const worker = cluster.fork({ [WORKER_SETTINGS_ENV]: JSON.stringify(settings) });
      const state = { listening: false, owed: new Map<number, () => void>() };
      workers.set(worker, state);
      worker.on("message", (m: FromWorker) => {
        if (m.type === "ask") void answer(worker, m.id, m.request);
        else if (m.type === "forgot") state.owed.get(m.id)?.();
        else if (m.type === "failed")
          reject(new DomainError("publication.ocsp_port_unavailable", { port, detail: m.detail }));
      });
      worker.once("listening", () => {
        state.listening = true;
        resolve(worker);
      });
      worker.once("exit", (code, signal) => {
        // Gone, and its copies with it: nothing left to forget.
        for (const confirm of state.owed.values()) confirm();
        workers.delete(worker);
        if (!state.listening) {
          reject(
            new DomainError("publication.ocsp_port_unavailable", { port, detail: `exit ${code ?? signal}` }),
          );
        } else if (!stopping) {
          report(new Error(`OCSP worker ${worker.process.pid} ended (${code ?? signal})`), "OCSP workers");
          setTimeout(() => {
            if (!stopping) fork().catch((e: unknown) => report(e, "OCSP worker restart"));
          }, RESTART_AFTER_MS).unref();
        }
      });
    });

  const forgetIn = (worker: Worker, status: string) =>
    new Promise<void>((resolve) => {
      const id = nextId++;
      const state = workers.get(worker);
      // One not yet listening has served nothing, so holds nothing.
      if (!state?.listening || !worker.isConnected()) return resolve();
      const timer = setTimeout(() => {
        report(new Error(`OCSP worker ${worker.process.pid} did not forget ${status}`), "OCSP workers");
        worker.process.kill("SIGKILL"); // resolved by its exit
      }, FORGET_WITHIN_MS);
      state.owed.set(id, () => {
        clearTimeout(timer);
        state.owed.delete(id);
        resolve();
      });
      worker.send({ type: "forget", id, status } satisfies ToWorker);
    });

  const stop = async () => {
    stopping = true;
    unregister();
    await Promise.all(
      [...workers.keys()].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once("exit", () => resolve());
            w.process.kill("SIGTERM");
            setTimeout(() => w.process.kill("SIGKILL"), STOP_WITHIN_MS).unref();
          }),
      ),
    );
  };

  const unregister = responder.addForgetter(async (status) => {
    await Promise.all([...workers.keys()].map((w) => forgetIn(w, status)));
  });
  try {
    await Promise.all(Array.from({ length: options.workers }, fork));
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://${host}:${port}/ocsp`, count: options.workers, stop };
}
