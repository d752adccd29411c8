/**
 * Delta CRLs (RFC 5280 5.2.4): between two complete CRLs of a CA, a small CRL lists what was
 * revoked since the newest complete one (its base), so that a CA with a million revocations makes
 * a revocation known in milliseconds while its complete CRL is rebuilt on the schedule. Complete and
 * delta CRLs share the CA's CRL number sequence; the complete CRL names the delta's address in
 * freshestCRL (5.2.6), which is how OpenSSL (-use_deltas) and other relying parties find it.
 */
import type { Transaction } from "kysely";
import { buildCrl } from "../pki/crl.js";
import { appendAudit } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import { actorLabel, systemActor } from "../people/actor.js";
import type { LoadedCa } from "./ca.js";
import {
  deltaCrlsOf,
  revokedPacked,
  storeCrl,
  type PublicationSettings,
  type PublishCrlOptions,
  type PublishedCrl,
} from "./crls.js";
import type { Clock } from "../domain/clock.js";

/**
 * A revocation is dated when its transaction starts and may commit after a complete CRL read the
 * table: the delta also lists what was revoked shortly before its base, so that none falls between
 * the two. Listing an entry twice is harmless; missing one is not.
 */
const OVERLAP_MS = 10 * 60_000;
/** Delta CRLs kept per CA beside the complete ones. */
const DELTAS_KEPT = 3;

/**
 * Builds, signs and stores the next delta CRL of a CA in the caller's transaction, under the CA's
 * row lock; undefined when deltas are off or the CA has no complete CRL yet (the caller then
 * publishes a complete one). With unlessNewerThan, nothing is made if a delta that recent exists.
 */
export async function publishDeltaCrlInTx(
  tx: Transaction<Database>,
  deps: { clock: Clock; settings: PublicationSettings },
  ca: Pick<LoadedCa, "id" | "certificate" | "signer">,
  options: PublishCrlOptions & { unlessNewerThan?: Date } = {},
): Promise<PublishedCrl | undefined> {
  const deltas = deltaCrlsOf(deps.settings);
  if (!deltas) return undefined;
  const caId = ca.id;
  const row = await tx
    .selectFrom("cas")
    .select("crl_number")
    .where("id", "=", caId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const newest = await tx
    .selectFrom("crls")
    .select(["crl_number", "this_update", "base_crl_number"])
    .where("ca_id", "=", caId)
    .orderBy("crl_number", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!newest) return undefined;
  if (options.unlessNewerThan && newest.this_update >= options.unlessNewerThan) return undefined;
  const base = await tx
    .selectFrom("crls")
    .select(["crl_number", "this_update", "next_update"])
    .where("ca_id", "=", caId)
    .where("base_crl_number", "is", null)
    .orderBy("crl_number", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!base) return undefined;

  const crlNumber = row.crl_number + 1n;
  const thisUpdate = new Date(Math.floor(deps.clock.now().getTime() / 1000) * 1000);
  // Fetched again before the next delta is due, never trusted past its base.
  const nextUpdate = new Date(
    Math.min(thisUpdate.getTime() + 2 * deltas.minutes * 60_000, base.next_update.getTime()),
  );
  if (!(nextUpdate > thisUpdate)) return undefined;
  const { packed, entries } = await revokedPacked(
    tx,
    caId,
    new Date(base.this_update.getTime() - OVERLAP_MS),
  );
  const der = await buildCrl({
    issuerCertificate: ca.certificate,
    signer: ca.signer,
    crlNumber,
    baseCrlNumber: base.crl_number,
    thisUpdate,
    nextUpdate,
    entries: { packed },
  });
  const crl = { caId, crlNumber, thisUpdate, nextUpdate, entries, der, baseCrlNumber: base.crl_number };
  await storeCrl(tx, crl);
  await tx.updateTable("cas").set({ crl_number: crlNumber }).where("id", "=", caId).execute();
  const older = await tx
    .selectFrom("crls")
    .select("crl_number")
    .where("ca_id", "=", caId)
    .where("base_crl_number", "is not", null)
    .orderBy("crl_number", "desc")
    .offset(DELTAS_KEPT - 1)
    .limit(1)
    .executeTakeFirst();
  if (older)
    await tx
      .deleteFrom("crls")
      .where("ca_id", "=", caId)
      .where("base_crl_number", "is not", null)
      .where("crl_number", "<", older.crl_number)
      .execute();
  await appendAudit(
    tx,
    {
      actor: actorLabel(options.actor ?? systemActor("publication")),
      action: "ca.crl_publish",
      subjectType: "ca",
      subjectId: caId,
      data: {
        crlNumber: crlNumber.toString(),
        baseCrlNumber: base.crl_number.toString(),
        entries,
        thisUpdate: thisUpdate.toISOString(),
        nextUpdate: nextUpdate.toISOString(),
        ...(options.trigger ? { trigger: options.trigger } : {}),
      },
    },
    thisUpdate,
  );
  return crl;
}
