/**
 * The CA core against its peers, on this machine, with the figures issue 3 item 9 asks for:
 *
 *   node --import tsx bench/ca.ts [--postgres] [--count 2000] [--warmup 200] [--ocsp 20000]
 *                                 [--crl 1000000] [--speed-seconds 5] [--clients 16]
 *                                 [--only issuance,sm2,ocsp,crl] [--skip-peers]
 *   npm run bench
 *
 * certdesk runs as a separate server process (`src/main.ts --demo`) on a fresh embedded store, or
 * with --postgres on a throwaway database of the PostgreSQL server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test; the bench creates its own database there and drops it).
 * The peers run beside it, one at a time, on the same cores:
 *
 *  - issuance over HTTP from a CSR (POST /api/ca/issue, persisted with its audit row before the
 *    answer) against `cfssl serve` /api/v1/cfssl/sign (cfssl 1.2, which persists nothing): same
 *    CSRs, same key type, same clients (a keep-alive Node load generator, bench/support/load.ts);
 *  - OCSP (POST /ocsp), the desk's own route and its OCSP worker processes (CERTDESK_OCSP_PORT,
 *    one per core), against `cfssl ocspserve` (POST too: cfssl 1.2 answers GET with 400), with
 *    ApacheBench, with and without keep-alive, each answer first checked by `openssl ocsp`;
 *  - SM2 (bench/sm2.ts): `openssl speed sm2` (one process and -multi), the native addon alone,
 *    issuance from CSRs and from token public keys (production finishing an order, as with a USB
 *    key), against the targets of issue 20;
 *  - a CRL of 1,000,000 revoked entries built, signed and stored (publishCrl, in-process on the
 *    bench's store once the server has stopped), then verified by `openssl crl`.
 *
 * Beside each rate it prints the server's CPU time per request (all its threads and processes,
 * from /proc) and the load average: on a shared machine the rates move with the neighbours, CPU
 * per request much less. Every process it starts is stopped at the end, also on error or Ctrl-C.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import pg from "pg";
import { loadConfig } from "../src/config.js";
import { systemClock } from "../src/domain/clock.js";
import { buildCsr } from "../src/pki/csr.js";
import { pemDecodeAll, pemEncode } from "../src/pki/pem.js";
import { softwareSigner, type KeyAlgorithm } from "../src/pki/signer.js";
import { systemActor } from "../src/people/actor.js";
import { CaRegistry } from "../src/ca/ca.js";
import { caSecrets } from "../src/ca/ca-keys.js";
import { saveProgramme } from "../src/orders/programmes.js";
import { publishCrl } from "../src/ca/crls.js";
import { openStore, type Store } from "../src/store/database.js";
import { demoProgrammesPath, readProgrammesFile } from "../src/store/programme-files.js";
import { freePort, http, login, serverFleet, type ServerStore } from "../test/support/process.js";
import { orderAtProduction, USCC_A } from "../test/support/production.js";
import { createTempDatabase } from "../test/support/stores.js";
import { sm2Section } from "./sm2.js";
import { drive, type LoadRequest, type LoadResult } from "./support/load.js";
import {
  Children,
  ab,
  CFSSL_CERTDB_SCHEMA,
  cfsslCa,
  cfsslDbConfig,
  cpuSeconds,
  loadAverage,
  run,
  startCfsslOcspServe,
  startCfsslServe,
  treeCpuSeconds,
  waitForPort,
  type AbResult,
} from "./support/peers.js";

const { values: flags } = parseArgs({
  options: {
    postgres: { type: "boolean", default: false },
    count: { type: "string", default: "2000" },
    warmup: { type: "string", default: "200" },
    ocsp: { type: "string", default: "20000" },
    crl: { type: "string", default: "1000000" },
    "speed-seconds": { type: "string", default: "5" },
    clients: { type: "string", default: "16" },
    only: { type: "string", default: "issuance,sm2,ocsp,crl" },
    /** certdesk alone: no cfssl runs (profiling, quick checks) */
    "skip-peers": { type: "boolean", default: false },
  },
});
const ONLY = new Set(flags.only.split(","));
const COUNT = Number(flags.count);
const WARMUP = Number(flags.warmup);
const OCSP_REQUESTS = Number(flags.ocsp);
const CRL_ENTRIES = Number(flags.crl);
const SPEED_SECONDS = Number(flags["speed-seconds"]);
const CLIENTS = Number(flags.clients);
const PROGRAMME = "bench";
const PROFILE = "organisation-signing";
/** A valid USCC for the CSRs' subject serialNumber (the operator path takes the request's subject). */
const REQUEST_USCC = "91310110666007217T";

const children = new Children();
/** the certdesk server process of the run */
let certdeskPid = 0;
const fleet = serverFleet();
const scratch = mkdtempSync(join(tmpdir(), "certdesk-bench-ca-"));
let tempDatabase: { url: string; drop(): Promise<void> } | undefined;

let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled([fleet.killAll(), children.stopAll()]);
    await tempDatabase
      ?.drop()
      .catch((e: unknown) => console.error(`could not drop the bench database: ${String(e)}`));
    rmSync(scratch, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything the benchmark started`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const log = (line: string) => console.log(line);
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-";

// ---- inputs, made before any clock starts -------------------------------------------------------

function newKey(algorithm: KeyAlgorithm) {
  const { privateKey } =
    algorithm === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: algorithm === "sm2" ? "SM2" : "prime256v1" });
  return softwareSigner(privateKey);
}

/** Distinct CSRs (distinct subjects), from a pool of keys: RSA key generation is slow. */
async function makeCsrs(algorithm: KeyAlgorithm, n: number): Promise<string[]> {
  const keys = Array.from({ length: Math.min(n, algorithm === "rsa" ? 32 : n) }, () => newKey(algorithm));
  const csrs: string[] = [];
  for (let i = 0; i < n; i++) {
    const der = await buildCsr({
      subject: { C: "CN", O: "certdesk bench", CN: `bench ${algorithm} ${i}`, serialNumber: REQUEST_USCC },
      signer: keys[i % keys.length]!,
    });
    csrs.push(pemEncode("CERTIFICATE REQUEST", der));
  }
  return csrs;
}

// ---- measuring ----------------------------------------------------------------------------------

interface Figures {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** the server's CPU time (all threads) per request */
  cpuMs?: number;
  /** of which on its main thread (the event loop) */
  mainMs?: number;
  /** 1-minute load average when the run started */
  load?: number;
}

interface Row {
  measure: string;
  certdesk: string;
  peer: string;
  ratio: number | undefined;
  target: string;
  pass: boolean | undefined;
}
const rows: Row[] = [];
const notes: string[] = [];

const describe = (f: Figures) =>
  `${fmt(f.perSecond)}/s p50 ${fmt(f.p50Ms, 1)} p99 ${fmt(f.p99Ms, 1)} ms` +
  (f.cpuMs === undefined ? "" : `, CPU ${fmt(f.cpuMs, 2)} ms/req`) +
  (f.mainMs === undefined || f.cpuMs === undefined || f.cpuMs - f.mainMs < 0.1 * f.cpuMs
    ? ""
    : ` (main thread ${fmt(f.mainMs, 2)})`);

/**
 * Runs one load against the server with that pid, printing its figures with the server's CPU (for
 * a Node server, also its main thread's: the event loop that every request passes through).
 */
async function measure(
  label: string,
  pid: number,
  load: () => Promise<LoadResult | AbResult>,
  node = pid === certdeskPid,
) {
  const startLoad = loadAverage();
  const before = treeCpuSeconds(pid);
  const mainBefore = node ? cpuSeconds(pid, pid) : undefined;
  const r = await load();
  const after = treeCpuSeconds(pid);
  const mainAfter = node ? cpuSeconds(pid, pid) : undefined;
  const figures: Figures = {
    requests: r.requests,
    perSecond: r.perSecond,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    ...(before !== undefined && after !== undefined ? { cpuMs: ((after - before) * 1000) / r.requests } : {}),
    ...(mainBefore !== undefined && mainAfter !== undefined
      ? { mainMs: ((mainAfter - mainBefore) * 1000) / r.requests }
      : {}),
    ...(startLoad !== undefined ? { load: startLoad } : {}),
  };
  const problems =
    "seconds" in r
      ? r.failures
        ? `, ${r.failures} FAILED: ${r.firstFailure}`
        : ""
      : r.non2xx || r.failures
        ? `, ${r.failures} failed, ${r.non2xx} non-2xx`
        : "";
  log(
    `  ${label.padEnd(52)} ${describe(figures)}  (${r.requests}, load ${fmt(startLoad ?? NaN, 1)}${problems})`,
  );
  if ("seconds" in r ? r.failures : r.non2xx) throw new Error(`${label}: some answers were wrong`);
  return figures;
}

const json = { "content-type": "application/json" };

/** WARMUP requests, then COUNT counted ones, with CLIENTS clients. */
async function warmAndCount(
  label: string,
  pid: number,
  base: string,
  request: (i: number) => LoadRequest,
  check: (status: number, body: Buffer) => string | undefined,
): Promise<Figures> {
  const load = (from: number, count: number) =>
    drive({ base, concurrency: CLIENTS, count, request: (i) => request(from + i), check });
  await measure(`${label} (warm-up)`, pid, () => load(0, WARMUP));
  return measure(label, pid, () => load(WARMUP, COUNT));
}

const answered = (marker: string) => (status: number, body: Buffer) =>
  status === 200 && body.includes(marker) ? undefined : `${status} ${body.toString().slice(0, 300)}`;

function certdeskIssuance(target: Target, csrs: string[], label: string): Promise<Figures> {
  const bodies = csrs.map((csr) =>
    Buffer.from(JSON.stringify({ csr, profile: PROFILE, programme: PROGRAMME, days: 365 })),
  );
  const headers = { ...json, authorization: `Bearer ${target.admin}` };
  return warmAndCount(
    label,
    target.pid,
    target.base,
    (i) => ({ path: "/api/ca/issue", body: bodies[i]!, headers }),
    answered('"serial"'),
  );
}

function cfsslIssuance(base: string, pid: number, csrs: string[], label: string): Promise<Figures> {
  const bodies = csrs.map((csr) => Buffer.from(JSON.stringify({ certificate_request: csr })));
  return warmAndCount(
    label,
    pid,
    base,
    (i) => ({ path: "/api/v1/cfssl/sign", body: bodies[i]!, headers: json }),
    answered('"success":true'),
  );
}

/** What the load generator itself can do: a Node server that answers "ok" to every POST. */
async function loadGeneratorCeiling(): Promise<Figures> {
  const script = `require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => s.end("ok")); })
    .listen(Number(process.argv[1]), "127.0.0.1");`;
  const port = await freePort();
  const child = children.spawn("trivial server", process.execPath, ["-e", script, String(port)], scratch);
  try {
    await waitForPort(port, child);
    const body = Buffer.alloc(1200, 0x41);
    return await measure("load generator vs a trivial Node server", child.pid, () =>
      drive({
        base: `http://127.0.0.1:${port}`,
        concurrency: CLIENTS,
        count: 20_000,
        request: () => ({ path: "/", body, headers: json }),
        check: (status) => (status === 200 ? undefined : String(status)),
      }),
    );
  } finally {
    await child.stop();
  }
}

/** A rate against a peer's; without a target the row is there for scale. */
function ratioRow(
  measure: string,
  ours: Figures,
  peer: Figures,
  peerName: string,
  target: number | undefined,
) {
  const ratio = ours.perSecond / peer.perSecond;
  rows.push({
    measure,
    certdesk: describe(ours),
    peer: `${peerName} ${describe(peer)}`,
    ratio,
    target: target === undefined ? "-" : `>= ${target}x`,
    pass: target === undefined ? undefined : ratio >= target,
  });
}

/** The PostgreSQL server the bench makes its throwaway databases on (also cfssl's, in both runs). */
const postgresServer = () => process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

// ---- the phases ---------------------------------------------------------------------------------

interface Target {
  base: string;
  /** the OCSP worker processes (CERTDESK_OCSP_PORT), one per core */
  ocspBase: string;
  pid: number;
  /** bearer tokens of the demo admin and production staff */
  admin: string;
  production: string;
}

/** Procurement with P-256 added to its signing profile: the demo programmes issue SM2 and RSA only. */
async function saveBenchProgramme(store: Store): Promise<void> {
  const [procurement] = readProgrammesFile(demoProgrammesPath);
  const certificates = procurement!.certificates!;
  await saveProgramme({ db: store.db, clock: systemClock }, systemActor("bench"), {
    ...procurement,
    id: PROGRAMME,
    algorithms: ["sm2", "p256", "rsa"],
    certificates: {
      ...certificates,
      algorithms: ["sm2", "p256", "rsa"],
      profiles: certificates.profiles.map((p) =>
        p.usage === "signing" ? { ...p, algorithms: ["sm2", "p256", "rsa"] } : p,
      ),
    },
  });
}

/** `cfssl serve` on that key type, with its certdb on a PostgreSQL database of its own when persisted. */
async function cfsslIssuancePeer(
  key: "rsa" | "ecdsa-p256",
  csrs: string[],
  persisted: boolean,
): Promise<Figures> {
  const database = persisted ? await createTempDatabase(postgresServer()) : undefined;
  try {
    let dbConfig: string | undefined;
    if (database) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query(CFSSL_CERTDB_SCHEMA).finally(() => client.end());
      dbConfig = cfsslDbConfig(scratch, database.url);
    }
    const cfssl = await startCfsslServe(children, scratch, await cfsslCa(scratch, key), dbConfig);
    try {
      const label = `cfssl serve sign ${key}${persisted ? " (certdb on PostgreSQL)" : " (persists nothing)"}`;
      const figures = await cfsslIssuance(cfssl.base, cfssl.child.pid, csrs, label);
      if (database) {
        // what cfssl wrote, so that the peer is known to have persisted every certificate
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        const { rows } = await client
          .query<{ n: string }>("select count(*) as n from certificates")
          .finally(() => client.end());
        log(`    cfssl certdb: ${rows[0]!.n} certificates stored for ${csrs.length} signed`);
        if (Number(rows[0]!.n) !== csrs.length) throw new Error("cfssl did not persist every certificate");
      }
      return figures;
    } finally {
      await cfssl.child.stop();
    }
  } finally {
    await database?.drop();
  }
}

/** CPU per certificate the issue sets for each key type (all the server's threads and processes). */
const CPU_TARGET_MS = { rsa: 2.5, "ecdsa-p256": 1.5 } as const;

/**
 * Issuance from CSRs, RSA 2048 and P-256: certdesk, then cfssl serve persisting nothing, then
 * cfssl serve with its certdb on PostgreSQL, the peer that persists as certdesk does.
 */
async function issuancePhase(target: Target, csrs: Record<KeyAlgorithm, string[]>): Promise<void> {
  log("\nissuance over HTTP from CSRs");
  for (const key of ["rsa", "ecdsa-p256"] as const) {
    const ours = await certdeskIssuance(target, csrs[key], `certdesk /api/ca/issue ${key}`);
    if (flags["skip-peers"]) continue;
    const bare = await cfsslIssuancePeer(key, csrs[key], false);
    const persisted = await cfsslIssuancePeer(key, csrs[key], true);
    const name = key === "rsa" ? "RSA 2048" : "P-256";
    const measure = `issuance ${name} from CSRs, certificates/s`;
    // On PostgreSQL the desk must beat the persisting peer by half; on the embedded store, match it.
    ratioRow(measure, ours, persisted, "cfssl serve + certdb (PostgreSQL)", flags.postgres ? 1.5 : 1.0);
    ratioRow(`${measure}, against cfssl persisting nothing`, ours, bare, "cfssl serve", undefined);
    rows.push({
      measure: `issuance ${name}, server CPU per certificate`,
      certdesk: `${fmt(ours.cpuMs ?? NaN, 2)} ms`,
      peer: `cfssl + certdb ${fmt(persisted.cpuMs ?? NaN, 2)} ms; cfssl ${fmt(bare.cpuMs ?? NaN, 2)} ms`,
      ratio: undefined,
      target: `<= ${CPU_TARGET_MS[key]} ms`,
      pass: ours.cpuMs === undefined ? undefined : ours.cpuMs <= CPU_TARGET_MS[key],
    });
  }
}

/** SM2: openssl speed, the native path alone, then from CSRs and from token public keys (bench/sm2.ts). */
async function sm2Phase(target: Target, csrs: string[], orderIds: string[]): Promise<void> {
  const headers = { ...json, authorization: `Bearer ${target.production}` };
  const bodies = orderIds.map(() =>
    Buffer.from(
      JSON.stringify({ keys: [{ publicKey: Buffer.from(newKey("sm2").publicKeySpki).toString("base64") }] }),
    ),
  );
  const sm2Rows = await sm2Section({
    scratch,
    speedSeconds: SPEED_SECONDS,
    log,
    describe: (f) => describe(f as Figures),
    issueFromCsrs: () => certdeskIssuance(target, csrs, "certdesk /api/ca/issue sm2 (CSR)"),
    produceFromTokenKeys: () =>
      warmAndCount(
        "certdesk production finish sm2 (token key)",
        target.pid,
        target.base,
        (i) => ({ path: `/api/orders/${orderIds[i]}/production/finish`, body: bodies[i]!, headers }),
        answered('"produced"'),
      ),
  });
  rows.push(...sm2Rows);
}

/** One certificate each, a DER request without a nonce, ab posting it, with and without keep-alive. */
async function ocspPhase(target: Target, csr: string): Promise<void> {
  log("\nOCSP over HTTP POST (ab)");
  const one = await http(`${target.base}/api/ca/issue`, {
    method: "POST",
    token: target.admin,
    json: { csr, profile: PROFILE, programme: PROGRAMME, days: 365 },
  });
  if (one.status !== 200) throw new Error(`issuing the OCSP certificate failed: ${JSON.stringify(one.body)}`);
  const chain = pemDecodeAll((one.body as { pem: string }).pem);
  writeFileSync(join(scratch, "ee.pem"), pemEncode("CERTIFICATE", chain[0]!.der));
  writeFileSync(join(scratch, "issuer.pem"), pemEncode("CERTIFICATE", chain[1]!.der));
  writeFileSync(join(scratch, "root.pem"), pemEncode("CERTIFICATE", chain[2]!.der));
  const ocsp = (args: string[]) =>
    run("openssl", ["ocsp", "-no_nonce", ...args], { cwd: scratch, timeoutMs: 20_000 });
  await ocsp(["-issuer", "issuer.pem", "-cert", "ee.pem", "-reqout", "certdesk-req.der"]);
  // Each answer is checked by openssl before any is counted.
  for (const url of [`${target.base}/ocsp`, target.ocspBase]) {
    const ours = await ocsp([
      ...["-issuer", "issuer.pem", "-cert", "ee.pem", "-url", url],
      ...["-CAfile", "root.pem", "-verify_other", "issuer.pem"],
    ]);
    if (!/ee\.pem: good/.test(ours) || !/Response verify OK/.test(ours))
      throw new Error(`certdesk's OCSP answer at ${url} did not verify:\n${ours}`);
  }

  const ca = await cfsslCa(scratch, "rsa");
  writeFileSync(join(scratch, "cfssl.csr"), csr);
  const signed = await run("cfssl", ["sign", "-ca", ca.cert, "-ca-key", ca.key, "cfssl.csr"], {
    cwd: scratch,
    stdoutOnly: true,
  });
  writeFileSync(join(scratch, "cfssl-ee.pem"), (JSON.parse(signed) as { cert: string }).cert);
  await ocsp(["-issuer", ca.cert, "-cert", "cfssl-ee.pem", "-reqout", "cfssl-req.der"]);
  const ocspserve = await startCfsslOcspServe(children, scratch, ca, "cfssl-ee.pem");
  try {
    const theirs = await ocsp([
      ...["-issuer", ca.cert, "-cert", "cfssl-ee.pem", "-url", `${ocspserve.base}/`, "-CAfile", ca.cert],
    ]);
    if (!/cfssl-ee\.pem: good/.test(theirs) || !/Response verify OK/.test(theirs))
      throw new Error(`cfssl's OCSP answer did not verify:\n${theirs}`);
    for (const keepAlive of [false, true]) {
      const mode = keepAlive ? "ab -k (keep-alive)" : "ab (a connection per request)";
      const options = {
        requests: OCSP_REQUESTS,
        concurrency: CLIENTS,
        contentType: "application/ocsp-request",
        keepAlive,
      };
      const warm = { ...options, requests: Math.min(2000, OCSP_REQUESTS) };
      const run = (url: string, pid: number, body: string, label: string) =>
        ab(url, { ...warm, bodyFile: body }, scratch).then(() =>
          measure(label, pid, () => ab(url, { ...options, bodyFile: body }, scratch)),
        );
      const inApp = await run(
        `${target.base}/ocsp`,
        target.pid,
        "certdesk-req.der",
        `certdesk /ocsp, ${mode}`,
      );
      const workers = await run(
        target.ocspBase,
        target.pid,
        "certdesk-req.der",
        `certdesk OCSP workers (${cpus().length}), ${mode}`,
      );
      const cfssl = await run(
        `${ocspserve.base}/`,
        ocspserve.child.pid,
        "cfssl-req.der",
        `cfssl ocspserve, ${mode}`,
      );
      ratioRow(`OCSP responses/s, ${mode}, the desk's /ocsp`, inApp, cfssl, "cfssl ocspserve", 1.5);
      ratioRow(`OCSP responses/s, ${mode}, OCSP workers`, workers, cfssl, "cfssl ocspserve", 1.5);
    }
  } finally {
    await ocspserve.child.stop();
  }
}

/** What was persisted, then a CRL of CRL_ENTRIES revoked certificates, in-process on the bench's store. */
async function persistedAndCrlPhase(inProcess: () => Promise<Store>): Promise<void> {
  log("\nwhat the server persisted; the CRL, in-process on the bench's store");
  const db = await inProcess();
  try {
    const certificates = await db.db
      .selectFrom("certificates")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    const audit = await db.db
      .selectFrom("audit_log")
      .select((eb) => eb.fn.countAll<string>().as("all"))
      .select((eb) => eb.fn.count<string>("seq").filterWhere("action", "=", "certificate.issue").as("issued"))
      .executeTakeFirstOrThrow();
    log(
      `  certificates stored: ${certificates.n}; certificate.issue audit rows: ${audit.issued}; ` +
        `audit rows in all: ${audit.all}`,
    );
    // Every certificate answered was committed with its audit row: the counts must agree.
    if (certificates.n !== audit.issued)
      throw new Error(
        `${certificates.n} certificates stored but ${audit.issued} certificate.issue audit rows`,
      );
    if (!ONLY.has("crl")) return;
    const caId = "demo-rsa-issuing";
    let t = performance.now();
    await sql`
      insert into certificates (id, serial, subject, not_before, not_after, created_at, ca_id, status,
                                revoked_at, revocation_reason)
      select gen_random_uuid(), '4' || substr(md5('bench' || i::text), 2), 'CN=bench', now(),
             now() + interval '1 year', now(), ${caId}, 'revoked', now() - (i || ' seconds')::interval,
             case when i % 3 = 0 then 'keyCompromise' when i % 3 = 1 then 'superseded' else null end
        from generate_series(1, ${CRL_ENTRIES}::int) as i`.execute(db.db);
    log(
      `  ${fmt(CRL_ENTRIES)} revoked rows inserted in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed)`,
    );
    const config = loadConfig({});
    const secrets = caSecrets(config.ca);
    const deps = { db: db.db, clock: systemClock, cas: new CaRegistry(db.db, secrets), settings: config.ca };
    // The CA key is opened (a key derivation) before the clock starts, as a running server has it.
    const ca = await deps.cas.byId(caId);
    const startLoad = loadAverage();
    const cpuBefore = process.cpuUsage();
    t = performance.now();
    const crl = await publishCrl(deps, caId, { trigger: "bench" });
    const seconds = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const nodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
    await secrets.close();
    const size = `${(crl.der.length / 1e6).toFixed(1)} MB`;
    log(
      `  publishCrl ${caId}: ${fmt(crl.entries)} entries, ${size}, built, signed and stored in ` +
        `${seconds.toFixed(2)} s, ${nodeCpuSeconds.toFixed(2)} s CPU in this process (load ${fmt(startLoad ?? NaN, 1)})`,
    );
    writeFileSync(join(scratch, "bench.crl"), crl.der);
    writeFileSync(join(scratch, "crl-issuer.pem"), pemEncode("CERTIFICATE", ca.certificate));
    const verified = await run(
      "openssl",
      ["crl", "-inform", "DER", "-in", "bench.crl", "-noout", "-CAfile", "crl-issuer.pem"],
      { cwd: scratch, timeoutMs: 120_000 },
    );
    if (!/verify OK/.test(verified)) throw new Error(`openssl does not verify the CRL:\n${verified}`);
    log("  openssl crl -CAfile: verify OK");
    rows.push({
      measure: `CRL of ${fmt(crl.entries)} revoked entries, build + sign + store`,
      certdesk: `${seconds.toFixed(2)} s (${size}); CPU ${nodeCpuSeconds.toFixed(2)} s (bench process)`,
      peer: "-",
      ratio: undefined,
      target: "< 5 s",
      pass: seconds < 5,
    });
  } finally {
    await db.close();
  }
}

// ---- the run ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  const storeName = flags.postgres ? "PostgreSQL (a throwaway database)" : "embedded (PGlite)";
  log(
    `certdesk CA benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, ` +
      `${CLIENTS} clients, ${COUNT} requests after ${WARMUP} warm-up, store ${storeName}`,
  );
  const cfsslVersion = (await run("cfssl", ["version"], { cwd: scratch })).split("\n")[0];
  log(`  cfssl ${cfsslVersion}; ${(await run("openssl", ["version"], { cwd: scratch })).trim()}`);

  let store: ServerStore;
  let inProcess: () => Promise<Store>;
  if (flags.postgres) {
    const temp = await createTempDatabase(postgresServer());
    tempDatabase = temp;
    store = { kind: "postgres", url: temp.url };
    inProcess = () => openStore({ kind: "postgres", url: temp.url });
  } else {
    const dataDir = join(scratch, "certdesk");
    store = { kind: "embedded", dataDir };
    // The server keeps its embedded database in CERTDESK_DATA_DIR/db.
    inProcess = () => openStore({ kind: "embedded", dataDir: join(dataDir, "db") });
  }

  // A first start makes the demo data and CAs; then, with the server stopped (PGlite has one
  // owner), a programme whose signing profile takes SM2, P-256 and RSA, and orders waiting at
  // production for the token-key run.
  log("preparing: demo data and CAs, a bench programme, orders at production, keys and CSRs");
  let server = await fleet.start({ store, demo: true, readyWithinMs: 120_000 });
  await server.stop(30_000);
  const n = WARMUP + COUNT;
  const orderIds: string[] = [];
  {
    const db = await inProcess();
    try {
      await saveBenchProgramme(db);
      for (let i = 0; ONLY.has("sm2") && i < n; i++) {
        orderIds.push(
          await orderAtProduction(db.db, {
            programmeId: PROGRAMME,
            service: "new",
            uscc: USCC_A,
            details: { years: 3 },
          }),
        );
      }
    } finally {
      await db.close();
    }
  }
  const ocspPort = await freePort();
  server = await fleet.start({
    store,
    demo: true,
    readyWithinMs: 120_000,
    env: {
      CERTDESK_OCSP_PORT: String(ocspPort),
      // BENCH_SERVER_NODE_OPTIONS: e.g. an --import that profiles the server.
      ...(process.env.BENCH_SERVER_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS }
        : {}),
    },
  });
  certdeskPid = server.pid;
  const target: Target = {
    base: server.url,
    ocspBase: `http://127.0.0.1:${ocspPort}/ocsp`,
    pid: server.pid,
    admin: await login(server, "admin", "admin-demo-1"),
    production: await login(server, "production", "production-demo-1"),
  };
  const csrs: Record<KeyAlgorithm, string[]> = {
    rsa: await makeCsrs("rsa", ONLY.has("issuance") ? n : 1),
    "ecdsa-p256": ONLY.has("issuance") ? await makeCsrs("ecdsa-p256", n) : [],
    sm2: ONLY.has("sm2") ? await makeCsrs("sm2", n) : [],
  };

  log("\nthe load generator");
  const ceiling = await loadGeneratorCeiling();
  notes.push(
    `the Node load generator alone, against a server that answers "ok": ${fmt(ceiling.perSecond)} requests/s, p99 ${fmt(ceiling.p99Ms, 1)} ms`,
  );

  if (ONLY.has("issuance")) await issuancePhase(target, csrs);
  if (ONLY.has("sm2")) await sm2Phase(target, csrs.sm2, orderIds);
  if (ONLY.has("ocsp")) await ocspPhase(target, csrs.rsa[0]!);
  await server.stop(30_000);
  await persistedAndCrlPhase(inProcess);

  log(
    `\nresults (${cpus().length} cores, ${storeName}, ${CLIENTS} clients; load average now ${fmt(loadAverage() ?? NaN, 1)})`,
  );
  const header = ["measure", "certdesk", "peer", "ratio", "target", "pass"];
  const cells = rows.map((r) => [
    r.measure,
    r.certdesk,
    r.peer,
    r.ratio === undefined ? "-" : `${r.ratio.toFixed(2)}x`,
    r.target,
    r.pass === undefined ? "-" : r.pass ? "PASS" : "FAIL",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(" | ")} |`;
  log(line(header));
  log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) log(line(c));
  for (const note of notes) log(`note: ${note}`);
  log(`(${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
}

try {
  await main();
} finally {
  await cleanUp();
}
