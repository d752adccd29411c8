/**
 * The software key as the model of a real USB key: retry counters that lock at 0 and are spent
 * before the check, the default-PIN flag, SM2 with the standard signer ID (GM/T 0009), SO unblock by
 * challenge-response, format, and a file that gives nothing away and notices being altered.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { createHash, createHmac } from "node:crypto";
import { spawnSync } from "node:child_process";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../domain/errors.js";
import { translate } from "../i18n/catalogue.js";
import { buildCsr, parseCsr, verifyCsr } from "../pki/csr.js";
import { OID } from "../pki/oids.js";
import { verifySignature } from "../pki/signer.js";
import { SM2_DEFAULT_ID, generateSm2KeyPair, sm2PrivateKeyToPkcs8 } from "../pki/sm2.js";
import { checkNewPin } from "./port.js";
import { SoftwareKey } from "./software-key.js";
import { readSoChallenge, soRespond } from "./software-key-format.js";

const dir = mkdtempSync(join(tmpdir(), "certdesk-softkey-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SO_PIN = "SO-3f9a1c7e5b2d8046";
const PIN = "123456";
/** Lower scrypt cost so that ten wrong PINs take a moment; the production cost is 2^15. */
const FAST = { scrypt: { N: 2 ** 12, r: 8, p: 1 } };
let n = 0;

async function freshKey(input: { retries?: number; defaultPin?: boolean } = {}): Promise<SoftwareKey> {
  const key = SoftwareKey.create(join(dir, `key-${++n}.json`), FAST);
  await key.initialise({
    label: `CD20261120000001-${n}`,
    soPin: SO_PIN,
    userPin: PIN,
    defaultPin: input.defaultPin ?? true,
    userPinRetries: input.retries ?? 10,
    soPinRetries: 10,
  });
  return key;
}

async function failure(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

type Raw = Record<string, unknown> & { user: { retriesLeft: number }; integrity: string };
const raw = (key: SoftwareKey): Raw => JSON.parse(readFileSync(key.path, "utf8")) as Raw;

/** Rewrites the file with a valid outer integrity MAC, as someone with this source code could. */
function forge(key: SoftwareKey, change: (file: Raw) => void): void {
  const file = raw(key);
  change(file);
  const { integrity: _integrity, ...body } = file;
  const canonical = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(canonical).join(",")}]`
      : v && typeof v === "object"
        ? `{${Object.entries(v)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
            .join(",")}}`
        : JSON.stringify(v);
  const mac = createHmac(
    "sha256",
    createHash("sha256")
      .update(`certdesk software key integrity\n${String(body.serial)}`)
      .digest(),
  )
    .update(canonical(body))
    .digest("base64");
  writeFileSync(key.path, JSON.stringify({ ...body, integrity: mac }));
}

describe("a blank key and production", () => {
  it("a blank key has a serial and no PINs: login is refused until it is initialised", async () => {
    const key = SoftwareKey.create(join(dir, "blank.json"), FAST);
    const info = await key.info();
    expect(info).toMatchObject({ kind: "software", initialised: false, label: "" });
    expect(info.serial).toMatch(/^[0-9A-F]{16}$/);
    expect((await failure(key.login(PIN))).code).toBe("token.not_initialised");
    expect(() => SoftwareKey.create(key.path)).toThrow(DomainError);
  });

  it("initialise sets label, the programme's retry limits and the default-PIN flag (programme B: 123456)", async () => {
    const key = await freshKey({ retries: 10, defaultPin: true });
    expect(await key.info()).toMatchObject({
      initialised: true,
      defaultPin: true,
      user: { retriesLeft: 10, maxRetries: 10, locked: false },
      so: { retriesLeft: 10, maxRetries: 10, locked: false },
      unblock: "challenge-response",
      algorithms: ["sm2", "ecdsa-p256", "rsa-2048"],
    });
    // Re-initialising a key in use needs its SO PIN (like C_InitToken), and a wrong one costs an SO try.
    const wrong = await failure(
      key.initialise({
        label: "X",
        soPin: "another-so-pin-000",
        userPin: PIN,
        defaultPin: true,
        userPinRetries: 5,
        soPinRetries: 5,
      }),
    );
    expect(wrong).toMatchObject({ code: "token.so_auth_failed", params: { remaining: 9 } });
    await key.initialise({
      label: "again",
      soPin: SO_PIN,
      userPin: PIN,
      defaultPin: false,
      userPinRetries: 3,
      soPinRetries: 3,
    });
    expect(await key.info()).toMatchObject({ label: "again", user: { maxRetries: 3 }, defaultPin: false });
  });
});

describe("the user PIN", () => {
  it("ten wrong PINs lock the key; each says how many tries remain; then even the right PIN is refused", async () => {
    const key = await freshKey({ retries: 10 });
    const remaining: number[] = [];
    for (let i = 0; i < 9; i++) {
      const e = await failure(key.login("654321"));
      expect(e.code).toBe("token.pin_incorrect");
      remaining.push(Number(e.params.remaining));
    }
    expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(translate("token.pin_incorrect", "zh-CN", { remaining: 1 })).toBe("PIN 码错误，还可以尝试 1 次");
    const tenth = await failure(key.login("654321"));
    expect(tenth.code).toBe("token.pin_locked");
    // A locked key says how to unlock it.
    expect(translate(tenth.code, "en")).toContain("certdesk-client unlock");
    expect(translate(tenth.code, "zh-CN")).toContain("certdesk-client unlock");
    expect((await failure(key.login(PIN))).code).toBe("token.pin_locked");
    expect(await key.info()).toMatchObject({ user: { retriesLeft: 0, locked: true } });
  });

  it("a lock file left by a process that died (kill -9) is taken over at once, not after a minute", async () => {
    const key = await freshKey();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    for (const holder of [`${dead} ${hostname()}`, String(dead)]) {
      writeFileSync(`${key.path}.lock`, holder);
      const startedAt = Date.now();
      await (await key.login(PIN)).close();
      expect(Date.now() - startedAt).toBeLessThan(2_000);
    }
    // A live holder (this process) still holds it.
    writeFileSync(`${key.path}.lock`, `${process.pid} ${hostname()}`);
    expect((await failure(key.login(PIN))).code).toBe("token.busy");
    rmSync(`${key.path}.lock`);
  }, 30_000);

  it("the counter is spent and on disk before the PIN is checked; a right PIN puts it back", async () => {
    const key = await freshKey({ retries: 10 });
    await failure(key.login("000000"));
    expect(raw(key).user.retriesLeft).toBe(9);
    const pending = key.login(PIN);
    // The check (scrypt) has not finished; a crash now would leave 8, never 9 or 10.
    expect(raw(key).user.retriesLeft).toBe(8);
    const session = await pending;
    expect(raw(key).user.retriesLeft).toBe(10);
    await session.close();
  });

  it("the default PIN stays flagged until changed; change-pin needs the old PIN and counts a wrong one", async () => {
    const key = await freshKey({ defaultPin: true });
    expect(checkNewPin("123456", { old: PIN, defaultPin: "123456" })).toBe("token.pin_unchanged");
    expect(checkNewPin("12345", {})).toBe("token.pin_format");
    expect(checkNewPin("123456", { defaultPin: "123456" })).toBe("token.pin_is_default");
    // Trivial PINs: one digit repeated, a run up or down (wrapping 9-0), a factory PIN.
    for (const easy of ["111111", "888888888", "123456789", "987654", "7890123", "12345678", "aaaaaa"])
      expect(checkNewPin(easy, {}), easy).toBe("token.pin_trivial");
    for (const fine of ["24681357", "11223344", "135790", "20261120", "abc123"])
      expect(checkNewPin(fine, {}), fine).toBeUndefined();
    expect((await failure(key.changePin(PIN, "654321"))).code).toBe("token.pin_trivial");
    const wrong = await failure(key.changePin("111111", "24681357"));
    expect(wrong).toMatchObject({ code: "token.pin_incorrect", params: { remaining: 9 } });
    expect((await key.info()).defaultPin).toBe(true);
    await key.changePin(PIN, "24681357");
    expect(await key.info()).toMatchObject({ defaultPin: false, user: { retriesLeft: 10 } });
    expect((await failure(key.login(PIN))).code).toBe("token.pin_incorrect");
    await (await key.login("24681357")).close();
  });
});

describe("key pairs and signatures", () => {
  it("SM2: the signature verifies with the standard signer ID 1234567812345678 and not with another; a CSR proves possession", async () => {
    const key = await freshKey();
    const session = await key.login(PIN);
    const pair = await session.generateKeyPair({ algorithm: "sm2", label: "signing", id: "a1b2" });
    const signer = await session.signer("a1b2");
    expect(Buffer.compare(signer.publicKeySpki, pair.publicKeySpki)).toBe(0);
    expect(signer.algorithm.algorithm).toBe(OID.sm3WithSm2);
    const data = new TextEncoder().encode("登录挑战 20261120");
    const signature = await signer.sign(data);
    expect(
      verifySignature(pair.publicKeySpki, signer.algorithm, data, signature, { sm2Id: SM2_DEFAULT_ID }),
    ).toBe(true);
    expect(verifySignature(pair.publicKeySpki, signer.algorithm, data, signature, { sm2Id: "" })).toBe(false);
    const csr = parseCsr(await buildCsr({ subject: { CN: "x" }, signer }));
    expect(verifyCsr(csr)).toBe(true);
    expect(
      (await failure(session.generateKeyPair({ algorithm: "sm2", label: "again", id: "a1b2" }))).code,
    ).toBe("token.key_id_taken");
    await session.close();
    expect((await failure(session.signer("a1b2"))).code).toBe("token.session_closed");
  });

  it.each(["ecdsa-p256", "rsa-2048"] as const)("%s key pairs sign and verify", async (algorithm) => {
    const key = await freshKey();
    const session = await key.login(PIN);
    const pair = await session.generateKeyPair({ algorithm, label: algorithm, id: "01" });
    const signer = await session.signer("01");
    const data = Buffer.from("data");
    expect(verifySignature(pair.publicKeySpki, signer.algorithm, data, await signer.sign(data))).toBe(true);
    await session.close();
  });

  it("a wrong PIN reveals nothing: the file holds no private key in clear, and a failure carries only the tries left", async () => {
    const key = await freshKey();
    const session = await key.login(PIN);
    await session.generateKeyPair({ algorithm: "sm2", label: "s", id: "0a" });
    const signer = await session.signer("0a");
    await session.close();
    const text = readFileSync(key.path, "utf8");
    expect(text).not.toContain(SO_PIN);
    expect(text).not.toContain(`"${PIN}"`);
    // Every SM2 PKCS#8 starts with the same 24 bytes; the file holds none, only GCM ciphertext.
    const header = Buffer.from(sm2PrivateKeyToPkcs8(generateSm2KeyPair())).subarray(0, 24).toString("base64");
    expect(text).not.toContain(header);
    expect(JSON.parse(text).keyPairs[0].privateKey).toEqual({
      iv: expect.any(String),
      tag: expect.any(String),
      ct: expect.any(String),
    });
    const e = await failure(key.login("999999"));
    expect(Object.keys(e.params)).toEqual(["remaining"]);
    expect(signer.publicKeySpki.length).toBeGreaterThan(0);
  });
});

describe("tampering", () => {
  it("an edit by hand (a counter put back to 10) is detected when the file is read", async () => {
    const key = await freshKey();
    await failure(key.login("000000"));
    const file = raw(key);
    file.user.retriesLeft = 10;
    writeFileSync(key.path, JSON.stringify(file));
    expect((await failure(key.info())).code).toBe("token.tampered");
    expect((await failure(key.login(PIN))).code).toBe("token.tampered");
  });

  it("a forged file with a valid outer MAC (a new label, a higher retry limit, a swapped certificate) fails at login", async () => {
    const key = await freshKey();
    const s = await key.login(PIN);
    await s.writeCertificate({ id: "0b", label: "cert", der: new Uint8Array([0x30, 0x00]) });
    await s.close();
    for (const change of [
      (f: Raw) => void (f.label = "someone else"),
      (f: Raw) => void Object.assign(f.user, { maxRetries: 15 }),
      (f: Raw) =>
        void (f.certificates = [{ id: "0b", label: "cert", der: "MAA=" }].map((c) => ({
          ...c,
          der: "MAE=",
        }))),
    ]) {
      const before = readFileSync(key.path, "utf8");
      forge(key, change);
      await key.info(); // the outer MAC is fine
      expect((await failure(key.login(PIN))).code).toBe("token.tampered");
      writeFileSync(key.path, before);
    }
    await (await key.login(PIN)).close();
  });
});

describe("SO unblock by challenge-response", () => {
  async function locked(): Promise<SoftwareKey> {
    const key = await freshKey({ retries: 3 });
    const s = await key.login(PIN);
    await s.generateKeyPair({ algorithm: "sm2", label: "signing", id: "c0de" });
    await s.close();
    for (let i = 0; i < 3; i++) await failure(key.login("000000"));
    expect((await key.info()).user.locked).toBe(true);
    return key;
  }

  it("the server answers the key's challenge from the SO PIN; the key sets the new PIN, keeps its key pairs, and the response cannot be replayed", async () => {
    const key = await locked();
    const { serial } = await key.info();
    const before = (await key.read()).keyPairs[0]!.publicKey;
    const challenge = await key.soChallenge("unblock");
    expect(readSoChallenge(challenge)).toEqual({ serial, purpose: "unblock" });
    expect(challenge).not.toContain(SO_PIN);
    const response = soRespond({ soPin: SO_PIN, serial, challenge, purpose: "unblock" });
    expect(response).not.toContain(SO_PIN);
    await key.unblock(response, "13572468");
    expect(await key.info()).toMatchObject({ user: { retriesLeft: 3, locked: false }, defaultPin: false });
    const s = await key.login("13572468");
    const signer = await s.signer("c0de");
    expect(Buffer.from(signer.publicKeySpki).toString("base64")).toBe(before);
    await s.close();
    // Replayed: no challenge pending. With a new challenge, the old response opens nothing.
    expect((await failure(key.unblock(response, "99998888"))).code).toBe("token.no_challenge");
    await key.soChallenge("unblock");
    expect(await failure(key.unblock(response, "99998888"))).toMatchObject({
      code: "token.so_auth_failed",
      params: { remaining: 9 },
    });
    await (await key.login("13572468")).close();
  });

  it("a response made with another SO PIN, for another key or for format is refused, and SO tries run out", async () => {
    const key = await locked();
    const { serial } = await key.info();
    const other = await freshKey();
    const otherSerial = (await other.info()).serial;
    let challenge = await key.soChallenge("unblock");
    expect(() => soRespond({ soPin: SO_PIN, serial: otherSerial, challenge, purpose: "unblock" })).toThrow(
      DomainError,
    );
    expect(() => soRespond({ soPin: SO_PIN, serial, challenge, purpose: "format" })).toThrow(DomainError);
    const wrong = soRespond({ soPin: "not-the-so-pin-1234", serial, challenge, purpose: "unblock" });
    expect(await failure(key.unblock(wrong, "13572468"))).toMatchObject({
      code: "token.so_auth_failed",
      params: { remaining: 9 },
    });
    challenge = await key.soChallenge("format");
    const forFormat = soRespond({ soPin: SO_PIN, serial, challenge, purpose: "format" });
    expect((await failure(key.unblock(forFormat, "13572468"))).code).toBe("token.no_challenge");
    for (let left = 8; left >= 1; left--) {
      challenge = await key.soChallenge("unblock");
      const bad = soRespond({ soPin: "not-the-so-pin-1234", serial, challenge, purpose: "unblock" });
      expect((await failure(key.unblock(bad, "13572468"))).params.remaining).toBe(left);
    }
    challenge = await key.soChallenge("unblock");
    const last = soRespond({ soPin: "not-the-so-pin-1234", serial, challenge, purpose: "unblock" });
    expect((await failure(key.unblock(last, "13572468"))).code).toBe("token.so_locked");
    expect((await failure(key.soChallenge("unblock"))).code).toBe("token.so_locked");
  });

  it("at the service centre the SO PIN itself resets the user PIN", async () => {
    const key = await locked();
    expect(
      (await failure(key.resetUserPinWithSoPin("wrong-so-pin-000", "11223344", { defaultPin: false }))).code,
    ).toBe("token.so_auth_failed");
    await key.resetUserPinWithSoPin(SO_PIN, "123456", { defaultPin: true });
    expect(await key.info()).toMatchObject({
      defaultPin: true,
      user: { locked: false },
      so: { retriesLeft: 10 },
    });
    const s = await key.login("123456");
    expect((await s.keyPairs()).map((k) => k.id)).toEqual(["c0de"]);
    await s.close();
  });
});

describe("format", () => {
  it("wipes key pairs, certificates and objects, sets the default PIN again and keeps label and SO", async () => {
    const key = await freshKey({ defaultPin: false });
    const { serial, label } = await key.info();
    const s = await key.login(PIN);
    await s.generateKeyPair({ algorithm: "sm2", label: "signing", id: "01" });
    await s.writeCertificate({ id: "01", label: "signing", der: new Uint8Array([0x30, 0x00]) });
    await s.writeObject({ label: "certdesk.seal", value: new Uint8Array([1, 2, 3]) });
    await s.close();
    const oldPrivate = JSON.stringify((await key.read()).keyPairs[0]!.privateKey);
    const challenge = await key.soChallenge("format");
    await key.format(soRespond({ soPin: SO_PIN, serial, challenge, purpose: "format" }), {
      userPin: "123456",
      defaultPin: true,
    });
    expect(await key.info()).toMatchObject({ label, serial, defaultPin: true });
    expect(await key.certificates()).toEqual([]);
    expect(await key.objects()).toEqual([]);
    expect(readFileSync(key.path, "utf8")).not.toContain(oldPrivate.slice(10, 40));
    const after = await key.login("123456");
    expect(await after.keyPairs()).toEqual([]);
    await after.close();
  });
});
