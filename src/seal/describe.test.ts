/** Verdict text for `certdesk seal verify` in both languages, and the seal message table itself. */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { catalogue } from "../i18n/catalogue.js";
import { ACTIONS } from "../people/authorisation.js";
import { sealMessages } from "../i18n/messages/seal.js";
import { describeSealVerdict, sealSignatureVerdictToJson, sealVerdictToJson } from "./describe.js";
import { verifySeal } from "./seal.js";
import { verifySealSignature } from "./signature.js";
import { OFDRW_AT, readOfdrw } from "../../test/support/seal.js";

const v4 = readOfdrw("UserV4.esl");

describe("describeSealVerdict", () => {
  it("zh-CN: the outcome, what the seal says, one line per check", () => {
    const lines = describeSealVerdict(verifySeal(v4, { at: OFDRW_AT }), "zh-CN");
    expect(lines[0]).toBe("电子印章有效（验证时间 2021-06-01T00:00:00Z）");
    expect(lines).toContain(
      "印章名称：OFD R&W 测试用印章；印章编号：51f044b76510434e9bc67a1185c2fba5；GB/T 38540-2020 版本 4；厂商：OFDR&WTest",
    );
    expect(lines).toContain("印章类型：其他（3）");
    expect(lines).toContain("印章图片：PNG，40×40 毫米，15693 字节");
    expect(lines).toContain("✓ 制章者签名：签名有效（SM3withSM2）");
    expect(lines).toContain("✓ 印章有效期：在有效期内（2020-04-22T02:09:00Z 至 2022-04-22T02:09:00Z）");
    expect(lines.filter((l) => l.startsWith("✓ "))).toHaveLength(5);
  });

  it("en, at a moment after the maker certificate expired", () => {
    const lines = describeSealVerdict(verifySeal(v4, { at: new Date("2026-01-02T00:00:00Z") }), "en");
    expect(lines[0]).toBe("The electronic seal is not valid (checked at 2026-01-02T00:00:00Z)");
    expect(lines).toContain(
      "✗ Maker certificate: the maker certificate expired at 2022-04-21T14:39:38Z (C=CN, O=OFD R&W, ST=Zhejiang, L=Hangzhou, CN=Test Certificate)",
    );
    expect(lines).toContain("✗ Seal validity: the seal expired at 2022-04-22T02:09:00Z");
    expect(lines).toContain("✓ Maker signature: the signature verifies (SM3withSM2)");
  });

  it("unreadable data: one failed line and the skipped checks, in both languages", () => {
    const verdict = verifySeal(readOfdrw("StampImg.png"), { at: OFDRW_AT });
    const zh = describeSealVerdict(verdict, "zh-CN");
    expect(zh[0]).toBe("电子印章无效（验证时间 2021-06-01T00:00:00Z）");
    expect(zh[1]).toMatch(/^✗ 数据结构：不是有效的电子印章数据：/);
    expect(zh.slice(2).every((l) => l.startsWith("– "))).toBe(true);
    expect(describeSealVerdict(verdict, "en")[2]).toBe(
      "– Maker signature: not checked: the data cannot be read",
    );
  });

  it("leaves no placeholder unfilled", () => {
    for (const locale of ["zh-CN", "en"] as const) {
      for (const at of [OFDRW_AT, new Date("2030-01-01T00:00:00Z"), new Date("2019-01-01T00:00:00Z")]) {
        for (const file of ["UserV4.esl", "UserV1.esl", "StampImg.png"]) {
          const lines = describeSealVerdict(verifySeal(readOfdrw(file), { at }), locale);
          expect(lines.join("\n")).not.toMatch(/\{\w+\}|seal\.[a-z0-9_]+/);
        }
        const sigLines = describeSealVerdict(verifySealSignature(v4, { at }), locale);
        expect(sigLines.join("\n")).not.toMatch(/\{\w+\}|seal\.[a-z0-9_]+/);
      }
    }
  });

  it("JSON for --json: no picture bytes, dates as ISO strings", () => {
    const json = sealVerdictToJson(verifySeal(v4, { at: OFDRW_AT }));
    const text = JSON.stringify(json);
    expect(text.length).toBeLessThan(4000);
    expect(json).toMatchObject({
      valid: true,
      at: "2021-06-01T00:00:00Z",
      seal: {
        standard: "GB/T 38540-2020",
        version: 4,
        name: "OFD R&W 测试用印章",
        picture: { bytes: 15693 },
      },
    });
    expect(json.checks[1]).toEqual({
      name: "makerSignature",
      status: "pass",
      code: "seal.maker_signature_valid",
      params: { algorithm: "SM3withSM2" },
    });
    expect(sealSignatureVerdictToJson(verifySealSignature(v4)).checks[0]?.code).toBe(
      "seal.structure_invalid",
    );
  });
});

describe("sealMessages", () => {
  /**
   * Every seal.* and pdf.* code the seal area can produce, literal or composed from a prefix: the
   * seal modules, the CMS they sign with, and the desk's seal service, routes and `certdesk pdf` command.
   */
  function codesInSource(): Set<string> {
    const dir = new URL("./", import.meta.url);
    const files = [
      ...readdirSync(dir)
        .filter((f) => f.endsWith(".ts") && !f.includes("test"))
        .map((f) => new URL(f, dir)),
      new URL("../seals/seals.ts", dir),
      new URL("../pki/cms.ts", dir),
      new URL("../server/routes/seals.ts", dir),
      new URL("../cli/pdf.ts", dir),
      new URL("../cli/main.ts", dir),
    ];
    const codes = new Set<string>();
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      for (const m of source.matchAll(
        /"((?:seal|pdf)\.[a-z0-9_]+(?:\.[a-zA-Z_]+)?|cli\.help\.pdf[a-z_.]*)"/g,
      )) {
        codes.add(m[1]!);
      }
    }
    // Audit actions of the seal service, not messages.
    for (const action of ["seal.make", "seal.replace", "seal.image_upload"]) codes.delete(action);
    // The routes' authorisation actions (config: { action }), not messages either.
    for (const action of Object.keys(ACTIONS)) codes.delete(action);
    // `certdesk pdf` is a command group: its help is cli.help.<group>.
    codes.add("cli.help.pdf");
    // The PDF verdict's checks are labelled pdf.check.<name>; the signer's validity is composed.
    for (const name of [
      "byteRange",
      "digest",
      "signature",
      "signingCertificate",
      "timestamp",
      "signerCertificate",
      "chain",
      "seal",
      "changes",
    ]) {
      codes.add(`pdf.check.${name}`);
    }
    for (const outcome of ["valid", "expired", "not_yet_valid"])
      codes.add(`pdf.signer_certificate_${outcome}`);
    // certificateValidityCheck composes `${prefix}_${outcome}`.
    for (const prefix of ["seal.maker_certificate", "seal.signer_certificate"]) {
      codes.delete(prefix);
      for (const outcome of ["valid", "expired", "not_yet_valid"]) codes.add(`${prefix}_${outcome}`);
    }
    for (const name of ["structure", "makerSignature", "makerCertificate", "validity", "boundCertificates"]) {
      codes.add(`seal.check.${name}`);
    }
    for (const name of [
      "seal",
      "signerSignature",
      "signerCertificate",
      "binding",
      "signingTime",
      "document",
    ]) {
      codes.add(`seal.check.${name}`);
    }
    for (const t of ["organisation", "personal", "other"]) codes.add(`seal.type.${t}`);
    return codes;
  }

  it("has zh-CN and en text for every code the seal modules use", () => {
    const missing = [...codesInSource()].filter((c) => !sealMessages[c]?.["zh-CN"] || !sealMessages[c]?.en);
    expect(missing).toEqual([]);
  });

  it("has no entry nobody uses", () => {
    const used = codesInSource();
    expect(Object.keys(sealMessages).filter((c) => !used.has(c))).toEqual([]);
  });

  it("uses the same placeholders in both languages", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [code, m] of Object.entries(sealMessages))
      expect(names(m.en), code).toEqual(names(m["zh-CN"]));
  });

  it("defines no code the catalogue already has", () => {
    expect(
      Object.keys(sealMessages).filter((c) => c in catalogue && catalogue[c] !== sealMessages[c]),
    ).toEqual([]);
  });
});
