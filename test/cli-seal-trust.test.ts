/**
 * certdesk seal verify trusts the desk's own CA certificates by default (issue #18 finding 4): on a
 * temporary embedded store, a seal signature whose maker and signer certificates the desk issued
 * verifies with both chains trusted; once the signer is revoked, the desk's CRL given with --crl
 * makes it "revoked". Run in-process, as an operator runs the CLI beside the store.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, run } from "../src/cli/main.js";
import { parseCertificate } from "../src/pki/certificate.js";
import { buildCsr } from "../src/pki/csr.js";
import { pemDecodeAll, pemEncode } from "../src/pki/pem.js";
import { generateSoftwareKey, type Signer } from "../src/pki/signer.js";
import { buildSeal } from "../src/seal/build.js";
import { buildSealSignature } from "../src/seal/signature.js";
import { demoProgrammesPath } from "../src/store/programme-files.js";
import { ORGANISATION, USCC, redSealPng } from "./support/seal.js";

const scratch = mkdtempSync(join(tmpdir(), "certdesk-seal-trust-"));
const env = { CERTDESK_DATA_DIR: scratch, CERTDESK_CA_PASSPHRASE: "seal-trust-test-passphrase" };
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Ran = { code: number; stdout: string; stderr: string };
async function certdesk(...args: string[]): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
  };
  return { code: await run(args, io), stdout, stderr };
}

interface Verdict {
  valid: boolean;
  trust: { source: string; certificates: number };
  checks: { name: string; status: string; code: string }[];
  seal: { checks: { name: string; status: string; code: string }[] } | null;
}
const checksOf = (v: Verdict) => [...v.checks, ...(v.seal?.checks ?? [])];

/** A certificate the desk issues (procurement's organisation-signing profile) for a key made here. */
async function deskIssued(cn: string): Promise<{ cert: Uint8Array; signer: Signer; serial: string }> {
  const { signer } = generateSoftwareKey("sm2");
  const csr = join(scratch, `${cn}.csr`);
  writeFileSync(
    csr,
    pemEncode(
      "CERTIFICATE REQUEST",
      await buildCsr({ subject: { C: "CN", O: ORGANISATION, CN: cn, serialNumber: USCC }, signer }),
    ),
  );
  const ran = await certdesk(
    "ca",
    "issue",
    "--profile",
    "organisation-signing",
    "--programme",
    "procurement",
    "--csr",
    csr,
    "--json",
  );
  expect(ran.code, ran.stdout + ran.stderr).toBe(0);
  const { pem, serial } = JSON.parse(ran.stdout) as { pem: string; serial: string };
  return { cert: pemDecodeAll(pem)[0]!.der, signer, serial };
}

describe("seal verify against the desk's own CAs", () => {
  const signatureFile = join(scratch, "SignedValue.dat");
  let signerSerial = "";
  beforeAll(async () => {
    expect((await certdesk("programme", "load", demoProgrammesPath, "--json")).code).toBe(0);
    expect((await certdesk("ca", "init", "--algorithms", "sm2", "--json")).code).toBe(0);
    const maker = await deskIssued("desk-issued seal maker");
    const organisation = await deskIssued(ORGANISATION);
    signerSerial = organisation.serial;
    const seal = await buildSeal({
      id: "CDSEAL-TRUST-1",
      type: "official",
      name: `${ORGANISATION}公章`,
      boundCertificates: [organisation.cert],
      validStart: new Date(Date.now() - 86_400_000),
      validEnd: new Date(Date.now() + 30 * 86_400_000),
      picture: { type: "PNG", data: redSealPng(), widthMm: 40, heightMm: 40 },
      maker: { certificate: maker.cert, signer: maker.signer },
      vendor: "certdesk",
    });
    const signature = await buildSealSignature({
      seal,
      document: new TextEncoder().encode("合同"),
      signer: { certificate: organisation.cert, signer: organisation.signer },
      signedAt: new Date(),
      propertyInfo: "/Doc_0/Signs/Sign_0/Signature.xml",
    });
    writeFileSync(signatureFile, signature);
    expect(parseCertificate(organisation.cert).extensions.crlDistributionPoints?.length).toBeGreaterThan(0);
  }, 180_000);

  it("trusts the desk's CA certificates by default: both chains trusted, exit 0", async () => {
    const ran = await certdesk("seal", "verify", signatureFile, "--json");
    const v = JSON.parse(ran.stdout) as Verdict;
    expect(v.trust.source).toBe("desk");
    expect(v.trust.certificates).toBeGreaterThanOrEqual(3);
    const checks = checksOf(v);
    for (const name of ["makerChain", "signerChain"])
      expect(checks).toContainEqual(expect.objectContaining({ name, status: "pass", code: "chain.trusted" }));
    // The desk does not listen here: its CRL distribution point is unreachable, which is not a failure.
    expect(checks).toContainEqual(
      expect.objectContaining({
        name: "signerRevocation",
        status: "warning",
        code: "chain.revocation_unknown",
      }),
    );
    expect(ran.code, ran.stdout).toBe(0);
    const text = await certdesk("seal", "verify", signatureFile, "--lang", "en");
    expect(text.stdout).toMatch(/✓ Signer certificate chain: .* chains to the trusted CA certificate/);
    expect(text.stdout).toMatch(/! Signer certificate revocation: revocation unknown/);
  }, 60_000);

  it("the signer revoked on the desk, its CRL given with --crl: reported revoked, exit 1", async () => {
    expect((await certdesk("ca", "revoke", signerSerial, "--reason", "keyCompromise", "--json")).code).toBe(
      0,
    );
    const crl = join(scratch, "issuing.crl");
    const made = await certdesk("ca", "crl", "--ca", "sm2-issuing", "--out", crl, "--json");
    expect(made.code, made.stdout).toBe(0);
    const ran = await certdesk("seal", "verify", signatureFile, "--crl", crl, "--json");
    expect(ran.code, ran.stdout).toBe(1);
    const checks = checksOf(JSON.parse(ran.stdout) as Verdict);
    expect(checks).toContainEqual(
      expect.objectContaining({ name: "signerRevocation", status: "fail", code: "chain.revoked" }),
    );
    expect(checks).toContainEqual(expect.objectContaining({ name: "signerChain", status: "pass" }));
    const zh = await certdesk("seal", "verify", signatureFile, "--crl", crl);
    expect(zh.stdout).toMatch(/✗ 签章者证书吊销状态：已吊销/);
  }, 60_000);
});
