/** certdesk seal verify on seals made by another implementation (ofdrw), as an operator runs it. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixtures = fileURLToPath(new URL("../../shared/fixtures/external/ofdrw/", import.meta.url));
const bin = fileURLToPath(new URL("../bin/certdesk.js", import.meta.url));

function certdesk(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("certdesk seal verify", () => {
  it("verifies ofdrw's GB/T 38540 seal as of a moment inside its validity, exit 0", () => {
    const r = certdesk("seal", "verify", `${fixtures}UserV4.esl`, "--at", "2021-06-01T00:00:00Z", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: "seal", valid: true, seal: { version: 4 } });
  });

  it("reports today's expiry of the fixtures' certificates and exits 1", () => {
    const r = certdesk("seal", "verify", `${fixtures}UserV1.esl`, "--lang", "en");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("The electronic seal is not valid");
    expect(r.stdout).toMatch(/✓ Maker signature/);
    expect(r.stdout).toMatch(/✗ Maker certificate: the maker certificate expired/);
  });

  it("refuses a bad --at and an unreadable file with exit 2 and a code", () => {
    expect(
      JSON.parse(certdesk("seal", "verify", `${fixtures}UserV4.esl`, "--at", "yesterday", "--json").stdout),
    ).toMatchObject({
      error: { code: "cli.invalid_value" },
    });
    const missing = certdesk("seal", "verify", "/nonexistent.esl", "--json");
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: "cli.file_unreadable" } });
  });
});
