/**
 * A SubjectPublicKeyInfo read straight from its DER, for the issuance hot path: the algorithm, the
 * curve, the key bits, the RFC 5280 key identifier, and a node KeyObject imported from the key's
 * numbers (JWK) rather than through OpenSSL 3's DER decoders, which cost five times as much. What
 * this reader does not know answers undefined, and callers take the schema library's path.
 */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { setKeepingNewest } from "../domain/bounded.js";
import { TAG, children, content, decodeOid, readOnly, type Tlv } from "./der.js";
import { OID } from "./oids.js";

export interface SpkiFacts {
  algorithm: string;
  /** the namedCurve OID of an EC key */
  curve?: string;
  /** the subjectPublicKey BIT STRING's value, without its unused-bits octet */
  keyBits: Uint8Array;
}

/** The facts of a well-formed SPKI (no unused bits), or undefined for anything else. */
export function spkiFacts(spki: Uint8Array): SpkiFacts | undefined {
  try {
    const [algorithm, key, extra] = children(spki, readOnly(spki, TAG.SEQUENCE));
    if (algorithm?.tag !== TAG.SEQUENCE || key?.tag !== TAG.BIT_STRING || extra) return undefined;
    const [oid, parameters, more] = children(spki, algorithm);
    if (oid?.tag !== TAG.OID || more) return undefined;
    const bits = content(spki, key);
    if (bits.length < 2 || bits[0] !== 0) return undefined;
    const algorithmOid = decodeOid(content(spki, oid));
    const facts: SpkiFacts = { algorithm: algorithmOid, keyBits: bits.subarray(1) };
    // As the schema path reads it (signer.ts ecCurveOf): a curve only for an EC key.
    if (algorithmOid === OID.ecPublicKey && parameters?.tag === TAG.OID)
      facts.curve = decodeOid(content(spki, parameters));
    return facts;
  } catch {
    return undefined;
  }
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export const keyIdentifierOf = (facts: SpkiFacts): Uint8Array =>
  new Uint8Array(createHash("sha1").update(facts.keyBits).digest());

/** "rsa", "ecdsa-p256", "sm2" or "other", as keyAlgorithmOfSpki says for the same key. */
export function keyAlgorithmOfFacts(facts: SpkiFacts): "rsa" | "ecdsa-p256" | "sm2" | "other" {
  if (facts.algorithm === OID.rsaEncryption) return "rsa";
  if (facts.algorithm !== OID.ecPublicKey) return "other";
  if (facts.curve === OID.secp256r1) return "ecdsa-p256";
  if (facts.curve === OID.sm2Curve) return "sm2";
  return "other";
}

const b64url = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");

/** An unsigned INTEGER's magnitude, leading zero octets dropped (JWK wants no padding). */
function magnitude(bytes: Uint8Array, t: Tlv | undefined): Uint8Array | undefined {
  if (t?.tag !== TAG.INTEGER) return undefined;
  const c = content(bytes, t);
  if (c.length === 0 || c[0]! & 0x80) return undefined;
  let i = 0;
  while (i < c.length - 1 && c[i] === 0) i++;
  return c.subarray(i);
}

/**
 * The JWK of an RSA or uncompressed P-256 key; undefined for other keys, which are imported from
 * their DER. Node checks a JWK point is on the curve as it does for DER.
 */
function jwkOf(facts: SpkiFacts): JsonWebKey | undefined {
  const bits = facts.keyBits;
  if (facts.algorithm === OID.ecPublicKey && facts.curve === OID.secp256r1) {
    if (bits.length !== 65 || bits[0] !== 4) return undefined;
    return { kty: "EC", crv: "P-256", x: b64url(bits.subarray(1, 33)), y: b64url(bits.subarray(33)) };
  }
  if (facts.algorithm === OID.rsaEncryption) {
    try {
      const [n, e, extra] = children(bits, readOnly(bits, TAG.SEQUENCE));
      const nBytes = magnitude(bits, n);
      const eBytes = magnitude(bits, e);
      if (!nBytes || !eBytes || extra) return undefined;
      return { kty: "RSA", n: b64url(nBytes), e: b64url(eBytes) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const importedKeys = new Map<string, KeyObject>();
const IMPORTED_KEPT = 256;

/**
 * A KeyObject for the SPKI, by way of its JWK when it has one (a fifth of the DER import's cost);
 * otherwise as createPublicKey reads the DER. Throws as createPublicKey does for a bad key.
 */
export function importPublicKey(spki: Uint8Array, facts = spkiFacts(spki)): KeyObject {
  const der = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength);
  const cacheKey = der.toString("base64");
  let key = importedKeys.get(cacheKey);
  if (!key) {
    const jwk = facts && jwkOf(facts);
    key = jwk
      ? createPublicKey({ key: jwk, format: "jwk" })
      : createPublicKey({ key: der, format: "der", type: "spki" });
    setKeepingNewest(importedKeys, cacheKey, key, IMPORTED_KEPT);
  }
  return key;
}
