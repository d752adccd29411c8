/**
 * Shared by the OFD tests: an SM2 organisation certificate with its seal (a red ring picture) made
 * by a test seal maker, the ofdrw fixtures, and a way to change one file inside a package.
 */
import { buildCertificate } from "../../src/pki/certificate.js";
import { randomSerial } from "../../src/pki/serial.js";
import type { Signer } from "../../src/pki/signer.js";
import { OBJECT_LABELS } from "../../src/token/port.js";
import { SoftwareKey } from "../../src/token/software-key.js";
import { buildSeal } from "../../src/seal/build.js";
import { redStampPng } from "./seal-pdfs.js";
import { DATES, ORGANISATION, buildSealParties, readOfdrw, type SealParties } from "./seal.js";
import { readZip, writeZip } from "../../src/seal/ofd/zip.js";

export { DATES, readOfdrw };

export interface OfdSigner {
  parties: SealParties;
  seal: Uint8Array;
  signer: { certificate: Uint8Array; signer: Signer };
}

/** An SM2 key, its certificate and an official seal bound to it, valid around DATES.checkAt. */
export async function sm2SealSigner(name = ORGANISATION): Promise<OfdSigner> {
  const parties = await buildSealParties("sm2");
  const seal = await buildSeal({
    id: "CDSEAL-OFD-1",
    type: "official",
    name,
    boundCertificates: [parties.organisation.cert],
    validStart: DATES.sealStart,
    validEnd: DATES.sealEnd,
    createdAt: DATES.createdAt,
    picture: { type: "PNG", data: redStampPng(), widthMm: 40, heightMm: 40 },
    maker: { certificate: parties.maker.cert, signer: parties.maker.signer },
    vendor: "certdesk",
  });
  return {
    parties,
    seal,
    signer: { certificate: parties.organisation.cert, signer: parties.organisation.signer },
  };
}

/** The package with one file changed (or removed, when change returns undefined). */
export function changeFile(
  ofd: Uint8Array,
  name: string,
  change: (data: Uint8Array) => Uint8Array | undefined,
): Uint8Array {
  const entries = readZip(ofd).flatMap((e) => {
    if (e.name !== name) return [e];
    const data = change(e.data);
    return data ? [{ name, data }] : [];
  });
  return writeZip(entries, new Date("2026-01-01T00:00:00Z"));
}

/**
 * One byte changed such that the file stays readable: in XML the first digit of an element's text
 * or attribute (so the change is in what the file says, not in its syntax), elsewhere the middle byte.
 */
export function changeOneByte(data: Uint8Array, name: string): Uint8Array {
  const copy = new Uint8Array(data);
  if (name.endsWith(".xml")) {
    const s = Buffer.from(data).toString("latin1");
    const at = s.search(/(?<=[>"][^<"]*)\d/);
    if (at >= 0) {
      copy[at] = copy[at] === 0x39 ? 0x38 : copy[at]! + 1;
      return copy;
    }
  }
  const at = Math.floor(copy.length / 2);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

export const filesOf = (ofd: Uint8Array): string[] => readZip(ofd).map((e) => e.name);
export const fileOf = (ofd: Uint8Array, name: string): Uint8Array =>
  readZip(ofd).find((e) => e.name === name)!.data;

/**
 * A software USB key as the security client finds it after activation and install-seal: an SM2
 * key pair, its certificate from the test root, and the seal bound to that certificate; with the
 * test root's certificate.
 */
export async function softwareKeyWithSeal(
  path: string,
  pin: string,
): Promise<{ seal: Uint8Array; root: Uint8Array }> {
  const parties = await buildSealParties("sm2");
  const key = SoftwareKey.create(path, { scrypt: { N: 2 ** 12, r: 8, p: 1 } });
  await key.initialise({
    label: "CD-OFD-TEST",
    soPin: "so-pin-for-ofd-tests",
    userPin: pin,
    defaultPin: false,
    userPinRetries: 10,
    soPinRetries: 10,
  });
  const session = await key.login(pin);
  try {
    const pair = await session.generateKeyPair({ algorithm: "sm2", label: "CD-OFD-TEST", id: "0a0b" });
    const der = await buildCertificate({
      serialNumber: randomSerial(),
      subject: { C: "CN", O: ORGANISATION, CN: ORGANISATION },
      subjectPublicKey: pair.publicKeySpki,
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2035-01-01T00:00:00Z"),
      extensions: { basicConstraints: { ca: false }, keyUsage: ["digitalSignature", "nonRepudiation"] },
      issuer: { certificate: parties.root.cert },
      signer: parties.root.signer,
    });
    await session.writeCertificate({ id: pair.id, label: "CD-OFD-TEST", der });
    const seal = await buildSeal({
      id: "CDSEAL-OFD-KEY",
      type: "official",
      name: ORGANISATION,
      boundCertificates: [der],
      validStart: new Date("2025-03-01T00:00:00Z"),
      validEnd: new Date("2035-01-01T00:00:00Z"),
      picture: { type: "PNG", data: redStampPng(), widthMm: 40, heightMm: 40 },
      maker: { certificate: parties.maker.cert, signer: parties.maker.signer },
      vendor: "certdesk",
    });
    await session.writeObject({ label: OBJECT_LABELS.seal, value: seal });
    // The root issued both the key's certificate and the seal maker's: what a verifier trusts.
    return { seal, root: parties.root.cert };
  } finally {
    await session.close();
  }
}
