/**
 * certdesk produce: production at the service centre's station, on the configured store. It makes
 * the keys of the orders given (by id or number), or resumes a batch; a progress bar on a terminal,
 * a plain line per key otherwise, one JSON object with --json. The station is --station, else
 * CERTDESK_KEY_STATION (software:<folder> or pkcs11:<module>).
 *
 * certdesk key reset-pin: the service centre's unblock of a PKCS#11 key brought to the counter,
 * for an approved unlock or PIN reset order of that key (--order) only. Beside a running desk on the
 * embedded store, the desk does it on its own station (the key plugged in there).
 */
import { DomainError } from "../domain/errors.js";
import { systemActor } from "../people/actor.js";
import type { CaRegistry } from "../ca/ca.js";
import type { KeyDeps } from "../keys/keys.js";
import type { BatchView } from "../keys/production.js";
import type { BatchProgress } from "../keys/production-run.js";
import type { Store } from "../store/database.js";
import { type CliContext, EXIT_OK, formatTable } from "./output.js";
import { type DeskSession, deskRequest, onStoreOrDesk } from "./desk-session.js";
import { storedCaSettings, storedCalendar, withStore } from "./source.js";

const CLI_ACTOR = systemActor("cli");

export interface ProduceOptions {
  order?: string[];
  batch?: string;
  station?: string;
}

export interface ResetPinOptions {
  pkcs11Module?: string;
  tokenSerial?: string;
  tokenLabel?: string;
  order?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function deskDeps(ctx: CliContext, store: Store): Promise<{ deps: KeyDeps; close(): Promise<void> }> {
  const config = ctx.config();
  const [{ CaRegistry: Registry, publicationUrls }, { caSecrets }, { LiveCalendar }, { Publication }] =
    await Promise.all([
      import("../ca/ca.js"),
      import("../ca/ca-keys.js"),
      import("../desk/calendar.js"),
      import("../ca/publication.js"),
    ]);
  const secrets = caSecrets(config.ca);
  const cas: CaRegistry = new Registry(store.db, secrets);
  // The desk's URLs, not this shell's; a reissue's revocation reaches the CRL at once (and every
  // running desk's OCSP through the desk's events).
  const settings = await storedCaSettings(config, store.db, ctx.clock.now());
  return {
    deps: {
      db: store.db,
      clock: ctx.clock,
      calendar: new LiveCalendar(await storedCalendar(store.db)),
      cas,
      urls: publicationUrls(settings.publicUrl, settings.ocspUrl),
      publication: new Publication({ db: store.db, clock: ctx.clock, cas, settings }),
      sessionHours: config.sessionHours,
      keys: { secretKey: config.secretKey },
    },
    close: () => secrets.close(),
  };
}

async function orderIds(store: Store, refs: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const ref of refs) {
    const row = await store.db
      .selectFrom("orders")
      .select("id")
      .where(UUID.test(ref) ? "id" : "number", "=", ref)
      .executeTakeFirst();
    if (!row) throw new DomainError("order.not_found");
    ids.push(row.id);
  }
  return ids;
}

/** Orders by id or number, as the desk knows them. */
async function deskOrderIds(session: DeskSession, refs: string[]): Promise<string[]> {
  const ids: string[] = [];
  let orders: { id: string; number: string }[] | undefined;
  for (const ref of refs) {
    if (UUID.test(ref)) {
      ids.push(ref);
      continue;
    }
    orders ??= await deskRequest<{ id: string; number: string }[]>(session, "GET", "/api/orders?limit=500");
    const found = orders.find((o) => o.number === ref);
    if (!found) throw new DomainError("order.not_found");
    ids.push(found.id);
  }
  return ids;
}

/** [#######.............] 7/20  CD20261120000001-3  written */
function bar(p: BatchProgress, width = 24): string {
  const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total}  ${p.label}  ${p.step}`;
}

export async function produceCommand(ctx: CliContext, options: ProduceOptions): Promise<number> {
  const refs = options.order ?? [];
  if ((refs.length === 0) === (options.batch === undefined))
    throw new DomainError("cli.produce.order_or_batch");
  const spec = options.station ?? ctx.config().keyStation;
  if (!spec) throw new DomainError("production.no_station");
  return onStoreOrDesk(
    ctx,
    () => produceOnStore(ctx, options, spec),
    (session) => produceThroughDesk(ctx, options, session),
  );
}

async function produceOnStore(ctx: CliContext, options: ProduceOptions, spec: string): Promise<number> {
  const { out, io } = ctx;
  const refs = options.order ?? [];
  const { stationFromSpec } = await import("../token/station.js");
  const { createBatch } = await import("../keys/production.js");
  const { claimBatch, runClaimedBatch } = await import("../keys/production-run.js");
  return withStore(ctx.config(), { create: false }, async (store) => {
    const { deps, close } = await deskDeps(ctx, store);
    const station = stationFromSpec(spec);
    const tty = !out.json && Boolean((io.stderr as { isTTY?: boolean }).isTTY);
    try {
      const batchId =
        options.batch ??
        (await createBatch(deps, CLI_ACTOR, { orderIds: await orderIds(store, refs), station })).id;
      // One run at a time (another gets production.batch_busy); the id is said before any work,
      // so that whatever happens next, the batch can be resumed by it.
      const claim = await claimBatch(deps, CLI_ACTOR, batchId, "certdesk produce");
      const { done, total } = await deps.db
        .selectFrom("production_batches")
        .select(["done", "total"])
        .where("id", "=", batchId)
        .executeTakeFirstOrThrow();
      io.stderr.write(`${out.t("cli.produce.started", { batch: batchId, done, total })}\n`);
      let last = "";
      const batch: BatchView = await runClaimedBatch(deps, CLI_ACTOR, claim, station, (p) => {
        if (out.json) return;
        if (tty) io.stderr.write(`\r${bar(p)}\u001b[K`);
        else if (p.step === "recorded") {
          const line = out.t("cli.produce.key_done", { done: p.done, total: p.total, label: p.label });
          if (line !== last) io.stderr.write(`${line}\n`);
          last = line;
        }
      }).finally(() => {
        if (tty) io.stderr.write("\n");
      });
      printBatch(ctx, batch);
      return EXIT_OK;
    } catch (e) {
      // The batch keeps its state: say how to resume it.
      if (e instanceof DomainError && !out.json && e.code !== "production.batch_busy")
        io.stderr.write(`${out.t("cli.produce.resume_hint")}\n`);
      throw e;
    } finally {
      await station.close();
      await close();
    }
  });
}

function printBatch(ctx: CliContext, batch: BatchView): void {
  const { out } = ctx;
  out.result(batch, () =>
    [
      out.t("cli.produce.done", { batch: batch.id, done: batch.done, total: batch.total }),
      ...formatTable(
        batch.keys.map((k) => [k.label, k.serial ?? "-", k.algorithm, k.step, k.certificateSerial ?? "-"]),
      ),
    ].join("\n"),
  );
}

/**
 * The same batch made by the running desk (POST /api/production/batches) on its own station,
 * followed until it ends.
 */
async function produceThroughDesk(
  ctx: CliContext,
  options: ProduceOptions,
  session: DeskSession,
): Promise<number> {
  if (options.station)
    ctx.io.stderr.write(`${ctx.out.t("cli.produce.desk_station", { server: session.server })}\n`);
  let batch: BatchView;
  if (options.batch) {
    batch = await deskRequest<BatchView>(session, "POST", `/api/production/batches/${options.batch}/resume`);
  } else {
    const ids = await deskOrderIds(session, options.order ?? []);
    batch = await deskRequest<BatchView>(session, "POST", "/api/production/batches", { orderIds: ids });
  }
  for (;;) {
    const seen = await deskRequest<BatchView & { running: boolean }>(
      session,
      "GET",
      `/api/production/batches/${batch.id}`,
    );
    if (seen.state === "done" || !seen.running) {
      const { running: _running, ...view } = seen;
      if (view.state !== "done")
        throw new DomainError("cli.produce.desk_stopped", { batch: view.id, state: view.state });
      printBatch(ctx, view);
      return EXIT_OK;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function resetPinCommand(ctx: CliContext, options: ResetPinOptions): Promise<number> {
  return onStoreOrDesk(
    ctx,
    () => resetPinOnStore(ctx, options),
    (session) => resetPinThroughDesk(ctx, options, session),
  );
}

async function resetPinOnStore(ctx: CliContext, options: ResetPinOptions): Promise<number> {
  const { Pkcs11UsbKey } = await import("../token/pkcs11-key.js");
  const { resetPinAtServiceCentre } = await import("../keys/unlock.js");
  // The store first: while a desk holds it, the key is the desk's station's and these do not apply.
  return withStore(ctx.config(), { create: false }, async (store) => {
    const module = options.pkcs11Module;
    if (!module || (!options.tokenSerial && !options.tokenLabel))
      throw new DomainError("cli.option_required_any", {
        options: "--pkcs11-module, --token-serial|--token-label",
      });
    const { deps, close } = await deskDeps(ctx, store);
    const key = Pkcs11UsbKey.open(
      module,
      options.tokenSerial ? { serial: options.tokenSerial } : { label: options.tokenLabel! },
    );
    try {
      const orderId = options.order ? (await orderIds(store, [options.order]))[0] : undefined;
      const r = await resetPinAtServiceCentre(deps, CLI_ACTOR, { key, orderId });
      ctx.out.result(r, () => ctx.out.t("cli.key.pin_reset", { serial: r.serial }));
      return EXIT_OK;
    } finally {
      await key.close();
      await close();
    }
  });
}

/**
 * The same reset by the running desk (POST /api/orders/{id}/reset-pin), on the order's key at its
 * own station; the SO PIN stays on the desk.
 */
async function resetPinThroughDesk(
  ctx: CliContext,
  options: ResetPinOptions,
  session: DeskSession,
): Promise<number> {
  if (!options.order) throw new DomainError("keys.reset_pin_order_required");
  if (options.pkcs11Module || options.tokenSerial || options.tokenLabel)
    ctx.io.stderr.write(`${ctx.out.t("cli.key.desk_station", { server: session.server })}\n`);
  const [orderId] = await deskOrderIds(session, [options.order]);
  const r = await deskRequest<{ serial: string; defaultPin: boolean }>(
    session,
    "POST",
    `/api/orders/${orderId}/reset-pin`,
  );
  ctx.out.result(r, () => ctx.out.t("cli.key.pin_reset", { serial: r.serial }));
  return EXIT_OK;
}
