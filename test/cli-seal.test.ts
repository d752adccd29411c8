/** certdesk seal verify on seals made by another implementation (ofdrw), as an operator runs it. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixtures = fileURLToPath(new URL("../../shared/fixtures/external/ofdrw/", import.meta.url));
const bin = fileURLToPath(new URL("../bin/certdesk.js", import.meta.url));

/** No desk store where these run: only --trust makes a CA trusted. */
const env = { ...process.env, CERTDESK_DATA_DIR: "/nonexistent/certdesk-cli-seal" };

function certdesk(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 30_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("certdesk seal verify", () => {
  it("verifies ofdrw's GB/T 38540 seal as of a moment inside its validity; its maker's chain is not trusted here, exit 1", () => {
    const r = certdesk("seal", "verify", `${fixtures}UserV4.esl`, "--at", "2021-06-01T00:00:00Z", "--json");
    expect(r.code, r.stderr).toBe(1);
    const v = JSON.parse(r.stdout) as { checks: { name: string; status: string; code: string }[] };
    expect(v).toMatchObject({ kind: "seal", valid: false, seal: { version: 4 } });
    // Everything holds but the chain: no CA certificate is trusted here (no desk store, no --trust).
    expect(v.checks.filter((c) => c.status === "fail")).toEqual([
      expect.objectContaining({ name: "makerChain", code: "chain.no_trust" }),
    ]);
    const ca = certdesk(
      ...["seal", "verify", `${fixtures}UserV4.esl`, "--at", "2021-06-01T00:00:00Z", "--lang", "en"],
      ...["--trust", `${fixtures}sign_cert.pem`],
    );
    expect(ca.code).toBe(1);
    expect(ca.stdout).toMatch(
      /✗ Maker certificate chain: untrusted: the issuer of .* is not among the trusted CA/,
    );
  });

  it("--trust and --crl that hold no certificate or CRL are refused with exit 2", () => {
    const bad = certdesk(
      "seal",
      "verify",
      `${fixtures}UserV4.esl`,
      "--trust",
      `${fixtures}README.md`,
      "--json",
    );
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: "cli.trust.certificates_unreadable" } });
    const crl = certdesk(
      "seal",
      "verify",
      `${fixtures}UserV4.esl`,
      "--crl",
      `${fixtures}sign_cert.pem`,
      "--json",
    );
    expect(crl.code).toBe(2);
    expect(JSON.parse(crl.stdout)).toMatchObject({ error: { code: "cli.trust.crl_unreadable" } });
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
