/**
 * Production at the service centre: a batch takes paid and approved orders (those at their
 * production step) and makes their keys, one by one, on a production station:
 *
 *   planned → initialised → key_generated → certificate_issued → written → recorded
 *
 * planned: the key's row exists with its label (the order number and the key's place in the
 * order), a random SO PIN sealed under the desk's secret key, and the CKA_ID its key pair will
 * have; initialised: the key is erased and given label, SO PIN, user PIN and the programme's retry
 * limits, and its serial is recorded; key_generated: the key pair is made on the key and its public
 * key recorded; certificate_issued: the CA core certifies it, in one transaction with the step, so
 * a key's certificate is issued once (a rerun finds the certificate id on the row); written: the
 * certificate is on the key; recorded: read back and checked. When every key of an order is
 * recorded the order is produced (finishProduction, which counts the certificates already issued).
 *
 * Running a batch is in production-run.ts. Each step is audited where it happens. A batch that
 * stops (a crash, a key pulled out, the CA away) is run again and carries on from each key's
 * recorded step: the station hands back the key already initialised for a label, a key pair
 * already made is found by its id, and nothing is issued twice.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { DomainError } from "../domain/errors.js";
import { pendingStep, type OrderState } from "../domain/lifecycle.js";
import type { Programme } from "../domain/programme.js";
import { keyAlgorithmOf } from "../pki/profile.js";
import type { KeyAlgorithm } from "../pki/signer.js";
import { appendAudit } from "../store/audit.js";
import type { Database, OrderRow } from "../store/schema.js";
import type { KeyStep, ProductionBatchRow } from "../store/schema-keys.js";
import "../store/schema-keys.js";
import type { ProductionStation } from "../token/station.js";
import type { UsbKeyAlgorithm } from "../token/port.js";
import { actorLabel, type Actor } from "../people/actor.js";
import type { ProductionDeps } from "../orders/fulfilment.js";
import { certificateSettings } from "../ca/issuance.js";
import { newSoPin, sealSoPin } from "./key-secrets.js";
import { batchLease, type LeaseView } from "./production-lease.js";
import { flowOf, lockOrder, type OrderDetails } from "../orders/orders.js";
import { transitionInTx } from "../orders/transitions.js";
import { requireRole } from "../people/people.js";
import { getProgramme } from "../orders/programmes.js";

/** Services whose keys the service centre makes (a renewal's key pair is made on the user's key). */
export const KEY_MAKING_SERVICES: readonly string[] = ["new", "change", "reissue"];

/**
 * The user PIN of a new key when the programme publishes none. It is marked default, so the client
 * makes the holder change it before first use, as with programme B's published 123456.
 */
export const FALLBACK_INITIAL_PIN = "12345678";

export interface KeyDeskSettings {
  /** seals SO PINs and keys code hashes (CERTDESK_SECRET_KEY) */
  secretKey: string;
  /** where production makes keys for the back office's API; absent, the API cannot run batches */
  station?: (() => ProductionStation) | undefined;
}

export type KeyProductionDeps = ProductionDeps & { keys: KeyDeskSettings };

/** The user PIN a new (or formatted) key gets, and whether it is a published default. */
export function initialUserPin(programme: Programme): { pin: string; defaultPin: boolean } {
  const initial = programme.key.initialUserPin;
  return initial
    ? { pin: initial.value, defaultPin: initial.mustChange }
    : { pin: FALLBACK_INITIAL_PIN, defaultPin: true };
}

const USB_TO_KEY: Record<UsbKeyAlgorithm, KeyAlgorithm> = {
  sm2: "sm2",
  "ecdsa-p256": "ecdsa-p256",
  "rsa-2048": "rsa",
};

/** The first algorithm of the programme's signing profile that the station's keys can make. */
export function keyAlgorithmFor(programme: Programme, station: readonly UsbKeyAlgorithm[]): UsbKeyAlgorithm {
  const settings = certificateSettings(programme);
  const profile = settings.profiles.find((p) => p.id === settings.signingProfile);
  const allowed = (profile?.algorithms ?? settings.algorithms).map(keyAlgorithmOf);
  const found = allowed
    .map((a) => station.find((s) => USB_TO_KEY[s] === a))
    .find((a): a is UsbKeyAlgorithm => a !== undefined);
  if (!found)
    throw new DomainError("production.algorithm_unsupported", {
      programme: programme.id,
      algorithms: allowed.join(", "),
      station: station.join(", "),
    });
  return found;
}

function keysOrdered(order: OrderRow): number {
  return order.service === "new" ? ((order.details as OrderDetails).keys ?? 1) : 1;
}

// ---- views ------------------------------------------------------------------------------------

export interface BatchKeyView {
  id: string;
  orderId: string;
  orderNumber: string;
  position: number;
  label: string;
  kind: string | null;
  serial: string | null;
  algorithm: string;
  step: KeyStep;
  certificateId: string | null;
  certificateSerial: string | null;
  activatedAt: string | null;
}

export interface BatchView {
  id: string;
  state: string;
  station: string;
  total: number;
  done: number;
  error: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** who runs it now (or last ran it, when no longer live) */
  runner: LeaseView | null;
  keys: BatchKeyView[];
}

async function keyViews(
  db: Kysely<Database>,
  where: { batchId?: string; orderId?: string; organisationId?: string },
) {
  let q = db
    .selectFrom("usb_keys")
    .innerJoin("orders", "orders.id", "usb_keys.order_id")
    .leftJoin("certificates", "certificates.id", "usb_keys.certificate_id")
    .select([
      "usb_keys.id",
      "usb_keys.order_id",
      "orders.number as order_number",
      "usb_keys.position",
      "usb_keys.label",
      "usb_keys.kind",
      "usb_keys.serial",
      "usb_keys.algorithm",
      "usb_keys.step",
      "usb_keys.certificate_id",
      "certificates.serial as certificate_serial",
      "usb_keys.activated_at",
    ]);
  if (where.batchId) q = q.where("usb_keys.batch_id", "=", where.batchId);
  if (where.orderId) q = q.where("usb_keys.order_id", "=", where.orderId);
  if (where.organisationId) q = q.where("usb_keys.organisation_id", "=", where.organisationId);
  const rows = await q.orderBy("orders.number").orderBy("usb_keys.position").limit(1000).execute();
  return rows.map((r): BatchKeyView => ({
    id: r.id,
    orderId: r.order_id,
    orderNumber: r.order_number,
    position: r.position,
    label: r.label,
    kind: r.kind,
    serial: r.serial,
    algorithm: r.algorithm,
    step: r.step,
    certificateId: r.certificate_id,
    certificateSerial: r.certificate_serial,
    activatedAt: r.activated_at?.toISOString() ?? null,
  }));
}

function batchView(row: ProductionBatchRow, keys: BatchKeyView[], runner: LeaseView | null): BatchView {
  return {
    id: row.id,
    state: row.state,
    station: row.station,
    total: row.total,
    done: row.done,
    error: row.error,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    runner,
    keys,
  };
}

export async function getBatch(
  deps: Pick<KeyProductionDeps, "db">,
  actor: Actor,
  batchId: string,
): Promise<BatchView> {
  requireRole(actor, "production");
  const row = await deps.db
    .selectFrom("production_batches")
    .selectAll()
    .where("id", "=", batchId)
    .executeTakeFirst();
  if (!row) throw new DomainError("production.batch_not_found");
  return batchView(row, await keyViews(deps.db, { batchId }), await batchLease(deps.db, batchId));
}

export async function listBatches(deps: Pick<KeyProductionDeps, "db">, actor: Actor): Promise<BatchView[]> {
  requireRole(actor, "production");
  const rows = await deps.db
    .selectFrom("production_batches")
    .selectAll()
    .orderBy("created_at", "desc")
    .limit(100)
    .execute();
  return Promise.all(rows.map(async (r) => batchView(r, [], await batchLease(deps.db, r.id))));
}

/**
 * Batches left running with nobody running them (their process died or stopped) on the station:
 * what the desk takes up by itself. A batch that failed waits for staff (a key to insert, a CA).
 */
export async function interruptedBatches(db: Kysely<Database>, station: string): Promise<string[]> {
  const rows = await db
    .selectFrom("production_batches")
    .select("id")
    .where("state", "=", "running")
    .where("station", "=", station)
    .orderBy("created_at")
    .execute();
  const free: string[] = [];
  for (const r of rows) if (!(await batchLease(db, r.id))?.live) free.push(r.id);
  return free;
}

/** Keys made: staff see any order's or organisation's, an applicant its organisation's own. */
export async function listKeys(
  deps: Pick<KeyProductionDeps, "db">,
  actor: Actor,
  filter: { orderId?: string | undefined; organisationId?: string | undefined },
): Promise<BatchKeyView[]> {
  if (actor.kind === "applicant")
    return keyViews(deps.db, { ...filter, organisationId: actor.organisationId });
  requireRole(actor, "production", "reviewer", "finance");
  return keyViews(deps.db, filter);
}

// ---- planning ---------------------------------------------------------------------------------

/**
 * A batch for the orders: each must wait at its production step for keys the centre makes. The
 * orders start production, and one row per key is planned with its SO PIN, in one transaction.
 */
export async function createBatch(
  deps: KeyProductionDeps,
  actor: Actor,
  input: { orderIds: string[]; station: Pick<ProductionStation, "description" | "algorithms"> },
): Promise<BatchView> {
  requireRole(actor, "production");
  const orderIds = [...new Set(input.orderIds)];
  if (orderIds.length === 0) throw new DomainError("production.no_orders");
  const now = deps.clock.now();
  const batchId = randomUUID();
  // Sealing costs a key derivation each: done before the transaction holds order locks.
  const plans: { orderId: string; programme: Programme; count: number; pins: unknown[] }[] = [];
  for (const orderId of orderIds) {
    const order = await deps.db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst();
    if (!order) throw new DomainError("order.not_found");
    const programme = await getProgramme(deps.db, order.programme_id);
    keyAlgorithmFor(programme, input.station.algorithms);
    const count = keysOrdered(order);
    plans.push({
      orderId,
      programme,
      count,
      pins: Array.from({ length: count }, () => sealSoPin(newSoPin(), deps.keys.secretKey)),
    });
  }
  const total = plans.reduce((n, p) => n + p.count, 0);
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("production_batches")
      .values({
        id: batchId,
        created_by: actorLabel(actor),
        station: input.station.description,
        state: "planned",
        total,
        error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    for (const plan of plans) {
      const order = await lockOrder(tx, plan.orderId);
      if (!KEY_MAKING_SERVICES.includes(order.service))
        throw new DomainError("production.service_makes_no_key", {
          number: order.number,
          service: order.service,
        });
      const step = pendingStep(flowOf(plan.programme, order.service), order.state as OrderState);
      if (step !== "production")
        throw new DomainError("production.order_not_ready", { number: order.number, state: order.state });
      const existing = await tx
        .selectFrom("usb_keys")
        .select("batch_id")
        .where("order_id", "=", order.id)
        .executeTakeFirst();
      if (existing)
        throw new DomainError("production.order_in_batch", {
          number: order.number,
          batch: existing.batch_id ?? "",
        });
      if (order.state !== "in_production")
        await transitionInTx(tx, deps, actor, order.id, "start_production");
      const algorithm = keyAlgorithmFor(plan.programme, input.station.algorithms);
      for (let position = 1; position <= plan.count; position++) {
        const id = randomUUID();
        await tx
          .insertInto("usb_keys")
          .values({
            id,
            batch_id: batchId,
            order_id: order.id,
            organisation_id: order.organisation_id,
            programme_id: order.programme_id,
            position,
            label: `${order.number}-${position}`,
            kind: null,
            serial: null,
            algorithm,
            key_pair_id: randomBytes(8).toString("hex"),
            so_pin: JSON.stringify(plan.pins[position - 1]),
            public_key: null,
            certificate_id: null,
            step: "planned",
            created_at: now,
            updated_at: now,
          })
          .execute();
        await appendAudit(
          tx,
          {
            actor: actorLabel(actor),
            action: "key.plan",
            subjectType: "usb_key",
            subjectId: id,
            toState: "planned",
            data: { batchId, orderId: order.id, orderNumber: order.number, position, algorithm },
          },
          now,
        );
      }
    }
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "production.batch.create",
        subjectType: "production_batch",
        subjectId: batchId,
        toState: "planned",
        data: { orders: orderIds, total, station: input.station.description },
      },
      now,
    );
  });
  return getBatch(deps, actor, batchId);
}
