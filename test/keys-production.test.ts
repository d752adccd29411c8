/**
 * Production at the service centre, on every test store: a batch makes each key of paid and approved
 * orders (a programme B order of N keys makes N keys), every step audited; an interrupted batch
 * resumes without issuing any certificate twice; on SoftHSM2, pkcs11-tool lists the key pair and the
 * certificate certdesk wrote, and the certificate read back from the token verifies with
 * `openssl verify` against the CA. The SO PIN appears nowhere but sealed in the store.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../src/pki/certificate.js";
import { pemEncode } from "../src/pki/pem.js";
import { Workdir, openssl } from "./support/pki.js";
import type { Actor } from "../src/people/actor.js";
import { openSoPin } from "../src/keys/key-secrets.js";
import { createBatch, type KeyProductionDeps } from "../src/keys/production.js";
import { runBatch } from "../src/keys/production-run.js";
import { SoftwareKey } from "../src/token/software-key.js";
import { pkcs11Station, softwareStation, type ProductionStation } from "../src/token/station.js";
import type { UsbKey } from "../src/token/port.js";
import { opensslVerifiesChain } from "./support/chain.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { orderAtProduction, staffActor, USCC_A, USCC_B } from "./support/production.js";
import { createSoftHsm, type SoftHsm } from "./support/softhsm.js";
import { testStores } from "./support/stores.js";

const SECRET = "test-secret-key-for-usb-keys-000000000000";

type Store = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;

/** A station whose keys fail once at a chosen point, as a crash or a pulled key would. */
function interrupting(station: ProductionStation, at: "initialise" | "generate"): ProductionStation {
  let armed = true;
  const trip = () => {
    if (!armed) return;
    armed = false;
    throw new Error(`power cut after ${at}`);
  };
  return {
    ...station,
    async keyFor(label) {
      const found = await station.keyFor(label);
      const key = found.key;
      const wrapped: UsbKey = Object.create(key) as UsbKey;
      wrapped.initialise = async (input) => {
        const info = await key.initialise(input);
        if (at === "initialise") trip();
        return info;
      };
      wrapped.login = async (pin) => {
        const session = await key.login(pin);
        const generate = session.generateKeyPair.bind(session);
        session.generateKeyPair = async (input) => {
          const pair = await generate(input);
          if (at === "generate") {
            await session.close();
            trip();
          }
          return pair;
        };
        return session;
      };
      return { key: wrapped, blank: found.blank };
    },
  };
}

for (const kind of testStores) {
  describe(`production batches on ${kind.name}`, () => {
    let store: Store;
    let t: TestApp;
    let deps: KeyProductionDeps;
    let producer: Actor;
    const folder = mkdtempSync(join(tmpdir(), "certdesk-keys-"));

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
      deps = { ...t.deps, keys: { secretKey: SECRET } };
      producer = await staffActor(store.db, "production");
    });
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
      rmSync(folder, { recursive: true, force: true });
    });

    const certificatesOf = (orderId: string) =>
      store.db.selectFrom("certificates").selectAll().where("order_id", "=", orderId).execute();

    it("a programme B order of 2 keys makes 2 software keys: label, serial, SM2 key pair, certificate, order produced", async () => {
      const orderId = await orderAtProduction(store.db, {
        programmeId: "power-trading",
        service: "new",
        uscc: USCC_B,
        details: { years: 3, keys: 2, plan: "basic" },
      });
      const station = softwareStation(join(folder, "b"));
      const planned = await createBatch(deps, producer, { orderIds: [orderId], station });
      expect(planned).toMatchObject({ state: "planned", total: 2, done: 0 });
      const progress: string[] = [];
      const batch = await runBatch(deps, producer, planned.id, station, (p) =>
        progress.push(`${p.done}/${p.total} ${p.step}`),
      );
      expect(batch).toMatchObject({ state: "done", total: 2, done: 2 });
      expect(progress.filter((p) => p.endsWith("recorded"))).toEqual(["1/2 recorded", "2/2 recorded"]);
      expect(batch.keys.map((k) => [k.position, k.step, k.algorithm, k.kind])).toEqual([
        [1, "recorded", "sm2", "software"],
        [2, "recorded", "sm2", "software"],
      ]);
      const order = await store.db
        .selectFrom("orders")
        .selectAll()
        .where("id", "=", orderId)
        .executeTakeFirstOrThrow();
      expect(order.state).toBe("produced");
      expect(batch.keys.map((k) => k.label)).toEqual([`${order.number}-1`, `${order.number}-2`]);
      const certs = await certificatesOf(orderId);
      expect(certs).toHaveLength(2);
      expect(new Set(batch.keys.map((k) => k.certificateId))).toEqual(new Set(certs.map((c) => c.id)));

      for (const k of batch.keys) {
        const file = join(folder, "b", `${k.label}.certdesk-key`);
        const key = SoftwareKey.open(file);
        expect(await key.info()).toMatchObject({
          serial: k.serial,
          label: k.label,
          defaultPin: true,
          user: { retriesLeft: 10, maxRetries: 10 },
          so: { maxRetries: 10 },
        });
        const [onKey] = await key.certificates();
        const cert = certs.find((c) => c.id === k.certificateId)!;
        expect(Buffer.compare(onKey!.der, cert.der!)).toBe(0);
        expect(parseCertificate(onKey!.der).subject.O).toBe("广州示例绿色能源售电有限公司");
        // The programme's published PIN opens it; the key pair is the certified one.
        const session = await key.login("123456");
        const [pair] = await session.keyPairs();
        expect(Buffer.compare(pair!.publicKeySpki, parseCertificate(cert.der!).spki)).toBe(0);
        await session.close();
        // The SO PIN is sealed in the store, and nowhere in the key file.
        const row = await store.db
          .selectFrom("usb_keys")
          .select("so_pin")
          .where("id", "=", k.id)
          .executeTakeFirstOrThrow();
        const soPin = openSoPin(row.so_pin, SECRET);
        expect(soPin).toMatch(/^[A-Z2-9]{24}$/);
        expect(JSON.stringify(row.so_pin)).not.toContain(soPin);
        expect(readFileSync(file, "utf8")).not.toContain(soPin);
      }
      const audit = await store.db
        .selectFrom("audit_log")
        .select(["action", "data"])
        .where("subject_type", "=", "usb_key")
        .where(
          "subject_id",
          "in",
          batch.keys.map((k) => k.id),
        )
        .orderBy("seq")
        .execute();
      expect(audit.map((a) => a.action)).toEqual([
        "key.plan",
        "key.plan",
        ...["key.initialise", "key.generate", "key.certify", "key.write", "key.record"],
        ...["key.initialise", "key.generate", "key.certify", "key.write", "key.record"],
      ]);
      expect(JSON.stringify(audit)).not.toMatch(/123456|so_pin|soPin/);
      // The same order cannot be planned twice.
      await expect(createBatch(deps, producer, { orderIds: [orderId], station })).rejects.toMatchObject({
        code: "production.order_not_ready",
      });
    });

    it.each(["initialise", "generate"] as const)(
      "a batch interrupted after %s resumes on the same keys and issues each certificate once",
      async (at) => {
        const orderId = await orderAtProduction(store.db, {
          programmeId: "power-trading",
          service: "new",
          uscc: USCC_B,
          details: { years: 1, keys: 2, plan: "all-inclusive" },
        });
        const dir = join(folder, `crash-${at}`);
        const station = softwareStation(dir);
        const planned = await createBatch(deps, producer, { orderIds: [orderId], station });
        // First key done, then the second key fails mid-step.
        let seen = 0;
        const failing = interrupting(station, at);
        const firstOnly: ProductionStation = {
          ...failing,
          keyFor: (label) => (seen++ < 1 ? station.keyFor(label) : failing.keyFor(label)),
        };
        await expect(runBatch(deps, producer, planned.id, firstOnly)).rejects.toThrow(/power cut/);
        const stopped = await store.db
          .selectFrom("production_batches")
          .selectAll()
          .where("id", "=", planned.id)
          .executeTakeFirstOrThrow();
        expect(stopped).toMatchObject({ state: "failed", done: 1, error: "common.internal" });
        const before = await certificatesOf(orderId);
        expect(before).toHaveLength(1);

        const resumed = await runBatch(deps, producer, planned.id, station);
        expect(resumed).toMatchObject({ state: "done", done: 2 });
        const certs = await certificatesOf(orderId);
        expect(certs).toHaveLength(2);
        expect(certs.map((c) => c.id)).toContain(before[0]!.id);
        // Two key files, not three: the interrupted key was taken up again, not remade.
        expect(readdirSync(dir).filter((f) => f.endsWith(".certdesk-key"))).toHaveLength(2);
        const issued = await store.db
          .selectFrom("audit_log")
          .select("subject_id")
          .where("action", "=", "certificate.issue")
          .where(
            "subject_id",
            "in",
            certs.map((c) => c.id),
          )
          .execute();
        expect(issued).toHaveLength(2);
        // And running the finished batch again changes nothing.
        await runBatch(deps, producer, planned.id, station);
        expect(await certificatesOf(orderId)).toHaveLength(2);
      },
    );

    it("three runs of one batch at once: exactly one runs it, the others are refused naming the runner; a dead runner's lease is taken over at once", async () => {
      const orderId = await orderAtProduction(store.db, {
        programmeId: "power-trading",
        service: "new",
        uscc: USCC_B,
        details: { years: 1, keys: 2, plan: "basic" },
      });
      const station = softwareStation(join(folder, "three"));
      const planned = await createBatch(deps, producer, { orderIds: [orderId], station });
      const runs = await Promise.allSettled(
        [1, 2, 3].map(() => runBatch(deps, producer, planned.id, station)),
      );
      const ran = runs.filter((r) => r.status === "fulfilled");
      expect(ran).toHaveLength(1);
      expect(ran[0]!.value).toMatchObject({ state: "done", done: 2 });
      for (const r of runs.filter((r) => r.status === "rejected"))
        expect(r.reason).toMatchObject({
          code: "production.batch_busy",
          params: { batch: planned.id, pid: process.pid, host: hostname() },
        });
      expect(await certificatesOf(orderId)).toHaveLength(2);
      // The run let its lease go.
      expect(await store.db.selectFrom("production_leases").selectAll().execute()).toEqual([]);

      // A lease left by a process that died (kill -9) does not hold the batch for a second; a live
      // one on another host does, until it expires.
      const dead = spawnSync(process.execPath, ["-e", ""]).pid;
      const second = await orderAtProduction(store.db, {
        programmeId: "power-trading",
        service: "new",
        uscc: USCC_B,
        details: { years: 1, keys: 1, plan: "basic" },
      });
      const batch2 = await createBatch(deps, producer, { orderIds: [second], station });
      const lease = (pid: number, host: string) =>
        store.db
          .insertInto("production_leases")
          .values({
            batch_id: batch2.id,
            owner: `test-${pid}-${host}`,
            host,
            pid,
            program: "certdesk produce",
            expires_at: new Date(Date.now() + 60_000),
          })
          .execute();
      await lease(process.pid, "another-host");
      await expect(runBatch(deps, producer, batch2.id, station)).rejects.toMatchObject({
        code: "production.batch_busy",
        params: { host: "another-host", program: "certdesk produce" },
      });
      await store.db.deleteFrom("production_leases").execute();
      await lease(dead, hostname());
      const startedAt = Date.now();
      expect(await runBatch(deps, producer, batch2.id, station)).toMatchObject({ state: "done", done: 1 });
      expect(Date.now() - startedAt).toBeLessThan(30_000);
    });

    it("only production staff make keys, and only for orders at their production step", async () => {
      const supplier = await staffActor(store.db, "reviewer");
      const station = softwareStation(join(folder, "x"));
      const orderId = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "new",
        uscc: USCC_A,
        details: { years: 1 },
      });
      await expect(createBatch(deps, supplier, { orderIds: [orderId], station })).rejects.toMatchObject({
        code: "auth.forbidden",
      });
      await store.db
        .updateTable("orders")
        .set({ state: "awaiting_paper" })
        .where("id", "=", orderId)
        .execute();
      await expect(createBatch(deps, producer, { orderIds: [orderId], station })).rejects.toMatchObject({
        code: "production.order_not_ready",
      });
    });
  });
}

describe("production on a PKCS#11 token (SoftHSM2)", () => {
  let hsm: SoftHsm;
  let store: Store;
  let t: TestApp;
  const dir = new Workdir();

  beforeAll(async () => {
    hsm = createSoftHsm();
    store = await testStores[0]!.open();
    t = await startTestApp(store);
  });
  afterAll(async () => {
    await t?.close();
    await store?.dispose();
    hsm?.remove();
    dir.remove();
  });

  it("pkcs11-tool lists the key pair and certificate certdesk wrote; the certificate read back verifies with openssl verify against the CA", async () => {
    const deps: KeyProductionDeps = { ...t.deps, keys: { secretKey: SECRET } };
    const producer = await staffActor(store.db, "production");
    const orderId = await orderAtProduction(store.db, {
      programmeId: "procurement",
      service: "new",
      uscc: USCC_A,
      details: { years: 2 },
    });
    const station = pkcs11Station(hsm.modulePath);
    const planned = await createBatch(deps, producer, { orderIds: [orderId], station });
    const batch = await runBatch(deps, producer, planned.id, station);
    await station.close();
    const [made] = batch.keys;
    // SoftHSM2 has no SM2: programme A's second algorithm, RSA, is made on the token.
    expect(made).toMatchObject({ kind: "pkcs11", algorithm: "rsa-2048", step: "recorded" });

    const listed = hsm.pkcs11Tool([
      "--token-label",
      made!.label,
      "--login",
      "--pin",
      "12345678",
      "--list-objects",
    ]);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toMatch(/Private Key Object; RSA/);
    expect(listed.output).toMatch(/Certificate Object; type = X\.509 cert/);
    expect(listed.output).toContain(`label:      ${made!.label}`);
    const keyPairId = (
      await store.db
        .selectFrom("usb_keys")
        .select("key_pair_id")
        .where("id", "=", made!.id)
        .executeTakeFirstOrThrow()
    ).key_pair_id;
    expect(listed.output).toContain(`ID:         ${keyPairId}`);
    const slots = hsm.pkcs11Tool(["--list-token-slots"]);
    expect(slots.output).toContain(made!.serial!);

    const read = hsm.pkcs11Tool([
      "--token-label",
      made!.label,
      "--read-object",
      "--type",
      "cert",
      "--id",
      keyPairId,
      "--output-file",
      join(dir.path, "from-token.der"),
    ]);
    expect(read.code, read.output).toBe(0);
    const fromToken = new Uint8Array(readFileSync(join(dir.path, "from-token.der")));
    const cert = parseCertificate(fromToken);
    const issuing = await t.cas.byId(
      (
        await store.db
          .selectFrom("certificates")
          .select("ca_id")
          .where("id", "=", made!.certificateId!)
          .executeTakeFirstOrThrow()
      ).ca_id!,
    );
    const root = await t.cas.byId(issuing.issuerId!);
    expect(
      opensslVerifiesChain([fromToken, issuing.certificate, root.certificate], "rsa", t.clock.now()).ok,
    ).toBe(true);
    dir.writePem("ee.pem", "CERTIFICATE", fromToken);
    dir.writePem("sub.pem", "CERTIFICATE", issuing.certificate);
    dir.writePem("root.pem", "CERTIFICATE", root.certificate);
    const verify = openssl(
      [
        "verify",
        "-attime",
        String(Math.floor(t.clock.now().getTime() / 1000)),
        "-CAfile",
        "root.pem",
        "-untrusted",
        "sub.pem",
        "ee.pem",
      ],
      dir.path,
    );
    expect(verify.output).toContain("ee.pem: OK");
    expect(cert.serialNumber).toBe(made!.certificateSerial);
    expect(pemEncode("CERTIFICATE", fromToken)).toContain("BEGIN CERTIFICATE");
  });
});
