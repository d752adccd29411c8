import { sql, type Kysely } from "kysely";

/**
 * A CRL's DER is stored as it is: random serials do not compress, and compressing a 44 MB CRL
 * (a million entries) cost its publication about three seconds on the embedded store.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table crls alter column der set storage external`.execute(db);
}
