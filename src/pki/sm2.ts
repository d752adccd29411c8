/**
 * SM2 digital signatures (GB/T 32918.2-2016, GM/T 0003.2) with the signer ID that GM/T 0009 and
 * GM/T 0015 require. Node's crypto can make SM2 keys but cannot make this signature: crypto.sign
 * with such a key gives ECDSA on the SM2 curve (no Z_A), and there is no way to pass a signer ID.
 * So the signature itself is computed here, with node's SM3 and, for the multiplications by a
 * secret (k·G, d·G), OpenSSL's through an ECDH object on the SM2 curve: its Montgomery ladder is
 * constant-time, and twice as fast as @noble/curves' generic short-Weierstrass arithmetic (0.5
 * against 1.0 ms per signature, measured here). noble does the rest (points from bytes, the
 * verifier's u1·G + u2·P on public values) and the standard's test curve, which OpenSSL lacks.
 *
 * The nonce k comes from a CSPRNG (node's randomBytes, injectable), as the standard describes;
 * it is not RFC 6979-style deterministic.
 */
import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes as nodeRandomBytes,
} from "node:crypto";
import type { KeyObject } from "node:crypto";
import { invert, mod } from "@noble/curves/abstract/modular.js";
import { weierstrass } from "@noble/curves/abstract/weierstrass.js";
import type { WeierstrassPoint } from "@noble/curves/abstract/weierstrass.js";
import { DomainError } from "../domain/errors.js";
import {
  TAG,
  bigintToBytes,
  bitString,
  bytesToBigint,
  children,
  concat,
  content,
  contextConstructed,
  decodeOid,
  expectTag,
  integerFromBigint,
  octetString,
  oid,
  readOnly,
  readUnsignedInteger,
  sequence,
  smallInteger,
  tlv,
} from "./der.js";
import { OID } from "./oids.js";

/** GM/T 0009-2012: the ID to use when the parties agreed on no other. */
export const SM2_DEFAULT_ID = "1234567812345678";

export type RandomBytes = (length: number) => Uint8Array;

export interface Sm2CurveParams {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  Gx: bigint;
  Gy: bigint;
}

/** sm2p256v1, GB/T 32918.5-2017 (GM/T 0003.5) recommended curve. */
export const SM2P256V1: Sm2CurveParams = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

export interface Sm2KeyPair {
  /** the private scalar d, 32 bytes big-endian */
  privateKey: Uint8Array;
  /** the public point, uncompressed: 04 || x || y */
  publicKey: Uint8Array;
}

export interface Sm2IdOption {
  /** signer ID; a string is taken as UTF-8. Default SM2_DEFAULT_ID. */
  id?: string | Uint8Array;
}

export interface Sm2SignOptions extends Sm2IdOption {
  /** randomness for k; default node's CSPRNG */
  random?: RandomBytes;
}

export interface Sm2Scheme {
  readonly curve: Sm2CurveParams;
  generateKeyPair(random?: RandomBytes): Sm2KeyPair;
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array;
  za(publicKey: Uint8Array, id?: string | Uint8Array): Uint8Array;
  sign(privateKey: Uint8Array, message: Uint8Array, options?: Sm2SignOptions): Uint8Array;
  /** sign, with the public key, Z_A and (1+d)^-1 worked out once: for a key that signs many times */
  signerFor(privateKey: Uint8Array, options?: Sm2SignOptions): (message: Uint8Array) => Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: Sm2IdOption): boolean;
}

const idBytes = (id: string | Uint8Array | undefined): Uint8Array =>
  typeof id === "string" ? new TextEncoder().encode(id) : (id ?? new TextEncoder().encode(SM2_DEFAULT_ID));

/**
 * The signer ID as bytes (a string as UTF-8), refused past 8191 bytes: ENTL, its length in bits,
 * has two octets. The native path (sm2-native.ts) takes its ID from here.
 */
export function sm2IdBytes(id?: string | Uint8Array): Uint8Array {
  const bytes = idBytes(id);
  if (bytes.length >= 8192) throw new DomainError("pki.sm2_id_too_long");
  return bytes;
}

const sm3 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash("sm3");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** Builds the scheme for a curve: sm2p256v1 in production, the standard's test curve in tests. */
export function sm2Scheme(curve: Sm2CurveParams): Sm2Scheme {
  const Point = weierstrass({
    p: curve.p,
    n: curve.n,
    h: 1n,
    a: curve.a,
    b: curve.b,
    Gx: curve.Gx,
    Gy: curve.Gy,
  });
  // A wider window than noble's default (6): one table of about 6k points per process buys ~25%
  // more signatures per second, built lazily on the first multiplication.
  const G = Point.BASE.precompute(8);
  const { n } = curve;
  const size = Math.ceil(curve.p.toString(16).length / 2);
  const native = curve === SM2P256V1 ? nativeBaseMultiply() : undefined;
  /** k·G for a secret k, as x and y */
  const baseMultiply = (k: bigint): { x: bigint; y: bigint } => native?.(k, size) ?? G.multiply(k);
  const curvePrefix = concat([curve.a, curve.b, curve.Gx, curve.Gy].map((v) => bigintToBytes(v, size)));

  const randomScalar = (random: RandomBytes, max: bigint): bigint => {
    // Rejection sampling keeps k uniform in [1, max].
    for (;;) {
      const k = bytesToBigint(random(size));
      if (k >= 1n && k <= max) return k;
    }
  };

  const privateScalar = (privateKey: Uint8Array): bigint => {
    const d = bytesToBigint(privateKey);
    // GB/T 32918.1 6.1: d in [1, n-2], so that 1+d is invertible.
    if (privateKey.length !== size || d < 1n || d > n - 2n) {
      throw new DomainError("pki.sm2_private_key_invalid", {}, "SM2 private key out of range");
    }
    return d;
  };

  const decodePoint = (publicKey: Uint8Array): WeierstrassPoint<bigint> => {
    try {
      const P = Point.fromBytes(publicKey);
      P.assertValidity();
      return P;
    } catch {
      throw new DomainError("pki.sm2_public_key_invalid", {}, "SM2 public key is not a point on the curve");
    }
  };

  const encodePoint = (P: { x: bigint; y: bigint }): Uint8Array =>
    concat([Uint8Array.of(4), bigintToBytes(P.x, size), bigintToBytes(P.y, size)]);

  const za = (publicKey: Uint8Array, id?: string | Uint8Array): Uint8Array => {
    const P = decodePoint(publicKey);
    const ident = sm2IdBytes(id);
    const entl = Uint8Array.of((ident.length * 8) >> 8, (ident.length * 8) & 0xff);
    return sm3(entl, ident, curvePrefix, bigintToBytes(P.x, size), bigintToBytes(P.y, size));
  };

  const publicKeyFromPrivate = (privateKey: Uint8Array): Uint8Array =>
    encodePoint(baseMultiply(privateScalar(privateKey)));

  const signerFor = (privateKey: Uint8Array, options: Sm2SignOptions = {}) => {
    const d = privateScalar(privateKey);
    // Z_A from the public key derived here, never one passed in: a mismatched pair would sign
    // what nobody can verify.
    const z = za(publicKeyFromPrivate(privateKey), options.id);
    const dInv = invert(1n + d, n);
    const random = options.random ?? nodeRandomBytes;
    return (message: Uint8Array): Uint8Array => {
      const e = bytesToBigint(sm3(z, message));
      for (;;) {
        const k = randomScalar(random, n - 1n);
        const x1 = baseMultiply(k).x;
        const r = mod(e + x1, n);
        if (r === 0n || r + k === n) continue;
        const s = mod(dInv * (k - r * d), n);
        if (s === 0n) continue;
        return encodeSignature(r, s);
      }
    };
  };

  return {
    curve,
    generateKeyPair(random = nodeRandomBytes) {
      const d = randomScalar(random, n - 2n);
      const privateKey = bigintToBytes(d, size);
      return { privateKey, publicKey: encodePoint(baseMultiply(d)) };
    },
    publicKeyFromPrivate,
    za,
    sign(privateKey, message, options = {}) {
      return signerFor(privateKey, options)(message);
    },
    signerFor,
    verify(publicKey, message, signature, options = {}) {
      let r: bigint, s: bigint;
      try {
        ({ r, s } = decodeSignature(signature));
      } catch {
        return false;
      }
      if (r < 1n || r >= n || s < 1n || s >= n) return false;
      let P: WeierstrassPoint<bigint>;
      try {
        P = decodePoint(publicKey);
      } catch {
        return false;
      }
      const e = bytesToBigint(sm3(za(publicKey, options.id), message));
      const t = mod(r + s, n);
      if (t === 0n) return false;
      const X = G.mulAddUnsafe(s, P, t);
      if (X.is0()) return false;
      return mod(e + X.x, n) === r;
    },
  };
}

/**
 * k·G on sm2p256v1 by OpenSSL: an ECDH object's public key is its private scalar times the base
 * point. One object per thread (the SM2 pool's workers each load this module); undefined where
 * OpenSSL has no SM2 curve.
 */
function nativeBaseMultiply(): ((k: bigint, size: number) => { x: bigint; y: bigint }) | undefined {
  let ecdh: ReturnType<typeof createECDH>;
  try {
    ecdh = createECDH("SM2");
  } catch {
    return undefined;
  }
  return (k, size) => {
    ecdh.setPrivateKey(bigintToBytes(k, size));
    const point = ecdh.getPublicKey();
    return { x: bytesToBigint(point.subarray(1, 1 + size)), y: bytesToBigint(point.subarray(1 + size)) };
  };
}

/** The signature value: SEQUENCE { r INTEGER, s INTEGER } (GM/T 0009). */
export function encodeSignature(r: bigint, s: bigint): Uint8Array {
  return sequence(integerFromBigint(r), integerFromBigint(s));
}

export function decodeSignature(der: Uint8Array): { r: bigint; s: bigint } {
  const seq = readOnly(der, TAG.SEQUENCE);
  const items = children(der, seq);
  if (items.length !== 2) throw new DomainError("pki.der_malformed", { what: "SM2 signature" });
  return {
    r: bytesToBigint(readUnsignedInteger(der, items[0]!)),
    s: bytesToBigint(readUnsignedInteger(der, items[1]!)),
  };
}

export const sm2 = sm2Scheme(SM2P256V1);

export const generateSm2KeyPair = (random?: RandomBytes): Sm2KeyPair => sm2.generateKeyPair(random);
export const sm2Sign = (privateKey: Uint8Array, message: Uint8Array, options?: Sm2SignOptions): Uint8Array =>
  sm2.sign(privateKey, message, options);
export const sm2Verify = (
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options?: Sm2IdOption,
): boolean => sm2.verify(publicKey, message, signature, options);

// ---------------------------------------------------------------------------------------------
// Key encodings: SPKI and PKCS#8 with id-ecPublicKey and the SM2 curve OID (GM/T 0015).

const sm2AlgorithmIdentifier = (): Uint8Array => sequence(oid(OID.ecPublicKey), oid(OID.sm2Curve));

export function sm2PublicKeyToSpki(publicKey: Uint8Array): Uint8Array {
  return sequence(sm2AlgorithmIdentifier(), bitString(publicKey));
}

function expectSm2Algorithm(der: Uint8Array, algorithm: ReturnType<typeof readOnly>): void {
  const [alg, param] = children(der, algorithm);
  if (
    !alg ||
    !param ||
    alg.tag !== TAG.OID ||
    param.tag !== TAG.OID ||
    decodeOid(content(der, alg)) !== OID.ecPublicKey ||
    decodeOid(content(der, param)) !== OID.sm2Curve
  ) {
    throw new DomainError(
      "pki.key_not_sm2",
      {},
      "not an SM2 key (id-ecPublicKey with curve 1.2.156.10197.1.301)",
    );
  }
}

export function sm2PublicKeyFromSpki(spki: Uint8Array): Uint8Array {
  const seq = readOnly(spki, TAG.SEQUENCE);
  const [algorithm, key] = children(spki, seq);
  expectSm2Algorithm(spki, expectTag(algorithm, TAG.SEQUENCE, "SPKI algorithm"));
  const bits = content(spki, expectTag(key, TAG.BIT_STRING, "SPKI key"));
  if (bits[0] !== 0) throw new DomainError("pki.der_malformed", { what: "SPKI unused bits" });
  const point = bits.slice(1);
  sm2.za(point); // validates the point
  return point;
}

/** PKCS#8 PrivateKeyInfo wrapping an RFC 5915 ECPrivateKey (with the public key, as OpenSSL writes it). */
export function sm2PrivateKeyToPkcs8(pair: Sm2KeyPair): Uint8Array {
  const ecPrivateKey = sequence(
    smallInteger(1),
    octetString(pair.privateKey),
    tlv(contextConstructed(1), bitString(pair.publicKey)),
  );
  return sequence(smallInteger(0), sm2AlgorithmIdentifier(), octetString(ecPrivateKey));
}

export function sm2PrivateKeyFromPkcs8(pkcs8: Uint8Array): Sm2KeyPair {
  const seq = readOnly(pkcs8, TAG.SEQUENCE);
  const [version, algorithm, privateKey] = children(pkcs8, seq);
  expectTag(version, TAG.INTEGER, "PKCS#8 version");
  expectSm2Algorithm(pkcs8, expectTag(algorithm, TAG.SEQUENCE, "PKCS#8 algorithm"));
  const inner = content(pkcs8, expectTag(privateKey, TAG.OCTET_STRING, "PKCS#8 privateKey"));
  const ec = readOnly(inner, TAG.SEQUENCE);
  const fields = children(inner, ec);
  const d = content(inner, expectTag(fields[1], TAG.OCTET_STRING, "ECPrivateKey privateKey"));
  const scalar = new Uint8Array(32);
  if (d.length > 32) throw new DomainError("pki.sm2_private_key_invalid");
  scalar.set(d, 32 - d.length);
  const publicKey = sm2.publicKeyFromPrivate(scalar);
  // If the encoding carries a public key it must be ours: a mismatch means a corrupt key file.
  const pub = fields.find((f) => f.tag === contextConstructed(1));
  if (pub) {
    const bits = children(inner, pub)[0];
    const given = content(inner, expectTag(bits, TAG.BIT_STRING, "ECPrivateKey publicKey")).subarray(1);
    if (Buffer.compare(given, publicKey) !== 0)
      throw new DomainError("pki.sm2_private_key_invalid", {}, "public key does not match private key");
  }
  return { privateKey: scalar, publicKey };
}

export function sm2PrivateKeyObject(pair: Sm2KeyPair): KeyObject {
  return createPrivateKey({ key: Buffer.from(sm2PrivateKeyToPkcs8(pair)), format: "der", type: "pkcs8" });
}

export function sm2PublicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(sm2PublicKeyToSpki(publicKey)), format: "der", type: "spki" });
}

/** Reads an SM2 key made by node (generateKeyPairSync('ec', { namedCurve: 'SM2' })) or loaded from a file. */
export function sm2KeyPairFromKeyObject(key: KeyObject): Sm2KeyPair {
  if (key.type !== "private") throw new DomainError("pki.key_not_private");
  return sm2PrivateKeyFromPkcs8(new Uint8Array(key.export({ format: "der", type: "pkcs8" })));
}
