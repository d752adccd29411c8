/** certdesk pdf verify on signed and stamped PDFs, as an operator runs it (the real bin, a real file). */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pemEncode } from "../src/pki/pem.js";
import { generateSoftwareKey } from "../src/pki/signer.js";
import { Workdir } from "./support/pki.js";
import { buildSeal } from "../src/seal/build.js";
import { signPdf } from "../src/seal/pdf-sign.js";
import {
  ORGANISATION,
  buildTestCa,
  contractPdf,
  organisationCertificate,
  redStampPng,
} from "./support/seal-pdfs.js";

const bin = fileURLToPath(new URL("../bin/certdesk.js", import.meta.url));

function certdesk(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("certdesk pdf verify", () => {
  const dir = new Workdir();
  let signed: string;
  let tampered: string;
  let appended: string;
  let trust: string;
  let wrongTrust: string;

  beforeAll(async () => {
    const ca = await buildTestCa("ecdsa-p256");
    const key = generateSoftwareKey("ecdsa-p256");
    const certificate = await organisationCertificate(ca, key.signer.publicKeySpki);
    const seal = await buildSeal({
      id: "CDSEAL-CLI-1",
      type: "official",
      name: ORGANISATION,
      boundCertificates: [certificate],
      validStart: new Date("2025-03-01T00:00:00Z"),
      validEnd: new Date("2029-03-01T00:00:00Z"),
      picture: { type: "PNG", data: redStampPng(), widthMm: 40, heightMm: 40 },
      maker: { certificate: ca.maker.cert, signer: ca.maker.signer },
      vendor: "certdesk",
    });
    // Only the signer's own certificate, as a USB key holds it: --trust brings the issuing CA.
    const pdf = await signPdf({
      pdf: await contractPdf(),
      signer: key.signer,
      certificate,
      seal,
      stamp: { page: 1, xMm: 120, yMm: 40 },
      signedAt: new Date(),
    });
    signed = dir.write("signed.pdf", pdf);
    const flipped = pdf.slice();
    flipped[Math.floor(pdf.length / 10) + 200]! ^= 1;
    tampered = dir.write("tampered.pdf", flipped);
    appended = dir.write("appended.pdf", Buffer.concat([pdf, Buffer.from("\n%%EOF\n")]));
    trust = dir.write(
      "trust.pem",
      pemEncode("CERTIFICATE", ca.root.cert) + pemEncode("CERTIFICATE", ca.issuing.cert),
    );
    const other = await buildTestCa("ecdsa-p256");
    wrongTrust = dir.write("other.pem", pemEncode("CERTIFICATE", other.root.cert));
  });
  afterAll(() => dir.remove());

  const at = (name: string): string => `${dir.path}/${name}`;

  it("a signed PDF: exit 0, the Chinese signer, the seal, the trusted chain, nothing changed", () => {
    const r = certdesk("pdf", "verify", at(signed), "--trust", at(trust), "--json");
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      valid: true,
      signatures: [
        {
          valid: true,
          field: "CertdeskSignature1",
          page: 1,
          signer: { organisation: ORGANISATION, commonName: ORGANISATION },
          coversWholeDocument: true,
          modifiedAfterSigning: false,
          seal: { valid: true, seal: { name: ORGANISATION, id: "CDSEAL-CLI-1" } },
        },
      ],
    });
    const chain = json.signatures[0].checks.find((c: { name: string }) => c.name === "chain");
    expect(chain).toMatchObject({ status: "pass", code: "pdf.chain_trusted" });
  });

  it("as text, in Chinese by default and in English on request", () => {
    const zh = certdesk("pdf", "verify", at(signed));
    expect(zh.code).toBe(0);
    expect(zh.stdout).toContain("PDF 签章有效");
    expect(zh.stdout).toContain(`O=${ORGANISATION}`);
    expect(zh.stdout).toContain(`电子印章：${ORGANISATION}`);
    expect(zh.stdout).toContain("– 证书链：未提供信任的根证书，未检查");
    const en = certdesk("pdf", "verify", at(signed), "--lang", "en");
    expect(en.stdout).toContain("✓ Changes after signing: the signature covers the whole document");
  });

  it("one changed byte: exit 1, digest mismatch; appended bytes: exit 1, modified after signing", () => {
    const t = certdesk("pdf", "verify", at(tampered), "--lang", "en");
    expect(t.code).toBe(1);
    expect(t.stdout).toContain(
      "✗ Document digest: the digest does not match: the document was changed after signing",
    );
    const a = certdesk("pdf", "verify", at(appended), "--json");
    expect(a.code).toBe(1);
    const sig = JSON.parse(a.stdout).signatures[0];
    expect(sig.modifiedAfterSigning).toBe(true);
    expect(sig.checks.find((c: { name: string }) => c.name === "changes").code).toBe(
      "pdf.modified_after_signing",
    );
  });

  it("another CA's root: the chain is not trusted, exit 1", () => {
    const r = certdesk("pdf", "verify", at(signed), "--trust", at(wrongTrust), "--json");
    expect(r.code).toBe(1);
    const chain = JSON.parse(r.stdout).signatures[0].checks.find((c: { name: string }) => c.name === "chain");
    expect(chain.code).toBe("pdf.chain_untrusted");
  });

  it("a missing file or a bad --trust file: exit 2 with a code", () => {
    const missing = certdesk("pdf", "verify", "/nonexistent.pdf", "--json");
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: "cli.file_unreadable" } });
    const badTrust = certdesk("pdf", "verify", at(signed), "--trust", at(signed), "--json");
    expect(badTrust.code).toBe(2);
    expect(JSON.parse(badTrust.stdout)).toMatchObject({ error: { code: "cli.invalid_value" } });
  });
});
