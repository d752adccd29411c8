import { sql, type Kysely } from "kysely";

/** The desk's timestamp authority (RFC 3161) is a CA row of its own kind, made by ca init like the OCSP responder. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table cas drop constraint cas_kind_check;
    alter table cas add constraint cas_kind_check
      check (kind in ('root', 'issuing', 'ocsp-responder', 'seal-maker', 'tsa'));
  `.execute(db);
}
