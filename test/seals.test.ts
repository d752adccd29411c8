/**
 * Electronic seals at the desk, through the API on every test store: the applicant uploads a photo
 * of the imprint and previews the picture, the reviewer approves, production makes the seal (bound to
 * the organisation's certificate, signed by the demo CA's seal maker), the security client fetches
 * it; one seal per certificate, a seal change replaces it. And the PDF verify API on a PDF signed
 * with a demo-issued certificate and its seal.
 */
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCsr } from "../src/pki/csr.js";
import { pemEncode } from "../src/pki/pem.js";
import { generateSoftwareKey, type KeyAlgorithm, type Signer } from "../src/pki/signer.js";
import { drawPhoto, BLUE_INK, toJpeg, toPng } from "./support/seal-images.js";
import { signPdf } from "../src/seal/pdf-sign.js";
import { contractPdf } from "./support/seal-pdfs.js";
import { parseSeal, sealBindsCertificate, verifySeal } from "../src/seal/index.js";
import type { Actor } from "../src/people/actor.js";
import { finishProduction } from "../src/orders/fulfilment.js";
import { DEMO, PDF_BYTES, multipart, startTestApp, type Client, type TestApp } from "./support/app.js";
import { ORGANISATION_A, USCC_A, orderAtProduction, staffActor } from "./support/production.js";
import { testStores } from "./support/stores.js";

type Order = { id: string; state: string };
type Problem = { code: string; params: Record<string, string | number>; detail: string; status: number };
type SealJson = {
  id: string;
  esId: string;
  name: string;
  type: string;
  replacedBy: string | null;
  replacedAt: string | null;
};

const PHOTO = toJpeg(
  drawPhoto({ width: 1200, height: 900, stamps: [{ cx: 640, cy: 430, radius: 320 }], text: true }),
);
const BLUE = toPng(
  drawPhoto({ width: 1200, height: 900, stamps: [{ cx: 640, cy: 430, radius: 320, ink: BLUE_INK }] }),
);
const NOW = "2026-11-20T02:00:00Z";

for (const kind of testStores) {
  describe(`electronic seals on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    let supplier: Client, retailer: Client, reviewer: Client, production: Client;
    let productionActor: Actor;

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store, NOW);
      [supplier, retailer, reviewer, production] = await Promise.all([
        t.as(...DEMO.supplierA),
        t.as(...DEMO.retailerB),
        t.as(...DEMO.reviewer),
        t.as(...DEMO.production),
      ]);
      productionActor = await staffActor(store.db, "production");
    });
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    /** A certificate issued by the demo CA for the supplier's key; returns its id, DER and key. */
    async function issued(algorithm: KeyAlgorithm): Promise<{ id: string; der: Uint8Array; signer: Signer }> {
      const key = generateSoftwareKey(algorithm);
      const csr = pemEncode(
        "CERTIFICATE REQUEST",
        await buildCsr({ subject: { CN: "ignored" }, signer: key.signer }),
      );
      const orderId = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "new",
        uscc: USCC_A,
        details: { years: 1 },
      });
      const done = await finishProduction(t.deps, productionActor, orderId, [{ csr }]);
      const id = done.certificates[0]!.id;
      const row = await store.db
        .selectFrom("certificates")
        .select("der")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return { id, der: row.der!, signer: key.signer };
    }

    /** A seal order up to its production step: draft, seal form, imprint photo, submit, review. */
    async function sealOrderReviewed(
      service: "seal-apply" | "seal-change",
      certificateId: string,
      options: { photo?: Uint8Array | null; sealType?: string; sealName?: string } = {},
    ): Promise<string> {
      const created = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service,
          details: {
            certificateId,
            sealType: options.sealType ?? "official",
            sealName: options.sealName ?? ORGANISATION_A,
          },
        },
      });
      expect(created.status, created.body).toBe(201);
      const id = created.json<Order>().id;
      const form = multipart("seal-form.pdf", PDF_BYTES, "application/pdf");
      const uploaded = await supplier({
        method: "POST",
        url: `/api/orders/${id}/materials/seal-form`,
        ...form,
      });
      expect(uploaded.status, uploaded.body).toBe(201);
      if (options.photo !== null) {
        const photo = multipart("imprint.jpg", Buffer.from(options.photo ?? PHOTO), "image/jpeg");
        const image = await supplier({ method: "POST", url: `/api/orders/${id}/seal-image`, ...photo });
        expect(image.status, image.body).toBe(201);
      }
      const submitted = await supplier({ method: "POST", url: `/api/orders/${id}/submit` });
      expect(submitted.status, submitted.body).toBe(200);
      await reviewer({ method: "POST", url: `/api/orders/${id}/review/start` });
      const approved = await reviewer({ method: "POST", url: `/api/orders/${id}/approve`, payload: {} });
      expect(approved.json<Order>().state, approved.body).toBe("approved");
      return id;
    }

    const produce = (orderId: string) =>
      production({ method: "POST", url: `/api/orders/${orderId}/seal/produce` });

    async function liveSeal(certificateId: string): Promise<Uint8Array> {
      const res = await supplier({ method: "GET", url: `/api/certificates/${certificateId}/seal` });
      expect(res.status, res.body).toBe(200);
      expect(res.raw.length).toBeGreaterThan(500);
      return new Uint8Array(res.raw);
    }

    describe("an SM2 certificate: apply, one seal only, change", () => {
      let cert: { id: string; der: Uint8Array; signer: Signer };
      let firstOrder: string;
      let firstSeal: Uint8Array;

      beforeAll(async () => {
        cert = await issued("sm2");
      });

      it("the applicant's photo becomes a 40 mm, 300 dpi picture they can preview", async () => {
        firstOrder = await sealOrderReviewed("seal-apply", cert.id);
        const preview = await supplier({
          method: "GET",
          url: `/api/orders/${firstOrder}/seal-image/preview`,
        });
        expect(preview.status).toBe(200);
        const png = PNG.sync.read(preview.raw);
        expect([png.width, png.height]).toEqual([472, 472]);
        expect(png.data[3]).toBe(0); // a corner is transparent
        // The reviewer sees the same picture; another organisation does not.
        expect(
          (await reviewer({ method: "GET", url: `/api/orders/${firstOrder}/seal-image/preview` })).status,
        ).toBe(200);
        expect(
          (await retailer({ method: "GET", url: `/api/orders/${firstOrder}/seal-image/preview` })).status,
        ).toBe(404);
      });

      it("production makes a GB/T 38540 seal bound to the certificate, signed SM3withSM2 by the seal maker; the order waits for installation", async () => {
        const res = await produce(firstOrder);
        expect(res.status, res.body).toBe(200);
        const body = res.json<Order & { seal: SealJson }>();
        // Produced: the order now waits for the security client to install the seal (activation).
        expect(body.state).toBe("produced");
        expect(body.seal).toMatchObject({ name: ORGANISATION_A, type: "official", replacedBy: null });
        firstSeal = await liveSeal(cert.id);
        const verdict = verifySeal(firstSeal, { at: new Date(NOW) });
        expect(verdict.checks.filter((c) => c.status !== "pass")).toEqual([]);
        expect(verdict.valid).toBe(true);
        const seal = parseSeal(firstSeal);
        expect(seal.id).toBe(body.seal.esId);
        expect(seal.name).toBe(ORGANISATION_A);
        expect(seal.header.version).toBe(4);
        expect(seal.signatureAlgorithmName).toBe("SM3withSM2");
        expect(seal.maker.subjectText).toContain("Seal");
        expect(sealBindsCertificate(seal, cert.der)).toBe(true);
        const preview = await supplier({
          method: "GET",
          url: `/api/orders/${firstOrder}/seal-image/preview`,
        });
        expect(Buffer.from(seal.picture.data)).toEqual(preview.raw);
        expect([seal.picture.widthMm, seal.picture.heightMm]).toEqual([40, 40]);
        // Run again: the same seal, nothing made twice.
        const again = await produce(firstOrder);
        expect(again.json<{ seal: SealJson }>().seal.esId).toBe(body.seal.esId);
      });

      it("once the seal is made its picture cannot be replaced", async () => {
        const photo = multipart("imprint.jpg", Buffer.from(PHOTO), "image/jpeg");
        const res = await supplier({ method: "POST", url: `/api/orders/${firstOrder}/seal-image`, ...photo });
        expect(res.json<Problem>().code).toBe("seal.image_seal_made");
      });

      it("a second seal application for that certificate is refused: one seal per certificate", async () => {
        const res = await supplier({
          method: "POST",
          url: "/api/orders",
          payload: {
            programmeId: "procurement",
            service: "seal-apply",
            details: {
              certificateId: cert.id,
              sealType: "contract",
              sealName: `${ORGANISATION_A}合同专用章`,
            },
            submit: true,
          },
        });
        expect(res.status).toBe(422);
        expect(res.json<Problem>()).toMatchObject({
          code: "rules.seal.already_exists",
          params: { sealName: ORGANISATION_A },
        });
      });

      it("a seal change replaces the seal: the old one names its successor, the certificate holds the new one", async () => {
        const orderId = await sealOrderReviewed("seal-change", cert.id, {
          sealType: "contract",
          sealName: `${ORGANISATION_A}合同专用章`,
        });
        const res = await produce(orderId);
        expect(res.status, res.body).toBe(200);
        const made = res.json<{ seal: SealJson }>().seal;
        const now = await liveSeal(cert.id);
        expect(Buffer.from(now)).not.toEqual(Buffer.from(firstSeal));
        expect(parseSeal(now)).toMatchObject({ id: made.esId, name: `${ORGANISATION_A}合同专用章` });
        expect(verifySeal(now, { at: new Date(NOW) }).valid).toBe(true);
        const history = (await supplier({ method: "GET", url: `/api/certificates/${cert.id}/seals` })).json<
          SealJson[]
        >();
        expect(history).toHaveLength(2);
        const old = history.find((s) => s.esId === parseSeal(firstSeal).id)!;
        expect(old.replacedBy).toBe(made.id);
        expect(old.replacedAt).not.toBeNull();
        expect(history.find((s) => s.id === made.id)?.replacedBy).toBeNull();
      });

      it("the seal is the organisation's: another organisation cannot fetch it", async () => {
        expect((await retailer({ method: "GET", url: `/api/certificates/${cert.id}/seal` })).status).toBe(
          404,
        );
      });
    });

    it("an RSA certificate's seal is signed ecdsa-with-SHA256 by the P-256 seal maker", async () => {
      const cert = await issued("rsa");
      const orderId = await sealOrderReviewed("seal-apply", cert.id);
      expect((await produce(orderId)).status).toBe(200);
      const seal = parseSeal(await liveSeal(cert.id));
      expect(seal.signatureAlgorithmName).toBe("ecdsa-with-SHA256");
      expect(sealBindsCertificate(seal, cert.der)).toBe(true);
    });

    it("production refuses a seal order without a picture; two racing applications make one seal", async () => {
      const cert = await issued("sm2");
      const bare = await sealOrderReviewed("seal-apply", cert.id, { photo: null });
      const refused = await produce(bare);
      expect(refused.status).toBe(422);
      expect(refused.json<Problem>().code).toBe("seal.image_missing");
      const photo = multipart("imprint.jpg", Buffer.from(PHOTO), "image/jpeg");
      expect(
        (await supplier({ method: "POST", url: `/api/orders/${bare}/seal-image`, ...photo })).status,
      ).toBe(201);
      // Both orders were accepted before either seal existed; production makes exactly one.
      const other = await sealOrderReviewed("seal-apply", cert.id);
      const results = await Promise.all([produce(bare), produce(other)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
      expect(results.find((r) => r.status === 422)!.json<Problem>().code).toBe("rules.seal.already_exists");
      // Only production makes seals.
      expect((await supplier({ method: "POST", url: `/api/orders/${bare}/seal/produce` })).status).toBe(403);
    });

    it("a new certificate that asked for a seal gets it once issued; the order stays with its keys' production", async () => {
      const key = generateSoftwareKey("sm2");
      const csr = pemEncode(
        "CERTIFICATE REQUEST",
        await buildCsr({ subject: { CN: "ignored" }, signer: key.signer }),
      );
      const orderId = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "new",
        uscc: USCC_A,
        details: { years: 1, sealRequested: true, sealType: "official", sealName: ORGANISATION_A },
      });
      const photo = multipart("imprint.jpg", Buffer.from(PHOTO), "image/jpeg");
      expect(
        (await supplier({ method: "POST", url: `/api/orders/${orderId}/seal-image`, ...photo })).status,
      ).toBe(201);
      const early = await produce(orderId);
      expect(early.json<Problem>().code).toBe("seal.certificate_not_issued");
      const done = await finishProduction(t.deps, productionActor, orderId, [{ csr }]);
      const res = await produce(orderId);
      expect(res.status, res.body).toBe(200);
      expect(res.json<Order>().state).toBe(done.state);
      const der = await liveSeal(done.certificates[0]!.id);
      const row = await store.db
        .selectFrom("certificates")
        .select("der")
        .where("id", "=", done.certificates[0]!.id)
        .executeTakeFirstOrThrow();
      expect(sealBindsCertificate(parseSeal(der), row.der!)).toBe(true);
    });

    it("an unusable photo is refused with the reason, in the user's language", async () => {
      const cert = await issued("sm2");
      const created = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "seal-apply",
          details: { certificateId: cert.id, sealType: "official", sealName: ORGANISATION_A },
        },
      });
      const id = created.json<Order>().id;
      const blue = multipart("imprint.png", Buffer.from(BLUE), "image/png");
      const res = await supplier({ method: "POST", url: `/api/orders/${id}/seal-image?lang=en`, ...blue });
      expect(res.status).toBe(422);
      expect(res.json<Problem>()).toMatchObject({ code: "seal.image_no_red_ink" });
      expect(res.json<Problem>().detail).toContain("No red ink");
      const zh = await supplier({
        method: "POST",
        url: `/api/orders/${id}/seal-image`,
        ...multipart("i.png", Buffer.from(BLUE), "image/png"),
      });
      expect(zh.json<Problem>().detail).toContain("红色印迹");
      expect((await supplier({ method: "GET", url: `/api/orders/${id}/seal-image/preview` })).status).toBe(
        404,
      );
    });

    describe("the PDF verify API", () => {
      let signed: Uint8Array;

      beforeAll(async () => {
        const cert = await issued("sm2");
        const orderId = await sealOrderReviewed("seal-apply", cert.id);
        await produce(orderId);
        signed = await signPdf({
          pdf: await contractPdf(),
          signer: cert.signer,
          certificate: cert.der,
          seal: await liveSeal(cert.id),
          stamp: { page: 1, xMm: 120, yMm: 40 },
          signedAt: new Date(NOW),
        });
      });

      type Verdict = {
        valid: boolean;
        signatures: {
          valid: boolean;
          signer: { organisation: string } | null;
          signingTime: string;
          seal: { valid: boolean; seal: { name: string } } | null;
          checks: { name: string; status: string; code: string }[];
        }[];
      };

      it("a PDF signed with a demo-issued certificate and its seal: valid, trusted by the demo root, the seal bound", async () => {
        const res = await supplier({
          method: "POST",
          url: "/api/pdf/verify",
          headers: { "content-type": "application/pdf" },
          payload: Buffer.from(signed),
        });
        expect(res.status, res.body).toBe(200);
        const verdict = res.json<Verdict>();
        expect(verdict.signatures[0]!.checks.filter((c) => c.status === "fail")).toEqual([]);
        expect(verdict.valid).toBe(true);
        const [sig] = verdict.signatures;
        expect(sig!.signer?.organisation).toBe(ORGANISATION_A);
        expect(sig!.signingTime).toBe("2026-11-20T02:00:00Z");
        expect(sig!.seal).toMatchObject({ valid: true, seal: { name: ORGANISATION_A } });
        expect(sig!.checks.find((c) => c.name === "chain")).toMatchObject({
          status: "pass",
          code: "pdf.chain_trusted",
        });
      });

      it("as a multipart upload too; one changed byte is reported; only signed-in users may ask", async () => {
        const tampered = Buffer.from(signed);
        tampered[Math.floor(tampered.length / 10) + 200]! ^= 1;
        const res = await reviewer({
          method: "POST",
          url: "/api/pdf/verify",
          ...multipart("contract.pdf", tampered, "application/pdf"),
        });
        expect(res.status, res.body).toBe(200);
        const verdict = res.json<Verdict>();
        expect(verdict.valid).toBe(false);
        expect(verdict.signatures[0]!.checks.find((c) => c.name === "digest")?.code).toBe(
          "pdf.digest_mismatch",
        );
        const anonymous = await t.app.inject({
          method: "POST",
          url: "/api/pdf/verify",
          headers: { "content-type": "application/pdf" },
          payload: Buffer.from(signed),
        });
        expect(anonymous.statusCode).toBe(401);
      });
    });
  });
}
