/**
 * One thread of the upload pool (upload-pool.ts): makes seal pictures and verifies PDFs with the
 * same code as in-thread, one job at a time, and answers each by its id. Refusals travel as their
 * code and parameters, so the main thread raises the same DomainError.
 */
import { createHash } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { DomainError } from "../domain/errors.js";
import { processSealImage } from "./image.js";
import { pdfVerdictToJson } from "./pdf-describe.js";
import { verifyPdf } from "./pdf-verify.js";
import type { UploadJob, UploadReply } from "./upload-pool.js";

const port = parentPort;
if (!port) throw new Error("upload-worker runs as a worker thread");

async function run(job: UploadJob): Promise<unknown> {
  switch (job.op) {
    case "sealImage":
      return {
        picture: processSealImage(job.bytes, job.options),
        sha256: createHash("sha256").update(job.bytes).digest("hex"),
      };
    case "verifyPdf":
      return pdfVerdictToJson(await verifyPdf(job.pdf, job.options));
  }
}

port.on("message", (message: UploadJob & { id: number }) => {
  const { id } = message;
  run(message).then(
    (value) => port.postMessage({ id, ok: true, value } satisfies UploadReply),
    (e: unknown) =>
      port.postMessage(
        (e instanceof DomainError
          ? { id, ok: false, code: e.code, params: e.params }
          : {
              id,
              ok: false,
              error: e instanceof Error ? (e.stack ?? e.message) : String(e),
            }) satisfies UploadReply,
      ),
  );
});
port.postMessage({ id: 0, ok: true, ready: true } satisfies UploadReply);
