/**
 * A seal whose header declares a version other than 4 while its layout is GB/T 38540's: read,
 * the version reported as a warning, and everything else judged (signatures, validity, binding),
 * so the user learns the real problem instead of "structure invalid".
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decodeSESeal, encodeSESealV4, encodeSealInfoV4 } from "./asn1.js";
import { buildSeal } from "./build.js";
import { parseSeal, verifySeal } from "./seal.js";
import type { SealVerdict } from "./seal.js";
import {
  DATES,
  OFDRW_AT,
  ORGANISATION,
  buildSealParties,
  readOfdrw,
  redSealPng,
} from "../../test/support/seal.js";
import type { SealParties } from "../../test/support/seal.js";

const summary = (v: SealVerdict) => v.checks.map((c) => `${c.name}:${c.status}`);

/** The header `SEQUENCE { IA5 "ES", INTEGER 4, … }`: the offset of the version's value byte. */
function versionOffset(der: Uint8Array): number {
  const at = Buffer.from(der).indexOf(Buffer.from([0x16, 0x02, 0x45, 0x53, 0x02, 0x01, 0x04]));
  if (at < 0) throw new Error("no ES/4 header");
  return at + 6;
}

describe("a GB/T 38540 seal whose header says another version", () => {
  let p: SealParties;
  let real: Uint8Array;
  beforeAll(async () => {
    p = await buildSealParties("sm2");
    real = await buildSeal({
      id: "certdesk-version-0001",
      type: "official",
      name: `${ORGANISATION}公章`,
      boundCertificates: [p.organisation.cert],
      validStart: DATES.sealStart,
      validEnd: DATES.sealEnd,
      createdAt: DATES.createdAt,
      picture: { type: "PNG", data: redSealPng(), widthMm: 40, heightMm: 40 },
      maker: { certificate: p.maker.cert, signer: p.maker.signer },
      vendor: "certdesk",
    });
  });

  it("re-encoded with version 2 and signed again by the maker: read, a warning on the version, valid", async () => {
    const fields = decodeSESeal(real);
    const info = encodeSealInfoV4({ ...fields.sealInfo, header: { ...fields.sealInfo.header, version: 2 } });
    const der = encodeSESealV4(
      info,
      fields.makerCertificate,
      fields.signatureAlgorithm,
      await p.maker.signer.sign(info),
    );
    expect(parseSeal(der)).toMatchObject({ layout: "v4", header: { version: 2 } });
    const verdict = verifySeal(der, { at: DATES.checkAt });
    expect(summary(verdict)).toEqual([
      "structure:warning",
      "makerSignature:pass",
      "makerCertificate:pass",
      "validity:pass",
      "boundCertificates:pass",
    ]);
    expect(verdict.checks[0]).toMatchObject({
      code: "seal.structure_version_unexpected",
      params: { version: 2, expected: 4 },
    });
    expect(verdict.valid).toBe(true);
    // Judged on everything else: after the seal's end it is reported expired, not unreadable.
    const late = verifySeal(der, { at: new Date("2029-01-01T00:00:00Z") });
    expect(late.checks.find((c) => c.name === "validity")?.status).toBe("fail");
    expect(late.checks[0]?.status).toBe("warning");
  });

  it("ofdrw UserV4.esl with its version byte changed to 3: a warning, and the maker's signature no longer verifies", () => {
    const der = readOfdrw("UserV4.esl").slice();
    der[versionOffset(der)] = 3;
    const verdict = verifySeal(der, { at: OFDRW_AT });
    expect(summary(verdict)).toEqual([
      "structure:warning",
      "makerSignature:fail",
      "makerCertificate:pass",
      "validity:pass",
      "boundCertificates:pass",
    ]);
    expect(verdict.valid).toBe(false);
  });

  it("the ofdrw seals as they are: UserV4 version 4 and UserV1 (GM/T 0031) give no warning", () => {
    for (const name of ["UserV4.esl", "UserV1.esl"]) {
      const verdict = verifySeal(readOfdrw(name), { at: OFDRW_AT });
      expect(
        verdict.checks.filter((c) => c.status === "warning"),
        name,
      ).toEqual([]);
      expect(verdict.checks[0]?.status, name).toBe("pass");
    }
  });
});
