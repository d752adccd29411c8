/**
 * CRLs: the revoked entries of each issuer, signed into a numbered CRL in the same transaction
 * that records it, and the latest one read back.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { REASON_CODES, buildCrl, type RevocationReason } from "../pki/crl.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, systemActor, type Actor } from "../people/actor.js";
import type { CaRegistry, LoadedCa } from "./ca.js";

export interface PublicationSettings {
  crlValidityHours: number;
  crlRefreshMinutes: number;
  ocspValidityMinutes: number;
  /** Statuses kept in the OCSP cache (least recently used go first). */
  ocspCacheEntries?: number;
  /**
   * How long a cached status is trusted before it is read again from the store. Revocations made in
   * this process reach the cache at once; this bounds how late one made elsewhere (the CLI, a
   * second server) is seen.
   */
  ocspRecheckSeconds?: number;
  /**
   * Delta CRLs (RFC 5280 5.2.4): published this often between complete CRLs and at once after a
   * revocation, at `deltaCrlUrl`, which complete CRLs name in freshestCRL. Absent, none.
   */
  deltaCrlMinutes?: number;
  deltaCrlUrl?: (caId: string) => string;
}

/** The delta CRL settings when deltas are published. */
export function deltaCrlsOf(
  settings: Pick<PublicationSettings, "deltaCrlMinutes" | "deltaCrlUrl">,
): { minutes: number; url: (caId: string) => string } | undefined {
  const { deltaCrlMinutes: minutes, deltaCrlUrl: url } = settings;
  return minutes && minutes > 0 && url ? { minutes, url } : undefined;
}

export interface PublicationDeps {
  db: Kysely<Database>;
  clock: Clock;
  cas: Pick<CaRegistry, "byId">;
  settings: PublicationSettings;
  /** Failures that no caller waits for (a CRL rebuilt after a revocation, a scheduled round). */
  onError?: (error: unknown, context: string) => void;
  /** Each CRL published, for the log. */
  onPublished?: ((crl: PublishedCrl) => void) | undefined;
}

// =============================================================================================
// CRLs

export interface PublishedCrl {
  caId: string;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
  der: Uint8Array;
  /** set on a delta CRL: the complete CRL it updates (RFC 5280 5.2.4) */
  baseCrlNumber?: bigint;
}

/** Only CAs whose certificates carry cRLSign publish CRLs: the roots and the issuing CAs. */
export const CRL_ISSUER_KINDS = ["root", "issuing"] as const;
/** CRLs kept per CA; older rows are pruned in the transaction that stores a new one. */
export const CRLS_KEPT = 3;

export const toSecond = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** A stored reason name as the CRL and OCSP want it; unknown text is treated as unspecified. */
export function reasonOf(text: string | null): RevocationReason | undefined {
  if (!text || !Object.hasOwn(REASON_CODES, text)) return undefined;
  const reason = text as RevocationReason;
  return reason === "unspecified" || reason === "removeFromCRL" ? undefined : reason;
}

/**
 * The revoked certificates of one CA (those revoked after `since`, for a delta CRL), in no
 * particular order (a CRL needs none), as PackedEntries: one query that comes back as one text.
 * Per-row work in the drivers, not the database, is what a million rows cost, and the CRL writer
 * reads the text in one pass without an object per entry. One query rather than pages in serial
 * order: walking the serial index visits the table at random for every row where the embedded
 * store has no visibility map (it never vacuums), four times slower than one scan in table order.
 * The text is about the size of the CRL built from it, which is held whole anyway.
 */
export async function revokedPacked(
  tx: Transaction<Database>,
  caId: string,
  since?: Date,
): Promise<{ packed: string; entries: number }> {
  const { rows } = await sql<{ packed: string | null; entries: string | number }>`
    select string_agg(serial || ' ' || to_char(revoked_at at time zone 'UTC', 'YYYYMMDDHH24MISS') || ' ' ||
                      coalesce(revocation_reason, ''), ',') as packed,
           count(*) as entries
      from certificates
     where ca_id = ${caId} and revoked_at is not null
       ${since ? sql`and revoked_at > ${since}` : sql``}`.execute(tx);
  return { packed: rows[0]?.packed ?? "", entries: Number(rows[0]?.entries ?? 0) };
}

/** The CAs that publish CRLs now: roots and issuing CAs whose certificates have not expired. */
export async function crlIssuers(db: Kysely<Database>, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom("cas")
    .select("id")
    .where("kind", "in", CRL_ISSUER_KINDS)
    .where("not_after", ">", now)
    .orderBy("algorithm")
    .orderBy("kind", "desc")
    .orderBy("id")
    .execute();
  return rows.map((r) => r.id);
}

/** The issuing CAs that sign now (the CLI's default). */
export async function activeIssuingCas(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom("cas")
    .select("id")
    .where("kind", "=", "issuing")
    .where("active", "=", true)
    .orderBy("algorithm")
    .execute();
  return rows.map((r) => r.id);
}

export interface PublishCrlOptions {
  actor?: Actor;
  /** Why this CRL was made: "schedule", "revocation", "request", "cli"; written to the audit row. */
  trigger?: string;
}

/**
 * Builds, signs and stores the next full CRL of a CA. The cas row is locked first and the entries
 * are read after it, so a CRL with a higher number never knows less than one with a lower number,
 * and two concurrent builds can never share a number.
 */
export async function publishCrl(
  deps: Pick<PublicationDeps, "db" | "clock" | "cas" | "settings">,
  caId: string,
  options: PublishCrlOptions = {},
): Promise<PublishedCrl> {
  const ca = await crlIssuer(deps, caId);
  const crl = await deps.db.transaction().execute((tx) => publishCrlInTx(tx, deps, ca, options));
  // Without unlessNewerThan a CRL is always made.
  return crl!;
}

/** The CA, opened, if it issues CRLs. */
export async function crlIssuer(deps: Pick<PublicationDeps, "db" | "cas">, caId: string): Promise<LoadedCa> {
  const kind = await deps.db.selectFrom("cas").select("kind").where("id", "=", caId).executeTakeFirst();
  if (!kind || !(CRL_ISSUER_KINDS as readonly string[]).includes(kind.kind))
    throw new DomainError("publication.crl_not_found", { ca: caId });
  // Opened before any transaction: on the embedded store the transaction holds the only connection.
  return deps.cas.byId(caId);
}

/**
 * publishCrl in the caller's transaction, with the CA already opened. With unlessNewerThan, the
 * newest CRL is looked at under the CA's row lock and nothing is made when it is that recent (a
 * scheduled refresh that another process has just done).
 */
export async function publishCrlInTx(
  tx: Transaction<Database>,
  deps: Pick<PublicationDeps, "clock" | "settings">,
  ca: Pick<LoadedCa, "id" | "certificate" | "signer">,
  options: PublishCrlOptions & { unlessNewerThan?: Date } = {},
): Promise<PublishedCrl | undefined> {
  const caId = ca.id;
  const actor = options.actor ?? systemActor("publication");
  const row = await tx
    .selectFrom("cas")
    .select("crl_number")
    .where("id", "=", caId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (options.unlessNewerThan) {
    const newest = await tx
      .selectFrom("crls")
      .select("this_update")
      .where("ca_id", "=", caId)
      .where("base_crl_number", "is", null)
      .orderBy("crl_number", "desc")
      .limit(1)
      .executeTakeFirst();
    if (newest && newest.this_update >= options.unlessNewerThan) return undefined;
  }
  const crlNumber = row.crl_number + 1n;
  const thisUpdate = toSecond(deps.clock.now());
  const nextUpdate = new Date(thisUpdate.getTime() + deps.settings.crlValidityHours * 3_600_000);
  const { packed, entries } = await revokedPacked(tx, caId);
  const deltas = deltaCrlsOf(deps.settings);
  const der = await buildCrl({
    issuerCertificate: ca.certificate,
    signer: ca.signer,
    crlNumber,
    thisUpdate,
    nextUpdate,
    entries: { packed },
    ...(deltas ? { freshestCrl: [deltas.url(caId)] } : {}),
  });
  await storeCrl(tx, { caId, crlNumber, thisUpdate, nextUpdate, entries, der });
  await tx.updateTable("cas").set({ crl_number: crlNumber }).where("id", "=", caId).execute();
  // The CRLS_KEPT newest complete CRLs stay, with the deltas over them; anything older goes.
  const kept = await tx
    .selectFrom("crls")
    .select("crl_number")
    .where("ca_id", "=", caId)
    .where("base_crl_number", "is", null)
    .orderBy("crl_number", "desc")
    .offset(CRLS_KEPT - 1)
    .limit(1)
    .executeTakeFirst();
  if (kept)
    await tx.deleteFrom("crls").where("ca_id", "=", caId).where("crl_number", "<", kept.crl_number).execute();
  await appendAudit(
    tx,
    {
      actor: actorLabel(actor),
      action: "ca.crl_publish",
      subjectType: "ca",
      subjectId: caId,
      data: {
        crlNumber: crlNumber.toString(),
        entries,
        thisUpdate: thisUpdate.toISOString(),
        nextUpdate: nextUpdate.toISOString(),
        ...(options.trigger ? { trigger: options.trigger } : {}),
      },
    },
    thisUpdate,
  );
  return { caId, crlNumber, thisUpdate, nextUpdate, entries, der };
}

/**
 * Stores a CRL's row. The DER goes as base64 text: PGlite turns a bytea parameter into hex one
 * byte at a time (seconds for 40 MB).
 */
export async function storeCrl(
  tx: Transaction<Database>,
  crl: Omit<PublishedCrl, "baseCrlNumber"> & { baseCrlNumber?: bigint },
): Promise<void> {
  const derBase64 = Buffer.from(crl.der.buffer, crl.der.byteOffset, crl.der.length).toString("base64");
  await tx
    .insertInto("crls")
    .values({
      ca_id: crl.caId,
      crl_number: crl.crlNumber,
      this_update: crl.thisUpdate,
      next_update: crl.nextUpdate,
      entries: crl.entries,
      der: sql<Uint8Array>`decode(${derBase64}, 'base64')`,
      base_crl_number: crl.baseCrlNumber ?? null,
    })
    .execute();
}

/** The newest stored complete CRL of a CA (or delta CRL, when asked), or undefined. */
export async function latestCrl(
  db: Kysely<Database>,
  caId: string,
  kind: "complete" | "delta" = "complete",
): Promise<PublishedCrl | undefined> {
  const row = await db
    .selectFrom("crls")
    .select(["ca_id", "crl_number", "this_update", "next_update", "entries", "base_crl_number"])
    // Hex again, for the same reason as on the way in.
    .select(sql<string>`encode(der, 'hex')`.as("der_hex"))
    .where("ca_id", "=", caId)
    .where("base_crl_number", kind === "complete" ? "is" : "is not", null)
    .orderBy("crl_number", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    caId: row.ca_id,
    crlNumber: row.crl_number,
    thisUpdate: row.this_update,
    nextUpdate: row.next_update,
    entries: row.entries,
    der: new Uint8Array(Buffer.from(row.der_hex, "hex")),
    ...(row.base_crl_number === null ? {} : { baseCrlNumber: BigInt(row.base_crl_number) }),
  };
}
