/**
 * GroupCommit on every test store: submissions made while a transaction runs are written together
 * in the next one, in order, on one audit chain; one item that fails its group fails alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEntries, verifyAuditChain } from "../src/store/audit.js";
import { GroupCommit } from "../src/store/group-commit.js";
import { testStores } from "./support/stores.js";

type Store = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;

for (const kind of testStores) {
  describe(`group commit on ${kind.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await kind.open();
    });
    afterAll(() => store?.dispose());

    /** Appends one audit row per item; an item named "bad" breaks the transaction it is in. */
    function auditGroups() {
      const groups: string[][] = [];
      const commit = new GroupCommit<string, bigint>(store.db, async (tx, items) => {
        groups.push(items);
        const seqs = await appendAuditEntries(
          tx,
          items.map((item) => ({
            entry: { actor: "test", action: "group.test", subjectType: "item", subjectId: item },
            at: new Date(),
          })),
        );
        if (items.includes("bad")) throw new Error("a bad item");
        return seqs;
      });
      return { commit, groups };
    }

    const rowsOf = async () =>
      (
        await store.db
          .selectFrom("audit_log")
          .select(["subject_id", "seq"])
          .where("action", "=", "group.test")
          .orderBy("seq")
          .execute()
      ).map((r) => r.subject_id);

    it("groups what is submitted together, keeps each caller's own result, and chains the rows in order", async () => {
      const { commit, groups } = auditGroups();
      const items = Array.from({ length: 20 }, (_, i) => `item-${i}`);
      const seqs = await Promise.all(items.map((item) => commit.submit(item)));
      expect(groups.length).toBeLessThan(items.length);
      expect(groups.flat()).toEqual(items);
      // Each caller got the sequence number of its own row.
      const rows = await store.db
        .selectFrom("audit_log")
        .select(["subject_id", "seq"])
        .where("action", "=", "group.test")
        .execute();
      const seqOf = new Map(rows.map((r) => [r.subject_id, r.seq]));
      expect(seqs).toEqual(items.map((item) => seqOf.get(item)));
      expect(await verifyAuditChain(store.db)).toMatchObject({ ok: true });
    });

    it("an item that fails its group fails alone: the others are written once, each", async () => {
      const { commit } = auditGroups();
      const before = await rowsOf();
      const items = ["good-1", "good-2", "bad", "good-3", "good-4"];
      const outcomes = await Promise.allSettled(items.map((item) => commit.submit(item)));
      expect(outcomes.map((o) => o.status)).toEqual([
        "fulfilled",
        "fulfilled",
        "rejected",
        "fulfilled",
        "fulfilled",
      ]);
      expect((await rowsOf()).slice(before.length).sort()).toEqual(["good-1", "good-2", "good-3", "good-4"]);
      expect(await verifyAuditChain(store.db)).toMatchObject({ ok: true });
      // Later submissions still go through.
      await expect(commit.submit("after")).resolves.toBeTypeOf("bigint");
    });
  });
}
