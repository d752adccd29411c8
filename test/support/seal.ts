/**
 * Shared by the seal tests: the ofdrw fixtures, a small CA with a seal maker and an organisation
 * certificate per algorithm (no database), and a small valid PNG made here.
 */
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { buildCertificate } from "../../src/pki/certificate.js";
import { randomSerial } from "../../src/pki/serial.js";
import {
  TAG,
  bitString,
  octetString,
  oid,
  sequence,
  smallInteger,
  tlv,
  utf8String,
} from "../../src/pki/der.js";
import { OID } from "../../src/pki/oids.js";
import { generateSoftwareKey } from "../../src/pki/signer.js";
import { sm2Sign } from "../../src/pki/sm2.js";
import type { Sm2KeyPair } from "../../src/pki/sm2.js";
import type { KeyAlgorithm, Signer } from "../../src/pki/signer.js";

/** shared/ sits beside the repository (in CI too), so this holds from src/seal/. */
export const OFDRW = new URL("../../../shared/fixtures/external/ofdrw/", import.meta.url);
export const readOfdrw = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, OFDRW)));

/**
 * Inside the validity of both ofdrw certificates (2020-04-21T14:39 to 2022-04-21T14:39 UTC) and
 * of both ofdrw seals (from 2020-04-22T02:18 to 2022-04-22T02:09 UTC).
 */
export const OFDRW_AT = new Date("2021-06-01T00:00:00Z");

export const ORGANISATION = "上海示例供应链管理有限公司";
export const USCC = "91310115591693856A";

export const DATES = {
  notBefore: new Date("2025-01-01T00:00:00Z"),
  notAfter: new Date("2030-01-01T00:00:00Z"),
  sealStart: new Date("2025-03-01T00:00:00Z"),
  sealEnd: new Date("2028-03-01T00:00:00Z"),
  createdAt: new Date("2025-02-28T08:30:00Z"),
  /** inside everything above */
  checkAt: new Date("2026-01-02T00:00:00Z"),
};

export interface Party {
  cert: Uint8Array;
  signer: Signer;
}

export interface SealParties {
  algorithm: KeyAlgorithm;
  root: Party;
  /** the CA's seal maker (kind "seal-maker") */
  maker: Party;
  /** the organisation's signing certificate, the one a seal binds */
  organisation: Party;
  /** another organisation, bound by no seal */
  stranger: Party;
}

export async function buildSealParties(algorithm: KeyAlgorithm): Promise<SealParties> {
  const root = generateSoftwareKey(algorithm).signer;
  const rootCert = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: `certdesk seal test root ${algorithm}` },
    subjectPublicKey: root.publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.notAfter,
    extensions: { basicConstraints: { ca: true, pathLength: 0 }, keyUsage: ["keyCertSign", "cRLSign"] },
    issuer: { selfSigned: true },
    signer: root,
  });
  const endEntity = async (subject: { O: string; CN: string }, keyAlgorithm = algorithm): Promise<Party> => {
    const { signer } = generateSoftwareKey(keyAlgorithm);
    const cert = await buildCertificate({
      serialNumber: randomSerial(),
      subject: { C: "CN", ...subject },
      subjectPublicKey: signer.publicKeySpki,
      notBefore: DATES.notBefore,
      notAfter: DATES.notAfter,
      extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature", "nonRepudiation"] },
      issuer: { certificate: rootCert },
      signer: root,
    });
    return { cert, signer };
  };
  return {
    algorithm,
    root: { cert: rootCert, signer: root },
    // The maker is SM2 (or RSA): certdesk never signs seals with ECDSA, whatever the signers hold.
    maker: await endEntity(
      { O: "证书服务测试", CN: `certdesk seal maker ${algorithm}` },
      algorithm === "rsa" ? "rsa" : "sm2",
    ),
    organisation: await endEntity({ O: ORGANISATION, CN: ORGANISATION }),
    stranger: await endEntity({ O: "上海另一示例有限公司", CN: "上海另一示例有限公司" }),
  };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A size×size red ring on transparency, RGBA: a small but real PNG for a seal picture. */
export function redSealPng(size = 32): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows: number[] = [];
  const centre = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - centre, y - centre);
      const ink = r <= size / 2 && r >= size / 2 - 3;
      rows.push(0xd0, 0x10, 0x10, ink ? 0xff : 0);
    }
  }
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk("IHDR", header),
      pngChunk("IDAT", deflateSync(Buffer.from(rows))),
      pngChunk("IEND", new Uint8Array(0)),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// An independent encoder: bare DER helpers and sm2Sign, none of src/seal's own writing code.

const text = (tag: number, s: string): Uint8Array => tlv(tag, new TextEncoder().encode(s));
export const ia5 = (s: string): Uint8Array => text(TAG.IA5_STRING, s);

export interface HandMaker {
  key: Sm2KeyPair;
  cert: Uint8Array;
  /** the signer certificate the seal binds */
  bound: Uint8Array;
}

/**
 * A GM/T 0031-2014 seal: signInfo, UTCTime dates, no certListType. The maker signs
 * DER(SEQUENCE { esealInfo, cert, signatureAlgorithm }); "info-only" signs esealInfo alone (wrong).
 * `version` is SES_Header.version: 1, or 2 as the V2 seals of that layout say.
 */
export function handSealV1(
  maker: HandMaker,
  signWhat: "standard" | "info-only" = "standard",
  version = 1,
): Uint8Array {
  const info = sequence(
    sequence(ia5("ES"), smallInteger(version), ia5("HandMadeV1")),
    ia5("HANDV1-0001"),
    sequence(
      smallInteger(1),
      utf8String(ORGANISATION),
      sequence(octetString(maker.bound)),
      text(TAG.UTC_TIME, "250228083000Z"),
      text(TAG.UTC_TIME, "250301000000Z"),
      text(TAG.UTC_TIME, "280301000000Z"),
    ),
    sequence(ia5("PNG"), octetString(redSealPng(16)), smallInteger(40), smallInteger(40)),
  );
  const cert = octetString(maker.cert);
  const alg = oid(OID.sm3WithSm2);
  const signed = signWhat === "standard" ? sequence(info, cert, alg) : info;
  return sequence(info, sequence(cert, alg, bitString(sm2Sign(maker.key.privateKey, signed))));
}
