/**
 * Issuing organisation certificates on every test store, judged by stock OpenSSL: chains verify
 * (SM2 link by link with the GM/T 0009 signer ID), the Chinese name survives, the USCC sits where
 * the profile says, every profile refusal has its code, nothing is issued twice, and each
 * certificate is recorded with its order and audited before it is returned.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoProgrammesPath, readProgrammesFile } from "../src/store/programme-files.js";
import { parseCertificate } from "../src/pki/certificate.js";
import { verifyAuditChain } from "../src/store/audit.js";
import { buildCsr } from "../src/pki/csr.js";
import { OID } from "../src/pki/oids.js";
import { pemEncode } from "../src/pki/pem.js";
import { generateSoftwareKey, rsaSigner, type KeyAlgorithm } from "../src/pki/signer.js";
import { Workdir, openssl, tamperLastByte } from "./support/pki.js";
import { systemActor, type Actor } from "../src/people/actor.js";
import { finishProduction } from "../src/orders/fulfilment.js";
import { issueCertificate, issueFromCsrForOperator } from "../src/ca/issuance.js";
import {
  caChain,
  pemChain,
  type IssuanceDeps,
  type IssuedCertificate,
} from "../src/ca/certificate-signing.js";
import type { OrderDetails } from "../src/orders/orders.js";
import { saveProgramme } from "../src/orders/programmes.js";
import { opensslVerifiesChain } from "./support/chain.js";
import { startTestApp, type TestApp } from "./support/app.js";
import {
  ORGANISATION_A,
  ORGANISATION_B,
  USCC_A,
  USCC_B,
  keyWithCsr,
  orderAtProduction,
  staffActor,
} from "./support/production.js";
import { testStores } from "./support/stores.js";

type Store = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return "accepted";
};

/** Procurement with P-256 added: the demo programmes issue SM2 and RSA only. */
async function saveAllAlgorithmsProgramme(t: TestApp): Promise<void> {
  const [procurement] = readProgrammesFile(demoProgrammesPath);
  const certificates = procurement!.certificates!;
  await saveProgramme({ db: t.store.db, clock: t.clock }, systemActor("test"), {
    ...procurement,
    id: "all-algorithms",
    algorithms: ["sm2", "p256", "rsa"],
    certificates: {
      ...certificates,
      algorithms: ["sm2", "p256", "rsa"],
      profiles: certificates.profiles.map((p) =>
        p.usage === "signing" ? { ...p, algorithms: ["sm2", "p256", "rsa"] } : p,
      ),
    },
  });
}

for (const kind of testStores) {
  describe(`issuance on ${kind.name}`, () => {
    let store: Store;
    let t: TestApp;
    let production: Actor;
    let deps: TestApp["deps"];

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
      deps = t.deps;
      production = await staffActor(store.db, "production");
      await saveAllAlgorithmsProgramme(t);
    });
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    const newOrder = (programmeId: string, uscc: string, details: OrderDetails = { years: 3 }) =>
      orderAtProduction(store.db, { programmeId, service: "new", uscc, details });

    async function produce(
      orderId: string,
      csr: string,
    ): Promise<IssuedCertificate & { row: { id: string } }> {
      const done = await finishProduction(deps, production, orderId, [{ csr }]);
      const row = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("id", "=", done.certificates[0]!.id)
        .executeTakeFirstOrThrow();
      return {
        id: row.id,
        serial: row.serial,
        orderId: row.order_id,
        caId: row.ca_id!,
        profile: row.profile!,
        keyAlgorithm: row.key_algorithm as KeyAlgorithm,
        subject: row.subject,
        notBefore: row.not_before,
        notAfter: row.not_after,
        der: row.der!,
        chain: await caChain(store.db, row.ca_id!),
        row,
      };
    }

    describe.each(["sm2", "ecdsa-p256", "rsa"] as const)("a %s key", (algorithm) => {
      let issued: IssuedCertificate;
      const dir = new Workdir();
      afterAll(() => dir.remove());

      beforeAll(async () => {
        const { csr } = await keyWithCsr(algorithm);
        issued = await produce(await newOrder("all-algorithms", USCC_A), csr);
        dir.write("chain.pem", pemChain(issued));
      });

      it("openssl verify accepts end entity -> issuing CA -> root (SM2: each link with distid 1234567812345678)", () => {
        expect(issued.chain).toHaveLength(2);
        expect(issued.caId).toBe(`demo-${algorithm}-issuing`);
        const verdict = opensslVerifiesChain([issued.der, ...issued.chain], algorithm, t.clock.now());
        expect(verdict.ok, verdict.output).toBe(true);
      });

      it("the subject is the organisation on file, its Chinese name intact (openssl -nameopt utf8)", () => {
        const r = openssl(["x509", "-in", "chain.pem", "-noout", "-subject", "-nameopt", "utf8"], dir.path);
        expect(r.output.trim()).toBe(
          `subject=C=CN, O=${ORGANISATION_A}, CN=${ORGANISATION_A}, serialNumber=${USCC_A}`,
        );
      });

      it("the USCC is in GM/T 0015's organisation code (1.2.156.10260.4.1.4), and the profile's extensions are there", () => {
        const text = openssl(["x509", "-in", "chain.pem", "-noout", "-text"], dir.path).output;
        expect(text).toMatch(new RegExp(`1\\.2\\.156\\.10260\\.4\\.1\\.4:\\s*\\n\\s*\\.\\.${USCC_A}`));
        expect(text).not.toContain("1.2.156.10260.4.1.3");
        const view = parseCertificate(issued.der);
        expect(view.extensions.gmIdentity).toEqual({ organizationCode: USCC_A });
        expect(view.extensions.basicConstraints).toEqual({ ca: false });
        expect(view.extensions.keyUsage).toEqual(["digitalSignature", "nonRepudiation"]);
        expect(view.extensions.extendedKeyUsage).toEqual([OID.kpClientAuth, OID.kpEmailProtection]);
        // A policy OID from a UUID has a 128-bit arc; OpenSSL reads it back whole.
        expect(text).toContain("Policy: 2.25.272306216481468295435948738048919285529");
        expect(view.extensions.crlDistributionPoints).toEqual([t.urls.crl(issued.caId)]);
        expect(view.extensions.ocspUrls).toEqual([t.urls.ocsp()]);
        expect(view.extensions.caIssuersUrls).toEqual([t.urls.caCertificate(issued.caId)]);
        expect(view.keyAlgorithm).toBe(algorithm);
      });

      it("the serial is 126 random bits (at least 64, CA/B Forum) and the certificate is recorded with its order", async () => {
        expect(issued.serial).toMatch(/^[4-7][0-9a-f]{31}$/);
        expect(BigInt(`0x${issued.serial}`) >= 2n ** 64n).toBe(true);
        const row = await store.db
          .selectFrom("certificates")
          .selectAll()
          .where("serial", "=", issued.serial)
          .executeTakeFirstOrThrow();
        const order = await store.db
          .selectFrom("orders")
          .selectAll()
          .where("id", "=", row.order_id!)
          .executeTakeFirstOrThrow();
        expect(row).toMatchObject({
          status: "issued",
          ca_id: issued.caId,
          profile: "organisation-signing",
          key_algorithm: algorithm,
          organisation_id: order.organisation_id,
          programme_id: "all-algorithms",
        });
        expect(Buffer.compare(row.der!, issued.der)).toBe(0);
        expect(order.state).toBe("produced");
        expect(order.certificate_id).toBe(row.id);
      });
    });

    it("ST and L come from the organisation's registered address, the USCC in both GM/T 0015 extensions (programme B)", async () => {
      await store.db
        .updateTable("organisations")
        .set({ address: "广东省广州市天河区示例路 88 号" })
        .where("uscc", "=", USCC_B)
        .execute();
      const { csr } = await keyWithCsr("sm2");
      const issued = await produce(await newOrder("power-trading", USCC_B, { years: 3, keys: 1 }), csr);
      const dir = new Workdir();
      try {
        dir.writePem("ee.pem", "CERTIFICATE", issued.der);
        const subject = openssl(
          ["x509", "-in", "ee.pem", "-noout", "-subject", "-nameopt", "utf8"],
          dir.path,
        );
        expect(subject.output.trim()).toBe(
          `subject=C=CN, ST=广东省, L=广州市, O=${ORGANISATION_B}, CN=${ORGANISATION_B}`,
        );
        const text = openssl(["x509", "-in", "ee.pem", "-noout", "-text"], dir.path).output;
        expect(text).toContain("Policy: 2.25.46770690640410923900418273994281360046");
      } finally {
        dir.remove();
      }
      expect(parseCertificate(issued.der).extensions.gmIdentity).toEqual({
        organizationCode: USCC_B,
        businessRegistrationNumber: USCC_B,
      });
    });

    it("an order of 2 keys gets 2 certificates, one from a CSR and one from a token's bare public key; a retried call issues nothing new", async () => {
      const orderId = await newOrder("power-trading", USCC_B, { years: 1, keys: 2 });
      const first = await keyWithCsr("sm2");
      const second = await keyWithCsr("sm2");
      const keys = [
        { csr: first.csr, keySerial: "UK-0001" },
        { publicKey: Buffer.from(second.spki).toString("base64"), keySerial: "UK-0002" },
      ];
      expect(await codeOf(finishProduction(deps, production, orderId, keys.slice(0, 1)))).toBe(
        "issuance.key_count_mismatch",
      );
      const done = await finishProduction(deps, production, orderId, keys);
      expect(done.state).toBe("produced");
      expect(done.certificates).toHaveLength(2);
      const spkis = done.certificates.map((c) => Buffer.from(parseCertificate(c.certificate).spki));
      expect(spkis.some((s) => s.equals(Buffer.from(second.spki)))).toBe(true);
      const again = await finishProduction(deps, production, orderId, keys);
      expect(again.certificates.map((c) => c.serial)).toEqual(done.certificates.map((c) => c.serial));
      const rows = await store.db
        .selectFrom("certificates")
        .select("id")
        .where("order_id", "=", orderId)
        .execute();
      expect(rows).toHaveLength(2);
      const audit = await store.db
        .selectFrom("audit_log")
        .select("data")
        .where("action", "=", "certificate.issue")
        .where(
          "subject_id",
          "in",
          rows.map((r) => r.id),
        )
        .execute();
      expect(audit.map((a) => (a.data as { keySerial: string }).keySerial).sort()).toEqual([
        "UK-0001",
        "UK-0002",
      ]);
      expect(audit.map((a) => (a.data as { proof: string }).proof).sort()).toEqual(["csr", "token"]);
    });

    it("proof of possession: a tampered CSR is refused; an SM2 CSR signed with OpenSSL's empty ID is taken, one with another ID is not", async () => {
      const orderId = await newOrder("procurement", USCC_A);
      const { csr } = await keyWithCsr("sm2");
      const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ""), "base64");
      const tampered = pemEncode("CERTIFICATE REQUEST", tamperLastByte(new Uint8Array(der)));
      expect(await codeOf(finishProduction(deps, production, orderId, [{ csr: tampered }]))).toBe(
        "issuance.proof_of_possession_failed",
      );
      const other = await keyWithCsr("sm2", { sm2Id: "ALICE123@YAHOO.COM" });
      expect(await codeOf(finishProduction(deps, production, orderId, [{ csr: other.csr }]))).toBe(
        "issuance.proof_of_possession_failed",
      );
      // Nothing was recorded and the order did not move: the production transaction rolled back.
      expect(
        await store.db.selectFrom("certificates").select("id").where("order_id", "=", orderId).execute(),
      ).toEqual([]);
      const order = await store.db
        .selectFrom("orders")
        .select("state")
        .where("id", "=", orderId)
        .executeTakeFirst();
      expect(order?.state).toBe("paper_received");

      const empty = await keyWithCsr("sm2", { sm2Id: "" });
      const done = await finishProduction(deps, production, orderId, [{ csr: empty.csr }]);
      const audit = await store.db
        .selectFrom("audit_log")
        .select("data")
        .where("action", "=", "certificate.issue")
        .where("subject_id", "=", done.certificates[0]!.id)
        .executeTakeFirstOrThrow();
      expect(audit.data).toMatchObject({ proof: "csr", csrSm2Id: "empty" });
    });

    it("profile refusals reach the desk with their codes: a P-256 key on programme A, a 1024-bit RSA key", async () => {
      const orderId = await newOrder("procurement", USCC_A);
      const p256 = await keyWithCsr("ecdsa-p256");
      expect(await codeOf(finishProduction(deps, production, orderId, [{ csr: p256.csr }]))).toBe(
        "issuance.key_algorithm_not_allowed",
      );
      const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
      const weakCsr = pemEncode(
        "CERTIFICATE REQUEST",
        await buildCsr({ subject: { CN: "x" }, signer: rsaSigner(weak.privateKey) }),
      );
      expect(await codeOf(finishProduction(deps, production, orderId, [{ csr: weakCsr }]))).toBe(
        "issuance.rsa_key_too_small",
      );
      expect(await codeOf(finishProduction(deps, production, orderId, [{ csr: "%%% not base64 %%%" }]))).toBe(
        "issuance.key_input_invalid",
      );
      const garbage = pemEncode("CERTIFICATE REQUEST", Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00));
      expect(await codeOf(finishProduction(deps, production, orderId, [{ csr: garbage }]))).toBe(
        "pki.csr_malformed",
      );
    });

    it("validity: renewal continues from the old end; a change keeps it (with the new name); past the CA's end is refused", async () => {
      const { csr } = await keyWithCsr("sm2");
      const original = await produce(await newOrder("procurement", USCC_A, { years: 3 }), csr);
      expect(original.notAfter.toISOString()).toBe("2029-11-19T15:59:59.000Z");

      const renewal = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "renewal",
        uscc: USCC_A,
        details: { certificateId: original.id, years: 1 },
      });
      const renewed = await produce(renewal, (await keyWithCsr("sm2")).csr);
      expect(renewed.notAfter.toISOString()).toBe("2030-11-19T15:59:59.000Z");
      expect(renewed.notBefore.toISOString()).toBe(t.clock.now().toISOString());

      const change = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "change",
        uscc: USCC_A,
        details: {
          certificateId: original.id,
          validityEnd: original.notAfter.toISOString(),
          newOrganisationName: "上海示例供应链科技有限公司",
        },
      });
      const changed = await produce(change, (await keyWithCsr("rsa")).csr);
      expect(changed.notAfter.toISOString()).toBe(original.notAfter.toISOString());
      expect(parseCertificate(changed.der).subject).toMatchObject({
        O: "上海示例供应链科技有限公司",
        CN: "上海示例供应链科技有限公司",
      });

      const tooLong = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "reissue",
        uscc: USCC_A,
        details: { certificateId: original.id, validityEnd: "2040-01-01T00:00:00.000Z" },
      });
      expect(await codeOf(finishProduction(deps, production, tooLong, [{ csr }]))).toBe(
        "issuance.validity_past_ca",
      );
    });

    it("SM2 dual pair: the encryption key gets its own certificate (keyEncipherment, dataEncipherment, keyAgreement); B offers none", async () => {
      const signing = await keyWithCsr("sm2");
      const encryption = generateSoftwareKey("sm2").signer.publicKeySpki;
      const done = await finishProduction(deps, production, await newOrder("procurement", USCC_A), [
        { csr: signing.csr, encryption: { publicKey: Buffer.from(encryption).toString("base64") } },
      ]);
      expect(done.certificates.map((c) => c.profile)).toEqual([
        "organisation-signing",
        "organisation-encryption",
      ]);
      const enc = parseCertificate(done.certificates[1]!.certificate);
      expect(enc.extensions.keyUsage).toEqual(["keyEncipherment", "dataEncipherment", "keyAgreement"]);
      expect(enc.extensions.extendedKeyUsage).toBeUndefined();
      expect(Buffer.from(enc.spki).equals(Buffer.from(encryption))).toBe(true);
      const row = await store.db
        .selectFrom("certificates")
        .select(["ca_id"])
        .where("id", "=", done.certificates[1]!.id)
        .executeTakeFirstOrThrow();
      const verdict = opensslVerifiesChain(
        [enc.der, ...(await caChain(store.db, row.ca_id!))],
        "sm2",
        t.clock.now(),
      );
      expect(verdict.ok, verdict.output).toBe(true);

      const b = await newOrder("power-trading", USCC_B, { years: 1, keys: 1 });
      expect(
        await codeOf(
          finishProduction(deps, production, b, [
            { csr: signing.csr, encryption: { publicKey: Buffer.from(encryption).toString("base64") } },
          ]),
        ),
      ).toBe("issuance.dual_pair_not_offered");
    });

    it("serial numbers are unique by the store's constraint: a collision draws a new serial and signs again", async () => {
      const fixed = randomBytes(16);
      let calls = 0;
      // The first two draws collide; later ones are random again.
      const colliding: IssuanceDeps = { ...deps, random: (n) => (++calls <= 2 ? fixed : randomBytes(n)) };
      const issue = async () =>
        issueCertificate(colliding, production, {
          orderId: await newOrder("procurement", USCC_A),
          key: { csr: (await keyWithCsr("rsa")).csr },
        });
      const a = await issue();
      const b = await issue();
      expect(calls).toBe(3);
      expect(a.serial).not.toBe(b.serial);
      expect(parseCertificate(b.der).serialNumber).toBe(b.serial);
      const stuck: IssuanceDeps = { ...deps, random: () => fixed };
      const orderId = await newOrder("procurement", USCC_A);
      expect(
        await codeOf(
          issueCertificate(stuck, production, { orderId, key: { csr: (await keyWithCsr("rsa")).csr } }),
        ),
      ).toBe("issuance.serial_exhausted");
      expect(
        await store.db.selectFrom("certificates").select("id").where("order_id", "=", orderId).execute(),
      ).toEqual([]);
    });

    it("issueCertificate records the certificate and its audit row before it returns; only production staff issue", async () => {
      const orderId = await newOrder("procurement", USCC_A);
      const issued = await issueCertificate(deps, production, {
        orderId,
        key: { csr: (await keyWithCsr("sm2")).csr },
        keySerial: "UK-42",
      });
      const row = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("id", "=", issued.id)
        .executeTakeFirstOrThrow();
      expect(row.order_id).toBe(orderId);
      expect(Buffer.compare(row.der!, issued.der)).toBe(0);
      const audit = await store.db
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "certificate.issue")
        .where("subject_id", "=", issued.id)
        .executeTakeFirstOrThrow();
      expect(audit.data).toMatchObject({
        serial: issued.serial,
        orderId,
        caId: issued.caId,
        keySerial: "UK-42",
      });
      // The order waits at production until production is finished; the certificate already counts.
      const finished = await finishProduction(deps, production, orderId, []);
      expect(finished.state).toBe("produced");
      expect(finished.certificates.map((c) => c.id)).toEqual([issued.id]);

      const reviewer = await staffActor(store.db, "reviewer");
      expect(
        await codeOf(
          issueCertificate(deps, reviewer, {
            orderId: await newOrder("procurement", USCC_A),
            key: { csr: (await keyWithCsr("sm2")).csr },
          }),
        ),
      ).toBe("auth.forbidden");
    });

    it("an operator issues from a CSR without an order: order_id null, audited, subject from the request or from the organisation on file", async () => {
      const key = generateSoftwareKey("sm2");
      const csr = await buildCsr({
        subject: {
          C: "CN",
          O: "杭州示例网络科技有限公司",
          CN: "杭州示例网络科技有限公司",
          serialNumber: "91310110666007217T",
        },
        signer: key.signer,
      });
      const admin = await staffActor(store.db, "admin");
      expect(
        await codeOf(
          issueFromCsrForOperator(deps, admin, { csr, profile: "organisation-signing", days: 30 }),
        ),
      ).toBe("issuance.profile_ambiguous");
      const issued = await issueFromCsrForOperator(deps, admin, {
        csr,
        profile: "organisation-signing",
        programme: "procurement",
        days: 30,
      });
      expect(parseCertificate(issued.der).subject).toEqual({
        C: "CN",
        O: "杭州示例网络科技有限公司",
        CN: "杭州示例网络科技有限公司",
        serialNumber: "91310110666007217T",
      });
      // 30 days from Friday 2026-11-20, the last day included: through 2026-12-19.
      expect(issued.notAfter.toISOString()).toBe("2026-12-19T15:59:59.000Z");
      const row = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("id", "=", issued.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ order_id: null, organisation_id: null, programme_id: "procurement" });
      const audit = await store.db
        .selectFrom("audit_log")
        .select("data")
        .where("subject_id", "=", issued.id)
        .executeTakeFirstOrThrow();
      expect(audit.data).toMatchObject({ operator: true, days: 30 });

      const onFile = await issueFromCsrForOperator(deps, admin, {
        csr,
        profile: "organisation-signing",
        programme: "procurement",
        days: 30,
        organisationUscc: USCC_A,
      });
      expect(parseCertificate(onFile.der).subject.O).toBe(ORGANISATION_A);
      const anonymous = await buildCsr({
        subject: { O: "无代码单位", CN: "无代码单位" },
        signer: key.signer,
      });
      expect(
        await codeOf(
          issueFromCsrForOperator(deps, admin, {
            csr: anonymous,
            profile: "organisation-signing",
            programme: "procurement",
            days: 30,
          }),
        ),
      ).toBe("issuance.uscc_required");
      expect(
        await codeOf(
          issueFromCsrForOperator(deps, production, {
            csr,
            profile: "organisation-signing",
            programme: "procurement",
            days: 30,
          }),
        ),
      ).toBe("auth.forbidden");
    });

    it("operators issuing at once share commits: each certificate is recorded once with one audit row, even when serials collide", async () => {
      const admin = await staffActor(store.db, "admin");
      const key = generateSoftwareKey("ecdsa-p256");
      const fixed = randomBytes(16);
      let draws = 0;
      // The first three draws are one serial: those certificates meet in the store, likely in one group.
      const colliding: IssuanceDeps = { ...deps, random: (n) => (++draws <= 3 ? fixed : randomBytes(n)) };
      const csrs = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          buildCsr({
            subject: { C: "CN", O: "并发单位", CN: `并发 ${i}`, serialNumber: "91310110666007217T" },
            signer: key.signer,
          }),
        ),
      );
      const before = await auditCount(store, "certificate.issue");
      const issued = await Promise.all(
        csrs.map((csr) =>
          issueFromCsrForOperator(colliding, admin, {
            csr,
            profile: "organisation-signing",
            programme: "all-algorithms",
            days: 30,
          }),
        ),
      );
      expect(draws).toBe(26); // two of the three colliding draws had to be drawn again
      expect(new Set(issued.map((c) => c.serial)).size).toBe(24);
      const rows = await store.db
        .selectFrom("certificates")
        .select(["id", "serial"])
        .where(
          "id",
          "in",
          issued.map((c) => c.id),
        )
        .execute();
      expect(new Map(rows.map((r) => [r.id, r.serial]))).toEqual(
        new Map(issued.map((c) => [c.id, c.serial])),
      );
      const audits = await store.db
        .selectFrom("audit_log")
        .select(["subject_id", "data"])
        .where("action", "=", "certificate.issue")
        .where(
          "subject_id",
          "in",
          issued.map((c) => c.id),
        )
        .execute();
      expect(audits.map((a) => (a.data as { serial: string }).serial).sort()).toEqual(
        issued.map((c) => c.serial).sort(),
      );
      expect(await auditCount(store, "certificate.issue")).toBe(before + 24);
      expect(await verifyAuditChain(store.db)).toMatchObject({ ok: true });
      for (const c of issued) expect(parseCertificate(c.der).serialNumber).toBe(c.serial);
    });
  });
}

async function auditCount(store: Store, action: string): Promise<number> {
  const rows = await store.db.selectFrom("audit_log").select("seq").where("action", "=", action).execute();
  return rows.length;
}
