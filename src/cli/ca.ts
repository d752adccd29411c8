/**
 * certdesk ca: the CA core from the command line. init makes the hierarchies (keys encrypted at
 * rest, or in the configured HSM), list shows them, import brings in an existing CA, issue signs a
 * CSR without an order, revoke ends a certificate. The CA key passphrase comes from
 * CERTDESK_CA_PASSPHRASE or, on a terminal, a prompt without echo; it is never printed or logged.
 */
import { readFileSync } from "node:fs";
import type { Config } from "../config.js";
import { DomainError } from "../domain/errors.js";
import { systemActor } from "../people/actor.js";
import type { CaSummary } from "../ca/ca.js";
import type { StaffRevocationReason } from "../ca/revocation.js";
import type { CaAlgorithm } from "../store/schema.js";
import { oneOf, wholeNumber } from "./args.js";
import { promptSecret } from "../client/prompt.js";
import { type CliContext, EXIT_OK, formatTable } from "./output.js";
import { type DeskSession, deskRequest, onStoreOrDesk } from "./desk-session.js";
import { cliConfig, errorText, storedCaSettings, withStore } from "./source.js";

const ALGORITHMS: readonly CaAlgorithm[] = ["rsa", "ecdsa-p256", "sm2"];
/** The PKCS#11 signer signs RSA and P-256 (src/pki/pkcs11-signer.ts); SM2 CAs stay encrypted at rest. */
const HSM_ALGORITHMS: readonly CaAlgorithm[] = ["rsa", "ecdsa-p256"];
const MIN_PASSPHRASE = 12;
const CLI_ACTOR = systemActor("cli");

function readInput(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DomainError("cli.file_unreadable", { path, detail: errorText(e) });
  }
}

const onTerminal = (): boolean => Boolean(process.stdin.isTTY && process.stderr.isTTY);

/**
 * The configuration with the CA key passphrase: CERTDESK_CA_PASSPHRASE when set; else, on a
 * terminal, asked for without echo (twice when a new key is sealed with it) and used in its place,
 * so that production, which requires the variable, also runs from a prompt; else the configuration
 * as it stands (development's default, or production's error naming the missing variable).
 */
async function caConfig(ctx: CliContext, confirm: boolean): Promise<{ config: Config; passphrase: string }> {
  if (ctx.io.env.CERTDESK_CA_PASSPHRASE !== undefined || !onTerminal()) {
    const config = ctx.config();
    return { config, passphrase: config.ca.passphrase };
  }
  const passphrase = await promptSecret(ctx.out.t("cli.ca.passphrase_prompt"), ctx.io.stderr);
  if ([...passphrase].length < MIN_PASSPHRASE) {
    throw new DomainError("cli.ca.passphrase_short", { min: MIN_PASSPHRASE });
  }
  if (confirm && (await promptSecret(ctx.out.t("cli.ca.passphrase_confirm"), ctx.io.stderr)) !== passphrase) {
    throw new DomainError("cli.ca.passphrase_mismatch");
  }
  return { config: cliConfig({ ...ctx.io.env, CERTDESK_CA_PASSPHRASE: passphrase }), passphrase };
}

function algorithmList(value: string | undefined, hsm: boolean): CaAlgorithm[] {
  if (value === undefined) return [...(hsm ? HSM_ALGORITHMS : ALGORITHMS)];
  const list = value
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean)
    .map((a) => oneOf("--algorithms", a, ALGORITHMS));
  if (list.length === 0)
    throw new DomainError("cli.invalid_value", {
      option: "--algorithms",
      value,
      allowed: ALGORITHMS.join(", "),
    });
  if (hsm) {
    const soft = list.find((a) => !HSM_ALGORITHMS.includes(a));
    if (soft) throw new DomainError("ca.hsm_algorithm_unsupported", { algorithm: soft });
  }
  return [...new Set(list)];
}

function casText(ctx: CliContext, cas: CaSummary[]): string {
  if (cas.length === 0) return ctx.out.t("cli.ca.none");
  return formatTable(
    cas.map((c) => [
      c.id,
      c.algorithm,
      c.kind,
      c.active ? ctx.out.t("cli.ca.active") : ctx.out.t("cli.ca.inactive"),
      c.keyStorage,
      c.notAfter.slice(0, 10),
      c.subject,
    ]),
  ).join("\n");
}

// ---- init -------------------------------------------------------------------------------------

export interface CaInitOptions {
  algorithms?: string;
  organisation?: string;
  hsm?: boolean;
  prefix?: string;
}

export async function caInitCommand(ctx: CliContext, options: CaInitOptions): Promise<number> {
  const hsm = options.hsm === true;
  if (hsm && !ctx.config().ca.hsm) throw new DomainError("ca.hsm_not_configured");
  const algorithms = algorithmList(options.algorithms, hsm);
  // Keys made in the HSM are sealed by it, not by the passphrase: nothing to ask for then.
  const { config, passphrase } = hsm
    ? { config: ctx.config(), passphrase: ctx.config().ca.passphrase }
    : await caConfig(ctx, true);
  const { initCas, publicationUrls } = await import("../ca/ca.js");
  const { hsmKeyMaker } = await import("../ca/ca-keys.js");
  const maker = hsm ? hsmKeyMaker(config.ca) : undefined;
  try {
    const cas = await withStore(config, { create: true }, async ({ db }) => {
      const settings = await storedCaSettings(config, db, ctx.clock.now());
      return initCas({ db, clock: ctx.clock }, CLI_ACTOR, {
        algorithms,
        organisation: options.organisation ?? config.ca.organisation,
        passphrase,
        urls: publicationUrls(settings.publicUrl, settings.ocspUrl),
        ...(options.prefix ? { prefix: options.prefix } : {}),
        ...(maker ? { hsm: maker } : {}),
      });
    });
    ctx.out.result({ cas }, () => casText(ctx, cas));
    return EXIT_OK;
  } finally {
    await maker?.close();
  }
}

// ---- list -------------------------------------------------------------------------------------

export async function caListCommand(ctx: CliContext): Promise<number> {
  const { listCas } = await import("../ca/ca.js");
  const cas = await onStoreOrDesk(
    ctx,
    () => withStore(ctx.config(), { create: false }, ({ db }) => listCas(db)),
    // The running desk lists them (GET /api/cas, staff), with each certificate's URL, not shown here.
    async (session) =>
      (await deskRequest<(CaSummary & { certificateUrl?: string })[]>(session, "GET", "/api/cas")).map(
        ({ certificateUrl: _url, ...ca }) => ca,
      ),
  );
  ctx.out.result({ cas }, () => casText(ctx, cas));
  return EXIT_OK;
}

// ---- import -----------------------------------------------------------------------------------

export interface CaImportOptions {
  cert?: string;
  key?: string;
  p12?: string;
  password?: string;
  id?: string;
}

export async function caImportCommand(ctx: CliContext, options: CaImportOptions): Promise<number> {
  let source: { certificate: Uint8Array; key: Uint8Array } | { p12: Uint8Array };
  if (options.p12 !== undefined && options.cert === undefined && options.key === undefined) {
    source = { p12: readInput(options.p12) };
  } else if (options.p12 === undefined && options.cert !== undefined && options.key !== undefined) {
    source = { certificate: readInput(options.cert), key: readInput(options.key) };
  } else {
    throw new DomainError("cli.ca.import_source");
  }
  let password = options.password;
  if (password === undefined && "p12" in source && onTerminal()) {
    password = await promptSecret(ctx.out.t("cli.ca.p12_password_prompt"), ctx.io.stderr);
  }
  const { config, passphrase } = await caConfig(ctx, true);
  const { importCa } = await import("../ca/ca-import.js");
  const imported = await withStore(config, { create: true }, ({ db }) =>
    importCa({ db, clock: ctx.clock }, CLI_ACTOR, { source, password, passphrase, id: options.id }),
  );
  ctx.out.result(imported, () =>
    ctx.out.t(imported.replaced ? "cli.ca.imported_replacing" : "cli.ca.imported", {
      ca: imported.id,
      subject: imported.subject,
      replaced: imported.replaced ?? "",
    }),
  );
  return EXIT_OK;
}

// ---- issue ------------------------------------------------------------------------------------

export interface CaIssueOptions {
  profile: string;
  csr: string;
  days?: string;
  algorithm?: string;
  programme?: string;
  organisation?: string;
}

export async function caIssueCommand(ctx: CliContext, options: CaIssueOptions): Promise<number> {
  const csr = readInput(options.csr);
  const days = options.days === undefined ? 365 : wholeNumber("--days", options.days);
  const algorithm =
    options.algorithm === undefined ? undefined : oneOf("--algorithm", options.algorithm, ALGORITHMS);
  const { config, passphrase } = await caConfig(ctx, false);
  const [{ CaRegistry, publicationUrls }, { caSecrets }, { issueFromCsrForOperator }, { pemChain }] =
    await Promise.all([
      import("../ca/ca.js"),
      import("../ca/ca-keys.js"),
      import("../ca/issuance.js"),
      import("../ca/certificate-signing.js"),
    ]);
  const issued = await withStore(config, { create: false }, async ({ db }) => {
    const settings = await storedCaSettings(config, db, ctx.clock.now());
    return issueFromCsrForOperator(
      {
        db,
        clock: ctx.clock,
        cas: new CaRegistry(db, caSecrets(config.ca, passphrase)),
        urls: publicationUrls(settings.publicUrl, settings.ocspUrl),
      },
      CLI_ACTOR,
      {
        csr,
        profile: options.profile,
        programme: options.programme,
        days,
        algorithm,
        organisationUscc: options.organisation,
      },
    );
  });
  const pem = pemChain(issued);
  ctx.out.result(
    {
      id: issued.id,
      serial: issued.serial,
      caId: issued.caId,
      profile: issued.profile,
      keyAlgorithm: issued.keyAlgorithm,
      subject: issued.subject,
      notBefore: issued.notBefore.toISOString(),
      notAfter: issued.notAfter.toISOString(),
      pem,
    },
    () => pem.trimEnd(),
  );
  return EXIT_OK;
}

// ---- revoke -----------------------------------------------------------------------------------

export interface CaRevokeOptions {
  reason: string;
  note?: string;
}

export async function caRevokeCommand(
  ctx: CliContext,
  serial: string,
  options: CaRevokeOptions,
): Promise<number> {
  const { STAFF_REVOCATION_REASONS } = await import("../ca/revocation.js");
  const reason: StaffRevocationReason = oneOf("--reason", options.reason, STAFF_REVOCATION_REASONS);
  const config = ctx.config();
  const revoked = await onStoreOrDesk(
    ctx,
    () => revokeOnStore(ctx, config, serial, reason, options.note),
    (session) => revokeThroughDesk(session, serial, reason, options.note),
  );
  ctx.out.result(
    {
      id: revoked.id,
      serial: revoked.serial,
      caId: revoked.caId,
      reason: revoked.reason,
      revokedAt: revoked.revokedAt,
      unboundBindings: revoked.unboundBindings,
    },
    () => ctx.out.t("cli.ca.revoked", { serial: revoked.serial, reason: revoked.reason }),
  );
  return EXIT_OK;
}

interface RevokedText {
  id: string;
  serial: string;
  caId: string | null;
  reason: string;
  revokedAt: string;
  unboundBindings: number;
}

async function revokeOnStore(
  ctx: CliContext,
  config: Config,
  serial: string,
  reason: StaffRevocationReason,
  note: string | undefined,
): Promise<RevokedText> {
  const [{ revokeCertificate }, { Publication }, { CaRegistry }, { caSecrets }] = await Promise.all([
    import("../ca/revocation.js"),
    import("../ca/publication.js"),
    import("../ca/ca.js"),
    import("../ca/ca-keys.js"),
  ]);
  const revoked = await withStore(config, { create: false }, async ({ db }) => {
    // The CA's CRL is rebuilt at once (once for the desk: a running desk then finds it done) and
    // every running desk drops its OCSP answers, through the desk's events.
    const cas = new CaRegistry(db, caSecrets(config.ca));
    const settings = await storedCaSettings(config, db, ctx.clock.now());
    const publication = new Publication({ db, clock: ctx.clock, cas, settings });
    return revokeCertificate({ db, clock: ctx.clock, publication }, CLI_ACTOR, {
      certificate: { serial },
      reason,
      note,
    });
  });
  return { ...revoked, revokedAt: revoked.revokedAt.toISOString() };
}

/** The running desk revokes (POST /api/certificates/{id}/revoke), found by its serial. */
async function revokeThroughDesk(
  session: DeskSession,
  serial: string,
  reason: StaffRevocationReason,
  note: string | undefined,
): Promise<RevokedText> {
  const { normalizeSerial } = await import("../pki/serial.js");
  const certificates = await deskRequest<{ id: string; serial: string }[]>(
    session,
    "GET",
    "/api/certificates",
  );
  const found = certificates.find((c) => c.serial === normalizeSerial(serial));
  if (!found) throw new DomainError("revocation.certificate_not_found");
  return deskRequest<RevokedText>(session, "POST", `/api/certificates/${found.id}/revoke`, {
    reason,
    ...(note ? { note } : {}),
  });
}
