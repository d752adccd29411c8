/**
 * certdesk pdf verify FILE [--trust ROOTS]: the signatures in a PDF, each with its signer, time,
 * seal and whether the document changed after signing. Exits 0 when there is at least one
 * signature and every one verifies, 1 otherwise.
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../domain/errors.js";
import { parseCertificate, type CertificateView } from "../pki/certificate.js";
import { pemDecodeAll } from "../pki/pem.js";
import { describePdfVerdict, pdfVerdictToJson } from "../seal/pdf-describe.js";
import { verifyPdf } from "../seal/pdf-verify.js";
import { type CliContext, EXIT_NO, EXIT_OK } from "./output.js";

function readFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DomainError("cli.file_unreadable", { path, detail: (e as Error).message });
  }
}

/**
 * The certificates of --trust (a PEM bundle or one DER certificate): self-signed ones are trusted
 * roots, the others issuing CAs that complete a chain the signature does not carry.
 */
function readTrust(path: string): { trustAnchors: Uint8Array[]; intermediates: Uint8Array[] } {
  const bytes = readFile(path);
  let certs: CertificateView[];
  try {
    const ders =
      bytes[0] === 0x30
        ? [bytes]
        : pemDecodeAll(Buffer.from(bytes).toString("latin1"))
            .filter((b) => b.label === "CERTIFICATE")
            .map((b) => b.der);
    certs = ders.map((d) => parseCertificate(d));
  } catch {
    certs = [];
  }
  if (certs.length === 0) {
    throw new DomainError("cli.invalid_value", {
      option: "--trust",
      value: path,
      allowed: "PEM or DER certificates",
    });
  }
  const selfSigned = (c: CertificateView): boolean => Buffer.compare(c.subjectDer, c.issuerDer) === 0;
  return {
    trustAnchors: certs.filter(selfSigned).map((c) => c.der),
    intermediates: certs.filter((c) => !selfSigned(c)).map((c) => c.der),
  };
}

export async function pdfVerifyCommand(
  ctx: CliContext,
  file: string,
  options: { trust?: string },
): Promise<number> {
  const pdf = readFile(file);
  const trust = options.trust === undefined ? {} : readTrust(options.trust);
  const verdict = await verifyPdf(pdf, { at: ctx.clock.now(), ...trust });
  ctx.out.result(pdfVerdictToJson(verdict), () => describePdfVerdict(verdict, ctx.out.locale).join("\n"));
  return verdict.valid ? EXIT_OK : EXIT_NO;
}
