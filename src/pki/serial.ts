/**
 * Certificate serial numbers. The CA core speaks of them as lowercase hex of the positive
 * integer's magnitude (no sign octet), the same form openssl prints without colons; stores, CRLs
 * and OCSP lookups all use this one form.
 */
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { DomainError } from "../domain/errors.js";
import { fromHex, toHex, unsignedIntegerContent } from "./der.js";
import type { RandomBytes } from "./sm2.js";

/**
 * 16 random bytes (CA/Browser Forum asks for at least 64 bits from a CSPRNG). The top bit is
 * cleared so the INTEGER is positive without a sign octet, and the next bit set so every serial
 * is exactly 16 octets long: 126 random bits.
 */
export function randomSerial(random: RandomBytes = nodeRandomBytes): string {
  const b = new Uint8Array(random(16));
  b[0] = (b[0]! & 0x7f) | 0x40;
  return toHex(b);
}

/** Canonical form: lowercase, even length, no leading zero octets; rejects zero and non-hex. */
export function normalizeSerial(hex: string): string {
  const h = hex.replace(/:/g, "").toLowerCase();
  if (!/^[0-9a-f]+$/.test(h)) throw new DomainError("pki.serial_invalid", { serial: hex });
  const trimmed = h.replace(/^0+/, "");
  if (trimmed.length === 0) throw new DomainError("pki.serial_invalid", { serial: hex });
  const even = trimmed.length % 2 ? "0" + trimmed : trimmed;
  // RFC 5280 4.1.2.2: at most 20 octets.
  if (even.length > 40) throw new DomainError("pki.serial_invalid", { serial: hex });
  return even;
}

/** The INTEGER content octets for a serial (a sign octet added when the top bit is set). */
export function serialToIntegerContent(hex: string): Uint8Array {
  return unsignedIntegerContent(fromHex(normalizeSerial(hex)));
}

/** Hex of an INTEGER's content octets as read from DER, in canonical form. */
export function serialFromIntegerContent(content: Uint8Array): string {
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start++;
  return toHex(content.subarray(start));
}
