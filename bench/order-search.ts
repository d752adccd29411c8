/**
 * Staff order search on 100,000 orders: seeds them (20,000 organisations, each with its handler,
 * five orders apiece over two years, in every service and state) in a PostgreSQL database of its
 * own, created here and dropped at the end, then runs each kind of search the back office offers
 * (services/order-search.ts) many times and prints p50 and p99 per kind with PASS or FAIL against
 * the 200 ms the issue asks for. Not a test: figures to read.
 *
 *   node --import tsx bench/order-search.ts [orders, default 100000] [runs per kind, default 60]
 *
 * The server is TEST_DATABASE_URL or DATABASE_URL (postgres://postgres@127.0.0.1:5432/test).
 */
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import pg from "pg";
import { systemClock } from "../src/domain/clock.js";
import { addDays, shanghaiDate, type CalendarDate } from "../src/domain/dates.js";
import type { Actor } from "../src/people/actor.js";
import { LiveCalendar, loadCalendar, seedBundledCalendar } from "../src/desk/calendar.js";
import { seedDemo } from "../src/desk/demo.js";
import { searchOrders, type OrderSearch } from "../src/orders/order-search.js";
import { openStore } from "../src/store/database.js";

const ORDERS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 60);
const LIMIT_MS = 200;
const serverUrl =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const dbName = `certdesk_office_bench_${process.pid}`;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The p-th percentile (0..100) of sorted values, nearest rank. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

await admin(`create database ${dbName}`);
const url = new URL(serverUrl);
url.pathname = `/${dbName}`;
const store = await openStore({ kind: "postgres", url: url.toString() });
let failed = false;
try {
  const db = store.db;
  await seedBundledCalendar(db);
  await seedDemo({ db, clock: systemClock });
  const organisations = Math.max(1, Math.floor(ORDERS / 5));
  const t0 = performance.now();
  // Organisations and handlers in bulk: names from a small vocabulary, as real ones repeat words.
  await sql`
    insert into organisations (id, name, uscc, created_at)
    select gen_random_uuid(),
           (array['上海','北京','广州','深圳','杭州','成都','武汉','南京'])[1 + i % 8]
             || (array['华能','电力','供应','科技','能源','贸易','实业','售电'])[1 + (i / 8) % 8]
             || '第' || i || '号有限公司',
           'BENCH' || lpad(i::text, 13, '0'),
           now() - interval '800 days'
    from generate_series(1, ${organisations}) as i
  `.execute(db);
  await sql`
    insert into users (id, kind, login, password_hash, name, mobile, organisation_id, created_at)
    select gen_random_uuid(), 'applicant', '139' || lpad(o.n::text, 8, '0'), 'x', '经办人' || o.n,
           '139' || lpad(o.n::text, 8, '0'), o.id, now() - interval '800 days'
    from (select id, substring(uscc from 6)::bigint as n from organisations where uscc like 'BENCH%') o
  `.execute(db);
  // Orders: five per organisation, over two years, in every service and state; open ones have a
  // deadline, some of them passed.
  await sql`
    insert into orders (id, number, programme_id, service, organisation_id, applicant_id, state, details,
                        quote, total_fen, due_kind, due_on, steps, created_at, updated_at)
    select gen_random_uuid(),
           'CD' || to_char(t.at at time zone 'Asia/Shanghai', 'YYYYMMDD') || lpad(t.i::text, 7, '0'),
           case when t.i % 3 = 0 then 'power-trading' else 'procurement' end,
           (array['new','renewal','change','reissue','unlock','seal','refund'])[1 + t.i % 7],
           u.organisation_id, u.id,
           (array['submitted','in_review','rejected','awaiting_payment','paid','in_production','produced',
                  'shipped','delivered','completed','completed','completed','cancelled'])[1 + (t.i / 7) % 13],
           '{}'::jsonb, '{}'::jsonb, 20000,
           case when (t.i / 7) % 13 < 9 then 'review' end,
           case when (t.i / 7) % 13 < 9 then (t.at at time zone 'Asia/Shanghai')::date + 5 end,
           '{}', t.at, t.at
    from (select i, now() - (i % 730) * interval '1 day' - (i % 86400) * interval '1 second' as at,
                 1 + (i * 7919) % ${organisations} as org
          from generate_series(1, ${ORDERS}) as i) t
    join users u on u.login = '139' || lpad(t.org::text, 8, '0')
  `.execute(db);
  await sql`analyze`.execute(db);
  const seeded = await db
    .selectFrom("orders")
    .select(sql<string>`count(*)`.as("n"))
    .executeTakeFirstOrThrow();
  process.stdout.write(
    `seeded ${seeded.n} orders, ${organisations} organisations in ${((performance.now() - t0) / 1000).toFixed(1)} s (database ${dbName})\n`,
  );

  const deps = { db, clock: systemClock, calendar: new LiveCalendar(await loadCalendar(db)) };
  const actor: Actor = {
    kind: "staff",
    userId: "00000000-0000-0000-0000-000000000000",
    name: "bench",
    roles: ["reviewer"],
  };
  const today = shanghaiDate(new Date());
  const pick = (n: number) => 1 + ((n * 104729) % organisations);
  const sampleNumber = async (n: number) =>
    (
      await db
        .selectFrom("orders")
        .select("number")
        .orderBy("number")
        .offset(n % 1000)
        .limit(1)
        .executeTakeFirstOrThrow()
    ).number;
  const kinds: [string, (n: number) => Promise<OrderSearch>][] = [
    ["order number", async (n) => ({ number: await sampleNumber(n * 37) })],
    ["number prefix", async () => ({ number: `CD${today.slice(0, 4)}` })],
    // A month a year back: its orders sit far down the newest-first index.
    [
      "number prefix, old",
      async (n) => ({
        number: `CD${addDays(today, -365 - (n % 300))
          .slice(0, 7)
          .replace("-", "")}`,
      }),
    ],
    ["organisation name", async (n) => ({ organisation: `第${pick(n)}号` })],
    ["organisation word", async () => ({ organisation: "售电" })],
    ["USCC", async (n) => ({ uscc: `BENCH${String(pick(n)).padStart(13, "0")}` })],
    ["handler mobile", async (n) => ({ mobile: `139${String(pick(n)).padStart(8, "0")}` })],
    ["service", async (n) => ({ service: ["new", "renewal", "unlock", "refund"][n % 4] })],
    ["state", async (n) => ({ state: ["submitted", "paid", "completed", "cancelled"][n % 4] })],
    [
      "date range",
      async (n) => ({
        from: addDays(today, -30 - (n % 300)) as CalendarDate,
        to: addDays(today, -(n % 300)),
      }),
    ],
    ["overdue", async () => ({ overdue: true })],
    [
      "service+state+range",
      async (n) => ({ service: "new", state: "paid", from: addDays(today, -365 - (n % 100)), to: today }),
    ],
    ["overdue page 5", async () => ({ overdue: true, offset: 200 })],
  ];
  process.stdout.write(
    `\n${"query kind".padEnd(22)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}  rows  result\n`,
  );
  for (const [name, make] of kinds) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      const search = await make(i);
      const start = performance.now();
      const found = await searchOrders(deps, actor, { ...search, limit: 50 });
      times.push(performance.now() - start);
      rows = found.orders.length;
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p99 = percentile(times, 99);
    const pass = p99 < LIMIT_MS;
    if (!pass) failed = true;
    process.stdout.write(
      `${name.padEnd(22)}${p50.toFixed(1).padStart(9)}${p99.toFixed(1).padStart(9)}  ${String(rows).padStart(4)}  ${pass ? "PASS" : "FAIL"} (< ${LIMIT_MS} ms)\n`,
    );
  }
} finally {
  await store.close();
  await admin(`drop database if exists ${dbName} with (force)`);
}
process.exitCode = failed ? 1 : 0;
