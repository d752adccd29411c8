/**
 * CRLs: the revoked entries of each issuer, signed into a numbered CRL in the same transaction
 * that records it, and the latest one read back.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { REASON_CODES, buildCrl, type RevocationReason, type RevokedEntry } from "../pki/crl.js";
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
 * The revoked certificates of one CA, in no particular order (a CRL needs none), read in one
 * query that comes back as one text ("serial seconds reason" joined by ","): per-row work in the
 * drivers, not the database, is what a million rows cost. One query rather than pages in serial
 * order: walking the serial index visits the table at random for every row where the embedded
 * store has no visibility map (it never vacuums), four times slower than one scan in table
 * order. The text is about the size of the CRL built from it, which is held whole anyway.
 */
export async function* revokedEntries(
  tx: Transaction<Database>,
  caId: string,
  tally: { entries: number } = { entries: 0 },
): AsyncGenerator<RevokedEntry> {
  const { rows } = await sql<{ entries: string | null }>`
    select string_agg(serial || ' ' || floor(date_part('epoch', revoked_at))::bigint || ' ' ||
                      coalesce(revocation_reason, ''), ',') as entries
      from certificates
     where ca_id = ${caId} and revoked_at is not null`.execute(tx);
  const entries = rows[0]?.entries;
  if (!entries) return;
  for (const item of entries.split(",")) {
    const [serialNumber, seconds, reasonText] = item.split(" ") as [string, string, string];
    const reason = reasonOf(reasonText);
    tally.entries++;
    yield { serialNumber, revokedAt: new Date(Number(seconds) * 1000), ...(reason ? { reason } : {}) };
  }
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
      .orderBy("crl_number", "desc")
      .limit(1)
      .executeTakeFirst();
    if (newest && newest.this_update >= options.unlessNewerThan) return undefined;
  }
  const crlNumber = row.crl_number + 1n;
  const thisUpdate = toSecond(deps.clock.now());
  const nextUpdate = new Date(thisUpdate.getTime() + deps.settings.crlValidityHours * 3_600_000);
  const tally = { entries: 0 };
  const der = await buildCrl({
    issuerCertificate: ca.certificate,
    signer: ca.signer,
    crlNumber,
    thisUpdate,
    nextUpdate,
    entries: revokedEntries(tx, caId, tally),
  });
  const entries = tally.entries;
  // As base64 text: PGlite turns a bytea parameter into hex one byte at a time (seconds for 40 MB).
  const derBase64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString("base64");
  await tx
    .insertInto("crls")
    .values({
      ca_id: caId,
      crl_number: crlNumber,
      this_update: thisUpdate,
      next_update: nextUpdate,
      entries,
      der: sql<Uint8Array>`decode(${derBase64}, 'base64')`,
    })
    .execute();
  await tx.updateTable("cas").set({ crl_number: crlNumber }).where("id", "=", caId).execute();
  await tx
    .deleteFrom("crls")
    .where("ca_id", "=", caId)
    .where("crl_number", "<=", crlNumber - BigInt(CRLS_KEPT))
    .execute();
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

/** The newest stored CRL of a CA, or undefined. */
export async function latestCrl(db: Kysely<Database>, caId: string): Promise<PublishedCrl | undefined> {
  const row = await db
    .selectFrom("crls")
    .select(["ca_id", "crl_number", "this_update", "next_update", "entries"])
    // Hex again, for the same reason as on the way in.
    .select(sql<string>`encode(der, 'hex')`.as("der_hex"))
    .where("ca_id", "=", caId)
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
  };
}
