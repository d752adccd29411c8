/**
 * Running a production batch (see production.ts for the steps): each key carried on from its
 * recorded step, every step recorded (and audited) once it is done on the key, under the batch's
 * lease (production-lease.ts), so that one process at a time runs a batch and a certificate is
 * issued once.
 */
import type { Kysely, Transaction } from "kysely";
import { DomainError, isDomainError } from "../domain/errors.js";
import type { Programme } from "../domain/programme.js";
import { appendAudit, atTransactionEnd } from "../store/audit.js";
import type { Database } from "../store/schema.js";
import type { KeyStep, ProductionBatchRow, UsbKeyRow } from "../store/schema-keys.js";
import "../store/schema-keys.js";
import type { ProductionStation } from "../token/station.js";
import type { UsbKey } from "../token/port.js";
import { actorLabel, type Actor } from "../people/actor.js";
import { finishProduction } from "../orders/fulfilment.js";
import { issueCertificateInTx, prepareKey } from "../ca/issuance.js";
import { openSoPin } from "./key-secrets.js";
import {
  fenceLease,
  keepLease,
  leaseHolder,
  releaseLease,
  takeLease,
  type LeaseHolder,
} from "./production-lease.js";
import { getBatch, initialUserPin, type BatchView, type KeyProductionDeps } from "./production.js";
import { requireRole } from "../people/people.js";
import { lockOrder } from "../orders/orders.js";
import { getProgramme } from "../orders/programmes.js";

export interface BatchProgress {
  done: number;
  total: number;
  label: string;
  step: KeyStep;
}

/** The audit action of arriving at each step. */
const STEP_ACTIONS: Record<KeyStep, string> = {
  planned: "key.plan",
  initialised: "key.initialise",
  key_generated: "key.generate",
  certificate_issued: "key.certify",
  written: "key.write",
  recorded: "key.record",
};

/** One key's next step, recorded (and audited) in the store once it is done on the key. */
async function advance(
  deps: KeyProductionDeps,
  actor: Actor,
  fence: Fence,
  row: UsbKeyRow,
  to: KeyStep,
  set: Partial<Pick<UsbKeyRow, "kind" | "serial" | "public_key" | "certificate_id">>,
  data: Record<string, unknown>,
): Promise<UsbKeyRow> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    await fence(tx);
    const updated = await tx
      .updateTable("usb_keys")
      .set({ ...set, step: to, updated_at: now })
      .where("id", "=", row.id)
      .where("step", "=", row.step)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new DomainError("production.key_moved", { label: row.label });
    await appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: STEP_ACTIONS[to],
        subjectType: "usb_key",
        subjectId: row.id,
        fromState: row.step,
        toState: to,
        data: { label: row.label, ...(updated.serial ? { serial: updated.serial } : {}), ...data },
      },
      now,
    );
    return updated;
  });
}

/** Makes (or finishes making) one key; each step is on the key before it is recorded. */
async function makeKey(
  deps: KeyProductionDeps,
  actor: Actor,
  fence: Fence,
  station: ProductionStation,
  start: UsbKeyRow,
  programme: Programme,
  onStep: (row: UsbKeyRow) => void,
): Promise<UsbKeyRow> {
  let row = start;
  const { pin, defaultPin } = initialUserPin(programme);
  let key: UsbKey | undefined;
  /** The key this row made: same serial, still initialised (a blank one was swapped or erased). */
  const keyOnStation = async (): Promise<UsbKey> => {
    if (key) return key;
    const found = await station.keyFor(row.label);
    key = found.key;
    if (found.blank || (await found.key.info()).serial !== row.serial)
      throw new DomainError("production.key_missing", { label: row.label, serial: row.serial ?? "" });
    return key;
  };
  try {
    if (row.step === "planned") {
      // A key initialised for this label before a crash is taken as it is (its SO PIN is the row's).
      const found = await station.keyFor(row.label);
      key = found.key;
      const info = found.blank
        ? await found.key.initialise({
            label: row.label,
            soPin: openSoPin(row.so_pin, deps.keys.secretKey),
            userPin: pin,
            defaultPin,
            userPinRetries: programme.key.userPinRetries,
            soPinRetries: programme.key.soPinRetries,
          })
        : await found.key.info();
      row = await advance(
        deps,
        actor,
        fence,
        row,
        "initialised",
        { kind: info.kind, serial: info.serial },
        { kind: info.kind },
      );
      onStep(row);
    }
    if (row.step === "initialised") {
      const session = await (await keyOnStation()).login(pin);
      try {
        const made = (await session.keyPairs()).find((k) => k.id === row.key_pair_id);
        const pair =
          made ??
          (await session.generateKeyPair({
            algorithm: row.algorithm,
            label: row.label,
            id: row.key_pair_id,
          }));
        row = await advance(
          deps,
          actor,
          fence,
          row,
          "key_generated",
          { public_key: pair.publicKeySpki },
          {
            keyPairId: row.key_pair_id,
            algorithm: row.algorithm,
          },
        );
      } finally {
        await session.close();
      }
      onStep(row);
    }
    if (row.step === "key_generated") {
      row = await certify(deps, actor, fence, row, programme);
      onStep(row);
    }
    if (row.step === "certificate_issued") {
      const der = await certificateDer(deps.db, row.certificate_id!);
      const session = await (await keyOnStation()).login(pin);
      try {
        await session.writeCertificate({ id: row.key_pair_id, label: row.label, der });
      } finally {
        await session.close();
      }
      row = await advance(deps, actor, fence, row, "written", {}, { certificateId: row.certificate_id });
      onStep(row);
    }
    if (row.step === "written") {
      const der = await certificateDer(deps.db, row.certificate_id!);
      const onKey = (await (await keyOnStation()).certificates()).find((c) => c.id === row.key_pair_id);
      if (!onKey || Buffer.compare(onKey.der, der) !== 0)
        throw new DomainError("production.readback_failed", { label: row.label });
      row = await advance(deps, actor, fence, row, "recorded", {}, { certificateId: row.certificate_id });
      onStep(row);
    }
    return row;
  } finally {
    await key?.close();
  }
}

async function certificateDer(db: Kysely<Database>, id: string): Promise<Uint8Array> {
  const cert = await db
    .selectFrom("certificates")
    .select("der")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return cert.der!;
}

/**
 * The CA core certifies the key's public key, and the certificate's id goes on the row in the same
 * transaction, with the row locked: whoever comes second (a rerun, a second runner) finds it there.
 */
async function certify(
  deps: KeyProductionDeps,
  actor: Actor,
  fence: Fence,
  row: UsbKeyRow,
  programme: Programme,
): Promise<UsbKeyRow> {
  const prepared = await prepareKey(deps, programme, undefined, { publicKey: row.public_key! });
  const now = deps.clock.now();
  // The programme is the batch's (read once per run); audit rows and events go in at the end.
  return deps.db.transaction().execute((tx) =>
    atTransactionEnd(tx, async () => {
      await fence(tx);
      const locked = await tx
        .selectFrom("usb_keys")
        .selectAll()
        .where("id", "=", row.id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (locked.certificate_id || locked.step !== "key_generated") return locked;
      const order = await lockOrder(tx, row.order_id);
      const issued = await issueCertificateInTx(tx, deps, actor, {
        orderId: row.order_id,
        locked: { order, programme },
        key: prepared,
        keySerial: row.serial ?? undefined,
        // A basket's keys may differ in term: each certificate runs for its own key's.
        years: locked.years ?? undefined,
      });
      const updated = await tx
        .updateTable("usb_keys")
        .set({ certificate_id: issued.id, step: "certificate_issued", updated_at: now })
        .where("id", "=", row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendAudit(
        tx,
        {
          actor: actorLabel(actor),
          action: "key.certify",
          subjectType: "usb_key",
          subjectId: row.id,
          fromState: "key_generated",
          toState: "certificate_issued",
          data: {
            label: row.label,
            serial: row.serial ?? "",
            certificateId: issued.id,
            certificateSerial: issued.serial,
          },
        },
        now,
      );
      return updated;
    }),
  );
}

/** In a step's transaction: this run still holds the batch (see production-lease.ts). */
type Fence = (tx: Transaction<Database>) => Promise<void>;

/** A batch taken by this process: its lease is held until the run ends. */
export interface BatchClaim {
  batchId: string;
  holder: LeaseHolder;
}

/**
 * Takes the batch for one run by this process (program names it to whoever is refused): throws
 * production.batch_busy, naming the runner, while another process runs it. Audited.
 */
export async function claimBatch(
  deps: Pick<KeyProductionDeps, "db" | "clock">,
  actor: Actor,
  batchId: string,
  program: string,
): Promise<BatchClaim> {
  requireRole(actor, "production");
  const batch = await deps.db
    .selectFrom("production_batches")
    .select(["id", "state", "done"])
    .where("id", "=", batchId)
    .executeTakeFirst();
  if (!batch) throw new DomainError("production.batch_not_found");
  const holder = leaseHolder(program);
  await takeLease(deps.db, batchId, holder);
  const now = deps.clock.now();
  await deps.db.transaction().execute((tx) =>
    appendAudit(
      tx,
      {
        actor: actorLabel(actor),
        action: "production.batch.run",
        subjectType: "production_batch",
        subjectId: batchId,
        fromState: batch.state,
        data: { program, host: holder.host, pid: holder.pid, done: batch.done },
      },
      now,
    ),
  );
  return { batchId, holder };
}

/**
 * Runs (or resumes) a batch on the station: every key not yet recorded is carried on from its step;
 * orders whose keys are all recorded are produced. A failure stops the batch with its code kept on
 * the batch; running it again resumes. One process at a time: see claimBatch.
 */
export async function runBatch(
  deps: KeyProductionDeps,
  actor: Actor,
  batchId: string,
  station: ProductionStation,
  onProgress: (p: BatchProgress) => void = () => {},
  options: { program?: string; signal?: AbortSignal } = {},
): Promise<BatchView> {
  const claim = await claimBatch(deps, actor, batchId, options.program ?? "certdesk");
  return runClaimedBatch(deps, actor, claim, station, onProgress, options.signal);
}

/**
 * Runs a claimed batch and lets it go at the end. An abort (the desk stopping) ends the run between
 * two keys and leaves the batch running, for the next start to take up.
 */
export async function runClaimedBatch(
  deps: KeyProductionDeps,
  actor: Actor,
  claim: BatchClaim,
  station: ProductionStation,
  onProgress: (p: BatchProgress) => void = () => {},
  signal?: AbortSignal,
): Promise<BatchView> {
  const { batchId, holder } = claim;
  const lease = keepLease(deps.db, batchId, holder, () => {});
  const fence: Fence = (tx) => fenceLease(tx, batchId, holder);
  try {
    const batch = await deps.db
      .selectFrom("production_batches")
      .selectAll()
      .where("id", "=", batchId)
      .executeTakeFirstOrThrow();
    if (batch.station !== station.description)
      throw new DomainError("production.station_mismatch", {
        batch: batchId,
        station: batch.station,
        given: station.description,
      });
    const setBatch = (set: { state: ProductionBatchRow["state"]; done?: number; error?: string | null }) =>
      deps.db
        .updateTable("production_batches")
        .set({ ...set, updated_at: deps.clock.now() })
        .where("id", "=", batchId)
        .execute();
    const rows = await deps.db
      .selectFrom("usb_keys")
      .innerJoin("orders", "orders.id", "usb_keys.order_id")
      .selectAll("usb_keys")
      .where("usb_keys.batch_id", "=", batchId)
      .orderBy("orders.number")
      .orderBy("usb_keys.position")
      .execute();
    let done = rows.filter((r) => r.step === "recorded").length;
    await setBatch({ state: "running", done, error: null });
    try {
      const programmes = new Map<string, Programme>();
      for (const start of rows) {
        if (start.step === "recorded") continue;
        if (signal?.aborted) return await getBatch(deps, actor, batchId);
        if (lease.lost) throw new DomainError("production.lease_lost", { batch: batchId });
        let programme = programmes.get(start.programme_id);
        if (!programme)
          programmes.set(start.programme_id, (programme = await getProgramme(deps.db, start.programme_id)));
        await makeKey(deps, actor, fence, station, start, programme, (row) =>
          onProgress({
            done: done + (row.step === "recorded" ? 1 : 0),
            total: batch.total,
            label: row.label,
            step: row.step,
          }),
        );
        done++;
        await setBatch({ state: "running", done });
      }
      for (const r of [...new Map(rows.map((r) => [r.order_id, r])).values()])
        await finishProduction(deps, actor, r.order_id, [], { programme: programmes.get(r.programme_id) });
      await setBatch({ state: "done", done });
    } catch (e) {
      // A run that lost its lease leaves the batch to the one that took it.
      if (!(isDomainError(e) && e.code === "production.lease_lost"))
        await setBatch({ state: "failed", done, error: isDomainError(e) ? e.code : "common.internal" });
      throw e;
    }
    return await getBatch(deps, actor, batchId);
  } finally {
    lease.stop();
    await releaseLease(deps.db, batchId, holder);
  }
}
