/**
 * POST /tsa: the desk's timestamp authority over HTTP (RFC 3161 section 3.4), public like OCSP. A
 * DER TimeStampReq (application/timestamp-query) in, a DER TimeStampResp
 * (application/timestamp-reply) out. Like OCSP it has a scope of its own that reads the body as raw
 * bytes; every answer, refusals included, is a TimeStampResp a client can read.
 *
 * Each token costs a signature, and the route needs no sign-in: the body is small (a request is
 * under 200 bytes) and each client address gets a bucket of requests that refills over time.
 */
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { setKeepingNewest } from "../../domain/bounded.js";
import type { Clock } from "../../domain/clock.js";
import { TIMESTAMP_QUERY_TYPE, TIMESTAMP_REPLY_TYPE, timestampRejection } from "../../pki/tsa.js";
import type { Timestamping } from "../../ca/timestamping.js";
import type { ZApp } from "../app.js";

/** A TimeStampReq with a SHA-512 imprint, a policy and a nonce is about 120 bytes. */
export const TSA_BODY_LIMIT = 4096;
/** Per client address: this many at once, refilled at TSA_REFILL_PER_SECOND. */
export const TSA_BURST = 30;
export const TSA_REFILL_PER_SECOND = 10;
const BUCKETS_KEPT = 10_000;

/** Token buckets by client address, the oldest forgotten past BUCKETS_KEPT. */
export class RequestBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst = TSA_BURST,
    private readonly perSecond = TSA_REFILL_PER_SECOND,
  ) {}

  /** Takes one request from the address's bucket; false when it is empty. */
  take(address: string, nowMs: number): boolean {
    const b = this.#buckets.get(address) ?? { tokens: this.burst, at: nowMs };
    const tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) / 1000) * this.perSecond);
    const allowed = tokens >= 1;
    setKeepingNewest(
      this.#buckets,
      address,
      { tokens: allowed ? tokens - 1 : tokens, at: nowMs },
      BUCKETS_KEPT,
    );
    return allowed;
  }
}

export function registerTsaRoutes(
  app: ZApp,
  deps: { timestamping: Timestamping; clock: Clock; buckets?: RequestBuckets },
): void {
  const buckets = deps.buckets ?? new RequestBuckets();
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      TIMESTAMP_QUERY_TYPE,
      { parseAs: "buffer", bodyLimit: TSA_BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    scope.setErrorHandler((error, req, reply) => {
      // Too large (413), another content type (415): the client's. Anything else is ours.
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== undefined && status >= 400 && status < 500)
        return sendReply(reply, status, timestampRejection("badDataFormat"));
      req.log.error(error);
      return sendReply(reply, 503, timestampRejection("systemFailure"));
    });

    scope.post(
      "/tsa",
      {
        config: { action: "timestamp.issue" },
        schema: {
          tags: ["publication"],
          summary:
            "Timestamp authority (RFC 3161): a DER TimeStampReq (application/timestamp-query) in, a DER TimeStampResp (application/timestamp-reply) out",
          consumes: [TIMESTAMP_QUERY_TYPE],
          produces: [TIMESTAMP_REPLY_TYPE],
          body: z
            .custom<Buffer>((v) => v instanceof Buffer)
            .meta({ type: "string", format: "binary", description: "DER TimeStampReq" }),
        },
      },
      async (req, reply) => {
        if (!buckets.take(req.ip, deps.clock.now().getTime())) {
          reply.header("retry-after", "1");
          return sendReply(reply, 429, timestampRejection("systemFailure"));
        }
        const body = req.body instanceof Buffer ? new Uint8Array(req.body) : new Uint8Array(0);
        return sendReply(reply, 200, await deps.timestamping.answer(body));
      },
    );
  });
}

function sendReply(reply: FastifyReply, status: number, der: Uint8Array) {
  return reply
    .code(status)
    .header("content-type", TIMESTAMP_REPLY_TYPE)
    .header("cache-control", "no-store")
    .send(Buffer.from(der.buffer, der.byteOffset, der.length));
}
