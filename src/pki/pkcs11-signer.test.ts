/**
 * CA keys on a PKCS#11 token behind the Signer port, judged by real tools: SoftHSM2 holds the key,
 * OpenSSL verifies the chain, OpenSC's pkcs11-tool lists what certdesk wrote to the token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSoftHsm } from "../../test/support/softhsm.js";
import type { SoftHsm } from "../../test/support/softhsm.js";
import { DomainError } from "../domain/errors.js";
import { withPkcs11Module, withSession } from "../token/pkcs11-module.js";
import type { KeyPairAlgorithm } from "../token/pkcs11-types.js";
import { buildCertificate, parseCertificate, verifyCertificateSignature } from "./certificate.js";
import { OID } from "./oids.js";
import { pkcs11Signer } from "./pkcs11-signer.js";
import type { Pkcs11Signer } from "./pkcs11-signer.js";
import { randomSerial } from "./serial.js";
import { generateSoftwareKey } from "./signer.js";
import type { Signer } from "./signer.js";
import { DATES, ORGANISATION, USCC, Workdir, attime, openssl } from "../../test/support/pki.js";

const TOKEN = "certdesk-ca";
const SO_PIN = "so-87654321";
const PIN = "user-123456";

const CA_KEYS: { algorithm: KeyPairAlgorithm; label: string; id: Uint8Array; oid: string; name: string }[] = [
  {
    algorithm: "rsa-2048",
    label: "ca-rsa",
    id: Uint8Array.of(0x01),
    oid: OID.sha256WithRsa,
    name: "sha256WithRSAEncryption",
  },
  {
    algorithm: "ecdsa-p256",
    label: "ca-p256",
    id: Uint8Array.of(0x02),
    oid: OID.ecdsaWithSha256,
    name: "ecdsa-with-SHA256",
  },
];

let hsm: SoftHsm;
let dir: Workdir;

beforeAll(async () => {
  hsm = createSoftHsm();
  hsm.createToken({ label: TOKEN, soPin: SO_PIN, pin: PIN });
  dir = new Workdir();
  await withPkcs11Module(hsm.modulePath, (m) =>
    withSession(m, { label: TOKEN }, { readWrite: true, login: { pin: PIN } }, async (s) => {
      for (const k of CA_KEYS) await s.generateKeyPair({ algorithm: k.algorithm, label: k.label, id: k.id });
    }),
  );
});
afterAll(() => {
  dir?.remove();
  hsm?.remove();
});

function rootCertificate(signer: Signer, cn: string): Promise<Uint8Array> {
  return buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: "证书服务测试", CN: cn },
    subjectPublicKey: signer.publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.rootNotAfter,
    extensions: { basicConstraints: { ca: true }, keyUsage: ["keyCertSign", "cRLSign"] },
    issuer: { selfSigned: true },
    signer,
  });
}

/** An organisation's certificate, its key in software: only the CA key is on the token here. */
function endEntityCertificate(root: Uint8Array, signer: Signer): Promise<Uint8Array> {
  const subjectKey = generateSoftwareKey("ecdsa-p256").signer;
  return buildCertificate({
    serialNumber: randomSerial(),
    subject: { C: "CN", O: ORGANISATION, CN: ORGANISATION, serialNumber: USCC },
    subjectPublicKey: subjectKey.publicKeySpki,
    notBefore: DATES.notBefore,
    notAfter: DATES.eeNotAfter,
    extensions: {
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature", "nonRepudiation"],
      extendedKeyUsage: [OID.kpClientAuth],
    },
    issuer: { certificate: root },
    signer,
  });
}

/** openssl verify -CAfile root ee at the fixed test date; returns the tool's output. */
function opensslVerify(root: Uint8Array, ee: Uint8Array, prefix: string): { code: number; output: string } {
  const ca = dir.writePem(`${prefix}-root.pem`, "CERTIFICATE", root);
  const leaf = dir.writePem(`${prefix}-ee.pem`, "CERTIFICATE", ee);
  return openssl(["verify", "-attime", attime(), "-CAfile", ca, leaf], dir.path);
}

/** pkcs11-tool --list-objects output as { kind, label } per object. */
function listObjects(output: string): { kind: string; label: string }[] {
  return output
    .split(/\n(?=\S)/)
    .filter((block) => / Object;/.test(block))
    .map((block) => ({
      kind: block.split(";")[0]!.trim(),
      label: /^\s+label:\s+(.*)$/m.exec(block)?.[1]?.trim() ?? "",
    }));
}

describe.each(CA_KEYS)("a CA key on a SoftHSM2 token, $algorithm", (key) => {
  let signer: Pkcs11Signer;
  let root: Uint8Array;
  let ee: Uint8Array;

  beforeAll(async () => {
    signer = await pkcs11Signer({
      modulePath: hsm.modulePath,
      token: { label: TOKEN },
      pin: PIN,
      keyLabel: key.label,
    });
    root = await rootCertificate(signer, `certdesk HSM root ${key.algorithm}`);
    ee = await endEntityCertificate(root, signer);
  });
  afterAll(() => signer?.close());

  it("the signer names the algorithm of the token key and carries its public key", () => {
    expect(signer.algorithm.algorithm).toBe(key.oid);
    expect(signer.keyLabel).toBe(key.label);
    expect(signer.tokenLabel).toBe(TOKEN);
    const view = parseCertificate(root);
    expect(view.signatureAlgorithmName).toBe(key.name);
    expect(Buffer.from(view.spki)).toEqual(Buffer.from(signer.publicKeySpki));
  });

  it("openssl verify accepts the self-signed root and the end-entity certificate it issued", () => {
    const r = opensslVerify(root, ee, key.label);
    expect(r.output).toContain(": OK");
    expect(r.code).toBe(0);
    const self = openssl(
      ["verify", "-attime", attime(), "-CAfile", `${key.label}-root.pem`, `${key.label}-root.pem`],
      dir.path,
    );
    expect(self.code, self.output).toBe(0);
  });

  it("concurrent sign() calls on one signer are serialised on its session and all verify", async () => {
    const certs = await Promise.all(Array.from({ length: 8 }, () => endEntityCertificate(root, signer)));
    const rootView = parseCertificate(root);
    for (const c of certs) expect(verifyCertificateSignature(parseCertificate(c), rootView.spki)).toBe(true);
    expect(opensslVerify(root, certs[7]!, `${key.label}-concurrent`).code).toBe(0);
  });

  it("writes the CA and end-entity certificates to the token; pkcs11-tool lists them with the private key; they read back byte for byte and verify", async () => {
    await withPkcs11Module(hsm.modulePath, (m) =>
      withSession(m, { label: TOKEN }, { readWrite: true, login: { pin: PIN } }, async (s) => {
        await s.writeCertificate({ der: root, label: key.label, id: key.id });
        await s.writeCertificate({ der: ee, label: `${key.label}-ee`, id: Uint8Array.of(0xe0, ...key.id) });
      }),
    );

    const listed = hsm.pkcs11Tool(["--token-label", TOKEN, "--list-objects", "--login", "--pin", PIN]);
    expect(listed.code, listed.output).toBe(0);
    const objects = listObjects(listed.output);
    expect(objects).toContainEqual({ kind: "Private Key Object", label: key.label });
    expect(objects).toContainEqual({ kind: "Certificate Object", label: key.label });
    expect(objects).toContainEqual({ kind: "Certificate Object", label: `${key.label}-ee` });

    const [rootBack, eeBack] = await withPkcs11Module(hsm.modulePath, (m) =>
      withSession(m, { label: TOKEN }, {}, async (s) => [
        await s.certificates({ id: key.id }),
        await s.certificates({ label: `${key.label}-ee` }),
      ]),
    );
    expect(rootBack).toHaveLength(1);
    expect(eeBack).toHaveLength(1);
    expect(Buffer.from(rootBack![0]!.der)).toEqual(Buffer.from(root));
    expect(Buffer.from(eeBack![0]!.der)).toEqual(Buffer.from(ee));
    expect(Buffer.from(rootBack![0]!.subject)).toEqual(Buffer.from(parseCertificate(root).subjectDer));
    const r = opensslVerify(rootBack![0]!.der, eeBack![0]!.der, `${key.label}-readback`);
    expect(r.code, r.output).toBe(0);
  });

  it("after close(), a new signer on a new session finds the key again (by label and by CKA_ID) and signs", async () => {
    await signer.close();
    expect(await signer.sign(Uint8Array.of(1)).catch((e: DomainError) => e.code)).toBe(
      "pkcs11.session_closed",
    );

    for (const ref of [{ keyLabel: key.label }, { keyId: key.id }]) {
      const again = await pkcs11Signer({
        modulePath: hsm.modulePath,
        token: { label: TOKEN },
        pin: PIN,
        ...ref,
      });
      try {
        expect(Buffer.from(again.publicKeySpki)).toEqual(Buffer.from(parseCertificate(root).spki));
        const next = await endEntityCertificate(root, again);
        const r = opensslVerify(root, next, `${key.label}-reopened`);
        expect(r.code, r.output).toBe(0);
      } finally {
        await again.close();
      }
    }
  });
});

describe("pkcs11Signer failures", () => {
  const base = (): { modulePath: string; pin: string } => ({ modulePath: hsm.modulePath, pin: PIN });

  async function failure(p: Promise<Pkcs11Signer>): Promise<DomainError> {
    const e: unknown = await p.then(
      async (s) => {
        await s.close();
        return new Error("expected a failure");
      },
      (err: unknown) => err,
    );
    if (!(e instanceof DomainError)) throw e;
    return e;
  }

  it("a wrong PIN is pkcs11.pin_incorrect naming the token", async () => {
    const e = await failure(
      pkcs11Signer({ ...base(), token: { label: TOKEN }, pin: "wrong-pin", keyLabel: "ca-rsa" }),
    );
    expect(e.code).toBe("pkcs11.pin_incorrect");
    expect(e.params.token).toBe(TOKEN);
  });

  it("an unknown token label is pkcs11.token_not_found; an unknown key is pkcs11.key_not_found", async () => {
    expect(
      (await failure(pkcs11Signer({ ...base(), token: { label: "no-such-hsm" }, keyLabel: "ca-rsa" }))).code,
    ).toBe("pkcs11.token_not_found");
    expect(
      (await failure(pkcs11Signer({ ...base(), token: { label: TOKEN }, keyLabel: "no-such-key" }))).code,
    ).toBe("pkcs11.key_not_found");
    expect(
      (await failure(pkcs11Signer({ ...base(), token: { label: TOKEN }, keyId: Uint8Array.of(0x7f) }))).code,
    ).toBe("pkcs11.key_not_found");
  });

  it("failed opens release the library: a signer still works afterwards", async () => {
    const s = await pkcs11Signer({ ...base(), token: { label: TOKEN }, keyLabel: "ca-p256" });
    try {
      expect((await s.sign(Uint8Array.of(1, 2, 3))).length).toBeGreaterThan(64);
    } finally {
      await s.close();
    }
  });
});
