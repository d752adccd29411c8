import { sql, type Kysely } from "kysely";

/**
 * Delta CRLs (RFC 5280 5.2.4) are stored beside complete ones, numbered from the same sequence:
 * base_crl_number is the complete CRL a delta updates, null for a complete CRL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table crls add column base_crl_number bigint`.execute(db);
}
