/**
 * PDF signatures with a timestamp (PAdES B-T): the token (RFC 3161) over the SignerInfo's signature
 * value as the unsigned attribute id-aa-signatureTimeStampToken, judged by OpenSSL's ts verifier,
 * poppler's pdfsig and certdesk's verifier, and long-term validity: a signer certificate that has
 * expired since stays good for a signature a trusted timestamp proves older.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workdir, openssl } from "../../test/support/pki.js";
import {
  buildTestCa,
  contractPdf,
  organisationCertificate,
  pdfsig,
  testTsa,
  timestampOver,
  type TestCa,
} from "../../test/support/seal-pdfs.js";
import { CMS_OID, parseCms } from "../pki/cms.js";
import { generateSoftwareKey, type Signer } from "../pki/signer.js";
import type { TimestampAuthority } from "../pki/tsa.js";
import { describePdfVerdict, pdfVerdictToJson } from "./pdf-describe.js";
import { signPdf } from "./pdf-sign.js";
import { verifyPdf, type PdfCheckName, type PdfSignatureVerdict } from "./pdf-verify.js";

const SIGNED_AT = new Date("2026-03-01T08:00:00Z");
/** The signer certificate of the long-term case ends here: after the signing, before "now". */
const EXPIRED_AT = new Date("2026-06-30T00:00:00Z");
const NOW = new Date("2027-02-01T00:00:00Z");

const check = (v: PdfSignatureVerdict | undefined, name: PdfCheckName) =>
  v?.checks.find((c) => c.name === name);

/** The CMS in a signed PDF's /Contents (the last signature's). */
function cmsOf(pdf: Uint8Array): ReturnType<typeof parseCms> {
  const text = Buffer.from(pdf).toString("latin1");
  const m = [...text.matchAll(/\/Contents\s*<([0-9A-Fa-f]+)>/g)].at(-1)!;
  return parseCms(new Uint8Array(Buffer.from(m[1]!, "hex")));
}

let ca: TestCa;
let tsa: TimestampAuthority;
let signer: Signer;
const dir = new Workdir();

beforeAll(async () => {
  ca = await buildTestCa("rsa");
  tsa = await testTsa(ca);
  signer = generateSoftwareKey("rsa").signer;
});
afterAll(() => dir.remove());

async function signed(options: { expires?: Date; timestamp?: "good" | "other-bytes" | "none" }) {
  const certificate = await organisationCertificate(ca, signer.publicKeySpki, undefined, {
    notBefore: new Date("2025-01-01T00:00:00Z"),
    notAfter: options.expires ?? new Date("2030-01-01T00:00:00Z"),
  });
  const mode = options.timestamp ?? "good";
  return signPdf({
    pdf: await contractPdf(),
    signer,
    certificate,
    chain: [ca.issuing.cert],
    signedAt: SIGNED_AT,
    reason: "同意本合同条款",
    ...(mode === "none"
      ? {}
      : {
          timestamp: (signature: Uint8Array) =>
            timestampOver(
              tsa,
              mode === "good" ? signature : new TextEncoder().encode("another signature"),
              SIGNED_AT,
            ),
        }),
  });
}

describe("a timestamped PDF signature", () => {
  let pdf: Uint8Array;
  beforeAll(async () => {
    pdf = await signed({});
    dir.write("stamped.pdf", pdf);
  });

  it("carries the token as the unsigned attribute id-aa-signatureTimeStampToken, which openssl ts -verify accepts over the signature value", () => {
    const [signerInfo] = cmsOf(pdf).signers;
    const tokens = signerInfo!.unsignedAttributes.get(CMS_OID.signatureTimeStampToken);
    expect(tokens).toHaveLength(1);
    dir.write("token.der", tokens![0]!);
    dir.write("signature.bin", signerInfo!.signature);
    dir.writePem("root.pem", "CERTIFICATE", ca.root.cert);
    const v = openssl(
      ["ts", "-verify", "-token_in", "-in", "token.der", "-data", "signature.bin", "-CAfile", "root.pem"],
      dir.path,
    );
    expect(v.output).toContain("Verification: OK");
    const text = openssl(["ts", "-reply", "-token_in", "-in", "token.der", "-text", "-token_out"], dir.path);
    expect(text.output).toContain("Mar  1 08:00:00 2026 GMT");
  });

  it("pdfsig: still valid with the token in the CMS (poppler 22.12 prints no timestamp line of its own)", () => {
    const r = pdfsig(dir, "stamped.pdf");
    expect(r.output).toContain("Signature Validation: Signature is Valid.");
    expect(r.output).toContain("Total document signed");
    expect(r.output).not.toMatch(/timestamp/i);
  });

  it("certdesk: the timestamp is checked (imprint, TSA signature, EKU, chain to the root) and reported", async () => {
    const verdict = await verifyPdf(pdf, { trustAnchors: [ca.root.cert], at: NOW });
    const [sig] = verdict.signatures;
    expect(verdict.valid).toBe(true);
    expect(check(sig, "timestamp")).toMatchObject({
      status: "pass",
      code: "tsa.token_valid",
      params: { genTime: "2026-03-01T08:00:00Z", tsa: expect.stringContaining("certdesk PDF test TSA rsa") },
    });
    expect(sig!.timestamp).toMatchObject({ valid: true, genTime: SIGNED_AT });
    const json = pdfVerdictToJson(verdict).signatures[0]!;
    expect(json.timestamp).toMatchObject({
      valid: true,
      code: "tsa.token_valid",
      genTime: "2026-03-01T08:00:00Z",
    });
    expect(json.validAsOf).toBeNull(); // the certificate is still valid: no need for the timestamp
  });

  it("without roots the token is read but vouches for nothing: the check is skipped, not passed", async () => {
    const verdict = await verifyPdf(pdf, { at: NOW });
    expect(check(verdict.signatures[0], "timestamp")).toMatchObject({
      status: "skipped",
      code: "pdf.timestamp_chain_not_checked",
    });
  });
});

describe("a token over other bytes (RFC 3161 section 2.4.2: the imprint must be the signature value's)", () => {
  it("is caught: the timestamp check fails with tsa.imprint_mismatch and the signature is not valid", async () => {
    const pdf = await signed({ timestamp: "other-bytes" });
    const verdict = await verifyPdf(pdf, { trustAnchors: [ca.root.cert], at: NOW });
    expect(check(verdict.signatures[0], "timestamp")).toMatchObject({
      status: "fail",
      code: "tsa.imprint_mismatch",
    });
    expect(verdict.valid).toBe(false);
  });
});

describe("long-term validity: the signer certificate expired after signing", () => {
  it("with a trusted timestamp inside its validity, the signature is valid as of the timestamp's time", async () => {
    const pdf = await signed({ expires: EXPIRED_AT });
    const verdict = await verifyPdf(pdf, { trustAnchors: [ca.root.cert], at: NOW });
    const [sig] = verdict.signatures;
    expect(check(sig, "signerCertificate")).toMatchObject({
      status: "pass",
      code: "pdf.signer_certificate_valid_at_timestamp",
      params: { genTime: "2026-03-01T08:00:00Z", notAfter: "2026-06-30T00:00:00Z" },
    });
    expect(sig!.validAsOf).toEqual(SIGNED_AT);
    expect(verdict.valid).toBe(true);
    const lines = describePdfVerdict(verdict, "en").join("\n");
    expect(lines).toContain("the timestamp proves the signature valid as of 2026-03-01T08:00:00Z");
  });

  it("without a timestamp the same signature is expired (the claimed /M time proves nothing)", async () => {
    const pdf = await signed({ expires: EXPIRED_AT, timestamp: "none" });
    const verdict = await verifyPdf(pdf, { trustAnchors: [ca.root.cert], at: NOW });
    const [sig] = verdict.signatures;
    expect(check(sig, "timestamp")?.code).toBe("pdf.timestamp_absent");
    expect(check(sig, "signerCertificate")).toMatchObject({
      status: "fail",
      code: "pdf.signer_certificate_expired",
    });
    expect(sig!.validAsOf).toBeUndefined();
    expect(verdict.valid).toBe(false);
  });

  it("a token that does not verify gives no long-term validity either", async () => {
    const pdf = await signed({ expires: EXPIRED_AT, timestamp: "other-bytes" });
    const verdict = await verifyPdf(pdf, { trustAnchors: [ca.root.cert], at: NOW });
    expect(check(verdict.signatures[0], "signerCertificate")?.code).toBe("pdf.signer_certificate_expired");
    expect(verdict.valid).toBe(false);
  });
});

describe("a timestamp hook that gives nothing (the TSA out of reach)", () => {
  it("leaves a signature without a timestamp, valid, the reserved space zero-padded", async () => {
    const certificate = await organisationCertificate(ca, signer.publicKeySpki);
    const pdf = await signPdf({
      pdf: await contractPdf(),
      signer,
      certificate,
      signedAt: SIGNED_AT,
      timestamp: async () => undefined,
    });
    const verdict = await verifyPdf(pdf, { trustAnchors: [ca.root.cert], intermediates: [ca.issuing.cert] });
    expect(verdict.valid).toBe(true);
    expect(check(verdict.signatures[0], "timestamp")?.code).toBe("pdf.timestamp_absent");
  });
});
