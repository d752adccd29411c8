/**
 * Which key the client works on: a software key file (--key), or a token on a vendor's PKCS#11
 * module (--pkcs11-module, with --token-label or --token-serial; alone it takes the one initialised
 * token present). Environment defaults: CERTDESK_KEY, CERTDESK_PKCS11_MODULE.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DomainError } from "../domain/errors.js";
import { Pkcs11UsbKey } from "../token/pkcs11-key.js";
import type { UsbKey } from "../token/port.js";
import { SoftwareKey } from "../token/software-key.js";

export interface KeySelection {
  /** a software key file */
  key?: string | undefined;
  /** a folder of software keys: the one key in it (the agent watches a folder as a "USB port") */
  keyDir?: string | undefined;
  pkcs11Module?: string | undefined;
  tokenLabel?: string | undefined;
  tokenSerial?: string | undefined;
}

export function selectionFrom(options: KeySelection, env: Record<string, string | undefined>): KeySelection {
  const pkcs11Module = options.pkcs11Module ?? env.CERTDESK_PKCS11_MODULE;
  return {
    key: options.key ?? (pkcs11Module || options.keyDir ? undefined : env.CERTDESK_KEY),
    keyDir: options.keyDir,
    pkcs11Module,
    tokenLabel: options.tokenLabel,
    tokenSerial: options.tokenSerial,
  };
}

export function describeSelection(s: KeySelection): string {
  if (s.key) return s.key;
  if (s.keyDir) return s.keyDir;
  if (s.pkcs11Module)
    return `${s.pkcs11Module}${s.tokenLabel ? ` ${s.tokenLabel}` : s.tokenSerial ? ` ${s.tokenSerial}` : ""}`;
  return "";
}

export async function openKey(selection: KeySelection): Promise<UsbKey> {
  if (selection.key) return SoftwareKey.open(selection.key);
  if (selection.keyDir) {
    const files = existsSync(selection.keyDir)
      ? readdirSync(selection.keyDir).filter((f) => f.endsWith(".certdesk-key"))
      : [];
    if (files.length === 0) throw new DomainError("client.no_key_inserted", { where: selection.keyDir });
    if (files.length > 1) throw new DomainError("token.ambiguous", { keys: files.join(", ") });
    return SoftwareKey.open(join(selection.keyDir, files[0]!));
  }
  if (selection.pkcs11Module) {
    if (selection.tokenLabel)
      return Pkcs11UsbKey.open(selection.pkcs11Module, { label: selection.tokenLabel });
    if (selection.tokenSerial)
      return Pkcs11UsbKey.open(selection.pkcs11Module, { serial: selection.tokenSerial });
    const all = Pkcs11UsbKey.all(selection.pkcs11Module);
    try {
      const initialised: { serial: string; label: string }[] = [];
      for (const k of all.keys) {
        const info = await k.info();
        if (info.initialised) initialised.push(info);
      }
      if (initialised.length === 0)
        throw new DomainError("client.no_key_inserted", { where: selection.pkcs11Module });
      if (initialised.length > 1)
        throw new DomainError("token.ambiguous", {
          keys: initialised.map((i) => `${i.label} (${i.serial})`).join(", "),
        });
      return Pkcs11UsbKey.open(selection.pkcs11Module, { serial: initialised[0]!.serial });
    } finally {
      await all.close();
    }
  }
  throw new DomainError("client.no_key_selected");
}

/** Runs fn with the key open and always closes it. */
export async function withKey<T>(selection: KeySelection, fn: (key: UsbKey) => Promise<T>): Promise<T> {
  const key = await openKey(selection);
  try {
    return await fn(key);
  } finally {
    await key.close();
  }
}
