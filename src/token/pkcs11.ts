/**
 * A small typed layer over pkcs11js (PKCS#11 2.40), shared by CA keys in an HSM (behind the
 * Signer port, see src/pki/pkcs11-signer.ts) and organisations' USB keys. It speaks in tokens
 * (found by label or serial, never by slot id), keys (found by CKA_LABEL or CKA_ID) and
 * certificates, and turns CKR_* failures into DomainErrors with catalogue codes (pkcs11.*).
 *
 * Tested against SoftHSM2 2.6, which differs from real devices in ways callers must not rely on:
 * - no PIN lockout: after many wrong PINs it sets CKF_USER_PIN_COUNT_LOW but never locks the PIN,
 *   so pkcs11.pin_locked is only ever seen on real USB keys (the software key models lockout);
 * - no SM2: PKCS#11 2.40 defines no SM2 key type or mechanism (Chinese USB keys expose SM2 through
 *   SKF, GM/T 0016), so SM2 keys live in the software key for now;
 * - no ECDSA-with-hash mechanism (CKM_ECDSA_SHA256): we hash in node and sign with CKM_ECDSA;
 * - slot ids move: initialising a token puts a new free token on a new slot, and after the next
 *   C_Initialize every token sits on a slot numbered from its serial;
 * - it only sees tokens that existed when C_Initialize ran: a token made by softhsm2-util meanwhile
 *   appears once every user in this process has closed the module (see acquireLibrary).
 */
import { createHash, createPublicKey } from "node:crypto";
import pkcs11js from "pkcs11js";
import type { PKCS11, Template } from "pkcs11js";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import { TAG, bitString, content, oid, readOnly, sequence, tlv, unsignedInteger } from "../pki/der.js";
import { OID } from "../pki/oids.js";
import { serialToIntegerContent } from "../pki/serial.js";
import {
  type Pkcs11Handle,
  type KeyRef,
  type TokenInfo,
  type TokenKeyType,
  type TokenKey,
  type TokenCertificate,
  type TokenDataObject,
  type GenerateKeyPairInput,
  type WriteCertificateInput,
} from "./pkcs11-types.js";

// ---------------------------------------------------------------------------------------------
// Errors

const CKR_CODES: ReadonlyMap<number, string> = new Map([
  [pkcs11js.CKR_PIN_INCORRECT, "pkcs11.pin_incorrect"],
  [pkcs11js.CKR_PIN_LOCKED, "pkcs11.pin_locked"],
  [pkcs11js.CKR_PIN_EXPIRED, "pkcs11.pin_expired"],
  [pkcs11js.CKR_PIN_INVALID, "pkcs11.pin_invalid"],
  [pkcs11js.CKR_PIN_LEN_RANGE, "pkcs11.pin_invalid"],
  [pkcs11js.CKR_PIN_TOO_WEAK, "pkcs11.pin_invalid"],
  [pkcs11js.CKR_USER_PIN_NOT_INITIALIZED, "pkcs11.user_pin_not_initialized"],
  [pkcs11js.CKR_USER_NOT_LOGGED_IN, "pkcs11.not_logged_in"],
  [pkcs11js.CKR_TOKEN_NOT_PRESENT, "pkcs11.token_not_present"],
  [pkcs11js.CKR_TOKEN_NOT_RECOGNIZED, "pkcs11.token_not_present"],
  [pkcs11js.CKR_DEVICE_REMOVED, "pkcs11.token_not_present"],
  // The slot vanished: a USB reader was unplugged between listing and use.
  [pkcs11js.CKR_SLOT_ID_INVALID, "pkcs11.token_not_present"],
  [pkcs11js.CKR_KEY_HANDLE_INVALID, "pkcs11.key_not_found"],
  [pkcs11js.CKR_OBJECT_HANDLE_INVALID, "pkcs11.object_not_found"],
  [pkcs11js.CKR_MECHANISM_INVALID, "pkcs11.mechanism_invalid"],
  [pkcs11js.CKR_MECHANISM_PARAM_INVALID, "pkcs11.mechanism_invalid"],
  [pkcs11js.CKR_KEY_TYPE_INCONSISTENT, "pkcs11.mechanism_invalid"],
  [pkcs11js.CKR_KEY_FUNCTION_NOT_PERMITTED, "pkcs11.key_function_not_permitted"],
]);

/** Turns a pkcs11js failure into a DomainError; anything else (our own DomainErrors, bugs) passes. */
export function mapPkcs11Error(e: unknown, context: { token: string; key?: string }): unknown {
  if (!(e instanceof pkcs11js.Pkcs11Error)) return e;
  const ckr = e.message;
  const code = CKR_CODES.get(e.code) ?? "pkcs11.operation_failed";
  return new DomainError(
    code,
    { token: context.token, key: context.key ?? "", ckr },
    `${ckr} in ${e.method || "PKCS#11"} (token ${context.token})`,
  );
}

export const isCkr = (e: unknown, rv: number): boolean => e instanceof pkcs11js.Pkcs11Error && e.code === rv;

const utf8 = (s: string): Buffer => Buffer.from(s, "utf8");

/** CK_ULONG attribute values come back in host byte order; every platform node runs on here is LE. */
function ulong(value: Buffer): number {
  return value.length === 8 ? Number(value.readBigUInt64LE()) : value.readUInt32LE();
}
export const describeKey = (k: KeyRef): string =>
  "label" in k ? k.label : `id ${Buffer.from(k.id).toString("hex")}`;

const P256_PARAMS = Buffer.from(oid(OID.secp256r1));

/** P-256 uncompressed point length: 0x04 || X || Y. */
const P256_POINT_LENGTH = 65;

/**
 * CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 2.40 section 2.3.3), but some older
 * tokens return the bare point; the length tells them apart for P-256 without guessing.
 */
function ecPoint(value: Buffer): Uint8Array {
  if (value.length === P256_POINT_LENGTH && value[0] === 0x04) return new Uint8Array(value);
  const bytes = new Uint8Array(value);
  return content(bytes, readOnly(bytes, TAG.OCTET_STRING));
}

/** CKM_ECDSA returns r || s (PKCS#11 2.40 section 2.3.1); X.509 wants ECDSA-Sig-Value (RFC 5480). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError("ECDSA signature of odd length");
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

/** Big enough for RSA-8192 and ECDSA P-521; pkcs11js trims the output to what C_Sign wrote. */
const SIGNATURE_BUFFER = 1024;

// ---------------------------------------------------------------------------------------------
// Sessions

/**
 * One PKCS#11 session. A session is single-threaded (PKCS#11 2.40 section 5.6) and holds one active
 * operation at a time, while pkcs11js runs C_Sign and C_GenerateKeyPair on worker threads: so every
 * call goes through one queue, and concurrent sign() calls on one session are safe.
 */
export class Pkcs11Session {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly lib: PKCS11,
    private readonly handle: Pkcs11Handle,
    /** the token as it was when the session opened */
    readonly token: TokenInfo,
    private readonly onClose: () => void,
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  private run<T>(op: () => T | Promise<T>, key?: string): Promise<T> {
    const result = this.queue.then(() => {
      if (this.closed) throw new DomainError("pkcs11.session_closed", { token: this.token.label });
      return op();
    });
    this.queue = result.catch(() => undefined);
    return result.catch((e: unknown) => {
      throw mapPkcs11Error(e, { token: this.token.label, key });
    });
  }

  /**
   * Login is per token and per process (PKCS#11 2.40 section 5.6): once any session of this process
   * has logged in, C_Login answers CKR_USER_ALREADY_LOGGED_IN without checking the PIN. We accept
   * that as success; the PIN was checked by the first login. Never C_Logout to "clean up": it would
   * log out every other session of this process on the token (a CA signer among them).
   */
  login(pin: string, user: "user" | "so" = "user"): Promise<void> {
    return this.run(() => {
      try {
        this.lib.C_Login(this.handle, user === "so" ? pkcs11js.CKU_SO : pkcs11js.CKU_USER, pin);
      } catch (e) {
        if (!isCkr(e, pkcs11js.CKR_USER_ALREADY_LOGGED_IN)) throw e;
      }
    });
  }

  logout(): Promise<void> {
    return this.run(() => this.lib.C_Logout(this.handle));
  }

  /**
   * A login that really checks the PIN: ends this process's login on the token first, so that
   * CKR_USER_ALREADY_LOGGED_IN cannot pass a wrong PIN. For USB keys held by one client at a time
   * (the security client, its agent), never for a token a CA signer shares (see login).
   */
  loginChecked(pin: string, user: "user" | "so" = "user"): Promise<void> {
    return this.run(() => {
      try {
        this.lib.C_Logout(this.handle);
      } catch (e) {
        if (!isCkr(e, pkcs11js.CKR_USER_NOT_LOGGED_IN)) throw e;
      }
      this.lib.C_Login(this.handle, user === "so" ? pkcs11js.CKU_SO : pkcs11js.CKU_USER, pin);
    });
  }

  /** Ends this process's login on the token, if any. */
  logoutIfLoggedIn(): Promise<void> {
    return this.run(() => {
      try {
        this.lib.C_Logout(this.handle);
      } catch (e) {
        if (!isCkr(e, pkcs11js.CKR_USER_NOT_LOGGED_IN)) throw e;
      }
    });
  }

  /** C_InitPIN: sets the user PIN; needs a read-write session logged in as SO. */
  initUserPin(pin: string): Promise<void> {
    return this.run(() => this.lib.C_InitPIN(this.handle, pin));
  }

  /** C_SetPIN: changes the PIN of whoever is logged in (the user PIN when nobody is). */
  changePin(oldPin: string, newPin: string): Promise<void> {
    return this.run(() => this.lib.C_SetPIN(this.handle, oldPin, newPin));
  }

  /** A signing key pair on the token: the private key is sensitive and never leaves it. */
  generateKeyPair(input: GenerateKeyPairInput): Promise<{ privateKey: TokenKey; publicKey: TokenKey }> {
    const keyType: TokenKeyType = input.algorithm === "rsa-2048" ? "rsa" : "ec";
    const common: Template = [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: utf8(input.label) },
      { type: pkcs11js.CKA_ID, value: Buffer.from(input.id) },
    ];
    const publicTemplate: Template = [
      ...common,
      { type: pkcs11js.CKA_PRIVATE, value: false },
      { type: pkcs11js.CKA_VERIFY, value: true },
      ...(keyType === "rsa"
        ? [
            { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
            { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          ]
        : [{ type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS }]),
    ];
    const privateTemplate: Template = [
      ...common,
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
    ];
    const mechanism = keyType === "rsa" ? pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN : pkcs11js.CKM_EC_KEY_PAIR_GEN;
    return this.run(async () => {
      const pair = await this.lib.C_GenerateKeyPairAsync(
        this.handle,
        { mechanism },
        publicTemplate,
        privateTemplate,
      );
      const id = new Uint8Array(input.id);
      return {
        privateKey: { handle: pair.privateKey, kind: "private", keyType, label: input.label, id },
        publicKey: { handle: pair.publicKey, kind: "public", keyType, label: input.label, id },
      };
    }, input.label);
  }

  /** Keys of one kind, all or those matching ref. */
  findKeys(kind: "private" | "public", ref?: KeyRef): Promise<TokenKey[]> {
    return this.run(() => this.findKeysNow(kind, ref), ref && describeKey(ref));
  }

  /** Exactly one key: pkcs11.key_not_found or pkcs11.key_ambiguous otherwise. */
  async findKey(kind: "private" | "public", ref: KeyRef): Promise<TokenKey> {
    const keys = await this.findKeys(kind, ref);
    const params = { token: this.token.label, key: describeKey(ref) };
    if (keys.length === 0)
      throw new DomainError("pkcs11.key_not_found", params, `no ${kind} key ${params.key}`);
    if (keys.length > 1) throw new DomainError("pkcs11.key_ambiguous", params);
    return keys[0]!;
  }

  /**
   * DER SubjectPublicKeyInfo of a key. For a private key it reads the public key object with the
   * same CKA_ID (EC private keys do not carry the point); an RSA private key carries its modulus.
   */
  publicKeySpki(key: TokenKey): Promise<Uint8Array> {
    return this.run(() => {
      let source = key;
      if (key.kind === "private") {
        const ref: KeyRef = key.id.length > 0 ? { id: key.id } : { label: key.label };
        const publics = this.findKeysNow("public", ref);
        if (publics.length === 1) source = publics[0]!;
        else if (key.keyType === "ec") {
          throw new DomainError("pkcs11.key_not_found", {
            token: this.token.label,
            key: `public key of ${describeKey(ref)}`,
          });
        }
      }
      return source.keyType === "rsa" ? this.rsaSpki(source.handle) : this.ecSpki(source.handle);
    }, key.label);
  }

  /**
   * Signs as the certificate's signatureAlgorithm says: sha256WithRSAEncryption via
   * CKM_SHA256_RSA_PKCS, or ecdsa-with-SHA256 by hashing here and signing with CKM_ECDSA (SoftHSM2,
   * like many devices, has no CKM_ECDSA_SHA256), the raw r||s then wrapped as DER.
   */
  sign(key: TokenKey, data: Uint8Array): Promise<Uint8Array> {
    return this.run(async () => {
      if (key.kind !== "private")
        throw new DomainError("pkcs11.key_function_not_permitted", this.params(key));
      const out = Buffer.alloc(SIGNATURE_BUFFER);
      if (key.keyType === "rsa") {
        this.lib.C_SignInit(this.handle, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key.handle);
        return new Uint8Array(await this.lib.C_SignAsync(this.handle, Buffer.from(data), out));
      }
      const digest = createHash("sha256").update(data).digest();
      this.lib.C_SignInit(this.handle, { mechanism: pkcs11js.CKM_ECDSA }, key.handle);
      return ecdsaRawToDer(await this.lib.C_SignAsync(this.handle, digest, out));
    }, key.label);
  }

  /**
   * A public X.509 certificate object with the attributes other PKCS#11 software looks for
   * (CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER); CKA_ID pairs it with its private key.
   */
  writeCertificate(input: WriteCertificateInput): Promise<TokenCertificate> {
    const cert = parseCertificate(input.der);
    const template: Template = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: false },
      { type: pkcs11js.CKA_LABEL, value: utf8(input.label) },
      { type: pkcs11js.CKA_ID, value: Buffer.from(input.id) },
      { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(cert.subjectDer) },
      { type: pkcs11js.CKA_ISSUER, value: Buffer.from(cert.issuerDer) },
      // DER INTEGER, tag included (PKCS#11 2.40 section 4.6.3)
      {
        type: pkcs11js.CKA_SERIAL_NUMBER,
        value: Buffer.from(tlv(TAG.INTEGER, serialToIntegerContent(cert.serialNumber))),
      },
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(cert.der) },
    ];
    return this.run(() => {
      const handle = this.lib.C_CreateObject(this.handle, template);
      return {
        handle,
        label: input.label,
        id: new Uint8Array(input.id),
        der: new Uint8Array(cert.der),
        subject: new Uint8Array(cert.subjectDer),
      };
    }, input.label);
  }

  /** X.509 certificates on the token, all or those matching ref (by CKA_LABEL or CKA_ID). */
  certificates(ref?: KeyRef): Promise<TokenCertificate[]> {
    return this.run(
      () => {
        const handles = this.findNow([
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
          { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
          ...refTemplate(ref),
        ]);
        return handles.map((handle) => {
          const [label, id, value, subject] = this.lib.C_GetAttributeValue(this.handle, handle, [
            { type: pkcs11js.CKA_LABEL },
            { type: pkcs11js.CKA_ID },
            { type: pkcs11js.CKA_VALUE },
            { type: pkcs11js.CKA_SUBJECT },
          ]);
          return {
            handle,
            label: label!.value.toString("utf8"),
            id: new Uint8Array(id!.value),
            der: new Uint8Array(value!.value),
            subject: new Uint8Array(subject!.value),
          };
        });
      },
      ref && describeKey(ref),
    );
  }

  /** A public CKO_DATA token object (PKCS#11 2.40 section 4.5). */
  writeData(input: { label: string; application: string; value: Uint8Array }): Promise<TokenDataObject> {
    const template: Template = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: false },
      { type: pkcs11js.CKA_LABEL, value: utf8(input.label) },
      { type: pkcs11js.CKA_APPLICATION, value: utf8(input.application) },
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(input.value) },
    ];
    return this.run(() => {
      const handle = this.lib.C_CreateObject(this.handle, template);
      return {
        handle,
        label: input.label,
        application: input.application,
        value: new Uint8Array(input.value),
      };
    }, input.label);
  }

  /** CKO_DATA objects this session can see, all or those with the label. */
  dataObjects(label?: string): Promise<TokenDataObject[]> {
    return this.run(() => {
      const handles = this.findNow([
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
        ...(label === undefined ? [] : [{ type: pkcs11js.CKA_LABEL, value: utf8(label) }]),
      ]);
      return handles.map((handle) => {
        const [l, application, value] = this.lib.C_GetAttributeValue(this.handle, handle, [
          { type: pkcs11js.CKA_LABEL },
          { type: pkcs11js.CKA_APPLICATION },
          { type: pkcs11js.CKA_VALUE },
        ]);
        return {
          handle,
          label: l!.value.toString("utf8"),
          application: application!.value.toString("utf8"),
          value: new Uint8Array(value!.value),
        };
      });
    }, label);
  }

  destroy(object: { handle: Pkcs11Handle; label?: string }): Promise<void> {
    return this.run(() => this.lib.C_DestroyObject(this.handle, object.handle), object.label);
  }

  /** Waits for queued calls, then closes. Idempotent. Does not log out (see login). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    if (this.closed) return;
    this.closed = true;
    try {
      this.lib.C_CloseSession(this.handle);
    } catch {
      // the token was removed or the library finalised: the session is gone either way
    } finally {
      this.onClose();
    }
  }

  // -- synchronous helpers, only ever called inside run()

  private params(key: TokenKey): { token: string; key: string } {
    return { token: this.token.label, key: key.label };
  }

  private findNow(template: Template): Pkcs11Handle[] {
    this.lib.C_FindObjectsInit(this.handle, template);
    try {
      const found: Pkcs11Handle[] = [];
      for (;;) {
        const batch = this.lib.C_FindObjects(this.handle, 64);
        if (batch.length === 0) return found;
        found.push(...batch);
      }
    } finally {
      this.lib.C_FindObjectsFinal(this.handle);
    }
  }

  private findKeysNow(kind: "private" | "public", ref?: KeyRef): TokenKey[] {
    const cls = kind === "private" ? pkcs11js.CKO_PRIVATE_KEY : pkcs11js.CKO_PUBLIC_KEY;
    const keys: TokenKey[] = [];
    for (const handle of this.findNow([{ type: pkcs11js.CKA_CLASS, value: cls }, ...refTemplate(ref)])) {
      const [label, id, type] = this.lib.C_GetAttributeValue(this.handle, handle, [
        { type: pkcs11js.CKA_LABEL },
        { type: pkcs11js.CKA_ID },
        { type: pkcs11js.CKA_KEY_TYPE },
      ]);
      const keyType = ulong(type!.value);
      // Other key types (DSA, GOST, vendor SM2) may share the token; certdesk cannot use them.
      if (keyType !== pkcs11js.CKK_RSA && keyType !== pkcs11js.CKK_EC) continue;
      keys.push({
        handle,
        kind,
        keyType: keyType === pkcs11js.CKK_RSA ? "rsa" : "ec",
        label: label!.value.toString("utf8"),
        id: new Uint8Array(id!.value),
      });
    }
    return keys;
  }

  private rsaSpki(handle: Pkcs11Handle): Uint8Array {
    const [n, e] = this.lib.C_GetAttributeValue(this.handle, handle, [
      { type: pkcs11js.CKA_MODULUS },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT },
    ]);
    const jwk = { kty: "RSA", n: n!.value.toString("base64url"), e: e!.value.toString("base64url") };
    return new Uint8Array(
      createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "der" }),
    );
  }

  private ecSpki(handle: Pkcs11Handle): Uint8Array {
    const [params, point] = this.lib.C_GetAttributeValue(this.handle, handle, [
      { type: pkcs11js.CKA_EC_PARAMS },
      { type: pkcs11js.CKA_EC_POINT },
    ]);
    if (!params!.value.equals(P256_PARAMS)) {
      throw new DomainError("pkcs11.key_algorithm_unsupported", {
        token: this.token.label,
        algorithm: `EC ${params!.value.toString("hex")}`,
      });
    }
    return sequence(sequence(oid(OID.ecPublicKey), P256_PARAMS), bitString(ecPoint(point!.value)));
  }
}

function refTemplate(ref: KeyRef | undefined): Template {
  if (!ref) return [];
  return "label" in ref
    ? [{ type: pkcs11js.CKA_LABEL, value: utf8(ref.label) }]
    : [{ type: pkcs11js.CKA_ID, value: Buffer.from(ref.id) }];
}
