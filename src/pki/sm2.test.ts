import { generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { fromHex, toHex } from "./der.js";
import {
  SM2P256V1,
  SM2_DEFAULT_ID,
  decodeSignature,
  encodeSignature,
  generateSm2KeyPair,
  sm2,
  sm2KeyPairFromKeyObject,
  sm2PrivateKeyFromPkcs8,
  sm2PrivateKeyObject,
  sm2PrivateKeyToPkcs8,
  sm2PublicKeyFromSpki,
  sm2PublicKeyObject,
  sm2PublicKeyToSpki,
  sm2Scheme,
  sm2Sign,
  sm2Verify,
} from "./sm2.js";
import { DISTID, Workdir, openssl } from "../../test/support/pki.js";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** An RNG that returns the standard's k: the KATs fix the nonce. */
const fixedK = (hex: string) => (): Uint8Array => fromHex(hex);

describe("SM2 known answers", () => {
  it("GB/T 32918.2-2016 Annex A.2 example (Fp-256 test curve, ID ALICE123@YAHOO.COM)", () => {
    const testCurve = sm2Scheme({
      p: 0x8542d69e4c044f18e8b92435bf6ff7de457283915c45517d722edb8b08f1dfc3n,
      a: 0x787968b4fa32c3fd2417842e73bbfeff2f3c848b6831d7e0ec65228b3937e498n,
      b: 0x63e4c6d3b23b0c849cf84241484bfe48f61d59a5b16ba06e6e12d1da27c5249an,
      Gx: 0x421debd61b62eab6746434ebc3cc315e32220b3badd50bdc4c4e6c147fedd43dn,
      Gy: 0x0680512bcbb42c07d47349d2153b70c4e5d7fdfcbfa36ea1a85841b9e46e09a2n,
      n: 0x8542d69e4c044f18e8b92435bf6ff7dd297720630485628d5ae74ee7c32e79b7n,
    });
    const d = fromHex("128b2fa8bd433c6c068c8d803dff79792a519a55171b1b650c23661d15897263");
    const id = "ALICE123@YAHOO.COM";
    const publicKey = testCurve.publicKeyFromPrivate(d);
    expect(toHex(publicKey)).toBe(
      "04" +
        "0ae4c7798aa0f119471bee11825be46202bb79e2a5844495e97c04ff4df2548a" +
        "7c0240f88f1cd4e16352a73c17b7f16f07353e53a176d684a9fe0c6bb798e857",
    );
    expect(toHex(testCurve.za(publicKey, id))).toBe(
      "f4a38489e32b45b6f876e3ac2168ca392362dc8f23459c1d1146fc3dbfb7bc9a",
    );
    const sig = testCurve.sign(d, utf8("message digest"), {
      id,
      random: fixedK("6cb28d99385c175c94f94e934817663fc176d925dd72b727260dbaae1fb2f96f"),
    });
    const { r, s } = decodeSignature(sig);
    expect(r.toString(16)).toBe("40f1ec59f793d9f49e09dcef49130d4194f79fb1eed2caa55bacdb49c4e755d1");
    expect(s.toString(16)).toBe("6fc6dac32c5d5cf10c77dfb20f7c2eb667a457872fb09ec56327a67ec7deebe7");
    expect(testCurve.verify(publicKey, utf8("message digest"), sig, { id })).toBe(true);
  });

  it("GB/T 32918.5-2017 (GM/T 0003.5) example on sm2p256v1 with the default ID 1234567812345678", () => {
    const d = fromHex("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8");
    const publicKey = sm2.publicKeyFromPrivate(d);
    expect(toHex(publicKey)).toBe(
      "04" +
        "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020" +
        "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13",
    );
    expect(toHex(sm2.za(publicKey))).toBe("b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3");
    const sig = sm2Sign(d, utf8("message digest"), {
      random: fixedK("59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21"),
    });
    expect(toHex(sig)).toBe(
      "3046" +
        "022100f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3" +
        "022100b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa",
    );
    expect(sm2Verify(publicKey, utf8("message digest"), sig)).toBe(true);
  });
});

describe("SM2 sign and verify", () => {
  const pair = generateSm2KeyPair();
  const message = utf8("上海示例科技有限公司 91310115591693856A");

  it("verifies its own signatures, and only with the same ID, message and key", () => {
    const sig = sm2Sign(pair.privateKey, message);
    expect(sm2Verify(pair.publicKey, message, sig)).toBe(true);
    expect(sm2Verify(pair.publicKey, message, sig, { id: "" })).toBe(false);
    expect(sm2Verify(pair.publicKey, utf8("other"), sig)).toBe(false);
    expect(sm2Verify(generateSm2KeyPair().publicKey, message, sig)).toBe(false);
  });

  it("rejects a tampered signature and malformed encodings without throwing", () => {
    const { r, s } = decodeSignature(sm2Sign(pair.privateKey, message));
    expect(sm2Verify(pair.publicKey, message, encodeSignature(r, s + 1n))).toBe(false);
    expect(sm2Verify(pair.publicKey, message, encodeSignature(0n, s))).toBe(false);
    expect(sm2Verify(pair.publicKey, message, Uint8Array.of(0x30, 0x00))).toBe(false);
    expect(sm2Verify(pair.publicKey, message, fromHex("300602010102020001"))).toBe(false); // non-minimal INTEGER
    expect(sm2Verify(Uint8Array.of(4, 1, 2, 3), message, sm2Sign(pair.privateKey, message))).toBe(false);
  });

  it("draws a fresh k each time (GB/T 32918.2 6.1 A3: k random)", () => {
    expect(toHex(sm2Sign(pair.privateKey, message))).not.toBe(toHex(sm2Sign(pair.privateKey, message)));
  });

  it("OpenSSL's k·G (the production curve) and noble's (any other parameters object) agree", () => {
    // The same parameters in another object take the pure-JS path.
    const noble = sm2Scheme({ ...SM2P256V1 });
    for (let i = 0; i < 16; i++) {
      const d = generateSm2KeyPair().privateKey;
      expect(toHex(sm2.publicKeyFromPrivate(d))).toBe(toHex(noble.publicKeyFromPrivate(d)));
      const fixed = { random: fixedK(toHex(generateSm2KeyPair().privateKey)) };
      expect(toHex(sm2.sign(d, message, fixed))).toBe(toHex(noble.sign(d, message, fixed)));
    }
    const edges = ["01", "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54121"];
    for (const d of edges.map((h) => fromHex(h.padStart(64, "0"))))
      expect(toHex(sm2.publicKeyFromPrivate(d))).toBe(toHex(noble.publicKeyFromPrivate(d)));
  });

  it("rejects a private key outside [1, n-2]", () => {
    expect(() => sm2Sign(new Uint8Array(32), message)).toThrow(/out of range/);
    const nMinus1 = fromHex("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54122");
    expect(() => sm2Sign(nMinus1, message)).toThrow(/out of range/);
  });
});

describe("SM2 key encodings (GM/T 0015: id-ecPublicKey with curve 1.2.156.10197.1.301)", () => {
  it("round-trips PKCS#8 and SPKI through node's KeyObject", () => {
    const pair = generateSm2KeyPair();
    const key = sm2PrivateKeyObject(pair);
    expect(key.asymmetricKeyDetails?.namedCurve ?? "SM2").toBe("SM2");
    expect(sm2KeyPairFromKeyObject(key)).toEqual(pair);
    expect(sm2PrivateKeyFromPkcs8(sm2PrivateKeyToPkcs8(pair))).toEqual(pair);
    const spki = sm2PublicKeyToSpki(pair.publicKey);
    expect(sm2PublicKeyFromSpki(spki)).toEqual(pair.publicKey);
    expect(
      new Uint8Array(sm2PublicKeyObject(pair.publicKey).export({ format: "der", type: "spki" })),
    ).toEqual(spki);
  });

  it("reads keys node generates and signs so that node-exported public keys verify", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "SM2" });
    const pair = sm2KeyPairFromKeyObject(privateKey);
    const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
    expect(sm2PublicKeyFromSpki(spki)).toEqual(pair.publicKey);
    expect(sm2Verify(pair.publicKey, utf8("x"), sm2Sign(pair.privateKey, utf8("x")))).toBe(true);
  });

  it("shows why node's own signing is not used: with an SM2-curve key it makes ECDSA, not an SM2 signature", () => {
    // node 20 (OpenSSL 3) treats the key as a plain EC key: crypto.sign gives ECDSA-with-SHA256 on
    // the SM2 curve, with no Z_A at all, so it verifies as SM2 under no signer ID.
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "SM2" });
    const pair = sm2KeyPairFromKeyObject(privateKey);
    const sig = new Uint8Array(nodeSign(null, utf8("x"), privateKey));
    expect(sm2Verify(pair.publicKey, utf8("x"), sig, { id: "" })).toBe(false);
    expect(sm2Verify(pair.publicKey, utf8("x"), sig, { id: SM2_DEFAULT_ID })).toBe(false);
  });
});

describe("SM2 against OpenSSL 3.0 (pkeyutl -rawin -digest sm3 -pkeyopt distid:...)", () => {
  const dir = new Workdir();
  afterAll(() => dir.remove());
  const pair = generateSm2KeyPair();
  const message = utf8("采购订单 PO-2026-0001");
  dir.write("key.pem", sm2PrivateKeyObject(pair).export({ format: "pem", type: "pkcs8" }));
  dir.writePem("pub.pem", "PUBLIC KEY", sm2PublicKeyToSpki(pair.publicKey));
  dir.write("msg", message);

  it("OpenSSL verifies our signature with the standard ID, and not without it", () => {
    dir.write("ours.sig", sm2Sign(pair.privateKey, message));
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
          "pub.pem",
          "-in",
          "msg",
          "-sigfile",
          "ours.sig",
          ...extra,
        ],
        dir.path,
      );
    expect(verify(["-pkeyopt", DISTID]).output).toContain("Signature Verified Successfully");
    expect(verify([]).code).not.toBe(0);
  });

  it("we verify OpenSSL's signature made with the standard ID", () => {
    const r = openssl(
      [
        "pkeyutl",
        "-sign",
        "-rawin",
        "-digest",
        "sm3",
        "-inkey",
        "key.pem",
        "-in",
        "msg",
        "-out",
        "theirs.sig",
        "-pkeyopt",
        DISTID,
      ],
      dir.path,
    );
    expect(r.code).toBe(0);
    const sig = dir.read("theirs.sig");
    expect(sm2Verify(pair.publicKey, message, sig)).toBe(true);
    expect(sm2Verify(pair.publicKey, message, sig, { id: "" })).toBe(false);
  });
});
