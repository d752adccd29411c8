#!/usr/bin/env node
// The certdesk admin CLI; the commands are in src/cli/main.ts.
import process from "node:process";
import { loadEntry } from "./load.js";

const { run } = await loadEntry("cli/main");
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
