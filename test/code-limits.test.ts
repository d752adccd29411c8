/**
 * Guessing limits on the codes sent by SMS, over real HTTP on every test store: parallel wrong
 * activation or unlock codes are evaluated at most up to the code's 5 tries, and a code sent
 * again gives no fresh allowance past the account's limit for that kind of code (10 an hour),
 * so resending cannot turn 5 tries per code into unlimited guesses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUESS_LIMITS } from "../src/people/guess-limits.js";
import { SoftwareKey } from "../src/token/software-key.js";
import { DEMO } from "./support/app.js";
import { orderToShippedKeys, startKeyDesk, type KeyDesk, type ShippedOrder } from "./support/keys.js";
import { testStores } from "./support/stores.js";

type Problem = { code: string; params: Record<string, number>; messages: Record<string, string> };

for (const kind of testStores) {
  describe(`code guessing limits on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let desk: KeyDesk;
    let order: ShippedOrder;
    let serial: string;
    let token: string;

    const call = async (method: string, path: string, body?: unknown, as = token) => {
      const res = await fetch(`${desk.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${as}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json()) as Problem & Record<string, unknown> };
    };
    const tokenOf = async (who: keyof typeof DEMO) => {
      const res = await fetch(`${desk.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ login: DEMO[who][0], password: DEMO[who][1] }),
      });
      return ((await res.json()) as { token: string }).token;
    };
    /** n wrong codes at once; the codes that were evaluated answer code_wrong with their own count. */
    const guessInParallel = async (n: number, send: (code: string) => Promise<{ json: Problem }>) => {
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) => send(String(i).padStart(6, "9").slice(0, 6))),
      );
      return answers.map((a) => a.json);
    };

    /** 20 parallel guesses: the code's own 5 tries, then 5 more refused by the code, the rest by the account. */
    const expectSpent = (answers: Problem[]) => {
      // Each evaluated guess saw its own count: 4, 3, 2, 1 left, then the code is locked.
      const wrong = answers.filter((p) => p.code === "keys.code_wrong");
      expect(wrong.map((p) => p.params.remaining).sort()).toEqual([1, 2, 3, 4]);
      const locked = answers.filter((p) => p.code === "keys.code_locked");
      expect(wrong.length + locked.length).toBe(GUESS_LIMITS.code.perAccount);
      const throttled = answers.filter((p) => p.code === "keys.code_throttled");
      expect(throttled).toHaveLength(20 - GUESS_LIMITS.code.perAccount);
    };

    beforeAll(async () => {
      store = await kind.open();
      desk = await startKeyDesk(store);
      order = await orderToShippedKeys(desk, {
        applicant: "supplierA",
        programmeId: "procurement",
        details: { years: 1 },
      });
      const key = await store.db
        .selectFrom("usb_keys")
        .select("serial")
        .where("order_id", "=", order.orderId)
        .executeTakeFirstOrThrow();
      serial = key.serial!;
      token = await tokenOf("supplierA");
    }, 180_000);
    afterAll(async () => {
      await desk?.close();
      await store?.dispose();
    });

    it("activation codes: of 20 parallel wrong codes the code takes 5, the account 10; a resend brings no new tries", async () => {
      const activate = (code: string) =>
        call("POST", `/api/keys/${serial}/activate`, { code: code.padEnd(8, "9"), signature: "AAAA" });
      expectSpent(await guessInParallel(20, activate));
      const locked = await call("POST", `/api/keys/${serial}/activate`, {
        code: order.activationCode,
        signature: "AAAA",
      });
      expect(locked.json.code).toBe("keys.code_throttled");

      // The desk sends a new code: still no tries until the account's window ends.
      const production = await tokenOf("production");
      expect(
        (await call("POST", `/api/orders/${order.orderId}/activation-code`, undefined, production)).status,
      ).toBe(200);
      const fresh = desk.codes.filter((c) => c.orderId === order.orderId && c.template === "activation-code");
      const right = await call("POST", `/api/keys/${serial}/activate`, {
        code: fresh.at(-1)!.code,
        signature: "AAAA",
      });
      expect(right.status).toBe(429);
      expect(right.json).toMatchObject({ code: "keys.code_throttled", params: { minutes: 60 } });
      expect(right.json.messages.en).toBe("Too many code attempts; try again in 60 minutes");
      expect(right.json.messages["zh-CN"]).toBe("验证码尝试次数过多，请 60 分钟后再试");

      // After the window the right code is checked again (the signature is what fails now).
      desk.t.clock.advance(60 * 60_000);
      const later = await call("POST", `/api/keys/${serial}/activate`, {
        code: fresh.at(-1)!.code,
        signature: "AAAA",
      });
      expect(later.json.code).toBe("keys.signature_invalid");
    });

    it("unlock codes: of 20 parallel wrong codes the code takes 5, the account 10; the holder's resends bring no new tries", async () => {
      const unlockOrder = await call("POST", `/api/keys/${serial}/unlock-order`, {});
      expect(unlockOrder.status, JSON.stringify(unlockOrder.json)).toBe(200);
      const orderId = unlockOrder.json.id as string;
      const sendCode = async () => {
        expect((await sendCodeRaw()).status).toBe(200);
        return desk.codes.filter((c) => c.orderId === orderId && c.template === "unlock-code").at(-1)!.code;
      };
      const sendCodeRaw = () => call("POST", `/api/keys/${serial}/unlock-code`, { orderId });
      await sendCode();
      const challenge = await SoftwareKey.open(order.keyFiles[0]!).soChallenge("unblock");
      const unblock = (code: string) =>
        call("POST", `/api/keys/${serial}/unblock`, { orderId, code, challenge });

      expectSpent(await guessInParallel(20, unblock));
      const right = await unblock(await sendCode());
      expect(right.status).toBe(429);
      expect(right.json).toMatchObject({ code: "keys.code_throttled", params: { minutes: 60 } });

      // After the window a new code (the last has expired) unblocks, and the account's count starts again.
      desk.t.clock.advance(60 * 60_000);
      const done = await unblock(await sendCode());
      expect(done.status, JSON.stringify(done.json)).toBe(200);
      const counters = await store.db
        .selectFrom("login_throttle")
        .select("key")
        .where("key", "like", "code:unlock:%")
        .execute();
      expect(counters).toEqual([]);
    });
  });
}
