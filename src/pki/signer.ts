/**
 * The Signer port: every issuance path (certificates, CRLs, OCSP responses, CSRs) signs through
 * it, so the same code serves a key in memory, an HSM over PKCS#11 or a USB key. It is async and
 * says nothing about where the key lives; it only names the signature algorithm and the public key.
 */
import { createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import { OID } from "./oids.js";
import { importPublicKey, spkiFacts, type SpkiFacts } from "./spki.js";
import {
  SM2_DEFAULT_ID,
  sm2,
  sm2IdBytes,
  sm2KeyPairFromKeyObject,
  sm2PrivateKeyToPkcs8,
  sm2PublicKeyToSpki,
  sm2Verify,
} from "./sm2.js";
import { TAG, content, decodeOid, readOnly } from "./der.js";
import { nativePublicKey, sm2Backend, type Sm2Native } from "./sm2-native.js";
import { sm2Pool } from "./sm2-pool.js";
import type { Sm2KeyPair } from "./sm2.js";

export interface Signer {
  /** the signatureAlgorithm written into what is signed (TBSCertificate.signature etc.) */
  readonly algorithm: AlgorithmIdentifier;
  /** DER SubjectPublicKeyInfo of the signing key */
  readonly publicKeySpki: Uint8Array;
  /** signs data as the algorithm says (hashing included) and returns the DER/raw signature value */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export type KeyAlgorithm = "rsa" | "ecdsa-p256" | "sm2";

/** Fresh instances: AlgorithmIdentifier is a mutable class and ends up inside other objects. */
export function signatureAlgorithm(key: KeyAlgorithm): AlgorithmIdentifier {
  switch (key) {
    case "rsa":
      // RFC 4055 section 5: the parameters of sha256WithRSAEncryption are NULL, present.
      return new AlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: null });
    case "ecdsa-p256":
      // RFC 5758 section 3.2: ecdsa-with-SHA256 has no parameters at all.
      return new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSha256 });
    case "sm2":
      // GM/T 0015: SM3withSM2 without parameters.
      return new AlgorithmIdentifier({ algorithm: OID.sm3WithSm2 });
  }
}

export const SIGNATURE_ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  [OID.sha1WithRsa]: "sha1WithRSAEncryption",
  [OID.sha256WithRsa]: "sha256WithRSAEncryption",
  [OID.sha384WithRsa]: "sha384WithRSAEncryption",
  [OID.sha512WithRsa]: "sha512WithRSAEncryption",
  [OID.ecdsaWithSha256]: "ecdsa-with-SHA256",
  [OID.ecdsaWithSha384]: "ecdsa-with-SHA384",
  [OID.ecdsaWithSha512]: "ecdsa-with-SHA512",
  [OID.sm3WithSm2]: "SM3withSM2",
};

const spkiOf = (privateKey: KeyObject): Uint8Array =>
  new Uint8Array(createPublicKey(privateKey).export({ format: "der", type: "spki" }));

/** node's callback form runs in the thread pool: RSA signing then does not block the event loop. */
function signAsync(hash: string, data: Uint8Array, key: KeyObject): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    nodeSign(hash, data, { key, dsaEncoding: "der" }, (err, sig) =>
      err ? reject(err) : resolve(new Uint8Array(sig)),
    );
  });
}

export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm {
  if (key.asymmetricKeyType === "rsa") return "rsa";
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1") return "ecdsa-p256";
    if (curve === "SM2") return "sm2";
  }
  // node reports neither type nor curve for an SM2 key read back from PKCS#8 (OpenSSL 3 decodes it
  // as its own "SM2" key type, unknown to node): look at the encoding instead.
  if (key.asymmetricKeyType === undefined && key.type === "private") {
    try {
      sm2KeyPairFromKeyObject(key);
      return "sm2";
    } catch {
      // not SM2 either
    }
  }
  throw new DomainError("pki.key_algorithm_unsupported", { algorithm: String(key.asymmetricKeyType) });
}

export function rsaSigner(privateKey: KeyObject): Signer {
  if (keyAlgorithmOf(privateKey) !== "rsa")
    throw new DomainError("pki.key_algorithm_unsupported", { algorithm: "rsa" });
  return {
    algorithm: signatureAlgorithm("rsa"),
    publicKeySpki: spkiOf(privateKey),
    sign: (data) => signAsync("sha256", data, privateKey),
  };
}

export function ecdsaP256Signer(privateKey: KeyObject): Signer {
  if (keyAlgorithmOf(privateKey) !== "ecdsa-p256") {
    throw new DomainError("pki.key_algorithm_unsupported", { algorithm: "ecdsa-p256" });
  }
  return {
    algorithm: signatureAlgorithm("ecdsa-p256"),
    publicKeySpki: spkiOf(privateKey),
    sign: (data) => signAsync("sha256", data, privateKey),
  };
}

export function sm2Signer(key: Sm2KeyPair | KeyObject, options: { id?: string } = {}): Signer {
  const pair = "privateKey" in key ? key : sm2KeyPairFromKeyObject(key);
  if (Buffer.compare(sm2.publicKeyFromPrivate(pair.privateKey), pair.publicKey) !== 0) {
    throw new DomainError("pki.sm2_private_key_invalid", {}, "public key does not match private key");
  }
  const id = options.id ?? SM2_DEFAULT_ID;
  const algorithm = signatureAlgorithm("sm2");
  const publicKeySpki = sm2PublicKeyToSpki(pair.publicKey);
  const backend = sm2Backend();
  if (backend) {
    // OpenSSL holds the key; each signature runs on libuv's thread pool, as node's crypto.sign does.
    const nativeKey = backend.privateKey(sm2PrivateKeyToPkcs8(pair));
    const idBytes = sm2IdBytes(id);
    return { algorithm, publicKeySpki, sign: (data) => backend.signAsync(nativeKey, data, idBytes) };
  }
  // Z_A and (1+d)^-1 once per signer: a CA key signs thousands of times.
  const signOnce = sm2.signerFor(pair.privateKey, { id });
  // A key that signs again (a CA's) signs on the SM2 thread pool from its second signature on; a
  // key used once (a CSR, a test) never leaves this thread.
  let signatures = 0;
  let pooled: number | undefined;
  const signer: Signer = {
    algorithm,
    publicKeySpki,
    sign: async (data) => {
      if (++signatures < 2) return signOnce(data);
      if (pooled === undefined) {
        pooled = sm2Pool().registerKey(pair.privateKey, id);
        pooledKeys.register(signer, pooled);
      }
      return sm2Pool().sign(pooled, data, () => signOnce(data));
    },
  };
  return signer;
}

/** When an SM2 signer is collected, the pool forgets its key. */
const pooledKeys = new FinalizationRegistry<number>((key) => sm2Pool().forgetKey(key));

/** A key held in this process; picks the algorithm from the key. */
export function softwareSigner(privateKey: KeyObject, options: { sm2Id?: string } = {}): Signer {
  switch (keyAlgorithmOf(privateKey)) {
    case "rsa":
      return rsaSigner(privateKey);
    case "ecdsa-p256":
      return ecdsaP256Signer(privateKey);
    case "sm2":
      return sm2Signer(privateKey, options.sm2Id === undefined ? {} : { id: options.sm2Id });
  }
}

/** Makes a fresh key in memory (tests, development CAs, software tokens). */
export function generateSoftwareKey(algorithm: KeyAlgorithm): { privateKey: KeyObject; signer: Signer } {
  const { privateKey } =
    algorithm === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: algorithm === "sm2" ? "SM2" : "prime256v1" });
  return { privateKey, signer: softwareSigner(privateKey) };
}

// ---------------------------------------------------------------------------------------------
// Verification

// No SHA-1: a CA has no reason to trust a SHA-1 signature on anything it is shown today.
const RSA_HASHES: Readonly<Record<string, string>> = {
  [OID.sha256WithRsa]: "sha256",
  [OID.sha384WithRsa]: "sha384",
  [OID.sha512WithRsa]: "sha512",
};
const ECDSA_HASHES: Readonly<Record<string, string>> = {
  [OID.ecdsaWithSha256]: "sha256",
  [OID.ecdsaWithSha384]: "sha384",
  [OID.ecdsaWithSha512]: "sha512",
};

/**
 * createPublicKey for a DER SPKI, remembered by content, and for RSA and P-256 imported from the
 * key's numbers (spki.ts): issuing one certificate reads its key three times. Throws as
 * createPublicKey does for a key OpenSSL cannot read (nothing is remembered then).
 */
export function publicKeyObject(spki: Uint8Array): KeyObject {
  return importPublicKey(spki);
}

export interface VerifyOptions {
  /** signer ID for SM3withSM2; default 1234567812345678 */
  sm2Id?: string | Uint8Array;
}

/** The curve OID of an EC SubjectPublicKeyInfo, or undefined for other key types. */
export function ecCurveOf(spki: SubjectPublicKeyInfo): string | undefined {
  if (spki.algorithm.algorithm !== OID.ecPublicKey || !spki.algorithm.parameters) return undefined;
  try {
    const params = new Uint8Array(spki.algorithm.parameters);
    return decodeOid(content(params, readOnly(params, TAG.OID)));
  } catch {
    return undefined;
  }
}

/**
 * verifySignature, with SM2 verified on the SM2 thread pool (sm2-pool.ts) when it runs, so that a
 * proof of possession does not hold the event loop; the same answers and the same exceptions.
 */
export async function verifySignatureAsync(
  spki: Uint8Array,
  algorithm: AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): Promise<boolean> {
  const inThread = () => verifySignature(spki, algorithm, data, signature, options);
  if (algorithm.algorithm !== OID.sm3WithSm2) return inThread();
  let info: SubjectPublicKeyInfo;
  try {
    info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  } catch {
    return false;
  }
  if (ecCurveOf(info) !== OID.sm2Curve) return false;
  const point = new Uint8Array(info.subjectPublicKey);
  const id = options.sm2Id ?? SM2_DEFAULT_ID;
  const backend = sm2Backend();
  if (backend) {
    const key = nativeKeyOrUndefined(backend, point);
    return key ? backend.verifyAsync(key, data, signature, sm2IdBytes(id)) : false;
  }
  return sm2Pool().verify(point, data, signature, id, inThread);
}

/** OpenSSL's key for an SM2 point, or undefined for a point that is not on the curve. */
function nativeKeyOrUndefined(backend: Sm2Native, point: Uint8Array) {
  try {
    return nativePublicKey(backend, point);
  } catch {
    return undefined;
  }
}

/** The SPKI read directly, or by the schema library when it is encoded in a way spki.ts leaves alone. */
function spkiFactsOrSchema(spki: Uint8Array): SpkiFacts | undefined {
  const facts = spkiFacts(spki);
  if (facts) return facts;
  try {
    const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
    const curve = ecCurveOf(info);
    return {
      algorithm: info.algorithm.algorithm,
      ...(curve === undefined ? {} : { curve }),
      keyBits: new Uint8Array(info.subjectPublicKey),
    };
  } catch {
    return undefined;
  }
}

/**
 * Checks a signature made with the key in spki. Returns false for a wrong signature or a key that
 * does not fit the algorithm; throws pki.signature_algorithm_unsupported for algorithms we never accept.
 */
export function verifySignature(
  spki: Uint8Array,
  algorithm: AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): boolean {
  const info = spkiFactsOrSchema(spki);
  if (!info) return false;
  const oid = algorithm.algorithm;
  if (oid === OID.sm3WithSm2) {
    if (info.curve !== OID.sm2Curve) return false;
    const point = info.keyBits;
    const id = options.sm2Id ?? SM2_DEFAULT_ID;
    const backend = sm2Backend();
    if (backend) {
      const key = nativeKeyOrUndefined(backend, point);
      return key ? backend.verify(key, data, signature, sm2IdBytes(id)) : false;
    }
    return sm2Verify(point, data, signature, { id });
  }
  const rsaHash = RSA_HASHES[oid];
  const ecdsaHash = ECDSA_HASHES[oid];
  if (rsaHash && info.algorithm !== OID.rsaEncryption) return false;
  if (ecdsaHash) {
    if (info.algorithm !== OID.ecPublicKey || info.curve === undefined || info.curve === OID.sm2Curve)
      return false;
  }
  const hash = rsaHash ?? ecdsaHash;
  if (!hash) throw new DomainError("pki.signature_algorithm_unsupported", { algorithm: oid });
  try {
    const key = publicKeyObject(spki);
    return nodeVerify(hash, data, { key, dsaEncoding: "der" }, signature);
  } catch {
    return false;
  }
}
