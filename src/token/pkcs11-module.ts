/**
 * A loaded PKCS#11 module: the library shared between users and released with the last, its
 * tokens, and sessions opened on them.
 */
import { realpathSync } from "node:fs";
import pkcs11js from "pkcs11js";
import type { PKCS11 } from "pkcs11js";
import { DomainError } from "../domain/errors.js";
import type { Pkcs11Handle, TokenSelector, TokenInfo } from "./pkcs11-types.js";
import { mapPkcs11Error, isCkr, Pkcs11Session } from "./pkcs11.js";

// ---------------------------------------------------------------------------------------------
// Library lifetime

/*
 * The one piece of module-level state here, on purpose: C_Initialize and C_Finalize act on the
 * whole process (PKCS#11 2.40 section 5.4), so a CA signer and a USB key reader in one process must
 * share one initialisation, or the first C_Finalize would end the other's sessions. Counted by the
 * library's real path, since two spellings of a path load the same library.
 */
export interface LoadedLibrary {
  lib: PKCS11;
  users: number;
  /** false when someone else in this process had already initialised it: they finalise it */
  ownsInitialisation: boolean;
}
export const libraries = new Map<string, LoadedLibrary>();

export function acquireLibrary(modulePath: string): { key: string; lib: PKCS11 } {
  let key: string;
  try {
    key = realpathSync(modulePath);
  } catch {
    throw new DomainError("pkcs11.module_load_failed", { path: modulePath }, `no such file: ${modulePath}`);
  }
  let entry = libraries.get(key);
  if (!entry) {
    const lib = new pkcs11js.PKCS11();
    try {
      lib.load(key);
    } catch (e) {
      throw new DomainError("pkcs11.module_load_failed", { path: modulePath }, String(e));
    }
    let ownsInitialisation = true;
    try {
      // pkcs11js runs *Async calls on worker threads: the library must lock for itself.
      lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (e) {
      if (!isCkr(e, pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
        lib.close();
        throw mapPkcs11Error(e, { token: modulePath });
      }
      ownsInitialisation = false;
    }
    entry = { lib, users: 0, ownsInitialisation };
    libraries.set(key, entry);
  }
  entry.users++;
  return { key, lib: entry.lib };
}

export function releaseLibrary(key: string): void {
  const entry = libraries.get(key);
  if (!entry || --entry.users > 0) return;
  libraries.delete(key);
  try {
    if (entry.ownsInitialisation) entry.lib.C_Finalize();
  } finally {
    entry.lib.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Small codecs

export const trimPadded = (s: string): string => s.replace(/[\s\0]+$/, "");

/** C_InitToken reads exactly 32 bytes, blank-padded (PKCS#11 2.40 section 5.6). */
export function paddedTokenLabel(label: string): string {
  const length = Buffer.byteLength(label, "utf8");
  if (label.trim() === "" || length > 32) throw new DomainError("pkcs11.token_label_invalid", { label });
  return label + " ".repeat(32 - length);
}

export const describeToken = (t: TokenSelector): string => ("label" in t ? t.label : `serial ${t.serial}`);

export function tokenInfoOf(lib: PKCS11, slot: Pkcs11Handle): TokenInfo {
  const info = lib.C_GetTokenInfo(slot);
  const f = info.flags;
  const has = (flag: number): boolean => (f & flag) !== 0;
  return {
    slot,
    slotDescription: trimPadded(lib.C_GetSlotInfo(slot).slotDescription),
    label: trimPadded(info.label),
    serial: trimPadded(info.serialNumber),
    manufacturer: trimPadded(info.manufacturerID),
    model: trimPadded(info.model),
    flags: {
      initialized: has(pkcs11js.CKF_TOKEN_INITIALIZED),
      userPinInitialized: has(pkcs11js.CKF_USER_PIN_INITIALIZED),
      loginRequired: has(pkcs11js.CKF_LOGIN_REQUIRED),
      writeProtected: has(pkcs11js.CKF_WRITE_PROTECTED),
      protectedAuthenticationPath: has(pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH),
      userPinCountLow: has(pkcs11js.CKF_USER_PIN_COUNT_LOW),
      userPinFinalTry: has(pkcs11js.CKF_USER_PIN_FINAL_TRY),
      userPinLocked: has(pkcs11js.CKF_USER_PIN_LOCKED),
      userPinToBeChanged: has(pkcs11js.CKF_USER_PIN_TO_BE_CHANGED),
      soPinCountLow: has(pkcs11js.CKF_SO_PIN_COUNT_LOW),
      soPinFinalTry: has(pkcs11js.CKF_SO_PIN_FINAL_TRY),
      soPinLocked: has(pkcs11js.CKF_SO_PIN_LOCKED),
      soPinToBeChanged: has(pkcs11js.CKF_SO_PIN_TO_BE_CHANGED),
    },
    minPinLength: info.minPinLen,
    maxPinLength: info.maxPinLen,
  };
}

// ---------------------------------------------------------------------------------------------
// Modules

export interface OpenSessionOptions {
  /** needed to create or destroy objects, generate keys, set PINs; signing needs none of that */
  readWrite?: boolean;
}

/** A loaded PKCS#11 library (a .so path). close() ends its sessions and releases the library. */
export class Pkcs11Module {
  private readonly sessions = new Set<Pkcs11Session>();
  private released = false;

  private constructor(
    readonly path: string,
    private readonly key: string,
    private readonly lib: PKCS11,
  ) {}

  static open(modulePath: string): Pkcs11Module {
    const { key, lib } = acquireLibrary(modulePath);
    return new Pkcs11Module(modulePath, key, lib);
  }

  private check(): void {
    // A programming error, not something a user can cause: no catalogue code.
    if (this.released) throw new Error(`PKCS#11 module ${this.path} used after close()`);
  }

  /** Tokens present now, in the library's slot order (which means nothing: see findToken). */
  tokens(): TokenInfo[] {
    this.check();
    try {
      return this.lib.C_GetSlotList(true).map((slot) => tokenInfoOf(this.lib, slot));
    } catch (e) {
      throw mapPkcs11Error(e, { token: this.path });
    }
  }

  /**
   * By label or serial, looked up afresh each time: slot ids change when a reader is replugged or
   * (SoftHSM2) a token is initialised. Two tokens with one label are refused, not guessed between.
   */
  findToken(selector: TokenSelector): TokenInfo {
    const matches = this.tokens().filter((t) =>
      "label" in selector ? t.flags.initialized && t.label === selector.label : t.serial === selector.serial,
    );
    const token = describeToken(selector);
    if (matches.length === 0) throw new DomainError("pkcs11.token_not_found", { token });
    if (matches.length > 1) throw new DomainError("pkcs11.token_ambiguous", { token });
    return matches[0]!;
  }

  /**
   * C_InitToken: erases the token and sets its SO PIN and label; the user PIN is then set with
   * initUserPin in an SO session. Returns the token as it is afterwards, found again since SoftHSM2
   * moves it to a new slot. Pass a token from tokens(), e.g. SoftHSM2's free one.
   */
  initToken(target: TokenInfo, input: { soPin: string; label: string }): TokenInfo {
    this.check();
    const padded = paddedTokenLabel(input.label);
    // Serials already taken before: the freshly initialised token is the one not among them.
    const before = new Set(
      this.tokens()
        .filter((t) => t.flags.initialized && t.serial !== target.serial)
        .map((t) => t.serial),
    );
    try {
      this.lib.C_InitToken(target.slot, input.soPin, padded);
    } catch (e) {
      throw mapPkcs11Error(e, { token: input.label });
    }
    const after = this.tokens().filter((t) => t.label === input.label && !before.has(t.serial));
    if (after.length !== 1) throw new DomainError("pkcs11.token_ambiguous", { token: input.label });
    return after[0]!;
  }

  openSession(token: TokenSelector, options: OpenSessionOptions = {}): Pkcs11Session {
    const info = this.findToken(token);
    const flags = pkcs11js.CKF_SERIAL_SESSION | (options.readWrite ? pkcs11js.CKF_RW_SESSION : 0);
    let handle: Pkcs11Handle;
    try {
      handle = this.lib.C_OpenSession(info.slot, flags);
    } catch (e) {
      throw mapPkcs11Error(e, { token: info.label });
    }
    const session = new Pkcs11Session(this.lib, handle, info, () => this.sessions.delete(session));
    this.sessions.add(session);
    return session;
  }

  /** Closes the sessions opened here, then releases the library (C_Finalize when last). Idempotent. */
  async close(): Promise<void> {
    if (this.released) return;
    try {
      await Promise.allSettled([...this.sessions].map((s) => s.close()));
    } finally {
      this.released = true;
      releaseLibrary(this.key);
    }
  }
}

/** Opens a module for the length of fn and always releases it. */
export async function withPkcs11Module<T>(
  modulePath: string,
  fn: (module: Pkcs11Module) => T | Promise<T>,
): Promise<T> {
  const module = Pkcs11Module.open(modulePath);
  try {
    return await fn(module);
  } finally {
    await module.close();
  }
}

/** A session for the length of fn, logged in first when a PIN is given; always closed. */
export async function withSession<T>(
  module: Pkcs11Module,
  token: TokenSelector,
  options: OpenSessionOptions & { login?: { pin: string; user?: "user" | "so" } },
  fn: (session: Pkcs11Session) => T | Promise<T>,
): Promise<T> {
  const session = module.openSession(token, options);
  try {
    if (options.login) await session.login(options.login.pin, options.login.user);
    return await fn(session);
  } finally {
    await session.close();
  }
}
