import { sql, type Kysely } from "kysely";

/**
 * A CRL reads every revoked certificate of a CA in serial order: an index that covers the read
 * (no table visits) keeps a million-entry CRL well inside its time budget.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index certificates_crl_entries on certificates (ca_id, serial)
      include (revoked_at, revocation_reason) where revoked_at is not null;
    drop index certificates_revoked_by_ca;
  `.execute(db);
}
