/**
 * Money and messages with real server processes, on the embedded store and on PostgreSQL:
 * - kill -9 of certdesk in the middle of a burst of duplicate payment callbacks: afterwards every
 *   order is paid exactly once, and its audit trail says so (one payment.succeeded, one order.pay);
 * - an expiry reminder that falls due while certdesk is stopped is sent exactly once after start,
 *   read back from a real SMTP server process.
 */
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../src/store/audit.js";
import { openStore, type StoreTarget } from "../src/store/database.js";
import { delay, http, login, serverFleet, type ServerStore } from "./support/process.js";
import { startSmtpServer, type SmtpServer } from "./support/smtp.js";
import { createTempDatabase } from "./support/stores.js";

const SUPPLIER = ["13800138000", "supplier-demo-1"] as const;
const ADMIN = ["admin", "admin-demo-1"] as const;
const PAYMENT_SECRET = "money-crash-test-payment-secret-0123456789";
const ORDERS = 12;
const COPIES = 25;
const CLIENTS = 16;
const KILL_AFTER_ACKS = ORDERS / 2;
const DAY_MS = 86_400_000;
/** A demo start makes CA keys; on a loaded machine that takes a while. */
const READY_MS = 90_000;

interface CrashStore {
  name: string;
  server: ServerStore;
  direct: StoreTarget;
  dispose(): Promise<void>;
}

const crashStores: { name: string; make(): Promise<CrashStore> }[] = [
  {
    name: "pglite",
    make: async () => {
      const dir = mkdtempSync(join(tmpdir(), "certdesk-money-"));
      return {
        name: "pglite",
        server: { kind: "embedded", dataDir: dir },
        direct: { kind: "embedded", dataDir: join(dir, "db") },
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  ...(process.env.TEST_DATABASE_URL
    ? [
        {
          name: "postgres",
          make: async (): Promise<CrashStore> => {
            const temp = await createTempDatabase(process.env.TEST_DATABASE_URL!);
            const target = { kind: "postgres" as const, url: temp.url };
            return { name: "postgres", server: target, direct: target, dispose: temp.drop };
          },
        },
      ]
    : []),
];

const fleet = serverFleet();
const disposals: (() => Promise<void>)[] = [];
let smtp: SmtpServer | undefined;

afterAll(async () => {
  await fleet.killAll();
  await smtp?.stop();
  for (const dispose of disposals.reverse()) await dispose();
});

/** An order of programme A with its scans, submitted and started online: its trade number. */
async function orderToPay(
  url: string,
  token: string,
): Promise<{ id: string; tradeNo: string; amountFen: number }> {
  const created = await http(`${url}/api/orders`, {
    method: "POST",
    token,
    json: {
      programmeId: "procurement",
      service: "new",
      acknowledgeExistingCertificate: true,
      details: { years: 1 },
    },
  });
  const order = created.body as { id: string; totalFen: number };
  for (const m of ["application-form", "business-licence", "handler-id-card"]) {
    const form = new FormData();
    form.append(
      "file",
      new Blob([Buffer.from("%PDF-1.4\n%%EOF\n")], { type: "application/pdf" }),
      "scan.pdf",
    );
    const res = await fetch(`${url}/api/orders/${order.id}/materials/${m}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(201);
  }
  expect((await http(`${url}/api/orders/${order.id}/submit`, { method: "POST", token })).status).toBe(200);
  const pay = await http(`${url}/api/orders/${order.id}/pay`, { method: "POST", token });
  expect(pay.status).toBe(200);
  return { id: order.id, tradeNo: (pay.body as { tradeNo: string }).tradeNo, amountFen: order.totalFen };
}

/** A callback as the gateway signs it. */
function callback(tradeNo: string, amountFen: number, status: "succeeded" | "failed") {
  const body = JSON.stringify({
    kind: "payment",
    tradeNo,
    status,
    amountFen,
    paidAt: new Date().toISOString(),
    gatewayRef: `DEVTEST${tradeNo.slice(-10)}`,
  });
  return { body, signature: createHmac("sha256", PAYMENT_SECRET).update(body).digest("hex") };
}

async function postCallback(url: string, c: { body: string; signature: string }): Promise<number> {
  const res = await fetch(`${url}/api/payments/callback/dev`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-gateway-signature": c.signature },
    body: c.body,
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  return res.status;
}

async function withWorkers<T>(
  items: readonly T[],
  workers: number,
  work: (item: T) => Promise<void>,
  stop = () => false,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length && !stop()) await work(items[next++]!);
    }),
  );
}

/** Per order: counting and duplicate payments, and what its audit trail says about paying. */
async function inspect(target: StoreTarget, orderIds: string[]) {
  const store = await openStore(target);
  try {
    const out = new Map<
      string,
      {
        state: string;
        counting: number;
        duplicates: number;
        succeeded: number;
        pays: number;
        paidMessages: number;
      }
    >();
    for (const id of orderIds) {
      const order = await store.db
        .selectFrom("orders")
        .select("state")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      const payments = await store.db.selectFrom("payments").selectAll().where("order_id", "=", id).execute();
      const audit = await store.db
        .selectFrom("audit_log")
        .select("action")
        .where("subject_type", "=", "order")
        .where("subject_id", "=", id)
        .execute();
      const paidMessages = await store.db
        .selectFrom("outbox")
        .select("id")
        .where("subject_id", "=", id)
        .where("template", "=", "order-paid")
        .execute();
      out.set(id, {
        state: order.state,
        counting: payments.filter((p) => p.status === "succeeded" && p.duplicate_of === null).length,
        duplicates: payments.filter((p) => p.duplicate_of !== null).length,
        succeeded: audit.filter((a) => a.action === "payment.succeeded").length,
        pays: audit.filter((a) => a.action === "order.pay").length,
        paidMessages: paidMessages.length,
      });
    }
    return { orders: out, chain: await verifyAuditChain(store.db) };
  } finally {
    await store.close();
  }
}

const env = { CERTDESK_PAYMENT_SECRET: PAYMENT_SECRET };

for (const kind of crashStores) {
  describe(`money with real processes on ${kind.name}`, () => {
    it(
      "kill -9 during a burst of duplicate payment callbacks: every order is paid exactly once and its audit trail says so",
      { timeout: 300_000 },
      async () => {
        const startedAt = Date.now();
        const store = await kind.make();
        disposals.push(store.dispose);
        const first = await fleet.start({ store: store.server, demo: true, env, readyWithinMs: READY_MS });
        const token = await login(first, ...SUPPLIER);
        const orders: { id: string; tradeNo: string; amountFen: number }[] = [];
        await withWorkers(
          Array.from({ length: ORDERS }, (_, i) => i),
          4,
          async () => {
            orders.push(await orderToPay(first.url, token));
          },
        );
        // The payers pay at the gateway, whose own callbacks are lost: the burst below is all the desk hears.
        for (const o of orders) {
          const res = await fetch(`${first.url}/dev-gateway/pay/${encodeURIComponent(o.tradeNo)}`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "outcome=succeeded-silent",
            redirect: "manual",
          });
          expect(res.status).toBe(303);
        }
        const prepared = Date.now();

        // Every order's success delivered COPIES times, with a stale failure among them, shuffled.
        const burst = orders.flatMap((o) => [
          ...Array.from({ length: COPIES }, () => ({
            order: o,
            c: callback(o.tradeNo, o.amountFen, "succeeded"),
          })),
          { order: o, c: callback(o.tradeNo, o.amountFen, "failed") },
        ]);
        for (let i = burst.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1));
          [burst[i], burst[j]] = [burst[j]!, burst[i]!];
        }
        const acknowledged = new Set<string>();
        const refused: string[] = [];
        let acks = 0;
        let unknown = 0;
        let killed: ReturnType<typeof first.kill> | undefined;
        let killScheduled = false;
        await withWorkers(
          burst,
          CLIENTS,
          async ({ order, c }) => {
            try {
              const status = await postCallback(first.url, c);
              if (status !== 200) {
                refused.push(`${order.tradeNo}: ${status}`);
                return;
              }
              acks += 1;
              if (JSON.parse(c.body).status === "succeeded") acknowledged.add(order.id);
              if (acks >= KILL_AFTER_ACKS && !killScheduled) {
                killScheduled = true;
                setTimeout(() => (killed = first.kill("SIGKILL")), Math.floor(Math.random() * 20));
              }
            } catch {
              unknown += 1;
            }
          },
          () => killed !== undefined,
        );
        expect(refused).toEqual([]);
        expect(killed, "the burst ended before the server was killed").toBeDefined();
        expect((await killed!).signal).toBe("SIGKILL");
        const burstMs = Date.now() - prepared;

        // Straight after the crash: never paid twice; an acknowledged success is a committed one.
        const afterCrash = await inspect(
          store.direct,
          orders.map((o) => o.id),
        );
        expect(afterCrash.chain).toMatchObject({ ok: true });
        for (const [id, o] of afterCrash.orders) {
          expect(o.counting, id).toBeLessThanOrEqual(1);
          expect(o.duplicates, id).toBe(0);
          expect([o.succeeded, o.pays, o.paidMessages], id).toEqual(o.counting ? [1, 1, 1] : [0, 0, 0]);
          if (acknowledged.has(id)) expect(o.state, id).toBe("paid");
        }
        const paidAtCrash = [...afterCrash.orders.values()].filter((o) => o.counting === 1).length;

        // The gateway keeps delivering until acknowledged: every callback once more, to a new process.
        const restartAt = Date.now();
        const second = await fleet.start({ store: store.server, env, readyWithinMs: READY_MS });
        const restartMs = Date.now() - restartAt;
        const statuses = new Map<number, number>();
        await withWorkers(burst, CLIENTS, async ({ c }) => {
          const status = await postCallback(second.url, c);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        });
        expect([...statuses.keys()]).toEqual([200]);
        const secondToken = await login(second, ...SUPPLIER);
        for (const o of orders) {
          const res = await http(`${second.url}/api/orders/${o.id}`, { token: secondToken });
          expect((res.body as { state: string }).state).toBe("paid");
        }
        expect(await second.stop()).toEqual({ code: 0, signal: null });

        const end = await inspect(
          store.direct,
          orders.map((o) => o.id),
        );
        expect(end.chain).toMatchObject({ ok: true });
        for (const [id, o] of end.orders) {
          expect(o, id).toEqual({
            state: "paid",
            counting: 1,
            duplicates: 0,
            succeeded: 1,
            pays: 1,
            paidMessages: 1,
          });
        }
        console.info(
          `[money crash ${kind.name}] ${orders.length} orders × ${COPIES + 1} callbacks; killed after ${acks} acks ` +
            `(${unknown} in flight) in ${burstMs} ms, ${paidAtCrash} paid at the crash; all paid once after restart; ` +
            `restart ${restartMs} ms; audit rows ${end.chain.rows}; ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
        );
      },
    );

    it(
      "an expiry reminder due while certdesk was stopped is sent exactly once after start (read from a real SMTP server)",
      { timeout: 300_000 },
      async () => {
        const startedAt = Date.now();
        smtp ??= await startSmtpServer();
        const store = await kind.make();
        disposals.push(store.dispose);
        const mailEnv = { ...env, CERTDESK_SMTP_URL: smtp.url, CERTDESK_OUTBOX_POLL_MS: "200" };
        const email = `reminder.${randomUUID().slice(0, 8)}@example.cn`;

        const first = await fleet.start({
          store: store.server,
          demo: true,
          env: mailEnv,
          readyWithinMs: READY_MS,
        });
        const token = await login(first, ...SUPPLIER);
        expect(
          (await http(`${first.url}/api/me/contact`, { method: "PUT", token, json: { email } })).status,
        ).toBe(200);
        expect(await first.stop()).toEqual({ code: 0, signal: null });

        // While certdesk is down: a certificate whose 90-day reminder went out long ago and whose
        // 30-day reminder falls due a moment from now, before certdesk is back.
        const notAfter = new Date(Date.now() + 30 * DAY_MS + 3_000);
        const dueAt = notAfter.getTime() - 30 * DAY_MS;
        const certificateId = randomUUID();
        const direct = await openStore(store.direct);
        try {
          const organisation = await direct.db
            .selectFrom("organisations")
            .select("id")
            .where("uscc", "=", "91310115591693856A")
            .executeTakeFirstOrThrow();
          const handler = await direct.db
            .selectFrom("users")
            .select("id")
            .where("login", "=", SUPPLIER[0])
            .executeTakeFirstOrThrow();
          await direct.db
            .insertInto("certificates")
            .values({
              id: certificateId,
              serial: `5EED${certificateId.replaceAll("-", "").slice(0, 12).toUpperCase()}`,
              organisation_id: organisation.id,
              programme_id: "procurement",
              subject: "CN=上海示例供应链管理有限公司",
              not_before: new Date(Date.now() - 300 * DAY_MS),
              not_after: notAfter,
              order_id: null,
              activated_at: new Date(Date.now() - 299 * DAY_MS),
              revoked_at: null,
              revocation_reason: null,
            })
            .execute();
          const sixtyDaysAgo = new Date(Date.now() - 60 * DAY_MS);
          await direct.db
            .insertInto("outbox")
            .values({
              kind: "reminder",
              template: "expiry-reminder",
              channel: "email",
              recipient: email,
              user_id: handler.id,
              locale: "zh-CN",
              params: JSON.stringify({ threshold: "90", days: 90, notAfter: "-", serial: "-", subject: "-" }),
              subject_type: "certificate",
              subject_id: certificateId,
              dedupe_key: `expiry:${certificateId}:90:${handler.id}/email/${email}`,
              status: "sent",
              next_attempt_at: sixtyDaysAgo,
              created_at: sixtyDaysAgo,
              sent_at: sixtyDaysAgo,
            })
            .execute();
        } finally {
          await direct.close();
        }
        const mine = (m: { to: string[] }) => m.to.includes(email);
        await delay(Math.max(dueAt - Date.now(), 0) + 500);
        expect(smtp.received().filter(mine)).toHaveLength(0);

        // Back up: the run at start finds the reminder that fell due meanwhile and sends it.
        const second = await fleet.start({ store: store.server, env: mailEnv, readyWithinMs: READY_MS });
        const startedSecond = Date.now();
        const [reminder] = await smtp.waitFor(mine, 1, 30_000);
        const sentWithinMs = Date.now() - startedSecond;
        expect(reminder!.subject).toMatch(/^【证书服务】证书将于 (29|30) 天后到期$/);
        expect(reminder!.text).toContain("上海示例供应链管理有限公司");
        // The hourly run again, then a crash and another start: nothing is sent twice.
        const adminToken = await login(second, ...ADMIN);
        const run = await http(`${second.url}/api/admin/jobs/certificates-expiry-reminders/run`, {
          method: "POST",
          token: adminToken,
          timeoutMs: 30_000,
        });
        expect(run.status, JSON.stringify(run.body)).toBe(200);
        expect(run.body).toMatchObject({ state: "completed", output: { messages: 0 } });
        expect((await second.kill("SIGKILL")).signal).toBe("SIGKILL");
        const third = await fleet.start({ store: store.server, env: mailEnv, readyWithinMs: READY_MS });
        await delay(2_000);
        expect(await third.stop()).toEqual({ code: 0, signal: null });
        expect(smtp.received().filter(mine)).toHaveLength(1);

        const check = await openStore(store.direct);
        try {
          const rows = await check.db
            .selectFrom("outbox")
            .selectAll()
            .where("subject_id", "=", certificateId)
            .where("channel", "=", "email")
            .orderBy("id")
            .execute();
          expect(rows.map((r) => [r.params.threshold, r.status])).toEqual([
            ["90", "sent"],
            ["30", "sent"],
          ]);
          expect(reminder!.messageId).toBe(`<outbox-${rows[1]!.id}@127.0.0.1>`);
          // CRLs are scheduled work too: the run at start published one per issuing CA.
          const crls = await check.db.selectFrom("crls").select("ca_id").distinct().execute();
          expect(crls.length).toBeGreaterThanOrEqual(3);
        } finally {
          await check.close();
        }
        console.info(
          `[reminder ${kind.name}] the reminder due while stopped arrived ${sentWithinMs} ms after the server was ready; ` +
            `${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
        );
      },
    );
  });
}
