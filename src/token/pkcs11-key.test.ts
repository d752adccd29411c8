/**
 * The USB key port over PKCS#11, on a real SoftHSM2 token store: production's initialise on a free
 * token, the default-PIN marker, logins that really check the PIN, key pairs, certificates and data
 * objects as pkcs11-tool sees them, the service centre's SO reset, and what PKCS#11 cannot do.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSoftHsm, type SoftHsm } from "../../test/support/softhsm.js";
import { DomainError } from "../domain/errors.js";
import { buildCertificate, parseCertificate } from "../pki/certificate.js";
import { randomSerial } from "../pki/serial.js";
import { generateSoftwareKey, verifySignature } from "../pki/signer.js";
import { Pkcs11UsbKey } from "./pkcs11-key.js";
import { OBJECT_LABELS } from "./port.js";

let hsm: SoftHsm;
beforeAll(() => {
  hsm = createSoftHsm();
});
afterAll(() => hsm?.remove());

const SO_PIN = "so-1d4e7f0a2b5c";
const PIN = "123456";

async function failure(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

/** Initialises SoftHSM2's free token through the port, as production does. */
async function produced(label: string, defaultPin: boolean): Promise<Pkcs11UsbKey> {
  const all = Pkcs11UsbKey.all(hsm.modulePath);
  try {
    let blank: Pkcs11UsbKey | undefined;
    for (const k of all.keys) if (!(await k.info()).initialised) blank = k;
    expect(blank).toBeDefined();
    const info = await blank!.initialise({
      label,
      soPin: SO_PIN,
      userPin: PIN,
      defaultPin,
      userPinRetries: 10,
      soPinRetries: 10,
    });
    expect(info).toMatchObject({ kind: "pkcs11", label, initialised: true, defaultPin });
    return Pkcs11UsbKey.open(hsm.modulePath, { serial: info.serial });
  } finally {
    await all.close();
  }
}

describe("a PKCS#11 token through the USB key port", () => {
  it("initialise on SoftHSM2's free token: label, SO and user PIN, and the default-PIN marker until change-pin", async () => {
    const key = await produced("CD20261120000009-1", true);
    try {
      expect(await key.info()).toMatchObject({
        defaultPin: true,
        unblock: "service-centre",
        algorithms: ["ecdsa-p256", "rsa-2048"],
        user: { locked: false, retriesLeft: undefined },
      });
      expect((await key.objects()).map((o) => o.label)).toEqual([OBJECT_LABELS.defaultPin]);
      await key.changePin(PIN, "24681357");
      expect((await key.info()).defaultPin).toBe(false);
      expect(await key.objects()).toEqual([]);
    } finally {
      await key.close();
    }
  });

  it("a login checks the PIN every time, even after a right login in the same process", async () => {
    const key = await produced("CD20261120000009-2", false);
    try {
      const session = await key.login(PIN);
      await session.close();
      expect((await failure(key.login("000000"))).code).toBe("token.pin_incorrect_unknown");
      const again = await key.login(PIN);
      expect((await failure(key.login("000000"))).code).toBe("token.pin_incorrect_unknown");
      await again.close();
    } finally {
      await key.close();
    }
  });

  it("key pairs, certificates and the seal object are where pkcs11-tool finds them; the signer's signature verifies", async () => {
    const key = await produced("CD20261120000009-3", false);
    const { serial } = await key.info();
    try {
      const session = await key.login(PIN);
      expect((await failure(session.generateKeyPair({ algorithm: "sm2", label: "x", id: "01" }))).code).toBe(
        "token.algorithm_unsupported",
      );
      const pair = await session.generateKeyPair({ algorithm: "ecdsa-p256", label: "signing", id: "c0ffee" });
      const signer = await session.signer("c0ffee");
      const data = Buffer.from("登录挑战");
      expect(verifySignature(pair.publicKeySpki, signer.algorithm, data, await signer.sign(data))).toBe(true);
      const ca = generateSoftwareKey("ecdsa-p256");
      const der = await buildCertificate({
        serialNumber: randomSerial(),
        subject: { C: "CN", O: "示例", CN: "signing" },
        issuer: { name: { C: "CN", O: "Test CA" } },
        subjectPublicKey: pair.publicKeySpki,
        notBefore: new Date("2026-01-01T00:00:00Z"),
        notAfter: new Date("2027-01-01T00:00:00Z"),
        extensions: { keyUsage: ["digitalSignature"] },
        signer: ca.signer,
      });
      await session.writeCertificate({ id: "c0ffee", label: "signing", der });
      await session.writeObject({ label: OBJECT_LABELS.seal, value: new Uint8Array([0x30, 0x03, 1, 2, 3]) });
      expect((await session.keyPairs()).map((k) => [k.id, k.algorithm])).toEqual([["c0ffee", "ecdsa-p256"]]);
      await session.close();

      const certs = await key.certificates();
      expect(certs.map((c) => c.id)).toEqual(["c0ffee"]);
      expect(parseCertificate(certs[0]!.der).subject.CN).toBe("signing");
      const listed = hsm.pkcs11Tool([
        "--token-label",
        "CD20261120000009-3",
        "--login",
        "--pin",
        PIN,
        "--list-objects",
      ]);
      expect(listed.code, listed.output).toBe(0);
      expect(listed.output).toMatch(/Private Key Object; EC/);
      expect(listed.output).toMatch(/Certificate Object; type = X\.509 cert/);
      expect(listed.output).toMatch(/Data object/);
      expect(listed.output).toContain("ID:         c0ffee");
      expect(serial).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      await key.close();
    }
  });

  it("unblock and format by challenge-response are refused with the service-centre message; the SO PIN resets the PIN there", async () => {
    const key = await produced("CD20261120000009-4", false);
    try {
      expect((await failure(key.soChallenge("unblock"))).code).toBe("token.unblock_unsupported");
      // Each refusal names its operation: a format is not answered with the unlock text.
      expect((await failure(key.soChallenge("format"))).code).toBe("token.format_unsupported");
      expect((await failure(key.format("x", { userPin: "24681357", defaultPin: false }))).code).toBe(
        "token.format_unsupported",
      );
      expect(
        (await failure(key.resetUserPinWithSoPin("wrong-so-pin-x", "11223344", { defaultPin: false }))).code,
      ).toBe("token.so_auth_failed");
      await key.resetUserPinWithSoPin(SO_PIN, "123456", { defaultPin: true });
      expect((await key.info()).defaultPin).toBe(true);
      await (await key.login("123456")).close();
    } finally {
      await key.close();
    }
  });
});
