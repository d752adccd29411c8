/**
 * certdesk platform add / rotate / list, as an operator runs them on an embedded store: the secret
 * printed once works for a signed request, rotation keeps the old one for its grace period.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { authenticatePlatform } from "../src/platforms/clients.js";
import { authorizationHeader } from "../src/platforms/request-signing.js";
import { systemClock } from "../src/domain/clock.js";
import { openStore } from "../src/store/database.js";

const bin = fileURLToPath(new URL("../bin/certdesk.js", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "certdesk-cli-platform-"));
const env = {
  ...process.env,
  CERTDESK_DATA_DIR: dataDir,
  CERTDESK_SECRET_KEY: "cli-platform-test-secret-key-000000000000",
};

function certdesk(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("certdesk platform", () => {
  it("adds a platform whose secret signs requests, rotates it, lists both keys, refuses a bad id", async () => {
    expect(certdesk("programme", "load", "data/programmes/demo.yaml").code).toBe(0);
    const added = certdesk(
      "platform",
      "add",
      "bid-portal",
      "--programme",
      "procurement",
      "--name",
      "采购平台",
      "--json",
    );
    expect(added.code, added.stderr).toBe(0);
    const first = JSON.parse(added.stdout) as { credential: { keyId: string; secret: string } };
    const rotated = certdesk("platform", "rotate", "bid-portal", "--grace-hours", "2", "--lang", "en");
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain("Older credentials stop working in 2 hours.");
    const listed = JSON.parse(certdesk("platform", "list", "--json").stdout) as {
      platforms: {
        id: string;
        credentials: { keyId: string; usable: boolean; expiresAt: string | null }[];
      }[];
    };
    expect(listed.platforms[0]!.credentials).toHaveLength(2);
    expect(
      listed.platforms[0]!.credentials.find((c) => c.keyId === first.credential.keyId)?.expiresAt,
    ).not.toBeNull();

    const bad = certdesk("platform", "add", "Bad Id", "--programme", "procurement", "--name", "x", "--json");
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: "platform.id_invalid" } });

    // The printed secret is the one the desk checks requests with.
    const store = await openStore({ kind: "embedded", dataDir: join(dataDir, "db") });
    try {
      const request = { method: "POST", path: "/api/platform/v1/challenges", body: "{}" };
      const client = await authenticatePlatform(
        { db: store.db, clock: systemClock, secretKey: env.CERTDESK_SECRET_KEY },
        { ...request, authorization: authorizationHeader(first.credential, request) },
      );
      expect(client.id).toBe("bid-portal");
    } finally {
      await store.close();
    }
  }, 120_000);
});
