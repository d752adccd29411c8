/**
 * The types of the PKCS#11 wrapper: tokens, keys, certificates and data objects as certdesk sees them.
 */

/** Opaque to callers: slot, session and object handles are only valid inside this process. */
export type Pkcs11Handle = Buffer;

export type TokenSelector = { label: string } | { serial: string };

/** A key is named by its CKA_LABEL (what people read) or CKA_ID (what ties key and certificate). */
export type KeyRef = { label: string } | { id: Uint8Array };

export interface TokenFlags {
  initialized: boolean;
  userPinInitialized: boolean;
  loginRequired: boolean;
  writeProtected: boolean;
  protectedAuthenticationPath: boolean;
  userPinCountLow: boolean;
  userPinFinalTry: boolean;
  userPinLocked: boolean;
  userPinToBeChanged: boolean;
  soPinCountLow: boolean;
  soPinFinalTry: boolean;
  soPinLocked: boolean;
  soPinToBeChanged: boolean;
}

export interface TokenInfo {
  /** valid until the next C_InitToken or C_Finalize: find tokens again rather than keep this */
  slot: Pkcs11Handle;
  slotDescription: string;
  label: string;
  serial: string;
  manufacturer: string;
  model: string;
  flags: TokenFlags;
  minPinLength: number;
  maxPinLength: number;
}

export type TokenKeyType = "rsa" | "ec";

export interface TokenKey {
  handle: Pkcs11Handle;
  kind: "private" | "public";
  keyType: TokenKeyType;
  label: string;
  id: Uint8Array;
}

export interface TokenCertificate {
  handle: Pkcs11Handle;
  label: string;
  id: Uint8Array;
  /** CKA_VALUE: the DER certificate, byte for byte as written */
  der: Uint8Array;
  /** CKA_SUBJECT: DER Name */
  subject: Uint8Array;
}

export type KeyPairAlgorithm = "rsa-2048" | "ecdsa-p256";

/** A CKO_DATA object: public bytes an application keeps on the token (a seal, a marker). */
export interface TokenDataObject {
  handle: Pkcs11Handle;
  label: string;
  application: string;
  value: Uint8Array;
}

export interface GenerateKeyPairInput {
  algorithm: KeyPairAlgorithm;
  label: string;
  id: Uint8Array;
}

export interface WriteCertificateInput {
  der: Uint8Array;
  label: string;
  id: Uint8Array;
}
