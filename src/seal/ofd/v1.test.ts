/**
 * An OFD stamped in the older GM/T 0031-2014 layout (version 1, and version 2 as later makers of
 * that layout write), made here by hand with bare DER and sm2Sign (none of certdesk's writing code
 * for the signature): verify reads it as it reads GB/T 38540.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildCertificate, parseCertificate } from "../../pki/certificate.js";
import { bitString, octetString, oid, sequence, smallInteger } from "../../pki/der.js";
import { OID } from "../../pki/oids.js";
import { randomSerial } from "../../pki/serial.js";
import { sm2Signer } from "../../pki/signer.js";
import { generateSm2KeyPair, sm2Sign } from "../../pki/sm2.js";
import {
  DATES,
  ORGANISATION,
  buildSealParties,
  handSealV1,
  ia5,
  readOfdrw,
} from "../../../test/support/seal.js";
import { checkValue, writeSignatureXml } from "./signature-xml.js";
import { changeFile, changeOneByte } from "../../../test/support/seal-ofd.js";
import { verifyOfd } from "./verify.js";
import { verifyOfdTrusted } from "./verify-trust.js";
import { readZip, writeZip } from "./zip.js";

const utf8 = (s: string) => new TextEncoder().encode(s);

/** `version` is both the seal header's and TBS_Sign's: 1, or 2 (the GM/T 0031 "V2" signatures). */
async function v1StampedOfd(version = 1): Promise<{ ofd: Uint8Array; root: Uint8Array }> {
  const p = await buildSealParties("sm2");
  const party = async (cn: string) => {
    const key = generateSm2KeyPair();
    const cert = await buildCertificate({
      serialNumber: randomSerial(),
      subject: { C: "CN", O: ORGANISATION, CN: cn },
      subjectPublicKey: sm2Signer(key).publicKeySpki,
      notBefore: DATES.notBefore,
      notAfter: DATES.notAfter,
      extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature", "nonRepudiation"] },
      issuer: { certificate: p.root.cert },
      signer: p.root.signer,
    });
    return { key, cert };
  };
  const maker = await party("hand-made v1 maker");
  const org = await party(ORGANISATION);
  const seal = handSealV1({ key: maker.key, cert: maker.cert, bound: org.cert }, "standard", version);

  const files = new Map(readZip(readOfdrw("helloworld.ofd")).map((e) => [e.name, e.data]));
  const ofdXml = new TextDecoder().decode(files.get("OFD.xml"));
  files.set(
    "OFD.xml",
    utf8(
      ofdXml.replace(
        "</ofd:DocBody>",
        "<ofd:Signatures>/Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody>",
      ),
    ),
  );
  files.set("Doc_0/Signs/Sign_0/Seal.esl", seal);
  const signatureXml = writeSignatureXml({
    provider: { name: "hand", version: "1", company: "test" },
    signatureMethod: OID.sm3WithSm2,
    signatureDateTime: "2025-06-01T09:30:00Z",
    checkMethod: "SM3",
    references: [...files.keys()].map((f) => ({ file: f, checkValue: checkValue("sm3", files.get(f)!) })),
    stamp: { id: "2", pageRef: "1", boundary: [60, 60, 40, 40] },
    sealFile: "Doc_0/Signs/Sign_0/Seal.esl",
    signedValueFile: "Doc_0/Signs/Sign_0/SignedValue.dat",
  });
  files.set("Doc_0/Signs/Sign_0/Signature.xml", signatureXml);
  const tbs = sequence(
    smallInteger(version),
    seal,
    bitString(utf8("250601093000Z")),
    bitString(new Uint8Array(createHash("sm3").update(signatureXml).digest())),
    ia5("/Doc_0/Signs/Sign_0/Signature.xml"),
    octetString(org.cert),
    oid(OID.sm3WithSm2),
  );
  files.set("Doc_0/Signs/Sign_0/SignedValue.dat", sequence(tbs, bitString(sm2Sign(org.key.privateKey, tbs))));
  files.set(
    "Doc_0/Signs/Signatures.xml",
    utf8(
      '<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016"><ofd:MaxSignId>2</ofd:MaxSignId><ofd:Signature ID="1" BaseLoc="Sign_0/Signature.xml"/></ofd:Signatures>',
    ),
  );
  const ofd = writeZip(
    [...files].map(([name, data]) => ({ name, data })),
    DATES.checkAt,
  );
  return { ofd, root: p.root.cert };
}

describe("a GM/T 0031 (version 1) seal signature in an OFD", () => {
  it("verifies intact and valid; a changed page is caught", async () => {
    const { ofd } = await v1StampedOfd();
    const v = verifyOfd(ofd, { at: DATES.checkAt });
    const s = v.signatures[0]!;
    expect(s.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(s).toMatchObject({ signatureIntact: true, documentIntact: true, valid: true });
    expect(s.signature?.standard).toBe("GM/T 0031-2014");
    expect(s.stamps).toEqual([{ pageRef: "1", page: 1, boundary: [60, 60, 40, 40] }]);
    const changed = changeFile(ofd, "Doc_0/Pages/Page_0/Content.xml", (d) => changeOneByte(d, "c.xml"));
    expect(verifyOfd(changed, { at: DATES.checkAt }).signatures[0]).toMatchObject({
      signatureIntact: true,
      documentIntact: false,
    });
  });
});

describe("a GM/T 0031 version 2 seal signature (SESeal and TBS_Sign of version 2) in an OFD", () => {
  it("is read as GM/T 0031 version 2 and judged: intact, valid, chains to its root; a changed page and a changed signature are caught", async () => {
    const { ofd, root } = await v1StampedOfd(2);
    const v = await verifyOfdTrusted(ofd, {
      at: DATES.checkAt,
      trust: { anchors: [parseCertificate(root)] },
    });
    const s = v.signatures[0]!;
    expect(s.signature).toMatchObject({ standard: "GM/T 0031-2014", version: 2, layout: "v1" });
    expect(s.signature?.seal.header.version).toBe(2);
    expect(s.checks).toContainEqual(
      expect.objectContaining({
        name: "signedValue",
        code: "ofd.signed_value_read",
        params: expect.objectContaining({ version: 2 }),
      }),
    );
    expect(s.checks.filter((c) => c.status === "fail")).toEqual([]);
    for (const name of ["signerChain", "makerChain"])
      expect(s.checks).toContainEqual(
        expect.objectContaining({ name, status: "pass", code: "chain.trusted" }),
      );
    expect(s).toMatchObject({ signatureIntact: true, documentIntact: true, valid: true });

    const changed = changeFile(ofd, "Doc_0/Pages/Page_0/Content.xml", (d) => changeOneByte(d, "c.xml"));
    expect(verifyOfd(changed, { at: DATES.checkAt }).signatures[0]).toMatchObject({
      signatureIntact: true,
      documentIntact: false,
      valid: false,
    });
    // The signature value itself changed (its last byte): the signer's signature no longer holds.
    const forged = changeFile(ofd, "Doc_0/Signs/Sign_0/SignedValue.dat", (d) => {
      const copy = new Uint8Array(d);
      copy[copy.length - 1] = copy[copy.length - 1]! ^ 0x01;
      return copy;
    });
    const f = verifyOfd(forged, { at: DATES.checkAt }).signatures[0]!;
    expect(f).toMatchObject({ signatureIntact: false, valid: false });
    expect(f.checks).toContainEqual(expect.objectContaining({ name: "signerSignature", status: "fail" }));
  });
});
