/**
 * A production station: where the service centre makes keys. Either a folder where software keys
 * are made as files (development, tests, and the reference the client is tested against), or a
 * PKCS#11 module with blank USB keys inserted (SoftHSM2's free token in CI).
 *
 * keyFor(label) hands back the key already made for that label when there is one, so that an
 * interrupted batch finds the key it was working on; otherwise a blank key.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { DomainError } from "../domain/errors.js";
import { Pkcs11UsbKey } from "./pkcs11-key.js";
import type { UsbKey, UsbKeyAlgorithm } from "./port.js";
import { SoftwareKey } from "./software-key.js";

export interface StationKey {
  key: UsbKey;
  /** true for a blank key; false for the key already made for the label */
  blank: boolean;
}

export interface ProductionStation {
  /** "software:<folder>" or "pkcs11:<module>", recorded with each batch */
  readonly description: string;
  readonly algorithms: readonly UsbKeyAlgorithm[];
  keyFor(label: string): Promise<StationKey>;
  close(): Promise<void>;
}

/** File name of a software key: the label, which production makes from the order number. */
export function softwareKeyFile(folder: string, label: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(label)) throw new DomainError("token.label_invalid", { label });
  return join(folder, `${label}.certdesk-key`);
}

export function softwareStation(folder: string): ProductionStation {
  const dir = resolve(folder);
  mkdirSync(dir, { recursive: true });
  return {
    description: `software:${dir}`,
    algorithms: ["sm2", "ecdsa-p256", "rsa-2048"],
    async keyFor(label) {
      const path = softwareKeyFile(dir, label);
      if (existsSync(path)) {
        const key = SoftwareKey.open(path);
        return { key, blank: !(await key.info()).initialised };
      }
      return { key: SoftwareKey.create(path), blank: true };
    },
    async close() {},
  };
}

/** Blank USB keys (uninitialised tokens) on a PKCS#11 module; the one with the label if present. */
export function pkcs11Station(modulePath: string): ProductionStation {
  const closers: (() => Promise<void>)[] = [];
  return {
    description: `pkcs11:${modulePath}`,
    algorithms: ["ecdsa-p256", "rsa-2048"],
    async keyFor(label) {
      const all = Pkcs11UsbKey.all(modulePath);
      let keep = false;
      try {
        let blank: Pkcs11UsbKey | undefined;
        for (const key of all.keys) {
          const info = await key.info();
          if (info.initialised && info.label === label) {
            const found = Pkcs11UsbKey.open(modulePath, { serial: info.serial });
            closers.push(() => found.close());
            return { key: found, blank: false };
          }
          if (!info.initialised && !blank) blank = key;
        }
        if (!blank) throw new DomainError("production.no_blank_key", { station: modulePath });
        // The blank token is used through the listing's module, open until the station closes.
        keep = true;
        closers.push(() => all.close());
        return { key: blank, blank: true };
      } finally {
        if (!keep) await all.close();
      }
    },
    async close() {
      await Promise.allSettled(closers.splice(0).map((close) => close()));
    },
  };
}

/** A station from its configured spec: software:<folder> or pkcs11:<module path>. */
export function stationFromSpec(spec: string): ProductionStation {
  const at = spec.indexOf(":");
  const kind = spec.slice(0, at);
  const where = spec.slice(at + 1);
  if (kind === "software") return softwareStation(where);
  if (kind === "pkcs11") return pkcs11Station(where);
  throw new DomainError("production.station_invalid", { station: spec });
}
