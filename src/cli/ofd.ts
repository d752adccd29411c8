/**
 * certdesk ofd verify FILE [--at TIME] [--trust CA…] [--crl CRL…]: every seal signature in an OFD
 * file, each with whether its signature value and the files it protects are intact, the seal's and
 * certificates' validity when signed and now, their chains to the trusted CAs and revocation
 * (src/cli/trust.ts), and where its stamp is. Exits 0 only when there is a signature and every one is
 * valid, 1 otherwise.
 * certdesk ofd render FILE --page N [--out F.png]: the page drawn to PNG, stamps where they were placed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { DomainError } from "../domain/errors.js";
import { describeOfdVerdict, ofdVerdictToJson } from "../seal/ofd/describe.js";
import { renderOfdPage } from "../seal/ofd/render-png.js";
import { verifyOfdTrusted } from "../seal/ofd/verify-trust.js";
import { wholeNumber } from "./args.js";
import { type CliContext, EXIT_NO, EXIT_OK } from "./output.js";
import { loadTrust, type TrustOptions } from "./trust.js";

function readFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DomainError("cli.file_unreadable", { path, detail: (e as Error).message });
  }
}

function atOption(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new DomainError("cli.invalid_value", {
      option: "--at",
      value,
      allowed: "ISO 8601, e.g. 2021-06-01T00:00:00Z",
    });
  return at;
}

export async function ofdVerifyCommand(
  ctx: CliContext,
  file: string,
  options: { at?: string } & TrustOptions,
): Promise<number> {
  const at = atOption(options.at) ?? ctx.clock.now();
  const ofd = readFile(file);
  const { trust, source } = await loadTrust(ctx, options);
  const verdict = await verifyOfdTrusted(ofd, { at, trust });
  const json = { ...ofdVerdictToJson(verdict), trust: { source, certificates: trust.anchors.length } };
  ctx.out.result(json, () => describeOfdVerdict(verdict, ctx.out.locale).join("\n"));
  return verdict.valid ? EXIT_OK : EXIT_NO;
}

export async function ofdRenderCommand(
  ctx: CliContext,
  file: string,
  options: { page?: string; out?: string; dpi?: string },
): Promise<number> {
  const page = wholeNumber("--page", options.page ?? "1");
  const dpi = options.dpi === undefined ? 96 : wholeNumber("--dpi", options.dpi);
  if (dpi < 24 || dpi > 600)
    throw new DomainError("cli.invalid_value", { option: "--dpi", value: String(dpi), allowed: "24-600" });
  const chromium = ctx.io.env.CERTDESK_CHROMIUM;
  const drawn = await renderOfdPage(readFile(file), { page, dpi, ...(chromium ? { chromium } : {}) });
  const out = options.out ?? `${file.replace(/\.ofd$/i, "")}.page${page}.png`;
  writeFileSync(out, drawn.png);
  ctx.out.result({ file: out, page, width: drawn.width, height: drawn.height, stamps: drawn.stamps }, () =>
    ctx.out.t("ofd.rendered", { page, out, width: drawn.width, height: drawn.height, stamps: drawn.stamps }),
  );
  return EXIT_OK;
}
