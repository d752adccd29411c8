import { sql, type Kysely } from "kysely";

/**
 * Staff order search by part of an organisation's name (orders/order-search.ts: ILIKE '%…%'): a
 * trigram index, so three characters or more find their organisations without reading every one
 * (20,000 organisations: 78 ms read in full, 1 ms by the index). pg_trgm ships with PostgreSQL's
 * contrib; where it cannot be created (a server without contrib, the embedded store) the search
 * works as before, reading every organisation, so the migration does not fail for it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$
    begin
      create extension if not exists pg_trgm;
      create index organisations_name_trgm on organisations using gin (name gin_trgm_ops);
    exception when others then
      raise notice 'organisations_name_trgm not created: %', sqlerrm;
    end
    $$;
  `.execute(db);
}
