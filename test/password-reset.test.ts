/**
 * A forgotten password reset by an SMS code (issue #19, item 5), over the API on every test store:
 * the code comes through the outbox and the development SMS sink as a real gateway would carry it;
 * it is a hash at rest, lives ten minutes, works once, and a new request replaces it; wrong codes
 * are counted before they are compared, so parallel guesses get no more tries than one after the
 * other; the reset ends the account's sessions; and an unknown login or a staff login is answered
 * exactly as a handler's is.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import "../src/store/schema-money.js";
import { DevSmsSink } from "../src/notify/ports.js";
import { deliverOutbox } from "../src/notify/outbox.js";
import { GUESS_LIMITS } from "../src/people/guess-limits.js";
import { RESET_CODE } from "../src/people/password-reset.js";
import { anonymous, DEMO, startTestApp, type Client, type TestApp } from "./support/app.js";
import { testStores } from "./support/stores.js";

type Problem = { code: string; params: Record<string, number>; messages: Record<string, string> };

const NEW_PASSWORD = "brand-new-pass-7";

for (const kind of testStores) {
  // Each test hashes a few codes and passwords with scrypt on purpose: a loaded machine takes time.
  describe(`password reset by SMS code on ${kind.name}`, { timeout: 120_000 }, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let t: TestApp;
    let anyone: Client;

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
      anyone = await anonymous(t);
    }, 240_000);
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });
    // Each test starts past every window (codes, pacing, guess counts) the one before left open.
    beforeEach(() => t.clock.advance(2 * 3_600_000));

    const ask = (login: string) =>
      anyone({ method: "POST", url: "/api/auth/password-reset/request", payload: { login } });
    const reset = (login: string, code: string, password = NEW_PASSWORD) =>
      anyone({ method: "POST", url: "/api/auth/password-reset/confirm", payload: { login, code, password } });

    /** The texts the SMS sink received for a number, oldest first, once the outbox is delivered. */
    async function texts(mobile: string): Promise<string[]> {
      await deliverOutbox({
        db: store.db,
        clock: t.clock,
        sms: new DevSmsSink({ db: store.db, clock: t.clock }),
      });
      const rows = await store.db
        .selectFrom("sms_messages")
        .select("text")
        .where("recipient", "=", mobile)
        .where("text", "like", "%重置%")
        .orderBy("outbox_id")
        .execute();
      return rows.map((r) => r.text);
    }
    async function latestCode(mobile: string): Promise<string> {
      const last = (await texts(mobile)).at(-1) ?? "";
      const code = /验证码为 (\d{6})/.exec(last)?.[1];
      if (!code) throw new Error(`no reset code in: ${last}`);
      return code;
    }
    const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

    it("the right code sets the new password, ends the account's sessions, signs in anew, and is audited", async () => {
      const [mobile, oldPassword] = DEMO.supplierA;
      const before = await t.as(mobile, oldPassword);
      expect((await before({ method: "GET", url: "/api/me" })).status).toBe(200);

      const asked = await ask(mobile);
      expect(asked.status).toBe(202);
      expect(asked.json()).toEqual({ resendAfterSeconds: 60, expiresInMinutes: 10 });
      const code = await latestCode(mobile);
      expect((await texts(mobile)).at(-1)).toContain("10 分钟内有效");
      // At rest only a hash: the code itself is nowhere in the row.
      const row = await store.db.selectFrom("password_reset_codes").selectAll().executeTakeFirstOrThrow();
      expect(row.code_hash).toMatch(/^scrypt\$/);
      expect(row.code_hash).not.toContain(code);

      const done = await reset(mobile, code);
      expect(done.status, done.body).toBe(200);
      const session = done.json<{ token: string; actor: { kind: string; name: string } }>();
      expect(session.actor.kind).toBe("applicant");

      // The old session is over; the new one works; the old password no longer does.
      expect((await before({ method: "GET", url: "/api/me" })).status).toBe(401);
      const me = await anyone({
        method: "GET",
        url: "/api/me",
        headers: { authorization: `Bearer ${session.token}` },
      });
      expect(me.status).toBe(200);
      await expect(t.as(mobile, oldPassword)).rejects.toThrow(/auth.bad_credentials/);
      await t.as(mobile, NEW_PASSWORD);

      const audit = await store.db
        .selectFrom("audit_log")
        .select(["action", "data"])
        .where("action", "in", ["user.password_reset_code", "user.password_reset"])
        .orderBy("seq")
        .execute();
      expect(audit.map((a) => a.action)).toEqual(["user.password_reset_code", "user.password_reset"]);
      expect(audit[1]!.data).toMatchObject({ sessionsEnded: 1 });
      expect(JSON.stringify(audit)).not.toContain(code);

      // Used once: the same code again is refused, and nothing is left to guess at.
      const again = await reset(mobile, code, "another-pass-8");
      expect(again.status).toBe(422);
      expect(again.json<Problem>().code).toBe("auth.reset_code_invalid");
      expect(await store.db.selectFrom("password_reset_codes").selectAll().execute()).toEqual([]);
      await t.as(mobile, NEW_PASSWORD);
    });

    it("an expired code is refused; a new request sends one that works", async () => {
      const [mobile] = DEMO.retailerB;
      await ask(mobile);
      const old = await latestCode(mobile);
      t.clock.advance(RESET_CODE.minutes * 60_000 + 1000);
      const late = await reset(mobile, old);
      expect(late.status).toBe(422);
      expect(late.json<Problem>()).toMatchObject({ code: "auth.reset_code_invalid" });
      expect(late.json<Problem>().messages["zh-CN"]).toBe("验证码错误或已失效，请核对后重试或重新获取验证码");
      expect(late.json<Problem>().messages.en).toBe(
        "The code is wrong or no longer valid; check it or ask for a new one",
      );
      await ask(mobile);
      const fresh = await latestCode(mobile);
      expect((await reset(mobile, fresh, "retailer-reset-1")).status).toBe(200);
    });

    it("a new request replaces the code before it; within the minute no second SMS goes out", async () => {
      const [mobile] = DEMO.retailerB;
      await ask(mobile);
      const first = await latestCode(mobile);
      const sent = (await texts(mobile)).length;
      // Asked again at once (a double click, or someone else): the same answer, no SMS.
      const soon = await ask(mobile);
      expect(soon.status).toBe(202);
      expect(await texts(mobile)).toHaveLength(sent);
      t.clock.advance(RESET_CODE.resendSeconds * 1000);
      await ask(mobile);
      expect(await texts(mobile)).toHaveLength(sent + 1);
      const second = await latestCode(mobile);
      if (second !== first) {
        const stale = await reset(mobile, first);
        expect(stale.json<Problem>().code).toBe("auth.reset_code_invalid");
      }
      expect((await reset(mobile, second, "retailer-reset-2")).status).toBe(200);
    });

    it(`SMS are paced: at most ${RESET_CODE.sendsPerWindow} an hour to one account, however far apart the requests`, async () => {
      const [mobile] = DEMO.retailerB;
      const sent = (await texts(mobile)).length;
      for (let i = 0; i < RESET_CODE.sendsPerWindow + 2; i++) {
        expect((await ask(mobile)).status).toBe(202);
        t.clock.advance(RESET_CODE.resendSeconds * 1000);
      }
      expect(await texts(mobile)).toHaveLength(sent + RESET_CODE.sendsPerWindow);
    });

    it(`wrong codes are counted: after ${GUESS_LIMITS.code.perAccount}, even the right code is refused with the wait`, async () => {
      const [mobile] = DEMO.supplierA;
      await ask(mobile);
      const code = await latestCode(mobile);
      for (let i = 0; i < GUESS_LIMITS.code.perAccount; i++) {
        const wrong = await reset(mobile, wrongCode(code));
        expect(wrong.json<Problem>().code).toBe("auth.reset_code_invalid");
      }
      const locked = await reset(mobile, code);
      expect(locked.status).toBe(429);
      expect(locked.json<Problem>()).toMatchObject({ code: "auth.reset_throttled", params: { minutes: 60 } });
      expect(locked.json<Problem>().messages["zh-CN"]).toBe("验证码错误次数过多，请 60 分钟后再试");
      expect(locked.json<Problem>().messages.en).toBe("Too many wrong codes; try again in 60 minutes");
      // A new code brings no new guesses.
      t.clock.advance(RESET_CODE.resendSeconds * 1000);
      await ask(mobile);
      const fresh = await latestCode(mobile);
      expect((await reset(mobile, fresh)).status).toBe(429);
      await t.as(mobile, NEW_PASSWORD); // the password is unchanged
    });

    it("50 parallel wrong codes: at most the limit are compared, the rest refused; the right code then waits", async () => {
      const [mobile] = DEMO.supplierA;
      await ask(mobile);
      const code = await latestCode(mobile);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => reset(mobile, wrongCode(String((Number(code) + i) % 1e6)))),
      );
      const compared = results.filter((r) => r.status === 422);
      const refused = results.filter((r) => r.status === 429);
      console.log(
        `[${kind.name}] 50 parallel wrong codes: ${compared.length} compared, ${refused.length} refused`,
      );
      expect(compared.length).toBeLessThanOrEqual(GUESS_LIMITS.code.perAccount);
      expect(compared.length + refused.length).toBe(50);
      expect((await reset(mobile, code)).status).toBe(429);
    });

    it("parallel resets with the one right code: one succeeds, the code works once", async () => {
      const [mobile] = DEMO.retailerB;
      await ask(mobile);
      const code = await latestCode(mobile);
      const results = await Promise.all(
        Array.from({ length: 4 }, (_, i) => reset(mobile, code, `retailer-race-${i}`)),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 422, 422, 422]);
    });

    it("an unknown login and a staff login are answered as a handler's is, and nobody is texted", async () => {
      const outboxBefore = await store.db.selectFrom("outbox").select("id").execute();
      const known = await ask(DEMO.supplierA[0]);
      const outboxKnown = await store.db.selectFrom("outbox").select("id").execute();
      expect(outboxKnown.length).toBe(outboxBefore.length + 1);
      for (const login of ["13700137000", "nobody-at-all", DEMO.reviewer[0]]) {
        const answer = await ask(login);
        expect(answer.status).toBe(known.status);
        expect(answer.body).toBe(known.body);
      }
      expect(await store.db.selectFrom("outbox").select("id").execute()).toHaveLength(outboxKnown.length);

      // Guessing at an unknown login is answered and limited as at a known one.
      const wrong = await reset("13700137000", "123456");
      expect(wrong.status).toBe(422);
      expect(wrong.json<Problem>().code).toBe("auth.reset_code_invalid");
      const staff = await reset(DEMO.reviewer[0], "123456");
      expect(staff.json<Problem>().code).toBe("auth.reset_code_invalid");
      for (let i = 1; i < GUESS_LIMITS.code.perAccount; i++) await reset("13700137000", "123456");
      const locked = await reset("13700137000", "123456");
      expect(locked.status).toBe(429);
      expect(locked.json<Problem>().code).toBe("auth.reset_throttled");
    });

    it("a weak new password is refused with the sign-up rule, and costs no guess", async () => {
      const [mobile] = DEMO.retailerB;
      await ask(mobile);
      const code = await latestCode(mobile);
      for (let i = 0; i < GUESS_LIMITS.code.perAccount + 2; i++) {
        const weak = await reset(mobile, code, "short");
        expect(weak.json<Problem>()).toMatchObject({ code: "auth.password_weak", params: { min: 8 } });
      }
      expect((await reset(mobile, code, "retailer-strong-9")).status).toBe(200);
    });
  });
}
