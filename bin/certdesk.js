#!/usr/bin/env node
// The certdesk admin CLI. Runs the TypeScript sources through tsx; the commands are in src/cli/main.ts.
import process from "node:process";
import { register } from "tsx/esm/api";

register();
const { run } = await import("../src/cli/main.ts");
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
