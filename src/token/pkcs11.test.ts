/**
 * The PKCS#11 wrapper against a real SoftHSM2 token store (test/support/softhsm.ts): no mocks,
 * the same library an HSM or a USB key driver would be.
 */
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pkcs11js from "pkcs11js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSoftHsm } from "../../test/support/softhsm.js";
import type { SoftHsm } from "../../test/support/softhsm.js";
import { DomainError } from "../domain/errors.js";
import { pkcs11Messages } from "../i18n/messages/pkcs11.js";
import { buildCertificate } from "../pki/certificate.js";
import { TAG, children, readOnly } from "../pki/der.js";
import { randomSerial } from "../pki/serial.js";
import { generateSoftwareKey, signatureAlgorithm, verifySignature } from "../pki/signer.js";
import { ecdsaRawToDer, mapPkcs11Error } from "./pkcs11.js";
import { Pkcs11Module, withPkcs11Module, withSession } from "./pkcs11-module.js";
import type { KeyPairAlgorithm } from "./pkcs11-types.js";

const SO_PIN = "87654321";
const PIN = "123456";
const CLI_TOKEN = "made-by-softhsm2-util";

let hsm: SoftHsm;

beforeAll(() => {
  hsm = createSoftHsm();
  // Before any C_Initialize in this process: SoftHSM2 only sees tokens that exist by then.
  hsm.createToken({ label: CLI_TOKEN, soPin: SO_PIN, pin: PIN });
});
afterAll(() => hsm?.remove());

/** Resolves to the DomainError code the promise rejects with. */
async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  throw new Error("expected a DomainError");
}

const withModule = <T>(fn: (m: Pkcs11Module) => Promise<T>): Promise<T> =>
  withPkcs11Module(hsm.modulePath, fn);

describe("tokens", () => {
  it("lists tokens with label, serial and flags", async () => {
    await withModule(async (m) => {
      const tokens = m.tokens();
      const made = tokens.find((t) => t.label === CLI_TOKEN)!;
      expect(made).toBeDefined();
      expect(made.serial).toMatch(/^[0-9a-f]{16}$/);
      expect(made.manufacturer).toBe("SoftHSM project");
      expect(made.flags).toMatchObject({
        initialized: true,
        userPinInitialized: true,
        loginRequired: true,
        userPinLocked: false,
      });
      // SoftHSM2 always keeps one free, uninitialised token for the next C_InitToken.
      expect(tokens.some((t) => !t.flags.initialized)).toBe(true);
      expect(m.findToken({ serial: made.serial }).label).toBe(CLI_TOKEN);
    });
  });

  it("initialises a token (C_InitToken, C_InitPIN) and finds it again by label and serial after SoftHSM2 moves its slot", async () => {
    let slotAtInit: Buffer | undefined;
    await withModule(async (m) => {
      const free = m.tokens().find((t) => !t.flags.initialized)!;
      // A Chinese label: 15 UTF-8 bytes of the 32 a label may have.
      const token = m.initToken(free, { soPin: SO_PIN, label: "组织 USB Key" });
      slotAtInit = token.slot;
      expect(token.label).toBe("组织 USB Key");
      expect(token.flags.initialized).toBe(true);
      expect(token.flags.userPinInitialized).toBe(false);
      // A new free token appears on a new slot.
      expect(
        m
          .tokens()
          .find((t) => !t.flags.initialized)!
          .slot.equals(free.slot),
      ).toBe(false);

      expect(await codeOf(withSession(m, { label: "组织 USB Key" }, { login: { pin: PIN } }, () => 0))).toBe(
        "pkcs11.user_pin_not_initialized",
      );
      await withSession(
        m,
        { serial: token.serial },
        { readWrite: true, login: { pin: SO_PIN, user: "so" } },
        (s) => s.initUserPin(PIN),
      );
      expect(m.findToken({ label: "组织 USB Key" }).flags.userPinInitialized).toBe(true);
      await withSession(m, { label: "组织 USB Key" }, { login: { pin: PIN } }, () => undefined);

      expect(await codeOf(() => m.initToken(free, { soPin: SO_PIN, label: "x".repeat(33) }))).toBe(
        "pkcs11.token_label_invalid",
      );
    });
    // After the next C_Initialize SoftHSM2 numbers the slot from the serial: never keep slot ids.
    await withModule(async (m) => {
      const again = m.findToken({ label: "组织 USB Key" });
      expect(again.slot.equals(slotAtInit!)).toBe(false);
      await withSession(m, { serial: again.serial }, { login: { pin: PIN } }, () => undefined);
    });
  });

  it("changes the user PIN (C_SetPIN); a PIN too short is pkcs11.pin_invalid", async () => {
    await withModule(async (m) => {
      const token = m.initToken(
        m.tokens().find((t) => !t.flags.initialized)!,
        { soPin: SO_PIN, label: "pin-change" },
      );
      const sel = { serial: token.serial };
      await withSession(m, sel, { readWrite: true, login: { pin: SO_PIN, user: "so" } }, (s) =>
        s.initUserPin(PIN),
      );
      await withSession(m, sel, { readWrite: true, login: { pin: PIN } }, async (s) => {
        // SoftHSM2 wants 4 to 255 bytes: CKR_PIN_LEN_RANGE.
        expect(await codeOf(s.changePin(PIN, "12"))).toBe("pkcs11.pin_invalid");
        await s.changePin(PIN, "new-pin-2468");
      });
      // Every session closed: the token has logged out, so the next login checks the PIN again.
      expect(await codeOf(withSession(m, sel, { login: { pin: PIN } }, () => 0))).toBe(
        "pkcs11.pin_incorrect",
      );
      await withSession(m, sel, { login: { pin: "new-pin-2468" } }, () => undefined);
    });
  });
});

describe("keys, signatures and certificates", () => {
  const cases: { algorithm: KeyPairAlgorithm; label: string; id: Uint8Array; node: string }[] = [
    { algorithm: "rsa-2048", label: "key-rsa", id: Uint8Array.of(0xa1), node: "rsa" },
    { algorithm: "ecdsa-p256", label: "key-p256", id: Uint8Array.of(0xa2), node: "ec" },
  ];

  it.each(cases)(
    "generates a $algorithm pair with CKA_LABEL and CKA_ID and reads its SubjectPublicKeyInfo",
    async ({ algorithm, label, id, node }) => {
      await withModule((m) =>
        withSession(m, { label: CLI_TOKEN }, { readWrite: true, login: { pin: PIN } }, async (s) => {
          const pair = await s.generateKeyPair({ algorithm, label, id });
          const byLabel = await s.findKey("private", { label });
          const byId = await s.findKey("private", { id });
          expect(byLabel.handle.equals(pair.privateKey.handle)).toBe(true);
          expect(byId.label).toBe(label);
          expect(Buffer.from(byId.id)).toEqual(Buffer.from(id));

          const spki = await s.publicKeySpki(byLabel);
          expect(Buffer.from(await s.publicKeySpki(pair.publicKey))).toEqual(Buffer.from(spki));
          const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
          expect(key.asymmetricKeyType).toBe(node);
          if (node === "rsa") expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
          else expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
        }),
      );
    },
  );

  it.each(cases)(
    "signs with the $algorithm key as sha256WithRSAEncryption / ecdsa-with-SHA256 (RFC 5480 DER signature)",
    async ({ algorithm, label }) => {
      await withModule((m) =>
        withSession(m, { label: CLI_TOKEN }, { login: { pin: PIN } }, async (s) => {
          const key = await s.findKey("private", { label });
          const spki = await s.publicKeySpki(key);
          const alg = signatureAlgorithm(algorithm === "rsa-2048" ? "rsa" : "ecdsa-p256");
          const data = new TextEncoder().encode("签名数据 certdesk");
          const signature = await s.sign(key, data);
          if (algorithm === "ecdsa-p256") {
            const seq = readOnly(signature, TAG.SEQUENCE);
            expect(children(signature, seq).map((t) => t.tag)).toEqual([TAG.INTEGER, TAG.INTEGER]);
          } else {
            expect(signature.length).toBe(256);
          }
          expect(verifySignature(spki, alg, data, signature)).toBe(true);
          expect(verifySignature(spki, alg, new TextEncoder().encode("other"), signature)).toBe(false);

          // A PKCS#11 session does one operation at a time: concurrent calls must queue, not collide.
          const many = await Promise.all(Array.from({ length: 12 }, (_, i) => s.sign(key, Uint8Array.of(i))));
          many.forEach((sig, i) => expect(verifySignature(spki, alg, Uint8Array.of(i), sig)).toBe(true));
        }),
      );
    },
  );

  it("writes a certificate object, reads it back byte for byte, and destroys objects", async () => {
    const { signer } = generateSoftwareKey("ecdsa-p256");
    const der = await buildCertificate({
      serialNumber: randomSerial(),
      subject: { C: "CN", O: "证书服务测试", CN: "token object test" },
      subjectPublicKey: signer.publicKeySpki,
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2030-01-01T00:00:00Z"),
      extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature"] },
      issuer: { selfSigned: true },
      signer,
    });
    await withModule((m) =>
      withSession(m, { label: CLI_TOKEN }, { readWrite: true, login: { pin: PIN } }, async (s) => {
        const written = await s.writeCertificate({ der, label: "cert-obj", id: Uint8Array.of(0xc1) });
        const [byId] = await s.certificates({ id: Uint8Array.of(0xc1) });
        expect(Buffer.from(byId!.der)).toEqual(Buffer.from(der));
        expect(byId!.label).toBe("cert-obj");
        expect((await s.certificates({ label: "cert-obj" })).length).toBe(1);
        expect((await s.certificates()).length).toBeGreaterThanOrEqual(1);

        await s.destroy(written);
        expect(await s.certificates({ label: "cert-obj" })).toEqual([]);

        const pair = await s.generateKeyPair({
          algorithm: "ecdsa-p256",
          label: "doomed",
          id: Uint8Array.of(0xd0),
        });
        await s.destroy(pair.privateKey);
        await s.destroy(pair.publicKey);
        expect(await codeOf(s.findKey("private", { label: "doomed" }))).toBe("pkcs11.key_not_found");
      }),
    );
  });
});

describe("errors", () => {
  it("a wrong user or SO PIN is pkcs11.pin_incorrect (CKR_PIN_INCORRECT), naming the token", async () => {
    await withModule(async (m) => {
      const err = await withSession(m, { label: CLI_TOKEN }, { login: { pin: "000000" } }, () => 0).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe("pkcs11.pin_incorrect");
      expect((err as DomainError).params.token).toBe(CLI_TOKEN);
      expect(
        await codeOf(
          withSession(
            m,
            { label: CLI_TOKEN },
            { readWrite: true, login: { pin: "0000", user: "so" } },
            () => 0,
          ),
        ),
      ).toBe("pkcs11.pin_incorrect");
    });
  });

  it("SoftHSM2 has no PIN lockout: 20 wrong PINs raise only CKF_USER_PIN_COUNT_LOW, and the right PIN still works", async () => {
    await withModule(async (m) => {
      for (let i = 0; i < 20; i++) {
        expect(
          await codeOf(withSession(m, { label: CLI_TOKEN }, { login: { pin: "999999" } }, () => 0)),
        ).toBe("pkcs11.pin_incorrect");
      }
      const flags = m.findToken({ label: CLI_TOKEN }).flags;
      expect(flags.userPinLocked).toBe(false);
      await withSession(m, { label: CLI_TOKEN }, { login: { pin: PIN } }, () => undefined);
    });
  });

  it("login is per token: while one session is logged in, a second login is accepted without a PIN check", async () => {
    // PKCS#11 2.40 section 5.6; documented on Pkcs11Session.login. Callers that must check a PIN
    // (the USB key port) have to do so with no other session of this process logged in.
    await withModule((m) =>
      withSession(m, { label: CLI_TOKEN }, { login: { pin: PIN } }, () =>
        withSession(m, { label: CLI_TOKEN }, { login: { pin: "wrong-but-accepted" } }, async (s) => {
          expect((await s.findKeys("private")).length).toBeGreaterThan(0);
        }),
      ),
    );
  });

  it("an unknown token is pkcs11.token_not_found, an unknown key pkcs11.key_not_found, a missing library pkcs11.module_load_failed", async () => {
    await withModule(async (m) => {
      expect(await codeOf(() => m.findToken({ label: "no such token" }))).toBe("pkcs11.token_not_found");
      expect(await codeOf(() => m.findToken({ serial: "0000000000000000" }))).toBe("pkcs11.token_not_found");
      await withSession(m, { label: CLI_TOKEN }, { login: { pin: PIN } }, async (s) => {
        expect(await codeOf(s.findKey("private", { label: "no such key" }))).toBe("pkcs11.key_not_found");
        expect(await codeOf(s.findKey("private", { id: Uint8Array.of(0xee, 0xee) }))).toBe(
          "pkcs11.key_not_found",
        );
      });
    });
    expect(await codeOf(() => Pkcs11Module.open("/nonexistent/libpkcs11.so"))).toBe(
      "pkcs11.module_load_failed",
    );
    expect(await codeOf(() => Pkcs11Module.open(hsm.confPath))).toBe("pkcs11.module_load_failed");
  });

  it("maps the common CKR_ codes to catalogue codes", () => {
    const expected: [string, string][] = [
      ["CKR_PIN_INCORRECT", "pkcs11.pin_incorrect"],
      ["CKR_PIN_LOCKED", "pkcs11.pin_locked"],
      ["CKR_PIN_EXPIRED", "pkcs11.pin_expired"],
      ["CKR_PIN_LEN_RANGE", "pkcs11.pin_invalid"],
      ["CKR_TOKEN_NOT_PRESENT", "pkcs11.token_not_present"],
      ["CKR_DEVICE_REMOVED", "pkcs11.token_not_present"],
      ["CKR_KEY_HANDLE_INVALID", "pkcs11.key_not_found"],
      ["CKR_MECHANISM_INVALID", "pkcs11.mechanism_invalid"],
      ["CKR_KEY_FUNCTION_NOT_PERMITTED", "pkcs11.key_function_not_permitted"],
      ["CKR_DEVICE_ERROR", "pkcs11.operation_failed"],
    ];
    const codes = pkcs11js as unknown as Record<string, number>;
    for (const [ckr, code] of expected) {
      const mapped = mapPkcs11Error(new pkcs11js.Pkcs11Error(ckr, codes[ckr]!, "C_Test"), { token: "T" });
      expect(mapped, ckr).toBeInstanceOf(DomainError);
      expect((mapped as DomainError).code, ckr).toBe(code);
      expect((mapped as DomainError).params).toMatchObject({ token: "T", ckr });
    }
    const other = new Error("not PKCS#11");
    expect(mapPkcs11Error(other, { token: "T" })).toBe(other);
  });

  it("every pkcs11.* code thrown has a zh-CN and an en message", () => {
    const used = new Set<string>();
    for (const file of ["./pkcs11.ts", "./pkcs11-module.ts", "../pki/pkcs11-signer.ts"]) {
      const source = readFileSync(fileURLToPath(new URL(file, import.meta.url)), "utf8");
      for (const match of source.matchAll(/"(pkcs11\.[a-z_]+)"/g)) used.add(match[1]!);
    }
    expect(used.size).toBeGreaterThan(10);
    for (const code of used) {
      expect(pkcs11Messages[code]?.["zh-CN"], code).toBeTruthy();
      expect(pkcs11Messages[code]?.en, code).toBeTruthy();
    }
    expect(pkcs11Messages["pkcs11.pin_incorrect"]!["zh-CN"]).toBe("令牌 {token} 的 PIN 码不正确");
  });
});

describe("ecdsaRawToDer", () => {
  it("encodes r || s as SEQUENCE { INTEGER r, INTEGER s } with minimal, positive INTEGERs (RFC 5480 section 2.2)", () => {
    const r = new Uint8Array(32).fill(0x80);
    const s = new Uint8Array(32);
    s[31] = 0x01;
    expect(Buffer.from(ecdsaRawToDer(Uint8Array.of(...r, ...s))).toString("hex")).toBe(
      "3026" + "0221" + "00" + "80".repeat(32) + "0201" + "01",
    );
  });
});
