/**
 * RFC 5280 §6 path validation as seal verification needs it, and revocation by CRL (§5, §6.3):
 * real keys per algorithm, real CRLs, and a real HTTP distribution point.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCertificate, parseCertificate, type CertificateView } from "./certificate.js";
import { buildPath, checkRevocation, httpCrlFetcher } from "./chain.js";
import { buildCrl, parseCrl } from "./crl.js";
import type { ExtensionsInput } from "./extensions.js";
import { randomSerial } from "./serial.js";
import { generateSoftwareKey, type KeyAlgorithm, type Signer } from "./signer.js";

const NOT_BEFORE = new Date("2025-01-01T00:00:00Z");
const NOT_AFTER = new Date("2030-01-01T00:00:00Z");
const AT = new Date("2026-06-01T00:00:00Z");

interface Party {
  der: Uint8Array;
  view: CertificateView;
  signer: Signer;
}

async function party(
  algorithm: KeyAlgorithm,
  cn: string,
  issuer: Party | undefined,
  extensions: ExtensionsInput,
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<Party> {
  const { signer } = generateSoftwareKey(algorithm);
  const der = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "certdesk chain test", CN: cn },
    subjectPublicKey: signer.publicKeySpki,
    notBefore: validity.notBefore ?? NOT_BEFORE,
    notAfter: validity.notAfter ?? NOT_AFTER,
    extensions,
    issuer: issuer ? { certificate: issuer.der } : { selfSigned: true },
    signer: issuer ? issuer.signer : signer,
  });
  return { der, view: parseCertificate(der), signer };
}

const CA: ExtensionsInput = { basicConstraints: { ca: true }, keyUsage: ["keyCertSign", "cRLSign"] };
const LEAF: ExtensionsInput = {
  basicConstraints: { ca: false },
  keyUsage: ["digitalSignature", "nonRepudiation"],
};

async function hierarchy(algorithm: KeyAlgorithm) {
  const root = await party(algorithm, `root ${algorithm}`, undefined, CA);
  const issuing = await party(algorithm, `issuing ${algorithm}`, root, {
    ...CA,
    basicConstraints: { ca: true, pathLength: 0 },
  });
  const leaf = await party(algorithm, `leaf ${algorithm}`, issuing, LEAF);
  return { root, issuing, leaf };
}

describe("buildPath: a trusted path, link by link (RFC 5280 §6.1)", () => {
  for (const algorithm of ["sm2", "rsa", "ecdsa-p256"] as const) {
    it(`${algorithm}: leaf, issuing CA, root; the SM2 links checked with signer ID 1234567812345678`, async () => {
      const { root, issuing, leaf } = await hierarchy(algorithm);
      const result = buildPath({ certificate: leaf.view, anchors: [root.view, issuing.view], at: AT });
      expect(result.trusted).toBe(true);
      if (result.trusted) expect(result.path.map((c) => c.subjectText)).toContain(leaf.view.subjectText);
      // With only the root trusted, the issuing CA completes the path as an intermediate.
      const viaRoot = buildPath({
        certificate: leaf.view,
        anchors: [root.view],
        intermediates: [issuing.view],
        at: AT,
      });
      expect(viaRoot.trusted && viaRoot.path.length).toBe(3);
    });
  }

  it("a CA the verifier does not trust: issuer_unknown, naming the issuer", async () => {
    const { root } = await hierarchy("sm2");
    const other = await hierarchy("sm2");
    const result = buildPath({ certificate: other.leaf.view, anchors: [root.view], at: AT });
    expect(result).toMatchObject({ trusted: false, problem: "issuer_unknown" });
    if (!result.trusted) expect(result.certificate.issuerText).toBe(other.issuing.view.subjectText);
  });

  it("a certificate with the trusted CA's name but another key: signature_invalid", async () => {
    const real = await hierarchy("ecdsa-p256");
    // Same subject as the real issuing CA, another key: what a forger would make.
    const forgedCa = await party("ecdsa-p256", "issuing ecdsa-p256", undefined, CA);
    const forged = await party("ecdsa-p256", "forged leaf", forgedCa, LEAF);
    const result = buildPath({ certificate: forged.view, anchors: [real.issuing.view], at: AT });
    expect(result).toMatchObject({ trusted: false, problem: "signature_invalid" });
  });

  it("an issuer that is not a CA, one expired at the moment judged, and a pathLen exceeded", async () => {
    const { root, leaf } = await hierarchy("sm2");
    const notCa = await party("sm2", "not a CA", root, LEAF);
    const under = await party("sm2", "under an end entity", notCa, LEAF);
    expect(
      buildPath({ certificate: under.view, anchors: [root.view], intermediates: [notCa.view], at: AT }),
    ).toMatchObject({ trusted: false, problem: "issuer_not_ca" });

    const oldCa = await party("sm2", "old CA", root, CA, { notAfter: new Date("2026-01-01T00:00:00Z") });
    const underOld = await party("sm2", "leaf of old CA", oldCa, LEAF);
    expect(buildPath({ certificate: underOld.view, anchors: [oldCa.view], at: AT })).toMatchObject({
      trusted: false,
      problem: "issuer_expired",
    });

    // issuing has pathLength 0: a CA below it may not issue.
    const { issuing } = await hierarchy("sm2");
    const sub = await party("sm2", "sub CA", issuing, CA);
    const deep = await party("sm2", "deep leaf", sub, LEAF);
    const rootOfIssuing = buildPath({
      certificate: deep.view,
      anchors: [issuing.view],
      intermediates: [sub.view],
      at: AT,
    });
    expect(rootOfIssuing).toMatchObject({ trusted: false, problem: "path_length" });
    expect(buildPath({ certificate: leaf.view, anchors: [], at: AT }).trusted).toBe(false);
  });

  it("a signing certificate whose keyUsage does not allow signing: key_usage", async () => {
    const { root } = await hierarchy("rsa");
    const encipher = await party("rsa", "encipherment only", root, {
      basicConstraints: { ca: false },
      keyUsage: ["keyEncipherment"],
    });
    expect(
      buildPath({ certificate: encipher.view, anchors: [root.view], at: AT, signing: true }),
    ).toMatchObject({ trusted: false, problem: "key_usage" });
  });
});

describe("checkRevocation: CRLs given or fetched (RFC 5280 §6.3)", () => {
  let server: Server;
  let base = "";
  const served = new Map<string, Uint8Array>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = served.get(req.url ?? "");
      res.writeHead(body ? 200 : 404, { "content-type": "application/pkix-crl" });
      res.end(body ? Buffer.from(body) : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const crlOf = (issuer: Party, revoked: Party[], thisUpdate = new Date("2026-05-01T00:00:00Z")) =>
    buildCrl({
      issuerCertificate: issuer.der,
      signer: issuer.signer,
      crlNumber: 1n,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + 90 * 86_400_000),
      entries: revoked.map((r) => ({
        serialNumber: r.view.serialNumber,
        revokedAt: new Date("2026-04-01T00:00:00Z"),
        reason: "keyCompromise" as const,
      })),
    }).then((der) => parseCrl(der));

  it("a revoked SM2 signer in a CRL given: revoked, with time and reason; not yet revoked before", async () => {
    const { root, issuing, leaf } = await hierarchy("sm2");
    const path = [leaf.view, issuing.view, root.view];
    const crls = [await crlOf(issuing, [leaf]), await crlOf(root, [])];
    const result = await checkRevocation({ path, at: AT, crls });
    expect(result).toMatchObject({ status: "revoked", reason: "keyCompromise" });
    if (result.status === "revoked") expect(result.certificate.subjectText).toBe(leaf.view.subjectText);
    expect(await checkRevocation({ path, at: new Date("2026-05-15T00:00:00Z"), crls })).toMatchObject({
      status: "revoked",
    });
    const clean = await checkRevocation({ path, at: AT, crls: [await crlOf(issuing, []), crls[1]!] });
    expect(clean).toEqual({ status: "good", checked: 2 });
  });

  it("a CRL signed by another key is not believed", async () => {
    const { root, issuing, leaf } = await hierarchy("ecdsa-p256");
    // A CA of the same name with another key signs a CRL listing the leaf: not the issuer's word.
    const fake = await party("ecdsa-p256", "issuing ecdsa-p256", undefined, CA);
    const crl = await crlOf(fake, [leaf]);
    const result = await checkRevocation({ path: [leaf.view, issuing.view, root.view], at: AT, crls: [crl] });
    expect(result.status).toBe("unknown");
  });

  it("fetched from the distribution point when reachable; unknown (not revoked) when offline", async () => {
    const root = await party("rsa", "root with CDP", undefined, CA);
    const leaf = await party("rsa", "leaf with CDP", root, {
      ...LEAF,
      crlDistributionPoints: [`${base}/root.crl`],
    });
    const offlineLeaf = await party("rsa", "leaf offline", root, {
      ...LEAF,
      crlDistributionPoints: ["http://127.0.0.1:9/nothing.crl"],
    });
    served.set("/root.crl", (await crlOf(root, [leaf])).der);
    const fetched = await checkRevocation({
      path: [leaf.view, root.view],
      at: AT,
      fetchCrl: httpCrlFetcher(2000),
    });
    expect(fetched).toMatchObject({ status: "revoked" });

    const started = Date.now();
    const offline = await checkRevocation({
      path: [offlineLeaf.view, root.view],
      at: AT,
      fetchCrl: httpCrlFetcher(2000),
    });
    expect(offline.status).toBe("unknown");
    if (offline.status === "unknown") expect(offline.detail).toContain("127.0.0.1:9");
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
