/**
 * What the security client does with a key and the desk, one function per use case; the CLI
 * (src/client/main.ts) and the local agent (src/client/agent.ts) are thin shells around these.
 *
 * A use case that waits on the desk (a review, a payment, an SMS) returns the stage it reached
 * instead of blocking; running it again carries on. PINs are passed in and never kept.
 */
import { randomBytes } from "node:crypto";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import { buildCsr } from "../pki/csr.js";
import { pemDecode } from "../pki/pem.js";
import type { Signer } from "../pki/signer.js";
import { buildDetachedCms, cmsAlgorithmsFor, digestBytes } from "../pki/cms.js";
import { parseSeal } from "../seal/index.js";
import type { KeyView } from "../keys/keys.js";
import type { OrderView } from "../orders/orders.js";
import { activationMessage, installMessage, loginMessage } from "../token/protocol.js";
import { signPdf, type StampPosition } from "../seal/pdf-sign.js";
import { signOfd, type OfdStampPosition } from "../seal/ofd/sign.js";
import { OBJECT_LABELS, checkNewPin } from "../token/port.js";
import type { StoredCertificate, UsbKey, UsbKeyInfo, UsbKeySession } from "../token/port.js";
import type { DeskClient } from "./desk.js";

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

export interface CertificateSummary {
  id: string;
  label: string;
  serial: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  keyAlgorithm: string;
}

export interface KeyDescription {
  info: UsbKeyInfo;
  certificates: CertificateSummary[];
  seal: { name: string; esId: string } | null;
  /** the desk's record, when signed in */
  desk?: KeyView | undefined;
}

export function summarise(c: StoredCertificate): CertificateSummary {
  const view = parseCertificate(c.der);
  return {
    id: c.id,
    label: c.label,
    serial: view.serialNumber,
    subject: view.subjectText,
    issuer: view.issuerText,
    notBefore: view.notBefore.toISOString(),
    notAfter: view.notAfter.toISOString(),
    keyAlgorithm: view.keyAlgorithm,
  };
}

/** What is on the key (no PIN needed), and what the desk knows of it when a session is at hand. */
export async function describe(key: UsbKey, desk?: DeskClient): Promise<KeyDescription> {
  const info = await key.info();
  if (!info.initialised) return { info, certificates: [], seal: null };
  const certificates = (await key.certificates()).map(summarise);
  const sealObject = (await key.objects()).find((o) => o.label === OBJECT_LABELS.seal);
  let seal: KeyDescription["seal"] = null;
  if (sealObject) {
    try {
      const view = parseSeal(sealObject.value);
      seal = { name: view.name, esId: view.id };
    } catch {
      seal = { name: "?", esId: "?" };
    }
  }
  let view: KeyView | undefined;
  if (desk && info.initialised) {
    try {
      view = await desk.key(info.serial);
    } catch (e) {
      // A key the desk does not know (or no session): the local description stands alone.
      if (!(e instanceof DomainError) || !["keys.key_not_found", "auth.unauthenticated"].includes(e.code))
        throw e;
    }
  }
  return { info, certificates, seal, ...(view ? { desk: view } : {}) };
}

/** The client insists: a key with its published PIN does nothing else until the PIN is changed. */
export function assertPinChanged(info: UsbKeyInfo): void {
  if (!info.initialised) throw new DomainError("token.not_initialised", { serial: info.serial });
  if (info.user.locked) throw new DomainError("token.pin_locked", { serial: info.serial });
  if (info.defaultPin) throw new DomainError("token.default_pin");
}

async function withLogin<T>(key: UsbKey, pin: string, fn: (s: UsbKeySession) => Promise<T>): Promise<T> {
  const session = await key.login(pin);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** The key pair holding the key's certificate: the desk's record says which, else the only one. */
async function currentCertificate(key: UsbKey, keyPairId?: string): Promise<StoredCertificate> {
  const certs = await key.certificates();
  const found = keyPairId ? certs.find((c) => c.id === keyPairId) : certs.length === 1 ? certs[0] : undefined;
  if (!found) throw new DomainError("client.no_certificate_on_key");
  return found;
}

// ---- PIN --------------------------------------------------------------------------------------

export async function changePin(
  key: UsbKey,
  input: { pin: string; newPin: string; defaultPinValue?: string | null },
) {
  const info = await key.info();
  if (!info.initialised) throw new DomainError("token.not_initialised", { serial: info.serial });
  if (info.user.locked) throw new DomainError("token.pin_locked", { serial: info.serial });
  const problem = checkNewPin(input.newPin, {
    old: input.pin,
    ...(input.defaultPinValue ? { defaultPin: input.defaultPinValue } : {}),
  });
  if (problem) throw new DomainError(problem);
  await key.changePin(input.pin, input.newPin);
  return { serial: info.serial, defaultPin: false };
}

// ---- activation -------------------------------------------------------------------------------

export async function activate(
  key: UsbKey,
  desk: DeskClient,
  input: { pin: string; code: string },
): Promise<KeyView> {
  const info = await key.info();
  assertPinChanged(info);
  const view = await desk.key(info.serial);
  if (view.activated) return view;
  const cert = await currentCertificate(key, view.keyPairId);
  const signature = await withLogin(key, input.pin, async (s) =>
    (await s.signer(cert.id)).sign(
      activationMessage({
        keySerial: info.serial,
        certificateSerial: parseCertificate(cert.der).serialNumber,
        code: input.code.trim(),
      }),
    ),
  );
  return desk.activate(info.serial, { code: input.code.trim(), signature: b64(signature) });
}

// ---- unlock -----------------------------------------------------------------------------------

export type UnlockOutcome =
  | { stage: "under_review"; order: OrderView }
  | { stage: "awaiting_payment"; order: OrderView }
  | { stage: "code_sent"; order: OrderView; expiresAt: string }
  | { stage: "unlocked"; order: OrderView; serial: string };

/**
 * Unlock: the unlock order is placed (or found); once approved (or paid) the unlock code is sent by
 * SMS; with the code, the key's SO challenge goes to the desk, whose answer resets the PIN.
 */
export async function unlock(
  key: UsbKey,
  desk: DeskClient,
  input: { code?: string | undefined; newPin?: string | undefined; reason?: string | undefined },
): Promise<UnlockOutcome> {
  const info = await key.info();
  if (!info.initialised) throw new DomainError("token.not_initialised", { serial: info.serial });
  if (info.unblock !== "challenge-response") throw new DomainError("token.unblock_unsupported");
  if (input.newPin !== undefined) {
    const problem = checkNewPin(input.newPin, {});
    if (problem) throw new DomainError(problem);
  }
  const order = input.code
    ? await unlockOrderForCode(desk, info.serial)
    : await desk.unlockOrder(info.serial, input.reason);
  if (order.state === "awaiting_payment" && order.totalFen > 0) return { stage: "awaiting_payment", order };
  if (["submitted", "under_review", "rejected", "resubmitted"].includes(order.state))
    return { stage: "under_review", order };
  if (!input.code) {
    const sent = await desk.unlockCode(info.serial, order.id);
    return { stage: "code_sent", order, expiresAt: sent.expiresAt };
  }
  if (!input.newPin) throw new DomainError("client.new_pin_required");
  const challenge = await key.soChallenge("unblock");
  const { response } = await desk.unblock(info.serial, {
    orderId: order.id,
    code: input.code.trim(),
    challenge,
  });
  await key.unblock(response, input.newPin);
  return { stage: "unlocked", order, serial: info.serial };
}

/**
 * A code belongs to an unlock order already placed: with a code the client never places one (a
 * key unlocked already, the command run again, would open a new and perhaps paid order).
 */
async function unlockOrderForCode(desk: DeskClient, serial: string): Promise<OrderView> {
  const open = (await desk.key(serial)).openOrders.find(
    (o) => o.service === "unlock" || o.service === "pin-reset",
  );
  if (!open) throw new DomainError("client.unlock_no_order", { serial });
  return desk.order(open.id);
}

// ---- format -----------------------------------------------------------------------------------

export type FormatOutcome =
  | { stage: "awaiting_payment"; order: OrderView }
  | { stage: "formatted"; order: OrderView; defaultPin: boolean; userPin: string | null };

/** Format, a paid single service: once paid (or covered by the plan), the key is wiped. */
export async function format(
  key: UsbKey,
  desk: DeskClient,
  input: { newPin?: string | undefined } = {},
): Promise<FormatOutcome> {
  const info = await key.info();
  if (!info.initialised) throw new DomainError("token.not_initialised", { serial: info.serial });
  if (info.unblock !== "challenge-response") throw new DomainError("token.format_unsupported");
  if (input.newPin !== undefined) {
    const problem = checkNewPin(input.newPin, {});
    if (problem) throw new DomainError(problem);
  }
  const order = await desk.formatOrder(info.serial);
  if (order.state === "awaiting_payment" && order.totalFen > 0) return { stage: "awaiting_payment", order };
  const challenge = await key.soChallenge("format");
  const answer = await desk.format(info.serial, { orderId: order.id, challenge });
  const userPin = input.newPin ?? answer.userPin;
  const defaultPin = input.newPin === undefined ? answer.defaultPin : false;
  await key.format(answer.response, { userPin, defaultPin });
  return { stage: "formatted", order, defaultPin, userPin: defaultPin ? userPin : null };
}

// ---- renewal ----------------------------------------------------------------------------------

export type RenewOutcome =
  | { stage: "awaiting_payment"; order: OrderView; payUrl: string | null }
  | { stage: "renewed"; order: OrderView; certificate: CertificateSummary; replaced: string };

/**
 * Renewal inside the window: a new key pair on the key and its CSR; the renewal order, paid through
 * the portal; then the renewed certificate on the key, reported installed (the desk activates it and
 * supersedes the old one), and the old certificate and key pair removed from the key.
 */
export async function renew(
  key: UsbKey,
  desk: DeskClient,
  input: { pin: string; years?: number | undefined },
): Promise<RenewOutcome> {
  const info = await key.info();
  assertPinChanged(info);
  let view = await desk.key(info.serial);
  if (!view.renewal.offered)
    throw new DomainError("client.renewal_not_offered", { programme: view.programmeId });
  const pending = view.openOrders.find((o) => o.service === "renewal");
  if (!pending && !view.renewal.open)
    throw new DomainError("client.renewal_window_closed", {
      opens: view.renewal.windowOpens ?? "-",
      notAfter: view.certificate?.notAfter.slice(0, 10) ?? "-",
    });
  const old = await currentCertificate(key, view.keyPairId);
  let order: OrderView;
  let keyPairId: string;
  if (pending?.keyPairId) {
    keyPairId = pending.keyPairId;
    order = await desk.order(pending.id);
  } else {
    const made = await withLogin(key, input.pin, async (s) => {
      const current = (await s.keyPairs()).find((k) => k.id === view.keyPairId);
      const id = randomBytes(8).toString("hex");
      await s.generateKeyPair({ algorithm: current?.algorithm ?? "sm2", label: `${info.label}-renewal`, id });
      const csr = await buildCsr({ subject: { CN: info.label }, signer: await s.signer(id) });
      return { id, csr: b64(csr) };
    });
    const placed = await desk.requestRenewal(info.serial, {
      csr: made.csr,
      keyPairId: made.id,
      years: input.years,
    });
    order = placed.order;
    keyPairId = placed.keyPairId;
  }
  if (order.state === "awaiting_payment") {
    let payUrl: string | null = null;
    try {
      payUrl = (await desk.pay(order.id)).payUrl;
    } catch (e) {
      // A programme paid by bank transfer has no pay page: the portal says how to pay.
      if (!(e instanceof DomainError) || e.code !== "payment.channel_not_offered") throw e;
    }
    return { stage: "awaiting_payment", order, payUrl };
  }
  const issued = await desk.renewalCertificate(info.serial, order.id);
  const der = pemDecode(issued.certificate, "CERTIFICATE");
  const signature = await withLogin(key, input.pin, async (s) => {
    await s.writeCertificate({ id: keyPairId, label: info.label, der });
    return (await s.signer(keyPairId)).sign(
      installMessage({
        keySerial: info.serial,
        certificateSerial: parseCertificate(der).serialNumber,
        orderId: order.id,
      }),
    );
  });
  view = await desk.renewalInstalled(info.serial, order.id, b64(signature));
  // The desk now knows the new pair; the old certificate and its key pair leave the key.
  await withLogin(key, input.pin, async (s) => {
    if (old.id !== keyPairId) {
      await s.deleteCertificate(old.id);
      await s.deleteKeyPair(old.id);
    }
  });
  return {
    stage: "renewed",
    order: await desk.order(order.id),
    certificate: summarise({ id: keyPairId, label: info.label, der }),
    replaced: parseCertificate(old.der).serialNumber,
  };
}

// ---- seal -------------------------------------------------------------------------------------

export async function installSeal(key: UsbKey, desk: DeskClient, input: { pin: string }) {
  const info = await key.info();
  assertPinChanged(info);
  const made = await desk.seal(info.serial);
  const der = new Uint8Array(Buffer.from(made.seal, "base64"));
  const view = parseSeal(der);
  await withLogin(key, input.pin, (s) => s.writeObject({ label: OBJECT_LABELS.seal, value: der }));
  await desk.sealInstalled(info.serial, made.orderId);
  return { orderId: made.orderId, name: view.name, esId: view.id };
}

// ---- signatures -------------------------------------------------------------------------------

async function signerFor(
  key: UsbKey,
  session: UsbKeySession,
  keyPairId?: string,
): Promise<{ signer: Signer; cert: StoredCertificate }> {
  const cert = await currentCertificate(key, keyPairId);
  return { signer: await session.signer(cert.id), cert };
}

/** A detached CMS SignedData (RFC 5652) over data, with signing-certificate-v2 (RFC 5035). */
export async function signDetached(
  key: UsbKey,
  input: { pin: string; data: Uint8Array; signingTime?: Date; keyPairId?: string },
): Promise<{ cms: Uint8Array; certificate: CertificateSummary }> {
  assertPinChanged(await key.info());
  return withLogin(key, input.pin, async (s) => {
    const { signer, cert } = await signerFor(key, s, input.keyPairId);
    const { digestName } = cmsAlgorithmsFor(signer);
    const cms = await buildDetachedCms({
      contentDigest: digestBytes(digestName, [input.data]),
      certificate: cert.der,
      chain: [],
      signer,
      signingTime: input.signingTime,
    });
    return { cms, certificate: summarise(cert) };
  });
}

/**
 * Stamps a PDF with the key's electronic seal: the seal's picture on the page and a PAdES
 * signature by the key, as a platform asks for a bid or a contract.
 */
export async function sealPdf(
  key: UsbKey,
  input: {
    pin: string;
    pdf: Uint8Array;
    stamp: StampPosition;
    reason?: string | undefined;
    signedAt: Date;
    /** a timestamp authority's token over the signature value (client/timestamp.ts) */
    timestamp?: ((signatureValue: Uint8Array) => Promise<Uint8Array | undefined>) | undefined;
  },
): Promise<{ pdf: Uint8Array; certificate: CertificateSummary; seal: { name: string; esId: string } }> {
  assertPinChanged(await key.info());
  const sealObject = (await key.objects()).find((o) => o.label === OBJECT_LABELS.seal);
  if (!sealObject) throw new DomainError("client.no_seal_on_key");
  const seal = parseSeal(sealObject.value);
  return withLogin(key, input.pin, async (s) => {
    const { signer, cert } = await signerFor(key, s);
    const pdf = await signPdf({
      pdf: input.pdf,
      signer,
      certificate: cert.der,
      seal: sealObject.value,
      stamp: input.stamp,
      signedAt: input.signedAt,
      reason: input.reason,
      timestamp: input.timestamp,
    });
    return { pdf, certificate: summarise(cert), seal: { name: seal.name, esId: seal.id } };
  });
}

/**
 * Stamps an OFD with the key's electronic seal (GB/T 38540): the seal's picture placed on the page
 * by a StampAnnot, the SES_Signature made by the key's SM2 key. `timestamp`, when given, fills
 * the signature's timeStamp from a timestamp authority.
 */
export async function sealOfd(
  key: UsbKey,
  input: {
    pin: string;
    ofd: Uint8Array;
    stamp: OfdStampPosition;
    signedAt: Date;
    timestamp?: ((signature: Uint8Array) => Promise<Uint8Array | undefined>) | undefined;
  },
): Promise<{
  ofd: Uint8Array;
  signatureId: string;
  certificate: CertificateSummary;
  seal: { name: string; esId: string };
}> {
  assertPinChanged(await key.info());
  const sealObject = (await key.objects()).find((o) => o.label === OBJECT_LABELS.seal);
  if (!sealObject) throw new DomainError("client.no_seal_on_key");
  const seal = parseSeal(sealObject.value);
  return withLogin(key, input.pin, async (s) => {
    const { signer, cert } = await signerFor(key, s);
    const signed = await signOfd({
      ofd: input.ofd,
      seal: sealObject.value,
      signer: { certificate: cert.der, signer },
      stamp: input.stamp,
      signedAt: input.signedAt,
      ...(input.timestamp ? { timestamp: input.timestamp } : {}),
    });
    return {
      ofd: signed.ofd,
      signatureId: signed.signatureId,
      certificate: summarise(cert),
      seal: { name: seal.name, esId: seal.id },
    };
  });
}

/**
 * The key's answer to a login challenge, bound to the origin of the site that asked (the agent
 * passes the requesting page's Origin, never one the page chose): the certificate and the signature.
 */
export async function signLogin(
  key: UsbKey,
  input: { pin: string; origin: string; challenge: string; keyPairId?: string; withUseCounter?: boolean },
): Promise<{ certificate: string; signature: string; serial: string; origin: string; counter?: number }> {
  const info = await key.info();
  assertPinChanged(info);
  return withLogin(key, input.pin, async (s) => {
    // The counter as this login left it (software keys count), for the desk's clone check.
    const counter = input.withUseCounter ? (await key.info()).useCounter : undefined;
    const { signer, cert } = await signerFor(key, s, input.keyPairId);
    const signature = await signer.sign(
      loginMessage({ origin: input.origin, challenge: input.challenge, useCounter: counter }),
    );
    return {
      certificate: b64(cert.der),
      signature: b64(signature),
      serial: info.serial,
      origin: input.origin,
      ...(counter !== undefined ? { counter } : {}),
    };
  });
}

/** Signs in to the desk with the key: its answer to the desk's challenge, bound to the desk's origin. */
export async function loginWithKey(key: UsbKey, desk: DeskClient, input: { pin: string }) {
  const { challenge, origin } = await desk.keyChallenge();
  const signed = await signLogin(key, { pin: input.pin, origin, challenge, withUseCounter: true });
  return desk.keyLogin({
    challenge,
    certificate: signed.certificate,
    signature: signed.signature,
    ...(signed.counter !== undefined ? { counter: signed.counter } : {}),
  });
}
