/**
 * One thread of the SM2 pool (sm2-pool.ts): signs with keys registered by the main thread and
 * verifies signatures, with the same code as in-thread (sm2.ts). Answers every request by its id.
 */
import { parentPort } from "node:worker_threads";
import { sm2 } from "./sm2.js";
import type { Sm2PoolReply, Sm2PoolRequest } from "./sm2-pool.js";

const port = parentPort;
if (!port) throw new Error("sm2-worker runs as a worker thread");

const signers = new Map<number, (message: Uint8Array) => Uint8Array>();

port.on("message", (request: Sm2PoolRequest) => {
  let reply: Sm2PoolReply;
  try {
    switch (request.op) {
      case "key":
        signers.set(request.key, sm2.signerFor(request.privateKey, { id: request.signerId }));
        return;
      case "forget":
        signers.delete(request.key);
        return;
      case "sign": {
        const sign = signers.get(request.key);
        if (!sign) throw new Error(`key ${request.key} not registered`);
        reply = { id: request.id, ok: true, signature: sign(request.message) };
        break;
      }
      case "verify":
        reply = {
          id: request.id,
          ok: true,
          valid: sm2.verify(request.publicKey, request.message, request.signature, { id: request.signerId }),
        };
        break;
    }
  } catch (e) {
    if (request.op === "key" || request.op === "forget") return;
    reply = { id: request.id, ok: false, error: String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ id: 0, ok: true, ready: true } satisfies Sm2PoolReply);
