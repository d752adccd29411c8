/**
 * The native SM2 path (OpenSSL through native/sm2) against the reference in sm2.ts and against the
 * openssl command: the same standard (GB/T 32918.2, SM3, Z_A with the GM/T 0009 ID), so each
 * verifies the other's signatures, both ways, over many keys and messages. And the fallback: with
 * the addon missing or switched off, SM2 still signs and verifies, in JavaScript.
 */
import { generateKeyPairSync, randomBytes, randomInt } from "node:crypto";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { fromHex } from "./der.js";
import { signatureAlgorithm, sm2Signer, verifySignature, verifySignatureAsync } from "./signer.js";
import {
  SM2_DEFAULT_ID,
  generateSm2KeyPair,
  sm2IdBytes,
  sm2KeyPairFromKeyObject,
  sm2PrivateKeyToPkcs8,
  sm2PublicKeyToSpki,
  sm2Sign,
  sm2Verify,
  type Sm2KeyPair,
} from "./sm2.js";
import { SM2_ADDON_PATH, loadSm2Addon, setSm2Native, sm2Backend, type Sm2Native } from "./sm2-native.js";
import { DISTID, Workdir, openssl } from "../../test/support/pki.js";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const ID = sm2IdBytes(SM2_DEFAULT_ID);

/** The addon must be there: npm ci builds it (native/sm2/build.mjs); CI installs the compiler. */
function addon(): Sm2Native {
  const backend = sm2Backend();
  if (!backend) throw new Error(`the SM2 addon is not built (${SM2_ADDON_PATH}): run npm ci or npm rebuild`);
  return backend;
}

/** Keys from both makers: node's OpenSSL and the reference's own generator. */
const keyPair = (i: number): Sm2KeyPair =>
  i % 2 === 0
    ? sm2KeyPairFromKeyObject(generateKeyPairSync("ec", { namedCurve: "SM2" }).privateKey)
    : generateSm2KeyPair();
const randomMessage = () => new Uint8Array(randomBytes(randomInt(0, 2048)));

describe("native SM2 known answers (GB/T 32918.5-2017 / GM/T 0003.5, sm2p256v1, ID 1234567812345678)", () => {
  const d = fromHex("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8");
  const point = fromHex(
    "04" +
      "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020" +
      "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13",
  );
  const signature = fromHex(
    "3046" +
      "022100f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3" +
      "022100b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa",
  );
  const message = utf8("message digest");

  it("verifies the standard's signature, and not with another ID or message", () => {
    const n = addon();
    const key = n.publicKey(point);
    expect(n.verify(key, message, signature, ID)).toBe(true);
    expect(n.verify(key, message, signature, utf8(""))).toBe(false);
    expect(n.verify(key, utf8("message digesT"), signature, ID)).toBe(false);
  });

  it("signs with the standard's key what the standard's public key verifies (k is random, so no fixed answer)", () => {
    const n = addon();
    const key = n.privateKey(sm2PrivateKeyToPkcs8({ privateKey: d, publicKey: point }));
    const ours = n.sign(key, message, ID);
    expect(sm2Verify(point, message, ours)).toBe(true);
    expect(n.verify(n.publicKey(point), message, ours, ID)).toBe(true);
  });
});

describe("native and pure-JS SM2 verify each other (GB/T 32918.2 with the GM/T 0009 ID)", () => {
  it("native signatures verify in JS and JS signatures natively, over 60 keys and 240 messages", () => {
    const n = addon();
    for (let i = 0; i < 60; i++) {
      const pair = keyPair(i);
      const priv = n.privateKey(sm2PrivateKeyToPkcs8(pair));
      const pub = n.publicKey(pair.publicKey);
      for (let j = 0; j < 4; j++) {
        const m = randomMessage();
        const native = n.sign(priv, m, ID);
        const js = sm2Sign(pair.privateKey, m);
        expect(sm2Verify(pair.publicKey, m, native)).toBe(true);
        expect(n.verify(pub, m, js, ID)).toBe(true);
        expect(n.verify(pub, m, native, ID)).toBe(true);
        // A flipped bit of the message fails both ways.
        const other = m.length ? m.slice() : Uint8Array.of(0);
        other[0]! ^= m.length ? 1 : 0xff;
        expect(sm2Verify(pair.publicKey, other, native)).toBe(false);
        expect(n.verify(pub, other, js, ID)).toBe(false);
      }
    }
  });

  it("the same with another signer ID, and each side refuses the other ID", () => {
    const n = addon();
    const pair = keyPair(0);
    const id = "ALICE123@YAHOO.COM";
    const m = randomMessage();
    const native = n.sign(n.privateKey(sm2PrivateKeyToPkcs8(pair)), m, utf8(id));
    expect(sm2Verify(pair.publicKey, m, native, { id })).toBe(true);
    expect(sm2Verify(pair.publicKey, m, native)).toBe(false);
    const js = sm2Sign(pair.privateKey, m, { id });
    expect(n.verify(n.publicKey(pair.publicKey), m, js, utf8(id))).toBe(true);
    expect(n.verify(n.publicKey(pair.publicKey), m, js, ID)).toBe(false);
  });

  it("the thread-pool forms give the same answers as the direct ones", async () => {
    const n = addon();
    const pair = keyPair(1);
    const priv = n.privateKey(sm2PrivateKeyToPkcs8(pair));
    const pub = n.publicKey(pair.publicKey);
    const messages = Array.from({ length: 32 }, randomMessage);
    const signatures = await Promise.all(messages.map((m) => n.signAsync(priv, m, ID)));
    messages.forEach((m, i) => expect(sm2Verify(pair.publicKey, m, signatures[i]!)).toBe(true));
    const verdicts = await Promise.all(
      messages.map((m, i) => n.verifyAsync(pub, m, signatures[(i + 1) % 32]!, ID)),
    );
    expect(verdicts).toEqual(messages.map(() => false));
  });

  it("refuses malformed input without crashing: bad DER, an overlong signature, a point off the curve, an RSA key", () => {
    const n = addon();
    const pair = keyPair(0);
    const pub = n.publicKey(pair.publicKey);
    const m = utf8("x");
    expect(n.verify(pub, m, Uint8Array.of(0x30, 0x03, 0x02, 0x01), ID)).toBe(false);
    expect(n.verify(pub, m, new Uint8Array(200), ID)).toBe(false);
    expect(n.verify(pub, m, new Uint8Array(0), ID)).toBe(false);
    const offCurve = pair.publicKey.slice();
    offCurve[64]! ^= 1;
    expect(() => n.publicKey(offCurve)).toThrow(/SM2 public key/);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({
      format: "der",
      type: "pkcs8",
    });
    expect(() => n.privateKey(new Uint8Array(rsa))).toThrow(/not an SM2 key/);
  });
});

describe("native SM2 against the openssl command (pkeyutl -rawin -digest sm3)", () => {
  const dir = new Workdir();
  afterAll(() => dir.remove());

  it("openssl verifies native signatures with -pkeyopt distid:1234567812345678, and not without the ID", () => {
    const n = addon();
    const pair = keyPair(0);
    dir.writePem("pub.pem", "PUBLIC KEY", sm2PublicKeyToSpki(pair.publicKey));
    const key = n.privateKey(sm2PrivateKeyToPkcs8(pair));
    for (let i = 0; i < 5; i++) {
      const m = randomMessage();
      dir.write("msg", m);
      dir.write("native.sig", n.sign(key, m, ID));
      const verify = (extra: string[]) =>
        openssl(
          ["pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin", "-inkey", "pub.pem"].concat(
            ["-in", "msg", "-sigfile", "native.sig"],
            extra,
          ),
          dir.path,
        );
      expect(verify(["-pkeyopt", DISTID]).output).toContain("Signature Verified Successfully");
      expect(verify([]).code).not.toBe(0);
    }
  });
});

describe("the fallback: SM2 in JavaScript when the addon is missing or switched off", () => {
  afterEach(() => setSm2Native(true));

  it("a missing addon is said in one line, and nothing throws", () => {
    const lines: string[] = [];
    expect(loadSm2Addon("/nonexistent/sm2.node", (l) => lines.push(l))).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^certdesk: SM2 runs in JavaScript .*nonexistent/);
    expect(lines[0]).not.toContain("\n");
  });

  it("switched off, the signer and the verifier are the JS ones, and agree with the native ones", async () => {
    const pair = keyPair(0);
    const spki = sm2PublicKeyToSpki(pair.publicKey);
    const algorithm = signatureAlgorithm("sm2");
    const m = randomMessage();
    const nativeSig = await sm2Signer(pair).sign(m);
    setSm2Native(false);
    expect(sm2Backend()).toBeUndefined();
    const jsSigner = sm2Signer(pair);
    const jsSigs = [await jsSigner.sign(m), await jsSigner.sign(m)]; // the second on the JS pool
    for (const sig of [nativeSig, ...jsSigs]) {
      expect(verifySignature(spki, algorithm, m, sig)).toBe(true);
      expect(await verifySignatureAsync(spki, algorithm, m, sig)).toBe(true);
    }
    setSm2Native(true);
    const n = addon();
    for (const sig of jsSigs) expect(n.verify(n.publicKey(pair.publicKey), m, sig, ID)).toBe(true);
    expect(verifySignature(spki, algorithm, m, jsSigs[0]!, { sm2Id: "" })).toBe(false);
  });
});
