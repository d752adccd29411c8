// `npm run build:server`: compiles src/ to dist/ (incrementally, so a rebuild is quick), then
// removes what a moved or deleted source left behind, so dist/ never runs code src/ no longer has.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

const dist = join(root, "dist");
const src = join(root, "src");
function sweep(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      sweep(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      continue;
    }
    const source = join(src, relative(dist, path)).replace(/\.js(\.map)?$/, ".ts");
    if (/\.js(\.map)?$/.test(entry.name) && !existsSync(source)) rmSync(path);
  }
}
sweep(dist);
