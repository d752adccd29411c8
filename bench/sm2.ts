/**
 * The SM2 section of the CA benchmark (issue 20 item 3): OpenSSL's own speed, the desk's SM2 path
 * alone (the native addon, and the JavaScript fallback for comparison), then issuance over HTTP,
 * from CSRs and from token keys, against the targets. bench/ca.ts calls sm2Section with its server
 * and its load generator; run alone it prints the crypto figures only:
 *
 *   node --import tsx bench/sm2.ts [--speed-seconds 5] [--count 2000]
 *
 * `openssl speed` counts CPU time in one process and wall-clock time with -multi: on a machine
 * shared with other work the -multi figure falls with the load, so both are printed, with the
 * desk's CPU per certificate beside its rates.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { generateSm2KeyPair, sm2, sm2IdBytes, sm2PrivateKeyToPkcs8, SM2_DEFAULT_ID } from "../src/pki/sm2.js";
import { sm2Backend } from "../src/pki/sm2-native.js";
import { loadAverage, run } from "./support/peers.js";

/** What the SM2 section puts in ca.ts's results table. */
export interface Sm2Row {
  measure: string;
  certdesk: string;
  peer: string;
  ratio: number | undefined;
  target: string;
  pass: boolean | undefined;
}

/** ca.ts's figures for one load: rate, latency and the server's CPU per request. */
export interface Sm2LoadFigures {
  perSecond: number;
  cpuMs?: number;
}

export interface Sm2SectionContext {
  scratch: string;
  speedSeconds: number;
  log(line: string): void;
  describe(f: Sm2LoadFigures): string;
  /** POST /api/ca/issue with SM2 CSRs (proof of possession, persisted with the audit row) */
  issueFromCsrs(): Promise<Sm2LoadFigures>;
  /** POST /api/orders/:id/production/finish with token public keys */
  produceFromTokenKeys(): Promise<Sm2LoadFigures>;
}

export interface Sm2CryptoFigures {
  /** openssl speed sm2, one process, signatures per CPU second */
  speedOne: number;
  /** openssl speed -multi N sm2 (N = cores), signatures per wall-clock second, summed */
  speedMulti: number;
  cores: number;
  /** the addon, one thread: per CPU second */
  nativeSign?: number;
  nativeVerify?: number;
  /** the addon on libuv's thread pool, all cores: per wall-clock second */
  nativeSignPool?: number;
  nativeVerifyPool?: number;
  /** the JavaScript fallback, one thread, per CPU second */
  jsSign: number;
  jsVerify: number;
}

const fmt = (n: number | undefined, digits = 0) =>
  n !== undefined && Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-";

const speedLine = /SM2 \(CurveSM2\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/;

async function opensslSpeed(seconds: number, cwd: string, multi?: number): Promise<number> {
  const args = ["speed", ...(multi ? ["-multi", String(multi)] : []), "-seconds", String(seconds), "sm2"];
  const out = await run("openssl", args, { cwd, timeoutMs: (seconds * 2 + 30) * 1000 });
  const m = speedLine.exec(out);
  if (!m) throw new Error(`openssl ${args.join(" ")} printed no sm2 line:\n${out}`);
  return Number(m[1]);
}

/** Operations per CPU second (of the process: the operation runs on this thread), over about `ms`. */
function perCpuSecond(op: () => void, ms = 1500): number {
  for (let i = 0; i < 20; i++) op();
  const start = process.cpuUsage();
  let n = 0;
  let used = 0;
  while (used < ms * 1000) {
    for (let i = 0; i < 50; i++) op();
    n += 50;
    const now = process.cpuUsage(start);
    used = now.user + now.system;
  }
  return n / (used / 1e6);
}

/** Operations per wall-clock second with `concurrency` in flight. */
async function perWallSecond(op: () => Promise<unknown>, count: number, concurrency = 64): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await op();
    }),
  );
  return count / ((performance.now() - t) / 1000);
}

/** openssl speed, and the desk's SM2 signing and verifying alone. */
export async function sm2Crypto(
  speedSeconds: number,
  scratch: string,
  count = 2000,
): Promise<Sm2CryptoFigures> {
  const cores = cpus().length;
  const speedOne = await opensslSpeed(speedSeconds, scratch);
  const speedMulti = await opensslSpeed(speedSeconds, scratch, cores);
  const pair = generateSm2KeyPair();
  const message = new Uint8Array(randomBytes(1000)); // about a TBSCertificate
  const id = sm2IdBytes(SM2_DEFAULT_ID);
  const jsSign = perCpuSecond(() => sm2.sign(pair.privateKey, message));
  const jsSignature = sm2.sign(pair.privateKey, message);
  const jsVerify = perCpuSecond(() => sm2.verify(pair.publicKey, message, jsSignature));
  const figures: Sm2CryptoFigures = { speedOne, speedMulti, cores, jsSign, jsVerify };
  const native = sm2Backend();
  if (native) {
    const key = native.privateKey(sm2PrivateKeyToPkcs8(pair));
    const pub = native.publicKey(pair.publicKey);
    const signature = native.sign(key, message, id);
    figures.nativeSign = perCpuSecond(() => native.sign(key, message, id));
    figures.nativeVerify = perCpuSecond(() => native.verify(pub, message, signature, id));
    figures.nativeSignPool = await perWallSecond(() => native.signAsync(key, message, id), count);
    figures.nativeVerifyPool = await perWallSecond(
      () => native.verifyAsync(pub, message, signature, id),
      count,
    );
  }
  return figures;
}

function printCrypto(f: Sm2CryptoFigures, log: (line: string) => void): void {
  const l = (label: string, value: string) => log(`  ${label.padEnd(52)} ${value}`);
  l("openssl speed sm2 (one process, CPU time)", `${fmt(f.speedOne, 1)} signatures/s`);
  l(`openssl speed -multi ${f.cores} sm2 (wall clock)`, `${fmt(f.speedMulti, 1)} signatures/s`);
  if (f.nativeSign === undefined)
    l("native addon", "NOT BUILT: the figures below are the JavaScript fallback's");
  else {
    l(
      "native sign, one thread (CPU time)",
      `${fmt(f.nativeSign)}/s (${fmt(1000 / f.nativeSign, 3)} ms each)`,
    );
    l(
      "native verify, one thread (CPU time)",
      `${fmt(f.nativeVerify)}/s (${fmt(1000 / f.nativeVerify!, 3)} ms each)`,
    );
    l("native sign, libuv thread pool (wall clock)", `${fmt(f.nativeSignPool)}/s`);
    l("native verify, libuv thread pool (wall clock)", `${fmt(f.nativeVerifyPool)}/s`);
  }
  l("JavaScript fallback sign / verify (CPU time)", `${fmt(f.jsSign)}/s / ${fmt(f.jsVerify)}/s`);
}

/** The SM2 section: crypto alone, then issuance over HTTP against the issue's targets. */
export async function sm2Section(ctx: Sm2SectionContext): Promise<Sm2Row[]> {
  ctx.log(`\nSM2 (load average ${fmt(loadAverage(), 1)}; the machine is shared)`);
  const crypto = await sm2Crypto(ctx.speedSeconds, ctx.scratch);
  printCrypto(crypto, ctx.log);
  const fromCsrs = await ctx.issueFromCsrs();
  const fromTokens = await ctx.produceFromTokenKeys();
  const rows: Sm2Row[] = [];
  const multi = `openssl speed -multi ${crypto.cores} sm2`;
  if (crypto.nativeSign !== undefined) {
    rows.push({
      measure: "SM2 native sign, one thread, signatures per CPU second",
      certdesk: `${fmt(crypto.nativeSign)}/s, verify ${fmt(crypto.nativeVerify)}/s`,
      peer: `openssl speed sm2 ${fmt(crypto.speedOne)} sign/s`,
      ratio: crypto.nativeSign / crypto.speedOne,
      // The same library; the desk's messages are whole TBSCertificates, openssl speed's 20 bytes.
      target: ">= 0.8x",
      pass: crypto.nativeSign / crypto.speedOne >= 0.8,
    });
  } else {
    rows.push({
      measure: "SM2 native addon",
      certdesk: "not built (JavaScript fallback)",
      peer: "-",
      ratio: undefined,
      target: "built",
      pass: false,
    });
  }
  const ratio = fromCsrs.perSecond / crypto.speedMulti;
  rows.push({
    measure: "SM2 issuance from CSRs, persisted, certificates/s",
    certdesk: ctx.describe(fromCsrs),
    peer: `${multi} ${fmt(crypto.speedMulti)} sign/s`,
    ratio,
    target: ">= 0.33x",
    pass: ratio >= 0.33,
  });
  // -multi counts wall-clock time: loaded, it falls with the neighbours. Against the CPU-time
  // figure times the cores, the quiet machine's ceiling, the same target is much harder.
  const ceiling = crypto.speedOne * crypto.cores;
  rows.push({
    measure: "  the same against openssl's CPU-time rate x cores",
    certdesk: `${fmt(fromCsrs.perSecond)}/s`,
    peer: `openssl speed sm2 ${fmt(crypto.speedOne)} x ${crypto.cores} = ${fmt(ceiling)} sign/s`,
    ratio: fromCsrs.perSecond / ceiling,
    target: ">= 0.33x",
    pass: fromCsrs.perSecond / ceiling >= 0.33,
  });
  rows.push({
    measure: "SM2 token-key production (orders), certificates/s",
    certdesk: ctx.describe(fromTokens),
    peer: "-",
    ratio: undefined,
    target: ">= 200/s",
    pass: fromTokens.perSecond >= 200,
  });
  return rows;
}

// Alone: the crypto figures only.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      "speed-seconds": { type: "string", default: "5" },
      count: { type: "string", default: "2000" },
    },
  });
  const scratch = mkdtempSync(join(tmpdir(), "certdesk-bench-sm2-"));
  try {
    console.log(
      `SM2 crypto: ${cpus().length} cores, Node ${process.version}, load average ${fmt(loadAverage(), 1)}`,
    );
    printCrypto(await sm2Crypto(Number(values["speed-seconds"]), scratch, Number(values.count)), console.log);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
