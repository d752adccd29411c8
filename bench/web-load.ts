/**
 * The landing page loaded cold, as a first visitor's browser does (finding 10, issue 19 item 7):
 *
 *   node --import tsx bench/web-load.ts [--budget-kb 300] [--runs 3] [--path /] [--url http://…]
 *
 * (--url measures a desk already running, with whatever web/dist it serves, instead of starting one.)
 * Builds the web app if its sources changed, starts certdesk (`src/main.ts --demo`, fresh embedded
 * store) on a free port, opens the page in Debian's Chromium with an empty cache (a new context per
 * run), and prints first contentful paint and the JavaScript it fetched: bytes on the wire
 * (compressed when the server sends it compressed) and bytes decoded (what the browser parses), per
 * file. Ends with PASS or FAIL against the budget, which both must keep (exit 0 or 1). Chromium's CDP Network events give the
 * sizes; performance.getEntriesByName("first-contentful-paint") gives FCP.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildWeb, webBuildIsStale } from "../web/scripts/build-if-needed.js";
import { launchChromium } from "../test/browser/support.js";
import { serverFleet } from "../test/support/process.js";

const { values } = parseArgs({
  options: {
    "budget-kb": { type: "string", default: "300" },
    runs: { type: "string", default: "3" },
    path: { type: "string", default: "/" },
    url: { type: "string" },
  },
});
const budgetBytes = Number(values["budget-kb"]) * 1024;
const runs = Number(values.runs);

interface Load {
  fcpMs: number;
  scripts: { url: string; wire: number; decoded: number }[];
}

async function loadOnce(browser: Awaited<ReturnType<typeof launchChromium>>, url: string): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 390, height: 780 }, locale: "zh-CN" });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const scripts = new Map<string, { url: string; wire: number; decoded: number }>();
  cdp.on("Network.responseReceived", (e) => {
    if (e.type === "Script") scripts.set(e.requestId, { url: e.response.url, wire: 0, decoded: 0 });
  });
  cdp.on("Network.dataReceived", (e) => {
    const s = scripts.get(e.requestId);
    if (s) s.decoded += e.dataLength;
  });
  cdp.on("Network.loadingFinished", (e) => {
    const s = scripts.get(e.requestId);
    if (s) s.wire = e.encodedDataLength;
  });
  await page.goto(url, { waitUntil: "networkidle" });
  const fcpMs = (await page.evaluate(
    `new Promise((done) => {
      new PerformanceObserver((list) => {
        const fcp = list.getEntries().find((e) => e.name === "first-contentful-paint");
        if (fcp) done(fcp.startTime);
      }).observe({ type: "paint", buffered: true });
      setTimeout(() => done(-1), 5000);
    })`,
  )) as number;
  await context.close();
  return { fcpMs, scripts: [...scripts.values()] };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function main(): Promise<number> {
  if (!values.url && webBuildIsStale()) buildWeb();
  const fleet = serverFleet();
  const dataDir = mkdtempSync(join(tmpdir(), "certdesk-web-load-"));
  const browser = await launchChromium();
  try {
    const server = values.url
      ? { url: values.url, stop: async () => undefined }
      : await fleet.start({ store: { kind: "embedded", dataDir }, demo: true, readyWithinMs: 300_000 });
    const url = `${server.url}${values.path}`;
    await loadOnce(browser, url); // the server's first answers (file lookups) are not the page's cost
    const loads: Load[] = [];
    for (let i = 0; i < runs; i++) loads.push(await loadOnce(browser, url));
    const last = loads[loads.length - 1]!;
    process.stdout.write(`cold load of ${values.path} (${runs} runs, empty cache each, 390×780)\n`);
    for (const s of last.scripts.sort((a, b) => b.wire - a.wire))
      process.stdout.write(
        `  ${new URL(s.url).pathname.padEnd(44)} wire ${kb(s.wire).padStart(9)}  decoded ${kb(s.decoded).padStart(9)}\n`,
      );
    const wire = last.scripts.reduce((n, s) => n + s.wire, 0);
    const decoded = last.scripts.reduce((n, s) => n + s.decoded, 0);
    const fcps = loads.map((l) => l.fcpMs).sort((a, b) => a - b);
    const median = fcps[Math.floor(fcps.length / 2)]!;
    process.stdout.write(
      `first contentful paint: median ${median.toFixed(0)} ms (runs: ${fcps.map((f) => f.toFixed(0)).join(", ")} ms)\n` +
        `JavaScript: ${last.scripts.length} files, ${kb(wire)} transferred, ${kb(decoded)} decoded\n`,
    );
    // Compression hides size from the wire only: the phone still parses every decoded byte.
    const pass = wire <= budgetBytes && decoded <= budgetBytes;
    process.stdout.write(
      `${pass ? "PASS" : "FAIL"}: ${kb(decoded)} of JavaScript decoded, ${kb(wire)} transferred, budget ${kb(budgetBytes)} for each\n`,
    );
    await server.stop();
    return pass ? 0 : 1;
  } finally {
    await browser.close();
    await fleet.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
