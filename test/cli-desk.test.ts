/**
 * The CLI beside the running demo on the embedded store, which admits one process: without a
 * session it says how to get one; after `certdesk login` (a session file only its owner may read)
 * produce, key reset-pin and ca revoke go through the desk's API: the desk resets the PIN of the key
 * it made on its own station for an approved unlock order only, and the revocation is in its CRL.
 * Reading goes through it too: quote (public, no session), ca list and seal verify's trusted CAs.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
const ofdrwSeal = fileURLToPath(new URL("../../shared/fixtures/external/ofdrw/UserV4.esl", import.meta.url));
const env = { CERTDESK_DATA_DIR: scratch };
const fleet = serverFleet();
let desk: ServerProcess;
let orderNumber = "";

type Ran = { code: number; stdout: string; stderr: string };
async function certdesk(args: string[], environment: Record<string, string> = env): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: environment,
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
  it("quote goes through the desk without a session and prints what it prints without a desk; ca list and seal verify's default trust want one", async () => {
    const args = ["quote", "--programme", "procurement", "--service", "new", "--years", "2"];
    const priced = await certdesk([...args, "--json"]);
    expect(priced.code, priced.stdout + priced.stderr).toBe(0);
    const quote = JSON.parse(priced.stdout) as {
      total: number;
      currency: string;
      items: { amount: number }[];
    };
    expect(quote.currency).toBe("CNY");
    expect(quote.items.length).toBeGreaterThan(0);
    expect(quote.total).toBe(quote.items.reduce((sum, i) => sum + i.amount, 0));
    const text = await certdesk([...args, "--lang", "en"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Total: CNY/);
    // The same answer, word for word, as the CLI gives on the demo programmes without any desk.
    const noDesk = { CERTDESK_DATA_DIR: join(scratch, "no-desk") };
    expect((await certdesk([...args, "--json"], noDesk)).stdout).toBe(priced.stdout);
    expect((await certdesk([...args, "--lang", "en"], noDesk)).stdout).toBe(text.stdout);
    // Not the folder's refusal: an unknown programme is the desk's own answer.
    const unknown = await certdesk(["quote", "--programme", "nope", "--service", "new", "--json"]);
    expect((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code).toBe(
      "programme.not_found",
    );

    for (const command of [
      ["ca", "list"],
      ["seal", "verify", ofdrwSeal],
    ]) {
      const ran = await certdesk([...command, "--json"]);
      expect(ran.code, ran.stdout).toBe(2);
      expect((JSON.parse(ran.stdout) as { error: { code: string } }).error.code).toBe(
        "cli.desk_login_required",
      );
    }
  });

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

  it("with a session, ca list and seal verify's trust (the desk's own CA certificates) go through the desk", async () => {
    expect(
      (await certdesk(["login", "--server", desk.url, "--login", "admin", "--password", "admin-demo-1"]))
        .code,
    ).toBe(0);
    const listed = await certdesk(["ca", "list", "--json"]);
    expect(listed.code, listed.stdout + listed.stderr).toBe(0);
    const { cas } = JSON.parse(listed.stdout) as { cas: { id: string; kind: string; subject: string }[] };
    expect(cas.map((c) => c.kind)).toContain("root");
    expect(Object.keys(cas[0]!).sort()).toEqual([
      "active",
      "algorithm",
      "id",
      "issuerId",
      "keyStorage",
      "kind",
      "notAfter",
      "notBefore",
      "serial",
      "subject",
    ]);
    const table = await certdesk(["ca", "list", "--lang", "en"]);
    expect(table.code).toBe(0);
    expect(table.stdout.trimEnd().split("\n")).toHaveLength(cas.length);
    expect(table.stdout).toContain(cas[0]!.id);

    // ofdrw's seal is not made under the desk's CAs: its maker's chain is untrusted, by name.
    const verified = await certdesk(["seal", "verify", ofdrwSeal, "--at", "2021-06-01T00:00:00Z", "--json"]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(1);
    const v = JSON.parse(verified.stdout) as {
      trust: { source: string; certificates: number };
      checks: { name: string; status: string; code: string }[];
    };
    expect(v.trust).toEqual({ source: "desk", certificates: cas.length });
    expect(v.checks).toContainEqual(
      expect.objectContaining({ name: "makerChain", status: "fail", code: "chain.issuer_unknown" }),
    );
  }, 120_000);
});
