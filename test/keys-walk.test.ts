/**
 * The full walk, on every test store: a programme B order of 2 keys is approved, paid, produced by a
 * batch through the back office's API, shipped (the activation code goes out by SMS) and delivered;
 * the holder, with the security client run in-process against the desk on a real port, changes the
 * factory PIN, activates both keys (an unactivated key cannot log in; activation ends refund
 * eligibility), and inside the renewal window renews one: a new key pair on the key, a CSR, payment
 * through the portal's gateway, the renewed certificate installed. The renewed certificate verifies
 * with OpenSSL against the CA, and OCSP reports the old one revoked, superseded.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../src/pki/certificate.js";
import { buildOcspRequest, certIdFor, parseOcspResponse } from "../src/pki/ocsp.js";
import { OID } from "../src/pki/oids.js";
import {
  checkSignerSignature,
  checkSigningCertificate,
  parseCms,
  readMessageDigest,
} from "../src/pki/cms.js";
import { systemActor } from "../src/people/actor.js";
import { addCalendarYear } from "../src/desk/calendar.js";
import { SoftwareKey } from "../src/token/software-key.js";
import { opensslVerifiesChain } from "./support/chain.js";
import { clientHarness, type ClientHarness } from "./support/client.js";
import {
  orderToShippedKeys,
  payAt,
  saveWalkProgramme,
  startKeyDesk,
  type KeyDesk,
  type ShippedOrder,
  type TestStore,
} from "./support/keys.js";
import { testStores } from "./support/stores.js";
import { createHash } from "node:crypto";

for (const kind of testStores) {
  describe(`the full walk of two programme B keys on ${kind.name}`, () => {
    let store: TestStore;
    let desk: KeyDesk;
    let client: ClientHarness;
    let order: ShippedOrder;
    const RETAILER = ["13900139000", "retailer-demo-1"] as const;

    beforeAll(async () => {
      store = await kind.open();
      desk = await startKeyDesk(store);
      await saveWalkProgramme(store);
      client = clientHarness({ CERTDESK_CLIENT_HOME: join(desk.dir, "client-home"), LANG: "zh_CN.UTF-8" });
    }, 120_000);
    afterAll(async () => {
      await desk?.close();
      await store?.dispose();
    });

    it("approve → pay → produce 2 keys through the API → ship (activation code by SMS) → deliver", async () => {
      order = await orderToShippedKeys(desk, {
        applicant: "retailerB",
        programmeId: "power-trading-walk",
        details: { years: 3, keys: 2, plan: "basic" },
      });
      expect(order.batch.keys).toHaveLength(2);
      expect(order.activationCode).toMatch(/^\d{8}$/);
      // Only the HMAC of the code is kept.
      const rows = await store.db
        .selectFrom("key_codes")
        .selectAll()
        .where("order_id", "=", order.orderId)
        .execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(order.activationCode);
      for (const file of order.keyFiles) expect((await SoftwareKey.open(file).info()).defaultPin).toBe(true);
    }, 120_000);

    it("the client signs in, insists on a PIN change, and activates each key with the code; refunds end", async () => {
      const [k1, k2] = order.keyFiles as [string, string];
      const login = await client(
        "--server",
        desk.url,
        "login",
        "--mobile",
        RETAILER[0],
        "--password",
        RETAILER[1],
        "--json",
      );
      expect(login.code, login.stdout + login.stderr).toBe(0);

      const shown = await client("--key", k1, "show", "--json");
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.json()).toMatchObject({
        defaultPin: true,
        user: { retriesLeft: 10, maxRetries: 10 },
        desk: { activated: false, orderNumber: order.number },
      });

      const insisted = await client(
        "--key",
        k1,
        "activate",
        "--code",
        order.activationCode,
        "--pin",
        "123456",
      );
      expect(insisted.code).toBe(2);
      expect(insisted.stderr).toContain("出厂默认 PIN 码");
      expect((await client("--key", k1, "change-pin", "--pin", "123456", "--new-pin", "123456")).code).toBe(
        2,
      );
      expect((await client("--key", k1, "change-pin", "--pin", "123456", "--new-pin", "24681357")).code).toBe(
        0,
      );
      expect((await client("--key", k2, "change-pin", "--pin", "123456", "--new-pin", "13572468")).code).toBe(
        0,
      );

      // An unactivated key cannot log in.
      const early = await client(
        "--server",
        desk.url,
        "--key",
        k2,
        "login",
        "--with-key",
        "--pin",
        "13572468",
        "--json",
      );
      expect(early.code).toBe(2);
      expect(early.json<{ error: { code: string } }>().error.code).toBe("keys.not_activated");

      const wrong = await client(
        "--key",
        k1,
        "activate",
        "--code",
        "00000000",
        "--pin",
        "24681357",
        "--json",
        "--lang",
        "en",
      );
      expect(wrong.json<{ error: { code: string; message: string } }>().error).toMatchObject({
        code: "keys.code_wrong",
        message: "Wrong code; 4 tries left",
      });
      const wrongPin = await client(
        "--key",
        k1,
        "activate",
        "--code",
        order.activationCode,
        "--pin",
        "11112222",
        "--lang",
        "en",
      );
      expect(wrongPin.code).toBe(2);
      expect(wrongPin.stderr).toContain("Wrong PIN; 9 tries left");

      const activated = await client(
        "--key",
        k1,
        "activate",
        "--code",
        order.activationCode,
        "--pin",
        "24681357",
        "--json",
      );
      expect(activated.code, activated.stdout).toBe(0);
      expect(activated.json()).toMatchObject({ activated: true });
      expect(
        (await client("--key", k2, "activate", "--code", order.activationCode, "--pin", "13572468")).code,
      ).toBe(0);

      const keys = await store.db
        .selectFrom("usb_keys")
        .selectAll()
        .where("order_id", "=", order.orderId)
        .execute();
      expect(keys.every((k) => k.activated_at !== null)).toBe(true);
      const certs = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("order_id", "=", order.orderId)
        .execute();
      expect(certs.map((c) => c.status)).toEqual(["active", "active"]);
      const retailer = await desk.as("retailerB");
      const refund = (
        await retailer({ method: "GET", url: `/api/orders/${order.orderId}/refund-eligibility` })
      ).json<{
        allowed: boolean;
        code: string;
      }>();
      expect(refund).toMatchObject({ allowed: false, code: "rules.refund.activated" });
      const audit = await store.db
        .selectFrom("audit_log")
        .select("action")
        .where("action", "=", "key.activate")
        .execute();
      expect(audit.length).toBeGreaterThanOrEqual(2);

      // A byte-for-byte copy of the key file, taken now, and used after the original.
      const copy = join(desk.dir, "k2-copy.certdesk-key");
      copyFileSync(k2, copy);
      // Now the key logs in.
      const keyLogin = await client(
        "--server",
        desk.url,
        "--key",
        k2,
        "login",
        "--with-key",
        "--pin",
        "13572468",
        "--json",
      );
      expect(keyLogin.code, keyLogin.stdout).toBe(0);
      expect(keyLogin.json<{ name: string }>().name).toBe("刘洋");
      // The copy's use counter is behind what the desk has seen from the original: refused, and
      // audited; the original goes on.
      const cloned = await client(
        ...["--server", desk.url, "--key", copy, "login", "--with-key", "--pin", "13572468", "--json"],
      );
      expect(cloned.code).toBe(2);
      expect(cloned.json<{ error: { code: string } }>().error.code).toBe("keys.key_cloned");
      const suspected = await store.db
        .selectFrom("audit_log")
        .select("action")
        .where("action", "=", "key.clone_suspected")
        .execute();
      expect(suspected).toHaveLength(1);
      const again = await client(
        ...["--server", desk.url, "--key", k2, "login", "--with-key", "--pin", "13572468", "--json"],
      );
      expect(again.code, again.stdout).toBe(0);
    }, 120_000);

    it("a detached CMS signature made on the key verifies (SM3withSM2, signing-certificate-v2)", async () => {
      const file = join(desk.dir, "tender.pdf");
      writeFileSync(file, "%PDF-1.4 投标文件\n");
      const signed = await client("--key", order.keyFiles[0]!, "sign", file, "--pin", "24681357", "--json");
      expect(signed.code, signed.stdout).toBe(0);
      const cms = parseCms(
        new Uint8Array(await import("node:fs").then((fs) => fs.readFileSync(`${file}.p7s`))),
      );
      const signer = cms.signers[0]!;
      const cert = parseCertificate((await SoftwareKey.open(order.keyFiles[0]!).certificates())[0]!.der);
      expect(checkSignerSignature(signer, cert)).toBe("valid");
      expect(checkSigningCertificate(signer, cert)).toMatchObject({ status: "match", version: 2 });
      const sm3 = createHash("sm3").update("%PDF-1.4 投标文件\n").digest();
      expect(Buffer.compare(readMessageDigest(signer)!, sm3)).toBe(0);
      expect(cert.signatureAlgorithm.algorithm).toBe(OID.sm3WithSm2);
    });

    it("inside the renewal window: a new key pair, a CSR, payment through the portal, the renewed certificate installed; OCSP says the old one is superseded", async () => {
      const k1 = order.keyFiles[0]!;
      const oldCert = (await SoftwareKey.open(k1).certificates())[0]!;
      const oldView = parseCertificate(oldCert.der);
      // Before the window: refused with the date it opens.
      const early = await client("--key", k1, "renew", "--pin", "24681357", "--json");
      expect(early.json<{ error: { code: string; params: { opens: string } } }>().error).toMatchObject({
        code: "client.renewal_window_closed",
        params: { opens: "2029-08-21" },
      });

      // Deadlines are counted on the published calendar: the year the walk renews in must be loaded.
      await addCalendarYear(desk.t.deps, systemActor("test"), {
        year: 2029,
        source: "test fixture (a 2029 calendar as the tests assume it; not the State Council's)",
        holidays: ["2029-01-01", "2029-10-01", "2029-10-02", "2029-10-03", "2029-10-04", "2029-10-05"],
        workdays: ["2029-09-29"],
      });
      desk.t.clock.set("2029-10-01T02:00:00Z");
      // The session of three years ago is over; sign in again.
      expect(
        (await client("--server", desk.url, "login", "--mobile", RETAILER[0], "--password", RETAILER[1]))
          .code,
      ).toBe(0);
      const unpaid = await client("--key", k1, "renew", "--pin", "24681357", "--json");
      expect(unpaid.code, unpaid.stdout).toBe(1);
      const { order: renewal } = unpaid.json<{ stage: string; payUrl: string; order: { id: string } }>();
      expect(unpaid.json()).toMatchObject({ stage: "awaiting_payment" });
      // A second run before payment finds the same order and the same new key pair.
      const again = await client("--key", k1, "renew", "--pin", "24681357", "--json");
      expect(again.json<{ order: { id: string } }>().order.id).toBe(renewal.id);
      // The pay page of the latest run is the one that takes the money.
      const { payUrl } = again.json<{ payUrl: string }>();
      const session = await SoftwareKey.open(k1).login("24681357");
      expect(await session.keyPairs()).toHaveLength(2);
      await session.close();

      await payAt(desk.t, payUrl);
      const done = await client("--key", k1, "renew", "--pin", "24681357", "--json");
      expect(done.code, done.stdout + done.stderr).toBe(0);
      const result = done.json<{ stage: string; replaced: string; certificate: { serial: string } }>();
      expect(result).toMatchObject({ stage: "renewed", replaced: oldView.serialNumber });

      // On the key: the renewed certificate and its key pair only.
      const key = SoftwareKey.open(k1);
      const certs = await key.certificates();
      expect(certs).toHaveLength(1);
      const renewed = parseCertificate(certs[0]!.der);
      expect(renewed.serialNumber).toBe(result.certificate.serial);
      expect(Buffer.compare(renewed.spki, oldView.spki)).not.toBe(0);
      const s = await key.login("24681357");
      expect((await s.keyPairs()).map((p) => p.id)).toEqual([certs[0]!.id]);
      await s.close();

      // The renewed certificate chains to the CA (OpenSSL, GM/T 0009 signer ID).
      const row = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("serial", "=", renewed.serialNumber)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: "active" });
      const issuing = await desk.t.cas.byId(row.ca_id!);
      const root = await desk.t.cas.byId(issuing.issuerId!);
      const verdict = opensslVerifiesChain(
        [renewed.der, issuing.certificate, root.certificate],
        "sm2",
        desk.t.clock.now(),
      );
      expect(verdict.ok, verdict.output).toBe(true);
      // Valid from now, counted from the day after the old one ends: the days left are not lost.
      expect(renewed.notAfter.toISOString()).toBe("2032-11-19T15:59:59.000Z");

      const old = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("serial", "=", oldView.serialNumber)
        .executeTakeFirstOrThrow();
      expect(old).toMatchObject({
        status: "revoked",
        revocation_reason: "superseded",
        superseded_by: row.id,
      });
      const ocsp = await desk.t.app.inject({
        method: "POST",
        url: "/ocsp",
        headers: { "content-type": "application/ocsp-request" },
        payload: Buffer.from(
          buildOcspRequest([certIdFor(issuing.certificate, oldView.serialNumber, "sha256")]),
        ),
      });
      expect(ocsp.statusCode).toBe(200);
      const answer = parseOcspResponse(new Uint8Array(ocsp.rawPayload));
      expect(answer.status).toBe("successful");
      expect(answer.basic!.responses[0]).toMatchObject({ status: "revoked", reason: "superseded" });
      const fresh = await desk.t.app.inject({
        method: "POST",
        url: "/ocsp",
        headers: { "content-type": "application/ocsp-request" },
        payload: Buffer.from(
          buildOcspRequest([certIdFor(issuing.certificate, renewed.serialNumber, "sha256")]),
        ),
      });
      expect(parseOcspResponse(new Uint8Array(fresh.rawPayload)).basic!.responses[0]!.status).toBe("good");

      const renewalOrder = await store.db
        .selectFrom("orders")
        .selectAll()
        .where("id", "=", renewal.id)
        .executeTakeFirstOrThrow();
      expect(renewalOrder.state).toBe("completed");
      const shown = await client("--key", k1, "show", "--json");
      expect(shown.json()).toMatchObject({
        desk: { activated: true, certificate: { serial: renewed.serialNumber } },
      });
    }, 120_000);
  });
}
