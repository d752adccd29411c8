/**
 * The CA's face: an operator issues from a CSR, staff revoke certificates, list the CAs, and anyone
 * fetches a CA certificate at the address written in issued certificates' authorityInfoAccess
 * (caIssuers). CRLs and OCSP are served by the publication routes (/crl/*, /ocsp).
 */
import { z } from "zod";
import { DomainError } from "../../domain/errors.js";
import { CA_ALGORITHMS, listCas } from "../../ca/ca.js";
import { csrFromText, issueFromCsrForOperator } from "../../ca/issuance.js";
import { pemChain } from "../../ca/certificate-signing.js";
import { revokeCertificate, STAFF_REVOCATION_REASONS } from "../../ca/revocation.js";
import { actorOf, type AppDeps, type ZApp } from "../app.js";

const idParams = z.object({ id: z.uuid() });

const revokedSchema = z.object({
  id: z.string(),
  serial: z.string(),
  caId: z.string().nullable(),
  reason: z.string(),
  revokedAt: z.string(),
  unboundBindings: z.number().int(),
});

const caSchema = z.object({
  id: z.string(),
  algorithm: z.string(),
  kind: z.string(),
  issuerId: z.string().nullable(),
  subject: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  keyStorage: z.string(),
  active: z.boolean(),
  certificateUrl: z.string(),
});

export function registerCaRoutes(app: ZApp, deps: AppDeps): void {
  app.post(
    "/api/ca/issue",
    {
      config: { action: "ca.issue" },
      schema: {
        tags: ["ca"],
        summary:
          "Issue from a CSR without an order (operator): recorded with its audit row before the answer",
        body: z.object({
          csr: z.string().min(1).max(20_000).describe("PKCS#10 request: PEM, or base64 of the DER"),
          profile: z.string().min(1).max(100),
          programme: z
            .string()
            .min(1)
            .max(100)
            .optional()
            .describe("the programme whose profile is meant, when several have one of that id"),
          days: z
            .number()
            .int()
            .min(1)
            .max(36_600)
            .default(365)
            .describe("validity in days, the last included"),
          algorithm: z
            .enum(CA_ALGORITHMS)
            .optional()
            .describe("the issuing CA's algorithm; the key's own by default"),
          organisationUscc: z
            .string()
            .max(18)
            .optional()
            .describe("name the subject after this organisation on file instead of the request's subject"),
        }),
        response: {
          200: z.object({
            serial: z.string(),
            pem: z.string().describe("the certificate, then the issuing CA and each CA above it, PEM"),
          }),
        },
      },
    },
    async (req) => {
      const { csr, ...rest } = req.body;
      // The service decides who may issue without an order; the route only translates.
      const issued = await issueFromCsrForOperator(deps, actorOf(req), { ...rest, csr: csrFromText(csr) });
      return { serial: issued.serial, pem: pemChain(issued) };
    },
  );

  app.post(
    "/api/certificates/:id/revoke",
    {
      config: { action: "certificate.revoke" },
      schema: {
        tags: ["certificates"],
        summary: "Revoke a certificate with an RFC 5280 reason (reviewer or admin); its binding ends",
        params: idParams,
        body: z.object({ reason: z.enum(STAFF_REVOCATION_REASONS), note: z.string().max(1000).optional() }),
        response: { 200: revokedSchema },
      },
    },
    async (req) => {
      const revoked = await revokeCertificate(deps, actorOf(req), {
        certificate: { certificateId: req.params.id },
        reason: req.body.reason,
        note: req.body.note,
      });
      return { ...revoked, revokedAt: revoked.revokedAt.toISOString() };
    },
  );

  app.get(
    "/api/cas",
    {
      config: { action: "ca.read" },
      schema: {
        tags: ["ca"],
        summary: "The CAs: roots, issuing CAs, OCSP responders and seal makers per algorithm",
        response: { 200: z.array(caSchema) },
      },
    },
    async () => {
      return (await listCas(deps.db)).map((ca) => ({
        ...ca,
        certificateUrl: deps.urls.caCertificate(ca.id),
      }));
    },
  );

  app.get(
    "/ca/:file",
    {
      config: { action: "ca.certificate.read" },
      schema: {
        tags: ["ca"],
        summary: "A CA certificate, DER (authorityInfoAccess caIssuers): /ca/{id}.crt",
        params: z.object({ file: z.string().regex(/^[A-Za-z0-9_-]{1,100}\.crt$/) }),
      },
    },
    async (req, reply) => {
      const id = req.params.file.slice(0, -".crt".length);
      const row = await deps.db
        .selectFrom("cas")
        .select("certificate")
        .where("id", "=", id)
        .executeTakeFirst();
      if (!row) throw new DomainError("ca.not_found", { ca: id });
      return reply
        .type("application/pkix-cert")
        .header("cache-control", "public, max-age=86400")
        .send(Buffer.from(row.certificate));
    },
  );
}
