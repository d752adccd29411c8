/**
 * Sessions, active CAs and programmes are kept in memory (src/store/read-cache.ts) and still
 * never outlive a change: a logout answers 401 on the very next request with the cache warm, and
 * on PostgreSQL a second desk process on the same database sees a logout, a CA rollover and a
 * saved programme made by the first at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../src/domain/clock.js";
import { resolveSession, login } from "../src/people/people.js";
import { CaRegistry } from "../src/ca/ca.js";
import { getProgramme, saveProgramme } from "../src/orders/programmes.js";
import { systemActor } from "../src/people/actor.js";
import { openStore, type Store } from "../src/store/database.js";
import { DEMO, TEST_CA_PASSPHRASE, startTestApp, type TestApp } from "./support/app.js";
import { createTempDatabase, testStores } from "./support/stores.js";

for (const kind of testStores) {
  describe(`read cache on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
    }, 300_000);
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    it("a logout is refused on the next request with the session cached", async () => {
      const login = await t.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { login: DEMO.admin[0], password: DEMO.admin[1] },
      });
      const token = login.json<{ token: string }>().token;
      const me = () =>
        t.app.inject({ method: "GET", url: "/api/me", headers: { authorization: `Bearer ${token}` } });
      expect((await me()).statusCode).toBe(200);
      expect((await me()).statusCode).toBe(200); // now answered from memory
      const out = await t.app.inject({
        method: "POST",
        url: "/api/auth/logout",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(out.statusCode).toBe(200);
      expect((await me()).statusCode).toBe(401);
    });

    it("concurrent requests share the counter's reads and all see a logout made before them", async () => {
      const session = await login(t.deps, { login: DEMO.admin[0], password: DEMO.admin[1], address: "x" });
      const many = () => Promise.all(Array.from({ length: 20 }, () => resolveSession(t.deps, session.token)));
      expect((await many()).every((a) => a?.kind === "staff")).toBe(true);
      await t.store.db.deleteFrom("sessions").execute(); // any path, not only logout()
      expect((await many()).every((a) => a === undefined)).toBe(true);
    });
  });
}

const serverUrl = process.env.TEST_DATABASE_URL;
describe.skipIf(!serverUrl)("read cache across two desk processes on one PostgreSQL", () => {
  let temp: { url: string; drop(): Promise<void> };
  let a: Store;
  let b: Store;
  let t: TestApp;

  beforeAll(async () => {
    if (!serverUrl) console.log("skipped: TEST_DATABASE_URL is not set (PostgreSQL only)");
    temp = await createTempDatabase(serverUrl!);
    a = await openStore({ kind: "postgres", url: temp.url });
    b = await openStore({ kind: "postgres", url: temp.url });
    t = await startTestApp(a);
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    await a?.close();
    await b?.close();
    await temp?.drop();
  });

  it("a logout in one process is refused at once in the other", async () => {
    const session = await login(t.deps, { login: DEMO.admin[0], password: DEMO.admin[1], address: "x" });
    const inB = () => resolveSession({ db: b.db, clock: t.clock }, session.token);
    expect((await inB())?.kind).toBe("staff");
    expect((await inB())?.kind).toBe("staff");
    const out = await t.app.inject({
      method: "POST",
      url: "/api/auth/logout",
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(out.statusCode).toBe(200);
    expect(await inB()).toBeUndefined();
  });

  it("a new active CA set by one process is the one the other signs with next", async () => {
    const registryB = new CaRegistry(b.db, { passphrase: TEST_CA_PASSPHRASE });
    const before = await registryB.active("rsa", "issuing");
    expect((await registryB.active("rsa", "issuing")).id).toBe(before.id);
    // A rollover as ca-import makes it: the old one retired, another made active.
    const row = await a.db
      .selectFrom("cas")
      .selectAll()
      .where("id", "=", before.id)
      .executeTakeFirstOrThrow();
    const replacement = `${before.id}-next`;
    await a.db
      .insertInto("cas")
      .values({ ...row, key: JSON.stringify(row.key), id: replacement, active: false, crl_number: 0n })
      .execute();
    await a.db.transaction().execute(async (tx) => {
      await tx.updateTable("cas").set({ active: false }).where("id", "=", before.id).execute();
      await tx.updateTable("cas").set({ active: true }).where("id", "=", replacement).execute();
    });
    expect((await registryB.active("rsa", "issuing")).id).toBe(replacement);
  });

  it("a programme saved by one process is read by the other at once", async () => {
    const first = await getProgramme(b.db, "procurement");
    expect(await getProgramme(b.db, "procurement")).toBe(first); // kept
    await saveProgramme({ db: a.db, clock: systemClock }, systemActor("test"), {
      ...first,
      name: { ...first.name, en: "renamed" },
    });
    expect((await getProgramme(b.db, "procurement")).name.en).toBe("renamed");
  });
});
