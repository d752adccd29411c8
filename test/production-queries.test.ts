/**
 * Production of a token key, as issue 20 item A asks: the order locked once, its programme read
 * once, and the audit rows (and desk events) written at the transaction's end in one statement
 * (atTransactionEnd), so the audit chain's head is held for a few statements. The rows keep their
 * order and the chain verifies; a transaction that fails writes none of them.
 */
import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../src/people/actor.js";
import { finishProduction } from "../src/orders/fulfilment.js";
import { generateSoftwareKey } from "../src/pki/signer.js";
import { appendAudit, atTransactionEnd, verifyAuditChain } from "../src/store/audit.js";
import type { Store } from "../src/store/database.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { orderAtProduction, USCC_A } from "./support/production.js";
import { testStores } from "./support/stores.js";

/** 32 before (5 programme reads, 4 order locks, 3 audit appends of 3 statements each, …). */
const QUERIES_PER_TOKEN_KEY = 18;

for (const kind of testStores) {
  describe(`token-key production on ${kind.name}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let t: TestApp;
    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
    }, 180_000);
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    it("finishing an order of one token key takes 18 queries; its audit rows come in order and the chain verifies", async () => {
      let queries = 0;
      const counting: KyselyPlugin = {
        transformQuery: (args) => {
          queries++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      const deps = { ...t.deps, db: t.deps.db.withPlugin(counting) };
      const actor = systemActor("production-test");
      const publicKey = () => Buffer.from(generateSoftwareKey("sm2").signer.publicKeySpki).toString("base64");
      const newOrder = () =>
        orderAtProduction(store.db, {
          programmeId: "procurement",
          service: "new",
          uscc: USCC_A,
          details: { years: 1 },
        });
      // The first opens the CA (its key, its chain), read once per process.
      await finishProduction(deps, actor, await newOrder(), [{ publicKey: publicKey() }]);
      const orderId = await newOrder();
      queries = 0;
      const produced = await finishProduction(deps, actor, orderId, [{ publicKey: publicKey() }]);
      expect(produced.state).toBe("produced");
      expect(queries).toBeLessThanOrEqual(QUERIES_PER_TOKEN_KEY);

      const rows = await store.db
        .selectFrom("audit_log")
        .select(["action", "subject_id"])
        .where((eb) =>
          eb.or([eb("subject_id", "=", orderId), eb("subject_id", "=", produced.certificates[0]!.id)]),
        )
        .orderBy("seq")
        .execute();
      expect(rows.map((r) => r.action)).toEqual([
        "order.start_production",
        "certificate.issue",
        "order.finish_production",
      ]);
      const events = await store.db
        .selectFrom("desk_events")
        .select("data")
        .where("type", "=", "certificate.issued")
        .execute();
      expect(events.map((e) => (e.data as { serial: string }).serial)).toContain(
        produced.certificates[0]!.serial,
      );
      expect(await verifyAuditChain(store.db)).toMatchObject({ ok: true });
    });

    it("atTransactionEnd: rows gathered are written at the end in their order; a failed transaction writes none", async () => {
      const at = new Date("2026-12-07T12:00:00Z");
      const entry = (n: number) => ({
        actor: "test",
        action: `test.gathered.${n}`,
        subjectType: "test",
        subjectId: "gathered",
      });
      const count = async () =>
        (await store.db.selectFrom("audit_log").select("seq").where("subject_id", "=", "gathered").execute())
          .length;
      await expect(
        store.db.transaction().execute((tx) =>
          atTransactionEnd(tx, async () => {
            await appendAudit(tx, entry(0), at);
            throw new Error("the step failed");
          }),
        ),
      ).rejects.toThrow("the step failed");
      expect(await count()).toBe(0);

      await store.db.transaction().execute((tx) =>
        atTransactionEnd(tx, async () => {
          for (let n = 1; n <= 3; n++) await appendAudit(tx, entry(n), at);
          // Nothing is in the chain before the end.
          const written = await tx
            .selectFrom("audit_log")
            .select("seq")
            .where("subject_id", "=", "gathered")
            .execute();
          expect(written).toHaveLength(0);
        }),
      );
      const rows = await store.db
        .selectFrom("audit_log")
        .select("action")
        .where("subject_id", "=", "gathered")
        .orderBy("seq")
        .execute();
      expect(rows.map((r) => r.action)).toEqual(["test.gathered.1", "test.gathered.2", "test.gathered.3"]);
      expect(await verifyAuditChain(store.db)).toMatchObject({ ok: true });
    });
  });
}
