/**
 * The portal and back office under load (issue 20 item 5), over HTTP as applicants and staff use
 * them, on PostgreSQL:
 *
 *   node --import tsx bench/portal-load.ts [--seconds 20] [--rate 200] [--in-flight 64]
 *                                          [--scan-kb 1024] [--logins 50] [--login-seconds 10]
 *   npm run bench:portal
 *
 * certdesk runs as a separate process (`src/main.ts --demo`) on a throwaway database of the
 * PostgreSQL server at BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test, created
 * and dropped by the bench). Two phases:
 *
 *  1. orders: new orders arrive at --rate per second for --seconds (at most --in-flight at once;
 *     an arrival that finds them all busy waits, and the rate achieved says so). Each order is one
 *     applicant's and staff's path: quote, create, upload the scans (one of --scan-kb, the others
 *     small), submit, start payment, the gateway's callback (signed with HMAC-SHA256 over the raw
 *     body, as the dev gateway signs it), start review, approve, then the applicant's order list
 *     and a staff search by order number. Throughput, p50/p99 per request kind, errors, and the
 *     server's CPU per order (all its threads, from /proc).
 *  2. logins: --logins concurrent logins (scrypt) for --login-seconds, while other requests (order
 *     list, quote, search) run beside them; their p99 with and without the logins, with passwords
 *     hashed on the password pool (the default) and on libuv's threadpool (CERTDESK_PASSWORD_POOL=off).
 *
 * Ends with PASS or FAIL against the targets: orders/s >= --rate, every kind's p99 < 100 ms, no
 * errors; the other requests' p99 < 100 ms during the logins (exit 0 or 1). On a shared machine the
 * rates move with the neighbours: the load average is printed beside them, CPU per order much less.
 */
import { createHmac, randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { Agent, request } from "node:http";
import { percentile } from "./support/load.js";
import { loadAverage, treeCpuSeconds } from "./support/peers.js";
import { serverFleet, type ServerProcess } from "../test/support/process.js";
import { createTempDatabase } from "../test/support/stores.js";
import { systemClock } from "../src/domain/clock.js";
import { createStaff } from "../src/people/people.js";
import { openStore } from "../src/store/database.js";

const { values: flags } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    rate: { type: "string", default: "200" },
    "in-flight": { type: "string", default: "64" },
    "scan-kb": { type: "string", default: "1024" },
    logins: { type: "string", default: "50" },
    "login-seconds": { type: "string", default: "10" },
    only: { type: "string", default: "orders,logins" },
  },
});
const SECONDS = Number(flags.seconds);
const RATE = Number(flags.rate);
const IN_FLIGHT = Number(flags["in-flight"]);
const SCAN_BYTES = Number(flags["scan-kb"]) * 1024;
const LOGINS = Number(flags.logins);
const LOGIN_SECONDS = Number(flags["login-seconds"]);
const ONLY = new Set(flags.only.split(","));
const P99_TARGET_MS = 100;
const PAYMENT_SECRET = "portal-load-bench-payment-secret-0123456789";
const APPLICANT = { login: "13800138000", password: "supplier-demo-1" };
/** Accounts of their own for the logins: one account's parallel logins are limited (guess-limits.ts). */
const LOGIN_PASSWORD = "bench-login-password-1";
const loginName = (i: number) => `bench-login-${i}`;
const MATERIALS = ["application-form", "business-licence", "handler-id-card"];

const log = (line: string) => console.log(line);
const fmt = (n: number | undefined, digits = 0) =>
  n !== undefined && Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-";

// ---- a small keep-alive client that times each request by its kind ---------------------------

interface Answer {
  status: number;
  body: Buffer;
}

class Client {
  readonly latencies = new Map<string, number[]>();
  readonly errors = new Map<string, { count: number; first: string }>();
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });
  recording = true;

  constructor(private readonly base: URL) {}

  /** One request; a status other than `expect` counts as an error of its kind (and throws). */
  async send(
    kind: string,
    method: string,
    path: string,
    options: { token?: string; json?: unknown; body?: Buffer; headers?: Record<string, string> } = {},
    expect = 200,
  ): Promise<unknown> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = Buffer.from(JSON.stringify(options.json));
      headers["content-type"] = "application/json";
    }
    if (body) headers["content-length"] = String(body.length);
    const started = performance.now();
    let answer: Answer;
    try {
      answer = await this.#request(method, path, headers, body);
    } catch (e) {
      this.#error(kind, String(e));
      throw e;
    }
    const ms = performance.now() - started;
    if (this.recording) {
      let list = this.latencies.get(kind);
      if (!list) this.latencies.set(kind, (list = []));
      list.push(ms);
    }
    if (answer.status !== expect) {
      const why = `${answer.status} ${answer.body.toString().slice(0, 200)}`;
      this.#error(kind, why);
      throw new Error(`${kind}: ${why}`);
    }
    const text = answer.body.toString();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  reset(): void {
    this.latencies.clear();
    this.errors.clear();
  }

  close(): void {
    this.#agent.destroy();
  }

  #error(kind: string, why: string): void {
    if (!this.recording) return;
    const known = this.errors.get(kind);
    if (known) known.count++;
    else this.errors.set(kind, { count: 1, first: why });
  }

  #request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const r = request(
        { agent: this.#agent, host: this.base.hostname, port: this.base.port, method, path, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      r.setTimeout(60_000, () => r.destroy(new Error("no answer within 60 s")));
      r.on("error", reject);
      r.end(body);
    });
  }
}

/** A multipart/form-data body with one file field, as a browser sends a scan. */
function multipart(bytes: Buffer, filename: string): { body: Buffer; contentType: string } {
  const boundary = `----certdesk-bench-${randomBytes(8).toString("hex")}`;
  const head = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `content-type: application/pdf\r\n\r\n`,
  );
  return {
    body: Buffer.concat([head, bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** A PDF of about `size` bytes (a scan's size), distinct each time. */
function scan(size: number): Buffer {
  const head = Buffer.from("%PDF-1.4\n%");
  const tail = Buffer.from("\n%%EOF\n");
  const fill = randomBytes(Math.max(0, size - head.length - tail.length));
  return Buffer.concat([head, fill, tail]);
}

// ---- the orders phase ---------------------------------------------------------------------------

interface Tokens {
  applicant: string;
  reviewer: string;
}

async function login(client: Client, loginName: string, password: string, kind = "login"): Promise<string> {
  const body = (await client.send(kind, "POST", "/api/auth/login", {
    json: { login: loginName, password },
  })) as {
    token: string;
  };
  return body.token;
}

/** One order along the applicant's and staff's path. */
async function oneOrder(client: Client, tokens: Tokens, big: Buffer, small: Buffer[]): Promise<void> {
  const { applicant, reviewer } = tokens;
  const details = { years: 1 };
  await client.send("quote", "POST", "/api/quote", {
    token: applicant,
    json: { programmeId: "procurement", service: "new", years: 1 },
  });
  const order = (await client.send(
    "create",
    "POST",
    "/api/orders",
    { token: applicant, json: { programmeId: "procurement", service: "new", details } },
    201,
  )) as { id: string; number: string; totalFen: number };
  for (const [i, material] of MATERIALS.entries()) {
    const file = multipart(i === 0 ? big : small[i - 1]!, `${material}.pdf`);
    await client.send(
      i === 0 ? "upload (scan)" : "upload (small)",
      "POST",
      `/api/orders/${order.id}/materials/${material}`,
      { token: applicant, body: file.body, headers: { "content-type": file.contentType } },
      201,
    );
  }
  await client.send("submit", "POST", `/api/orders/${order.id}/submit`, { token: applicant, json: {} });
  const pay = (await client.send("pay", "POST", `/api/orders/${order.id}/pay`, { token: applicant })) as {
    tradeNo: string;
  };
  const callback = JSON.stringify({
    kind: "payment",
    tradeNo: pay.tradeNo,
    status: "succeeded",
    amountFen: order.totalFen,
    paidAt: new Date().toISOString(),
    gatewayRef: `DEVBENCH${pay.tradeNo.slice(-10)}`,
  });
  await client.send("pay callback", "POST", "/api/payments/callback/dev", {
    body: Buffer.from(callback),
    headers: {
      "content-type": "application/json",
      "x-gateway-signature": createHmac("sha256", PAYMENT_SECRET).update(callback).digest("hex"),
    },
  });
  await client.send("review start", "POST", `/api/orders/${order.id}/review/start`, {
    token: reviewer,
    json: {},
  });
  await client.send("approve", "POST", `/api/orders/${order.id}/approve`, { token: reviewer, json: {} });
  await client.send("list", "GET", "/api/orders?limit=20", { token: applicant });
  await client.send("search", "GET", `/api/office/orders/search?number=${order.number}`, { token: reviewer });
}

interface OrdersFigures {
  orders: number;
  failed: number;
  seconds: number;
  perSecond: number;
  cpuMsPerOrder: number | undefined;
  load: number | undefined;
}

/** Orders arriving at RATE for SECONDS, at most IN_FLIGHT at once; those started are waited for. */
async function ordersPhase(client: Client, server: ServerProcess, tokens: Tokens): Promise<OrdersFigures> {
  const big = scan(SCAN_BYTES);
  const small = [scan(20 * 1024), scan(20 * 1024)];
  // A few orders first, not counted: the server's first requests compile code and fill caches.
  client.recording = false;
  await Promise.all(Array.from({ length: 4 }, () => oneOrder(client, tokens, big, small)));
  client.recording = true;
  client.reset();
  const load = loadAverage();
  const cpuBefore = treeCpuSeconds(server.pid);
  const started = performance.now();
  const until = started + SECONDS * 1000;
  let running = 0;
  let done = 0;
  let failed = 0;
  const all: Promise<void>[] = [];
  let freed: (() => void) | undefined;
  for (let i = 0; ; i++) {
    const due = started + (i * 1000) / RATE;
    if (due >= until) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (running >= IN_FLIGHT) await new Promise<void>((r) => (freed = r));
    if (performance.now() >= until) break;
    running++;
    all.push(
      oneOrder(client, tokens, big, small)
        .then(
          () => void done++,
          () => void failed++,
        )
        .finally(() => {
          running--;
          freed?.();
          freed = undefined;
        }),
    );
  }
  await Promise.all(all);
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = treeCpuSeconds(server.pid);
  return {
    orders: done,
    failed,
    seconds,
    perSecond: done / seconds,
    cpuMsPerOrder:
      cpuBefore !== undefined && cpuAfter !== undefined && done > 0
        ? ((cpuAfter - cpuBefore) * 1000) / done
        : undefined,
    load,
  };
}

function printKinds(client: Client, indent = "  "): { worstP99: number; errors: number } {
  let worstP99 = 0;
  let errors = 0;
  log(
    `${indent}${"request".padEnd(16)} ${"count".padStart(7)} ${"p50 ms".padStart(9)} ${"p99 ms".padStart(9)}  errors`,
  );
  for (const [kind, list] of client.latencies) {
    const sorted = [...list].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    worstP99 = Math.max(worstP99, p99);
    const err = client.errors.get(kind);
    errors += err?.count ?? 0;
    log(
      `${indent}${kind.padEnd(16)} ${String(list.length).padStart(7)} ${fmt(percentile(sorted, 50), 1).padStart(9)} ` +
        `${fmt(p99, 1).padStart(9)}  ${err ? `${err.count} (first: ${err.first})` : "0"}`,
    );
  }
  for (const [kind, err] of client.errors)
    if (!client.latencies.has(kind)) {
      errors += err.count;
      log(`${indent}${kind.padEnd(16)} errors ${err.count} (first: ${err.first})`);
    }
  return { worstP99, errors };
}

// ---- the logins phase ---------------------------------------------------------------------------

/** Other requests' p99 over `seconds`, with `logins` logins kept in flight beside them (0: none). */
async function othersDuringLogins(
  server: ServerProcess,
  tokens: Tokens,
  logins: number,
  seconds: number,
): Promise<{
  p99: number;
  p50: number;
  count: number;
  errors: number;
  loginsDone: number;
  loginP50: number;
}> {
  const others = new Client(new URL(server.url));
  const logging = new Client(new URL(server.url));
  const until = performance.now() + seconds * 1000;
  let loginsDone = 0;
  const loginLoops = Array.from({ length: logins }, async (_, i) => {
    while (performance.now() < until) {
      await login(logging, loginName(i), LOGIN_PASSWORD).catch(() => undefined);
      loginsDone++;
    }
  });
  // Eight clients of other requests, as the portal's and back office's pages make them.
  const otherLoops = Array.from({ length: 8 }, async (_, i) => {
    while (performance.now() < until) {
      const request =
        i % 3 === 0
          ? others.send("other", "GET", "/api/orders?limit=20", { token: tokens.applicant })
          : i % 3 === 1
            ? others.send("other", "POST", "/api/quote", {
                token: tokens.applicant,
                json: { programmeId: "procurement", service: "new", years: 2 },
              })
            : others.send("other", "GET", "/api/office/orders/search?limit=20", { token: tokens.reviewer });
      await request.catch(() => undefined);
    }
  });
  await Promise.all([...loginLoops, ...otherLoops]);
  const sorted = [...(others.latencies.get("other") ?? [])].sort((a, b) => a - b);
  const loginSorted = [...(logging.latencies.get("login") ?? [])].sort((a, b) => a - b);
  const errors = (others.errors.get("other")?.count ?? 0) + (logging.errors.get("login")?.count ?? 0);
  for (const [kind, e] of [...others.errors, ...logging.errors])
    log(`    ${kind} errors: ${e.count}, first: ${e.first}`);
  others.close();
  logging.close();
  return {
    p99: percentile(sorted, 99),
    p50: percentile(sorted, 50),
    count: sorted.length,
    errors,
    loginsDone,
    loginP50: percentile(loginSorted, 50),
  };
}

// ---- the run ------------------------------------------------------------------------------------

const fleet = serverFleet();
let database: { url: string; drop(): Promise<void> } | undefined;

async function startDesk(env: Record<string, string> = {}): Promise<ServerProcess> {
  return fleet.start({
    store: { kind: "postgres", url: database!.url },
    demo: true,
    readyWithinMs: 120_000,
    env: { CERTDESK_PAYMENT_SECRET: PAYMENT_SECRET, ...env },
  });
}

async function main(): Promise<boolean> {
  log(
    `certdesk portal under load: ${cpus().length} cores, Node ${process.version}, PostgreSQL, ` +
      `load average ${fmt(loadAverage(), 1)}`,
  );
  database = await createTempDatabase(
    process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  );
  const verdicts: { measure: string; value: string; target: string; pass: boolean }[] = [];
  let server = await startDesk();
  try {
    const client = new Client(new URL(server.url));
    const tokens: Tokens = {
      applicant: await login(client, APPLICANT.login, APPLICANT.password),
      reviewer: await login(client, "reviewer", "reviewer-demo-1"),
    };
    if (ONLY.has("orders")) {
      log(
        `\norders: arriving at ${RATE}/s for ${SECONDS} s, at most ${IN_FLIGHT} at once; ` +
          `scans of ${fmt(SCAN_BYTES / 1024)} kB and 2 x 20 kB`,
      );
      const f = await ordersPhase(client, server, tokens);
      const { worstP99, errors } = printKinds(client);
      log(
        `  ${f.orders} orders in ${f.seconds.toFixed(1)} s: ${fmt(f.perSecond, 1)} orders/s, ${f.failed} failed; ` +
          `server CPU ${fmt(f.cpuMsPerOrder, 1)} ms per order (load average ${fmt(f.load, 1)} at the start)`,
      );
      verdicts.push(
        { measure: "orders/s", value: fmt(f.perSecond, 1), target: `>= ${RATE}`, pass: f.perSecond >= RATE },
        {
          measure: "worst p99 of any request kind",
          value: `${fmt(worstP99, 1)} ms`,
          target: `< ${P99_TARGET_MS} ms`,
          pass: worstP99 < P99_TARGET_MS,
        },
        { measure: "errors", value: String(errors + f.failed), target: "0", pass: errors + f.failed === 0 },
      );
    }
    client.close();
    if (ONLY.has("logins")) {
      const store = await openStore({ kind: "postgres", url: database!.url });
      try {
        for (let i = 0; i < LOGINS; i++)
          await createStaff(
            { db: store.db, clock: systemClock },
            { login: loginName(i), name: `bench ${i}`, password: LOGIN_PASSWORD, roles: ["reviewer"] },
          );
      } finally {
        await store.close();
      }
      log(`\nlogins: ${LOGINS} at once for ${LOGIN_SECONDS} s, other requests (8 clients) beside them`);
      for (const pool of ["on", "off"] as const) {
        if (pool === "off") {
          await server.stop(30_000);
          server = await startDesk({ CERTDESK_PASSWORD_POOL: "off" });
        }
        const label = pool === "on" ? "password pool" : "libuv threadpool (CERTDESK_PASSWORD_POOL=off)";
        const quiet = await othersDuringLogins(server, tokens, 0, Math.min(5, LOGIN_SECONDS));
        const cpuBefore = treeCpuSeconds(server.pid);
        const load = loadAverage();
        const busy = await othersDuringLogins(server, tokens, LOGINS, LOGIN_SECONDS);
        const cpuAfter = treeCpuSeconds(server.pid);
        log(
          `  ${label}: others alone p50 ${fmt(quiet.p50, 1)} p99 ${fmt(quiet.p99, 1)} ms (${quiet.count}); ` +
            `with the logins p50 ${fmt(busy.p50, 1)} p99 ${fmt(busy.p99, 1)} ms (${busy.count}); ` +
            `${busy.loginsDone} logins (p50 ${fmt(busy.loginP50)} ms), ${busy.errors} errors; ` +
            `server CPU ${fmt(cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined, 1)} s ` +
            `(load average ${fmt(load, 1)})`,
        );
        if (pool === "on")
          verdicts.push(
            {
              measure: `others' p99 during ${LOGINS} logins`,
              value: `${fmt(busy.p99, 1)} ms`,
              target: `< ${P99_TARGET_MS} ms`,
              pass: busy.p99 < P99_TARGET_MS,
            },
            {
              measure: "errors during the logins",
              value: String(busy.errors),
              target: "0",
              pass: busy.errors === 0,
            },
          );
      }
    }
  } finally {
    await server.stop(30_000).catch(() => undefined);
  }
  log(`\nresults (load average now ${fmt(loadAverage(), 1)})`);
  for (const v of verdicts)
    log(
      `  ${v.measure.padEnd(36)} ${v.value.padStart(12)}  target ${v.target.padEnd(10)} ${v.pass ? "PASS" : "FAIL"}`,
    );
  return verdicts.every((v) => v.pass);
}

let ok = false;
try {
  ok = await main();
} finally {
  await fleet.killAll();
  await database
    ?.drop()
    .catch((e: unknown) => console.error(`could not drop the bench database: ${String(e)}`));
}
process.exitCode = ok ? 0 : 1;
