/**
 * POST /api/ca/issue on every test store: an operator sends a CSR made by stock OpenSSL and gets
 * back the serial and the chain, which OpenSSL verifies (SM2 link by link with the GM/T 0009 signer
 * ID); the certificate and its audit row are in the store by the time the answer arrives; those
 * who may not issue are refused with problem+json.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../src/pki/certificate.js";
import { pemDecodeAll, pemEncode } from "../src/pki/pem.js";
import { Workdir, openssl, tamperLastByte } from "./support/pki.js";
import { opensslVerifiesChain } from "./support/chain.js";
import { DEMO, anonymous, startTestApp, type Client, type TestApp } from "./support/app.js";
import { ORGANISATION_A, USCC_A } from "./support/production.js";
import { testStores } from "./support/stores.js";

type Store = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;

const REQUESTED_O = "杭州示例网络科技有限公司";
const REQUESTED_USCC = "91310110666007217T";

/** `openssl req` as an applicant's tool would run it; SM2 signs with OpenSSL's (empty) default ID. */
function opensslCsr(dir: Workdir, algorithm: "rsa" | "sm2"): string {
  const run = (args: string[]) => {
    const r = openssl(args, dir.path);
    if (r.code !== 0) throw new Error(r.output);
  };
  const key = `${algorithm}.key`;
  run(
    algorithm === "rsa"
      ? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key]
      : ["genpkey", "-algorithm", "SM2", "-out", key],
  );
  const subject = `/C=CN/O=${REQUESTED_O}/CN=${REQUESTED_O}/serialNumber=${REQUESTED_USCC}`;
  run([
    "req",
    "-new",
    "-key",
    key,
    algorithm === "rsa" ? "-sha256" : "-sm3",
    "-utf8",
    "-subj",
    subject,
    "-out",
    `${algorithm}.csr`,
  ]);
  return new TextDecoder().decode(dir.read(`${algorithm}.csr`));
}

for (const kind of testStores) {
  describe(`POST /api/ca/issue on ${kind.name}`, () => {
    let store: Store;
    let t: TestApp;
    let admin: Client;
    const dir = new Workdir();

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
      admin = await t.as(...DEMO.admin);
    });
    afterAll(async () => {
      dir.remove();
      await t?.close();
      await store?.dispose();
    });

    describe.each(["rsa", "sm2"] as const)("an OpenSSL %s CSR", (algorithm) => {
      let answer: { serial: string; pem: string };

      beforeAll(async () => {
        const res = await admin({
          method: "POST",
          url: "/api/ca/issue",
          payload: {
            csr: opensslCsr(dir, algorithm),
            profile: "organisation-signing",
            programme: "procurement",
            days: 30,
          },
        });
        expect(res.status, res.body).toBe(200);
        answer = res.json();
      });

      it("answers the serial and the chain, which openssl verify accepts (SM2: each link with distid 1234567812345678)", () => {
        const chain = pemDecodeAll(answer.pem).map((b) => b.der);
        expect(chain).toHaveLength(3);
        const view = parseCertificate(chain[0]!);
        expect(view.serialNumber).toBe(answer.serial);
        expect(view.keyAlgorithm).toBe(algorithm);
        expect(view.subject).toMatchObject({ O: REQUESTED_O, serialNumber: REQUESTED_USCC });
        // 30 days from Friday 2026-11-20 (Shanghai), the last day included: through 2026-12-19.
        expect(view.notAfter.toISOString()).toBe("2026-12-19T15:59:59.000Z");
        const verdict = opensslVerifiesChain(chain, algorithm, t.clock.now());
        expect(verdict.ok, verdict.output).toBe(true);
      });

      it("the certificate and its audit row are stored before the answer: no order, the operator named", async () => {
        const row = await store.db
          .selectFrom("certificates")
          .selectAll()
          .where("serial", "=", answer.serial)
          .executeTakeFirstOrThrow();
        expect(row).toMatchObject({
          order_id: null,
          programme_id: "procurement",
          ca_id: `demo-${algorithm}-issuing`,
          status: "issued",
          key_algorithm: algorithm,
        });
        expect(Buffer.compare(row.der!, pemDecodeAll(answer.pem)[0]!.der)).toBe(0);
        const audit = await store.db
          .selectFrom("audit_log")
          .selectAll()
          .where("action", "=", "certificate.issue")
          .where("subject_id", "=", row.id)
          .executeTakeFirstOrThrow();
        const adminUser = await store.db
          .selectFrom("users")
          .select("id")
          .where("login", "=", DEMO.admin[0])
          .executeTakeFirstOrThrow();
        expect(audit.actor).toBe(`staff:${adminUser.id}`);
        expect(audit.data).toMatchObject({ serial: answer.serial, operator: true, days: 30, proof: "csr" });
      });
    });

    it("organisationUscc names the subject after the organisation on file; days default to 365", async () => {
      const res = await admin({
        method: "POST",
        url: "/api/ca/issue",
        payload: {
          csr: opensslCsr(dir, "rsa"),
          profile: "organisation-signing",
          programme: "procurement",
          organisationUscc: USCC_A,
        },
      });
      expect(res.status, res.body).toBe(200);
      const view = parseCertificate(pemDecodeAll(res.json<{ pem: string }>().pem)[0]!.der);
      expect(view.subject.O).toBe(ORGANISATION_A);
      // 365 days from 2026-11-20, the last included: through 2027-11-19, Shanghai.
      expect(view.notAfter.toISOString()).toBe("2027-11-19T15:59:59.000Z");
    });

    it("refusals are problem+json with the service's codes, and nothing is issued", async () => {
      const before = await store.db.selectFrom("certificates").select("id").execute();
      const body = {
        csr: opensslCsr(dir, "rsa"),
        profile: "organisation-signing",
        programme: "procurement",
        days: 30,
      };
      const nobody = await (await anonymous(t))({ method: "POST", url: "/api/ca/issue", payload: body });
      expect(nobody.status).toBe(401);
      const reviewer = await t.as(...DEMO.reviewer);
      const refused = await reviewer({ method: "POST", url: "/api/ca/issue", payload: body });
      expect(refused.status).toBe(403);
      expect(refused.json<{ code: string }>().code).toBe("auth.forbidden");
      const applicant = await t.as(...DEMO.supplierA);
      expect((await applicant({ method: "POST", url: "/api/ca/issue", payload: body })).status).toBe(403);

      const ambiguous = await admin({
        method: "POST",
        url: "/api/ca/issue",
        payload: { ...body, programme: undefined },
      });
      expect(ambiguous.json<{ code: string }>().code).toBe("issuance.profile_ambiguous");
      const tampered = pemEncode("CERTIFICATE REQUEST", tamperLastByte(pemDecodeAll(body.csr)[0]!.der));
      const bad = await admin({ method: "POST", url: "/api/ca/issue", payload: { ...body, csr: tampered } });
      expect(bad.json<{ code: string }>().code).toBe("issuance.proof_of_possession_failed");
      const zeroDays = await admin({ method: "POST", url: "/api/ca/issue", payload: { ...body, days: 0 } });
      expect(zeroDays.status).toBe(400);
      expect(await store.db.selectFrom("certificates").select("id").execute()).toHaveLength(before.length);
    });
  });
}
