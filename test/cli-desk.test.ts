/**
 * The CLI beside the running demo on the embedded store, which admits one process: without a
 * session it says how to get one; after `certdesk login` (a session file only its owner may read)
 * produce, key reset-pin and ca revoke go through the desk's API: the desk resets the PIN of the key
 * it made on its own station for an approved unlock order only, and the revocation is in its CRL.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type CliIo } from "../src/cli/main.js";
import { fixedClock } from "../src/domain/clock.js";
import { parseCrl } from "../src/pki/crl.js";
import { normalizeSerial } from "../src/pki/serial.js";
import { seedBundledCalendar } from "../src/desk/calendar.js";
import { seedDemo } from "../src/desk/demo.js";
import { openStore } from "../src/store/database.js";
import { serverFleet, type ServerProcess } from "./support/process.js";
import { orderAtProduction, USCC_A } from "./support/production.js";

const scratch = mkdtempSync(join(tmpdir(), "certdesk-cli-desk-"));
const env = { CERTDESK_DATA_DIR: scratch };
const fleet = serverFleet();
let desk: ServerProcess;
let orderNumber = "";

type Ran = { code: number; stdout: string; stderr: string };
async function certdesk(args: string[]): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
  };
  return { code: await run(args, io), stdout, stderr };
}

async function deskLogin(login: string, password: string): Promise<string> {
  const res = await fetch(new URL("/api/auth/login", desk.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login, password }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

beforeAll(async () => {
  const store = await openStore({ kind: "embedded", dataDir: join(scratch, "db") });
  try {
    await seedBundledCalendar(store.db);
    await seedDemo({ db: store.db, clock: fixedClock("2026-11-20T02:00:00Z") });
    const id = await orderAtProduction(store.db, {
      programmeId: "procurement",
      service: "new",
      uscc: USCC_A,
      details: { years: 1 },
    });
    orderNumber = (
      await store.db.selectFrom("orders").select("number").where("id", "=", id).executeTakeFirstOrThrow()
    ).number;
  } finally {
    await store.close();
  }
  desk = await fleet.start({
    store: { kind: "embedded", dataDir: scratch },
    demo: true,
    readyWithinMs: 180_000,
  });
}, 300_000);
afterAll(async () => {
  await fleet.killAll();
  rmSync(scratch, { recursive: true, force: true });
});

describe("certdesk beside the running demo", () => {
  it("without a session, produce says to log in first (the store is the desk's)", async () => {
    const ran = await certdesk(["produce", "--order", orderNumber, "--json"]);
    expect(ran.code).toBe(2);
    expect((JSON.parse(ran.stdout) as { error: { code: string } }).error.code).toBe(
      "cli.desk_login_required",
    );
    const reset = await certdesk(["key", "reset-pin", "--order", orderNumber, "--json"]);
    expect(reset.code).toBe(2);
    expect((JSON.parse(reset.stdout) as { error: { code: string } }).error.code).toBe(
      "cli.desk_login_required",
    );
  });

  it("after certdesk login, produce makes the order's key on the desk, key reset-pin resets it there for an approved unlock order, and ca revoke reaches its CRL", async () => {
    const login = await certdesk([
      "login",
      "--server",
      desk.url,
      "--login",
      "production",
      "--password",
      "production-demo-1",
      "--json",
    ]);
    expect(login.code, login.stdout).toBe(0);
    const file = (JSON.parse(login.stdout) as { file: string }).file;
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const made = await certdesk(["produce", "--order", orderNumber, "--json"]);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const batch = JSON.parse(made.stdout) as {
      state: string;
      keys: { serial: string; certificateSerial: string }[];
    };
    expect(batch.state).toBe("done");
    const serial = batch.keys[0]!.certificateSerial;

    // The key is at the counter, on the desk's station: the desk resets its PIN for an approved
    // unlock order of that key, with the SO PIN it keeps.
    const keySerial = batch.keys[0]!.serial;
    const unordered = await certdesk(["key", "reset-pin", "--json"]);
    expect(unordered.code, unordered.stdout).toBe(2);
    expect((JSON.parse(unordered.stdout) as { error: { code: string } }).error.code).toBe(
      "keys.reset_pin_order_required",
    );
    const notForKey = await certdesk(["key", "reset-pin", "--order", orderNumber, "--json"]);
    expect(notForKey.code, notForKey.stdout).toBe(2);
    expect((JSON.parse(notForKey.stdout) as { error: { code: string } }).error.code).toBe(
      "keys.order_not_for_key",
    );
    const holder = await deskLogin("13800138000", "supplier-demo-1");
    const placed = await fetch(new URL(`/api/keys/${keySerial}/unlock-order`, desk.url), {
      method: "POST",
      headers: { authorization: `Bearer ${holder}` },
    });
    const unlock = (await placed.json()) as { number: string; state: string };
    expect(placed.status, JSON.stringify(unlock)).toBe(200);
    expect(unlock.state).toBe("approved");
    const reset = await certdesk(["key", "reset-pin", "--order", unlock.number, "--json"]);
    expect(reset.code, reset.stdout + reset.stderr).toBe(0);
    expect(JSON.parse(reset.stdout)).toEqual({ serial: keySerial, defaultPin: true });
    expect(reset.stdout).not.toMatch(/so_?pin/i);
    // Done: not twice. A module or token given here is not the desk's station, and it says so.
    const again = await certdesk([
      ...["key", "reset-pin", "--order", unlock.number, "--token-label", "x", "--json", "--lang", "en"],
    ]);
    expect(again.stderr).toContain("resets the PIN of the order's key on its own station");
    expect((JSON.parse(again.stdout) as { error: { code: string } }).error.code).toBe("keys.order_not_ready");

    // Revoking is for reviewers and admins: the production login is refused by the desk.
    const refused = await certdesk(["ca", "revoke", serial, "--reason", "keyCompromise", "--json"]);
    expect(refused.code).toBe(2);
    expect((JSON.parse(refused.stdout) as { error: { code: string } }).error.code).toBe("auth.forbidden");

    expect(
      (await certdesk(["login", "--server", desk.url, "--login", "admin", "--password", "admin-demo-1"]))
        .code,
    ).toBe(0);
    const revoked = await certdesk(["ca", "revoke", serial, "--reason", "keyCompromise", "--json"]);
    expect(revoked.code, revoked.stdout).toBe(0);
    const { caId } = JSON.parse(revoked.stdout) as { caId: string };
    const crl = parseCrl(new Uint8Array(await (await fetch(`${desk.url}/crl/${caId}.crl`)).arrayBuffer()));
    expect(crl.entries.map((e) => normalizeSerial(e.serialNumber))).toContain(normalizeSerial(serial));
  }, 240_000);
});
