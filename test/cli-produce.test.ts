/**
 * certdesk produce and certdesk key reset-pin, in-process on a temporary embedded store, and the
 * security client on the PKCS#11 key they make (SoftHSM2): a progress bar on a terminal, a line per
 * key otherwise, one JSON object with --json; a finished batch run again issues nothing; the client
 * lists and shows the token, changes its PIN, signs a detached CMS that `openssl cms -verify`
 * accepts, and refuses a remote unlock with the service-centre message; the service centre resets
 * the PIN with the SO PIN from the store.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../src/domain/clock.js";
import { run, type CliIo } from "../src/cli/main.js";
import { openssl } from "./support/pki.js";
import { systemActor } from "../src/people/actor.js";
import { CA_ALGORITHMS, initCas, publicationUrls } from "../src/ca/ca.js";
import { seedBundledCalendar } from "../src/desk/calendar.js";
import { seedDemo } from "../src/desk/demo.js";
import { openStore, type Store } from "../src/store/database.js";
import { clientHarness } from "./support/client.js";
import { orderAtProduction, USCC_A, USCC_B } from "./support/production.js";
import { createSoftHsm, type SoftHsm } from "./support/softhsm.js";

const scratch = mkdtempSync(join(tmpdir(), "certdesk-cli-produce-"));
const PASSPHRASE = "cli-produce-ca-passphrase";
const env = { CERTDESK_DATA_DIR: scratch, CERTDESK_CA_PASSPHRASE: PASSPHRASE };

type Ran = { code: number; stdout: string; stderr: string };
async function certdesk(args: string[], tty = false): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: Object.assign({ write: (t: string) => (stderr += t) }, tty ? { isTTY: true } : {}),
    env,
  };
  return { code: await run(args, io), stdout, stderr };
}

async function withTestStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ kind: "embedded", dataDir: join(scratch, "db") });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

let hsm: SoftHsm;
const orders: Record<string, { id: string; number: string }> = {};

beforeAll(async () => {
  hsm = createSoftHsm();
  await withTestStore(async (store) => {
    const clock = fixedClock("2026-11-20T02:00:00Z");
    await seedBundledCalendar(store.db);
    await seedDemo({ db: store.db, clock });
    await initCas({ db: store.db, clock }, systemActor("test"), {
      algorithms: CA_ALGORITHMS,
      organisation: "certdesk 制证测试",
      passphrase: PASSPHRASE,
      urls: publicationUrls("http://127.0.0.1:8080"),
      prefix: "demo",
    });
    for (const [name, input] of [
      [
        "b",
        {
          programmeId: "power-trading",
          service: "new",
          uscc: USCC_B,
          details: { years: 3, keys: 2, plan: "basic" },
        },
      ],
      [
        "b2",
        {
          programmeId: "power-trading",
          service: "new",
          uscc: USCC_B,
          details: { years: 1, keys: 1, plan: "basic" },
        },
      ],
      ["a", { programmeId: "procurement", service: "new", uscc: USCC_A, details: { years: 1 } }],
    ] as const) {
      const id = await orderAtProduction(store.db, input);
      const { number } = await store.db
        .selectFrom("orders")
        .select("number")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      orders[name] = { id, number };
    }
  });
}, 180_000);
afterAll(() => {
  hsm?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe("certdesk produce", () => {
  it("makes the 2 keys of a programme B order by its number, with one JSON object; run again it issues nothing", async () => {
    const station = join(scratch, "station");
    const ran = await certdesk([
      "produce",
      "--order",
      orders.b!.number,
      "--station",
      `software:${station}`,
      "--json",
    ]);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const batch = JSON.parse(ran.stdout) as {
      id: string;
      state: string;
      done: number;
      keys: { step: string; certificateSerial: string }[];
    };
    expect(batch).toMatchObject({ state: "done", done: 2 });
    expect(batch.keys.map((k) => k.step)).toEqual(["recorded", "recorded"]);
    expect(readdirSync(station).filter((f) => f.endsWith(".certdesk-key"))).toHaveLength(2);
    const again = await certdesk([
      "produce",
      "--batch",
      batch.id,
      "--station",
      `software:${station}`,
      "--json",
    ]);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: "done", done: 2 });
    await withTestStore(async (store) => {
      const certs = await store.db
        .selectFrom("certificates")
        .select("serial")
        .where("order_id", "=", orders.b!.id)
        .execute();
      expect(certs.map((c) => c.serial).sort()).toEqual(batch.keys.map((k) => k.certificateSerial).sort());
      const order = await store.db
        .selectFrom("orders")
        .select("state")
        .where("id", "=", orders.b!.id)
        .executeTakeFirstOrThrow();
      expect(order.state).toBe("produced");
    });
  }, 120_000);

  it("shows a progress bar on a terminal, a line per key otherwise; usage errors exit 2", async () => {
    const station = `software:${join(scratch, "station-2")}`;
    const tty = await certdesk(["produce", "--order", orders.b2!.id, "--station", station], true);
    expect(tty.code, tty.stderr).toBe(0);
    expect(tty.stderr).toMatch(/\r\[#{24}\] 1\/1 {2}\S+-1 {2}recorded/);
    expect(tty.stdout).toContain("已完成 1/1 把钥匙");
    const neither = await certdesk(["produce", "--json"]);
    expect(neither.code).toBe(2);
    expect(JSON.parse(neither.stdout).error.code).toBe("cli.produce.order_or_batch");
    const noStation = await certdesk([
      "produce",
      "--order",
      orders.a!.number,
      "--station",
      "usb:x",
      "--json",
    ]);
    expect(JSON.parse(noStation.stdout).error.code).toBe("production.station_invalid");
  }, 120_000);

  it("on SoftHSM2: the client lists the token, changes the PIN, signs CMS that openssl verifies, refuses a remote unlock; the centre resets the PIN", async () => {
    const plain = await certdesk([
      "produce",
      "--order",
      orders.a!.number,
      "--station",
      `pkcs11:${hsm.modulePath}`,
      "--lang",
      "en",
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^1\/1 \S+-1 done$/m);
    const label = `${orders.a!.number}-1`;

    const client = clientHarness({
      CERTDESK_CLIENT_HOME: join(scratch, "client-home"),
      CERTDESK_PKCS11_MODULE: hsm.modulePath,
    });
    const listed = await client("list", "--json");
    expect(listed.code, listed.stdout + listed.stderr).toBe(0);
    const keys = listed.json<{
      keys: { label: string; kind: string; defaultPin: boolean; certificates: unknown[] }[];
    }>().keys;
    const made = keys.find((k) => k.label === label)!;
    expect(made).toMatchObject({ kind: "pkcs11", defaultPin: true });
    expect(made.certificates).toHaveLength(1);
    expect(keys.some((k) => k.label === "")).toBe(true); // SoftHSM2's next free token

    const byLabel = ["--token-label", label];
    expect((await client(...byLabel, "change-pin", "--pin", "12345678", "--new-pin", "20261120")).code).toBe(
      0,
    );
    const shown = await client(...byLabel, "show", "--lang", "en");
    expect(shown.stdout).toContain("PIN: usable, tries left unknown");
    expect(shown.stdout).not.toContain("factory default PIN");

    const file = join(scratch, "contract.txt");
    writeFileSync(file, "purchase contract\n");
    const signed = await client(...byLabel, "sign", file, "--pin", "20261120", "--out", `${file}.p7s`);
    expect(signed.code, signed.stderr).toBe(0);
    const cert = join(scratch, "signer.pem");
    const info = await client(...byLabel, "show", "--json");
    expect(info.code).toBe(0);
    const { pemEncode } = await import("../src/pki/pem.js");
    const { Pkcs11UsbKey } = await import("../src/token/pkcs11-key.js");
    const token = Pkcs11UsbKey.open(hsm.modulePath, { label });
    const [onToken] = await token.certificates();
    await token.close();
    writeFileSync(cert, pemEncode("CERTIFICATE", onToken!.der));
    const verified = openssl(
      [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        `${file}.p7s`,
        "-content",
        file,
        "-certfile",
        cert,
        "-noverify",
        "-out",
        "/dev/null",
      ],
      scratch,
    );
    expect(verified.output, verified.output).toContain("Verification successful");

    const unlock = await client(
      ...byLabel,
      "--server",
      "http://127.0.0.1:9",
      "--token",
      "x",
      "unlock",
      "--lang",
      "en",
    );
    expect(unlock.code).toBe(2);
    expect(unlock.stderr).toContain("cannot be unblocked remotely");
    const format = await client(
      ...byLabel,
      ...["--server", "http://127.0.0.1:9", "--token", "x", "format", "--yes", "--lang", "en"],
    );
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("cannot be formatted remotely");
    expect(format.stderr).not.toContain("unblocked");

    // The centre resets a PIN only for an approved unlock order of this key.
    const resetPin = (...more: string[]) =>
      certdesk(["key", "reset-pin", "--pkcs11-module", hsm.modulePath, "--token-label", label, ...more]);
    const unordered = await resetPin("--json");
    expect(unordered.code, unordered.stdout).toBe(2);
    expect(JSON.parse(unordered.stdout).error.code).toBe("keys.reset_pin_order_required");
    const unorderedText = await resetPin("--lang", "en");
    expect(unorderedText.stderr).toContain("approved unlock or PIN reset order");
    const unlockOrder = await withTestStore(async (store) => {
      const key = await store.db
        .selectFrom("usb_keys")
        .select("certificate_id")
        .where("label", "=", label)
        .executeTakeFirstOrThrow();
      const id = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "unlock",
        uscc: USCC_A,
        details: { certificateId: key.certificate_id! },
      });
      return store.db
        .selectFrom("orders")
        .select(["id", "number", "state"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
    });
    expect(unlockOrder.state).toBe("submitted");
    const unapproved = await resetPin("--order", unlockOrder.number, "--json");
    expect(unapproved.code, unapproved.stdout).toBe(2);
    expect(JSON.parse(unapproved.stdout).error.code).toBe("keys.order_not_ready");
    // Refused, the token keeps the holder's PIN.
    const still = hsm.pkcs11Tool(["--token-label", label, "--login", "--pin", "20261120", "--list-objects"]);
    expect(still.code, still.output).toBe(0);
    await withTestStore((store) =>
      store.db.updateTable("orders").set({ state: "approved" }).where("id", "=", unlockOrder.id).execute(),
    );

    const reset = await resetPin("--order", unlockOrder.number, "--json");
    expect(reset.code, reset.stdout).toBe(0);
    expect(JSON.parse(reset.stdout)).toMatchObject({ defaultPin: true });
    const login = hsm.pkcs11Tool(["--token-label", label, "--login", "--pin", "12345678", "--list-objects"]);
    expect(login.code, login.output).toBe(0);
    await withTestStore(async (store) => {
      const audit = await store.db
        .selectFrom("audit_log")
        .select("action")
        .where("action", "=", "key.reset_pin")
        .execute();
      expect(audit).toHaveLength(1);
    });
  }, 120_000);
});
