/**
 * A software USB key: one JSON file that behaves like a real key where SoftHSM2 does not.
 *
 * - Private keys are encrypted (AES-256-GCM) under a random data key (DEK); the DEK is wrapped under
 *   the user PIN (scrypt, as src/pki/key-vault.ts seals CA keys) and, separately, for the SO. A wrong
 *   PIN fails the GCM tag and reveals nothing.
 * - The user PIN and the SO have retry counters with the programme's limits. A counter is decremented
 *   and the file written (fsync) BEFORE the PIN is checked, so a crash during the check cannot give a
 *   free try; a right PIN resets it; at 0 the PIN is locked.
 * - The default-PIN flag marks a published PIN (programme B ships 123456) until it is changed.
 * - SM2 key pairs sign with the standard signer ID (GM/T 0009), like the SKF keys of Chinese CAs.
 * - SO authentication is challenge-response, so that the SO PIN never leaves the server. The key
 *   holds only the SO *public* key, an X25519 key derived from the SO PIN (and the serial), and the
 *   DEK wrapped to it (ephemeral-static ECDH: the key can wrap to the SO without any SO secret). To
 *   unblock, the key makes a challenge: a nonce, the wrap's ephemeral public key E and a one-time
 *   public key T whose private half it keeps. The server derives the SO private key from the SO PIN
 *   it holds, computes the wrap key from E and returns it encrypted to T, bound to the nonce and the
 *   purpose. Only the key that made the challenge can read the response, only the SO can make one
 *   that opens the wrap, and the key re-wraps the DEK to a fresh ephemeral after every use, so an
 *   old response opens nothing.
 * - Tampering: the whole file carries an integrity MAC (catches corruption and edits by hand; it is
 *   keyed from the serial, so it cannot stop someone who runs this code), and everything but the
 *   counters and the pending challenge carries a MAC under the DEK, checked at every login: a
 *   change made without the PIN (a label, a retry limit, a swapped key pair or certificate) is
 *   detected then.
 *
 * What a file cannot do, unlike a key's secure element: stop a copy of the file from being attacked
 * offline. The retry counter only binds software that honours it; a 6-digit PIN under scrypt holds
 * for hours, not years. That is why real keys are hardware and why the desk never ships this model
 * as the product: it is the reference the client, the agent and the tests run against.
 *
 * Writes are atomic (temporary file, fsync, rename, fsync of the folder) and serialised between
 * processes by a lock file next to the key.
 */
import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes as nodeRandomBytes,
  timingSafeEqual,
} from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { x25519 } from "@noble/curves/ed25519.js";
import { DomainError } from "../domain/errors.js";
import { softwareSigner, sm2Signer } from "../pki/signer.js";
import type { Signer } from "../pki/signer.js";
import {
  generateSm2KeyPair,
  sm2PrivateKeyFromPkcs8,
  sm2PrivateKeyToPkcs8,
  sm2PublicKeyToSpki,
} from "../pki/sm2.js";
import type {
  DataObject,
  InitialiseInput,
  KeyPairInfo,
  SoPurpose,
  StoredCertificate,
  UsbKey,
  UsbKeyAlgorithm,
  UsbKeyInfo,
  UsbKeySession,
} from "./port.js";
import { checkNewPin, PIN_PATTERN } from "./port.js";
import {
  type RandomBytes,
  FORMAT,
  SCRYPT,
  type Sealed,
  fileSchema,
  type KeyFile,
  type Body,
  toB64,
  fromB64,
  integrityOf,
  subkey,
  authMacOf,
  seal,
  open,
  scrypt,
  soPrivateKey,
  soPublicKey,
  wrapKey,
  responseKey,
  wrapAad,
  responseAad,
  wrapForSo,
  decodeJson,
  encodeJson,
  responseSchema,
  userAad,
  privateKeyAad,
  soFailure,
} from "./software-key-format.js";
import { writeAtomic, withFileLock } from "./file-lock.js";

// ---------------------------------------------------------------------------------------------
// The key

export interface SoftwareKeyOptions {
  random?: RandomBytes;
  /** scrypt cost for the user PIN wrap; tests may lower N */
  scrypt?: { N: number; r: number; p: number };
}

/** Checks a label as PKCS#11 tokens take it: 1 to 32 bytes of UTF-8. */
export function checkLabel(label: string): void {
  const length = Buffer.byteLength(label, "utf8");
  if (label.trim() === "" || length > 32) throw new DomainError("token.label_invalid", { label });
}

const checkId = (id: string): void => {
  if (!/^[0-9a-f]{2,64}$/.test(id)) throw new DomainError("token.key_id_invalid", { id });
};

export class SoftwareKey implements UsbKey {
  private readonly random: RandomBytes;
  private readonly scryptParams: { N: number; r: number; p: number };

  private constructor(
    readonly path: string,
    options: SoftwareKeyOptions,
  ) {
    this.random = options.random ?? ((n) => new Uint8Array(nodeRandomBytes(n)));
    this.scryptParams = options.scrypt ?? SCRYPT;
  }

  /** A blank key, as it comes from the factory: a serial and nothing else. Refuses an existing file. */
  static create(path: string, options: SoftwareKeyOptions & { serial?: string } = {}): SoftwareKey {
    const key = new SoftwareKey(path, options);
    const serial = options.serial ?? Buffer.from(key.random(8)).toString("hex").toUpperCase();
    const body: Body = {
      format: FORMAT,
      version: 1,
      serial,
      manufacturer: "certdesk",
      model: "software key",
      label: "",
      initialised: false,
      keyPairs: [],
      certificates: [],
      objects: [],
    };
    fileSchema.parse({ ...body, integrity: "" });
    if (existsSync(path)) throw new DomainError("token.file_exists", { path });
    writeAtomic(path, JSON.stringify({ ...body, integrity: integrityOf(body) }, null, 2));
    return key;
  }

  /** Opens a key file; it is read afresh for every operation. */
  static open(path: string, options: SoftwareKeyOptions = {}): SoftwareKey {
    const key = new SoftwareKey(path, options);
    key.read();
    return key;
  }

  read(): Body {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (e) {
      const code =
        (e as NodeJS.ErrnoException).code === "ENOENT" ? "token.not_present" : "token.file_unreadable";
      throw new DomainError(code, { path: this.path });
    }
    let file: KeyFile;
    try {
      file = fileSchema.parse(JSON.parse(text));
    } catch {
      throw new DomainError("token.tampered", { path: this.path });
    }
    const { integrity, ...body } = file;
    const expected = Buffer.from(integrityOf(body), "base64");
    const given = Buffer.from(integrity, "base64");
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new DomainError("token.tampered", { path: this.path });
    return body;
  }

  private write(body: Body): void {
    writeAtomic(this.path, JSON.stringify({ ...body, integrity: integrityOf(body) }, null, 2));
  }

  private update<T>(fn: (body: Body) => Promise<{ body?: Body; result: T }>): Promise<T> {
    return withFileLock(this.path, async () => {
      const { body, result } = await fn(this.read());
      if (body) this.write(body);
      return result;
    });
  }

  async info(): Promise<UsbKeyInfo> {
    const b = this.read();
    return {
      kind: "software",
      serial: b.serial,
      label: b.label,
      manufacturer: b.manufacturer,
      model: b.model,
      initialised: b.initialised,
      user: {
        retriesLeft: b.user?.retriesLeft,
        maxRetries: b.user?.maxRetries,
        locked: b.user?.retriesLeft === 0,
      },
      so: { retriesLeft: b.so?.retriesLeft, maxRetries: b.so?.maxRetries, locked: b.so?.retriesLeft === 0 },
      defaultPin: b.user?.defaultPin ?? false,
      ...(b.initialised ? { useCounter: b.useCounter ?? 0 } : {}),
      algorithms: ["sm2", "ecdsa-p256", "rsa-2048"],
      unblock: "challenge-response",
    };
  }

  async initialise(input: InitialiseInput): Promise<UsbKeyInfo> {
    checkLabel(input.label);
    if (!PIN_PATTERN.test(input.userPin)) throw new DomainError("token.pin_format");
    if (input.soPin.length < 8) throw new DomainError("token.so_pin_format");
    await this.update(async (b) => {
      // Like C_InitToken: a key already in use is erased only with its SO PIN.
      if (b.initialised && b.so) {
        if (b.so.retriesLeft === 0) throw new DomainError("token.so_locked", { serial: b.serial });
        const tried = { ...b, so: { ...b.so, retriesLeft: b.so.retriesLeft - 1 } };
        this.write(tried);
        if (toB64(soPublicKey(input.soPin, b.serial)) !== b.so.publicKey)
          throw soFailure(tried.so.retriesLeft, b.serial);
      }
      const dek = this.random(32);
      const salt = Buffer.from(this.random(16));
      const userKey = await scrypt(input.userPin, salt, this.scryptParams);
      const soPub = soPublicKey(input.soPin, b.serial);
      const body: Body = {
        format: FORMAT,
        version: 1,
        serial: b.serial,
        manufacturer: b.manufacturer,
        model: b.model,
        label: input.label,
        initialised: true,
        user: {
          maxRetries: input.userPinRetries,
          retriesLeft: input.userPinRetries,
          defaultPin: input.defaultPin,
          kdf: { salt: toB64(salt), ...this.scryptParams },
          wrap: seal(userKey, dek, userAad(b.serial), this.random),
        },
        so: {
          maxRetries: input.soPinRetries,
          retriesLeft: input.soPinRetries,
          publicKey: toB64(soPub),
          wrap: wrapForSo(dek, b.serial, soPub, this.random),
        },
        keyPairs: [],
        certificates: [],
        objects: [],
      };
      return { body: { ...body, authMac: authMacOf(dek, body) }, result: undefined };
    });
    return this.info();
  }

  /**
   * Checks the PIN: the counter goes down and is on disk before the check; a right PIN puts it back.
   * Returns the DEK and the body as it is after the reset.
   */
  private async checkPin(b: Body, pin: string): Promise<{ dek: Buffer; body: Body }> {
    if (!b.initialised || !b.user || !b.so)
      throw new DomainError("token.not_initialised", { serial: b.serial });
    if (b.user.retriesLeft === 0) throw new DomainError("token.pin_locked", { serial: b.serial });
    const tried: Body = { ...b, user: { ...b.user, retriesLeft: b.user.retriesLeft - 1 } };
    this.write(tried);
    const userKey = await scrypt(pin, fromB64(b.user.kdf.salt), b.user.kdf);
    const dek = open(userKey, b.user.wrap, userAad(b.serial));
    if (!dek) {
      const left = tried.user!.retriesLeft;
      if (left === 0) throw new DomainError("token.pin_locked", { serial: b.serial });
      throw new DomainError("token.pin_incorrect", { remaining: left });
    }
    this.checkAuthMac(dek, b);
    return { dek, body: { ...b, user: { ...b.user, retriesLeft: b.user.maxRetries } } };
  }

  private checkAuthMac(dek: Uint8Array, b: Body): void {
    const expected = Buffer.from(authMacOf(dek, b), "base64");
    const given = Buffer.from(b.authMac ?? "", "base64");
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new DomainError("token.tampered", { path: this.path });
  }

  async login(pin: string): Promise<UsbKeySession> {
    const dek = await this.update(async (b) => {
      const checked = await this.checkPin(b, pin);
      // Every login counts: a copy of the file falls behind the original the desk has seen.
      const body: Body = { ...checked.body, useCounter: (b.useCounter ?? 0) + 1 };
      return { body: { ...body, authMac: authMacOf(checked.dek, body) }, result: checked.dek };
    });
    return new SoftwareKeySession(this, dek);
  }

  async changePin(oldPin: string, newPin: string): Promise<void> {
    const problem = checkNewPin(newPin, { old: oldPin });
    if (problem) throw new DomainError(problem);
    await this.update(async (b) => {
      const { dek, body } = await this.checkPin(b, oldPin);
      return { body: await this.withUserPin(body, dek, newPin, false), result: undefined };
    });
  }

  private async withUserPin(b: Body, dek: Uint8Array, pin: string, defaultPin: boolean): Promise<Body> {
    const salt = Buffer.from(this.random(16));
    const userKey = await scrypt(pin, salt, this.scryptParams);
    const body: Body = {
      ...b,
      user: {
        maxRetries: b.user!.maxRetries,
        retriesLeft: b.user!.maxRetries,
        defaultPin,
        kdf: { salt: toB64(salt), ...this.scryptParams },
        wrap: seal(userKey, dek, userAad(b.serial), this.random),
      },
    };
    return { ...body, authMac: authMacOf(dek, body) };
  }

  async certificates(): Promise<StoredCertificate[]> {
    return this.read().certificates.map((c) => ({ id: c.id, label: c.label, der: fromB64(c.der) }));
  }

  async objects(): Promise<DataObject[]> {
    return this.read().objects.map((o) => ({ label: o.label, value: fromB64(o.value) }));
  }

  async soChallenge(purpose: SoPurpose): Promise<string> {
    return this.update(async (b) => {
      if (!b.initialised || !b.so) throw new DomainError("token.not_initialised", { serial: b.serial });
      if (b.so.retriesLeft === 0) throw new DomainError("token.so_locked", { serial: b.serial });
      const secret = this.random(32);
      const nonce = this.random(16);
      const challenge = encodeJson({
        v: 1,
        serial: b.serial,
        purpose,
        nonce: toB64(nonce),
        E: b.so.wrap.ephemeral,
        T: toB64(x25519.getPublicKey(secret)),
      });
      // A new challenge replaces the last: only the newest response is accepted.
      return {
        body: { ...b, challenge: { purpose, nonce: toB64(nonce), secret: toB64(secret) } },
        result: challenge,
      };
    });
  }

  /**
   * Opens the DEK with the server's response to the pending challenge. The SO counter goes down
   * first (on disk); the challenge is spent either way.
   */
  private openWithResponse(b: Body, response: string, purpose: SoPurpose): { dek: Buffer; body: Body } {
    if (!b.initialised || !b.so) throw new DomainError("token.not_initialised", { serial: b.serial });
    if (b.so.retriesLeft === 0) throw new DomainError("token.so_locked", { serial: b.serial });
    const pending = b.challenge;
    if (!pending || pending.purpose !== purpose) throw new DomainError("token.no_challenge", { purpose });
    const tried: Body = { ...b, challenge: undefined, so: { ...b.so, retriesLeft: b.so.retriesLeft - 1 } };
    this.write(tried);
    const r = decodeJson(response, responseSchema, "token.response_invalid");
    const soPub = fromB64(b.so.publicKey);
    let dek: Buffer | undefined;
    try {
      const sharedT = x25519.getSharedSecret(fromB64(pending.secret), soPub);
      const key = open(
        responseKey(sharedT, fromB64(pending.nonce)),
        r,
        responseAad(b.serial, pending.nonce, purpose),
      );
      dek = key && open(key, b.so.wrap, wrapAad(b.serial));
    } catch {
      dek = undefined;
    }
    if (!dek) throw soFailure(tried.so!.retriesLeft, b.serial);
    const body: Body = {
      ...tried,
      // The used wrap is replaced: the response just used opens nothing any more.
      so: { ...b.so, retriesLeft: b.so.maxRetries, wrap: wrapForSo(dek, b.serial, soPub, this.random) },
    };
    return { dek, body };
  }

  async unblock(response: string, newPin: string): Promise<void> {
    const problem = checkNewPin(newPin, {});
    if (problem) throw new DomainError(problem);
    await this.update(async (b) => {
      const { dek, body } = this.openWithResponse(b, response, "unblock");
      this.checkAuthMac(dek, b);
      return { body: await this.withUserPin(body, dek, newPin, false), result: undefined };
    });
  }

  async format(response: string, input: { userPin: string; defaultPin: boolean }): Promise<void> {
    if (!PIN_PATTERN.test(input.userPin)) throw new DomainError("token.pin_format");
    await this.update(async (b) => {
      const { body } = this.openWithResponse(b, response, "format");
      // A new DEK: whatever the old one opened is gone for good.
      const dek = this.random(32);
      const soPub = fromB64(b.so!.publicKey);
      const wiped: Body = {
        ...body,
        so: { ...body.so!, wrap: wrapForSo(dek, b.serial, soPub, this.random) },
        keyPairs: [],
        certificates: [],
        objects: [],
      };
      return { body: await this.withUserPin(wiped, dek, input.userPin, input.defaultPin), result: undefined };
    });
  }

  async resetUserPinWithSoPin(
    soPin: string,
    newPin: string,
    options: { defaultPin: boolean },
  ): Promise<void> {
    if (!PIN_PATTERN.test(newPin)) throw new DomainError("token.pin_format");
    await this.update(async (b) => {
      if (!b.initialised || !b.so) throw new DomainError("token.not_initialised", { serial: b.serial });
      if (b.so.retriesLeft === 0) throw new DomainError("token.so_locked", { serial: b.serial });
      const tried: Body = { ...b, so: { ...b.so, retriesLeft: b.so.retriesLeft - 1 } };
      this.write(tried);
      const so = soPrivateKey(soPin, b.serial);
      const soPub = fromB64(b.so.publicKey);
      if (Buffer.compare(x25519.getPublicKey(so), soPub) !== 0)
        throw soFailure(tried.so!.retriesLeft, b.serial);
      const E = fromB64(b.so.wrap.ephemeral);
      const dek = open(wrapKey(x25519.getSharedSecret(so, E), E, soPub), b.so.wrap, wrapAad(b.serial));
      if (!dek) throw new DomainError("token.tampered", { path: this.path });
      this.checkAuthMac(dek, b);
      const body: Body = {
        ...tried,
        so: { ...b.so, retriesLeft: b.so.maxRetries, wrap: wrapForSo(dek, b.serial, soPub, this.random) },
      };
      return { body: await this.withUserPin(body, dek, newPin, options.defaultPin), result: undefined };
    });
  }

  async close(): Promise<void> {}

  // -- for the session

  /** Read-modify-write under the DEK: the file must still be the one this login opened. */
  mutate(dek: Uint8Array, change: (b: Body) => Body): Promise<void> {
    return this.update(async (b) => {
      this.checkAuthMac(dek, b);
      const body = change(b);
      return { body: { ...body, authMac: authMacOf(dek, body) }, result: undefined };
    });
  }

  sealPrivateKey(dek: Uint8Array, serial: string, id: string, pkcs8: Uint8Array): Sealed {
    return seal(subkey(dek, "objects"), pkcs8, privateKeyAad(serial, id), this.random);
  }

  openPrivateKey(dek: Uint8Array, serial: string, id: string, sealed: Sealed): Buffer {
    const pkcs8 = open(subkey(dek, "objects"), sealed, privateKeyAad(serial, id));
    if (!pkcs8) throw new DomainError("token.tampered", { path: this.path });
    return pkcs8;
  }
}

function generate(algorithm: UsbKeyAlgorithm): { pkcs8: Uint8Array; spki: Uint8Array } {
  if (algorithm === "sm2") {
    const pair = generateSm2KeyPair();
    return { pkcs8: sm2PrivateKeyToPkcs8(pair), spki: sm2PublicKeyToSpki(pair.publicKey) };
  }
  const { privateKey, publicKey } =
    algorithm === "rsa-2048"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    pkcs8: new Uint8Array(privateKey.export({ format: "der", type: "pkcs8" })),
    spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
  };
}

class SoftwareKeySession implements UsbKeySession {
  private dek: Buffer | undefined;

  constructor(
    private readonly key: SoftwareKey,
    dek: Buffer,
  ) {
    this.dek = dek;
  }

  private get open(): Buffer {
    if (!this.dek) throw new DomainError("token.session_closed");
    return this.dek;
  }

  private assertOpen(): void {
    if (!this.dek) throw new DomainError("token.session_closed");
  }

  async generateKeyPair(input: {
    algorithm: UsbKeyAlgorithm;
    label: string;
    id: string;
  }): Promise<KeyPairInfo> {
    checkId(input.id);
    const dek = this.open;
    const { pkcs8, spki } = generate(input.algorithm);
    await this.key.mutate(dek, (b) => {
      if (b.keyPairs.some((k) => k.id === input.id))
        throw new DomainError("token.key_id_taken", { id: input.id });
      return {
        ...b,
        keyPairs: [
          ...b.keyPairs,
          {
            id: input.id,
            label: input.label,
            algorithm: input.algorithm,
            publicKey: toB64(spki),
            privateKey: this.key.sealPrivateKey(dek, b.serial, input.id, pkcs8),
          },
        ],
      };
    });
    pkcs8.fill(0);
    return { id: input.id, label: input.label, algorithm: input.algorithm, publicKeySpki: spki };
  }

  async keyPairs(): Promise<KeyPairInfo[]> {
    this.assertOpen();
    return this.key.read().keyPairs.map((k) => ({
      id: k.id,
      label: k.label,
      algorithm: k.algorithm,
      publicKeySpki: new Uint8Array(fromB64(k.publicKey)),
    }));
  }

  async signer(id: string): Promise<Signer> {
    const dek = this.open;
    const b = this.key.read();
    const k = b.keyPairs.find((p) => p.id === id);
    if (!k) throw new DomainError("token.key_not_found", { id });
    const pkcs8 = this.key.openPrivateKey(dek, b.serial, id, k.privateKey);
    try {
      if (k.algorithm === "sm2") return sm2Signer(sm2PrivateKeyFromPkcs8(pkcs8));
      return softwareSigner(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }));
    } finally {
      pkcs8.fill(0);
    }
  }

  async deleteKeyPair(id: string): Promise<void> {
    await this.key.mutate(this.open, (b) => ({ ...b, keyPairs: b.keyPairs.filter((k) => k.id !== id) }));
  }

  async writeCertificate(input: StoredCertificate): Promise<void> {
    checkId(input.id);
    await this.key.mutate(this.open, (b) => ({
      ...b,
      certificates: [
        ...b.certificates.filter((c) => c.id !== input.id),
        { id: input.id, label: input.label, der: toB64(input.der) },
      ],
    }));
  }

  async deleteCertificate(id: string): Promise<void> {
    await this.key.mutate(this.open, (b) => ({
      ...b,
      certificates: b.certificates.filter((c) => c.id !== id),
    }));
  }

  async writeObject(object: DataObject): Promise<void> {
    await this.key.mutate(this.open, (b) => ({
      ...b,
      objects: [
        ...b.objects.filter((o) => o.label !== object.label),
        { label: object.label, value: toB64(object.value) },
      ],
    }));
  }

  async deleteObject(label: string): Promise<void> {
    await this.key.mutate(this.open, (b) => ({ ...b, objects: b.objects.filter((o) => o.label !== label) }));
  }

  async close(): Promise<void> {
    this.dek?.fill(0);
    this.dek = undefined;
  }
}
