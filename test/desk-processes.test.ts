/**
 * One desk, many processes (issue #17), on one embedded store: the admin CLI and a desk started
 * after it act as one CA. A reissue made with `certdesk produce` puts the lost certificate on the
 * CRL at once; a revocation that no process published (its process died after the commit) is on
 * the CRL within seconds of the next desk start; certificates the CLI issues carry the desk's
 * URLs from the store, and a CLI or desk whose environment names other URLs is refused, naming both.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type CliIo } from "../src/cli/main.js";
import { loadConfig } from "../src/config.js";
import { fixedClock, systemClock } from "../src/domain/clock.js";
import { isDomainError } from "../src/domain/errors.js";
import { startCertdesk } from "../src/main.js";
import { parseCertificate } from "../src/pki/certificate.js";
import { buildCsr } from "../src/pki/csr.js";
import { parseCrl } from "../src/pki/crl.js";
import { pemEncode } from "../src/pki/pem.js";
import { normalizeSerial } from "../src/pki/serial.js";
import { generateSoftwareKey } from "../src/pki/signer.js";
import { systemActor } from "../src/people/actor.js";
import { CA_ALGORITHMS, initCas, publicationUrls } from "../src/ca/ca.js";
import { seedBundledCalendar } from "../src/desk/calendar.js";
import { seedDemo } from "../src/desk/demo.js";
import { latestCrl } from "../src/ca/crls.js";
import { revokeInTx } from "../src/ca/revocation.js";
import { openStore, type Store } from "../src/store/database.js";
import { orderAtProduction, ORGANISATION_A, USCC_A } from "./support/production.js";
import { writeFileSync } from "node:fs";

const scratch = mkdtempSync(join(tmpdir(), "certdesk-desk-processes-"));
const PASSPHRASE = "desk-processes-ca-passphrase";
/** The desk's public address, where its first start (here: the CAs' creation) put it. */
const DESK_URL = "https://desk.example.test";
const env: Record<string, string> = { CERTDESK_DATA_DIR: scratch, CERTDESK_CA_PASSPHRASE: PASSPHRASE };

type Ran = { code: number; stdout: string; stderr: string };
async function certdesk(args: string[], extraEnv: Record<string, string> = {}): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { ...env, ...extraEnv },
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

async function orderNumber(store: Store, id: string): Promise<string> {
  return (await store.db.selectFrom("orders").select("number").where("id", "=", id).executeTakeFirstOrThrow())
    .number;
}

/** The serials on the newest stored CRL of the CA. */
async function crlSerials(store: Store, caId: string): Promise<string[]> {
  const crl = await latestCrl(store.db, caId);
  return crl ? parseCrl(crl.der).entries.map((e) => normalizeSerial(e.serialNumber)) : [];
}

async function certificateRow(store: Store, id: string) {
  return store.db
    .selectFrom("certificates")
    .select(["id", "serial", "ca_id", "not_after"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

let station = "";

beforeAll(async () => {
  station = `software:${join(scratch, "station")}`;
  await withTestStore(async (store) => {
    const clock = fixedClock("2026-11-20T02:00:00Z");
    await seedBundledCalendar(store.db);
    await seedDemo({ db: store.db, clock });
    await initCas({ db: store.db, clock }, systemActor("test"), {
      algorithms: CA_ALGORITHMS,
      organisation: "certdesk 多进程测试",
      passphrase: PASSPHRASE,
      urls: publicationUrls(DESK_URL),
      prefix: "demo",
    });
  });
  // The desk's first start writes its settings to the store: its public URL above.
  const running = await startCertdesk(
    loadConfig({ ...env, PORT: "0", CERTDESK_PUBLIC_URL: DESK_URL, CERTDESK_LOG_LEVEL: "silent" }),
  );
  await running.stop();
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("certdesk produce and the CRL", () => {
  it("a reissue made with certdesk produce puts the lost certificate on its CA's CRL at once", async () => {
    const first = await withTestStore(async (store) =>
      orderNumber(
        store,
        await orderAtProduction(store.db, {
          programmeId: "procurement",
          service: "new",
          uscc: USCC_A,
          details: { years: 1 },
        }),
      ),
    );
    const made = await certdesk(["produce", "--order", first, "--station", station, "--json"]);
    expect(made.code, made.stderr + made.stdout).toBe(0);
    const lostId = await withTestStore(async (store) => {
      const order = await store.db
        .selectFrom("orders")
        .select("certificate_id")
        .where("number", "=", first)
        .executeTakeFirstOrThrow();
      return order.certificate_id!;
    });
    const { reissue, lost } = await withTestStore(async (store) => {
      const lost = await certificateRow(store, lostId);
      const id = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "reissue",
        uscc: USCC_A,
        details: { certificateId: lost.id, validityEnd: lost.not_after.toISOString() },
      });
      return { reissue: await orderNumber(store, id), lost };
    });

    const ran = await certdesk(["produce", "--order", reissue, "--station", station, "--json"]);
    expect(ran.code, ran.stderr + ran.stdout).toBe(0);
    await withTestStore(async (store) => {
      const row = await store.db
        .selectFrom("certificates")
        .select("status")
        .where("id", "=", lost.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe("revoked");
      expect(await crlSerials(store, lost.ca_id!)).toContain(normalizeSerial(lost.serial));
    });
  }, 240_000);

  it("a revocation nobody published (its process died after the commit) is on the CRL within seconds of the next desk start", async () => {
    const { caId, serial } = await withTestStore(async (store) => {
      const ready = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "new",
        uscc: USCC_A,
        details: { years: 1 },
      });
      return { ready: await orderNumber(store, ready) };
    }).then(async ({ ready }) => {
      const made = await certdesk(["produce", "--order", ready, "--station", station, "--json"]);
      expect(made.code, made.stderr + made.stdout).toBe(0);
      const serial = (JSON.parse(made.stdout) as { keys: { certificateSerial: string }[] }).keys[0]!
        .certificateSerial;
      return withTestStore(async (store) => {
        const cert = await store.db
          .selectFrom("certificates")
          .select(["id", "ca_id", "serial"])
          .where("serial", "=", normalizeSerial(serial))
          .executeTakeFirstOrThrow();
        // Revoked and committed, and then nothing: as if the revoking process was killed.
        await store.db.transaction().execute((tx) =>
          revokeInTx(tx, { clock: systemClock }, systemActor("test"), {
            certificate: { certificateId: cert.id },
            reason: "keyCompromise",
            ifRevoked: "refuse",
          }),
        );
        return { caId: cert.ca_id!, serial: cert.serial };
      });
    });

    const running = await startCertdesk(loadConfig({ ...env, PORT: "0", CERTDESK_LOG_LEVEL: "silent" }));
    try {
      const deadline = Date.now() + 20_000;
      let serials: string[] = [];
      while (Date.now() < deadline) {
        const res = await fetch(`${running.url}/crl/${caId}.crl`);
        serials = parseCrl(new Uint8Array(await res.arrayBuffer())).entries.map((e) =>
          normalizeSerial(e.serialNumber),
        );
        if (serials.includes(normalizeSerial(serial))) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(serials).toContain(normalizeSerial(serial));
    } finally {
      await running.stop();
    }
  }, 240_000);
});

describe("the CA's URLs come from the store", () => {
  let csrFile = "";
  beforeAll(async () => {
    const key = generateSoftwareKey("sm2");
    const csr = await buildCsr({
      subject: { C: "CN", O: ORGANISATION_A, CN: ORGANISATION_A, serialNumber: USCC_A },
      signer: key.signer,
    });
    csrFile = join(scratch, "url.csr");
    writeFileSync(csrFile, pemEncode("CERTIFICATE REQUEST", csr));
  });

  const issue = (extraEnv: Record<string, string> = {}) =>
    certdesk(
      [
        "ca",
        "issue",
        "--profile",
        "organisation-signing",
        "--programme",
        "procurement",
        "--csr",
        csrFile,
        "--json",
      ],
      extraEnv,
    );

  it("ca issue without URL settings writes the desk's OCSP, CRL and CA-certificate URLs, not the CLI's default", async () => {
    const ran = await issue();
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const { pem } = JSON.parse(ran.stdout) as { pem: string };
    const ext = parseCertificate(pem.split(/(?=-----BEGIN)/)[0]!).extensions;
    expect(ext.crlDistributionPoints).toEqual([`${DESK_URL}/crl/demo-sm2-issuing.crl`]);
    expect(ext.ocspUrls).toEqual([`${DESK_URL}/ocsp`]);
    expect(ext.caIssuersUrls).toEqual([`${DESK_URL}/ca/demo-sm2-issuing.crt`]);
  }, 120_000);

  it("ca issue with a CERTDESK_PUBLIC_URL other than the store's is refused, naming both values, in Chinese and English", async () => {
    const zh = await issue({ CERTDESK_PUBLIC_URL: "http://127.0.0.1:8080" });
    expect(zh.code).toBe(2);
    const zhError = (JSON.parse(zh.stdout) as { error: { code: string; message: string } }).error;
    expect(zhError.code).toBe("settings.conflict");
    expect(zhError.message).toContain("CERTDESK_PUBLIC_URL");
    expect(zhError.message).toContain(DESK_URL);
    expect(zhError.message).toContain("http://127.0.0.1:8080");
    expect(zhError.message).toMatch(/数据库/);
    const en = await certdesk(
      ["ca", "issue", "--profile", "organisation-signing", "--csr", csrFile, "--lang", "en", "--json"],
      { CERTDESK_OCSP_URL: "http://ocsp.elsewhere.test/" },
    );
    expect(en.code).toBe(2);
    const error = (JSON.parse(en.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("settings.conflict");
    expect(error.message).toContain("http://ocsp.elsewhere.test/");
    expect(error.message).toContain(`${DESK_URL}/ocsp`);
    expect(error.message).toMatch(/database/);
  }, 120_000);

  it("a desk started with another CERTDESK_PUBLIC_URL is refused with the same message", async () => {
    let code = "started";
    try {
      const running = await startCertdesk(
        loadConfig({
          ...env,
          PORT: "0",
          CERTDESK_PUBLIC_URL: "https://other.example.test",
          CERTDESK_LOG_LEVEL: "silent",
        }),
      );
      await running.stop();
    } catch (e) {
      code = isDomainError(e) ? e.code : String(e);
    }
    expect(code).toBe("settings.conflict");
  }, 120_000);
});
