/**
 * PINs, unlock and format, on every test store, through the security client against the desk on a
 * real port: ten wrong PINs lock a software key (each failure says how many tries remain; the last
 * says how to unlock); the unlock order follows the foundation's rule (the latest handler is
 * approved at once, a colleague waits for review within 2 working days); the unlock code comes by
 * SMS and the desk answers the key's SO challenge, and the key takes a new PIN. Programme B's PIN
 * reset and format are single services priced by the tariff (free on the all-inclusive plan).
 * Afterwards the SO PIN is looked for in every response, every line of the server's log (trace
 * level), everything the client printed, every file written, and the audit trail: it is nowhere.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSoPin } from "../src/keys/key-secrets.js";
import { drawPhoto, toJpeg } from "./support/seal-images.js";
import { sealBindsCertificate, verifySeal } from "../src/seal/index.js";
import { SoftwareKey } from "../src/token/software-key.js";
import { multipart, PDF_BYTES } from "./support/app.js";
import { clientHarness, type ClientHarness } from "./support/client.js";
import {
  KEY_SECRET,
  orderToShippedKeys,
  saveWalkProgramme,
  startKeyDesk,
  type KeyDesk,
  type ShippedOrder,
  type TestStore,
} from "./support/keys.js";
import { testStores } from "./support/stores.js";

type Failure = { error: { code: string; message: string; params: Record<string, unknown> } };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

for (const kind of testStores) {
  describe(`PINs, unlock and format on ${kind.name}`, () => {
    let store: TestStore;
    let desk: KeyDesk;
    let supplier: ClientHarness;
    let retailer: ClientHarness;
    let a: ShippedOrder;
    let doc: string;

    beforeAll(async () => {
      store = await kind.open();
      desk = await startKeyDesk(store);
      // Programme B with online payment (the demo's takes bank transfers, confirmed by finance).
      await saveWalkProgramme(store);
      supplier = clientHarness({ CERTDESK_CLIENT_HOME: join(desk.dir, "home-a"), LANG: "zh_CN.UTF-8" });
      retailer = clientHarness({ CERTDESK_CLIENT_HOME: join(desk.dir, "home-b"), LANG: "en_US.UTF-8" });
      doc = join(desk.dir, "document.txt");
      writeFileSync(doc, "采购合同\n");
      a = await orderToShippedKeys(desk, {
        applicant: "supplierA",
        programmeId: "procurement",
        details: { years: 1 },
      });
      expect(
        (
          await supplier(
            "--server",
            desk.url,
            "login",
            "--mobile",
            "13800138000",
            "--password",
            "supplier-demo-1",
          )
        ).code,
      ).toBe(0);
      // Programme A publishes no initial PIN: the key comes with certdesk's fallback, marked default.
      expect(
        (await supplier("--key", a.keyFiles[0]!, "change-pin", "--pin", "12345678", "--new-pin", "20261120"))
          .code,
      ).toBe(0);
      expect(
        (await supplier("--key", a.keyFiles[0]!, "activate", "--code", a.activationCode, "--pin", "20261120"))
          .code,
      ).toBe(0);
    }, 180_000);
    afterAll(async () => {
      await desk?.close();
      await store?.dispose();
    });

    it("ten wrong PINs lock the key; each failure says how many tries remain; the locked key says how to unlock", async () => {
      const key = a.keyFiles[0]!;
      const left: string[] = [];
      for (let i = 0; i < 9; i++) {
        const r = await supplier("--key", key, "sign", doc, "--pin", "00000000");
        expect(r.code).toBe(2);
        left.push(r.stderr.trim());
      }
      expect(left[0]).toBe("certdesk-client: PIN 码错误，还可以尝试 9 次");
      expect(left[8]).toBe("certdesk-client: PIN 码错误，还可以尝试 1 次");
      const tenth = await supplier("--key", key, "sign", doc, "--pin", "00000000", "--lang", "en");
      expect(tenth.code).toBe(2);
      expect(tenth.stderr).toContain(
        "The PIN is locked; unlock it with the security client: certdesk-client unlock",
      );
      // The right PIN no longer opens it.
      const right = await supplier("--key", key, "sign", doc, "--pin", "20261120", "--json");
      expect(right.json<Failure>().error.code).toBe("token.pin_locked");
      const shown = await supplier("--key", key, "show", "--json");
      expect(shown.json()).toMatchObject({ user: { retriesLeft: 0, locked: true } });
    });

    it("unlock: the latest handler's order is approved at once, the SMS code and a new PIN restore the key", async () => {
      const key = a.keyFiles[0]!;
      const first = await supplier("--key", key, "unlock", "--json");
      expect(first.code, first.stdout).toBe(1);
      const { order } = first.json<{ stage: string; order: { id: string; number: string } }>();
      expect(first.json()).toMatchObject({ stage: "code_sent" });
      const row = await store.db
        .selectFrom("orders")
        .selectAll()
        .where("id", "=", order.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ service: "unlock", state: "approved", total_fen: 0n });
      const audit = await store.db
        .selectFrom("audit_log")
        .select(["actor", "action"])
        .where("subject_id", "=", order.id)
        .orderBy("seq")
        .execute();
      expect(audit).toContainEqual({ actor: "system:unlock-auto-approval", action: "order.approve" });
      const sms = desk.codes.filter((c) => c.orderId === order.id && c.template === "unlock-code");
      expect(sms).toHaveLength(1);

      const wrong = await supplier(
        "--key",
        key,
        "unlock",
        "--code",
        "000000",
        "--new-pin",
        "11223344",
        "--json",
      );
      expect(wrong.json<Failure>().error).toMatchObject({
        code: "keys.code_wrong",
        params: { remaining: 4 },
      });
      expect((await SoftwareKey.open(key).info()).user.locked).toBe(true);

      const done = await supplier(
        "--key",
        key,
        "unlock",
        "--code",
        sms[0]!.code,
        "--new-pin",
        "11223344",
        "--json",
      );
      expect(done.code, done.stdout).toBe(0);
      expect(done.json()).toMatchObject({ stage: "unlocked" });
      expect(await SoftwareKey.open(key).info()).toMatchObject({
        user: { retriesLeft: 10, locked: false },
        defaultPin: false,
      });
      const signed = await supplier("--key", key, "sign", doc, "--pin", "11223344");
      expect(signed.code, signed.stderr).toBe(0);
      const fulfilled = await store.db
        .selectFrom("orders")
        .select("state")
        .where("id", "=", order.id)
        .executeTakeFirstOrThrow();
      expect(fulfilled.state).toBe("completed");
      const unblock = await store.db
        .selectFrom("audit_log")
        .select(["action", "data"])
        .where("action", "=", "key.unblock")
        .execute();
      expect(unblock).toHaveLength(1);
      // The code is spent: the unlock cannot be replayed.
      await SoftwareKey.open(key).soChallenge("unblock");
      const replay = await supplier(
        "--key",
        key,
        "unlock",
        "--code",
        sms[0]!.code,
        "--new-pin",
        "99887766",
        "--json",
      );
      // The order the code was for is done: nothing new is placed for a code.
      expect(replay.json<Failure>().error.code).toBe("client.unlock_no_order");
      expect((await supplier("--key", key, "sign", doc, "--pin", "11223344")).code).toBe(0);
    });

    it("a colleague's unlock waits for review, due in 2 working days; once approved it goes on", async () => {
      const owner = await desk.as("supplierA");
      const added = await owner({
        method: "POST",
        url: "/api/organisation/handlers",
        payload: {
          handlerName: "王芳",
          idNumber: "110105198001010032",
          mobile: "13800138077",
          password: "colleague-demo-1",
        },
      });
      expect(added.status, added.body).toBe(201);
      const colleague = clientHarness({ CERTDESK_CLIENT_HOME: join(desk.dir, "home-colleague") });
      expect(
        (
          await colleague(
            "--server",
            desk.url,
            "login",
            "--mobile",
            "13800138077",
            "--password",
            "colleague-demo-1",
          )
        ).code,
      ).toBe(0);
      const key = a.keyFiles[0]!;
      const r = await colleague("--key", key, "unlock", "--reason", "经办人变更", "--json");
      expect(r.code, r.stdout).toBe(1);
      const { order } = r.json<{ order: { id: string } }>();
      // The open unlock order of the supplier was fulfilled, so this is a new one, under review.
      expect(r.json()).toMatchObject({ stage: "under_review" });
      const view = (await owner({ method: "GET", url: `/api/orders/${order.id}` })).json<{
        state: string;
        due: { kind: string; on: string };
      }>();
      // Submitted on Friday 2026-11-20: reviewed by Tuesday 2026-11-24.
      expect(view).toMatchObject({ state: "submitted", due: { kind: "review", on: "2026-11-24" } });
      const text = await colleague("--key", key, "unlock");
      expect(text.stdout + text.stderr).toContain("2026-11-24");
      const reviewer = await desk.as("reviewer");
      expect((await reviewer({ method: "POST", url: `/api/orders/${order.id}/approve` })).status).toBe(200);
      const after = await colleague("--key", key, "unlock", "--json");
      expect(after.json()).toMatchObject({ stage: "code_sent" });
    });

    it("programme B: the PIN reset is priced by the tariff (50.00 basic, free all-inclusive); format wipes the key", async () => {
      const [basic, inclusive] = [
        await orderToShippedKeys(desk, {
          applicant: "retailerB",
          programmeId: "power-trading-walk",
          details: { years: 1, keys: 1, plan: "basic" },
        }),
        await orderToShippedKeys(desk, {
          applicant: "retailerB",
          programmeId: "power-trading-walk",
          details: { years: 1, keys: 1, plan: "all-inclusive" },
        }),
      ];
      expect(
        (
          await retailer(
            "--server",
            desk.url,
            "login",
            "--mobile",
            "13900139000",
            "--password",
            "retailer-demo-1",
          )
        ).code,
      ).toBe(0);
      for (const [o, pin] of [
        [basic, "31415926"],
        [inclusive, "27182818"],
      ] as const) {
        expect(
          (await retailer("--key", o.keyFiles[0]!, "change-pin", "--pin", "123456", "--new-pin", pin)).code,
        ).toBe(0);
        expect(
          (await retailer("--key", o.keyFiles[0]!, "activate", "--code", o.activationCode, "--pin", pin))
            .code,
        ).toBe(0);
      }
      const paid = await retailer("--key", basic.keyFiles[0]!, "unlock", "--json");
      expect(paid.code).toBe(1);
      expect(paid.json()).toMatchObject({ stage: "awaiting_payment" });
      const text = await retailer("--key", basic.keyFiles[0]!, "unlock");
      expect(text.stdout).toContain("awaits payment of CNY 50.00");

      const free = await retailer("--key", inclusive.keyFiles[0]!, "unlock", "--json");
      expect(free.json()).toMatchObject({ stage: "code_sent" });
      const reset = await store.db
        .selectFrom("orders")
        .selectAll()
        .where("id", "=", free.json<{ order: { id: string } }>().order.id)
        .executeTakeFirstOrThrow();
      expect(reset).toMatchObject({ service: "pin-reset", total_fen: 0n, state: "paid" });
      const code = desk.codes.filter((c) => c.orderId === reset.id).at(-1)!.code;
      // A PIN anyone would try first is refused, with the reason.
      const easy = await retailer(
        ...["--key", inclusive.keyFiles[0]!, "unlock", "--code", code, "--new-pin", "876543", "--lang", "en"],
      );
      expect(easy.code).toBe(2);
      expect(easy.stderr).toContain("too easy to guess");
      expect(
        (await retailer("--key", inclusive.keyFiles[0]!, "unlock", "--code", code, "--new-pin", "16180339"))
          .code,
      ).toBe(0);
      // The same command again (the key is unlocked already) opens no new, paid, order.
      const resets = () =>
        store.db.selectFrom("orders").select("id").where("service", "=", "pin-reset").execute();
      const before = (await resets()).length;
      const twice = await retailer(
        ...["--key", inclusive.keyFiles[0]!, "unlock", "--code", code, "--new-pin", "16180339", "--json"],
      );
      expect(twice.json<Failure>().error.code).toBe("client.unlock_no_order");
      expect(await resets()).toHaveLength(before);

      // Format: a covered single service; the key is wiped, its PIN is the programme's 123456 again.
      const formatted = await retailer("--key", inclusive.keyFiles[0]!, "format", "--yes", "--json");
      expect(formatted.code, formatted.stdout).toBe(0);
      expect(formatted.json()).toMatchObject({ stage: "formatted", defaultPin: true });
      const key = SoftwareKey.open(inclusive.keyFiles[0]!);
      expect(await key.info()).toMatchObject({ defaultPin: true });
      expect(await key.certificates()).toEqual([]);
      const cert = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("order_id", "=", inclusive.orderId)
        .executeTakeFirstOrThrow();
      expect(cert).toMatchObject({ status: "revoked", revocation_reason: "cessationOfOperation" });
      // show says so: an empty key, not an activated one with a renewal ahead.
      const shown = await retailer("--key", inclusive.keyFiles[0]!, "show", "--lang", "en");
      expect(shown.stdout).toContain("formatted: empty");
      expect(shown.stdout).not.toMatch(/activated|renewal/);
      const shownJson = await retailer("--key", inclusive.keyFiles[0]!, "show", "--json");
      expect(shownJson.json()).toMatchObject({
        certificates: [],
        desk: { formatted: true, certificate: null },
      });
      const formatOrder = await store.db
        .selectFrom("orders")
        .selectAll()
        .where("service", "=", "format")
        .executeTakeFirstOrThrow();
      expect(formatOrder).toMatchObject({ total_fen: 0n, state: "completed" });
      // The basic plan's format costs 50.00 and waits for the transfer.
      const unpaid = await retailer("--key", basic.keyFiles[0]!, "format", "--yes", "--json");
      expect(unpaid.code).toBe(1);
      expect(unpaid.json()).toMatchObject({ stage: "awaiting_payment" });
    }, 180_000);

    it("install-seal: the seal production makes from the stamped imprint is written to the key and the order completes", async () => {
      const key = a.keyFiles[0]!;
      const owner = await desk.as("supplierA");
      const certificateId = (
        await store.db
          .selectFrom("usb_keys")
          .select("certificate_id")
          .where("order_id", "=", a.orderId)
          .executeTakeFirstOrThrow()
      ).certificate_id!;
      const created = await owner({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "seal-apply",
          details: { certificateId, sealName: "上海示例供应链管理有限公司公章", sealType: "official" },
        },
      });
      expect(created.status, created.body).toBe(201);
      const orderId = created.json<{ id: string }>().id;
      expect(
        (
          await owner({
            method: "POST",
            url: `/api/orders/${orderId}/materials/seal-form`,
            ...multipart("seal.pdf", PDF_BYTES),
          })
        ).status,
      ).toBe(201);
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
      // Not yet approved: nothing to install.
      const early = await supplier("--key", key, "install-seal", "--pin", "11223344", "--json");
      expect(early.json<Failure>().error.code).toBe("keys.no_seal_order");
      const reviewer = await desk.as("reviewer");
      expect((await reviewer({ method: "POST", url: `/api/orders/${orderId}/approve` })).status).toBe(200);
      // Approved but not yet made by production: still nothing to install.
      const notMade = await supplier("--key", key, "install-seal", "--pin", "11223344", "--json");
      expect(notMade.json<Failure>().error.code).toBe("keys.seal_not_made");
      const production = await desk.as("production");
      const made = await production({ method: "POST", url: `/api/orders/${orderId}/seal/produce` });
      expect(made.status, made.body).toBe(200);

      const installed = await supplier("--key", key, "install-seal", "--pin", "11223344", "--json");
      expect(installed.code, installed.stdout).toBe(0);
      expect(installed.json()).toMatchObject({ name: "上海示例供应链管理有限公司公章", orderId });
      const onKey = (await SoftwareKey.open(key).objects()).find((o) => o.label === "certdesk.seal")!;
      const verdict = verifySeal(onKey.value, { at: desk.t.clock.now() });
      // The maker's own certificate is judged against a trust list the test does not give.
      const checks = Object.fromEntries(verdict.checks.map((c) => [c.name, c.status]));
      expect(checks).toMatchObject({
        structure: "pass",
        makerSignature: "pass",
        validity: "pass",
        boundCertificates: "pass",
      });
      const cert = (await SoftwareKey.open(key).certificates())[0]!;
      expect(sealBindsCertificate(verdict.seal!, cert.der)).toBe(true);
      const order = await store.db
        .selectFrom("orders")
        .select("state")
        .where("id", "=", orderId)
        .executeTakeFirstOrThrow();
      expect(order.state).toBe("completed");
      const shown = await supplier("--key", key, "show");
      expect(shown.stdout).toContain("电子印章：上海示例供应链管理有限公司");
    });

    it("the SO PIN appears in no response, no log line, nothing printed, no file and no audit row", async () => {
      const keys = await store.db.selectFrom("usb_keys").select(["so_pin", "label"]).execute();
      expect(keys.length).toBeGreaterThanOrEqual(3);
      const pins = keys.map((k) => openSoPin(k.so_pin, KEY_SECRET));
      const everything = [
        ...supplier.responses,
        ...retailer.responses,
        ...supplier.printed,
        ...retailer.printed,
        ...desk.log,
        ...filesUnder(desk.dir).map((f) => readFileSync(f, "latin1")),
        JSON.stringify(
          await store.db.selectFrom("audit_log").select(["data", "reason"]).execute(),
          (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v),
        ),
      ];
      expect(desk.log.length).toBeGreaterThan(100);
      expect(supplier.responses.some((r) => r.includes('"response"'))).toBe(true);
      for (const pin of pins) {
        expect(pin).toMatch(/^[A-Z2-9]{24}$/);
        for (const text of everything) expect(text.includes(pin)).toBe(false);
      }
    });
  });
}
