/**
 * A throwaway SoftHSM2 token store for PKCS#11 tests: a temporary token directory, a
 * softhsm2.conf pointing at it, and SOFTHSM2_CONF set in this process. pkcs11js loads SoftHSM2
 * into this process and SoftHSM2 reads SOFTHSM2_CONF in C_Initialize, so the variable must be set
 * before the first Pkcs11Module.open(); child processes (softhsm2-util, pkcs11-tool) get it too.
 * Each vitest file runs in its own process (pool: forks), so stores of two files never meet.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's path first (a symlink to the multiarch one); the others for other layouts. */
const MODULE_CANDIDATES = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/local/lib/softhsm/libsofthsm2.so",
];

export function softHsmModulePath(): string {
  const found = MODULE_CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error(`libsofthsm2.so not found; looked in ${MODULE_CANDIDATES.join(", ")}`);
  return found;
}

export interface ToolResult {
  code: number;
  /** stdout and stderr together */
  output: string;
}

export interface SoftHsm {
  readonly modulePath: string;
  readonly dir: string;
  readonly confPath: string;
  /**
   * softhsm2-util --init-token --free. SoftHSM2 in this process only sees tokens that existed at
   * its C_Initialize: create tokens this way before opening the module (or while nothing has it
   * open), or with Pkcs11Module.initToken.
   */
  createToken(input: { label: string; soPin: string; pin: string }): void;
  /** pkcs11-tool --module <SoftHSM2> ...args */
  pkcs11Tool(args: readonly string[]): ToolResult;
  /** Removes the token directory and restores SOFTHSM2_CONF. */
  remove(): void;
}

export function createSoftHsm(): SoftHsm {
  const modulePath = softHsmModulePath();
  const dir = mkdtempSync(join(tmpdir(), "certdesk-softhsm-"));
  const tokenDir = join(dir, "tokens");
  mkdirSync(tokenDir);
  const confPath = join(dir, "softhsm2.conf");
  writeFileSync(
    confPath,
    [
      `directories.tokendir = ${tokenDir}`,
      "objectstore.backend = file",
      "log.level = ERROR",
      "slots.removable = false",
      "",
    ].join("\n"),
  );
  const previousConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = confPath;

  const run = (command: string, args: readonly string[]): ToolResult => {
    const r = spawnSync(command, args, {
      encoding: "utf8",
      env: { ...process.env, SOFTHSM2_CONF: confPath },
      timeout: 60_000,
    });
    return { code: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
  };

  return {
    modulePath,
    dir,
    confPath,
    createToken({ label, soPin, pin }) {
      const r = run("softhsm2-util", [
        "--init-token",
        "--free",
        "--label",
        label,
        "--so-pin",
        soPin,
        "--pin",
        pin,
      ]);
      if (r.code !== 0) throw new Error(`softhsm2-util --init-token failed: ${r.output}`);
    },
    pkcs11Tool: (args) => run("pkcs11-tool", ["--module", modulePath, ...args]),
    remove() {
      if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previousConf;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
