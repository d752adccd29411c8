import { sql, type Kysely } from "kysely";

/**
 * One counter that every change to what the desk keeps in memory moves: a session ended, a user
 * changed, a CA activated or retired, a programme saved. A process reads this one row (a primary
 * key lookup, coalesced across concurrent requests) instead of the sessions, CA and programme
 * rows, and drops what it keeps when the counter has moved: a logout made by any process on the
 * same database takes effect on the next request everywhere. The triggers are in the database so
 * that no write path (a CLI, a future route, hand-written SQL) can forget to move it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table read_cache_epoch (
      id integer primary key check (id = 1),
      epoch bigint not null
    );
    insert into read_cache_epoch (id, epoch) values (1, 0);

    create function read_cache_epoch_bump() returns trigger language plpgsql as $$
    begin
      update read_cache_epoch set epoch = epoch + 1 where id = 1;
      return null;
    end
    $$;

    create trigger sessions_read_cache after update or delete or truncate on sessions
      for each statement execute function read_cache_epoch_bump();
    create trigger users_read_cache after update or delete or truncate on users
      for each statement execute function read_cache_epoch_bump();
    create trigger programmes_read_cache after insert or update or delete or truncate on programmes
      for each statement execute function read_cache_epoch_bump();
    -- Not on every update: each CRL moves crl_number, which no cache reads.
    create trigger cas_read_cache after insert or delete or truncate or update of active, certificate, key on cas
      for each statement execute function read_cache_epoch_bump();
  `.execute(db);
}
