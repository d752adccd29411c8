import { sql, type Kysely } from "kysely";

/** The desk's foundation: programmes, calendar, people, orders, money, certificates, the audit chain. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table programmes (
      id text primary key,
      definition jsonb not null,
      version integer not null default 1,
      updated_at timestamptz not null default now()
    );

    create table calendar_years (
      year integer primary key,
      data jsonb not null,
      loaded_at timestamptz not null default now()
    );

    create table organisations (
      id uuid primary key,
      name text not null,
      uscc text not null unique,
      uscc_override_reason text,
      address text,
      created_at timestamptz not null default now()
    );

    create table users (
      id uuid primary key,
      kind text not null check (kind in ('applicant', 'staff')),
      login text not null unique,
      password_hash text not null,
      name text not null,
      mobile text,
      id_number text,
      organisation_id uuid references organisations(id),
      roles text[] not null default '{}',
      disabled boolean not null default false,
      created_at timestamptz not null default now(),
      check (kind = 'staff' or organisation_id is not null)
    );

    create table sessions (
      token_hash text primary key,
      user_id uuid not null references users(id),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index sessions_user on sessions(user_id);

    create table login_throttle (
      key text primary key,
      failures integer not null,
      window_started_at timestamptz not null,
      blocked_until timestamptz
    );

    create table platform_accounts (
      id uuid primary key,
      programme_id text not null references programmes(id),
      organisation_id uuid not null references organisations(id),
      account_name text not null,
      created_at timestamptz not null default now(),
      unique (programme_id, account_name)
    );

    create table certificates (
      id uuid primary key,
      serial text not null unique,
      order_id uuid,
      organisation_id uuid references organisations(id),
      programme_id text references programmes(id),
      subject text not null,
      not_before timestamptz not null,
      not_after timestamptz not null,
      status text not null default 'issued' check (status in ('issued', 'active', 'superseded', 'revoked')),
      activated_at timestamptz,
      revoked_at timestamptz,
      revocation_reason text,
      created_at timestamptz not null default now()
    );
    create index certificates_organisation on certificates(organisation_id);

    -- One platform account to one certificate, and one certificate to one account, while bound;
    -- unbound rows stay as history.
    create table bindings (
      id uuid primary key,
      platform_account_id uuid not null references platform_accounts(id),
      certificate_id uuid not null references certificates(id),
      bound_at timestamptz not null default now(),
      unbound_at timestamptz,
      unbound_reason text
    );
    create unique index bindings_one_certificate_per_account on bindings(platform_account_id) where unbound_at is null;
    create unique index bindings_one_account_per_certificate on bindings(certificate_id) where unbound_at is null;

    create sequence order_number_seq;

    create table orders (
      id uuid primary key,
      number text not null unique,
      programme_id text not null references programmes(id),
      service text not null,
      organisation_id uuid not null references organisations(id),
      applicant_id uuid not null references users(id),
      state text not null,
      details jsonb not null,
      quote jsonb not null,
      total_fen bigint not null check (total_fen >= 0),
      certificate_id uuid references certificates(id),
      target_order_id uuid references orders(id),
      rejection jsonb,
      due_kind text,
      due_on date,
      idempotency_key text,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (applicant_id, idempotency_key)
    );
    create index orders_organisation on orders(organisation_id, created_at desc);
    create index orders_state on orders(programme_id, state);

    alter table certificates add constraint certificates_order foreign key (order_id) references orders(id);

    create table materials (
      id uuid primary key,
      order_id uuid not null references orders(id),
      material_id text not null,
      filename text not null,
      content_type text not null,
      size integer not null,
      sha256 text not null,
      content bytea not null,
      uploaded_by uuid not null references users(id),
      uploaded_at timestamptz not null default now(),
      superseded_at timestamptz
    );
    create index materials_order on materials(order_id);

    -- Money is counted in fen. An order is paid at most once: one succeeded payment per order.
    create table payments (
      id uuid primary key,
      order_id uuid not null references orders(id),
      channel text not null,
      amount_fen bigint not null check (amount_fen >= 0),
      status text not null check (status in ('pending', 'succeeded', 'failed')),
      gateway_trade_no text unique,
      created_at timestamptz not null default now(),
      paid_at timestamptz
    );
    create unique index payments_once_per_order on payments(order_id) where status = 'succeeded';

    create table shipments (
      id uuid primary key,
      order_id uuid not null references orders(id),
      carrier text not null,
      tracking_number text not null,
      shipped_at timestamptz not null default now(),
      delivered_on date
    );
    create index shipments_order on shipments(order_id);

    -- The audit trail: append-only, each row hashes the one before it (see store/audit.ts).
    create table audit_log (
      seq bigint primary key,
      at timestamptz not null,
      actor text not null,
      action text not null,
      subject_type text not null,
      subject_id text not null,
      from_state text,
      to_state text,
      reason text,
      data jsonb not null,
      prev_hash text not null,
      hash text not null
    );
    create index audit_subject on audit_log(subject_type, subject_id, seq);

    create table audit_head (
      id integer primary key check (id = 1),
      seq bigint not null,
      hash text not null
    );
    insert into audit_head (id, seq, hash) values (1, 0, repeat('0', 64));
  `.execute(db);
}
