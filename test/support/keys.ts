/**
 * The USB key desk for integration tests: the test app with the key services (codes captured as
 * the SMS would carry them), the CRL and OCSP publication, a software production station, listening
 * on a real loopback port for the security client; and orders walked through the API to shipped
 * keys, as the portal and the back office would.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { AppDeps } from "../../src/server/app.js";
import { drawPhoto, toJpeg } from "./seal-images.js";
import type { Programme } from "../../src/domain/programme.js";
import { CaRegistry } from "../../src/ca/ca.js";
import type { KeyCodeMessage, KeyCodeSender } from "../../src/keys/keys.js";
import type { BatchView } from "../../src/keys/production.js";
import { saveProgramme } from "../../src/orders/programmes.js";
import { Publication } from "../../src/ca/publication.js";
import { systemActor } from "../../src/people/actor.js";
import { demoProgrammesPath, readProgrammesFile } from "../../src/store/programme-files.js";
import { softwareStation } from "../../src/token/station.js";
import {
  DEMO,
  multipart,
  PDF_BYTES,
  startTestApp,
  TEST_CA_PASSPHRASE,
  type Client,
  type TestApp,
} from "./app.js";
import type { testStores } from "./stores.js";

export type TestStore = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;

export const KEY_SECRET = "test-secret-key-for-usb-keys-0000000000000";

export interface KeyDesk {
  t: TestApp;
  url: string;
  dir: string;
  stationDir: string;
  codes: KeyCodeMessage[];
  /** the server's log lines (trace level) */
  log: string[];
  publication: Publication;
  as(who: keyof typeof DEMO): Promise<Client>;
  close(): Promise<void>;
}

export async function startKeyDesk(
  store: TestStore,
  now = "2026-11-20T02:00:00Z",
  /** more of the app's deps (the platforms' API) */
  extra: Partial<AppDeps> = {},
): Promise<KeyDesk> {
  const dir = mkdtempSync(join(tmpdir(), "certdesk-keydesk-"));
  const stationDir = join(dir, "station");
  const codes: KeyCodeMessage[] = [];
  const log: string[] = [];
  const capture: KeyCodeSender = {
    queue: async (_tx, message) => {
      codes.push(message);
    },
  };
  const holder: { t?: TestApp } = {};
  const publication = new Publication({
    db: store.db,
    clock: { now: () => holder.t!.clock.now() },
    cas: new CaRegistry(store.db, { passphrase: TEST_CA_PASSPHRASE }),
    settings: { crlValidityHours: 24, crlRefreshMinutes: 60, ocspValidityMinutes: 60 },
  });
  const t = await startTestApp(store, now, {
    keys: { secretKey: KEY_SECRET, codes: capture, station: () => softwareStation(stationDir) },
    publication,
    logLevel: "trace",
    logStream: { write: (line: string) => log.push(line) },
    ...extra,
  });
  holder.t = t;
  const url = await t.app.listen({ host: "127.0.0.1", port: 0 });
  return {
    t,
    url,
    dir,
    stationDir,
    codes,
    log,
    publication,
    as: (who) => t.as(DEMO[who][0], DEMO[who][1]),
    close: async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Programme B as the demo has it, plus online payment and the renewal service of programme A:
 * the demo's programme B offers no renewal, and the full walk renews a programme B key.
 */
export async function saveWalkProgramme(store: TestStore, id = "power-trading-walk"): Promise<Programme> {
  const all = readProgrammesFile(demoProgrammesPath);
  const a = all.find((p) => p.id === "procurement")!;
  const b = all.find((p) => p.id === "power-trading")!;
  const walk = {
    ...b,
    id,
    payment: { ...b.payment, channels: ["online", "bank-transfer"] },
    services: { ...b.services, renewal: a.services.renewal },
    rules: { ...b.rules, renewalWindowDays: 90 },
  };
  const { programme } = await saveProgramme(
    { db: store.db, clock: { now: () => new Date() } },
    systemActor("test"),
    walk,
  );
  return programme;
}

export async function payOnline(t: TestApp, payer: Client, orderId: string): Promise<void> {
  const started = await payer({ method: "POST", url: `/api/orders/${orderId}/pay` });
  expect(started.status, started.body).toBe(200);
  await payAt(t, started.json<{ payUrl: string }>().payUrl);
}

/** The payer presses "Pay" on the gateway's page. */
export async function payAt(t: TestApp, payUrl: string): Promise<void> {
  const res = await t.app.inject({
    method: "POST",
    url: new URL(payUrl).pathname,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "outcome=succeeded",
  });
  expect(res.statusCode, res.body).toBeLessThan(400);
}

const MATERIALS: Record<string, string[]> = {
  procurement: ["application-form", "business-licence", "handler-id-card"],
  default: ["enterprise-application-form", "authorisation-letter"],
};

/** Waits (bounded) for a production batch started through the API to finish. */
export async function waitForBatch(producer: Client, batchId: string, withinMs = 60_000): Promise<BatchView> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const res = await producer({ method: "GET", url: `/api/production/batches/${batchId}` });
    const batch = res.json<BatchView & { running: boolean }>();
    if (!batch.running && (batch.state === "done" || batch.state === "failed")) return batch;
    if (Date.now() > deadline)
      throw new Error(`batch ${batchId} not done within ${withinMs} ms: ${res.body}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ShippedOrder {
  orderId: string;
  number: string;
  batch: BatchView;
  /** key files, by position */
  keyFiles: string[];
  activationCode: string;
}

/**
 * An order placed by the applicant, reviewed, paid online, made by a production batch through the
 * API, shipped (the activation code goes out) and delivered.
 */
export async function orderToShippedKeys(
  desk: KeyDesk,
  input: {
    applicant: "supplierA" | "retailerB";
    programmeId: string;
    details: Record<string, unknown>;
    /** false: stop once the keys are made (no shipping, no activation code) */
    ship?: boolean;
  },
): Promise<ShippedOrder> {
  const { t } = desk;
  const [applicant, reviewer, producer] = await Promise.all([
    desk.as(input.applicant),
    desk.as("reviewer"),
    desk.as("production"),
  ]);
  const created = await applicant({
    method: "POST",
    url: "/api/orders",
    payload: {
      programmeId: input.programmeId,
      service: "new",
      acknowledgeExistingCertificate: true,
      details: input.details,
    },
  });
  expect(created.status, created.body).toBe(201);
  const { id: orderId, number } = created.json<{ id: string; number: string }>();
  for (const m of MATERIALS[input.programmeId] ?? MATERIALS.default!) {
    const up = await applicant({
      method: "POST",
      url: `/api/orders/${orderId}/materials/${m}`,
      ...multipart("scan.pdf", PDF_BYTES),
    });
    expect(up.status, up.body).toBe(201);
  }
  expect((await applicant({ method: "POST", url: `/api/orders/${orderId}/submit` })).status).toBe(200);
  const state = async () =>
    (await applicant({ method: "GET", url: `/api/orders/${orderId}` })).json<{ state: string }>().state;
  // Programme A pays first, then review and paper; programme B is reviewed, then paid.
  for (let step = 0; step < 4; step++) {
    const s = await state();
    if (s === "awaiting_payment") await payOnline(t, applicant, orderId);
    else if (s === "submitted" || (s === "paid" && input.programmeId === "procurement")) {
      const r = await reviewer({ method: "POST", url: `/api/orders/${orderId}/approve` });
      expect(r.status, r.body).toBe(200);
    } else if (s === "awaiting_paper") {
      const r = await reviewer({ method: "POST", url: `/api/orders/${orderId}/paper-received` });
      expect(r.status, r.body).toBe(200);
    } else break;
  }
  const started = await producer({
    method: "POST",
    url: "/api/production/batches",
    payload: { orderIds: [orderId] },
  });
  expect(started.status, started.body).toBe(202);
  const batch = await waitForBatch(producer, started.json<BatchView>().id);
  expect(batch.state, JSON.stringify(batch)).toBe("done");
  const keyFiles = batch.keys.map((k) => join(desk.stationDir, `${k.label}.certdesk-key`));
  if (input.ship === false) return { orderId, number, batch, keyFiles, activationCode: "" };
  const before = desk.codes.length;
  const shipped = await producer({
    method: "POST",
    url: `/api/orders/${orderId}/ship`,
    payload: { carrier: "SF", trackingNumber: "SF1234567890123" },
  });
  expect(shipped.status, shipped.body).toBe(200);
  const code = desk.codes
    .slice(before)
    .find((c) => c.orderId === orderId && c.template === "activation-code");
  expect(code).toBeDefined();
  const delivered = await producer({ method: "POST", url: `/api/orders/${orderId}/deliver`, payload: {} });
  expect(delivered.status, delivered.body).toBe(200);
  return {
    orderId,
    number,
    batch,
    keyFiles,
    activationCode: code!.code,
  };
}

/**
 * An official seal for the key of a programme A order: applied for in the portal's API (form and
 * stamped imprint), approved, made by production and written to the key by the security client.
 */
export async function sealOnKey(
  desk: KeyDesk,
  client: (...args: string[]) => Promise<{ code: number; stdout: string }>,
  input: { keyFile: string; keyOrderId: string; pin: string; sealName: string },
): Promise<void> {
  const owner = await desk.as("supplierA");
  const key = await desk.t.store.db
    .selectFrom("usb_keys")
    .select("certificate_id")
    .where("order_id", "=", input.keyOrderId)
    .executeTakeFirstOrThrow();
  const created = await owner({
    method: "POST",
    url: "/api/orders",
    payload: {
      programmeId: "procurement",
      service: "seal-apply",
      details: { certificateId: key.certificate_id, sealName: input.sealName, sealType: "official" },
    },
  });
  expect(created.status, created.body).toBe(201);
  const orderId = created.json<{ id: string }>().id;
  const form = await owner({
    method: "POST",
    url: `/api/orders/${orderId}/materials/seal-form`,
    ...multipart("seal.pdf", PDF_BYTES),
  });
  expect(form.status, form.body).toBe(201);
  const imprint = toJpeg(
    drawPhoto({ width: 1200, height: 900, stamps: [{ cx: 640, cy: 430, radius: 320 }], text: true }),
  );
  const image = await owner({
    method: "POST",
    url: `/api/orders/${orderId}/seal-image`,
    ...multipart("imprint.jpg", Buffer.from(imprint), "image/jpeg"),
  });
  expect(image.status, image.body).toBe(201);
  expect((await owner({ method: "POST", url: `/api/orders/${orderId}/submit` })).status).toBe(200);
  const reviewer = await desk.as("reviewer");
  expect((await reviewer({ method: "POST", url: `/api/orders/${orderId}/approve` })).status).toBe(200);
  const production = await desk.as("production");
  const made = await production({ method: "POST", url: `/api/orders/${orderId}/seal/produce` });
  expect(made.status, made.body).toBe(200);
  const installed = await client("--key", input.keyFile, "install-seal", "--pin", input.pin, "--json");
  expect(installed.code, installed.stdout).toBe(0);
}
