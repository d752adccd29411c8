/**
 * One OCSP worker process (started by ocsp-workers.ts): POST /ocsp and GET /ocsp/{request} on the
 * shared OCSP port, answered from copies of pre-signed answers kept by the request's bytes, and
 * otherwise by asking the desk's process. HTTP by ocsp-front.ts: this path does nothing else, and
 * every microsecond here is a request per second. It ends with the desk (cluster exits a worker
 * whose primary is gone).
 */
import { setKeepingNewest } from "../domain/bounded.js";
import { ocspErrorResponse, ocspRequestFromGetPath } from "../pki/ocsp.js";
import { ocspFront, type FrontReply } from "./ocsp-front.js";
import { OCSP_BODY_LIMIT, ocspGetPath, ocspResponseHeaders } from "./ocsp-http.js";
import {
  WORKER_SETTINGS_ENV,
  type FromWorker,
  type ToWorker,
  type WireAnswer,
  type WorkerSettings,
} from "./ocsp-workers.js";

/** Copies kept (a response is 1-2 KB); the oldest go first. */
const COPIES_KEPT = 20_000;
/** RFC 5019 requests are about a hundred bytes; longer ones (signed, many CertIDs) are not kept. */
const KEPT_REQUEST_MAX_BYTES = 1024;
const ASK_WITHIN_MS = 10_000;

interface Copy {
  answer: WireAnswer;
  status: string;
  receivedAt: number;
  until: number;
}

const settings = JSON.parse(process.env[WORKER_SETTINGS_ENV] ?? "null") as WorkerSettings | null;
if (!settings || !process.send) throw new Error("ocsp-worker.ts runs as a worker of ocsp-workers.ts");
const send = (m: FromWorker) => process.send!(m);

/** by the request's bytes (latin1), oldest first */
const copies = new Map<string, Copy>();
const asked = new Map<number, (answer: WireAnswer) => void>();
let nextId = 1;
/** bumped by every "forget": an answer asked for before one is served but never kept */
let generation = 0;

process.on("message", (m: ToWorker) => {
  if (m.type === "answer") {
    asked.get(m.id)?.(m.answer);
  } else if (m.type === "forget") {
    generation++;
    // A scan: revocations are rare, and an index by status would be one more thing to keep true.
    for (const [key, copy] of copies) if (copy.status === m.status) copies.delete(key);
    send({ type: "forgot", id: m.id });
  }
});

function ask(request: Uint8Array): Promise<WireAnswer> {
  return new Promise((resolve) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      asked.delete(id);
      resolve({ der: ocspErrorResponse("tryLater") });
    }, ASK_WITHIN_MS);
    asked.set(id, (answer) => {
      clearTimeout(timer);
      asked.delete(id);
      resolve(answer);
    });
    send({ type: "ask", id, request });
  });
}

function keep(key: string, answer: WireAnswer, now: number): void {
  if (!answer.presigned || answer.presigned.keepMs <= 0) return;
  const { status, keepMs } = answer.presigned;
  setKeepingNewest(copies, key, { answer, status, receivedAt: now, until: now + keepMs }, COPIES_KEPT);
}

/** The answer and, for HTTP caches, its max-age counted from now. */
async function answer(request: Uint8Array): Promise<{ der: Uint8Array; cache: WireAnswer["cache"] }> {
  const key =
    request.length <= KEPT_REQUEST_MAX_BYTES
      ? Buffer.from(request.buffer, request.byteOffset, request.length).toString("latin1")
      : undefined;
  const now = Date.now();
  const copy = key === undefined ? undefined : copies.get(key);
  if (copy && now < copy.until) return withAge(copy.answer, copy.receivedAt, now);
  if (key !== undefined && copy) copies.delete(key);
  const before = generation;
  const fresh = await ask(request);
  const receivedAt = Date.now();
  if (key !== undefined && before === generation) keep(key, fresh, receivedAt);
  return withAge(fresh, receivedAt, receivedAt);
}

function withAge(answer: WireAnswer, receivedAt: number, now: number) {
  const cache = answer.cache && {
    ...answer.cache,
    maxAgeSeconds: Math.max(0, answer.cache.maxAgeSeconds - Math.floor((now - receivedAt) / 1000)),
  };
  return { der: answer.der, cache };
}

const ocspReply = (der: Uint8Array, cache: WireAnswer["cache"], get: boolean): FrontReply => ({
  status: 200,
  headers: ocspResponseHeaders(der, cache, get),
  body: der,
});

/** The same addresses and answers as the desk's own /ocsp routes (routes/publication.ts). */
async function handle(method: string, target: string, body: Uint8Array | "too large"): Promise<FrontReply> {
  const path = target.split("?")[0];
  if (method === "GET" && target.startsWith("/ocsp/")) {
    let request: Uint8Array;
    try {
      request = ocspRequestFromGetPath(ocspGetPath(target));
    } catch {
      return ocspReply(ocspErrorResponse("malformedRequest"), undefined, true);
    }
    const a = await answer(request);
    return ocspReply(a.der, a.cache, true);
  }
  if (method === "POST" && path === "/ocsp") {
    if (body === "too large" || body.length === 0)
      return ocspReply(ocspErrorResponse("malformedRequest"), undefined, false);
    const a = await answer(body);
    return ocspReply(a.der, a.cache, false);
  }
  const status = path === "/ocsp" ? 405 : 404;
  return {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      ...(status === 405 ? { allow: "GET, POST" } : {}),
    },
    body: Buffer.from(
      status === 405 ? "OCSP: POST a DER OCSPRequest, or GET /ocsp/{base64}\n" : "not found\n",
    ),
  };
}

const server = ocspFront(
  (method, target, body) =>
    handle(method, target, body).catch(() => ocspReply(ocspErrorResponse("internalError"), undefined, false)),
  { bodyLimit: OCSP_BODY_LIMIT },
);
server.on("error", (e: NodeJS.ErrnoException) => {
  send({ type: "failed", detail: e.code ?? e.message });
  process.exit(1);
});
server.listen(settings.port, settings.host);
