/**
 * Signed and stamped PDFs, judged by poppler (pdfsig with an NSS database, pdftoppm), OpenSSL's CMS
 * verifier and certdesk's own verifier. The organisation keys sit on a SoftHSM2 token (RSA and
 * P-256) behind the Signer port; SM2 is a software key, since PKCS#11 2.40 has no SM2.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSoftHsm } from "../../test/support/softhsm.js";
import type { SoftHsm } from "../../test/support/softhsm.js";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import { pkcs11Signer } from "../pki/pkcs11-signer.js";
import type { Pkcs11Signer } from "../pki/pkcs11-signer.js";
import { generateSoftwareKey } from "../pki/signer.js";
import type { Signer } from "../pki/signer.js";
import { Workdir, openssl } from "../../test/support/pki.js";
import { withPkcs11Module, withSession } from "../token/pkcs11-module.js";
import { buildSeal } from "./build.js";
import { CMS_OID, parseCms } from "../pki/cms.js";
import { describePdfVerdict, pdfVerdictToJson } from "./pdf-describe.js";
import { signPdf } from "./pdf-sign.js";
import type { SignPdfInput } from "./pdf-sign.js";
import {
  A4,
  CONTRACT_TEXT,
  ORGANISATION,
  buildTestCa,
  contractPdf,
  countRed,
  nssDatabaseTrusting,
  organisationCertificate,
  pdfsig,
  redStampPng,
  renderPage,
} from "../../test/support/seal-pdfs.js";
import type { TestCa } from "../../test/support/seal-pdfs.js";
import { verifyPdf } from "./pdf-verify.js";
import type { PdfCheckName, PdfSignatureVerdict } from "./pdf-verify.js";

const TOKEN = "certdesk-org-key";
const SO_PIN = "so-87654321";
const PIN = "123456";
const SIGNED_AT = new Date("2026-01-02T03:04:05Z");
const STAMP = { page: 1, xMm: 120, yMm: 40 };
const SEAL_MM = 40;
const mm = (v: number): number => (v * 72) / 25.4;

let hsm: SoftHsm;
let dir: Workdir;
/** seals are made by an ECDSA maker for RSA and P-256 organisations (a maker is SM2 or ECDSA) */
let ecdsaCa: TestCa;

beforeAll(async () => {
  hsm = createSoftHsm();
  hsm.createToken({ label: TOKEN, soPin: SO_PIN, pin: PIN });
  dir = new Workdir();
  await withPkcs11Module(hsm.modulePath, (m) =>
    withSession(m, { label: TOKEN }, { readWrite: true, login: { pin: PIN } }, async (s) => {
      await s.generateKeyPair({ algorithm: "rsa-2048", label: "org-rsa", id: Uint8Array.of(1) });
      await s.generateKeyPair({ algorithm: "ecdsa-p256", label: "org-p256", id: Uint8Array.of(2) });
    }),
  );
  ecdsaCa = await buildTestCa("ecdsa-p256");
});
afterAll(() => {
  dir?.remove();
  hsm?.remove();
});

async function sealFor(
  certificate: Uint8Array,
  maker: TestCa["maker"],
  id = "3101150000001",
): Promise<Uint8Array> {
  return buildSeal({
    id,
    type: "official",
    name: ORGANISATION,
    boundCertificates: [certificate],
    validStart: new Date("2025-03-01T00:00:00Z"),
    validEnd: new Date("2028-03-01T00:00:00Z"),
    createdAt: new Date("2025-02-28T08:30:00Z"),
    picture: { type: "PNG", data: redStampPng(), widthMm: SEAL_MM, heightMm: SEAL_MM },
    maker: { certificate: maker.cert, signer: maker.signer },
    vendor: "certdesk",
  });
}

const check = (v: PdfSignatureVerdict | undefined, name: PdfCheckName) =>
  v?.checks.find((c) => c.name === name);

function flipByte(pdf: Uint8Array, at: number): Uint8Array {
  const copy = pdf.slice();
  copy[at]! ^= 0x01;
  return copy;
}

/** An offset inside the first signed range, in the page's content (not the header line). */
const insideFirstRange = (pdf: Uint8Array): number => Math.floor(pdf.length / 10) + 200;

const TOKEN_KEYS = [
  { name: "RSA-2048", label: "org-rsa", algorithm: "rsa" as const, pdfsigHash: "SHA-256" },
  { name: "P-256", label: "org-p256", algorithm: "ecdsa-p256" as const, pdfsigHash: "SHA-256" },
];

describe.each(TOKEN_KEYS)("a PDF signed with the $name key on a SoftHSM2 token", (key) => {
  let ca: TestCa;
  let signer: Pkcs11Signer;
  let certificate: Uint8Array;
  let seal: Uint8Array;
  let signed: Uint8Array;
  let nss: string;
  const file = `signed-${key.label}.pdf`;

  beforeAll(async () => {
    ca = await buildTestCa(key.algorithm);
    signer = await pkcs11Signer({
      modulePath: hsm.modulePath,
      token: { label: TOKEN },
      pin: PIN,
      keyLabel: key.label,
    });
    certificate = await organisationCertificate(ca, signer.publicKeySpki);
    seal = await sealFor(certificate, ecdsaCa.maker);
    signed = await signPdf({
      pdf: await contractPdf(),
      signer,
      certificate,
      chain: [ca.issuing.cert],
      seal,
      stamp: STAMP,
      signedAt: SIGNED_AT,
      reason: "同意本合同条款",
    });
    dir.write(file, signed);
    nss = nssDatabaseTrusting(dir, ca.root.cert, `nss-${key.label}`);
  });
  afterAll(() => signer?.close());

  it("pdfsig: the signature is valid, ETSI.CAdES.detached over the whole document, and the Chinese signer name is intact", () => {
    const r = pdfsig(dir, file);
    expect(r.output).toContain("Signature Validation: Signature is Valid.");
    expect(r.output).toContain("Signature Type: ETSI.CAdES.detached");
    expect(r.output).toContain(`Signing Hash Algorithm: ${key.pdfsigHash}`);
    expect(r.output).toContain("Total document signed");
    expect(r.output).toContain(`Signer Certificate Common Name: ${ORGANISATION}`);
    expect(r.output).toContain(`O=${ORGANISATION}`);
    expect(r.output).toContain("Signing Time: Jan 02 2026 03:04:05");
  });

  it("pdfsig with the root in an NSS database: the certificate is trusted", () => {
    const r = pdfsig(dir, file, nss);
    expect(r.output).toContain("Signature Validation: Signature is Valid.");
    expect(r.output).toContain("Certificate Validation: Certificate is Trusted.");
  });

  it("certdesk: valid, signer and time, the seal verified and bound, the chain trusted, nothing changed", async () => {
    const verdict = await verifyPdf(signed, { trustAnchors: [ca.root.cert] });
    expect(verdict.valid).toBe(true);
    const [sig] = verdict.signatures;
    expect(verdict.signatures).toHaveLength(1);
    expect(sig!.signer?.organisation).toBe(ORGANISATION);
    expect(sig!.signer?.commonName).toBe(ORGANISATION);
    expect(sig!.signingTime).toEqual(SIGNED_AT);
    expect(sig!.reason).toBe("同意本合同条款");
    expect(sig!.field).toBe("CertdeskSignature1");
    expect(sig!.page).toBe(1);
    expect(sig!.coversWholeDocument).toBe(true);
    expect(sig!.modifiedAfterSigning).toBe(false);
    expect(sig!.seal?.valid).toBe(true);
    expect(sig!.seal?.seal?.name).toBe(ORGANISATION);
    expect(sig!.checks.map((c) => [c.name, c.status])).toEqual([
      ["byteRange", "pass"],
      ["digest", "pass"],
      ["signature", "pass"],
      ["signingCertificate", "pass"],
      ["timestamp", "skipped"],
      ["signerCertificate", "pass"],
      ["chain", "pass"],
      ["seal", "pass"],
      ["changes", "pass"],
    ]);
    expect(check(sig, "seal")?.code).toBe("pdf.seal_valid");
    const text = describePdfVerdict(verdict, "zh-CN").join("\n");
    expect(text).toContain(`O=${ORGANISATION}`);
    expect(text).toContain("电子印章：" + ORGANISATION);
    expect(pdfVerdictToJson(verdict).signatures[0]!.signer?.organisation).toBe(ORGANISATION);
  });

  it("the CMS: certificate embedded byte for byte, SignerInfo issuer copied from it, PAdES attributes, no signing-time", async () => {
    const verdict = await verifyPdf(signed);
    const [, b, c] = verdict.signatures[0]!.byteRange as [number, number, number, number];
    const cms = parseCms(Buffer.from(Buffer.from(signed.subarray(b + 1, c - 1)).toString("latin1"), "hex"));
    expect(cms.certificates.map((x) => Buffer.from(x.der).toString("hex"))).toContain(
      Buffer.from(certificate).toString("hex"),
    );
    const info = cms.signers[0]!;
    expect("issuerDer" in info.sid && Buffer.from(info.sid.issuerDer)).toEqual(
      Buffer.from(parseCertificate(certificate).issuerDer),
    );
    expect([...info.attributes.keys()].sort()).toEqual(
      [CMS_OID.contentType, CMS_OID.messageDigest, CMS_OID.signingCertificateV2].sort(),
    );
  });

  it("OpenSSL verifies the detached CMS over the signed ranges against the root", () => {
    const { content, cms } = extractSignature(signed);
    dir.write(`${key.label}.content`, content);
    dir.write(`${key.label}.p7s`, cms);
    const root = dir.writePem(`${key.label}-cms-root.pem`, "CERTIFICATE", ca.root.cert);
    const r = openssl(
      [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        `${key.label}.p7s`,
        "-content",
        `${key.label}.content`,
        "-CAfile",
        root,
        "-purpose",
        "any",
        "-out",
        "/dev/null",
      ],
      dir.path,
    );
    expect(r.output).toContain("Verification successful");
    const print = openssl(
      ["cms", "-cmsout", "-print", "-inform", "DER", "-in", `${key.label}.p7s`],
      dir.path,
    );
    expect(print.output).toMatch(/signingCertificateV2|1\.2\.840\.113549\.1\.9\.16\.2\.47/);
  });

  it("one byte flipped inside the signed range: pdfsig says Digest Mismatch and certdesk reports the change", async () => {
    const tampered = flipByte(signed, insideFirstRange(signed));
    dir.write(`tampered-${file}`, tampered);
    expect(pdfsig(dir, `tampered-${file}`).output).toContain("Signature Validation: Digest Mismatch.");
    const verdict = await verifyPdf(tampered);
    expect(verdict.valid).toBe(false);
    expect(check(verdict.signatures[0], "digest")).toMatchObject({
      status: "fail",
      code: "pdf.digest_mismatch",
    });
  });

  it("the stamped page shows the seal's red in the stamp's box, and nothing red elsewhere", () => {
    const raster = renderPage(dir, file);
    expect(Math.abs(raster.width - A4.width)).toBeLessThan(1.5);
    const box = { x: mm(STAMP.xMm), y: mm(STAMP.yMm), width: mm(SEAL_MM), height: mm(SEAL_MM) };
    expect(countRed(raster, box, true)).toBeGreaterThan(1000);
    expect(
      countRed(raster, { x: box.x - 2, y: box.y - 2, width: box.width + 4, height: box.height + 4 }, false),
    ).toBe(0);
  });
});

function extractSignature(pdf: Uint8Array): { content: Uint8Array; cms: Uint8Array } {
  const text = Buffer.from(pdf).toString("latin1");
  const m = [...text.matchAll(/\/ByteRange\s*\[(\d+) (\d+) (\d+) (\d+)\s*\]/g)].at(-1)!;
  const [a, b, c, d] = m.slice(1, 5).map(Number) as [number, number, number, number];
  const content = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  const hex = text.slice(b + 1, c - 1);
  const der = Buffer.from(hex, "hex");
  // The Contents string is zero-padded: the CMS ends where its outer TLV ends.
  const length = der[1]! & 0x80 ? der.readUIntBE(2, der[1]! & 0x7f) + 2 + (der[1]! & 0x7f) : der[1]! + 2;
  return { content, cms: der.subarray(0, length) };
}

describe("signing PDFs in software", () => {
  let rsaCa: TestCa;
  let key: { signer: Signer };
  let certificate: Uint8Array;

  beforeAll(async () => {
    rsaCa = await buildTestCa("rsa");
    key = generateSoftwareKey("rsa");
    certificate = await organisationCertificate(rsaCa, key.signer.publicKeySpki);
  });

  const base = async (): Promise<SignPdfInput> => ({
    pdf: await contractPdf(),
    signer: key.signer,
    certificate,
    chain: [rsaCa.issuing.cert],
    signedAt: SIGNED_AT,
  });

  it("SM2 (SM3withSM2, GM/T 0010 OIDs): certdesk verifies the signature and the SM2 seal; pdfsig cannot judge SM2", async () => {
    const sm2Ca = await buildTestCa("sm2");
    const sm2Key = generateSoftwareKey("sm2");
    const sm2Cert = await organisationCertificate(sm2Ca, sm2Key.signer.publicKeySpki);
    const signed = await signPdf({
      pdf: await contractPdf(),
      signer: sm2Key.signer,
      certificate: sm2Cert,
      chain: [sm2Ca.issuing.cert],
      seal: await sealFor(sm2Cert, sm2Ca.maker),
      stamp: STAMP,
      signedAt: SIGNED_AT,
    });
    const verdict = await verifyPdf(signed, { trustAnchors: [sm2Ca.root.cert] });
    expect(verdict.valid).toBe(true);
    const sig = verdict.signatures[0]!;
    expect(sig.digestAlgorithm).toBe("sm3");
    expect(sig.signatureAlgorithm).toBe("SM2");
    expect(sig.seal?.seal?.signatureAlgorithmName).toBe("SM3withSM2");
    expect(check(sig, "chain")?.status).toBe("pass");
    const { cms } = extractSignature(signed);
    const info = parseCms(cms).signers[0]!;
    expect(info.digestOid).toBe("1.2.156.10197.1.401");
    expect(info.signatureAlgorithmOid).toBe("1.2.156.10197.1.301.1");

    const tampered = await verifyPdf(flipByte(signed, insideFirstRange(signed)));
    expect(check(tampered.signatures[0], "digest")?.code).toBe("pdf.digest_mismatch");
  });

  it("both cross-reference layouts and a document that already has a form are signed by an incremental update", async () => {
    for (const options of [{ classic: true }, { form: true }, { classic: true, form: true }]) {
      const original = await contractPdf(options);
      const signed = await signPdf({ ...(await base()), pdf: original });
      // The original revision is kept byte for byte.
      expect(Buffer.from(signed.subarray(0, original.length))).toEqual(Buffer.from(original));
      // The update's cross-reference is of the original's kind: a table after a table, a stream after a stream.
      const update = Buffer.from(signed.subarray(original.length)).toString("latin1");
      expect(update.includes("\nxref\n"), JSON.stringify(options)).toBe(options.classic === true);
      expect(update.includes("/Type/XRef")).toBe(options.classic !== true);
      const name = `layout-${options.classic ? "classic" : "stream"}-${options.form ? "form" : "plain"}.pdf`;
      dir.write(name, signed);
      const r = pdfsig(dir, name);
      expect(r.output, JSON.stringify(options)).toContain("Signature Validation: Signature is Valid.");
      expect(r.output).not.toMatch(/Syntax Error|Internal Error/);
      expect((await verifyPdf(signed)).valid).toBe(true);
    }
  });

  it("the signing-time attribute is there only when asked for (PAdES baseline puts the time in /M)", async () => {
    const signed = await signPdf({ ...(await base()), signingTimeAttribute: true });
    const info = parseCms(extractSignature(signed).cms).signers[0]!;
    expect(info.attributes.has(CMS_OID.signingTime)).toBe(true);
    expect((await verifyPdf(signed)).signatures[0]!.signingTime).toEqual(SIGNED_AT);
  });

  it("bytes appended after signing: certdesk says modified after signing, pdfsig says not the total document", async () => {
    const signed = await signPdf(await base());
    const appended = Buffer.concat([signed, Buffer.from("\n% an unsigned change\n", "latin1")]);
    dir.write("appended.pdf", appended);
    expect(pdfsig(dir, "appended.pdf").output).toContain("Not total document signed");
    const verdict = await verifyPdf(appended);
    expect(verdict.valid).toBe(false);
    const sig = verdict.signatures[0]!;
    expect(sig.modifiedAfterSigning).toBe(true);
    expect(check(sig, "digest")?.status).toBe("pass");
    expect(check(sig, "changes")).toMatchObject({
      status: "fail",
      code: "pdf.modified_after_signing",
      params: { bytes: 22 },
    });
    expect(describePdfVerdict(verdict, "en").join("\n")).toContain(
      "modified after signing: 22 unsigned bytes",
    );
  });

  it("a second signature by an incremental update keeps the first valid; the first reports a later signed revision", async () => {
    const first = await signPdf(await base());
    const other = generateSoftwareKey("ecdsa-p256");
    const otherCa = await buildTestCa("ecdsa-p256");
    const otherCert = await organisationCertificate(
      otherCa,
      other.signer.publicKeySpki,
      "北京另一示例有限公司",
    );
    const second = await signPdf({
      pdf: first,
      signer: other.signer,
      certificate: otherCert,
      chain: [otherCa.issuing.cert],
      signedAt: new Date("2026-01-03T00:00:00Z"),
    });
    dir.write("two-signatures.pdf", second);
    const r = pdfsig(dir, "two-signatures.pdf");
    expect(r.output.match(/Signature is Valid/g)).toHaveLength(2);
    const verdict = await verifyPdf(second);
    expect(verdict.valid).toBe(true);
    expect(verdict.signatures.map((s) => s.field)).toEqual(["CertdeskSignature1", "CertdeskSignature2"]);
    expect(verdict.signatures.map((s) => s.signer?.organisation)).toEqual([
      ORGANISATION,
      "北京另一示例有限公司",
    ]);
    expect(check(verdict.signatures[0], "changes")?.code).toBe("pdf.later_revision_signed");
  });

  it("an untrusted root and a flipped byte in the signature value are reported", async () => {
    const signed = await signPdf(await base());
    const untrusted = await verifyPdf(signed, { trustAnchors: [ecdsaCa.root.cert] });
    expect(check(untrusted.signatures[0], "chain")?.code).toBe("pdf.chain_untrusted");
    // Contents is outside the signed range: change the last byte of the RSA signature value.
    const { cms } = extractSignature(signed);
    const [, b] = (await verifyPdf(signed)).signatures[0]!.byteRange as [number, number];
    const lastHex = b + 1 + cms.length * 2 - 1;
    const broken = signed.slice();
    broken[lastHex] = broken[lastHex] === 0x30 ? 0x31 : 0x30;
    expect(check((await verifyPdf(broken)).signatures[0], "signature")?.code).toBe("pdf.signature_invalid");
  });

  it("refuses: a seal that binds another certificate, a stamp without a seal, a page that does not exist, a key that is not the certificate's", async () => {
    const refusal = async (input: Promise<SignPdfInput>): Promise<string> => {
      const e: unknown = await signPdf(await input).catch((err: unknown) => err);
      if (!(e instanceof DomainError)) throw e;
      return e.code;
    };
    const strangerCert = await organisationCertificate(
      rsaCa,
      generateSoftwareKey("rsa").signer.publicKeySpki,
    );
    const foreignSeal = await sealFor(strangerCert, ecdsaCa.maker);
    expect(await refusal(base().then((b) => ({ ...b, seal: foreignSeal, stamp: STAMP })))).toBe(
      "pdf.seal_not_bound",
    );
    expect(await refusal(base().then((b) => ({ ...b, stamp: STAMP })))).toBe("pdf.stamp_needs_seal");
    const ownSeal = await sealFor(certificate, ecdsaCa.maker);
    expect(await refusal(base().then((b) => ({ ...b, seal: ownSeal, stamp: { ...STAMP, page: 2 } })))).toBe(
      "pdf.page_out_of_range",
    );
    expect(await refusal(base().then((b) => ({ ...b, certificate: strangerCert })))).toBe(
      "pdf.signer_key_mismatch",
    );
    expect(
      await refusal(
        base().then((b) => ({ ...b, seal: ownSeal, signedAt: new Date("2029-01-01T00:00:00Z") })),
      ),
    ).toBe("pdf.seal_unusable");
    expect(await refusal(base().then((b) => ({ ...b, pdf: new TextEncoder().encode("not a pdf") })))).toBe(
      "pdf.unreadable",
    );
  });

  it("a PDF without signatures is not valid; the text of the contract survives signing (pdftotext)", async () => {
    const plain = await contractPdf();
    const verdict = await verifyPdf(plain);
    expect(verdict.valid).toBe(false);
    expect(verdict.signatures).toHaveLength(0);
    expect(describePdfVerdict(verdict, "zh-CN")).toContain("文档中没有签名");
    const signed = await signPdf(await base());
    dir.write("text.pdf", signed);
    const text = spawnSync("pdftotext", ["text.pdf", "-"], { cwd: dir.path, encoding: "utf8" }).stdout;
    expect(text).toContain(CONTRACT_TEXT);
  });
});
