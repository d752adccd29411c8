/**
 * The issuance hot path against the reference path it replaces: the template's TBSCertificate is
 * buildCertificate's byte for byte (RSA, P-256 and SM2 subjects, every demo profile, UTCTime and
 * GeneralizedTime), readCsr gives parseCsr's view for accepted and refused requests, the direct
 * name writer gives the schema library's bytes, the JWK key import gives the DER import's key, and
 * OpenSSL verifies a sample against its issuing CA.
 */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { Extension } from "@peculiar/asn1-x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoProgrammesPath, readProgrammesFile } from "../store/programme-files.js";
import { buildCertificate, certificateRecordFields, parseCertificate } from "./certificate.js";
import { issueFromTemplate, type IssueUnderCertificate } from "./certificate-template.js";
import { buildCsr, parseCsr, readCsr, verifyCsr } from "./csr.js";
import {
  buildName,
  nameToDer,
  nameToString,
  parseName,
  readNameDer,
  subjectNameDer,
  subjectNameText,
} from "./name.js";
import { extensionsFor, subjectFor } from "./profile.js";
import { generateSoftwareKey, type KeyAlgorithm } from "./signer.js";
import { importPublicKey } from "./spki.js";
import {
  ALGORITHMS,
  ORGANISATION,
  USCC,
  Workdir,
  buildHierarchy,
  openssl,
  type Hierarchy,
} from "../../test/support/pki.js";
import { pemEncode } from "./pem.js";

const [procurement] = readProgrammesFile(demoProgrammesPath);
const profiles = procurement!.certificates!.profiles;
const organisation = { name: ORGANISATION, uscc: USCC, address: "广东省广州市天河区示例路 1 号" };
const locations = {
  crl: "http://desk.example/crl/sub.crl",
  ocsp: "http://desk.example/ocsp",
  caIssuers: "http://desk.example/ca/sub.crt",
};

const hierarchies = new Map<KeyAlgorithm, Hierarchy>();
let work: Workdir;
beforeAll(async () => {
  for (const a of ALGORITHMS) hierarchies.set(a, await buildHierarchy(a));
  work = new Workdir();
});
afterAll(() => work?.remove());

function input(algorithm: KeyAlgorithm, profileIndex: number, notAfter: Date): IssueUnderCertificate {
  const h = hierarchies.get(algorithm)!;
  const profile = profiles[profileIndex]!;
  return {
    serialNumber: "00a1b2c3d4e5f60718293a4b5c6d7e8f",
    subject: subjectFor(profile, organisation),
    subjectPublicKey: generateSoftwareKey(algorithm).signer.publicKeySpki,
    notBefore: new Date("2026-12-07T08:09:10.765Z"),
    notAfter,
    extensions: extensionsFor(profile, USCC, locations),
    issuer: { certificate: h.sub.cert },
    signer: h.sub.signer,
  };
}

describe("issueFromTemplate: buildCertificate's bytes without the object graph", () => {
  for (const algorithm of ALGORITHMS) {
    it(`the same TBSCertificate and record for ${algorithm}, every profile, both time forms`, async () => {
      for (let p = 0; p < profiles.length; p++) {
        for (const notAfter of [new Date("2029-12-06T15:59:59Z"), new Date("2051-01-01T00:00:00Z")]) {
          const i = input(algorithm, p, notAfter);
          const fast = await issueFromTemplate(i);
          const reference = await buildCertificate(i);
          expect(Buffer.from(parseCertificate(fast.der).tbs)).toEqual(
            Buffer.from(parseCertificate(reference).tbs),
          );
          expect(fast.record).toEqual(certificateRecordFields(reference));
          // twice: the second comes from the kept template
          const again = await issueFromTemplate(i);
          expect(Buffer.from(parseCertificate(again.der).tbs)).toEqual(
            Buffer.from(parseCertificate(reference).tbs),
          );
        }
      }
    });
  }

  it("RSA signatures are deterministic: the whole certificate is identical", async () => {
    const i = input("rsa", 0, new Date("2029-12-06T15:59:59Z"));
    expect(Buffer.from((await issueFromTemplate(i)).der)).toEqual(Buffer.from(await buildCertificate(i)));
  });

  it("refuses what buildCertificate refuses: an inverted validity, a signer of another key", async () => {
    const i = input("ecdsa-p256", 0, new Date("2020-01-01T00:00:00Z"));
    await expect(issueFromTemplate(i)).rejects.toMatchObject({ code: "pki.validity_invalid" });
    const other = {
      ...input("ecdsa-p256", 0, new Date("2029-12-06T15:59:59Z")),
      signer: generateSoftwareKey("ecdsa-p256").signer,
    };
    await expect(issueFromTemplate(other)).rejects.toMatchObject({ code: "pki.signer_key_mismatch" });
  });

  // SM2 is covered by the byte-for-byte TBS above (OpenSSL 3.0 verifies SM2 chains only link by link).
  for (const algorithm of ["rsa", "ecdsa-p256"] as const) {
    it(`openssl verifies a ${algorithm} certificate from the template against its chain`, async () => {
      const h = hierarchies.get(algorithm)!;
      const i = {
        ...input(algorithm, 0, new Date("2029-12-06T15:59:59Z")),
        notBefore: new Date("2025-06-01T00:00:00Z"),
      };
      const { der } = await issueFromTemplate(i);
      const name = `t-${algorithm}`;
      work.writePem(`${name}.pem`, "CERTIFICATE", der);
      work.write(
        `${name}-chain.pem`,
        pemEncode("CERTIFICATE", h.root.cert) + pemEncode("CERTIFICATE", h.sub.cert),
      );
      const args = [
        "verify",
        "-attime",
        String(Math.floor(new Date("2026-01-02").getTime() / 1000)),
        "-CAfile",
        `${name}-chain.pem`,
      ];
      const r = openssl([...args, `${name}.pem`], work.path);
      expect(r.output).toContain(": OK");
      expect(r.code).toBe(0);
    });
  }
});

describe("direct names: the schema library's bytes and text", () => {
  const subjects = [
    subjectFor(profiles[0]!, organisation),
    { C: "CN", O: 'a,b+c"d\\e<f>g;h', CN: "x" },
    { C: "CN", OU: ["一", "two"], CN: "上海", serialNumber: USCC },
  ];
  it("writes and reads what buildName, nameToDer, parseName and nameToString do", () => {
    for (const s of subjects) {
      const reference = nameToDer(buildName(s));
      expect(Buffer.from(subjectNameDer(s))).toEqual(Buffer.from(reference));
      expect(subjectNameText(s)).toBe(nameToString(buildName(s)));
      expect(readNameDer(reference)).toEqual({
        subject: parseName(buildName(s)),
        text: nameToString(buildName(s)),
      });
    }
  });
  it("refuses what buildName refuses, with the same code", () => {
    for (const bad of [{ C: "CHN" }, { C: "CN", serialNumber: "中文" }, {}]) {
      const code = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return (e as { code?: string }).code;
        }
        return "accepted";
      };
      expect(code(() => subjectNameDer(bad))).toBe(code(() => buildName(bad)));
    }
  });
});

describe("readCsr: parseCsr's view without the object graph", () => {
  const view = (csr: ReturnType<typeof parseCsr>) => ({
    ...csr,
    der: Buffer.from(csr.der),
    subjectDer: Buffer.from(csr.subjectDer),
    spki: Buffer.from(csr.spki),
    tbs: Buffer.from(csr.tbs),
    signature: Buffer.from(csr.signature),
    signatureAlgorithm: Buffer.from(AsnConvert.serialize(csr.signatureAlgorithm)),
  });
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: the same view, and the same proof-of-possession answer, signed or tampered`, async () => {
      const { signer } = generateSoftwareKey(algorithm);
      const der = await buildCsr({
        subject: { C: "CN", O: ORGANISATION, CN: "申请", serialNumber: USCC },
        signer,
      });
      expect(view(readCsr(der))).toEqual(view(parseCsr(der)));
      expect(verifyCsr(readCsr(der))).toBe(true);
      const tampered = new Uint8Array(der);
      tampered[tampered.length - 1]! ^= 1;
      expect(verifyCsr(readCsr(tampered))).toBe(verifyCsr(parseCsr(tampered)));
      expect(verifyCsr(readCsr(tampered))).toBe(false);
    });
  }
  it("a request with an extension request, and a broken one, go the reference way", async () => {
    const { signer } = generateSoftwareKey("ecdsa-p256");
    const der = await buildCsr({
      subject: { C: "CN", O: "x", CN: "y" },
      signer,
      // a keyUsage request, as `openssl req -addext` writes one
      extensions: [
        new Extension({
          extnID: "2.5.29.15",
          critical: true,
          extnValue: new OctetString(new Uint8Array([3, 2, 7, 128])),
        }),
      ],
    });
    expect(view(readCsr(der))).toEqual(view(parseCsr(der)));
    expect(() => readCsr(der.subarray(0, der.length - 3))).toThrow(
      expect.objectContaining({ code: "pki.csr_malformed" }),
    );
  });
});

describe("importPublicKey: the JWK import gives the DER import's key", () => {
  it("for RSA and P-256, and the DER import for SM2", () => {
    const keys = [
      generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey,
      generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey,
      generateKeyPairSync("ec", { namedCurve: "SM2" }).publicKey,
    ];
    for (const k of keys) {
      const spki = new Uint8Array(k.export({ format: "der", type: "spki" }));
      const imported = importPublicKey(spki);
      expect(imported.equals(createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }))).toBe(
        true,
      );
      expect(Buffer.from(imported.export({ format: "der", type: "spki" }))).toEqual(Buffer.from(spki));
    }
  });
  it("a P-256 point off the curve is refused as the DER import refuses it", () => {
    const spki = new Uint8Array(
      generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({
        format: "der",
        type: "spki",
      }),
    );
    spki[spki.length - 1]! ^= 1;
    expect(() => createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" })).toThrow();
    expect(() => importPublicKey(spki)).toThrow();
  });
});
