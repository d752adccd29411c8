/**
 * certdesk ca on a temporary embedded store (and PostgreSQL when TEST_DATABASE_URL is set), run
 * in-process: init, list, issue from requests made by the OpenSSL CLI, revoke, import a CA made by
 * the OpenSSL CLI (PEM, and PKCS#12 as OpenSSL 3 writes it), and CA keys in SoftHSM2. OpenSSL
 * judges every chain printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, run } from "../src/cli/main.js";
import { hasMessage } from "../src/i18n/catalogue.js";
import { caMessages } from "../src/i18n/messages/ca.js";
import { parseCertificate } from "../src/pki/certificate.js";
import { parseCrl } from "../src/pki/crl.js";
import { pemDecodeAll } from "../src/pki/pem.js";
import { DISTID, openssl } from "./support/pki.js";
import { openStore, type StoreTarget } from "../src/store/database.js";
import { demoProgrammesPath, readProgrammesFile } from "../src/store/programme-files.js";
import { opensslVerifiesChain } from "./support/chain.js";
import { createSoftHsm, type SoftHsm } from "./support/softhsm.js";

type Ran = { code: number; stdout: string; stderr: string };

const scratch = mkdtempSync(join(tmpdir(), "certdesk-cli-ca-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const PASSPHRASE = "cli-test-ca-passphrase";
const USCC = "91310115591693856A";
const ORGANISATION = "上海示例科技有限公司";

function sh(args: string[], cwd = scratch): string {
  const r = openssl(args, cwd);
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.output}`);
  return r.output;
}

/** A key and a PKCS#10 request made by the OpenSSL CLI (SM2: signed with OpenSSL's default, empty, ID). */
function opensslRequest(name: string, algorithm: "rsa" | "ecdsa-p256" | "sm2"): string {
  const key = `${name}.key`;
  if (algorithm === "rsa")
    sh(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key]);
  if (algorithm === "ecdsa-p256")
    sh(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
  if (algorithm === "sm2") sh(["genpkey", "-algorithm", "SM2", "-out", key]);
  const subject = `/C=CN/O=${ORGANISATION}/CN=${ORGANISATION}/serialNumber=${USCC}`;
  sh([
    "req",
    "-new",
    "-key",
    key,
    ...(algorithm === "sm2" ? ["-sm3"] : []),
    "-utf8",
    "-subj",
    subject,
    "-out",
    `${name}.csr`,
  ]);
  return join(scratch, `${name}.csr`);
}

/**
 * An external CA hierarchy made by the OpenSSL CLI: a root and an issuing CA under it, the issuing
 * CA's key as PEM and both in a PKCS#12 file (PBES2, PBKDF2, AES-256-CBC: OpenSSL 3's default).
 */
function opensslCa(name: string, algorithm: "rsa" | "ecdsa-p256" | "sm2") {
  const gen = (key: string) =>
    algorithm === "rsa"
      ? sh(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key])
      : algorithm === "ecdsa-p256"
        ? sh(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key])
        : sh(["genpkey", "-algorithm", "SM2", "-out", key]);
  const sign = algorithm === "sm2" ? ["-sm3", "-sigopt", DISTID] : [];
  writeFileSync(
    join(scratch, `${name}.ext`),
    [
      "[ca]",
      "basicConstraints=critical,CA:TRUE,pathlen:0",
      "keyUsage=critical,keyCertSign,cRLSign",
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid",
      "[leaf]",
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "",
    ].join("\n"),
  );
  gen(`${name}-root.key`);
  sh([
    "req",
    "-x509",
    "-key",
    `${name}-root.key`,
    ...sign,
    "-utf8",
    "-days",
    "3650",
    "-subj",
    `/C=CN/O=外部认证机构/CN=External Root ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    `${name}-root.pem`,
  ]);
  gen(`${name}-sub.key`);
  sh([
    "req",
    "-new",
    "-key",
    `${name}-sub.key`,
    ...sign,
    "-utf8",
    "-subj",
    `/C=CN/O=外部认证机构/CN=External Issuing ${name}`,
    "-out",
    `${name}-sub.csr`,
  ]);
  const signCert = (section: string, out: string) =>
    sh([
      "x509",
      "-req",
      "-in",
      `${name}-sub.csr`,
      "-CA",
      `${name}-root.pem`,
      "-CAkey",
      `${name}-root.key`,
      "-CAcreateserial",
      ...sign,
      ...(algorithm === "sm2" ? ["-vfyopt", DISTID] : []),
      "-days",
      "1825",
      "-extfile",
      `${name}.ext`,
      "-extensions",
      section,
      "-out",
      out,
    ]);
  signCert("ca", `${name}-sub.pem`);
  signCert("leaf", `${name}-leaf.pem`);
  sh([
    "pkcs12",
    "-export",
    "-inkey",
    `${name}-sub.key`,
    "-in",
    `${name}-sub.pem`,
    "-certfile",
    `${name}-root.pem`,
    "-out",
    `${name}.p12`,
    "-passout",
    "pass:p12-password",
  ]);
  const at = (f: string) => join(scratch, f);
  return {
    root: at(`${name}-root.pem`),
    cert: at(`${name}-sub.pem`),
    key: at(`${name}-sub.key`),
    leaf: at(`${name}-leaf.pem`),
    p12: at(`${name}.p12`),
    rootDer: pemDecodeAll(sh(["x509", "-in", `${name}-root.pem`]))[0]!.der,
  };
}

type StoreCase = {
  name: string;
  setUp(): Promise<{ env: Record<string, string>; target: StoreTarget; tearDown(): Promise<void> }>;
};

function embeddedCase(): StoreCase {
  return {
    name: "embedded",
    setUp: async () => {
      const dataDir = mkdtempSync(join(scratch, "store-"));
      return {
        env: { CERTDESK_DATA_DIR: dataDir },
        target: { kind: "embedded", dataDir: join(dataDir, "db") },
        tearDown: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  };
}

const storeCases: StoreCase[] = [embeddedCase()];
const testDatabaseUrl = process.env.TEST_DATABASE_URL;
if (testDatabaseUrl) {
  storeCases.push({
    name: "postgres",
    setUp: async () => {
      const database = `certdesk_cli_ca_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
      const admin = new pg.Client({ connectionString: testDatabaseUrl });
      await admin.connect();
      await admin.query(`create database ${database}`).finally(() => admin.end());
      const url = new URL(testDatabaseUrl);
      url.pathname = `/${database}`;
      return {
        env: { DATABASE_URL: url.toString(), CERTDESK_DATA_DIR: join(scratch, "unused") },
        target: { kind: "postgres", url: url.toString() },
        tearDown: async () => {
          const drop = new pg.Client({ connectionString: testDatabaseUrl });
          await drop.connect();
          await drop.query(`drop database if exists ${database} with (force)`).finally(() => drop.end());
        },
      };
    },
  });
}

function cliOn(env: () => Record<string, string>) {
  return async (...args: string[]): Promise<Ran> => {
    let stdout = "";
    let stderr = "";
    const io: CliIo = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { CERTDESK_CA_PASSPHRASE: PASSPHRASE, ...env() },
    };
    const code = await run(args, io);
    return { code, stdout, stderr };
  };
}

function json<T = Record<string, unknown>>(ran: Ran): T {
  const lines = ran.stdout.trimEnd().split("\n");
  expect(lines, ran.stdout).toHaveLength(1);
  return JSON.parse(lines[0]!) as T;
}

const errorCode = (ran: Ran): string => {
  expect(ran.code).toBe(2);
  return json<{ error: { code: string } }>(ran).error.code;
};

/** The PEM chain `ca issue` printed, as DER: end entity, issuing CA, root. */
const chainOf = (pem: string): Uint8Array[] => pemDecodeAll(pem).map((b) => b.der);

type CaRow = { id: string; algorithm: string; kind: string; active: boolean; keyStorage: string };

describe.each(storeCases)("certdesk ca on a store ($name)", ({ setUp }) => {
  let env: Record<string, string>;
  let target: StoreTarget;
  let tearDown: () => Promise<void> = async () => {};
  const cli = cliOn(() => env);

  beforeAll(async () => {
    ({ env, target, tearDown } = await setUp());
    const [procurement, powerTrading] = readProgrammesFile(demoProgrammesPath);
    const certificates = procurement!.certificates!;
    // The demo programmes issue SM2 and RSA; a third takes P-256 too.
    const allAlgorithms = {
      ...procurement,
      id: "all-algorithms",
      algorithms: ["sm2", "p256", "rsa"],
      certificates: {
        ...certificates,
        algorithms: ["sm2", "p256", "rsa"],
        profiles: certificates.profiles.map((p) =>
          p.usage === "signing" ? { ...p, id: "any-key", algorithms: ["sm2", "p256", "rsa"] } : p,
        ),
        signingProfile: "any-key",
      },
    };
    const file = join(scratch, `programmes-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ programmes: [procurement, powerTrading, allAlgorithms] }));
    expect((await cli("programme", "load", file, "--json")).code).toBe(0);
  });
  afterAll(async () => {
    await tearDown();
  });

  it("ca init makes a root, an issuing CA, an OCSP responder and a timestamp authority per algorithm and a seal maker for SM2 and RSA (never ECDSA); a second run adds nothing", async () => {
    const first = await cli(
      "ca",
      "init",
      "--algorithms",
      "sm2,rsa,ecdsa-p256",
      "--organisation",
      "示例认证中心",
      "--json",
    );
    expect(first.code, first.stdout).toBe(0);
    const { cas } = json<{ cas: CaRow[] }>(first);
    expect(cas).toHaveLength(14);
    expect(new Set(cas.map((c) => c.kind))).toEqual(
      new Set(["root", "issuing", "ocsp-responder", "seal-maker", "tsa"]),
    );
    expect(
      cas
        .filter((c) => c.kind === "seal-maker")
        .map((c) => c.algorithm)
        .sort(),
    ).toEqual(["rsa", "sm2"]);
    expect(cas.every((c) => c.keyStorage === "encrypted" && c.active)).toBe(true);
    const again = json<{ cas: CaRow[] }>(await cli("ca", "init", "--json"));
    expect(again.cas.map((c) => c.id).sort()).toEqual(cas.map((c) => c.id).sort());
    const listed = json<{ cas: CaRow[] }>(await cli("ca", "list", "--json"));
    expect(listed.cas).toHaveLength(14);
    const text = await cli("ca", "list", "--lang", "en");
    expect(text.stdout).toContain("sm2-issuing");
    expect(text.stdout).toContain("示例认证中心 Organisation CA SM2");
    // The passphrase is never printed.
    expect(first.stdout + text.stdout + first.stderr).not.toContain(PASSPHRASE);
  });

  it.each(["rsa", "ecdsa-p256", "sm2"] as const)(
    "ca issue signs an OpenSSL-made %s request and prints the chain (certificate, issuing CA, root) that openssl verify accepts",
    async (algorithm) => {
      const csr = opensslRequest(`req-${algorithm}-${Date.now()}`, algorithm);
      const ran = await cli("ca", "issue", "--profile", "any-key", "--csr", csr, "--days", "30");
      expect(ran.code, ran.stderr).toBe(0);
      const chain = chainOf(ran.stdout);
      expect(chain).toHaveLength(3);
      const verdict = opensslVerifiesChain(chain, algorithm, new Date());
      expect(verdict.ok, verdict.output).toBe(true);
      const ee = parseCertificate(chain[0]!);
      expect(ee.subject).toEqual({ C: "CN", O: ORGANISATION, CN: ORGANISATION, serialNumber: USCC });
      expect(ee.extensions.gmIdentity).toEqual({ organizationCode: USCC });
      expect(ee.keyAlgorithm).toBe(algorithm);
    },
  );

  it("ca issue --json, then ca revoke SERIAL --reason: revoked once, refused the second time", async () => {
    const csr = opensslRequest(`revoke-${Date.now()}`, "sm2");
    const issued = json<{ serial: string; id: string; pem: string; caId: string }>(
      await cli(
        "ca",
        "issue",
        "--profile",
        "organisation-signing",
        "--programme",
        "procurement",
        "--csr",
        csr,
        "--json",
      ),
    );
    expect(issued.caId).toBe("sm2-issuing");
    expect(chainOf(issued.pem)).toHaveLength(3);
    const revoked = await cli(
      "ca",
      "revoke",
      issued.serial.toUpperCase(),
      "--reason",
      "keyCompromise",
      "--json",
    );
    expect(revoked.code, revoked.stdout).toBe(0);
    expect(json(revoked)).toMatchObject({
      serial: issued.serial,
      reason: "keyCompromise",
      caId: "sm2-issuing",
    });
    expect(errorCode(await cli("ca", "revoke", issued.serial, "--reason", "superseded", "--json"))).toBe(
      "revocation.already_revoked",
    );
    expect(errorCode(await cli("ca", "revoke", issued.serial, "--reason", "certificateHold", "--json"))).toBe(
      "cli.invalid_value",
    );
    const store = await openStore(target);
    try {
      const row = await store.db
        .selectFrom("certificates")
        .selectAll()
        .where("id", "=", issued.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: "revoked", revocation_reason: "keyCompromise", order_id: null });
      const audit = await store.db
        .selectFrom("audit_log")
        .select(["action", "actor"])
        .where("subject_id", "=", issued.id)
        .orderBy("seq")
        .execute();
      expect(audit).toEqual([
        { action: "certificate.issue", actor: "system:cli" },
        { action: "certificate.revoke", actor: "system:cli" },
      ]);
      // The CA's CRL was rebuilt at once and lists the serial.
      const latest = await store.db
        .selectFrom("crls")
        .select("der")
        .where("ca_id", "=", row.ca_id!)
        .orderBy("crl_number", "desc")
        .executeTakeFirstOrThrow();
      expect(parseCrl(latest.der).entries.map((e) => e.serialNumber)).toContain(row.serial);
    } finally {
      await store.close();
    }
  });

  it("refuses: a wrong CA passphrase, an ambiguous profile, a request whose signature fails", async () => {
    const csr = opensslRequest(`refuse-${Date.now()}`, "rsa");
    const wrong = await run(["ca", "issue", "--profile", "any-key", "--csr", csr, "--json"], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: { ...env, CERTDESK_CA_PASSPHRASE: "not-the-passphrase-at-all" },
    });
    expect(wrong).toBe(2);
    let out = "";
    await run(["ca", "issue", "--profile", "any-key", "--csr", csr, "--json"], {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => true },
      env: { ...env, CERTDESK_CA_PASSPHRASE: "not-the-passphrase-at-all" },
    });
    expect(JSON.parse(out).error.code).toBe("ca.passphrase_wrong");
    expect(
      errorCode(await cli("ca", "issue", "--profile", "organisation-signing", "--csr", csr, "--json")),
    ).toBe("issuance.profile_ambiguous");
    const broken = join(scratch, `broken-${Date.now()}.csr`);
    const pem = sh(["req", "-in", csr]);
    // Flip one character inside the signature (the last base64 line).
    const lines = pem.trimEnd().split("\n");
    const last = lines.length - 2;
    lines[last] = lines[last]!.replace(/^(.)/, (c) => (c === "A" ? "B" : "A"));
    writeFileSync(broken, lines.join("\n") + "\n");
    expect(errorCode(await cli("ca", "issue", "--profile", "any-key", "--csr", broken, "--json"))).toBe(
      "issuance.proof_of_possession_failed",
    );
  });

  it("ca import (PEM) an OpenSSL-made RSA CA: it becomes the active issuing CA, the previous one is kept but inactive, its key is encrypted at rest", async () => {
    const ext = opensslCa(`rsa-${Date.now()}`, "rsa");
    const imported = await cli("ca", "import", "--cert", ext.cert, "--key", ext.key, "--json");
    expect(imported.code, imported.stdout).toBe(0);
    const ca = json<{ id: string; algorithm: string; replaced: string; issuerId: string | null }>(imported);
    expect(ca).toMatchObject({ algorithm: "rsa", replaced: "rsa-issuing", issuerId: null });
    const { cas } = json<{ cas: CaRow[] }>(await cli("ca", "list", "--json"));
    expect(cas.find((c) => c.id === "rsa-issuing")?.active).toBe(false);
    expect(cas.find((c) => c.id === ca.id)).toMatchObject({
      kind: "issuing",
      active: true,
      keyStorage: "encrypted",
    });

    const csr = opensslRequest(`under-import-${Date.now()}`, "rsa");
    const issued = await cli("ca", "issue", "--profile", "any-key", "--csr", csr);
    expect(issued.code, issued.stderr).toBe(0);
    const chain = chainOf(issued.stdout);
    // The external root is not certdesk's: the chain ends with the imported CA, and OpenSSL checks
    // it against the root the OpenSSL CLI made.
    expect(chain).toHaveLength(2);
    const verdict = opensslVerifiesChain([...chain, ext.rootDer], "rsa", new Date());
    expect(verdict.ok, verdict.output).toBe(true);
    expect(parseCertificate(chain[0]!).extensions.caIssuersUrls?.[0]).toMatch(
      new RegExp(`/ca/${ca.id}\\.crt$`),
    );

    const store = await openStore(target);
    try {
      const row = await store.db
        .selectFrom("cas")
        .select("key")
        .where("id", "=", ca.id)
        .executeTakeFirstOrThrow();
      const key = row.key as { storage: string; ciphertext: string };
      expect(key.storage).toBe("encrypted");
      // The PKCS#8 in clear, as base64: none of it is in the row.
      const clear = sh(["pkey", "-in", ext.key]).split("\n")[1]!;
      expect(clear).toHaveLength(64);
      expect(JSON.stringify(row.key)).not.toContain(clear);
    } finally {
      await store.close();
    }
    expect(errorCode(await cli("ca", "import", "--cert", ext.cert, "--key", ext.key, "--json"))).toBe(
      "ca.import_exists",
    );
  });

  it.each(["ecdsa-p256", "sm2"] as const)(
    "ca import --p12 an OpenSSL 3 PKCS#12 %s CA (PBES2, PBKDF2, AES-256-CBC); certificates issued under it verify",
    async (algorithm) => {
      const ext = opensslCa(`${algorithm}-${Date.now()}`, algorithm);
      expect(
        errorCode(await cli("ca", "import", "--p12", ext.p12, "--password", "wrong-password", "--json")),
      ).toBe("ca.import_password_wrong");
      const imported = await cli("ca", "import", "--p12", ext.p12, "--password", "p12-password", "--json");
      expect(imported.code, imported.stdout).toBe(0);
      expect(json(imported)).toMatchObject({ algorithm, replaced: `${algorithm}-issuing` });
      const csr = opensslRequest(`p12-${algorithm}-${Date.now()}`, algorithm);
      const issued = await cli("ca", "issue", "--profile", "any-key", "--csr", csr);
      expect(issued.code, issued.stderr).toBe(0);
      const verdict = opensslVerifiesChain([...chainOf(issued.stdout), ext.rootDer], algorithm, new Date());
      expect(verdict.ok, verdict.output).toBe(true);
    },
  );

  it("ca import refuses what is not a CA, a key that does not match, and a half-given source", async () => {
    const ext = opensslCa(`refused-${Date.now()}`, "rsa");
    const other = opensslCa(`other-${Date.now()}`, "rsa");
    expect(errorCode(await cli("ca", "import", "--cert", ext.leaf, "--key", ext.key, "--json"))).toBe(
      "ca.import_not_ca",
    );
    expect(errorCode(await cli("ca", "import", "--cert", ext.cert, "--key", other.key, "--json"))).toBe(
      "ca.import_key_mismatch",
    );
    expect(errorCode(await cli("ca", "import", "--cert", ext.cert, "--json"))).toBe("cli.ca.import_source");
  });

  it("ca crl makes the CRLs (the publication's command, wired here)", async () => {
    const ran = await cli("ca", "crl", "--ca", "sm2-issuing", "--json");
    expect(ran.code, ran.stdout).toBe(0);
  });
});

describe("certdesk ca init --hsm: CA keys in SoftHSM2 through PKCS#11", () => {
  let hsm: SoftHsm;
  let env: Record<string, string>;
  const cli = cliOn(() => env);
  const dataDir = mkdtempSync(join(scratch, "hsm-store-"));

  beforeAll(() => {
    hsm = createSoftHsm();
    hsm.createToken({ label: "certdesk-ca", soPin: "so-12345678", pin: "ca-pin-1234" });
    env = {
      CERTDESK_DATA_DIR: dataDir,
      CERTDESK_HSM_MODULE: hsm.modulePath,
      CERTDESK_HSM_TOKEN: "certdesk-ca",
      CERTDESK_HSM_PIN: "ca-pin-1234",
    };
  });
  afterAll(() => hsm?.remove());

  it("without CERTDESK_HSM_* configured, --hsm is refused", async () => {
    const bare = cliOn(() => ({ CERTDESK_DATA_DIR: dataDir }));
    expect(errorCode(await bare("ca", "init", "--hsm", "--json"))).toBe("ca.hsm_not_configured");
  });

  it("makes RSA and P-256 CA keys on the token (SM2 is refused there) and issues with them", async () => {
    expect(errorCode(await cli("ca", "init", "--hsm", "--algorithms", "sm2", "--json"))).toBe(
      "ca.hsm_algorithm_unsupported",
    );
    const ran = await cli("ca", "init", "--hsm", "--json");
    expect(ran.code, ran.stdout).toBe(0);
    const { cas } = json<{ cas: CaRow[] }>(ran);
    // RSA: root, issuing, OCSP, TSA, seal maker; P-256: root, issuing, OCSP, TSA.
    expect(cas).toHaveLength(9);
    expect(cas.every((c) => c.keyStorage === "pkcs11")).toBe(true);
    const objects = hsm.pkcs11Tool([
      "--token-label",
      "certdesk-ca",
      "--login",
      "--pin",
      "ca-pin-1234",
      "--list-objects",
      "--type",
      "privkey",
    ]);
    expect(objects.output).toContain("rsa-issuing");
    expect(objects.output).toContain("ecdsa-p256-root");

    expect((await cli("programme", "load", demoProgrammesPath, "--json")).code).toBe(0);
    const csr = opensslRequest(`hsm-${Date.now()}`, "rsa");
    const issued = await cli(
      "ca",
      "issue",
      "--profile",
      "organisation-signing",
      "--programme",
      "procurement",
      "--csr",
      csr,
    );
    expect(issued.code, issued.stderr).toBe(0);
    const verdict = opensslVerifiesChain(chainOf(issued.stdout), "rsa", new Date());
    expect(verdict.ok, verdict.output).toBe(true);
  });
});

describe("certdesk ca messages", () => {
  it("every code has zh-CN and en with the same placeholders, and is in the one catalogue", () => {
    const names = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [code, message] of Object.entries(caMessages)) {
      expect(code).toMatch(/^(issuance|revocation|ca|cli\.ca|cli\.help\.ca)(\.|$)/);
      expect(names(message["zh-CN"]), code).toEqual(names(message.en));
      expect(hasMessage(code)).toBe(true);
    }
  });
});
