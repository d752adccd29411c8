/**
 * The demo procurement platform (examples/procurement-platform) against a desk on a real port:
 * binding through its API, key login checked locally with the SDK (signature, chain, OCSP), and
 * the certificate as a TLS client certificate with stock curl and openssl s_client. After a
 * revocation, neither way logs in once the platform's OCSP freshness window (1 s here) has passed,
 * and the webhooks tell the platform the account lost its certificate.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcurementPlatform, type RunningPlatform } from "../examples/procurement-platform/platform.js";
import { buildCsr } from "../src/pki/csr.js";
import { pemEncode } from "../src/pki/pem.js";
import { generateSoftwareKey, type Signer } from "../src/pki/signer.js";
import { deliverWebhooks } from "../src/platforms/webhooks.js";
import { CaRegistry } from "../src/ca/ca.js";
import { activateCertificate, finishProduction } from "../src/orders/fulfilment.js";
import { Publication } from "../src/ca/publication.js";
import { revokeCertificate } from "../src/ca/revocation.js";
import { loginMessage } from "../src/token/protocol.js";
import { DEMO, startTestApp, TEST_CA_PASSPHRASE, type TestApp } from "./support/app.js";
import { applicantActor, orderAtProduction, staffActor, USCC_A } from "./support/production.js";
import { testStores } from "./support/stores.js";

const SECRET_KEY = "test-platform-secret-key-0000000000000000";
const haveTools =
  spawnSync("curl", ["--version"]).status === 0 && spawnSync("openssl", ["version"]).status === 0;
if (!haveTools)
  console.log(
    "platform-demo: curl or openssl missing (apt-get install curl openssl); the TLS test is skipped",
  );

const kind = testStores[0]!;

function run(
  command: string,
  args: string[],
  input = "",
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout, stderr, code }));
    child.stdin.end(input);
  });
}

describe("the demo procurement platform", () => {
  let store: Awaited<ReturnType<typeof kind.open>>;
  let t: TestApp;
  let platform: RunningPlatform;
  let dir: string;
  let cert: { id: string; serial: string; der: Uint8Array; signer: Signer; keyPem: string };
  let webhookDeps: Parameters<typeof deliverWebhooks>[0];

  beforeAll(async () => {
    store = await kind.open();
    dir = mkdtempSync(join(tmpdir(), "certdesk-platform-demo-"));
    const holder: { t?: TestApp } = {};
    const publication = new Publication({
      db: store.db,
      clock: { now: () => holder.t!.clock.now() },
      cas: new CaRegistry(store.db, { passphrase: TEST_CA_PASSPHRASE }),
      settings: { crlValidityHours: 24, crlRefreshMinutes: 60, ocspValidityMinutes: 60 },
    });
    // The desk's clock is now: the platform checks certificates and OCSP answers by the real time.
    t = await startTestApp(store, new Date().toISOString(), {
      publication,
      platforms: { secretKey: SECRET_KEY },
    });
    holder.t = t;
    const url = await t.app.listen({ host: "127.0.0.1", port: 0 });
    webhookDeps = { db: store.db, clock: t.clock, secretKey: SECRET_KEY };
    const admin = await t.as(...DEMO.admin);
    const res = await admin({
      method: "POST",
      url: "/api/platforms",
      payload: { id: "procurement-demo", programmeId: "procurement", name: "示例采购平台" },
    });
    const { credential } = res.json<{ credential: { keyId: string; secret: string } }>();
    platform = await startProcurementPlatform({
      certdeskUrl: url,
      ...credential,
      dataDir: join(dir, "platform"),
      port: 0,
      tlsPort: 0,
      loginMode: "local",
      ocspMaxAgeSeconds: 1,
    });
    await admin({
      method: "PATCH",
      url: "/api/platforms/procurement-demo",
      payload: { webhookUrl: `${platform.url}/webhooks` },
    });

    // A programme A certificate on an RSA key the test holds (the key a USB key would keep).
    const key = generateSoftwareKey("rsa");
    const csr = pemEncode(
      "CERTIFICATE REQUEST",
      await buildCsr({ subject: { CN: "x" }, signer: key.signer }),
    );
    const orderId = await orderAtProduction(store.db, {
      programmeId: "procurement",
      service: "new",
      uscc: USCC_A,
      details: { years: 1 },
    });
    const done = await finishProduction(t.deps, await staffActor(store.db, "production"), orderId, [{ csr }]);
    const issued = done.certificates[0]!;
    await activateCertificate(t.deps, await applicantActor(store.db, USCC_A), issued.id);
    const row = await store.db
      .selectFrom("certificates")
      .select("der")
      .where("id", "=", issued.id)
      .executeTakeFirstOrThrow();
    cert = {
      id: issued.id,
      serial: issued.serial,
      der: row.der!,
      signer: key.signer,
      keyPem: key.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    };
  }, 120_000);
  afterAll(async () => {
    await platform?.close();
    await t?.close();
    await store?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A browser session on the platform: a cookie jar of one. */
  function session() {
    let cookie = "";
    return async (path: string, body?: unknown) => {
      const res = await fetch(platform.url + path, {
        method: body === undefined ? "GET" : "POST",
        headers: { "content-type": "application/json", cookie },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const set = res.headers.get("set-cookie");
      if (set) cookie = set.split(";")[0]!;
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
  }

  async function signedBy(challenge: string) {
    const signature = await cert.signer.sign(loginMessage({ origin: platform.url, challenge }));
    return {
      challenge,
      certificate: Buffer.from(cert.der).toString("base64"),
      signature: Buffer.from(signature).toString("base64"),
    };
  }

  it("a supplier signed in with its password binds the certificate, then logs in with the key (checked locally, OCSP included)", async () => {
    const supplier = session();
    expect(
      (await supplier("/api/login/password", { account: "supplier-001", password: "wrong" })).status,
    ).toBe(401);
    expect(
      (await supplier("/api/login/password", { account: "supplier-001", password: "bid-demo-1" })).status,
    ).toBe(200);
    const { body: bindChallenge } = await supplier("/api/challenge", { purpose: "bind" });
    const bound = await supplier("/api/bind", await signedBy(String(bindChallenge.challenge)));
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    expect(bound.body.boundSerial).toBe(cert.serial);

    const visitor = session();
    const { body: loginChallenge } = await visitor("/api/challenge", { purpose: "login" });
    const answer = await signedBy(String(loginChallenge.challenge));
    const login = await visitor("/api/login/key", answer);
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body).toMatchObject({ account: "supplier-001", boundSerial: cert.serial });
    expect((await visitor("/api/me")).body).toMatchObject({ account: "supplier-001", method: "key" });
    // The same signed answer again: the platform's challenge was used once.
    const replay = await session()("/api/login/key", answer);
    expect(replay).toMatchObject({ status: 403, body: { code: "challenge_unknown" } });
  });

  it.skipIf(!haveTools)(
    "curl --cert and openssl s_client log in with the certificate as TLS client certificate; a revoked one is refused once the OCSP window passed",
    async () => {
      const certPem = join(dir, "client.pem");
      const keyPem = join(dir, "client.key");
      const serverCa = join(dir, "server-ca.pem");
      writeFileSync(certPem, pemEncode("CERTIFICATE", cert.der));
      writeFileSync(keyPem, cert.keyPem, { mode: 0o600 });
      writeFileSync(serverCa, platform.tlsCertificatePem);
      // Asynchronously: the platform answers from this same process.
      const curl = async (...extra: string[]) =>
        (
          await run("curl", [
            "--silent",
            "--show-error",
            "--cacert",
            serverCa,
            "--write-out",
            "\n%{http_code}",
            ...extra,
            `${platform.tlsUrl}/`,
          ])
        ).stdout;

      const anonymous = await curl();
      expect(anonymous.trim().split("\n").at(-1)).toBe("401");
      const withKey = await curl("--cert", certPem, "--key", keyPem);
      expect(withKey).toContain("Welcome supplier-001");
      expect(withKey.trim().split("\n").at(-1)).toBe("200");

      // A certificate from another CA gets an HTTP answer saying so, not a dropped connection.
      const otherCert = join(dir, "other.pem");
      const otherKey = join(dir, "other.key");
      await run("openssl", [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
        ...["-subj", "/O=Another CA/CN=someone else", "-keyout", otherKey, "-out", otherCert],
      ]);
      const stranger = await curl("--cert", otherCert, "--key", otherKey);
      expect(stranger.trim().split("\n").at(-1), stranger).toBe("403");
      expect(stranger).toContain("not issued by a CA this platform trusts");
      expect(stranger).toContain("CN=someone else");

      const sClient = await run(
        "openssl",
        [
          "s_client",
          "-connect",
          platform.tlsUrl.replace("https://", ""),
          "-cert",
          certPem,
          "-key",
          keyPem,
          "-CAfile",
          serverCa,
          "-quiet",
          "-verify_return_error",
        ],
        "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
      );
      expect(sClient.stdout, sClient.stderr).toContain("HTTP/1.1 200");
      expect(sClient.stdout).toContain("Welcome supplier-001");

      await revokeCertificate(t.deps, await staffActor(store.db, "reviewer"), {
        certificate: { certificateId: cert.id },
        reason: "keyCompromise",
      });
      await new Promise((r) => setTimeout(r, 1_100));
      const revoked = await curl("--cert", certPem, "--key", keyPem);
      expect(revoked).toContain("revoked");
      expect(revoked.trim().split("\n").at(-1)).toBe("403");
      // Key login by challenge-response is refused the same way.
      const visitor = session();
      const { body: challenge } = await visitor("/api/challenge", { purpose: "login" });
      expect(await visitor("/api/login/key", await signedBy(String(challenge.challenge)))).toMatchObject({
        status: 403,
        body: { code: "revoked" },
      });

      // The webhooks tell the platform: the account has no certificate any more.
      expect(platform.state().bindings["supplier-001"]).toBe(cert.serial);
      await deliverWebhooks(webhookDeps);
      const state = platform.state();
      expect(state.bindings["supplier-001"]).toBeUndefined();
      expect(state.events.map((e) => e.type)).toEqual(
        expect.arrayContaining(["binding.bound", "certificate.revoked", "binding.unbound"]),
      );
    },
  );
});
