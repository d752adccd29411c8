/**
 * Every certdesk command is a real child process (bin/certdesk.js) that must end by itself, within
 * a time limit, with its documented exit code, once its work is done: SM2 work included, whose
 * thread pool (src/pki/sm2-pool.ts) once kept the process alive after the result was printed.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../src/domain/clock.js";
import { buildCsr } from "../src/pki/csr.js";
import { pemEncode } from "../src/pki/pem.js";
import { generateSoftwareKey } from "../src/pki/signer.js";
import { seedBundledCalendar } from "../src/desk/calendar.js";
import { seedDemo } from "../src/desk/demo.js";
import { openStore } from "../src/store/database.js";
import { ORGANISATION_A, orderAtProduction, USCC_A, USCC_B } from "./support/production.js";

const bin = fileURLToPath(new URL("../bin/certdesk.js", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "certdesk-cli-exit-"));
const env = {
  PATH: process.env.PATH ?? "",
  HOME: scratch,
  CERTDESK_DATA_DIR: scratch,
  CERTDESK_CA_PASSPHRASE: "cli-exit-ca-passphrase",
};
/** Far above what any command here needs (2–10 s on a busy 2-core machine), far below "forever". */
const LIMIT_MS = 45_000;

type Ran = { code: number | "killed"; stdout: string; stderr: string; ms: number };

/** Runs the command; a process still alive at the limit is killed and reported as "killed". */
function certdesk(args: string[]): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env, timeout: LIMIT_MS, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const ms = Date.now() - started;
        if (error && error.killed) return resolve({ code: "killed", stdout, stderr, ms });
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr, ms });
      },
    );
  });
}

let orderNumber = "";
let csrFile = "";

beforeAll(async () => {
  const store = await openStore({ kind: "embedded", dataDir: join(scratch, "db") });
  try {
    await seedBundledCalendar(store.db);
    await seedDemo({ db: store.db, clock: fixedClock("2026-11-20T02:00:00Z") });
    const id = await orderAtProduction(store.db, {
      programmeId: "power-trading",
      service: "new",
      uscc: USCC_B,
      details: { years: 1, keys: 2, plan: "basic" },
    });
    orderNumber = (
      await store.db.selectFrom("orders").select("number").where("id", "=", id).executeTakeFirstOrThrow()
    ).number;
  } finally {
    await store.close();
  }
  const key = generateSoftwareKey("sm2");
  const csr = await buildCsr({
    subject: { C: "CN", O: ORGANISATION_A, CN: ORGANISATION_A, serialNumber: USCC_A },
    signer: key.signer,
  });
  csrFile = join(scratch, "sm2.csr");
  writeFileSync(csrFile, pemEncode("CERTIFICATE REQUEST", csr));
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("every certdesk command exits when its work is done", () => {
  it("ca init (SM2 signatures on the pool), ca list, ca issue with an SM2 CSR, ca revoke, ca crl: exit 0 each", async () => {
    const init = await certdesk(["ca", "init", "--algorithms", "sm2", "--prefix", "demo", "--json"]);
    expect(init.code, `ca init after ${init.ms} ms: ${init.stderr}`).toBe(0);
    const list = await certdesk(["ca", "list", "--json"]);
    expect(list.code, list.stderr).toBe(0);

    const issue = await certdesk([
      "ca",
      "issue",
      "--profile",
      "organisation-signing",
      "--programme",
      "procurement",
      "--organisation",
      USCC_A,
      "--csr",
      csrFile,
      "--json",
    ]);
    expect(issue.code, `ca issue after ${issue.ms} ms: ${issue.stderr}${issue.stdout}`).toBe(0);
    const serial = (JSON.parse(issue.stdout) as { serial: string }).serial;

    const revoke = await certdesk(["ca", "revoke", serial, "--reason", "keyCompromise", "--json"]);
    expect(revoke.code, `ca revoke after ${revoke.ms} ms: ${revoke.stderr}`).toBe(0);
    const again = await certdesk(["ca", "revoke", serial, "--reason", "keyCompromise", "--json"]);
    expect(again.code, "a second revocation is refused with exit 2").toBe(2);

    const crl = await certdesk(["ca", "crl", "--ca", "demo-sm2-issuing", "--out", join(scratch, "sm2.crl")]);
    expect(crl.code, `ca crl after ${crl.ms} ms: ${crl.stderr}`).toBe(0);
    expect(readFileSync(join(scratch, "sm2.crl")).length).toBeGreaterThan(100);
  }, 300_000);

  it("produce on a software station (SM2 keys of programme B): exit 0 with the batch done", async () => {
    const ran = await certdesk([
      "produce",
      "--order",
      orderNumber,
      "--station",
      `software:${join(scratch, "station")}`,
      "--json",
    ]);
    expect(ran.code, `produce after ${ran.ms} ms: ${ran.stderr}${ran.stdout}`).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ state: "done", done: 2 });
  }, 120_000);

  it("read commands and refusals: audit verify 0, programme list 0, validate 1 on a bad code, an unknown command 2", async () => {
    expect((await certdesk(["audit", "verify", "--json"])).code).toBe(0);
    expect((await certdesk(["programme", "list", "--json"])).code).toBe(0);
    expect((await certdesk(["validate", "uscc", "91310115591693856B", "--json"])).code).toBe(1);
    expect((await certdesk(["no-such-command"])).code).toBe(2);
  }, 120_000);
});
