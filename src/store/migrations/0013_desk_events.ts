import { sql, type Kysely } from "kysely";

/**
 * One desk, many processes (issue #17): the CA's own settings, which every process reads from here
 * instead of its environment, and the desk's events (a revocation, an issuance, a CA change),
 * written in the transaction of the change and announced with NOTIFY, so that every process acts
 * on them, also one that was down when they happened. Work done once for the whole desk (a CRL
 * after a revocation) keeps its place in desk_event_cursors, under a row lock.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table desk_settings (
      name text primary key,
      value jsonb not null,
      updated_at timestamptz not null
    );

    create table desk_events (
      id bigserial primary key,
      type text not null,
      data jsonb not null,
      created_at timestamptz not null
    );
    create index desk_events_type on desk_events(type, id);

    create table desk_event_cursors (
      consumer text primary key,
      last_id bigint not null
    );
    insert into desk_event_cursors (consumer, last_id) values ('crl', 0);
  `.execute(db);
}
