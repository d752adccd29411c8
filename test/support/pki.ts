/**
 * Shared by the pki tests: the real OpenSSL CLI as the judge, in a temporary directory, and a
 * root / issuing CA / end-entity / OCSP responder hierarchy on fixed dates for each algorithm.
 */
import { execFile, spawnSync } from "node:child_process";
import type { KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCertificate } from "../../src/pki/certificate.js";
import { OID } from "../../src/pki/oids.js";
import { pemEncode } from "../../src/pki/pem.js";
import { randomSerial } from "../../src/pki/serial.js";
import { generateSoftwareKey } from "../../src/pki/signer.js";
import type { KeyAlgorithm, Signer } from "../../src/pki/signer.js";
import { SM2_DEFAULT_ID } from "../../src/pki/sm2.js";

export const ALGORITHMS: readonly KeyAlgorithm[] = ["rsa", "ecdsa-p256", "sm2"];

/** `-vfyopt`/`-sigopt`/`-pkeyopt` value that makes OpenSSL 3.0 use the GM/T 0009 signer ID. */
export const DISTID = `distid:${SM2_DEFAULT_ID}`;

export const USCC = "91310115591693856A";
export const ORGANISATION = "上海示例科技有限公司";

export interface OpensslResult {
  code: number;
  /** stdout and stderr together: OpenSSL splits its messages between them inconsistently */
  output: string;
}

export function openssl(args: readonly string[], cwd: string, input?: Uint8Array): OpensslResult {
  const r = spawnSync("/usr/bin/openssl", args, {
    cwd,
    input,
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
  });
  return { code: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** For when this process must keep serving (the OCSP responder under test runs in-process). */
export function opensslAsync(args: readonly string[], cwd: string): Promise<OpensslResult> {
  return new Promise((resolve) => {
    execFile("/usr/bin/openssl", args, { cwd, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

export class Workdir {
  readonly path = mkdtempSync(join(tmpdir(), "certdesk-pki-"));

  write(name: string, data: string | Uint8Array): string {
    writeFileSync(join(this.path, name), data);
    return name;
  }

  read(name: string): Uint8Array {
    return new Uint8Array(readFileSync(join(this.path, name)));
  }

  writePem(name: string, label: string, der: Uint8Array): string {
    return this.write(name, pemEncode(label, der));
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface Party {
  cert: Uint8Array;
  signer: Signer;
  privateKey: KeyObject;
}

export interface Hierarchy {
  algorithm: KeyAlgorithm;
  root: Party;
  sub: Party;
  ee: Party;
  /** delegated OCSP responder, issued by sub */
  responder: Party;
}

/** Fixed dates; the root runs past 2049 so its notAfter is a GeneralizedTime (RFC 5280 4.1.2.5). */
export const DATES = {
  notBefore: new Date("2025-01-01T00:00:00Z"),
  rootNotAfter: new Date("2055-01-01T00:00:00Z"),
  subNotAfter: new Date("2045-01-01T00:00:00Z"),
  eeNotAfter: new Date("2040-01-01T00:00:00Z"),
  /** "now" for checks that take -attime */
  checkAt: new Date("2026-01-02T00:00:00Z"),
};
export const attime = (d: Date = DATES.checkAt): string => String(Math.floor(d.getTime() / 1000));

export async function buildHierarchy(algorithm: KeyAlgorithm): Promise<Hierarchy> {
  const make = (): { signer: Signer; privateKey: KeyObject } => generateSoftwareKey(algorithm);
  const root = make();
  const rootCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: `certdesk test root ${algorithm}` },
    subjectPublicKey: root.signer.publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.rootNotAfter,
    extensions: { basicConstraints: { ca: true, pathLength: 1 }, keyUsage: ["keyCertSign", "cRLSign"] },
    issuer: { selfSigned: true },
    signer: root.signer,
  });
  const sub = make();
  const subCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: `certdesk test issuing CA ${algorithm}` },
    subjectPublicKey: sub.signer.publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.subNotAfter,
    extensions: {
      basicConstraints: { ca: true, pathLength: 0 },
      keyUsage: ["keyCertSign", "cRLSign"],
      crlDistributionPoints: ["http://crl.example.cn/root.crl"],
    },
    issuer: { certificate: rootCert },
    signer: root.signer,
  });
  const ee = make();
  const eeCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: {
      C: "CN",
      ST: "上海市",
      L: "上海市",
      O: ORGANISATION,
      OU: ["采购部"],
      CN: ORGANISATION,
      serialNumber: USCC,
    },
    subjectPublicKey: ee.signer.publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.eeNotAfter,
    extensions: {
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature", "nonRepudiation"],
      extendedKeyUsage: [OID.kpClientAuth],
      // 2.999 is the X.660 example arc: a policy OID that can never collide with a real one.
      certificatePolicies: [{ policyId: "2.999.1.1", cpsUri: "http://www.example.cn/cps" }],
      crlDistributionPoints: ["http://crl.example.cn/sub.crl"],
      authorityInfoAccess: { ocsp: ["http://ocsp.example.cn"], caIssuers: ["http://www.example.cn/sub.cer"] },
      gmIdentity: { businessRegistrationNumber: USCC, organizationCode: USCC },
    },
    issuer: { certificate: subCert },
    signer: sub.signer,
  });
  const responder = make();
  const responderCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: `certdesk test OCSP ${algorithm}` },
    subjectPublicKey: responder.signer.publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.eeNotAfter,
    extensions: {
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature"],
      extendedKeyUsage: [OID.kpOcspSigning],
      ocspNoCheck: true,
    },
    issuer: { certificate: subCert },
    signer: sub.signer,
  });
  return {
    algorithm,
    root: { cert: rootCert, ...root },
    sub: { cert: subCert, ...sub },
    ee: { cert: eeCert, ...ee },
    responder: { cert: responderCert, ...responder },
  };
}

/** Writes root.pem, sub.pem, ee.pem, responder.pem and chain.pem (root + sub). */
export function writeHierarchy(dir: Workdir, h: Hierarchy): void {
  dir.writePem("root.pem", "CERTIFICATE", h.root.cert);
  dir.writePem("sub.pem", "CERTIFICATE", h.sub.cert);
  dir.writePem("ee.pem", "CERTIFICATE", h.ee.cert);
  dir.writePem("responder.pem", "CERTIFICATE", h.responder.cert);
  dir.write("chain.pem", pemEncode("CERTIFICATE", h.root.cert) + pemEncode("CERTIFICATE", h.sub.cert));
}

/** Flips one bit in the last octet: the end of the signature value in a Certificate/CRL/CSR. */
export function tamperLastByte(der: Uint8Array): Uint8Array {
  const copy = der.slice();
  copy[copy.length - 1]! ^= 0x01;
  return copy;
}
