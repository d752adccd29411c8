// Loads a certdesk entry module: the compiled code in dist/ (`npm run build`), or, with
// CERTDESK_FROM_SOURCE=1 (development and the tests), the TypeScript sources through tsx.
import { existsSync } from "node:fs";
import process from "node:process";

let tsxRegistered = false;

/** @param {string} entry a module path under src/ without extension, e.g. "cli/main" */
export async function loadEntry(entry) {
  if (process.env.CERTDESK_FROM_SOURCE === "1") {
    if (!tsxRegistered) {
      const { register } = await import("tsx/esm/api");
      register();
      tsxRegistered = true;
    }
    return import(new URL(`../src/${entry}.ts`, import.meta.url).href);
  }
  const compiled = new URL(`../dist/${entry}.js`, import.meta.url);
  if (!existsSync(compiled)) {
    process.stderr.write(
      "certdesk is not built: run `npm run build` first (or set CERTDESK_FROM_SOURCE=1 to run the sources with tsx).\n",
    );
    process.exit(1);
  }
  return import(compiled.href);
}
