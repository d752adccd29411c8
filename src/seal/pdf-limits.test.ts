/**
 * A PDF whose object stream inflates far past any real document's is refused before pdf-lib
 * parses it, at once and without holding the inflated bytes; the upload pool refuses it the same.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../domain/errors.js";
import { pdfBomb } from "../../test/support/bombs.js";
import { assertPdfWithinLimits } from "./pdf-limits.js";
import { generateSoftwareKey } from "../pki/signer.js";
import { signPdf } from "./pdf-sign.js";
import { buildTestCa, organisationCertificate } from "../../test/support/seal-pdfs.js";
import { verifyPdf } from "./pdf-verify.js";
import { UploadWorkerPool } from "./upload-pool.js";

const pool = new UploadWorkerPool({ threads: 1 });
afterAll(() => pool.close());

describe("PDF structure limits", () => {
  it("refuses an object stream that inflates to 256 MB in under a second, within 100 MB of memory", async () => {
    const bomb = await pdfBomb(256 << 20);
    expect(bomb.length).toBeLessThan(400_000);
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    await expect(verifyPdf(bomb)).rejects.toMatchObject({
      code: "upload.pdf_too_complex",
      params: { limitMb: 32 },
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1048576);
    const onPool = await pool.verifyPdf(bomb, {}).catch((e: unknown) => e);
    expect(onPool).toBeInstanceOf(DomainError);
    expect((onPool as DomainError).code).toBe("upload.pdf_too_complex");
  });

  it("is refused the same when a PDF bomb is given to stamp (the security client's agent takes PDFs from platforms)", async () => {
    const bomb = await pdfBomb(64 << 20);
    const ca = await buildTestCa("ecdsa-p256");
    const key = generateSoftwareKey("ecdsa-p256");
    const certificate = await organisationCertificate(ca, key.signer.publicKeySpki);
    const started = performance.now();
    await expect(
      signPdf({ pdf: bomb, signer: key.signer, certificate, signedAt: new Date("2026-01-02T03:04:05Z") }),
    ).rejects.toMatchObject({ code: "upload.pdf_too_complex" });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("lets a small object stream through, and a file with none", async () => {
    const small = await pdfBomb(64 * 1024);
    expect(() => assertPdfWithinLimits(small)).not.toThrow();
    expect(() => assertPdfWithinLimits(small, 1024)).toThrow(/pdf_too_complex/);
    expect(() => assertPdfWithinLimits(Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"))).not.toThrow();
    expect((await verifyPdf(small)).unreadable).toBeUndefined();
  });
});
