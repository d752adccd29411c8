import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildCertificate,
  certificateRecordFields,
  parseCertificate,
  verifyCertificateSignature,
} from "./certificate.js";
import { toHex } from "./der.js";
import { OID } from "./oids.js";
import { normalizeSerial, randomSerial } from "./serial.js";
import { generateSoftwareKey } from "./signer.js";
import {
  ALGORITHMS,
  DATES,
  DISTID,
  ORGANISATION,
  USCC,
  Workdir,
  attime,
  buildHierarchy,
  openssl,
  tamperLastByte,
  writeHierarchy,
} from "../../test/support/pki.js";
import type { Hierarchy } from "../../test/support/pki.js";

describe.each(ALGORITHMS)("certificates signed with %s", (algorithm) => {
  const dir = new Workdir();
  let h: Hierarchy;
  beforeAll(async () => {
    h = await buildHierarchy(algorithm);
    writeHierarchy(dir, h);
  });
  afterAll(() => dir.remove());

  const verify = (args: string[]) => openssl(["verify", "-attime", attime(), ...args], dir.path);

  it("openssl verify accepts root -> issuing CA -> end entity (RFC 5280 6.1)", () => {
    if (algorithm !== "sm2") {
      const r = verify(["-CAfile", "root.pem", "-untrusted", "sub.pem", "ee.pem"]);
      expect(r.output).toContain("ee.pem: OK");
      return;
    }
    // OpenSSL 3.0 applies -vfyopt distid only to the certificate being verified, not to the
    // intermediates (openssl/openssl#23471), so an SM2 chain is checked one link at a time.
    expect(verify(["-vfyopt", DISTID, "-CAfile", "root.pem", "sub.pem"]).output).toContain("sub.pem: OK");
    expect(verify(["-vfyopt", DISTID, "-partial_chain", "-CAfile", "sub.pem", "ee.pem"]).output).toContain(
      "ee.pem: OK",
    );
    // Without the GM/T 0009 ID, OpenSSL uses an empty one and the signature must not verify.
    expect(verify(["-partial_chain", "-CAfile", "sub.pem", "ee.pem"]).code).not.toBe(0);
  });

  it("our own check agrees on every link, including the root's self-signature", () => {
    const root = parseCertificate(h.root.cert);
    const sub = parseCertificate(h.sub.cert);
    const ee = parseCertificate(h.ee.cert);
    expect(verifyCertificateSignature(root, root.spki)).toBe(true);
    expect(verifyCertificateSignature(sub, root.spki)).toBe(true);
    expect(verifyCertificateSignature(ee, sub.spki)).toBe(true);
    expect(verifyCertificateSignature(ee, root.spki)).toBe(false);
  });

  it("a Chinese organisation name prints correctly with -nameopt utf8", () => {
    const r = openssl(["x509", "-in", "ee.pem", "-noout", "-subject", "-nameopt", "utf8"], dir.path);
    expect(r.output.trim()).toBe(
      `subject=C=CN, ST=上海市, L=上海市, O=${ORGANISATION}, OU=采购部, CN=${ORGANISATION}, serialNumber=${USCC}`,
    );
  });

  it("parses back what was issued", () => {
    const ee = parseCertificate(h.ee.cert);
    const sub = parseCertificate(h.sub.cert);
    expect(ee.version).toBe(3);
    expect(ee.subject).toEqual({
      C: "CN",
      ST: "上海市",
      L: "上海市",
      O: ORGANISATION,
      OU: ["采购部"],
      CN: ORGANISATION,
      serialNumber: USCC,
    });
    expect(ee.issuerDer).toEqual(sub.subjectDer);
    expect(ee.keyAlgorithm).toBe(algorithm);
    expect(ee.notBefore).toEqual(DATES.notBefore);
    expect(ee.notAfter).toEqual(DATES.eeNotAfter);
    expect(ee.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(ee.signatureAlgorithmName).toBe(
      { rsa: "sha256WithRSAEncryption", "ecdsa-p256": "ecdsa-with-SHA256", sm2: "SM3withSM2" }[algorithm],
    );
    const x = ee.extensions;
    expect(x.basicConstraints).toEqual({ ca: false });
    expect(x.keyUsage).toEqual(["digitalSignature", "nonRepudiation"]);
    expect(x.extendedKeyUsage).toEqual([OID.kpClientAuth]);
    expect(x.authorityKeyIdentifier).toBe(sub.extensions.subjectKeyIdentifier);
    expect(x.certificatePolicies).toEqual(["2.999.1.1"]);
    expect(x.crlDistributionPoints).toEqual(["http://crl.example.cn/sub.crl"]);
    expect(x.ocspUrls).toEqual(["http://ocsp.example.cn"]);
    expect(x.caIssuersUrls).toEqual(["http://www.example.cn/sub.cer"]);
    expect(x.gmIdentity).toEqual({ businessRegistrationNumber: USCC, organizationCode: USCC });
    expect(x.present.filter((e) => e.critical).map((e) => e.oid)).toEqual([
      OID.basicConstraints,
      OID.keyUsage,
    ]);
    expect(parseCertificate(h.sub.cert).extensions.basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(parseCertificate(h.responder.cert).extensions.ocspNoCheck).toBe(true);
  });

  it("openssl reads the extensions as profiled", () => {
    const text = openssl(["x509", "-in", "ee.pem", "-noout", "-text"], dir.path).output;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(text).toContain("TLS Web Client Authentication");
    expect(text).toMatch(/Policy: 2\.999\.1\.1\s+CPS: http:\/\/www\.example\.cn\/cps/);
    expect(text).toContain("URI:http://crl.example.cn/sub.crl");
    expect(text).toContain("OCSP - URI:http://ocsp.example.cn");
    expect(text).toContain("CA Issuers - URI:http://www.example.cn/sub.cer");
    // GM/T 0015 identity extensions: OpenSSL has no names for them and dumps the PrintableString.
    expect(text).toMatch(/1\.2\.156\.10260\.4\.1\.3:\s+\.\.91310115591693856A/);
    expect(text).toMatch(/1\.2\.156\.10260\.4\.1\.4:\s+\.\.91310115591693856A/);
    const responder = openssl(["x509", "-in", "responder.pem", "-noout", "-text"], dir.path).output;
    expect(responder).toContain("OCSP Signing");
    expect(responder).toContain("OCSP No Check");
  });

  it("certificateRecordFields reads serial, subject and validity as parseCertificate does (UTCTime and GeneralizedTime)", () => {
    for (const der of [h.root.cert, h.sub.cert, h.ee.cert, h.responder.cert]) {
      const view = parseCertificate(der);
      expect(certificateRecordFields(der)).toEqual({
        serialNumber: view.serialNumber,
        subjectText: view.subjectText,
        notBefore: view.notBefore,
        notAfter: view.notAfter,
      });
    }
    expect(() => certificateRecordFields(h.ee.cert.subarray(0, 40))).toThrow(
      expect.objectContaining({ code: "pki.certificate_malformed" }),
    );
  });

  it("writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 4.1.2.5)", () => {
    const asn1 = openssl(["asn1parse", "-in", "root.pem"], dir.path).output;
    expect(asn1).toMatch(/UTCTIME\s+:250101000000Z/);
    expect(asn1).toMatch(/GENERALIZEDTIME\s+:20550101000000Z/);
    expect(parseCertificate(h.root.cert).notAfter).toEqual(DATES.rootNotAfter);
  });

  it("a tampered signature fails, in OpenSSL and in ours", () => {
    dir.writePem("tampered.pem", "CERTIFICATE", tamperLastByte(h.ee.cert));
    const args =
      algorithm === "sm2"
        ? ["-vfyopt", DISTID, "-partial_chain", "-CAfile", "sub.pem"]
        : ["-CAfile", "root.pem", "-untrusted", "sub.pem"];
    const r = verify([...args, "tampered.pem"]);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/certificate signature failure|bad signature|signature/i);
    const tampered = parseCertificate(tamperLastByte(h.ee.cert));
    expect(verifyCertificateSignature(tampered, parseCertificate(h.sub.cert).spki)).toBe(false);
  });

  it("refuses to sign with a key that is not the issuer's", async () => {
    const other = generateSoftwareKey(algorithm);
    await expect(
      buildCertificate({
        serialNumber: randomSerial(),
        subject: { CN: "x" },
        subjectPublicKey: other.signer.publicKeySpki,
        notBefore: DATES.notBefore,
        notAfter: DATES.eeNotAfter,
        extensions: {},
        issuer: { certificate: h.sub.cert },
        signer: other.signer,
      }),
    ).rejects.toMatchObject({ code: "pki.signer_key_mismatch" });
  });
});

describe("serial numbers (RFC 5280 4.1.2.2)", () => {
  it("randomSerial gives 16 octets, positive without a sign octet, never repeating", () => {
    const serials = new Set(Array.from({ length: 1000 }, () => randomSerial()));
    expect(serials.size).toBe(1000);
    for (const s of serials) expect(s).toMatch(/^[4-7][0-9a-f]{31}$/);
  });

  it("normalizeSerial gives one canonical form and rejects zero, junk and > 20 octets", () => {
    expect(normalizeSerial("00:8F:01")).toBe("8f01");
    expect(normalizeSerial("abc")).toBe("0abc");
    expect(() => normalizeSerial("00")).toThrow();
    expect(() => normalizeSerial("xyz")).toThrow();
    expect(() => normalizeSerial("01".repeat(21))).toThrow();
  });

  it("a serial with the top bit set gets a sign octet, and reads back unchanged", async () => {
    const { signer } = generateSoftwareKey("ecdsa-p256");
    const der = await buildCertificate({
      serialNumber: "ff" + "00".repeat(15),
      subject: { CN: "top bit" },
      subjectPublicKey: signer.publicKeySpki,
      notBefore: DATES.notBefore,
      notAfter: DATES.eeNotAfter,
      extensions: { basicConstraints: { ca: true } },
      issuer: { selfSigned: true },
      signer,
    });
    expect(toHex(der)).toContain("021100ff" + "00".repeat(15));
    expect(parseCertificate(der).serialNumber).toBe("ff" + "00".repeat(15));
  });
});

describe("subject names", () => {
  const { signer } = generateSoftwareKey("ecdsa-p256");
  const issue = (subject: Parameters<typeof buildCertificate>[0]["subject"]) =>
    buildCertificate({
      serialNumber: randomSerial(),
      subject,
      subjectPublicKey: signer.publicKeySpki,
      notBefore: DATES.notBefore,
      notAfter: DATES.eeNotAfter,
      extensions: {},
      issuer: { selfSigned: true },
      signer,
    });

  it("rejects values X.520 does not allow: a 3-letter country, Chinese in serialNumber, over-long CN", async () => {
    await expect(issue({ C: "CHN" })).rejects.toMatchObject({ code: "pki.name_attribute_invalid" });
    await expect(issue({ serialNumber: "统一社会信用代码" })).rejects.toMatchObject({
      code: "pki.name_attribute_invalid",
    });
    await expect(issue({ CN: "字".repeat(65) })).rejects.toMatchObject({
      code: "pki.name_attribute_invalid",
    });
    await expect(issue({})).rejects.toMatchObject({ code: "pki.name_empty" });
  });

  it("counts the 64-character limit in characters, so a 64-character Chinese name is fine", async () => {
    const der = await issue({ CN: "字".repeat(64) });
    expect(parseCertificate(der).subject.CN).toBe("字".repeat(64));
  });

  it("rejects notAfter before notBefore", async () => {
    await expect(
      buildCertificate({
        serialNumber: randomSerial(),
        subject: { CN: "x" },
        subjectPublicKey: signer.publicKeySpki,
        notBefore: DATES.eeNotAfter,
        notAfter: DATES.notBefore,
        extensions: {},
        issuer: { selfSigned: true },
        signer,
      }),
    ).rejects.toMatchObject({ code: "pki.validity_invalid" });
  });
});

describe("issuer given by name only", () => {
  const dir = new Workdir();
  afterAll(() => dir.remove());

  it("gives the same issuer and AKI as issuing under the CA certificate, and openssl verifies it", async () => {
    const h = await buildHierarchy("ecdsa-p256");
    writeHierarchy(dir, h);
    const sub = parseCertificate(h.sub.cert);
    const ee = generateSoftwareKey("ecdsa-p256");
    const der = await buildCertificate({
      serialNumber: randomSerial(),
      subject: { C: "CN", O: ORGANISATION, CN: ORGANISATION },
      subjectPublicKey: ee.signer.publicKeySpki,
      notBefore: DATES.notBefore,
      notAfter: DATES.eeNotAfter,
      extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature"] },
      issuer: { name: sub.subject },
      signer: h.sub.signer,
    });
    const view = parseCertificate(der);
    expect(view.issuerDer).toEqual(sub.subjectDer);
    expect(view.extensions.authorityKeyIdentifier).toBe(sub.extensions.subjectKeyIdentifier);
    dir.writePem("by-name.pem", "CERTIFICATE", der);
    const r = openssl(
      ["verify", "-attime", attime(), "-CAfile", "root.pem", "-untrusted", "sub.pem", "by-name.pem"],
      dir.path,
    );
    expect(r.output).toContain("by-name.pem: OK");
  });
});
