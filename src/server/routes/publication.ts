/**
 * What relying parties fetch at the addresses written in issued certificates: CRLs
 * (cRLDistributionPoints) and the OCSP responder (authorityInfoAccess). OCSP speaks its own binary
 * protocol, so its routes live in a scope of their own that reads any body as raw bytes and answers
 * every failure with an OCSP error response (HTTP 200, RFC 6960 A.1), never with problem+json.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { ocspErrorResponse, ocspRequestFromGetPath } from "../../pki/ocsp.js";
import type { Publication } from "../../ca/publication.js";
import type { OcspAnswer } from "../../ca/ocsp-responder.js";
import type { ZApp } from "../app.js";
import { OCSP_BODY_LIMIT, OCSP_REQUEST, ocspGetPath, ocspResponseHeaders } from "../ocsp-http.js";

export function registerPublicationRoutes(app: ZApp, deps: { publication: Publication }): void {
  const { publication } = deps;

  app.get(
    "/crl/:file",
    {
      config: { action: "publication.read" },
      schema: {
        tags: ["publication"],
        summary: "A CA's current full CRL, DER (cRLDistributionPoints): /crl/{caId}.crl",
        params: z.object({ file: z.string().regex(/^[A-Za-z0-9_-]{1,100}\.crl$/) }),
      },
    },
    async (req, reply) => {
      const crl = await publication.currentCrl(req.params.file.slice(0, -".crl".length));
      const maxAge = publication.crlMaxAgeSeconds(crl);
      const etag = `"${crl.caId}-${crl.crlNumber}"`;
      reply
        .header("cache-control", `public, no-transform, max-age=${maxAge}`)
        .header("last-modified", crl.thisUpdate.toUTCString())
        .header("expires", crl.nextUpdate.toUTCString())
        .header("etag", etag);
      if (req.headers["if-none-match"] === etag) return reply.code(304).send();
      return reply
        .type("application/pkix-crl")
        .send(Buffer.from(crl.der.buffer, crl.der.byteOffset, crl.der.length));
    },
  );

  void app.register(async (scope) => {
    // Only here: the rest of the API keeps its JSON and multipart parsers.
    scope.removeAllContentTypeParsers();
    const raw = (_req: FastifyRequest, body: Buffer, done: (err: null, body: Buffer) => void) =>
      done(null, body);
    scope.addContentTypeParser(OCSP_REQUEST, { parseAs: "buffer", bodyLimit: OCSP_BODY_LIMIT }, raw);
    // Some clients label the request otherwise (application/octet-stream, nothing at all).
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: OCSP_BODY_LIMIT }, raw);
    scope.setErrorHandler((error, req, reply) => {
      // A body too large or unreadable is the client's; anything else is ours.
      const status = (error as { statusCode?: number }).statusCode;
      const clientError = status !== undefined && status >= 400 && status < 500;
      if (!clientError) req.log.error(error);
      return sendOcsp(
        reply,
        { der: ocspErrorResponse(clientError ? "malformedRequest" : "internalError") },
        false,
      );
    });

    scope.post(
      "/ocsp",
      {
        config: { action: "publication.read" },
        schema: {
          tags: ["publication"],
          summary: "OCSP (RFC 6960): a DER OCSPRequest (application/ocsp-request) in, an OCSPResponse out",
        },
      },
      async (req, reply) => {
        const body = req.body instanceof Buffer ? new Uint8Array(req.body) : new Uint8Array(0);
        return sendOcsp(reply, await publication.ocsp.respond(body), false);
      },
    );

    scope.get(
      "/ocsp/*",
      {
        config: { action: "publication.read" },
        schema: {
          tags: ["publication"],
          summary: "OCSP by GET (RFC 6960 A.1, RFC 5019): /ocsp/{URL-encoded base64 of the DER OCSPRequest}",
          params: z.object({ "*": z.string().describe("the URL-encoded base64 of a DER OCSPRequest") }),
        },
      },
      async (req, reply) => {
        let request: Uint8Array;
        try {
          request = ocspRequestFromGetPath(ocspGetPath(req.url));
        } catch {
          return sendOcsp(reply, { der: ocspErrorResponse("malformedRequest") }, true);
        }
        return sendOcsp(reply, await publication.ocsp.respond(request), true);
      },
    );
  });
}

function sendOcsp(reply: FastifyReply, answer: Pick<OcspAnswer, "der" | "cache">, get: boolean) {
  const der = Buffer.from(answer.der.buffer, answer.der.byteOffset, answer.der.length);
  return reply
    .code(200)
    .headers(ocspResponseHeaders(der, answer.cache, get))
    .send(der);
}
