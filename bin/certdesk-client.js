#!/usr/bin/env node
// certdesk-client, the security client; the commands are in src/client/main.ts.
import process from "node:process";
import { loadEntry } from "./load.js";

const { run } = await loadEntry("client/main");
const { promptSecret } = await loadEntry("client/prompt");
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  ...(process.stdin.isTTY && process.stderr.isTTY ? { prompt: (q) => promptSecret(q, process.stderr) } : {}),
});
