// Builds the SM2 addon (sm2.c) with node-gyp at `npm install` / `npm ci` (the root package's
// install script). Never fails the install: without a compiler or headers the desk signs SM2 in
// JavaScript (src/pki/sm2.ts) and says so at start.
//
// Offline: node-gyp is pointed at the headers of the running node (NodeSource and nodejs.org
// ship include/node, OpenSSL's headers with it), as npm built pkcs11js here.
import { spawnSync } from "node:child_process";
import console from "node:console";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));
const nodeGyp =
  process.env.npm_config_node_gyp ??
  join(prefix, "lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js");
const args = [nodeGyp, "rebuild"];
if (existsSync(join(prefix, "include/node/node_api.h"))) args.push(`--nodedir=${prefix}`);

const result = existsSync(nodeGyp)
  ? spawnSync(process.execPath, args, { cwd: here, stdio: ["ignore", "pipe", "pipe"], timeout: 180_000 })
  : undefined;
if (result?.status === 0) {
  console.log("native/sm2: SM2 addon built");
} else {
  const why = !result
    ? `node-gyp not found at ${nodeGyp}`
    : (result.error?.message ??
      `${
        String(result.stderr)
          .split("\n")
          .find((l) => /error/i.test(l)) ?? "node-gyp failed"
      }`.trim());
  console.warn(`native/sm2: the SM2 addon was not built (${why}); SM2 will run in JavaScript, slower`);
}
