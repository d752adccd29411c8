import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "./certificate.js";
import { buildCrl, parseCrl } from "./crl.js";
import type { RevokedEntry } from "./crl.js";
import { randomSerial } from "./serial.js";
import { sm2Signer } from "./signer.js";
import {
  ALGORITHMS,
  DATES,
  DISTID,
  Workdir,
  attime,
  buildHierarchy,
  openssl,
  tamperLastByte,
  writeHierarchy,
} from "../../test/support/pki.js";
import type { Hierarchy } from "../../test/support/pki.js";

const THIS_UPDATE = new Date("2026-01-01T00:00:00Z");
const NEXT_UPDATE = new Date("2026-01-08T00:00:00Z");

describe.each(ALGORITHMS)("CRLs signed with %s (RFC 5280 section 5)", (algorithm) => {
  const dir = new Workdir();
  let h: Hierarchy;
  let eeSerial: string;
  let crl: Uint8Array;
  beforeAll(async () => {
    h = await buildHierarchy(algorithm);
    writeHierarchy(dir, h);
    eeSerial = parseCertificate(h.ee.cert).serialNumber;
    crl = await buildCrl({
      issuerCertificate: h.sub.cert,
      signer: h.sub.signer,
      crlNumber: 42n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
      entries: [
        { serialNumber: eeSerial, revokedAt: new Date("2025-12-31T10:00:00Z"), reason: "keyCompromise" },
        { serialNumber: "01", revokedAt: new Date("2025-06-01T00:00:00Z") },
        {
          serialNumber: "00:ff:01",
          revokedAt: new Date("2055-01-01T00:00:00Z"),
          reason: "cessationOfOperation",
        },
      ],
    });
    dir.writePem("sub.crl", "X509 CRL", crl);
  });
  afterAll(() => dir.remove());

  it("openssl crl -text reads version, number, AKI, dates and entries with reasons", () => {
    const text = openssl(["crl", "-in", "sub.crl", "-noout", "-text"], dir.path).output;
    const ski = parseCertificate(h.sub.cert).extensions.subjectKeyIdentifier!;
    expect(text).toContain("Version 2 (0x1)");
    expect(text).toMatch(/CRL Number:\s+42/);
    expect(text.replace(/:/g, "").toLowerCase()).toContain(ski);
    expect(text).toContain("Last Update: Jan  1 00:00:00 2026 GMT");
    expect(text).toContain("Next Update: Jan  8 00:00:00 2026 GMT");
    expect(text).toMatch(
      new RegExp(
        `Serial Number: ${eeSerial.toUpperCase()}\\s+Revocation Date: Dec 31 10:00:00 2025 GMT\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Key Compromise`,
      ),
    );
    // reason "unspecified" is left out (RFC 5280 5.3.1), so this entry has no extensions
    expect(text).toMatch(
      /Serial Number: 01\s+Revocation Date: Jun {2}1 00:00:00 2025 GMT\s+Serial Number: FF01/,
    );
    expect(text).toMatch(
      /Serial Number: FF01\s+Revocation Date: Jan {2}1 00:00:00 2055 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Cessation Of Operation/,
    );
  });

  it("parses back and verifies with the issuer's key", () => {
    const view = parseCrl(crl);
    expect(view.crlNumber).toBe(42n);
    expect(view.issuerDer).toEqual(parseCertificate(h.sub.cert).subjectDer);
    expect(view.entries).toEqual([
      { serialNumber: eeSerial, revokedAt: new Date("2025-12-31T10:00:00Z"), reason: "keyCompromise" },
      { serialNumber: "01", revokedAt: new Date("2025-06-01T00:00:00Z") },
      { serialNumber: "ff01", revokedAt: new Date("2055-01-01T00:00:00Z"), reason: "cessationOfOperation" },
    ]);
    expect(view.verify(h.sub.signer.publicKeySpki)).toBe(true);
    expect(view.verify(h.root.signer.publicKeySpki)).toBe(false);
    expect(parseCrl(tamperLastByte(crl)).verify(h.sub.signer.publicKeySpki)).toBe(false);
  });

  if (algorithm !== "sm2") {
    it("openssl verify -crl_check reports the end entity revoked, and OK under an empty CRL", async () => {
      const check = (crlFile: string) =>
        openssl(
          [
            "verify",
            "-attime",
            attime(),
            "-crl_check",
            "-CAfile",
            "chain.pem",
            "-CRLfile",
            crlFile,
            "ee.pem",
          ],
          dir.path,
        );
      const revoked = check("sub.crl");
      expect(revoked.code).not.toBe(0);
      expect(revoked.output).toContain("certificate revoked");
      const empty = await buildCrl({
        issuerCertificate: h.sub.cert,
        signer: h.sub.signer,
        crlNumber: 43n,
        thisUpdate: THIS_UPDATE,
        nextUpdate: NEXT_UPDATE,
        entries: [],
      });
      dir.writePem("empty.crl", "X509 CRL", empty);
      expect(check("empty.crl").output).toContain("ee.pem: OK");
    });

    it("openssl crl -verify accepts the signature and rejects a tampered one", () => {
      expect(
        openssl(["crl", "-in", "sub.crl", "-noout", "-verify", "-CAfile", "sub.pem"], dir.path).output,
      ).toContain("verify OK");
      dir.writePem("tampered.crl", "X509 CRL", tamperLastByte(crl));
      expect(
        openssl(["crl", "-in", "tampered.crl", "-noout", "-verify", "-CAfile", "sub.pem"], dir.path).output,
      ).toContain("verify failure");
    });
  } else {
    it("OpenSSL verifies the SM2 signature over TBSCertList with the standard ID (pkeyutl)", () => {
      // OpenSSL 3.0 has no way to pass a signer ID when it checks a CRL (`crl -verify`,
      // `verify -crl_check`): it uses an empty ID and reports "CRL signature failure" for every
      // GM/T-conformant CRL. So OpenSSL judges the signature itself over the exact signed bytes.
      const view = parseCrl(crl);
      dir.write("tbs.der", view.tbs);
      dir.write("crl.sig", view.signature);
      dir.writePem("sub.pub", "PUBLIC KEY", h.sub.signer.publicKeySpki);
      const verify = (extra: string[]) =>
        openssl(
          [
            "pkeyutl",
            "-verify",
            "-rawin",
            "-digest",
            "sm3",
            "-pubin",
            "-inkey",
            "sub.pub",
            "-in",
            "tbs.der",
            "-sigfile",
            "crl.sig",
            ...extra,
          ],
          dir.path,
        );
      expect(verify(["-pkeyopt", DISTID]).output).toContain("Signature Verified Successfully");
      expect(verify([]).code).not.toBe(0);
      expect(
        openssl(["crl", "-in", "sub.crl", "-noout", "-verify", "-CAfile", "sub.pem"], dir.path).output,
      ).toContain("verify failure");
    });

    it("with the signature check out of the way, openssl verify -crl_check finds the end entity revoked", async () => {
      // The same CRL content signed with the empty ID OpenSSL 3.0 assumes: shows the entries mean
      // to OpenSSL what they should. Never published: GM/T 0015 wants the standard ID.
      const openSslIdCrl = await buildCrl({
        issuerCertificate: h.sub.cert,
        signer: sm2Signer(h.sub.privateKey, { id: "" }),
        crlNumber: 42n,
        thisUpdate: THIS_UPDATE,
        nextUpdate: NEXT_UPDATE,
        entries: parseCrl(crl).entries,
      });
      dir.writePem("empty-id.crl", "X509 CRL", openSslIdCrl);
      const r = openssl(
        [
          "verify",
          "-attime",
          attime(),
          "-crl_check",
          "-vfyopt",
          DISTID,
          "-partial_chain",
          "-CAfile",
          "sub.pem",
          "-CRLfile",
          "empty-id.crl",
          "ee.pem",
        ],
        dir.path,
      );
      expect(r.code).not.toBe(0);
      expect(r.output).toContain("certificate revoked");
    });
  }

  it("10,000 entries: openssl crl -inform DER reads every one", async () => {
    const entries: RevokedEntry[] = Array.from({ length: 10_000 }, (_, i) => ({
      serialNumber: randomSerial(),
      revokedAt: new Date(DATES.notBefore.getTime() + i * 60_000),
      ...(i % 4 === 0
        ? {}
        : { reason: i % 4 === 1 ? "keyCompromise" : i % 4 === 2 ? "superseded" : "affiliationChanged" }),
    }));
    const big = await buildCrl({
      issuerCertificate: h.sub.cert,
      signer: h.sub.signer,
      crlNumber: 44n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
      entries,
    });
    dir.write("big.crl", big);
    const text = openssl(["crl", "-inform", "DER", "-in", "big.crl", "-noout", "-text"], dir.path).output;
    expect(text.match(/Serial Number: /g)?.length).toBe(10_000);
    expect(text.match(/Key Compromise/g)?.length).toBe(2_500);
    expect(text).toContain(`Serial Number: ${entries[9_999]!.serialNumber.toUpperCase()}`);
    const view = parseCrl(big);
    expect(view.entries[1234]).toEqual(entries[1234]);
    expect(view.verify(h.sub.signer.publicKeySpki)).toBe(true);
  });
});

describe("CRL building", () => {
  let h: Hierarchy;
  beforeAll(async () => {
    h = await buildHierarchy("ecdsa-p256");
  });
  const base = () => ({
    issuerCertificate: h.sub.cert,
    signer: h.sub.signer,
    crlNumber: 1n,
    thisUpdate: THIS_UPDATE,
    nextUpdate: NEXT_UPDATE,
  });

  it("takes entries from an async iterable, as a store cursor would give them", async () => {
    async function* rows(): AsyncGenerator<RevokedEntry> {
      for (let i = 1; i <= 3; i++)
        yield { serialNumber: i.toString(16).padStart(2, "0"), revokedAt: THIS_UPDATE, reason: "superseded" };
    }
    const view = parseCrl(await buildCrl({ ...base(), entries: rows() }));
    expect(view.entries.map((e) => e.serialNumber)).toEqual(["01", "02", "03"]);
  });

  it("leaves revokedCertificates out when empty (RFC 5280 5.1.2.6)", async () => {
    const view = parseCrl(await buildCrl({ ...base(), entries: [] }));
    expect(view.entries).toEqual([]);
    expect(view.verify(h.sub.signer.publicKeySpki)).toBe(true);
  });

  it("refuses removeFromCRL in a full CRL (RFC 5280 5.3.1), bad serials, and a foreign signer", async () => {
    await expect(
      buildCrl({
        ...base(),
        entries: [{ serialNumber: "01", revokedAt: THIS_UPDATE, reason: "removeFromCRL" }],
      }),
    ).rejects.toMatchObject({
      code: "pki.crl_reason_invalid",
    });
    await expect(
      buildCrl({ ...base(), entries: [{ serialNumber: "zz", revokedAt: THIS_UPDATE }] }),
    ).rejects.toMatchObject({ code: "pki.serial_invalid" });
    await expect(buildCrl({ ...base(), signer: h.root.signer, entries: [] })).rejects.toMatchObject({
      code: "pki.signer_key_mismatch",
    });
  });

  it("keeps 100,000 entries far inside the 1,000,000-in-10-s budget", async () => {
    const entries: RevokedEntry[] = Array.from({ length: 100_000 }, (_, i) => ({
      serialNumber: randomSerial(),
      revokedAt: new Date(1_700_000_000_000 + i * 1000),
      reason: "keyCompromise",
    }));
    const start = performance.now();
    const der = await buildCrl({ ...base(), entries });
    const ms = performance.now() - start;
    expect(der.length).toBeGreaterThan(100_000 * 45);
    // about 70 ms here; a generous bound so that only a real regression fails
    expect(ms).toBeLessThan(2_000);
  });
});
