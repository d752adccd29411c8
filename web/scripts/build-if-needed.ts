/**
 * Builds the web app when web/dist is missing or older than its sources, so that `npm run demo`
 * and the browser tests serve what the tree holds without rebuilding every time.
 * Usage: node --import tsx web/scripts/build-if-needed.ts [--force]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const web = join(repo, "web");
const built = join(web, "dist", "index.html");

/** The newest modification time under the given files and folders. */
function newest(paths: string[]): number {
  let latest = 0;
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  paths.forEach(visit);
  return latest;
}

// The app also bundles the domain's pure rules and the API's schemas (src/domain, src/server/schemas.ts).
const sources = [
  join(web, "src"),
  join(web, "public"),
  join(web, "index.html"),
  join(web, "vite.config.ts"),
  join(web, "tsconfig.json"),
  join(repo, "src", "domain"),
  join(repo, "src", "server", "schemas.ts"),
  join(repo, "package-lock.json"),
];

export function webBuildIsStale(): boolean {
  return !existsSync(built) || statSync(built).mtimeMs < newest(sources);
}

export function buildWeb(): void {
  const vite = join(repo, "node_modules", "vite", "bin", "vite.js");
  const result = spawnSync(process.execPath, [vite, "build", "--config", "web/vite.config.ts"], {
    cwd: repo,
    // A production build even when started from a test runner (vitest sets NODE_ENV=test).
    env: { ...process.env, NODE_ENV: "production" },
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`the web build failed (exit ${result.status ?? result.signal})`);
}

const invoked = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invoked) {
  if (process.argv.includes("--force") || webBuildIsStale()) buildWeb();
  else process.stdout.write("web/dist is up to date\n");
}
