// Builds the SDK for installing on its own: one ES module with the desk's shared code (request
// signing, certificate and OCSP parsing, the login message) bundled in, its npm dependencies left
// as imports (each must be listed in this package.json), and the type declarations beside it.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const require = createRequire(import.meta.url);
const { build } = await import(require.resolve("esbuild"));
const pkg = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8"));

rmSync(`${here}dist`, { recursive: true, force: true });
const result = await build({
  entryPoints: [`${here}src/index.ts`],
  outfile: `${here}dist/index.js`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  metafile: true,
  logLevel: "warning",
});
const imported = new Set(
  Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external).map((i) => i.path),
  ),
);
const packageOf = (path) =>
  path
    .split("/")
    .slice(0, path.startsWith("@") ? 2 : 1)
    .join("/");
const missing = [...imported].filter((p) => !p.startsWith("node:") && !pkg.dependencies?.[packageOf(p)]);
if (missing.length)
  throw new Error(`the SDK imports packages its package.json does not list: ${missing.join(", ")}`);

execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", `${here}tsconfig.json`], {
  stdio: "inherit",
});
writeFileSync(`${here}dist/index.d.ts`, 'export * from "./types/packages/sdk/src/index.js";\n');
console.log(`built ${here}dist (bundled ${Object.keys(result.metafile.inputs).length} modules)`);
