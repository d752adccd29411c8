/**
 * Issue #18 finding 4: seal verification checked no certificate chain. A seal or seal signature
 * whose maker's or signer's certificate was issued by a CA the verifier does not trust is reported
 * untrusted, naming whose chain failed; a revoked signer is reported revoked when a CRL is given.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../pki/certificate.js";
import { buildCrl, parseCrl } from "../pki/crl.js";
import { DATES, ORGANISATION, buildSealParties, redSealPng } from "../../test/support/seal.js";
import type { Party, SealParties } from "../../test/support/seal.js";
import { buildSeal } from "./build.js";
import type { Check } from "./checks.js";
import { describeSealVerdict } from "./describe.js";
import { buildSealSignature } from "./signature.js";
import type { SealTrust } from "./trust.js";
import { verifySealFileTrusted, type SealFileVerdict } from "./verify-file.js";
import { trustMessages } from "../i18n/messages/trust.js";

const DOCUMENT = new TextEncoder().encode("<ofd:Signature>采购合同 2026-002</ofd:Signature>");
const AT = DATES.checkAt;

async function sealOf(maker: Party, bound: Party, algorithm: string): Promise<Uint8Array> {
  return buildSeal({
    id: `trust-${algorithm}`,
    type: "official",
    name: `${ORGANISATION}公章`,
    boundCertificates: [bound.cert],
    validStart: DATES.sealStart,
    validEnd: DATES.sealEnd,
    createdAt: DATES.createdAt,
    picture: { type: "PNG", data: redSealPng(), widthMm: 40, heightMm: 40 },
    maker: { certificate: maker.cert, signer: maker.signer },
    vendor: "certdesk",
  });
}

async function signed(maker: Party, signer: Party, algorithm: string): Promise<Uint8Array> {
  return buildSealSignature({
    seal: await sealOf(maker, signer, algorithm),
    document: DOCUMENT,
    signer: { certificate: signer.cert, signer: signer.signer },
    signedAt: new Date("2025-06-01T09:30:00Z"),
    propertyInfo: "/Doc_0/Signs/Sign_0/Signature.xml",
  });
}

const UNTRUSTED = expect.stringMatching(/^chain\.(issuer_unknown|signature_invalid)$/);
const trustIn = (...roots: Party[]): SealTrust => ({ anchors: roots.map((r) => parseCertificate(r.cert)) });

/** Every check of a verdict, the embedded seal's included. */
function allChecks(result: SealFileVerdict): Check<string>[] {
  if (result.kind === "seal") return result.verdict.checks;
  return [...result.verdict.checks, ...(result.verdict.seal?.checks ?? [])];
}
const check = (result: SealFileVerdict, name: string) => allChecks(result).find((c) => c.name === name);

describe.each(["sm2", "rsa", "ecdsa-p256"] as const)("seal chains with %s keys", (algorithm) => {
  let ours: SealParties;
  let theirs: SealParties;
  beforeAll(async () => {
    [ours, theirs] = await Promise.all([buildSealParties(algorithm), buildSealParties(algorithm)]);
  });

  it("a CA of another name than any trusted: issuer_unknown, naming that CA", async () => {
    const stranger = await buildSealParties(algorithm === "sm2" ? "rsa" : "sm2");
    const result = await verifySealFileTrusted(await sealOf(stranger.maker, ours.organisation, algorithm), {
      at: AT,
      trust: trustIn(ours.root),
    });
    expect(check(result, "makerChain")).toMatchObject({
      status: "fail",
      code: "chain.issuer_unknown",
      params: { issuer: parseCertificate(stranger.root.cert).subjectText },
    });
    expect(describeSealVerdict(result.verdict, "en").join("\n")).toMatch(
      /✗ Maker certificate chain: untrusted: the issuer of .* is not among the trusted CA certificates/,
    );
  });

  it("maker and signer issued by a trusted CA: both chains trusted, the signature valid", async () => {
    const result = await verifySealFileTrusted(await signed(ours.maker, ours.organisation, algorithm), {
      at: AT,
      document: DOCUMENT,
      trust: trustIn(ours.root),
    });
    expect(result.kind).toBe("signature");
    expect(check(result, "makerChain")).toMatchObject({ status: "pass", code: "chain.trusted" });
    expect(check(result, "signerChain")).toMatchObject({ status: "pass", code: "chain.trusted" });
    // No CRL given and none published by these test CAs: unknown, which does not fail the verdict.
    expect(check(result, "signerRevocation")).toMatchObject({
      status: "warning",
      code: "chain.revocation_unknown",
    });
    expect(result.verdict.valid).toBe(true);
  });

  it("a seal whose maker was issued by a CA not trusted: the maker's chain is untrusted", async () => {
    const result = await verifySealFileTrusted(await sealOf(theirs.maker, ours.organisation, algorithm), {
      at: AT,
      trust: trustIn(ours.root),
    });
    expect(result.kind).toBe("seal");
    // The test roots share a name: the trusted one by that name did not sign, which is as untrusted.
    expect(check(result, "makerChain")).toMatchObject({ status: "fail", code: UNTRUSTED });
    expect(check(result, "makerSignature")?.status).toBe("pass");
    expect(result.verdict.valid).toBe(false);
    const text = describeSealVerdict(result.verdict, "en").join("\n");
    expect(text).toMatch(/✗ Maker certificate chain: untrusted: .*certdesk seal maker/);
    expect(describeSealVerdict(result.verdict, "zh-CN").join("\n")).toContain("✗ 制章者证书链：不受信任");
  });

  it("a signature whose signer was issued by a CA not trusted: the signer's chain is untrusted, the maker's trusted", async () => {
    const result = await verifySealFileTrusted(await signed(ours.maker, theirs.organisation, algorithm), {
      at: AT,
      document: DOCUMENT,
      trust: trustIn(ours.root),
    });
    expect(check(result, "signerChain")).toMatchObject({ status: "fail", code: UNTRUSTED });
    expect(check(result, "makerChain")?.status).toBe("pass");
    expect(check(result, "signerSignature")?.status).toBe("pass");
    expect(result.verdict.valid).toBe(false);
    expect(describeSealVerdict(result.verdict, "en").join("\n")).toMatch(
      /✗ Signer certificate chain: untrusted/,
    );
  });

  it("a revoked signer certificate, with the CA's CRL given: reported revoked", async () => {
    const crl = parseCrl(
      await buildCrl({
        issuerCertificate: ours.root.cert,
        signer: ours.root.signer,
        crlNumber: 7n,
        thisUpdate: new Date("2025-12-01T00:00:00Z"),
        nextUpdate: new Date("2026-03-01T00:00:00Z"),
        entries: [
          {
            serialNumber: parseCertificate(ours.organisation.cert).serialNumber,
            revokedAt: new Date("2025-11-30T00:00:00Z"),
            reason: "keyCompromise",
          },
        ],
      }),
    );
    const result = await verifySealFileTrusted(await signed(ours.maker, ours.organisation, algorithm), {
      at: AT,
      document: DOCUMENT,
      trust: { ...trustIn(ours.root), crls: [crl] },
    });
    expect(check(result, "signerChain")?.status).toBe("pass");
    expect(check(result, "signerRevocation")).toMatchObject({
      status: "fail",
      code: "chain.revoked",
      params: { reason: "keyCompromise", revokedAt: "2025-11-30T00:00:00Z" },
    });
    // The same CRL says the maker is not revoked.
    expect(check(result, "makerRevocation")).toMatchObject({ status: "pass", code: "chain.not_revoked" });
    expect(result.verdict.valid).toBe(false);
    expect(describeSealVerdict(result.verdict, "en").join("\n")).toMatch(
      /✗ Signer certificate revocation: revoked/,
    );
  });
});

it("with no trusted CA certificate at all, every chain is untrusted and says how to give some", async () => {
  const p = await buildSealParties("sm2");
  const result = await verifySealFileTrusted(await sealOf(p.maker, p.organisation, "sm2"), {
    at: AT,
    trust: { anchors: [] },
  });
  expect(check(result, "makerChain")).toMatchObject({ status: "fail", code: "chain.no_trust" });
  expect(check(result, "makerRevocation")?.status).toBe("skipped");
  expect(result.verdict.valid).toBe(false);
});

it("every chain and trust message has zh-CN and en with the same placeholders", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [code, message] of Object.entries(trustMessages)) {
    expect(message["zh-CN"], code).not.toBe("");
    expect(placeholders(message.en), code).toEqual(placeholders(message["zh-CN"]));
  }
});
