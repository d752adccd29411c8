/**
 * initCas on a desk that already has its hierarchy: a desk made before the timestamp authority
 * existed (issue 18) gets one under its own issuing CA at the next init or start, and keeps every
 * CA it had. OpenSSL judges the new certificate as a timestamping one.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CA_ALGORITHMS, initCas, publicationUrls, type InitCasInput } from "../src/ca/ca.js";
import { systemClock } from "../src/domain/clock.js";
import type { Actor } from "../src/people/actor.js";
import { testStores } from "./support/stores.js";
import { Workdir, openssl } from "./support/pki.js";

const admin: Actor = { kind: "staff", userId: randomUUID(), roles: ["admin"], name: "测试管理员" };
const input: InitCasInput = {
  algorithms: CA_ALGORITHMS,
  organisation: "certdesk 初始化测试",
  passphrase: "ca-init-test-passphrase",
  urls: publicationUrls("http://127.0.0.1"),
  prefix: "init",
};

for (const kind of testStores) {
  describe(`initCas on a desk that has its hierarchy (${kind.name})`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    const dir = new Workdir();
    beforeAll(async () => {
      store = await kind.open();
    }, 120_000);
    afterAll(async () => {
      await store?.dispose();
      dir.remove();
    });

    const rows = () =>
      store.db.selectFrom("cas").select(["id", "kind", "issuer_id", "certificate"]).orderBy("id").execute();

    it("gives an older desk its timestamp authority under its own issuing CA, and changes nothing else", async () => {
      const deps = { db: store.db, clock: systemClock };
      await initCas(deps, admin, input);
      const made = await rows();
      // An older desk: the same hierarchy without its TSAs.
      await store.db.deleteFrom("cas").where("kind", "=", "tsa").execute();
      const older = await rows();
      expect(older.some((r) => r.kind === "tsa")).toBe(false);

      await initCas(deps, admin, input);
      const after = await rows();
      const tsas = after.filter((r) => r.kind === "tsa");
      expect(tsas.map((r) => r.id).sort()).toEqual(CA_ALGORITHMS.map((a) => `init-${a}-tsa`).sort());
      for (const r of older) expect(after.find((a) => a.id === r.id)?.certificate).toEqual(r.certificate);
      expect(after).toHaveLength(made.length);

      for (const tsa of tsas) {
        const algorithm = tsa.id.replace(/^init-|-tsa$/g, "");
        expect(tsa.issuer_id).toBe(`init-${algorithm}-issuing`);
        if (algorithm === "sm2") continue; // OpenSSL 3.0 checks SM2 chains only link by link
        const issuing = after.find((r) => r.id === tsa.issuer_id)!;
        const root = after.find((r) => r.id === `init-${algorithm}-root`)!;
        dir.writePem(`${algorithm}-root.pem`, "CERTIFICATE", root.certificate);
        dir.writePem(`${algorithm}-issuing.pem`, "CERTIFICATE", issuing.certificate);
        dir.writePem(`${algorithm}-tsa.pem`, "CERTIFICATE", tsa.certificate);
        const verdict = openssl(
          [
            "verify",
            "-purpose",
            "timestampsign",
            "-CAfile",
            `${algorithm}-root.pem`,
            "-untrusted",
            `${algorithm}-issuing.pem`,
            `${algorithm}-tsa.pem`,
          ],
          dir.path,
        );
        expect(verdict.output).toContain("OK");
        expect(verdict.code).toBe(0);
      }

      // Run again: nothing is missing, nothing is made.
      await initCas(deps, admin, input);
      expect(await rows()).toHaveLength(after.length);
    }, 120_000);
  });
}
