import { sql, type Kysely } from "kysely";

/**
 * The desk's key-login challenges already used: a challenge answers one login only. A row lives
 * until its challenge would have expired anyway; each login clears the expired ones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("key_login_challenges_used")
    .addColumn("nonce", "text", (c) => c.primaryKey())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await sql`create index key_login_challenges_used_expiry on key_login_challenges_used (expires_at)`.execute(
    db,
  );
}
