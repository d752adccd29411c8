/**
 * The CLI beside the running demo on the embedded store, which admits one process: without a
 * session it says how to get one; after `certdesk login` (a session file only its owner may read)
 * produce and ca revoke go through the desk's API, and the revocation is in the desk's CRL.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type CliIo } from "../src/cli/main.js";
import { fixedClock } from "../src/domain/clock.js";
import { parseCrl } from "../src/pki/crl.js";
import { normalizeSerial } from "../src/pki/serial.js";
import { seedBundledCalendar } from "../src/services/calendar.js";
import { seedDemo } from "../src/services/demo.js";
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
  });

  it("after certdesk login, produce makes the order's key on the desk and ca revoke reaches its CRL", async () => {
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
    const batch = JSON.parse(made.stdout) as { state: string; keys: { certificateSerial: string }[] };
    expect(batch.state).toBe("done");
    const serial = batch.keys[0]!.certificateSerial;

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
