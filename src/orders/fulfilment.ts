/**
 * The desk's steps after an order is placed: review (approve, reject with reasons, resubmit),
 * paper received, production done, shipped, delivered, activated, bound. Each records its facts
 * and moves the order in one transaction.
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import { calendarDate, shanghaiDate } from "../domain/dates.js";
import { DomainError } from "../domain/errors.js";
import { pendingStep, type OrderState } from "../domain/lifecycle.js";
import type { Programme } from "../domain/programme.js";
import { validateCourierNumber, type CourierCarrier } from "../domain/validators.js";
import { pemEncode } from "../pki/pem.js";
import { bindCertificate, takeOverBindingInTx } from "../platforms/bindings.js";
import { appendAudit, atTransactionEnd } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import "../store/schema-keys.js";
import { actorLabel, type Actor } from "../people/actor.js";
import {
  assertCanSee,
  flowOf,
  lockOrder,
  viewOf,
  type OrderDeps,
  type OrderDetails,
  type OrderView,
  type Rejection,
} from "./orders.js";
import { transitionInTx } from "./transitions.js";
import {
  base64Der,
  certificateSettings,
  csrFromText,
  ISSUING_SERVICES,
  issueCertificateInTx,
  prepareKey,
  type KeyInput,
  type PreparedKey,
} from "../ca/issuance.js";
import type { IssuanceDeps, IssuedCertificate } from "../ca/certificate-signing.js";
import { requireRole } from "../people/people.js";
import { getProgramme } from "./programmes.js";
import { notifyRevoked, revokeInTx, type RevokedCertificate } from "../ca/revocation.js";

async function step(
  deps: OrderDeps,
  run: (tx: Transaction<Database>) => Promise<OrderRow>,
): Promise<OrderView> {
  return viewOf(deps, await deps.db.transaction().execute(run));
}

export async function approveOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  note?: string,
): Promise<OrderView> {
  return step(deps, (tx) => transitionInTx(tx, deps, actor, orderId, "approve", { reason: note }));
}

export async function rejectOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  input: { reason: string; items?: { target: string; reason: string }[] },
): Promise<OrderView> {
  const reason = input.reason.trim();
  if (!reason) throw new DomainError("order.rejection_reason_required");
  const items = (input.items ?? []).filter((i) => i.reason.trim());
  return step(deps, async (tx) => {
    const onFile = await scansOnFile(
      tx,
      orderId,
      items.map((i) => i.target),
    );
    const rejection: Rejection = { reason, items, at: deps.clock.now().toISOString(), onFile };
    return transitionInTx(tx, deps, actor, orderId, "reject", {
      reason,
      data: { items: rejection.items },
      patch: { rejection },
    });
  });
}

export async function resubmitOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  changes?: Partial<OrderDetails>,
): Promise<OrderView> {
  return step(deps, async (tx) => {
    const order = await lockOrder(tx, orderId);
    assertCanSee(actor, order);
    await assertRejectedMaterialsReplaced(tx, order);
    const details = { ...(order.details as OrderDetails), ...(changes ?? {}) };
    return transitionInTx(tx, deps, actor, orderId, "resubmit", {
      patch: { rejection: null, details },
      data: { changed: Object.keys(changes ?? {}) },
    });
  });
}

/** Per material id, the id of its current scan (uploads supersede, so at most one each). */
async function scansOnFile(
  tx: Transaction<Database>,
  orderId: string,
  materialIds: string[],
): Promise<Record<string, string>> {
  if (materialIds.length === 0) return {};
  const rows = await tx
    .selectFrom("materials")
    .select(["id", "material_id"])
    .where("order_id", "=", orderId)
    .where("material_id", "in", materialIds)
    .where("superseded_at", "is", null)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.material_id, r.id]));
}

/**
 * A resubmission must change what the reviewer rejected: every uploadable material named in the
 * rejection needs a scan uploaded after it, or the same file would go back for the same review.
 */
async function assertRejectedMaterialsReplaced(tx: Transaction<Database>, order: OrderRow): Promise<void> {
  const rejection = order.rejection as Rejection | null;
  if (order.state !== "rejected" || !rejection?.items?.length) return;
  const programme = await getProgramme(tx, order.programme_id);
  const { definition } = flowOf(programme, order.service);
  const named = new Set(rejection.items.map((i) => i.target));
  const rejected = definition.materials.filter((m) => named.has(m.id) && m.submission.includes("upload"));
  if (rejected.length === 0) return;
  const now = await scansOnFile(
    tx,
    order.id,
    rejected.map((m) => m.id),
  );
  const onFile = rejection.onFile ?? {};
  const stale = rejected.filter((m) => !now[m.id] || now[m.id] === onFile[m.id]);
  if (stale.length > 0) {
    throw new DomainError("order.rejected_materials_not_replaced", {
      materials: stale.map((m) => m.name["zh-CN"]).join("、"),
      materialsEn: stale.map((m) => m.name.en).join(", "),
      ids: stale.map((m) => m.id).join(","),
    });
  }
}

export async function receivePaper(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  note?: string,
): Promise<OrderView> {
  return step(deps, (tx) => transitionInTx(tx, deps, actor, orderId, "receive_paper", { reason: note }));
}

/** One key made in production: its request (PEM, or base64 DER) or its public key (base64 DER SPKI). */
export interface ProductionKey {
  csr?: string | undefined;
  publicKey?: string | undefined;
  /** The USB key's serial number. */
  keySerial?: string | undefined;
  /** SM2 dual pair: the key's encryption key, certified with the programme's encryption profile. */
  encryption?: { csr?: string | undefined; publicKey?: string | undefined } | undefined;
}

export type ProductionDeps = OrderDeps & IssuanceDeps;

/** A certificate as production hands it to the key: the PEM to install, and what it is. */
export interface ProducedCertificate {
  id: string;
  serial: string;
  profile: string | null;
  caId: string | null;
  keyAlgorithm: string | null;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** PEM of the certificate alone */
  certificate: string;
}

export type ProductionResult = OrderView & { certificates: ProducedCertificate[] };

function keyInputOf(key: { csr?: string | undefined; publicKey?: string | undefined }): KeyInput {
  if (key.csr !== undefined && key.publicKey === undefined) return { csr: csrFromText(key.csr) };
  if (key.publicKey !== undefined && key.csr === undefined)
    return { publicKey: base64Der(key.publicKey, "publicKey") };
  throw new DomainError("issuance.key_input_invalid", { field: "csr|publicKey" });
}

/** Each key checked and its issuing CA opened, before the production transaction takes the order's lock. */
async function prepareKeys(
  deps: ProductionDeps,
  order: OrderRow,
  programme: Programme,
  keys: ProductionKey[],
): Promise<{ signing: PreparedKey; encryption?: PreparedKey; keySerial?: string | undefined }[]> {
  if (keys.length === 0) return [];
  if (!ISSUING_SERVICES.includes(order.service)) {
    throw new DomainError("issuance.order_issues_no_certificates", { service: order.service });
  }
  const dualPair = certificateSettings(programme).dualPair;
  const out = [];
  for (const k of keys) {
    const signing = await prepareKey(deps, programme, undefined, keyInputOf(k));
    if (k.encryption && !dualPair)
      throw new DomainError("issuance.dual_pair_not_offered", { programme: programme.id });
    const encryption =
      k.encryption && dualPair
        ? await prepareKey(deps, programme, dualPair.encryptionProfile, keyInputOf(k.encryption))
        : undefined;
    out.push({ signing, ...(encryption ? { encryption } : {}), keySerial: k.keySerial });
  }
  return out;
}

/** One certificate per key the order paid for; change, renewal and reissue replace one certificate. */
function keysExpected(order: OrderRow): number {
  if (!ISSUING_SERVICES.includes(order.service)) return 0;
  return order.service === "new" ? ((order.details as OrderDetails).keys ?? 1) : 1;
}

/**
 * Production done: issues a certificate for each key the order paid for (and, for an SM2 dual
 * pair, each key's encryption certificate) and moves the order on, all in one transaction. A
 * retried call finds the certificates already issued and returns them: nothing is issued twice.
 * A reissue revokes the lost certificate (keyCompromise) in the same transaction.
 */
export async function finishProduction(
  deps: ProductionDeps,
  actor: Actor,
  orderId: string,
  keys: ProductionKey[],
  options: { programme?: Programme | undefined } = {},
): Promise<ProductionResult> {
  requireRole(actor, "production");
  const read = await deps.db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst();
  if (!read) throw new DomainError("order.not_found");
  // A seal order makes a seal, not certificates: its production is seals/seals.ts produceSeal.
  if (read.service === "seal-apply" || read.service === "seal-change") {
    throw new DomainError("production.seal_order", { service: read.service });
  }
  // Read once, here, and handed down: the order's programme does not change with its state.
  const programme =
    options.programme?.id === read.programme_id
      ? options.programme
      : await getProgramme(deps.db, read.programme_id);
  const prepared = await prepareKeys(deps, read, programme, keys);
  const revoked: RevokedCertificate[] = [];
  // The order locked once; its audit rows and desk events written at the end, in one statement each.
  const { row, certificateIds } = await deps.db.transaction().execute((tx) =>
    atTransactionEnd(tx, async () => {
      let order = await lockOrder(tx, orderId);
      assertCanSee(actor, order);
      // In the order they were issued: created_at can tie, the audit trail's sequence cannot.
      const existing = await tx
        .selectFrom("certificates")
        .select(["id", "profile"])
        .where("order_id", "=", order.id)
        .orderBy("created_at")
        .orderBy(
          sql`(select min(seq) from audit_log where subject_type = 'certificate' and subject_id = certificates.id::text)`,
        )
        .execute();
      const pending = pendingStep(flowOf(programme, order.service), order.state as OrderState);
      if (existing.length > 0 && pending !== "production") {
        return { row: order, certificateIds: existing.map((c) => c.id) };
      }
      if (order.state !== "in_production")
        order = await transitionInTx(tx, deps, actor, orderId, "start_production", {
          locked: { order, programme },
        });
      const locked = { order, programme };
      const dualPair = ISSUING_SERVICES.includes(order.service)
        ? certificateSettings(programme).dualPair
        : undefined;
      // Certificates issued one by one beforehand (issueCertificate) count towards the order's keys.
      const have = existing.filter((c) => c.profile !== dualPair?.encryptionProfile).length;
      const missing = Math.max(keysExpected(order) - have, 0);
      if (keys.length !== missing) {
        throw new DomainError("issuance.key_count_mismatch", { expected: missing, given: keys.length });
      }
      const issued: IssuedCertificate[] = [];
      for (const k of prepared) {
        issued.push(
          await issueCertificateInTx(tx, deps, actor, {
            orderId,
            key: k.signing,
            keySerial: k.keySerial,
            locked,
          }),
        );
        if (k.encryption) {
          issued.push(
            await issueCertificateInTx(tx, deps, actor, {
              orderId,
              key: k.encryption,
              keySerial: k.keySerial,
              locked,
            }),
          );
        } else if (dualPair?.required) {
          throw new DomainError("issuance.encryption_key_required", { programme: programme.id });
        }
      }
      const all = [...existing.map((c) => c.id), ...issued.map((c) => c.id)];
      const lost = (order.details as OrderDetails).certificateId;
      if (order.service === "reissue" && lost && all[0]) {
        const r = await revokeInTx(tx, deps, actor, {
          certificate: { certificateId: lost },
          reason: "keyCompromise",
          supersededBy: all[0],
          trigger: `reissue ${order.number}`,
          ifRevoked: "skip",
        });
        if (r) revoked.push(r);
      }
      const first = all[0];
      const moved = await transitionInTx(tx, deps, actor, orderId, "finish_production", {
        data: { certificates: issued.map((c) => c.serial) },
        patch: first && !order.certificate_id ? { certificate_id: first } : {},
        locked,
      });
      return { row: moved, certificateIds: all };
    }),
  );
  await notifyRevoked(deps.publication, revoked);
  return { ...viewOf(deps, row), certificates: await producedCertificates(deps.db, certificateIds) };
}

async function producedCertificates(db: Kysely<Database>, ids: string[]): Promise<ProducedCertificate[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom("certificates").selectAll().where("id", "in", ids).execute();
  return ids.map((id) => {
    const c = rows.find((r) => r.id === id)!;
    return {
      id: c.id,
      serial: c.serial,
      profile: c.profile,
      caId: c.ca_id,
      keyAlgorithm: c.key_algorithm,
      subject: c.subject,
      notBefore: c.not_before,
      notAfter: c.not_after,
      certificate: c.der ? pemEncode("CERTIFICATE", c.der) : "",
    };
  });
}

export async function shipOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  input: { carrier: CourierCarrier; trackingNumber: string },
): Promise<OrderView> {
  const check = validateCourierNumber(input.carrier, input.trackingNumber);
  if (!check.valid) throw new DomainError(check.reason, { field: "trackingNumber", ...(check.params ?? {}) });
  return step(deps, async (tx) => {
    const order = await lockOrder(tx, orderId);
    const moved = await transitionInTx(tx, deps, actor, orderId, "ship", {
      data: { carrier: input.carrier, trackingNumber: check.value },
    });
    await tx
      .insertInto("shipments")
      .values({
        id: randomUUID(),
        order_id: order.id,
        carrier: input.carrier,
        tracking_number: check.value,
        shipped_at: deps.clock.now(),
        delivered_on: null,
      })
      .execute();
    return moved;
  });
}

/** The courier's delivery was signed for on that day (it starts the refund window). */
export async function deliverOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  signedOn?: string,
): Promise<OrderView> {
  const day = signedOn ? calendarDate(signedOn) : shanghaiDate(deps.clock.now());
  return step(deps, async (tx) => {
    const moved = await transitionInTx(tx, deps, actor, orderId, "deliver", { data: { signedOn: day } });
    await tx
      .updateTable("shipments")
      .set({ delivered_on: day })
      .where("order_id", "=", orderId)
      .where("delivered_on", "is", null)
      .execute();
    return moved;
  });
}

/**
 * The holder activates a certificate on its key; that ends refund eligibility. The first
 * activation of a change's or renewal's certificate revokes the certificate it replaces
 * (superseded): until then the holder still logs in with the old one.
 *
 * This records the activation; the holder's proof (the activation code and the key's signature)
 * is checked before by its callers in keys/keys.ts, which every route goes through.
 */
export async function activateCertificate(
  deps: OrderDeps,
  actor: Actor,
  certificateId: string,
): Promise<OrderView | undefined> {
  const { row, revoked } = await deps.db
    .transaction()
    .execute((tx) => activateCertificateInTx(tx, deps, actor, certificateId));
  await notifyRevoked(deps.publication, revoked);
  return row ? viewOf(deps, row) : undefined;
}

/**
 * The same inside the caller's transaction. The USB key that holds the certificate is activated in
 * it too, so the certificate's state and the key's never disagree; keyAudit adds to the key's
 * audit row (the code that proved it). The caller hands `revoked` to notifyRevoked once committed.
 */
export async function activateCertificateInTx(
  tx: Transaction<Database>,
  deps: OrderDeps,
  actor: Actor,
  certificateId: string,
  keyAudit: Record<string, unknown> = {},
): Promise<{ row: OrderRow | undefined; revoked: RevokedCertificate[] }> {
  const now = deps.clock.now();
  const revoked: RevokedCertificate[] = [];
  const cert = await tx
    .selectFrom("certificates")
    .selectAll()
    .where("id", "=", certificateId)
    .forUpdate()
    .executeTakeFirst();
  if (!cert || !cert.organisation_id) throw new DomainError("order.certificate_not_found");
  assertCanSee(actor, { organisation_id: cert.organisation_id });
  const keys = await tx
    .updateTable("usb_keys")
    .set({ activated_at: cert.activated_at ?? now, updated_at: now })
    .where("certificate_id", "=", cert.id)
    .where("activated_at", "is", null)
    .returning(["id", "serial"])
    .execute();
  for (const key of keys)
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "key.activate",
        subjectType: "usb_key",
        subjectId: key.id,
        toState: "activated",
        data: { serial: key.serial ?? "", certificateSerial: cert.serial, ...keyAudit },
      },
      now,
    );
  if (cert.activated_at) return { row: undefined, revoked };
  if (cert.status === "revoked")
    throw new DomainError("rules.certificate.revoked", { service: "activation" });
  await tx
    .updateTable("certificates")
    .set({ activated_at: now, status: "active" })
    .where("id", "=", cert.id)
    .execute();
  await appendAudit(
    tx,
    {
      actor: actorLabel(actor),
      action: "certificate.activate",
      subjectType: "certificate",
      subjectId: cert.id,
      data: { serial: cert.serial },
    },
    now,
  );
  if (!cert.order_id) return { row: undefined, revoked };
  const order = await lockOrder(tx, cert.order_id);
  const programme = await getProgramme(tx, order.programme_id);
  const replaced = (order.details as OrderDetails).certificateId;
  const encryptionOnly =
    programme.certificates?.profiles.find((p) => p.id === cert.profile)?.usage === "encryption";
  if ((order.service === "change" || order.service === "renewal") && replaced && !encryptionOnly) {
    const r = await revokeInTx(tx, deps, actor, {
      certificate: { certificateId: replaced },
      reason: "superseded",
      supersededBy: cert.id,
      trigger: `${order.service} ${order.number}`,
      ifRevoked: "skip",
    });
    if (r) revoked.push(r);
  }
  // The replaced certificate's platform account moves to this one (a reissue's was revoked at issuance).
  if (ISSUING_SERVICES.includes(order.service) && order.service !== "new" && replaced && !encryptionOnly)
    await takeOverBindingInTx(tx, actor, now, { certificate: cert, replacedCertificateId: replaced });
  const flow = flowOf(programme, order.service);
  if (pendingStep(flow, order.state as OrderState) !== "activation") return { row: undefined, revoked };
  const row = await transitionInTx(tx, deps, actor, order.id, "activate", {
    data: { certificateId: cert.id },
  });
  return { row, revoked };
}

/**
 * Binds a platform account to a certificate from the portal or back office (platforms bind through
 * their API, platforms/bindings.ts): the same rule, the same unique indexes, the same order step.
 */
export async function bindAccount(
  deps: OrderDeps,
  actor: Actor,
  input: { certificateId: string; programmeId: string; accountName: string },
): Promise<{ bindingId: string }> {
  const { bindingId } = await bindCertificate(deps, actor, {
    ...input,
    authorise: (cert) => assertCanSee(actor, { organisation_id: cert.organisation_id! }),
  });
  return { bindingId };
}
