/**
 * The USB key port: what certdesk needs from an organisation's key, whichever implementation is
 * behind it. Two satisfy it:
 *
 * - a PKCS#11 token (src/token/pkcs11-key.ts): a vendor's module with a real USB key, SoftHSM2 in
 *   CI. PKCS#11 has no SM2 (Chinese keys expose it through SKF, GM/T 0016), no retry counters a
 *   caller can read (only the COUNT_LOW / FINAL_TRY / LOCKED flags) and no challenge-response SO
 *   authentication: unblocking needs the SO PIN itself, so it happens at the service centre;
 * - a software key in a file (src/token/software-key.ts), which models what real keys do and
 *   SoftHSM2 lacks: retry counters that lock, a default-PIN flag, SM2 with the standard signer ID,
 *   and SO unblock by challenge-response, so that the SO PIN never leaves the server.
 *
 * Errors are DomainErrors with token.* codes (and pkcs11.* codes passed through from the PKCS#11
 * layer); a wrong PIN says how many tries remain.
 */
import type { Signer } from "../pki/signer.js";

export type UsbKeyKind = "software" | "pkcs11";

/** Key pairs a key can make: SM2 (software keys), ECDSA P-256 and RSA-2048 (both). */
export type UsbKeyAlgorithm = "sm2" | "ecdsa-p256" | "rsa-2048";

/** What an SO authentication is for; the server's response is bound to it. */
export type SoPurpose = "unblock" | "format";

export interface PinState {
  /** Tries left before the PIN locks; undefined when the device does not say (PKCS#11). */
  retriesLeft: number | undefined;
  /** The limit the counter is reset to on a right PIN; undefined when unknown. */
  maxRetries: number | undefined;
  locked: boolean;
}

export interface UsbKeyInfo {
  kind: UsbKeyKind;
  /** The device's serial number: how the desk knows the key (labels can repeat, slots move). */
  serial: string;
  /** The label given at production (the order number and the key's place in the order). */
  label: string;
  manufacturer: string;
  model: string;
  /** False for a blank key fresh from the factory. */
  initialised: boolean;
  user: PinState;
  so: PinState;
  /** The user PIN is still the one the key shipped with: the client insists on a change first. */
  defaultPin: boolean;
  /**
   * Logins so far, on keys that count them (software keys): signed into a login to the desk, which
   * refuses a counter behind the one it saw, so a copied key file used after the original fails.
   */
  useCounter?: number;
  /** Key pair algorithms the key can make. */
  algorithms: UsbKeyAlgorithm[];
  /**
   * How the user PIN is unblocked: by an SO challenge-response computed on the server, or only at
   * the service centre with the SO PIN (PKCS#11 has no standard challenge-response).
   */
  unblock: "challenge-response" | "service-centre";
}

export interface KeyPairInfo {
  /** CKA_ID, hex: ties the key pair to its certificate. */
  id: string;
  label: string;
  algorithm: UsbKeyAlgorithm;
  /** DER SubjectPublicKeyInfo */
  publicKeySpki: Uint8Array;
}

export interface StoredCertificate {
  /** CKA_ID, hex: the id of the key pair it certifies. */
  id: string;
  label: string;
  der: Uint8Array;
}

/** A public data object (the electronic seal, certdesk's own markers). */
export interface DataObject {
  label: string;
  value: Uint8Array;
}

export interface InitialiseInput {
  /** Up to 32 bytes of UTF-8. */
  label: string;
  soPin: string;
  userPin: string;
  /** The user PIN is a published default (programme B ships 123456): mark it for a change. */
  defaultPin: boolean;
  /** The programme's retry limits (software keys; a PKCS#11 device has its own). */
  userPinRetries: number;
  soPinRetries: number;
}

/** What a user PIN login opens: key pairs, certificates and objects, read and written. */
export interface UsbKeySession {
  generateKeyPair(input: { algorithm: UsbKeyAlgorithm; label: string; id: string }): Promise<KeyPairInfo>;
  keyPairs(): Promise<KeyPairInfo[]>;
  /** A Signer over the key pair; the private key never leaves the key (or, for a software key, memory). */
  signer(id: string): Promise<Signer>;
  deleteKeyPair(id: string): Promise<void>;
  writeCertificate(input: StoredCertificate): Promise<void>;
  deleteCertificate(id: string): Promise<void>;
  writeObject(object: DataObject): Promise<void>;
  deleteObject(label: string): Promise<void>;
  /** Ends the login (forgets key material held in memory). */
  close(): Promise<void>;
}

export interface UsbKey {
  info(): Promise<UsbKeyInfo>;
  /**
   * Production: erases the key and sets label, SO PIN, user PIN and retry limits. Returns the key
   * as it is afterwards (a PKCS#11 token may move to another slot; it keeps its serial).
   */
  initialise(input: InitialiseInput): Promise<UsbKeyInfo>;
  /** Throws token.pin_incorrect (with tries left), token.pin_locked or token.not_initialised. */
  login(pin: string): Promise<UsbKeySession>;
  /** Needs the old PIN; clears the default-PIN flag. */
  changePin(oldPin: string, newPin: string): Promise<void>;
  /** Certificates on the key, readable without a PIN. */
  certificates(): Promise<StoredCertificate[]>;
  /** Public data objects, readable without a PIN. */
  objects(): Promise<DataObject[]>;
  /**
   * A fresh SO challenge for the server, which answers it from the SO secret it holds (the key
   * keeps the challenge until answered or replaced). token.unblock_unsupported on PKCS#11.
   */
  soChallenge(purpose: SoPurpose): Promise<string>;
  /** Unblocks with the server's response: sets the new user PIN and resets its counter. */
  unblock(response: string, newPin: string): Promise<void>;
  /**
   * Formats with the server's response: erases every key pair, certificate and object and sets
   * the user PIN given (marked default when it is a published one). The label and SO stay.
   */
  format(response: string, input: { userPin: string; defaultPin: boolean }): Promise<void>;
  /** At the service centre, with the SO PIN itself: sets a new user PIN and resets its counter. */
  resetUserPinWithSoPin(soPin: string, newPin: string, options: { defaultPin: boolean }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The SO side of the challenge-response, as the server runs it: from the SO PIN it holds (never
 * sent anywhere) and a challenge from the key, the response the key accepts.
 */
export type SoResponder = (input: {
  soPin: string;
  serial: string;
  challenge: string;
  purpose: SoPurpose;
}) => string;

/** Labels of certdesk's own data objects on a key. */
export const OBJECT_LABELS = {
  /** The electronic seal (GB/T 38540 SESeal, DER) bound to the key's certificate. */
  seal: "certdesk.seal",
  /** Present while the user PIN is a published default (PKCS#11 tokens have no such flag). */
  defaultPin: "certdesk.default-pin",
} as const;

/** PINs certdesk accepts: 6 to 16 characters, digits or ASCII letters (what key vendors' tools take). */
export const PIN_PATTERN = /^[0-9A-Za-z]{6,16}$/;

/** PINs keys leave the factory with (and certdesk's own fallback): never a holder's choice. */
export const FACTORY_PINS: readonly string[] = [
  "123456",
  "12345678",
  "000000",
  "00000000",
  "888888",
  "88888888",
];

/** A PIN anyone tries first: one character repeated, digits running up or down, a factory PIN. */
export function isTrivialPin(pin: string): boolean {
  if (FACTORY_PINS.includes(pin)) return true;
  if (/^(.)\1*$/.test(pin)) return true;
  if (!/^\d+$/.test(pin)) return false;
  const steps = new Set([...pin].slice(1).map((d, i) => (Number(d) - Number(pin[i]) + 10) % 10));
  return steps.size === 1 && (steps.has(1) || steps.has(9));
}

/**
 * The rule for every PIN a holder sets (change, unlock, format with a PIN of one's own): the
 * format, not the old one, not the published default, not trivial. The message code, or undefined.
 */
export function checkNewPin(
  newPin: string,
  options: { old?: string; defaultPin?: string },
): string | undefined {
  if (!PIN_PATTERN.test(newPin)) return "token.pin_format";
  if (options.old !== undefined && newPin === options.old) return "token.pin_unchanged";
  if (options.defaultPin !== undefined && newPin === options.defaultPin) return "token.pin_is_default";
  if (isTrivialPin(newPin)) return "token.pin_trivial";
  return undefined;
}
