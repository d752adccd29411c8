/** PEM (RFC 7468) encoding and decoding. */
import { DomainError } from "../domain/errors.js";

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in the text, in order; text between blocks (openssl's "subject=" lines) is ignored. */
export function pemDecodeAll(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = m[2]!.replace(/\s+/g, "");
    // RFC 7468 strict base64: anything else means a damaged paste, not something to guess around.
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new DomainError("pki.pem_malformed", { label: m[1]! });
    out.push({ label: m[1]!, der: new Uint8Array(Buffer.from(body, "base64")) });
  }
  return out;
}

/** The first block with the label (or any of the labels); throws pki.pem_malformed when none. */
export function pemDecode(text: string, label: string | readonly string[]): Uint8Array {
  const labels = typeof label === "string" ? [label] : label;
  const block = pemDecodeAll(text).find((b) => labels.includes(b.label));
  if (!block) throw new DomainError("pki.pem_malformed", { label: labels.join("|") });
  return block.der;
}

/** Accepts PEM text, PEM bytes or DER bytes, and returns DER: uploads arrive in any of these. */
export function toDer(input: string | Uint8Array, label: string | readonly string[]): Uint8Array {
  if (typeof input === "string") return pemDecode(input, label);
  // DER always starts with a SEQUENCE tag; PEM starts with text.
  if (input[0] === 0x30) return input;
  return pemDecode(Buffer.from(input).toString("latin1"), label);
}
