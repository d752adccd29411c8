#!/usr/bin/env node
// certdesk-client, the security client. Runs the TypeScript sources through tsx; the commands are in src/client/main.ts.
import process from "node:process";
import { register } from "tsx/esm/api";

register();
const { run } = await import("../src/client/main.ts");
const { promptSecret } = await import("../src/client/prompt.ts");
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  ...(process.stdin.isTTY && process.stderr.isTTY ? { prompt: (q) => promptSecret(q, process.stderr) } : {}),
});
