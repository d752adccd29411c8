/**
 * Electronic seals and signed PDFs: verifying a PDF's signatures, the seal a certificate holds (what
 * the security client installs on the key), seal production at the desk, and the seal image an
 * applicant uploads and previews before the seal is made.
 */
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { DomainError } from "../../domain/errors.js";
import { uploadPool } from "../../seal/upload-pool.js";
import {
  produceSeal,
  sealHistory,
  sealImagePreview,
  sealOfCertificate,
  deskTrust,
  uploadSealImage,
  type SealView,
} from "../../seals/seals.js";
import { actorOf, type AppDeps, type ZApp } from "../app.js";
import { orderSchema } from "../schemas.js";

const idParams = z.object({ id: z.uuid() });

const sealSchema = z.object({
  id: z.string(),
  esId: z.string(),
  orderId: z.string(),
  certificateId: z.string(),
  name: z.string().nullable(),
  type: z.enum(["official", "contract"]).nullable(),
  widthMm: z.number().nullable(),
  heightMm: z.number().nullable(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  createdAt: z.string(),
  replacedAt: z.string().nullable(),
  replacedBy: z.string().nullable(),
});

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const sealJson = (s: SealView): z.infer<typeof sealSchema> => ({
  ...s,
  validFrom: iso(s.validFrom),
  validTo: iso(s.validTo),
  createdAt: s.createdAt.toISOString(),
  replacedAt: iso(s.replacedAt),
});

/** The uploaded file: multipart field 'file', or the raw body (application/pdf, octet-stream). */
async function uploadedBytes(req: FastifyRequest, limit: number): Promise<Uint8Array> {
  if (req.isMultipart()) {
    const file = await req.file();
    if (!file) throw new DomainError("material.empty");
    const bytes = await file.toBuffer();
    if (file.file.truncated) {
      const mb = Math.floor(limit / 1048576);
      throw new DomainError("material.too_large", { size: `>${mb}`, limit: mb });
    }
    return new Uint8Array(bytes);
  }
  const body = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) throw new DomainError("material.empty");
  return new Uint8Array(body);
}

export function registerSealRoutes(app: ZApp, deps: AppDeps): void {
  app.post(
    "/api/orders/:id/seal-image",
    {
      config: { action: "seal.image.upload" },
      schema: {
        tags: ["seals"],
        summary:
          "Upload a scan or photo of the physical seal's imprint (multipart/form-data, field 'file': PNG or JPEG); it is made into the seal picture at once, or refused with the reason",
        params: idParams,
        querystring: z.object({
          sizeMm: z.coerce
            .number()
            .int()
            .min(10)
            .max(100)
            .optional()
            .describe("the imprint's size across; default 40"),
          dpi: z.coerce.number().int().min(150).max(1200).optional().describe("default 300"),
        }),
        consumes: ["multipart/form-data"],
        response: {
          201: z.object({
            orderId: z.string(),
            widthMm: z.number(),
            heightMm: z.number(),
            dpi: z.number(),
            widthPx: z.number(),
            heightPx: z.number(),
            uploadedAt: z.string(),
            preview: z.string(),
          }),
        },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const bytes = await uploadedBytes(req, deps.uploadLimitBytes);
      const view = await uploadSealImage(deps, actor, req.params.id, { bytes, ...req.query });
      return reply.status(201).send({
        ...view,
        uploadedAt: view.uploadedAt.toISOString(),
        preview: `/api/orders/${req.params.id}/seal-image/preview`,
      });
    },
  );

  app.get(
    "/api/orders/:id/seal-image/preview",
    {
      config: { action: "order.read" },
      schema: {
        tags: ["seals"],
        summary:
          "The seal picture made from the uploaded imprint (PNG, seal red on transparency), to check before the seal is made",
        params: idParams,
      },
    },
    async (req, reply) => {
      const png = await sealImagePreview(deps, actorOf(req), req.params.id);
      return reply.type("image/png").header("cache-control", "no-store").send(Buffer.from(png));
    },
  );

  app.post(
    "/api/orders/:id/seal/produce",
    {
      config: { action: "order.produce" },
      schema: {
        tags: ["back office"],
        summary:
          "Production of a seal order: the seal is made from the order's picture, bound to its certificate and signed by the seal maker; a seal change replaces the certificate's seal",
        params: idParams,
        response: { 200: orderSchema.extend({ seal: sealSchema }) },
      },
    },
    async (req) => {
      const done = await produceSeal(deps, actorOf(req), req.params.id);
      return { ...done, seal: sealJson(done.seal) };
    },
  );

  app.get(
    "/api/certificates/:id/seal",
    {
      config: { action: "certificate.read" },
      schema: {
        tags: ["seals"],
        summary:
          "The certificate's electronic seal (GB/T 38540 SESeal, DER) for the security client to install on the key",
        params: idParams,
      },
    },
    async (req, reply) => {
      const seal = await sealOfCertificate(deps, actorOf(req), req.params.id);
      return reply
        .type("application/octet-stream")
        .header("content-disposition", `attachment; filename="${seal.esId}.esl"`)
        .header("x-seal-id", seal.esId)
        .send(Buffer.from(seal.der));
    },
  );

  app.get(
    "/api/certificates/:id/seals",
    {
      config: { action: "certificate.read" },
      schema: {
        tags: ["seals"],
        summary: "Every seal the certificate has held, newest first; replaced ones name their successor",
        params: idParams,
        response: { 200: z.array(sealSchema) },
      },
    },
    async (req) => (await sealHistory(deps, actorOf(req), req.params.id)).map(sealJson),
  );

  void app.register(async (scope) => {
    // Raw PDFs only in this scope; multipart stays registered for the whole app.
    for (const type of ["application/pdf", "application/octet-stream"]) {
      scope.addContentTypeParser(
        type,
        { parseAs: "buffer", bodyLimit: deps.uploadLimitBytes },
        (_req, body, done) => done(null, body),
      );
    }
    scope.post(
      "/api/pdf/verify",
      {
        config: { action: "pdf.verify" },
        schema: {
          tags: ["seals"],
          summary:
            "Verify the signatures of a PDF (multipart field 'file', or the PDF as the body): signer, signing time, electronic seal, trust in the desk's roots, changes after signing",
          consumes: ["multipart/form-data", "application/pdf"],
        },
      },
      async (req) => {
        actorOf(req);
        const pdf = await uploadedBytes(req, deps.uploadLimitBytes);
        // Parsed on the upload pool's threads, within its time and heap budget.
        return uploadPool().verifyPdf(pdf, { at: deps.clock.now(), ...(await deskTrust(deps.db)) });
      },
    );
  });
}
