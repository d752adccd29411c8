import { sql, type Kysely } from "kysely";

/**
 * Relying platforms (the procurement system, the power-trading platform): their API clients and
 * rotatable HMAC credentials, the challenges their users sign, the events they are told of and
 * each webhook delivery and attempt. Bindings learn which platform made them and which binding
 * they carry on (a renewed or reissued certificate takes over its account).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table platform_clients (
      id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      programme_id text not null references programmes(id),
      name text not null,
      webhook_url text,
      created_at timestamptz not null,
      disabled_at timestamptz
    );

    -- The secret is sealed under the desk's secret key: the desk must read it back to check a
    -- request's HMAC and to sign webhooks, so a hash would not do.
    create table platform_credentials (
      key_id text primary key,
      client_id text not null references platform_clients(id),
      secret_sealed text not null,
      created_at timestamptz not null,
      -- a rotated-out key keeps working until then, so a platform can switch without downtime
      expires_at timestamptz,
      revoked_at timestamptz
    );
    create index platform_credentials_client on platform_credentials(client_id, created_at desc);

    -- Each signed request's nonce, kept for the clock-skew window: a replayed request is refused.
    create table platform_nonces (
      client_id text not null,
      nonce text not null,
      expires_at timestamptz not null,
      primary key (client_id, nonce)
    );

    create table platform_challenges (
      id uuid primary key,
      client_id text not null references platform_clients(id),
      purpose text not null check (purpose in ('bind', 'login')),
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz
    );

    alter table bindings add column platform_client_id text references platform_clients(id);
    alter table bindings add column succeeds_binding_id uuid references bindings(id);
    create index bindings_account_history on bindings(platform_account_id, bound_at);

    create table platform_events (
      id uuid primary key,
      -- the order events happened in: deliveries to a platform go out in it
      seq bigserial not null unique,
      programme_id text not null references programmes(id),
      type text not null,
      certificate_id uuid references certificates(id),
      data jsonb not null,
      -- an event that must be sent once only (a certificate's "expiring in 30 days")
      dedupe_key text unique,
      created_at timestamptz not null
    );
    create index platform_events_programme on platform_events(programme_id, created_at desc);

    create table webhook_deliveries (
      id uuid primary key,
      event_id uuid not null references platform_events(id),
      client_id text not null references platform_clients(id),
      url text not null,
      status text not null check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      claimed_until timestamptz,
      last_status integer,
      last_error text,
      delivered_at timestamptz,
      created_at timestamptz not null,
      unique (event_id, client_id)
    );
    create index webhook_deliveries_due on webhook_deliveries(next_attempt_at) where status = 'pending';
    create index webhook_deliveries_client on webhook_deliveries(client_id, created_at desc);

    create table webhook_attempts (
      id bigserial primary key,
      delivery_id uuid not null references webhook_deliveries(id),
      attempt integer not null,
      started_at timestamptz not null,
      duration_ms integer not null,
      status_code integer,
      error text,
      -- a back-office replay, not the retry schedule
      replay boolean not null default false
    );
    create index webhook_attempts_delivery on webhook_attempts(delivery_id, id);
  `.execute(db);
}
