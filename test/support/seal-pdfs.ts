/**
 * Shared by the signed-PDF tests: a PDF with Chinese text made with pdf-lib, poppler's pdfsig as the
 * outside judge (with an NSS database that trusts a given root), pdftoppm renders read back as
 * pixels, and a test CA whose organisation certificates sign PDFs.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, rgb } from "pdf-lib";
import { PNG } from "pngjs";
import { cjkFontBytes } from "../../src/documents/font.js";
import { buildCertificate } from "../../src/pki/certificate.js";
import { OID } from "../../src/pki/oids.js";
import { randomSerial } from "../../src/pki/serial.js";
import { generateSoftwareKey } from "../../src/pki/signer.js";
import type { KeyAlgorithm, Signer } from "../../src/pki/signer.js";
import {
  answerTimestampRequest,
  buildTimestampRequest,
  readTimestampReply,
  type TimestampAuthority,
} from "../../src/pki/tsa.js";
import type { Workdir } from "./pki.js";

export const ORGANISATION = "上海示例供应链管理有限公司";
export const USCC = "91310115591693856A";
export const CONTRACT_TEXT = "采购合同：甲方上海示例供应链管理有限公司";

/** A4 in points. */
export const A4 = { width: 595.28, height: 841.89 };

/** One A4 page with a Chinese heading; `classic` writes a cross-reference table instead of a stream. */
export async function contractPdf(options: { classic?: boolean; form?: boolean } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(await cjkFontBytes(), { subset: true });
  const page = doc.addPage([A4.width, A4.height]);
  page.drawText(CONTRACT_TEXT, { x: 50, y: 780, size: 16, font, color: rgb(0, 0, 0) });
  page.drawText("甲方（盖章）：", { x: 320, y: 200, size: 12, font, color: rgb(0, 0, 0) });
  if (options.form) {
    const field = doc.getForm().createTextField("contract.number");
    field.setText("HT-2026-001");
    field.addToPage(page, { x: 50, y: 700, width: 200, height: 20 });
  }
  return doc.save({ useObjectStreams: !options.classic });
}

export interface ToolResult {
  code: number;
  output: string;
}

function run(command: string, args: readonly string[], cwd: string): ToolResult {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** An NSS database in dir/nss that trusts root (DER) for signing; returns the -nssdir value. */
export function nssDatabaseTrusting(dir: Workdir, root: Uint8Array, name = "nss"): string {
  mkdirSync(join(dir.path, name));
  const db = `sql:${join(dir.path, name)}`;
  const init = run("certutil", ["-N", "--empty-password", "-d", db], dir.path);
  if (init.code !== 0) throw new Error(`certutil -N: ${init.output}`);
  const rootFile = dir.writePem(`${name}-root.pem`, "CERTIFICATE", root);
  const add = run("certutil", ["-A", "-n", "root", "-t", "CT,C,C", "-i", rootFile, "-d", db], dir.path);
  if (add.code !== 0) throw new Error(`certutil -A: ${add.output}`);
  return db;
}

/**
 * pdfsig on a file in dir, with an NSS database or without. Not -no-ocsp: poppler 22.12 then
 * reports every chain as "Unknown issue"; the test certificates name no OCSP responder anyway.
 */
export function pdfsig(dir: Workdir, file: string, nssDir?: string): ToolResult {
  const args = [...(nssDir ? ["-nssdir", nssDir] : []), file];
  return run("pdfsig", args, dir.path);
}

export interface Raster {
  width: number;
  height: number;
  /** RGBA */
  data: Uint8Array;
}

/** Renders one page at 72 dpi (one pixel per point) with pdftoppm and reads the PNG back. */
export function renderPage(dir: Workdir, file: string, page = 1): Raster {
  const prefix = `${file}-page${page}`;
  const r = run(
    "pdftoppm",
    ["-r", "72", "-f", String(page), "-l", String(page), "-png", "-singlefile", file, prefix],
    dir.path,
  );
  if (r.code !== 0) throw new Error(`pdftoppm: ${r.output}`);
  const png = PNG.sync.read(Buffer.from(dir.read(`${prefix}.png`)));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/** Clearly red: the red channel high, green and blue low. */
export const isRed = (r: number, g: number, b: number): boolean => r > 150 && g < 110 && b < 110;

/** Red pixels inside (inside=true) or outside a box given in PDF points from the lower-left corner. */
export function countRed(
  raster: Raster,
  box: { x: number; y: number; width: number; height: number },
  inside: boolean,
): number {
  let n = 0;
  for (let py = 0; py < raster.height; py++) {
    for (let px = 0; px < raster.width; px++) {
      // pdftoppm's rows run top-down; PDF y runs bottom-up.
      const x = px + 0.5;
      const y = raster.height - py - 0.5;
      const within = x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height;
      if (within !== inside) continue;
      const i = (py * raster.width + px) * 4;
      if (isRed(raster.data[i]!, raster.data[i + 1]!, raster.data[i + 2]!)) n++;
    }
  }
  return n;
}

export interface TestCa {
  algorithm: KeyAlgorithm;
  root: { cert: Uint8Array; signer: Signer };
  issuing: { cert: Uint8Array; signer: Signer };
  /** the CA's seal maker (signs seals, never PDFs) */
  maker: { cert: Uint8Array; signer: Signer };
}

const NOT_BEFORE = new Date("2025-01-01T00:00:00Z");
const NOT_AFTER = new Date("2035-01-01T00:00:00Z");

export async function buildTestCa(algorithm: KeyAlgorithm): Promise<TestCa> {
  const root = generateSoftwareKey(algorithm).signer;
  const rootCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: `certdesk PDF test root ${algorithm}` },
    subjectPublicKey: root.publicKeySpki,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    extensions: { basicConstraints: { ca: true, pathLength: 1 }, keyUsage: ["keyCertSign", "cRLSign"] },
    issuer: { selfSigned: true },
    signer: root,
  });
  const issuing = generateSoftwareKey(algorithm).signer;
  const issuingCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: `certdesk PDF test issuing CA ${algorithm}` },
    subjectPublicKey: issuing.publicKeySpki,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    extensions: { basicConstraints: { ca: true, pathLength: 0 }, keyUsage: ["keyCertSign", "cRLSign"] },
    issuer: { certificate: rootCert },
    signer: root,
  });
  // Seal makers are SM2 (or RSA), never ECDSA, whatever the hierarchy signs with.
  const maker = generateSoftwareKey(algorithm === "rsa" ? "rsa" : "sm2").signer;
  const makerCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: `certdesk PDF test seal maker ${algorithm}` },
    subjectPublicKey: maker.publicKeySpki,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature", "nonRepudiation"] },
    issuer: { certificate: issuingCert },
    signer: issuing,
  });
  return {
    algorithm,
    root: { cert: rootCert, signer: root },
    issuing: { cert: issuingCert, signer: issuing },
    maker: { cert: makerCert, signer: maker },
  };
}

/** An organisation's signing certificate for a public key, as the demo programmes' profile makes it. */
export function organisationCertificate(
  ca: TestCa,
  publicKeySpki: Uint8Array,
  name = ORGANISATION,
  validity: { notBefore: Date; notAfter: Date } = {
    notBefore: NOT_BEFORE,
    notAfter: new Date("2030-01-01T00:00:00Z"),
  },
): Promise<Uint8Array> {
  return buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", ST: "上海市", L: "上海市", O: name, OU: ["采购部"], CN: name, serialNumber: USCC },
    subjectPublicKey: publicKeySpki,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    extensions: {
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature", "nonRepudiation"],
      // NSS (pdfsig) checks a document signer for emailProtection when there is an EKU.
      extendedKeyUsage: [OID.kpClientAuth, OID.kpEmailProtection],
      gmIdentity: { businessRegistrationNumber: USCC, organizationCode: USCC },
    },
    issuer: { certificate: ca.issuing.cert },
    signer: ca.issuing.signer,
  });
}

/** A seal picture: a red ring and a red star-like cross on transparency, size×size RGBA PNG. */
export function redStampPng(size = 160): Uint8Array {
  const png = new PNG({ width: size, height: size });
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - c, y - c);
      const ring = r <= size / 2 - 1 && r >= size / 2 - size / 12;
      const star = r < size / 5 && (Math.abs(x - c) < size / 40 || Math.abs(y - c) < size / 40);
      const i = (y * size + x) * 4;
      png.data[i] = 0xd0;
      png.data[i + 1] = 0x10;
      png.data[i + 2] = 0x10;
      png.data[i + 3] = ring || star ? 255 : 0;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** A timestamp authority under the CA's issuing CA: id-kp-timeStamping its only EKU, critical (RFC 3161 2.3). */
export async function testTsa(ca: TestCa): Promise<TimestampAuthority> {
  const signer = generateSoftwareKey(ca.algorithm).signer;
  const certificate = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: `certdesk PDF test TSA ${ca.algorithm}` },
    subjectPublicKey: signer.publicKeySpki,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    extensions: {
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature", "nonRepudiation"],
      extendedKeyUsage: [OID.kpTimeStamping],
      extendedKeyUsageCritical: true,
    },
    issuer: { certificate: ca.issuing.cert },
    signer: ca.issuing.signer,
  });
  return { certificate, signer, chain: [ca.issuing.cert] };
}

/** A token from the TSA over these bytes at genTime, as the desk's /tsa would answer (certificates included). */
export async function timestampOver(
  tsa: TimestampAuthority,
  bytes: Uint8Array,
  genTime: Date,
): Promise<Uint8Array> {
  const request = buildTimestampRequest(bytes).der;
  return readTimestampReply(await answerTimestampRequest(tsa, request, { serial: 7n, genTime }));
}
