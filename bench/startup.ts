/**
 * Start-up time of the product run from its TypeScript sources through tsx (how it started
 * before `npm run build`) against the compiled code in dist/:
 *
 *   npm run build:server && node --import tsx bench/startup.ts [--runs 5]
 *
 * Two figures each way, medians of --runs: the admin CLI answering `--version`, and the server
 * answering GET /api/health on an embedded store that a first start has already set up (so CA
 * creation and migrations are not counted, only what every restart pays).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT, serverFleet } from "../test/support/process.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function cliMs(fromSource: boolean): number {
  const env = { ...process.env, CERTDESK_FROM_SOURCE: fromSource ? "1" : "0" };
  const started = performance.now();
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/certdesk.js"), "--version"], { env });
  if (r.status !== 0) throw new Error(`certdesk --version failed: ${r.stderr.toString()}`);
  return performance.now() - started;
}

async function serverMs(compiled: boolean, dataDir: string): Promise<number> {
  const fleet = serverFleet();
  const started = performance.now();
  const server = await fleet.start({
    store: { kind: "embedded", dataDir },
    compiled,
    readyWithinMs: 120_000,
  });
  const ms = performance.now() - started;
  await server.stop();
  return ms;
}

const dataDir = mkdtempSync(join(tmpdir(), "certdesk-startup-"));
try {
  await serverMs(true, dataDir); // the first start makes the CAs and runs the migrations
  const rows: [string, number, number][] = [];
  for (const [label, measure] of [
    ["admin CLI, certdesk --version", (c: boolean) => Promise.resolve(cliMs(!c))],
    ["server, start to /api/health", (c: boolean) => serverMs(c, dataDir)],
  ] as const) {
    const source: number[] = [];
    const compiled: number[] = [];
    for (let i = 0; i < runs; i++) {
      source.push(await measure(false));
      compiled.push(await measure(true));
    }
    rows.push([label, median(source), median(compiled)]);
  }
  console.log(`start-up, median of ${runs} runs (load average ${loadavg()[0]?.toFixed(2)})`);
  console.log("what                               tsx sources   compiled   ratio");
  for (const [label, s, c] of rows)
    console.log(
      `${label.padEnd(34)} ${s.toFixed(0).padStart(8)} ms ${c.toFixed(0).padStart(8)} ms ${(s / c).toFixed(1).padStart(6)}×`,
    );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
