/**
 * The timeStamp of an OFD seal signature (GB/T 38540 §6.2: an RFC 3161 token over SES_Signature's
 * signature value), filled through signOfd's hook from a TSA and checked by verifyOfd: the imprint,
 * the TSA's signature and EKU, and its chain to the CAs given.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildTestCa, testTsa, timestampOver, type TestCa } from "../../../test/support/seal-pdfs.js";
import { DATES, readOfdrw, sm2SealSigner, type OfdSigner } from "../../../test/support/seal-ofd.js";
import type { TimestampAuthority } from "../../pki/tsa.js";
import { ofdVerdictToJson } from "./describe.js";
import { signOfd } from "./sign.js";
import { verifyOfd, type OfdVerdict } from "./verify.js";

const at = DATES.checkAt;
const signedAt = new Date(at.getTime() - 60_000);
const timeStampCheck = (v: OfdVerdict) => v.signatures[0]!.checks.find((c) => c.name === "timeStamp");

let party: OfdSigner;
let ca: TestCa;
let tsa: TimestampAuthority;

beforeAll(async () => {
  party = await sm2SealSigner();
  ca = await buildTestCa("ecdsa-p256");
  tsa = await testTsa(ca);
});

function stamp(timestamp: (signature: Uint8Array) => Promise<Uint8Array | undefined>) {
  return signOfd({
    ofd: readOfdrw("helloworld.ofd"),
    seal: party.seal,
    signer: party.signer,
    stamp: { page: 1, xMm: 10, yMm: 10 },
    signedAt,
    timestamp,
  });
}

describe("ofd verify and the SES_Signature's timeStamp", () => {
  it("a token over the signature value from a TSA chaining to the CAs given passes, and --json carries the check", async () => {
    const signed = await stamp((signature) => timestampOver(tsa, signature, signedAt));
    const v = verifyOfd(signed.ofd, { at, timestampTrust: [ca.root.cert] });
    expect(v.valid).toBe(true);
    expect(timeStampCheck(v)).toMatchObject({
      status: "pass",
      code: "tsa.token_valid",
      params: { genTime: "2026-01-01T23:59:00Z", tsa: expect.stringContaining("certdesk PDF test TSA") },
    });
    const json = ofdVerdictToJson(v);
    expect(json.signatures[0]).toMatchObject({ timeStamp: true });
    expect(JSON.stringify(json)).toContain('"tsa.token_valid"');
    // Without CAs to chain to, the token is read and checked, but its chain is not.
    expect(timeStampCheck(verifyOfd(signed.ofd, { at }))).toMatchObject({
      status: "skipped",
      code: "ofd.timestamp_chain_not_checked",
    });
  });

  it("a token over other bytes is caught (tsa.imprint_mismatch) and the signature is not valid", async () => {
    const signed = await stamp(() => timestampOver(tsa, new TextEncoder().encode("another value"), signedAt));
    const v = verifyOfd(signed.ofd, { at, timestampTrust: [ca.root.cert] });
    expect(timeStampCheck(v)).toMatchObject({ status: "fail", code: "tsa.imprint_mismatch" });
    expect(v.valid).toBe(false);
    expect(v.signatures[0]!.signatureIntact).toBe(true);
  });

  it("a token from a TSA under another root is untrusted", async () => {
    const signed = await stamp((signature) => timestampOver(tsa, signature, signedAt));
    const other = await buildTestCa("ecdsa-p256");
    const v = verifyOfd(signed.ofd, { at, timestampTrust: [other.root.cert] });
    expect(timeStampCheck(v)).toMatchObject({ status: "fail", code: "tsa.untrusted" });
  });

  it("a hook that gives nothing (the TSA out of reach) leaves a valid signature without a timestamp", async () => {
    const signed = await stamp(async () => undefined);
    const v = verifyOfd(signed.ofd, { at, timestampTrust: [ca.root.cert] });
    expect(v.valid).toBe(true);
    expect(v.signatures[0]!.timeStamp).toBe(false);
    expect(timeStampCheck(v)?.code).toBe("ofd.timestamp_absent");
  });

  it("long-term validity: after the seal and certificates expire, a trusted timestamp made while they were valid keeps the signature valid; without one it is expired", async () => {
    // In 2031 the seal (to 2028) and the signer's certificate (to 2030) have expired.
    const later = new Date("2031-06-01T00:00:00Z");
    const stamped = await stamp((signature) => timestampOver(tsa, signature, signedAt));
    const v = verifyOfd(stamped.ofd, { at: later, timestampTrust: [ca.root.cert] });
    const now = (name: string) => v.signatures[0]!.checks.find((c) => c.name === name);
    expect(now("sealValidityNow")).toMatchObject({
      status: "pass",
      code: "ofd.seal_valid_at_timestamp",
      params: { genTime: "2026-01-01T23:59:00Z" },
    });
    expect(now("signerCertificateNow")).toMatchObject({
      status: "pass",
      code: "ofd.certificate_valid_at_timestamp",
    });
    expect(v.valid).toBe(true);

    // The same timestamp, untrusted, rescues nothing; and no timestamp at all is plain expiry.
    const untrusted = verifyOfd(stamped.ofd, { at: later });
    expect(untrusted.signatures[0]!.checks.find((c) => c.name === "signerCertificateNow")).toMatchObject({
      status: "fail",
      code: "seal.signer_certificate_expired",
    });
    const bare = verifyOfd((await stamp(async () => undefined)).ofd, {
      at: later,
      timestampTrust: [ca.root.cert],
    });
    expect(bare.valid).toBe(false);
    expect(bare.signatures[0]!.checks.find((c) => c.name === "sealValidityNow")).toMatchObject({
      status: "fail",
      code: "seal.expired",
    });
  });
});
