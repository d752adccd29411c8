import { sql, type Kysely } from "kysely";

/** The CA core: CA certificates and their keys' whereabouts, issued certificates' bodies, CRLs. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table cas (
      id text primary key,
      algorithm text not null check (algorithm in ('rsa', 'ecdsa-p256', 'sm2')),
      kind text not null check (kind in ('root', 'issuing', 'ocsp-responder', 'seal-maker')),
      issuer_id text references cas(id),
      certificate bytea not null,
      subject text not null,
      serial text not null,
      not_before timestamptz not null,
      not_after timestamptz not null,
      -- Where the private key is: {"storage":"encrypted", ...} (see pki/key-vault.ts) or
      -- {"storage":"pkcs11","module":...,"token":...,"keyLabel":...}. Never a key in clear.
      key jsonb not null,
      crl_number bigint not null default 0,
      active boolean not null default true,
      created_at timestamptz not null default now()
    );
    -- One active CA of each kind per algorithm: the one that signs now.
    create unique index cas_one_active on cas(algorithm, kind) where active;

    alter table certificates
      add column ca_id text references cas(id),
      add column der bytea,
      add column profile text,
      add column key_algorithm text,
      add column superseded_by uuid references certificates(id);
    create index certificates_revoked_by_ca on certificates(ca_id, revoked_at) where revoked_at is not null;

    create table crls (
      ca_id text not null references cas(id),
      crl_number bigint not null,
      this_update timestamptz not null,
      next_update timestamptz not null,
      entries integer not null,
      der bytea not null,
      primary key (ca_id, crl_number)
    );
  `.execute(db);
}
