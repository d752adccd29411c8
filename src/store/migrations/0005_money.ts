import { sql, type Kysely } from "kysely";

/**
 * Money, messages and deadlines: payment hardening (duplicates, queries, bank-transfer receipts),
 * refunds, the notification outbox and the SMS sink, deadline alerts, invoices, and the
 * development gateway's own records (so its charges and callbacks survive a restart).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Where a person is told what happens next: e-mail (optional) and language.
    alter table users
      add column email text,
      add column locale text not null default 'zh-CN' check (locale in ('zh-CN', 'en'));

    -- A second trade that succeeded for an already paid order is money received twice: it is kept
    -- as succeeded (the money did arrive) but marked as the duplicate of the payment that counts,
    -- and goes back through a refund. One counting payment per order, as before.
    alter table payments
      add column duplicate_of uuid references payments(id),
      add column gateway_ref text,
      add column settled_by text,
      add column failure_reason text,
      add column last_queried_at timestamptz;
    drop index payments_once_per_order;
    create unique index payments_once_per_order on payments(order_id)
      where status = 'succeeded' and duplicate_of is null;
    create index payments_pending on payments(created_at) where status = 'pending';
    create index payments_paid_at on payments(paid_at) where status = 'succeeded';

    -- Programme B: the customer's transfer receipt, with the plan and term it states; finance
    -- confirms or rejects it with a reason. One receipt under review per order at a time.
    create table transfer_receipts (
      id uuid primary key,
      order_id uuid not null references orders(id),
      filename text not null,
      content_type text not null,
      size integer not null,
      sha256 text not null,
      content bytea not null,
      plan text,
      years integer not null,
      amount_fen bigint not null check (amount_fen >= 0),
      payer_account text,
      status text not null check (status in ('submitted', 'confirmed', 'rejected')),
      reason text,
      decided_by text,
      decided_at timestamptz,
      uploaded_by uuid not null references users(id),
      uploaded_at timestamptz not null
    );
    create unique index transfer_receipts_one_open on transfer_receipts(order_id) where status = 'submitted';

    -- Money going back. Nothing is refunded twice: one live refund per payment, and one per
    -- order for a customer's refund request.
    create table refunds (
      id uuid primary key,
      refund_no text not null unique,
      payment_id uuid not null references payments(id),
      order_id uuid not null references orders(id),
      refund_order_id uuid references orders(id),
      channel text not null,
      amount_fen bigint not null check (amount_fen > 0),
      cause text not null check (cause in ('customer-request', 'duplicate-payment', 'order-closed')),
      status text not null check (status in ('pending', 'succeeded', 'failed')),
      reference text,
      gateway_ref text,
      failure_reason text,
      requested_by text not null,
      created_at timestamptz not null,
      submitted_at timestamptz,
      refunded_at timestamptz
    );
    create unique index refunds_once_per_payment on refunds(payment_id) where status <> 'failed';
    create unique index refunds_once_per_order on refunds(order_id)
      where status <> 'failed' and cause = 'customer-request';
    create index refunds_pending on refunds(created_at) where status = 'pending';
    create index refunds_refunded_at on refunds(refunded_at) where status = 'succeeded';

    -- The notification outbox: written in the same transaction as the change it reports,
    -- delivered by a worker. dedupe_key makes a message happen once (expiry reminders, alerts).
    create table outbox (
      id bigserial primary key,
      kind text not null,
      template text not null,
      channel text not null check (channel in ('sms', 'email')),
      recipient text not null,
      user_id uuid references users(id),
      locale text not null check (locale in ('zh-CN', 'en')),
      params jsonb not null,
      subject_type text,
      subject_id text,
      dedupe_key text not null unique,
      status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      claimed_until timestamptz,
      created_at timestamptz not null,
      sent_at timestamptz,
      provider_ref text,
      last_error text
    );
    create index outbox_due on outbox(next_attempt_at) where status = 'pending';
    create index outbox_subject on outbox(subject_type, subject_id);

    -- The development SMS sink: every message a real provider would have sent, once per outbox row.
    create table sms_messages (
      id uuid primary key,
      outbox_id bigint unique references outbox(id),
      recipient text not null,
      text text not null,
      created_at timestamptz not null
    );
    create index sms_messages_created on sms_messages(created_at desc);

    -- One alert per order and deadline, however often the sweep runs.
    create table deadline_alerts (
      order_id uuid not null references orders(id),
      kind text not null,
      due_on date not null,
      alerted_at timestamptz not null,
      primary key (order_id, kind, due_on)
    );

    -- Invoices: one per paid order, the VAT general invoice's fields kept as issued.
    create sequence invoice_number_seq;
    create table invoices (
      id uuid primary key,
      order_id uuid not null unique references orders(id),
      programme_id text not null references programmes(id),
      number text not null unique,
      issued_on date not null,
      issued_at timestamptz not null,
      due_on date,
      buyer_name text not null,
      buyer_tax_number text,
      tax_rate_bp integer not null,
      net_fen bigint not null,
      tax_fen bigint not null,
      total_fen bigint not null,
      record jsonb not null
    );
    create index invoices_issued_on on invoices(issued_on);

    -- The development payment gateway's own books (a real provider keeps these on its side).
    create table dev_gateway_charges (
      trade_no text primary key,
      order_number text not null,
      amount_fen bigint not null,
      description text not null,
      return_url text not null,
      state text not null check (state in ('open', 'paid', 'failed', 'closed')),
      gateway_ref text,
      paid_at timestamptz,
      refunded_fen bigint not null default 0,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create table dev_gateway_refunds (
      refund_no text primary key,
      trade_no text not null references dev_gateway_charges(trade_no),
      amount_fen bigint not null,
      state text not null check (state in ('processing', 'succeeded', 'failed')),
      gateway_ref text not null,
      refunded_at timestamptz,
      created_at timestamptz not null
    );
    create table dev_gateway_notifications (
      id bigserial primary key,
      kind text not null check (kind in ('payment', 'refund')),
      ref text not null,
      body text not null,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      delivered_at timestamptz,
      last_error text,
      created_at timestamptz not null
    );
    create index dev_gateway_notifications_due on dev_gateway_notifications(next_attempt_at)
      where delivered_at is null;
  `.execute(db);
}
