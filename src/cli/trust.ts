/**
 * What `certdesk seal verify` and `certdesk ofd verify` trust: the CA certificates given with
 * --trust, else the desk's own CA certificates (from the store, or through the running desk that
 * holds it), else none, and then every chain is reported untrusted. CRLs come from --crl and from
 * the certificates' distribution points (a short timeout: offline means "unknown").
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../domain/errors.js";
import { parseCertificate, type CertificateView } from "../pki/certificate.js";
import { httpCrlFetcher } from "../pki/chain.js";
import { parseCrl, type CrlView } from "../pki/crl.js";
import { pemDecodeAll } from "../pki/pem.js";
import type { SealTrust } from "../seal/trust.js";
import { deskRequest, onStoreOrDesk } from "./desk-session.js";
import type { CliContext } from "./output.js";
import { errorText, storeConfigured, withStore } from "./source.js";

export interface TrustOptions {
  trust?: string[];
  crl?: string[];
}

export type TrustSource = "files" | "desk" | "none";

function readInput(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DomainError("cli.file_unreadable", { path, detail: errorText(e) });
  }
}

/** One DER object, or every PEM block with one of the labels. */
function ders(bytes: Uint8Array, labels: readonly string[]): Uint8Array[] {
  if (bytes[0] === 0x30) return [bytes];
  return pemDecodeAll(Buffer.from(bytes).toString("latin1"))
    .filter((b) => labels.includes(b.label))
    .map((b) => b.der);
}

/** The certificates in a PEM bundle or one DER certificate; none readable is an error. */
export function readCertificateFile(path: string): CertificateView[] {
  let certs: CertificateView[] = [];
  try {
    certs = ders(readInput(path), ["CERTIFICATE"]).map((d) => parseCertificate(d));
  } catch (e) {
    if (e instanceof DomainError && e.code === "cli.file_unreadable") throw e;
  }
  if (certs.length === 0) throw new DomainError("cli.trust.certificates_unreadable", { path });
  return certs;
}

function readCrlFile(path: string): CrlView[] {
  try {
    const crls = ders(readInput(path), ["X509 CRL"]).map((d) => parseCrl(d));
    if (crls.length > 0) return crls;
  } catch (e) {
    if (e instanceof DomainError && e.code === "cli.file_unreadable") throw e;
  }
  throw new DomainError("cli.trust.crl_unreadable", { path });
}

/** The desk's CA certificates: every CA it keeps (roots, issuing CAs, seal makers). */
async function deskCaCertificates(ctx: CliContext): Promise<CertificateView[]> {
  const config = ctx.config();
  if (!storeConfigured(config)) return [];
  const ders = await onStoreOrDesk(
    ctx,
    () =>
      withStore(config, { create: false }, async ({ db }) =>
        (await db.selectFrom("cas").select("certificate").execute()).map(
          (r) => new Uint8Array(r.certificate),
        ),
      ),
    async (session) => {
      const cas = await deskRequest<{ id: string }[]>(session, "GET", "/api/cas");
      return Promise.all(
        cas.map(async ({ id }) => {
          const url = new URL(`/ca/${encodeURIComponent(id)}.crt`, session.server);
          let res: Response;
          try {
            res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
          } catch (e) {
            throw new DomainError("cli.desk_unreachable", { server: session.server, detail: errorText(e) });
          }
          if (!res.ok)
            throw new DomainError("cli.desk_unreachable", {
              server: session.server,
              detail: `HTTP ${res.status}`,
            });
          return new Uint8Array(await res.arrayBuffer());
        }),
      );
    },
  );
  return ders.map((d) => parseCertificate(d));
}

export async function loadTrust(
  ctx: CliContext,
  options: TrustOptions,
): Promise<{ trust: SealTrust; source: TrustSource }> {
  const crls = (options.crl ?? []).flatMap(readCrlFile);
  const given = options.trust ?? [];
  const anchors = given.length > 0 ? given.flatMap(readCertificateFile) : await deskCaCertificates(ctx);
  const source: TrustSource = given.length > 0 ? "files" : anchors.length > 0 ? "desk" : "none";
  return { trust: { anchors, crls, fetchCrl: httpCrlFetcher(3000) }, source };
}
