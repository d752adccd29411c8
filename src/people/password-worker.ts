/**
 * One thread of the password pool (password-pool.ts): derives a scrypt key with the same call as
 * in-thread (scryptSync: on this thread, not on libuv's pool). Answers every request by its id.
 */
import { scryptSync } from "node:crypto";
import { parentPort } from "node:worker_threads";
import type { PasswordPoolReply, PasswordPoolRequest } from "./password-pool.js";

const port = parentPort;
if (!port) throw new Error("password-worker runs as a worker thread");

port.on("message", (request: PasswordPoolRequest) => {
  let reply: PasswordPoolReply;
  try {
    const key = scryptSync(request.password, request.salt, request.keylen, request.params);
    reply = { id: request.id, ok: true, key: new Uint8Array(key) };
  } catch (e) {
    reply = { id: request.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ id: 0, ok: true, ready: true } satisfies PasswordPoolReply);
