/**
 * The OFD verbs as a user runs them, through the real bins: `certdesk-client sign-ofd` stamps
 * ofdrw's helloworld.ofd with the seal on a software key, `certdesk ofd verify` judges it and
 * ofdrw's own stamped document, exit codes and certificate chains (--trust) included.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workdir } from "./support/pki.js";
import { writeFileSync } from "node:fs";
import { pemEncode } from "../src/pki/pem.js";
import { changeFile, changeOneByte, softwareKeyWithSeal } from "./support/seal-ofd.js";
import { buildSealParties } from "./support/seal.js";

const fixtures = fileURLToPath(new URL("../../shared/fixtures/external/ofdrw/", import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../bin/${name}.js`, import.meta.url));
const PIN = "24681357";

function run(name: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin(name), ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface VerifyJson {
  valid: boolean;
  signatures: {
    id: string;
    signatureIntact: boolean;
    documentIntact: boolean;
    valid: boolean;
    checks: { name: string; status: string; code: string; params: Record<string, unknown> }[];
  }[];
}

describe("certdesk ofd verify and certdesk-client sign-ofd", () => {
  const dir = new Workdir();
  const keyFile = join(dir.path, "supplier.certdesk-key");
  const signed = join(dir.path, "helloworld.signed.ofd");
  const env = { CERTDESK_CLIENT_HOME: join(dir.path, "home") };
  // No desk store here: trust is what --trust gives (the key's test root, or another root).
  const noStore = { CERTDESK_DATA_DIR: join(dir.path, "no-desk") };
  const trusted = join(dir.path, "root.pem");
  const other = join(dir.path, "other-root.pem");

  beforeAll(async () => {
    const { root } = await softwareKeyWithSeal(keyFile, PIN);
    writeFileSync(trusted, pemEncode("CERTIFICATE", root));
    writeFileSync(other, pemEncode("CERTIFICATE", (await buildSealParties("sm2")).root.cert));
  });
  afterAll(() => dir.remove());

  it("ofdrw's SESV4SignDoc.ofd: intact, expired, exit 1, the expiry named", () => {
    const r = run("certdesk", ["ofd", "verify", `${fixtures}SESV4SignDoc.ofd`, "--json"], noStore);
    expect(r.code, r.stderr).toBe(1);
    const v = JSON.parse(r.stdout) as VerifyJson;
    expect(v.valid).toBe(false);
    expect(v.signatures[0]).toMatchObject({
      id: "1",
      signatureIntact: true,
      documentIntact: true,
      valid: false,
    });
    expect(v.signatures[0]!.checks).toContainEqual(
      expect.objectContaining({ name: "sealValidityNow", status: "fail", code: "seal.expired" }),
    );
    // Its chain is not ours: untrusted whether no CA is trusted or ours is, the signer's and the maker's.
    for (const name of ["signerChain", "makerChain"])
      expect(v.signatures[0]!.checks).toContainEqual(
        expect.objectContaining({ name, status: "fail", code: "chain.no_trust" }),
      );
    const ours = run("certdesk", [
      "ofd",
      "verify",
      `${fixtures}SESV4SignDoc.ofd`,
      "--trust",
      trusted,
      "--json",
    ]);
    expect(ours.code).toBe(1);
    const judged = JSON.parse(ours.stdout) as VerifyJson & {
      trust: { source: string; certificates: number };
    };
    expect(judged.trust).toEqual({ source: "files", certificates: 1 });
    for (const name of ["signerChain", "makerChain"])
      expect(judged.signatures[0]!.checks).toContainEqual(
        expect.objectContaining({ name, status: "fail", code: "chain.issuer_unknown" }),
      );
    const text = run("certdesk", [
      ...["ofd", "verify", `${fixtures}SESV4SignDoc.ofd`, "--trust", trusted, "--lang", "en"],
    ]);
    expect(text.stdout).toContain("✗ Seal validity now: the seal expired at 2022-04-22T02:09:00Z");
    expect(text.stdout).toMatch(
      /✗ Signer certificate chain: untrusted: the issuer of .*OFD Reader and WriterROOT/,
    );
    expect(text.stdout).toMatch(/✗ Maker certificate chain: untrusted/);
    expect(text.stdout).toContain("✓ Stamp position: page 1, top left at (50, 50) mm, 40×40 mm");
  });

  it("stamps helloworld.ofd with the key's seal; verify accepts it with exit 0", () => {
    const s = run(
      "certdesk-client",
      [
        "--key",
        keyFile,
        "sign-ofd",
        `${fixtures}helloworld.ofd`,
        "--page",
        "1",
        "--x",
        "120",
        "--y",
        "200",
        "--out",
        signed,
        "--pin",
        PIN,
        "--json",
      ],
      env,
    );
    expect(s.code, s.stdout + s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({
      file: signed,
      signatureId: "1",
      seal: { esId: "CDSEAL-OFD-KEY" },
    });
    const r = run("certdesk", ["ofd", "verify", signed, "--trust", trusted, "--json"]);
    expect(r.code, r.stdout).toBe(0);
    const v = JSON.parse(r.stdout) as VerifyJson;
    expect(v).toMatchObject({
      valid: true,
      signatures: [{ signatureIntact: true, documentIntact: true, valid: true }],
    });
    for (const name of ["signerChain", "makerChain"])
      expect(v.signatures[0]!.checks).toContainEqual(
        expect.objectContaining({ name, status: "pass", code: "chain.trusted" }),
      );

    // The same file judged against another root: both chains untrusted, exit 1, the rest intact.
    const untrusted = run("certdesk", ["ofd", "verify", signed, "--trust", other, "--json"], noStore);
    expect(untrusted.code, untrusted.stdout).toBe(1);
    const u = JSON.parse(untrusted.stdout) as VerifyJson;
    expect(u.signatures[0]).toMatchObject({ signatureIntact: true, documentIntact: true, valid: false });
    expect(
      u.signatures[0]!.checks.filter((c) => c.status === "fail")
        .map((c) => c.name)
        .sort(),
    ).toEqual(["makerChain", "signerChain"]);
    // Without a desk store or --trust nothing is trusted, and it says how to give trust.
    const none = run("certdesk", ["ofd", "verify", signed, "--lang", "en"], noStore);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain(
      "no trusted CA certificates (no desk store here; give CA certificates with --trust)",
    );
  });

  it("a page the document lacks and a wrong PIN are refused with exit 2 and a code", () => {
    const page = run(
      "certdesk-client",
      ["--key", keyFile, "sign-ofd", `${fixtures}helloworld.ofd`, "--page", "3", "--pin", PIN, "--json"],
      env,
    );
    expect(page.code).toBe(2);
    expect(JSON.parse(page.stdout)).toMatchObject({ error: { code: "ofd.page_not_found" } });
    const pin = run(
      "certdesk-client",
      ["--key", keyFile, "sign-ofd", `${fixtures}helloworld.ofd`, "--pin", "00000000", "--json"],
      env,
    );
    expect(pin.code).toBe(2);
    expect(JSON.parse(pin.stdout).error.code).toMatch(/^token\./);
  });

  it("a stamped file changed afterwards fails verify with exit 1, naming the file", async () => {
    const { readFileSync } = await import("node:fs");
    const changed = changeFile(new Uint8Array(readFileSync(signed)), "Doc_0/Pages/Page_0/Content.xml", (d) =>
      changeOneByte(d, "Content.xml"),
    );
    writeFileSync(join(dir.path, "changed.ofd"), changed);
    const r = run("certdesk", ["ofd", "verify", join(dir.path, "changed.ofd"), "--trust", trusted, "--json"]);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout) as VerifyJson;
    expect(v.signatures[0]).toMatchObject({ signatureIntact: true, documentIntact: false, valid: false });
    expect(v.signatures[0]!.checks).toContainEqual(
      expect.objectContaining({
        code: "ofd.reference_changed",
        params: expect.objectContaining({ file: "/Doc_0/Pages/Page_0/Content.xml" }),
      }),
    );
  });
});
