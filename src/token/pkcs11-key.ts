/**
 * The USB key port over a PKCS#11 token: a vendor's module and a real USB key, or SoftHSM2 in CI.
 * The token is named by its serial once known (slot ids move: SoftHSM2 renumbers them after
 * C_InitToken, a replugged reader gets a new one).
 *
 * What PKCS#11 cannot give, and how this adapter copes (see also the header of pkcs11.ts):
 * - retry counters: only the flags CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED; a wrong PIN says
 *   "one try left" or "locked" when the device says so, else that the count is unknown;
 * - the default-PIN flag: CKF_USER_PIN_TO_BE_CHANGED is set by the device, never by an application,
 *   so certdesk also keeps a public marker object (certdesk.default-pin) while the PIN is a
 *   published one, removed by change-pin;
 * - SO challenge-response: not in the standard (vendors have their own, e.g. PIV's admin key or
 *   SKF's UnblockPIN with a device authentication key), so unblock and format need the SO PIN and
 *   happen at the service centre; the client refuses them with token.unblock_unsupported;
 * - SM2: no key type or mechanism in PKCS#11 2.40; RSA-2048 and ECDSA P-256 here.
 *
 * A login here really checks the PIN (loginChecked) and every session logs out when it closes: a
 * long-running agent must not keep a process-wide login that lets a later wrong PIN through.
 */
import { DomainError, isDomainError } from "../domain/errors.js";
import { signatureAlgorithm } from "../pki/signer.js";
import type { Signer } from "../pki/signer.js";
import { Pkcs11Module } from "./pkcs11-module.js";
import type { Pkcs11Session } from "./pkcs11.js";
import type { TokenInfo, TokenKey, TokenSelector } from "./pkcs11-types.js";
import { checkNewPin, OBJECT_LABELS, PIN_PATTERN } from "./port.js";
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

const APPLICATION = "certdesk";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const fromHex = (id: string): Uint8Array => {
  if (!/^[0-9a-f]{2,64}$/.test(id)) throw new DomainError("token.key_id_invalid", { id });
  return new Uint8Array(Buffer.from(id, "hex"));
};

export class Pkcs11UsbKey implements UsbKey {
  private selector: TokenSelector;
  /** A blank token found by slot (before C_InitToken it has no label and often no serial). */
  private blank: TokenInfo | undefined;

  private constructor(
    private readonly module: Pkcs11Module,
    token: TokenInfo,
  ) {
    this.selector = { serial: token.serial };
    this.blank = token.flags.initialized ? undefined : token;
  }

  /** The token with that label or serial on the module. */
  static open(modulePath: string, selector: TokenSelector): Pkcs11UsbKey {
    const module = Pkcs11Module.open(modulePath);
    try {
      return new Pkcs11UsbKey(module, module.findToken(selector));
    } catch (e) {
      void module.close();
      throw e;
    }
  }

  /** Every token present on the module, blank ones included (production takes those). */
  static all(modulePath: string): { keys: Pkcs11UsbKey[]; close(): Promise<void> } {
    const module = Pkcs11Module.open(modulePath);
    return { keys: module.tokens().map((t) => new Pkcs11UsbKey(module, t)), close: () => module.close() };
  }

  private token(): TokenInfo {
    if (this.blank) {
      const same = this.module.tokens().find((t) => Buffer.compare(t.slot, this.blank!.slot) === 0);
      if (!same) throw new DomainError("token.not_found", { token: this.blank.slotDescription });
      return same;
    }
    return this.module.findToken(this.selector);
  }

  private describe(): string {
    return "serial" in this.selector ? this.selector.serial : this.selector.label;
  }

  private async withSession<T>(
    options: { readWrite?: boolean; login?: { pin: string; user: "user" | "so" } },
    fn: (session: Pkcs11Session) => Promise<T>,
  ): Promise<T> {
    const session = this.module.openSession(this.selector, { readWrite: options.readWrite ?? false });
    try {
      if (options.login) await this.checkedLogin(session, options.login.pin, options.login.user);
      return await fn(session);
    } finally {
      if (options.login) await session.logoutIfLoggedIn().catch(() => undefined);
      await session.close();
    }
  }

  /** Logs in, turning a wrong PIN into what the device says about the tries left. */
  private async checkedLogin(session: Pkcs11Session, pin: string, user: "user" | "so"): Promise<void> {
    try {
      await session.loginChecked(pin, user);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      if (e.code === "pkcs11.pin_locked")
        throw new DomainError(user === "so" ? "token.so_locked" : "token.pin_locked", {
          serial: this.describe(),
        });
      if (e.code === "pkcs11.pin_incorrect" || e.code === "pkcs11.pin_invalid") {
        const flags = this.token().flags;
        if (user === "so")
          throw new DomainError("token.so_auth_failed", { remaining: flags.soPinFinalTry ? 1 : "?" });
        if (flags.userPinLocked) throw new DomainError("token.pin_locked", { serial: this.describe() });
        if (flags.userPinFinalTry) throw new DomainError("token.pin_final_try");
        throw new DomainError("token.pin_incorrect_unknown");
      }
      throw e;
    }
  }

  async info(): Promise<UsbKeyInfo> {
    const t = this.token();
    const f = t.flags;
    let marker = false;
    if (f.initialized) {
      marker = await this.withSession(
        {},
        async (s) => (await s.dataObjects(OBJECT_LABELS.defaultPin)).length > 0,
      );
    }
    return {
      kind: "pkcs11",
      serial: t.serial,
      label: t.label,
      manufacturer: t.manufacturer,
      model: t.model,
      initialised: f.initialized && f.userPinInitialized,
      user: {
        retriesLeft: f.userPinLocked ? 0 : f.userPinFinalTry ? 1 : undefined,
        maxRetries: undefined,
        locked: f.userPinLocked,
      },
      so: {
        retriesLeft: f.soPinLocked ? 0 : f.soPinFinalTry ? 1 : undefined,
        maxRetries: undefined,
        locked: f.soPinLocked,
      },
      defaultPin: f.userPinToBeChanged || marker,
      algorithms: ["ecdsa-p256", "rsa-2048"],
      unblock: "service-centre",
    };
  }

  /**
   * C_InitToken (erases the token; a token in use needs its current SO PIN, which a blank one takes
   * as set), then C_InitPIN in an SO session. The device keeps its own retry limits.
   */
  async initialise(input: InitialiseInput): Promise<UsbKeyInfo> {
    if (!PIN_PATTERN.test(input.userPin)) throw new DomainError("token.pin_format");
    const after = this.module.initToken(this.token(), { soPin: input.soPin, label: input.label });
    this.selector = { serial: after.serial };
    this.blank = undefined;
    await this.withSession({ readWrite: true, login: { pin: input.soPin, user: "so" } }, (s) =>
      s.initUserPin(input.userPin),
    );
    if (input.defaultPin) await this.setDefaultMarker(input.userPin, true);
    return this.info();
  }

  private async setDefaultMarker(userPin: string, on: boolean): Promise<void> {
    await this.withSession({ readWrite: true, login: { pin: userPin, user: "user" } }, async (s) => {
      for (const o of await s.dataObjects(OBJECT_LABELS.defaultPin)) await s.destroy(o);
      if (on)
        await s.writeData({
          label: OBJECT_LABELS.defaultPin,
          application: APPLICATION,
          value: new Uint8Array([1]),
        });
    });
  }

  async login(pin: string): Promise<UsbKeySession> {
    const session = this.module.openSession(this.selector, { readWrite: true });
    try {
      await this.checkedLogin(session, pin, "user");
    } catch (e) {
      await session.close();
      throw e;
    }
    return new Pkcs11KeySession(session);
  }

  async changePin(oldPin: string, newPin: string): Promise<void> {
    const problem = checkNewPin(newPin, { old: oldPin });
    if (problem) throw new DomainError(problem);
    await this.withSession({ readWrite: true, login: { pin: oldPin, user: "user" } }, async (s) => {
      await s.changePin(oldPin, newPin);
      for (const o of await s.dataObjects(OBJECT_LABELS.defaultPin)) await s.destroy(o);
    });
  }

  async certificates(): Promise<StoredCertificate[]> {
    return this.withSession({}, async (s) =>
      (await s.certificates()).map((c) => ({ id: hex(c.id), label: c.label, der: c.der })),
    );
  }

  async objects(): Promise<DataObject[]> {
    return this.withSession({}, async (s) =>
      (await s.dataObjects())
        .filter((o) => o.application === APPLICATION)
        .map((o) => ({ label: o.label, value: o.value })),
    );
  }

  async soChallenge(purpose: SoPurpose): Promise<string> {
    throw new DomainError(purpose === "format" ? "token.format_unsupported" : "token.unblock_unsupported");
  }

  async unblock(): Promise<void> {
    throw new DomainError("token.unblock_unsupported");
  }

  async format(_response: string, _input: { userPin: string; defaultPin: boolean }): Promise<void> {
    throw new DomainError("token.format_unsupported");
  }

  /** C_InitPIN in an SO session: the service centre's unblock, with the SO PIN from the desk's store. */
  async resetUserPinWithSoPin(
    soPin: string,
    newPin: string,
    options: { defaultPin: boolean },
  ): Promise<void> {
    if (!PIN_PATTERN.test(newPin)) throw new DomainError("token.pin_format");
    await this.withSession({ readWrite: true, login: { pin: soPin, user: "so" } }, (s) =>
      s.initUserPin(newPin),
    );
    await this.setDefaultMarker(newPin, options.defaultPin);
  }

  close(): Promise<void> {
    return this.module.close();
  }
}

function algorithmOf(key: TokenKey): UsbKeyAlgorithm {
  return key.keyType === "rsa" ? "rsa-2048" : "ecdsa-p256";
}

class Pkcs11KeySession implements UsbKeySession {
  constructor(private readonly session: Pkcs11Session) {}

  async generateKeyPair(input: {
    algorithm: UsbKeyAlgorithm;
    label: string;
    id: string;
  }): Promise<KeyPairInfo> {
    if (input.algorithm === "sm2") throw new DomainError("token.algorithm_unsupported", { algorithm: "SM2" });
    const id = fromHex(input.id);
    if ((await this.session.findKeys("private", { id })).length > 0)
      throw new DomainError("token.key_id_taken", { id: input.id });
    const { privateKey } = await this.session.generateKeyPair({
      algorithm: input.algorithm,
      label: input.label,
      id,
    });
    return {
      id: input.id,
      label: input.label,
      algorithm: input.algorithm,
      publicKeySpki: await this.session.publicKeySpki(privateKey),
    };
  }

  async keyPairs(): Promise<KeyPairInfo[]> {
    const out: KeyPairInfo[] = [];
    for (const key of await this.session.findKeys("private")) {
      out.push({
        id: hex(key.id),
        label: key.label,
        algorithm: algorithmOf(key),
        publicKeySpki: await this.session.publicKeySpki(key),
      });
    }
    return out;
  }

  private async privateKey(id: string): Promise<TokenKey> {
    const keys = await this.session.findKeys("private", { id: fromHex(id) });
    if (keys.length !== 1) throw new DomainError("token.key_not_found", { id });
    return keys[0]!;
  }

  async signer(id: string): Promise<Signer> {
    const key = await this.privateKey(id);
    return {
      algorithm: signatureAlgorithm(key.keyType === "rsa" ? "rsa" : "ecdsa-p256"),
      publicKeySpki: await this.session.publicKeySpki(key),
      sign: (data) => this.session.sign(key, data),
    };
  }

  async deleteKeyPair(id: string): Promise<void> {
    for (const kind of ["private", "public"] as const)
      for (const key of await this.session.findKeys(kind, { id: fromHex(id) }))
        await this.session.destroy(key);
  }

  async writeCertificate(input: StoredCertificate): Promise<void> {
    await this.deleteCertificate(input.id);
    await this.session.writeCertificate({ der: input.der, label: input.label, id: fromHex(input.id) });
  }

  async deleteCertificate(id: string): Promise<void> {
    for (const c of await this.session.certificates({ id: fromHex(id) })) await this.session.destroy(c);
  }

  async writeObject(object: DataObject): Promise<void> {
    await this.deleteObject(object.label);
    await this.session.writeData({ label: object.label, application: APPLICATION, value: object.value });
  }

  async deleteObject(label: string): Promise<void> {
    for (const o of await this.session.dataObjects(label)) await this.session.destroy(o);
  }

  async close(): Promise<void> {
    await this.session.logoutIfLoggedIn().catch(() => undefined);
    await this.session.close();
  }
}
