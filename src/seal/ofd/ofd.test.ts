/**
 * OFD seal signatures (GB/T 38540-2020 §7 on GB/T 33190 packages): ofdrw's stamped document read
 * as it is, documents stamped here read back, OpenSSL as the outside judge of the SM2 signature,
 * and every kind of tampering caught.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.js";
import { DISTID, Workdir, openssl } from "../../../test/support/pki.js";
import { decodeSESSignature } from "../signature-asn1.js";
import { signOfd } from "./sign.js";
import {
  DATES,
  changeFile,
  changeOneByte,
  fileOf,
  filesOf,
  readOfdrw,
  sm2SealSigner,
  type OfdSigner,
} from "../../../test/support/seal-ofd.js";
import { verifyOfd, type OfdVerdict } from "./verify.js";

const codes = (v: OfdVerdict, i = 0) =>
  v.signatures[i]!.checks.filter((c) => c.status === "fail").map((c) => c.code);

/** Verified, or refused while opening: both mean the change did not pass unnoticed. */
function caught(ofd: Uint8Array, at: Date): boolean {
  try {
    const v = verifyOfd(ofd, { at });
    return !v.valid && v.signatures.some((s) => !s.signatureIntact || !s.documentIntact);
  } catch (e) {
    if (e instanceof DomainError && e.code.startsWith("ofd.")) return true;
    throw e;
  }
}

describe("ofdrw's SESV4SignDoc.ofd", () => {
  const ofd = readOfdrw("SESV4SignDoc.ofd");
  const SIGNATURE = "Doc_0/Signs/Sign_0/Signature.xml";

  it("is intact, but not valid: its seal and certificates have expired, and each expiry is named", () => {
    const v = verifyOfd(ofd, { at: new Date("2026-12-01T00:00:00Z") });
    expect(v.valid).toBe(false);
    expect(v.signatures).toHaveLength(1);
    const s = v.signatures[0]!;
    expect(s).toMatchObject({
      id: "1",
      signatureIntact: true,
      documentIntact: true,
      valid: false,
      timeStamp: false,
    });
    expect(codes(v)).toEqual(
      expect.arrayContaining([
        "seal.expired",
        "seal.signer_certificate_expired",
        "seal.maker_certificate_expired",
      ]),
    );
    const failed = s.checks.filter((c) => c.status === "fail").map((c) => c.name);
    expect(failed).toEqual(
      expect.arrayContaining(["sealValidityAtSigning", "sealValidityNow", "signerCertificateNow"]),
    );
    expect(s.checks.filter((c) => c.name === "reference").map((c) => c.params.file)).toEqual([
      "/OFD.xml",
      "/Doc_0/PublicRes.xml",
      "/Doc_0/Pages/Page_0/Content.xml",
      "/Doc_0/Signs/Sign_0/Seal.esl",
      "/Doc_0/Document.xml",
    ]);
    expect(s.stamps).toEqual([{ pageRef: "1", page: 1, boundary: [50, 50, 40, 40] }]);
    expect(s.checks.find((c) => c.name === "sealFile")?.status).toBe("pass");
  });

  it("names a signed file changed after signing", () => {
    const changed = changeFile(ofd, "Doc_0/Pages/Page_0/Content.xml", (d) => changeOneByte(d, "x.xml"));
    const s = verifyOfd(changed).signatures[0]!;
    expect(s).toMatchObject({ signatureIntact: true, documentIntact: false });
    expect(s.checks).toContainEqual(
      expect.objectContaining({
        code: "ofd.reference_changed",
        params: { file: "/Doc_0/Pages/Page_0/Content.xml", method: "SM3" },
      }),
    );
  });

  it("names a signed file removed", () => {
    const removed = changeFile(ofd, "Doc_0/PublicRes.xml", () => undefined);
    const s = verifyOfd(removed).signatures[0]!;
    expect(s.documentIntact).toBe(false);
    expect(s.checks).toContainEqual(
      expect.objectContaining({
        code: "ofd.reference_missing",
        params: { file: "/Doc_0/PublicRes.xml", method: "SM3" },
      }),
    );
  });

  it("catches a changed SignedValue.dat: its last byte (the signature) and its middle (the seal)", () => {
    const value = "Doc_0/Signs/Sign_0/SignedValue.dat";
    const last = changeFile(ofd, value, (d) => {
      const c = new Uint8Array(d);
      c[c.length - 1] = c[c.length - 1]! ^ 0x01;
      return c;
    });
    expect(verifyOfd(last).signatures[0]).toMatchObject({ signatureIntact: false });
    const middle = changeFile(ofd, value, (d) => changeOneByte(d, "SignedValue.dat"));
    expect(verifyOfd(middle).signatures[0]).toMatchObject({ signatureIntact: false, valid: false });
    const gone = changeFile(ofd, value, () => undefined);
    expect(codes(verifyOfd(gone))).toEqual(["ofd.signed_value_missing"]);
  });

  it("catches a Signature.xml whose check values were rewritten to match a changed file", () => {
    const rewritten = changeFile(ofd, SIGNATURE, (d) =>
      new TextEncoder().encode(new TextDecoder().decode(d).replace("uF/0kMSE", "AAAAkMSE")),
    );
    const s = verifyOfd(rewritten).signatures[0]!;
    expect(s.documentIntact).toBe(false);
    expect(s.checks).toContainEqual(
      expect.objectContaining({ name: "signedFile", code: "ofd.signature_file_changed" }),
    );
  });
});

describe("stamping helloworld.ofd with an SM2 key and its seal", () => {
  const dir = new Workdir();
  let party: OfdSigner;
  let once: Uint8Array;
  let twice: Uint8Array;
  const at = DATES.checkAt;

  beforeAll(async () => {
    party = await sm2SealSigner();
    once = (
      await signOfd({
        ofd: readOfdrw("helloworld.ofd"),
        seal: party.seal,
        signer: party.signer,
        stamp: { page: 1, xMm: 120, yMm: 200 },
        signedAt: new Date(at.getTime() - 3600_000),
      })
    ).ofd;
    twice = (
      await signOfd({
        ofd: once,
        seal: party.seal,
        signer: party.signer,
        stamp: { page: 1, xMm: 30, yMm: 60 },
        signedAt: new Date(at.getTime() - 1800_000),
      })
    ).ofd;
  });
  afterAll(() => dir.remove());

  it("verifies: signature and document intact, the stamp on page 1 where it was put", () => {
    const v = verifyOfd(once, { at });
    expect(codes(v)).toEqual([]);
    expect(v.valid).toBe(true);
    const s = v.signatures[0]!;
    expect(s).toMatchObject({ signatureIntact: true, documentIntact: true, timeStamp: false });
    expect(s.stamps).toEqual([{ pageRef: "1", page: 1, boundary: [120, 200, 40, 40] }]);
    // Every file but the signature list and the signature's own two files is protected.
    const protectedFiles = s.checks.filter((c) => c.name === "reference").map((c) => c.params.file);
    expect(protectedFiles.sort()).toEqual(
      filesOf(once)
        .filter((f) => !/Signatures\.xml$|Sign_0\/(Signature\.xml|SignedValue\.dat)$/.test(f))
        .map((f) => `/${f}`)
        .sort(),
    );
    expect(protectedFiles).toContain("/OFD.xml");
    expect(protectedFiles).toContain("/Doc_0/Signs/Sign_0/Seal.esl");
  });

  it("OpenSSL verifies the SM2 signature of SignedValue.dat over DER(TBS_Sign) with the signer ID", () => {
    const f = decodeSESSignature(fileOf(once, "Doc_0/Signs/Sign_0/SignedValue.dat"));
    dir.write("tbs.der", f.signedData);
    dir.write("sig.der", f.signature);
    dir.writePem("signer.pem", "CERTIFICATE", f.signerCertificate);
    expect(
      openssl(["x509", "-in", "signer.pem", "-pubkey", "-noout", "-out", "pub.pem"], dir.path).code,
    ).toBe(0);
    const verify = (data: string, extra: string[]) =>
      openssl(
        [
          "pkeyutl",
          "-verify",
          "-rawin",
          "-digest",
          "sm3",
          "-pubin",
          "-inkey",
          "pub.pem",
          "-in",
          data,
          "-sigfile",
          "sig.der",
          ...extra,
        ],
        dir.path,
      );
    expect(verify("tbs.der", ["-pkeyopt", DISTID]).output).toContain("Signature Verified Successfully");
    // The signer ID is part of what is signed, and so is every byte of TBS_Sign.
    expect(verify("tbs.der", []).code).not.toBe(0);
    dir.write("tbs-changed.der", changeOneByte(f.signedData, "tbs"));
    expect(verify("tbs-changed.der", ["-pkeyopt", DISTID]).code).not.toBe(0);
    // GB/T 38540: dataHash is SM3(Signature.xml), propertyInfo its path.
    dir.write("Signature.xml", fileOf(once, "Doc_0/Signs/Sign_0/Signature.xml"));
    const sm3 = openssl(["dgst", "-sm3", "-r", "Signature.xml"], dir.path);
    expect(sm3.code).toBe(0);
    expect(Buffer.from(f.dataHash).toString("hex")).toBe(sm3.output.split(" ")[0]);
    expect(f.propertyInfo).toBe("/Doc_0/Signs/Sign_0/Signature.xml");
  });

  it("a byte changed in any signed file of the package is caught", () => {
    const signed = filesOf(once).filter((f) => !f.endsWith("Signatures.xml"));
    expect(signed.length).toBeGreaterThanOrEqual(7);
    for (const name of signed) {
      const changed = changeFile(once, name, (d) => changeOneByte(d, name));
      expect(caught(changed, at), name).toBe(true);
    }
  });

  it("a second signature keeps the first one intact, and locks it in", () => {
    const v = verifyOfd(twice, { at });
    expect(v.signatures.map((s) => [s.id, s.valid, s.signatureIntact, s.documentIntact])).toEqual([
      ["1", true, true, true],
      ["3", true, true, true],
    ]);
    expect(v.signatures[1]!.stamps[0]).toMatchObject({ page: 1, boundary: [30, 60, 40, 40] });
    const second = v.signatures[1]!.checks.filter((c) => c.name === "reference").map((c) => c.params.file);
    expect(second).toEqual(
      expect.arrayContaining(["/Doc_0/Signs/Sign_0/Signature.xml", "/Doc_0/Signs/Sign_0/SignedValue.dat"]),
    );
    // Removing the second signature's files from the list leaves the first one valid on its own.
    const first = changeFile(twice, "Doc_0/Signs/Signatures.xml", () =>
      fileOf(once, "Doc_0/Signs/Signatures.xml"),
    );
    expect(verifyOfd(first, { at }).valid).toBe(true);
  });

  it("judges the seal and the certificates when signed and now: valid inside, refused after expiry", () => {
    const later = new Date("2029-01-01T00:00:00Z");
    const v = verifyOfd(once, { at: later });
    expect(v.signatures[0]).toMatchObject({ signatureIntact: true, documentIntact: true, valid: false });
    expect(v.signatures[0]!.checks.find((c) => c.name === "sealValidityNow")).toMatchObject({
      status: "fail",
      code: "seal.expired",
    });
    expect(v.signatures[0]!.checks.find((c) => c.name === "sealValidityAtSigning")?.status).toBe("pass");
  });

  it("fills SES_Signature's timeStamp through the hook, over the signature value; verify refuses a token that is not one", async () => {
    let over: Uint8Array | undefined;
    const token = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x07]);
    const stamped = await signOfd({
      ofd: readOfdrw("helloworld.ofd"),
      seal: party.seal,
      signer: party.signer,
      stamp: { page: 1, xMm: 10, yMm: 10 },
      signedAt: new Date(at.getTime() - 60_000),
      timestamp: async (signature) => {
        over = signature;
        return token;
      },
    });
    const f = decodeSESSignature(fileOf(stamped.ofd, "Doc_0/Signs/Sign_0/SignedValue.dat"));
    expect(f.timeStamp).toEqual(token);
    expect(over).toEqual(f.signature);
    const v = verifyOfd(stamped.ofd, { at });
    expect(v.signatures[0]).toMatchObject({ valid: false, timeStamp: true, signatureIntact: true });
    expect(v.signatures[0]!.checks.find((c) => c.name === "timeStamp")).toMatchObject({
      status: "fail",
      code: "tsa.token_unreadable",
    });
  });

  it("refuses a stamp outside the page and a page the document lacks", async () => {
    const input = { ofd: readOfdrw("helloworld.ofd"), seal: party.seal, signer: party.signer, signedAt: at };
    await expect(signOfd({ ...input, stamp: { page: 1, xMm: 190, yMm: 10 } })).rejects.toMatchObject({
      code: "ofd.stamp_outside_page",
    });
    await expect(signOfd({ ...input, stamp: { page: 2, xMm: 10, yMm: 10 } })).rejects.toMatchObject({
      code: "ofd.page_not_found",
    });
  });

  it("keeps a file not an OFD, or an unsigned one, from passing", () => {
    expect(verifyOfd(readOfdrw("helloworld.ofd"))).toMatchObject({ valid: false, signatures: [] });
    expect(() => verifyOfd(readOfdrw("UserV4.esl"))).toThrow(
      expect.objectContaining({ code: "ofd.not_ofd" }),
    );
  });
});
