import { sql, type Kysely } from "kysely";

/**
 * Signed checkpoints of the audit chain (src/store/audit-anchor.ts): each covers the rows after the
 * one before, keeps a short hash of each, and is signed with a key the database does not hold.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit_checkpoints (
      id integer primary key,
      at timestamptz not null,
      from_seq bigint not null,
      seq bigint not null,
      head_hash text not null,
      row_hashes text not null,
      prev_mac text not null,
      mac text not null
    );
  `.execute(db);
}
