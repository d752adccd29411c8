/**
 * Password guessing limits over real HTTP (a listening app, every test store): parallel wrong
 * passwords are evaluated at most up to the account's limit, because the attempt is counted in
 * one statement before the password is checked; an address with many failures is slowed, never
 * locked, so another user behind the same proxy still logs in; X-Forwarded-For counts only
 * behind a configured trusted proxy; and 50 concurrent logins leave the event loop free.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { hashPassword } from "../src/people/passwords.js";
import { forgetStaleGuesses, GUESS_LIMITS } from "../src/people/guess-limits.js";
import { DEMO, startTestApp, type TestApp } from "./support/app.js";
import { testStores } from "./support/stores.js";

type Problem = { code: string; params: Record<string, number>; messages: Record<string, string> };

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Problem, ms: performance.now() - started };
}

for (const kind of testStores) {
  describe(`password guessing limits on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    let url: string;

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
      url = await t.app.listen({ host: "127.0.0.1", port: 0 });
    });
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    it("150 parallel wrong passwords for one account: at most 5 are evaluated, the rest are refused with the wait", async () => {
      const results = await Promise.all(
        Array.from({ length: 150 }, () =>
          post(`${url}/api/auth/login`, { login: "reviewer", password: "wrong-password-1" }),
        ),
      );
      const evaluated = results.filter((r) => r.status === 401);
      const refused = results.filter((r) => r.status === 429);
      expect(evaluated.length).toBeLessThanOrEqual(GUESS_LIMITS.password.perAccount);
      console.log(
        `[${kind.name}] 150 parallel wrong passwords: ${evaluated.length} evaluated, ${refused.length} refused`,
      );
      expect(evaluated.length + refused.length).toBe(150);
      expect(refused[0]!.json).toMatchObject({ code: "auth.throttled", params: { minutes: 15 } });
      expect(refused[0]!.json.messages.en).toBe("Too many failed logins; try again in 15 minutes");
      expect(refused[0]!.json.messages["zh-CN"]).toBe("登录失败次数过多，请 15 分钟后再试");
      // The right password is refused too until the window ends, then logs in and resets the count.
      const blocked = await post(`${url}/api/auth/login`, { login: "reviewer", password: DEMO.reviewer[1] });
      expect(blocked.status).toBe(429);
      t.clock.advance(10 * 60_000);
      const later = await post(`${url}/api/auth/login`, { login: "reviewer", password: DEMO.reviewer[1] });
      expect(later.json).toMatchObject({ code: "auth.throttled", params: { minutes: 5 } });
      t.clock.advance(5 * 60_000);
      const ok = await post(`${url}/api/auth/login`, { login: "reviewer", password: DEMO.reviewer[1] });
      expect(ok.status).toBe(200);
      const row = await store.db
        .selectFrom("login_throttle")
        .selectAll()
        .where("key", "=", "login:reviewer")
        .executeTakeFirst();
      expect(row).toBeUndefined();
    });

    it("an address with many failures is slowed, not locked: another account behind it still logs in", async () => {
      const { slowAfter, stepMs } = GUESS_LIMITS.address;
      // Failures spread over many (unknown) logins, so that no account limit is reached.
      for (let round = 0; round < 2; round++)
        await Promise.all(
          Array.from({ length: Math.ceil((slowAfter + 2) / 2) }, () =>
            post(`${url}/api/auth/login`, { login: `nobody-${randomUUID()}`, password: "wrong-password-1" }),
          ),
        );
      const row = await store.db
        .selectFrom("login_throttle")
        .selectAll()
        .where("key", "=", "address:127.0.0.1")
        .executeTakeFirstOrThrow();
      expect(row.failures).toBeGreaterThan(slowAfter);
      const slowed = await post(`${url}/api/auth/login`, {
        login: DEMO.supplierA[0],
        password: DEMO.supplierA[1],
      });
      expect(slowed.status).toBe(200);
      expect(slowed.ms).toBeGreaterThanOrEqual(stepMs);
    });

    it("X-Forwarded-For is ignored unless the peer is a configured trusted proxy", async () => {
      const before = await store.db.selectFrom("login_throttle").select("key").execute();
      await post(
        `${url}/api/auth/login`,
        { login: "nobody-xff", password: "wrong-password-1" },
        { "x-forwarded-for": "203.0.113.7" },
      );
      const after = await store.db.selectFrom("login_throttle").select("key").execute();
      expect(after.map((r) => r.key)).not.toContain("address:203.0.113.7");
      expect(after.length).toBe(before.length + 1); // the login's own row, the address was 127.0.0.1

      const behindProxy = await startTestApp(store, "2026-11-20T02:00:00Z", { trustedProxy: ["127.0.0.1"] });
      try {
        const proxied = await behindProxy.app.listen({ host: "127.0.0.1", port: 0 });
        await post(
          `${proxied}/api/auth/login`,
          { login: "nobody-xff", password: "wrong-password-1" },
          { "x-forwarded-for": "203.0.113.7" },
        );
        const rows = await store.db.selectFrom("login_throttle").select("key").execute();
        expect(rows.map((r) => r.key)).toContain("address:203.0.113.7");
      } finally {
        await behindProxy.close();
      }
    });

    it("counts whose window has ended are swept away (a login name guessed once leaves no row for good)", async () => {
      const now = t.clock.now();
      const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
      await store.db
        .insertInto("login_throttle")
        .values([
          { key: "login:sweep-old", failures: 3, window_started_at: at(16), blocked_until: null },
          { key: "login:sweep-live", failures: 3, window_started_at: at(14), blocked_until: null },
          { key: "code:unlock:sweep-old", failures: 3, window_started_at: at(61), blocked_until: null },
          { key: "code:unlock:sweep-live", failures: 3, window_started_at: at(59), blocked_until: null },
        ])
        .execute();
      // Earlier tests of this suite may leave stale rows of their own: at least these two go.
      const { removed } = await forgetStaleGuesses({ db: store.db, clock: t.clock });
      expect(removed).toBeGreaterThanOrEqual(2);
      const left = await store.db
        .selectFrom("login_throttle")
        .select("key")
        .where("key", "like", "%sweep%")
        .orderBy("key")
        .execute();
      expect(left.map((r) => r.key)).toEqual(["code:unlock:sweep-live", "login:sweep-live"]);
    });

    it(
      "50 concurrent logins leave the event loop free: p99 of /api/health stays under 100 ms",
      { timeout: 180_000 },
      async () => {
        const hash = await hashPassword("load-test-pass-1");
        const logins = Array.from({ length: 50 }, (_, i) => `load-${i}`);
        await store.db
          .insertInto("users")
          .values(
            logins.map((login) => ({
              id: randomUUID(),
              kind: "staff",
              login,
              password_hash: hash,
              name: login,
              mobile: null,
              id_number: null,
              organisation_id: null,
              roles: ["reviewer"],
              created_at: t.clock.now(),
            })),
          )
          .execute();
        const latencies: number[] = [];
        let done = false;
        const probe = (async () => {
          while (!done) {
            const started = performance.now();
            const res = await fetch(`${url}/api/health`);
            await res.arrayBuffer();
            latencies.push(performance.now() - started);
            await new Promise((r) => setTimeout(r, 10));
          }
        })();
        const results = await Promise.all(
          logins.map((login) => post(`${url}/api/auth/login`, { login, password: "load-test-pass-1" })),
        );
        done = true;
        await probe;
        expect(results.map((r) => r.status)).toEqual(logins.map(() => 200));
        latencies.sort((a, b) => a - b);
        const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!;
        console.log(
          `[${kind.name}] 50 concurrent logins in ${Math.round(Math.max(...results.map((r) => r.ms)))} ms; ` +
            `/api/health: ${latencies.length} probes, p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} ms, ` +
            `p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
        );
        expect(latencies.length).toBeGreaterThan(10);
        expect(p99).toBeLessThan(100);
      },
    );
  });
}
