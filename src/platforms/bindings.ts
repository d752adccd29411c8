/**
 * Platform accounts and the certificates bound to them.
 *
 * - One account holds one live certificate and one certificate one account: the store's unique
 *   partial indexes hold this when two requests race, and the loser gets a clear refusal.
 * - A platform binds after the user proved possession of the key: a signature, made through the
 *   security client, over a challenge the desk gave that platform for that purpose (once only).
 * - A certificate that replaces another (renewal, change, reissue) takes over the account when it
 *   is activated; a revoked certificate loses it. Ended bindings stay, as the account's history.
 * Every binding made or ended is audited and told to the programme's platforms (events.ts).
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import { DomainError } from "../domain/errors.js";
import { pendingStep, type OrderState } from "../domain/lifecycle.js";
import { assertAllowed, oneAccountOneCertificate } from "../domain/rules.js";
import { actorLabel, systemActor, type Actor } from "../people/actor.js";
import { flowOf, lockOrder, type OrderDeps } from "../orders/orders.js";
import { transitionInTx } from "../orders/transitions.js";
import { getProgramme } from "../orders/programmes.js";
import { appendAudit } from "../store/audit.js";
import type { PlatformClientRow } from "../store/schema-platforms.js";
import type { CertificateRow, Database } from "../store/schema.js";
import { emitCertificateEvent } from "./events.js";
import { useChallenge, type SignedChallenge, provenCertificate } from "./challenges.js";

export interface BindingView {
  id: string;
  account: string;
  certificate: { id: string; serial: string; subject: string; notAfter: string; status: string };
  boundAt: string;
  unboundAt: string | null;
  unboundReason: string | null;
  /** who asked for it: a platform's id, or null for the desk */
  platform: string | null;
  /** the binding this one took over from (a renewed, changed or reissued certificate) */
  succeeds: string | null;
}

// ---- binding ------------------------------------------------------------------------------------

type BindDeps = OrderDeps;

/** The platform binds its account to the certificate whose key signed the bind challenge. */
export async function bindWithProof(
  deps: BindDeps,
  client: PlatformClientRow,
  input: SignedChallenge & { account: string },
): Promise<BindingView> {
  const now = deps.clock.now();
  await useChallenge(deps.db, now, client, "bind", input.challenge);
  const cert = await provenCertificate(deps.db, now, client, input);
  if (!cert.activated_at)
    throw new DomainError("platform.certificate_not_activated", { serial: cert.serial });
  const { bindingId } = await bindCertificate(deps, systemActor(`platform:${client.id}`), {
    certificateId: cert.id,
    programmeId: client.programme_id,
    accountName: input.account,
    platformClientId: client.id,
  });
  return bindingById(deps.db, bindingId);
}

/**
 * Binds inside a transaction of its own; a retried request for the same pair returns the same
 * binding. An order waiting at its binding step moves on in the same transaction.
 */
export async function bindCertificate(
  deps: BindDeps,
  actor: Actor,
  input: {
    certificateId: string;
    programmeId: string;
    accountName: string;
    platformClientId?: string | null;
    /** checks the caller may bind this certificate (an applicant: its own organisation) */
    authorise?: (cert: CertificateRow) => void;
  },
): Promise<{ bindingId: string; created: boolean }> {
  const now = deps.clock.now();
  const accountName = input.accountName.trim();
  if (!accountName || accountName.length > 100) throw new DomainError("binding.account_invalid");
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const cert = await tx
        .selectFrom("certificates")
        .selectAll()
        .where("id", "=", input.certificateId)
        .executeTakeFirst();
      if (!cert || !cert.organisation_id) throw new DomainError("order.certificate_not_found");
      input.authorise?.(cert);
      // Checked before anything is written: an unknown programme is the caller's mistake, not a 500.
      await getProgramme(tx, input.programmeId);
      if (cert.status === "revoked")
        throw new DomainError("rules.certificate.revoked", { service: "binding" });
      let account = await tx
        .selectFrom("platform_accounts")
        .selectAll()
        .where("programme_id", "=", input.programmeId)
        .where("account_name", "=", accountName)
        .executeTakeFirst();
      // Another organisation's account is not this caller's to see, let alone take.
      if (account && account.organisation_id !== cert.organisation_id)
        throw new DomainError("binding.account_not_found");
      if (!account) {
        await tx
          .insertInto("platform_accounts")
          .values({
            id: randomUUID(),
            programme_id: input.programmeId,
            organisation_id: cert.organisation_id,
            account_name: accountName,
            created_at: now,
          })
          .onConflict((oc) => oc.columns(["programme_id", "account_name"]).doNothing())
          .execute();
        account = await tx
          .selectFrom("platform_accounts")
          .selectAll()
          .where("programme_id", "=", input.programmeId)
          .where("account_name", "=", accountName)
          .executeTakeFirstOrThrow();
        if (account.organisation_id !== cert.organisation_id)
          throw new DomainError("binding.account_not_found");
      }
      const accountBinding = await tx
        .selectFrom("bindings")
        .select(["id", "certificate_id"])
        .where("platform_account_id", "=", account.id)
        .where("unbound_at", "is", null)
        .executeTakeFirst();
      const certBinding = await tx
        .selectFrom("bindings")
        .select("platform_account_id")
        .where("certificate_id", "=", cert.id)
        .where("unbound_at", "is", null)
        .executeTakeFirst();
      assertAllowed(
        oneAccountOneCertificate({
          accountId: account.id,
          certificateId: cert.id,
          accountBoundCertificate: accountBinding
            ? { certificateId: accountBinding.certificate_id, active: true }
            : null,
          certificateBoundAccount: certBinding?.platform_account_id ?? null,
        }),
      );
      if (accountBinding && accountBinding.certificate_id === cert.id)
        return { bindingId: accountBinding.id, created: false };
      const bindingId = await insertBinding(tx, actor, now, {
        accountId: account.id,
        accountName,
        programmeId: input.programmeId,
        cert,
        platformClientId: input.platformClientId ?? null,
        succeeds: null,
      });
      // The order that made the certificate may be waiting for this binding (programme A's last step).
      if (cert.order_id) {
        const order = await lockOrder(tx, cert.order_id);
        const flow = flowOf(await getProgramme(tx, order.programme_id), order.service);
        if (pendingStep(flow, order.state as OrderState) === "binding")
          await transitionInTx(tx, deps, actor, order.id, "bind", { data: { bindingId } });
      }
      return { bindingId, created: true };
    });
  } catch (e) {
    const constraint = uniqueViolation(e);
    if (constraint === "bindings_one_account_per_certificate")
      throw new DomainError("rules.binding.certificate_has_account");
    if (constraint) throw new DomainError("rules.binding.account_has_certificate");
    throw e;
  }
}

/** The index a unique violation (SQLSTATE 23505) broke, "" when unnamed; undefined for other errors. */
function uniqueViolation(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null || (e as { code?: unknown }).code !== "23505") return undefined;
  const c = (e as { constraint?: unknown }).constraint;
  return typeof c === "string" ? c : "";
}

async function insertBinding(
  tx: Transaction<Database>,
  actor: Actor,
  now: Date,
  input: {
    accountId: string;
    accountName: string;
    programmeId: string;
    cert: Pick<CertificateRow, "id" | "serial">;
    platformClientId: string | null;
    succeeds: { id: string; serial: string } | null;
  },
): Promise<string> {
  const bindingId = randomUUID();
  await tx
    .insertInto("bindings")
    .values({
      id: bindingId,
      platform_account_id: input.accountId,
      certificate_id: input.cert.id,
      bound_at: now,
      unbound_at: null,
      unbound_reason: null,
      platform_client_id: input.platformClientId,
      succeeds_binding_id: input.succeeds?.id ?? null,
    })
    .execute();
  await appendAudit(
    tx,
    {
      actor: actorLabel(actor),
      action: "binding.bind",
      subjectType: "certificate",
      subjectId: input.cert.id,
      data: {
        account: input.accountName,
        programme: input.programmeId,
        bindingId,
        ...(input.platformClientId ? { platform: input.platformClientId } : {}),
        ...(input.succeeds ? { takesOverFrom: input.succeeds.serial } : {}),
      },
    },
    now,
  );
  await emitCertificateEvent(
    tx,
    "binding.bound",
    input.cert.id,
    {
      account: input.accountName,
      bindingId,
      ...(input.succeeds
        ? { takesOverFrom: { bindingId: input.succeeds.id, serial: input.succeeds.serial } }
        : {}),
    },
    now,
  );
  return bindingId;
}

/**
 * Ends the live bindings of a certificate (it was revoked, or the platform closed the account),
 * audited and told to the platforms. Returns the ended bindings' ids.
 */
export async function unbindCertificateInTx(
  tx: Transaction<Database>,
  now: Date,
  certificateId: string,
  reason: string,
): Promise<string[]> {
  const ended = await tx
    .updateTable("bindings")
    .set({ unbound_at: now, unbound_reason: reason })
    .where("certificate_id", "=", certificateId)
    .where("unbound_at", "is", null)
    .returning(["id", "platform_account_id"])
    .execute();
  for (const b of ended) {
    const account = await tx
      .selectFrom("platform_accounts")
      .select("account_name")
      .where("id", "=", b.platform_account_id)
      .executeTakeFirstOrThrow();
    await emitCertificateEvent(
      tx,
      "binding.unbound",
      certificateId,
      { account: account.account_name, bindingId: b.id, reason },
      now,
    );
  }
  return ended.map((b) => b.id);
}

/** The platform ends its account's binding (the account closed, the user asked). */
export async function unbindAccount(
  deps: BindDeps,
  client: PlatformClientRow,
  account: string,
  reason: string,
): Promise<BindingView> {
  const now = deps.clock.now();
  const actor = systemActor(`platform:${client.id}`);
  const bindingId = await deps.db.transaction().execute(async (tx) => {
    const live = await tx
      .selectFrom("bindings")
      .innerJoin("platform_accounts", "platform_accounts.id", "bindings.platform_account_id")
      .select(["bindings.id", "bindings.certificate_id"])
      .where("platform_accounts.programme_id", "=", client.programme_id)
      .where("platform_accounts.account_name", "=", account)
      .where("bindings.unbound_at", "is", null)
      .forUpdate()
      .executeTakeFirst();
    if (!live) throw new DomainError("platform.binding_not_found", { account });
    const text = `unbound by ${client.id}: ${reason.trim() || "no reason given"}`.slice(0, 300);
    await unbindCertificateInTx(tx, now, live.certificate_id, text);
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "binding.unbind",
        subjectType: "certificate",
        subjectId: live.certificate_id,
        reason: text,
        data: { account, bindingId: live.id },
      },
      now,
    );
    return live.id;
  });
  return bindingById(deps.db, bindingId);
}

/**
 * On activation of a certificate that replaces another (renewal, change, reissue): the replaced
 * certificate's account moves to the new one, unless the account has since been bound to another
 * certificate or the platform itself ended that binding. The old binding ends (if revocation has
 * not already ended it) and the new one records which it succeeds.
 */
export async function takeOverBindingInTx(
  tx: Transaction<Database>,
  actor: Actor,
  now: Date,
  input: { certificate: Pick<CertificateRow, "id" | "serial">; replacedCertificateId: string },
): Promise<string | undefined> {
  const previous = await tx
    .selectFrom("bindings")
    .innerJoin("certificates", "certificates.id", "bindings.certificate_id")
    .innerJoin("platform_accounts", "platform_accounts.id", "bindings.platform_account_id")
    .select([
      "bindings.id",
      "bindings.unbound_at",
      "bindings.unbound_reason",
      "bindings.platform_account_id",
      "bindings.platform_client_id",
      "certificates.serial",
      "platform_accounts.account_name",
      "platform_accounts.programme_id",
    ])
    .where("bindings.certificate_id", "=", input.replacedCertificateId)
    .orderBy("bindings.bound_at", "desc")
    .orderBy(sql`bindings.unbound_at desc nulls first`)
    .limit(1)
    .executeTakeFirst();
  if (!previous) return undefined;
  // Ended by the platform (or by anything but the replacement's revocation): not to be revived.
  if (previous.unbound_at && !previous.unbound_reason?.startsWith("revoked:")) return undefined;
  if (!previous.unbound_at)
    await unbindCertificateInTx(
      tx,
      now,
      input.replacedCertificateId,
      `superseded by ${input.certificate.serial}`,
    );
  const taken = await tx
    .selectFrom("bindings")
    .select("id")
    .where("platform_account_id", "=", previous.platform_account_id)
    .where("unbound_at", "is", null)
    .executeTakeFirst();
  if (taken) return undefined;
  const already = await tx
    .selectFrom("bindings")
    .select("id")
    .where("certificate_id", "=", input.certificate.id)
    .where("unbound_at", "is", null)
    .executeTakeFirst();
  if (already) return undefined;
  return insertBinding(tx, actor, now, {
    accountId: previous.platform_account_id,
    accountName: previous.account_name,
    programmeId: previous.programme_id,
    cert: input.certificate,
    platformClientId: previous.platform_client_id,
    succeeds: { id: previous.id, serial: previous.serial },
  });
}

// ---- reading ------------------------------------------------------------------------------------

const bindingColumns = [
  "bindings.id",
  "bindings.bound_at",
  "bindings.unbound_at",
  "bindings.unbound_reason",
  "bindings.platform_client_id",
  "bindings.succeeds_binding_id",
  "platform_accounts.account_name",
  "certificates.id as certificate_id",
  "certificates.serial",
  "certificates.subject",
  "certificates.not_after",
  "certificates.status",
] as const;

function bindingQuery(db: Kysely<Database>) {
  return db
    .selectFrom("bindings")
    .innerJoin("platform_accounts", "platform_accounts.id", "bindings.platform_account_id")
    .innerJoin("certificates", "certificates.id", "bindings.certificate_id")
    .select(bindingColumns);
}

type BindingJoinRow = Awaited<ReturnType<ReturnType<typeof bindingQuery>["executeTakeFirstOrThrow"]>>;

function toView(r: BindingJoinRow): BindingView {
  return {
    id: r.id,
    account: r.account_name,
    certificate: {
      id: r.certificate_id,
      serial: r.serial,
      subject: r.subject,
      notAfter: r.not_after.toISOString(),
      status: r.status,
    },
    boundAt: r.bound_at.toISOString(),
    unboundAt: r.unbound_at?.toISOString() ?? null,
    unboundReason: r.unbound_reason,
    platform: r.platform_client_id,
    succeeds: r.succeeds_binding_id,
  };
}

export async function bindingById(db: Kysely<Database>, id: string): Promise<BindingView> {
  return toView(await bindingQuery(db).where("bindings.id", "=", id).executeTakeFirstOrThrow());
}

/** An account's live binding (if any) and its whole history, newest first. */
export async function accountBindings(
  db: Kysely<Database>,
  programmeId: string,
  account: string,
): Promise<{ account: string; current: BindingView | null; history: BindingView[] }> {
  const rows = await bindingQuery(db)
    .where("platform_accounts.programme_id", "=", programmeId)
    .where("platform_accounts.account_name", "=", account)
    .orderBy("bindings.bound_at", "desc")
    // Bound in the same instant (a takeover): the live one, then the most recently ended, first.
    .orderBy(sql`bindings.unbound_at desc nulls first`)
    .execute();
  if (rows.length === 0) throw new DomainError("platform.binding_not_found", { account });
  const history = rows.map(toView);
  return { account, current: history.find((b) => !b.unboundAt) ?? null, history };
}

/** The live binding of a certificate, as a login needs it. */
export async function liveBindingOf(
  db: Kysely<Database>,
  certificateId: string,
): Promise<BindingView | undefined> {
  const row = await bindingQuery(db)
    .where("bindings.certificate_id", "=", certificateId)
    .where("bindings.unbound_at", "is", null)
    .executeTakeFirst();
  return row ? toView(row) : undefined;
}

// ---- login --------------------------------------------------------------------------------------

export interface LoginVerdict {
  account: string;
  bindingId: string;
  certificate: {
    serial: string;
    subject: string;
    organisation: string | null;
    uscc: string | null;
    notAfter: string;
  };
}

/**
 * Challenge-response login, checked by the desk: the signature over the platform's login
 * challenge, by a valid, unrevoked certificate of its programme, bound to which account. The desk
 * reads revocation from its own store, so a revoked certificate is refused at once.
 */
export async function verifyLogin(
  deps: BindDeps,
  client: PlatformClientRow,
  signed: SignedChallenge,
): Promise<LoginVerdict> {
  const now = deps.clock.now();
  await useChallenge(deps.db, now, client, "login", signed.challenge);
  const cert = await provenCertificate(deps.db, now, client, signed);
  const binding = await liveBindingOf(deps.db, cert.id);
  if (!binding) throw new DomainError("platform.certificate_not_bound", { serial: cert.serial });
  const org = cert.organisation_id
    ? await deps.db
        .selectFrom("organisations")
        .select(["name", "uscc"])
        .where("id", "=", cert.organisation_id)
        .executeTakeFirst()
    : undefined;
  await deps.db.transaction().execute((tx) =>
    appendAudit(
      tx,
      {
        actor: `system:platform:${client.id}`,
        action: "platform.login",
        subjectType: "certificate",
        subjectId: cert.id,
        data: { account: binding.account, serial: cert.serial },
      },
      now,
    ),
  );
  return {
    account: binding.account,
    bindingId: binding.id,
    certificate: {
      serial: cert.serial,
      subject: cert.subject,
      organisation: org?.name ?? null,
      uscc: org?.uscc ?? null,
      notAfter: cert.not_after.toISOString(),
    },
  };
}
