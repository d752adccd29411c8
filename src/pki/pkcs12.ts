/**
 * Reading a PKCS#12 file (RFC 7292), to import an existing CA: its certificates and its private
 * key. Password protection as OpenSSL 3 writes it by default: PBES2 with PBKDF2 (HMAC-SHA-1/256/
 * 384/512) and AES-CBC (RFC 8018) for the key and the certificates, and an HMAC over the contents
 * keyed by the PKCS#12 key derivation (RFC 7292 appendix B). The legacy PKCS#12 PBE schemes
 * (3DES, RC2) are refused by name: re-export with a current OpenSSL.
 */
import { createDecipheriv, createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { DomainError } from "../domain/errors.js";
import {
  TAG,
  children,
  content,
  contextConstructed,
  decodeOid,
  expectTag,
  readOnly,
  readUnsignedInteger,
  whole,
} from "./der.js";
import type { Tlv } from "./der.js";

export interface Pkcs12Contents {
  /** DER certificates in the order found */
  certificates: Uint8Array[];
  /** DER PKCS#8 PrivateKeyInfo of each key found */
  keys: Uint8Array[];
}

const P12 = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
} as const;

const PRF_HASHES: Readonly<Record<string, string>> = {
  "1.2.840.113549.2.7": "sha1",
  "1.2.840.113549.2.9": "sha256",
  "1.2.840.113549.2.10": "sha384",
  "1.2.840.113549.2.11": "sha512",
};

const AES_CBC: Readonly<Record<string, { cipher: string; keyLength: number }>> = {
  "2.16.840.1.101.3.4.1.2": { cipher: "aes-128-cbc", keyLength: 16 },
  "2.16.840.1.101.3.4.1.22": { cipher: "aes-192-cbc", keyLength: 24 },
  "2.16.840.1.101.3.4.1.42": { cipher: "aes-256-cbc", keyLength: 32 },
};

const MAC_HASHES: Readonly<Record<string, { hash: string; blockSize: number }>> = {
  "1.3.14.3.2.26": { hash: "sha1", blockSize: 64 },
  "2.16.840.1.101.3.4.2.1": { hash: "sha256", blockSize: 64 },
  "2.16.840.1.101.3.4.2.2": { hash: "sha384", blockSize: 128 },
  "2.16.840.1.101.3.4.2.3": { hash: "sha512", blockSize: 128 },
};

const oidAt = (bytes: Uint8Array, t: Tlv | undefined, what: string): string =>
  decodeOid(content(bytes, expectTag(t, TAG.OID, what)));

const smallInt = (bytes: Uint8Array, t: Tlv): number => {
  const n = readUnsignedInteger(bytes, t).reduce((acc, b) => acc * 256 + b, 0);
  if (!Number.isSafeInteger(n))
    throw new DomainError("ca.import_p12_malformed", { detail: "integer too large" });
  return n;
};

/** The value inside a [0] EXPLICIT wrapper. */
function explicitValue(bytes: Uint8Array, t: Tlv | undefined, what: string): Uint8Array {
  const wrapper = expectTag(t, contextConstructed(0), what);
  const [inner] = children(bytes, wrapper);
  if (!inner) throw new DomainError("ca.import_p12_malformed", { detail: what });
  return whole(bytes, inner);
}

const octets = (der: Uint8Array, what: string): Uint8Array =>
  content(der, expectTag(readOnly(der, TAG.OCTET_STRING), TAG.OCTET_STRING, what));

// ---- PBES2 ------------------------------------------------------------------------------------

/** Decrypts with a PBES2 AlgorithmIdentifier (DER); the password is used as its UTF-8 bytes, as OpenSSL does. */
function pbes2Decrypt(algorithmDer: Uint8Array, data: Uint8Array, password: string): Uint8Array {
  const alg = readOnly(algorithmDer, TAG.SEQUENCE);
  const [oidTlv, paramsTlv] = children(algorithmDer, alg);
  const scheme = oidAt(algorithmDer, oidTlv, "encryption algorithm");
  if (scheme !== P12.pbes2) throw new DomainError("ca.import_p12_unsupported", { algorithm: scheme });
  const [kdf, enc] = children(algorithmDer, expectTag(paramsTlv, TAG.SEQUENCE, "PBES2 parameters"));
  const [kdfOid, kdfParams] = children(algorithmDer, expectTag(kdf, TAG.SEQUENCE, "PBES2 key derivation"));
  const kdfName = oidAt(algorithmDer, kdfOid, "key derivation");
  if (kdfName !== P12.pbkdf2) throw new DomainError("ca.import_p12_unsupported", { algorithm: kdfName });
  const fields = children(algorithmDer, expectTag(kdfParams, TAG.SEQUENCE, "PBKDF2 parameters"));
  const salt = content(algorithmDer, expectTag(fields[0], TAG.OCTET_STRING, "PBKDF2 salt"));
  const iterations = smallInt(algorithmDer, expectTag(fields[1], TAG.INTEGER, "PBKDF2 iterations"));
  let prf = "sha1";
  for (const f of fields.slice(2)) {
    if (f.tag !== TAG.SEQUENCE) continue; // keyLength: the cipher fixes it anyway
    const prfOid = oidAt(algorithmDer, children(algorithmDer, f)[0], "PBKDF2 PRF");
    const hash = PRF_HASHES[prfOid];
    if (!hash) throw new DomainError("ca.import_p12_unsupported", { algorithm: prfOid });
    prf = hash;
  }
  const [encOid, ivTlv] = children(algorithmDer, expectTag(enc, TAG.SEQUENCE, "PBES2 encryption scheme"));
  const encName = oidAt(algorithmDer, encOid, "cipher");
  const cipher = AES_CBC[encName];
  if (!cipher) throw new DomainError("ca.import_p12_unsupported", { algorithm: encName });
  const iv = content(algorithmDer, expectTag(ivTlv, TAG.OCTET_STRING, "AES IV"));
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, cipher.keyLength, prf);
  try {
    const decipher = createDecipheriv(cipher.cipher, key, iv);
    return new Uint8Array(Buffer.concat([decipher.update(data), decipher.final()]));
  } catch {
    throw new DomainError("ca.import_password_wrong");
  }
}

// ---- the MAC ----------------------------------------------------------------------------------

/** RFC 7292 appendix B.2, with the password as a NUL-terminated BMPString. */
function pkcs12Kdf(
  hash: string,
  blockSize: number,
  password: string,
  salt: Uint8Array,
  id: number,
  iterations: number,
  size: number,
): Uint8Array {
  const bmp = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) bmp.writeUInt16BE(password.charCodeAt(i), i * 2);
  const fill = (src: Uint8Array): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(blockSize * Math.ceil(src.length / blockSize));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = Buffer.concat([fill(salt), fill(bmp)]);
  const D = Buffer.alloc(blockSize, id);
  const out: Buffer[] = [];
  let produced = 0;
  while (produced < size) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    out.push(A);
    produced += A.length;
    const B = fill(A).subarray(0, blockSize);
    for (let j = 0; j < I.length; j += blockSize) {
      let carry = 1;
      for (let k = blockSize - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, size);
}

function checkMac(der: Uint8Array, macData: Tlv, authSafe: Uint8Array, password: string): void {
  const [digestInfo, saltTlv, iterTlv] = children(der, macData);
  const [algTlv, digestTlv] = children(der, expectTag(digestInfo, TAG.SEQUENCE, "MAC digest info"));
  const macOid = oidAt(der, children(der, expectTag(algTlv, TAG.SEQUENCE, "MAC algorithm"))[0], "MAC hash");
  const mac = MAC_HASHES[macOid];
  if (!mac) throw new DomainError("ca.import_p12_unsupported", { algorithm: macOid });
  const expected = content(der, expectTag(digestTlv, TAG.OCTET_STRING, "MAC value"));
  const salt = content(der, expectTag(saltTlv, TAG.OCTET_STRING, "MAC salt"));
  const iterations = iterTlv ? smallInt(der, iterTlv) : 1;
  const size = createHash(mac.hash).digest().length;
  const key = pkcs12Kdf(mac.hash, mac.blockSize, password, salt, 3, iterations, size);
  const actual = createHmac(mac.hash, key).update(authSafe).digest();
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new DomainError("ca.import_password_wrong");
  }
}

// ---- reading ----------------------------------------------------------------------------------

function readBags(safeContents: Uint8Array, password: string, out: Pkcs12Contents): void {
  for (const bag of children(safeContents, readOnly(safeContents, TAG.SEQUENCE))) {
    const [idTlv, valueTlv] = children(safeContents, expectTag(bag, TAG.SEQUENCE, "SafeBag"));
    const bagId = oidAt(safeContents, idTlv, "bag id");
    const value = explicitValue(safeContents, valueTlv, "bag value");
    if (bagId === P12.keyBag) out.keys.push(value);
    else if (bagId === P12.pkcs8ShroudedKeyBag) {
      const [algTlv, dataTlv] = children(value, readOnly(value, TAG.SEQUENCE));
      const data = content(value, expectTag(dataTlv, TAG.OCTET_STRING, "encrypted key"));
      out.keys.push(
        pbes2Decrypt(whole(value, expectTag(algTlv, TAG.SEQUENCE, "key encryption")), data, password),
      );
    } else if (bagId === P12.certBag) {
      const [certIdTlv, certValueTlv] = children(value, readOnly(value, TAG.SEQUENCE));
      if (oidAt(value, certIdTlv, "certificate type") !== P12.x509Certificate) continue;
      out.certificates.push(octets(explicitValue(value, certValueTlv, "certificate"), "certificate"));
    }
  }
}

/** Reads a DER PKCS#12 file; ca.import_password_wrong when the password does not open it. */
export function readPkcs12(der: Uint8Array, password: string): Pkcs12Contents {
  try {
    const pfx = readOnly(der, TAG.SEQUENCE);
    const [, authSafeTlv, macTlv] = children(der, pfx);
    const [typeTlv, contentTlv] = children(der, expectTag(authSafeTlv, TAG.SEQUENCE, "authSafe"));
    if (oidAt(der, typeTlv, "authSafe type") !== P12.data) {
      throw new DomainError("ca.import_p12_unsupported", { algorithm: "public-key integrity mode" });
    }
    const authSafe = octets(explicitValue(der, contentTlv, "authSafe content"), "authSafe");
    if (macTlv) checkMac(der, expectTag(macTlv, TAG.SEQUENCE, "MacData"), authSafe, password);
    const out: Pkcs12Contents = { certificates: [], keys: [] };
    for (const info of children(authSafe, readOnly(authSafe, TAG.SEQUENCE))) {
      const [infoType, infoContent] = children(authSafe, expectTag(info, TAG.SEQUENCE, "ContentInfo"));
      const type = oidAt(authSafe, infoType, "content type");
      const inner = explicitValue(authSafe, infoContent, "content");
      if (type === P12.data) readBags(octets(inner, "SafeContents"), password, out);
      else if (type === P12.encryptedData) {
        const [, eci] = children(inner, readOnly(inner, TAG.SEQUENCE));
        const [, algTlv, encrypted] = children(inner, expectTag(eci, TAG.SEQUENCE, "EncryptedContentInfo"));
        if (!encrypted) continue;
        // [0] IMPLICIT OCTET STRING: primitive, or constructed from OCTET STRING pieces.
        const data =
          encrypted.tag === 0x80
            ? content(inner, encrypted)
            : Buffer.concat(
                children(inner, expectTag(encrypted, 0xa0, "encrypted content")).map((p) =>
                  content(inner, p),
                ),
              );
        readBags(
          pbes2Decrypt(whole(inner, expectTag(algTlv, TAG.SEQUENCE, "content encryption")), data, password),
          password,
          out,
        );
      } else {
        throw new DomainError("ca.import_p12_unsupported", { algorithm: type });
      }
    }
    return out;
  } catch (e) {
    if (e instanceof DomainError && e.code.startsWith("ca.")) throw e;
    throw new DomainError("ca.import_p12_malformed", { detail: e instanceof Error ? e.message : String(e) });
  }
}
