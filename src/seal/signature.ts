/**
 * SES_Signature: a seal applied to a document. Verifying one means the embedded seal verifies,
 * the signer's signature over TBS_Sign verifies, the signer is a certificate the seal binds (the
 * seal is not the signer's to use otherwise), and, given the document, its digest is the one signed.
 */
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import type { CertificateView } from "../pki/certificate.js";
import type { Signer } from "../pki/signer.js";
import {
  SEAL_SIGNER_ALGORITHMS,
  checkSignature,
  digest,
  digestAlgorithmOf,
  signatureAlgorithmName,
} from "./algorithms.js";
import type { ExtDataFields, SealLayout } from "./asn1.js";
import { structureInvalid } from "./asn1.js";
import { allPass, fail, isoSecond, pass, skipped } from "./checks.js";
import type { Check } from "./checks.js";
import type { ChainCheckName } from "./trust.js";
import {
  SEAL_STANDARD,
  certificateValidityCheck,
  parseSeal,
  sealBindsCertificate,
  verifySeal,
} from "./seal.js";
import type { SealVerdict, SealView } from "./seal.js";
import { decodeSESSignature, encodeSESSignatureV4, encodeTbsSignV4 } from "./signature-asn1.js";

export interface SealSignatureView {
  der: Uint8Array;
  layout: SealLayout;
  standard: string;
  version: number;
  seal: SealView;
  /** the signing time the signer claims (not a trusted timestamp) */
  signedAt: Date | undefined;
  dataHash: Uint8Array;
  /** node hash name the signature algorithm implies for dataHash, when known */
  digestAlgorithm: string | undefined;
  propertyInfo: string;
  extensions: ExtDataFields[];
  signer: CertificateView;
  signatureAlgorithm: string;
  signatureAlgorithmName: string;
  signature: Uint8Array;
  timeStamp: Uint8Array | undefined;
  signedData: Uint8Array;
}

/** Reads an SES_Signature of either layout. Throws seal.structure_invalid. */
export function parseSealSignature(der: Uint8Array): SealSignatureView {
  const f = decodeSESSignature(der);
  let signer: CertificateView;
  try {
    signer = parseCertificate(f.signerCertificate);
  } catch {
    throw structureInvalid("the signer's cert is not an X.509 certificate");
  }
  return {
    der,
    layout: f.layout,
    standard: SEAL_STANDARD[f.layout],
    version: f.version,
    seal: parseSeal(f.sealDer),
    signedAt: f.timeInfo,
    dataHash: f.dataHash,
    digestAlgorithm: digestAlgorithmOf(f.signatureAlgorithm),
    propertyInfo: f.propertyInfo,
    extensions: f.extensions,
    signer,
    signatureAlgorithm: f.signatureAlgorithm,
    signatureAlgorithmName: signatureAlgorithmName(f.signatureAlgorithm),
    signature: f.signature,
    timeStamp: f.timeStamp,
    signedData: f.signedData,
  };
}

// ---------------------------------------------------------------------------------------------
// Verification

export type SealSignatureCheckName =
  | "structure"
  | "seal"
  | "signerSignature"
  | "signerCertificate"
  | "binding"
  | "signingTime"
  | "document"
  | ChainCheckName<"signer">;
export type SealSignatureCheck = Check<SealSignatureCheckName>;

export interface SealSignatureVerdict {
  valid: boolean;
  at: Date;
  signature: SealSignatureView | undefined;
  /** the embedded seal's own verdict, at the same moment */
  seal: SealVerdict | undefined;
  checks: SealSignatureCheck[];
}

export interface VerifySealSignatureOptions {
  /** the moment to judge certificates and the seal at; default now */
  at?: Date;
  /** the signed document; without it the document check is skipped */
  document?: Uint8Array;
  /** the maker's and the signer's chain checks (src/seal/trust.ts), made beforehand */
  chain?: {
    maker: readonly Check<ChainCheckName<"maker">>[];
    signer: readonly Check<ChainCheckName<"signer">>[];
  };
}

const CHECK_ORDER: readonly SealSignatureCheckName[] = [
  "structure",
  "seal",
  "signerSignature",
  "signerCertificate",
  "binding",
  "signingTime",
  "document",
];

export function verifySealSignature(
  der: Uint8Array,
  options: VerifySealSignatureOptions = {},
): SealSignatureVerdict {
  const at = options.at ?? new Date();
  let view: SealSignatureView;
  try {
    view = parseSealSignature(der);
  } catch (e) {
    if (!(e instanceof DomainError) || e.code !== "seal.structure_invalid") throw e;
    const checks = CHECK_ORDER.map((name) =>
      name === "structure" ? fail(name, e.code, e.params) : skipped(name, "seal.skipped_unreadable"),
    );
    return { valid: false, at, signature: undefined, seal: undefined, checks };
  }
  const sealVerdict = verifySeal(view.seal.der, {
    at,
    ...(options.chain ? { chain: options.chain.maker } : {}),
  });
  const checks: SealSignatureCheck[] = [
    structureCheck(view),
    sealVerdict.valid
      ? pass("seal", "seal.embedded_seal_valid", { name: view.seal.name })
      : fail("seal", "seal.embedded_seal_invalid", { name: view.seal.name }),
    signerSignatureCheck(view),
    certificateValidityCheck("signerCertificate", "seal.signer_certificate", view.signer, at),
    sealBindsCertificate(view.seal, view.signer.der)
      ? pass("binding", "seal.certificate_bound", { subject: view.signer.subjectText })
      : fail("binding", "seal.certificate_not_bound", { subject: view.signer.subjectText }),
    signingTimeCheck(view, at),
    documentCheck(view, options.document),
    ...(options.chain?.signer ?? []),
  ];
  return { valid: allPass(checks), at, signature: view, seal: sealVerdict, checks };
}

function structureCheck(view: SealSignatureView): SealSignatureCheck {
  // As for seals: a critical extension nobody here understands is a condition we cannot honour.
  const critical = view.extensions.find((e) => e.critical);
  if (critical) return fail("structure", "seal.extension_critical_unknown", { oid: critical.oid });
  return pass("structure", "seal.signature_structure_ok", { standard: view.standard, version: view.version });
}

function signerSignatureCheck(view: SealSignatureView): SealSignatureCheck {
  const algorithm = view.signatureAlgorithmName;
  switch (checkSignature(view.signer.spki, view.signatureAlgorithm, view.signedData, view.signature)) {
    case "valid":
      return pass("signerSignature", "seal.signer_signature_valid", { algorithm });
    case "invalid":
      return fail("signerSignature", "seal.signer_signature_invalid", { algorithm });
    case "unsupported":
      return fail("signerSignature", "seal.signature_algorithm_unsupported", { algorithm });
  }
}

/** The claimed signing time must fall where both the seal and the signer's certificate were valid. */
function signingTimeCheck(view: SealSignatureView, at: Date): SealSignatureCheck {
  const time = view.signedAt;
  if (!time) return skipped("signingTime", "seal.signing_time_unknown");
  const params = { time: isoSecond(time) };
  const t = time.getTime();
  if (t > at.getTime())
    return fail("signingTime", "seal.signing_time_future", { ...params, at: isoSecond(at) });
  const { seal, signer } = view;
  if (t < seal.validStart.getTime() || t > seal.validEnd.getTime()) {
    return fail("signingTime", "seal.signing_time_outside_seal", {
      ...params,
      validStart: isoSecond(seal.validStart),
      validEnd: isoSecond(seal.validEnd),
    });
  }
  if (t < signer.notBefore.getTime() || t > signer.notAfter.getTime()) {
    return fail("signingTime", "seal.signing_time_outside_certificate", {
      ...params,
      notBefore: isoSecond(signer.notBefore),
      notAfter: isoSecond(signer.notAfter),
    });
  }
  return pass("signingTime", "seal.signing_time_ok", params);
}

function documentCheck(view: SealSignatureView, document: Uint8Array | undefined): SealSignatureCheck {
  if (!document) return skipped("document", "seal.document_not_given");
  const algorithm = view.digestAlgorithm;
  if (!algorithm)
    return fail("document", "seal.signature_algorithm_unsupported", {
      algorithm: view.signatureAlgorithmName,
    });
  const name = algorithm.toUpperCase().replace(/^SHA/, "SHA-");
  return Buffer.compare(digest(algorithm, document), view.dataHash) === 0
    ? pass("document", "seal.document_matches", { algorithm: name })
    : fail("document", "seal.document_mismatch", { algorithm: name });
}

// ---------------------------------------------------------------------------------------------
// Making one (stamping a document)

export interface BuildSealSignatureInput {
  /** the SESeal (v4) to apply, DER */
  seal: Uint8Array;
  document: Uint8Array;
  /** the signer: a certificate the seal binds, and its key */
  signer: { certificate: Uint8Array; signer: Signer };
  signedAt: Date;
  /** TBS_Sign.propertyInfo: what was signed, e.g. the document's path in its package; IA5 */
  propertyInfo: string;
}

export async function buildSealSignature(input: BuildSealSignatureInput): Promise<Uint8Array> {
  const seal = parseSeal(input.seal);
  if (seal.layout !== "v4")
    throw new DomainError("seal.build_invalid", { what: "a GM/T 0031 seal in a GB/T 38540 signature" });
  const signerCert = parseCertificate(input.signer.certificate);
  if (Buffer.compare(signerCert.spki, input.signer.signer.publicKeySpki) !== 0) {
    throw new DomainError("seal.maker_key_mismatch");
  }
  if (!sealBindsCertificate(seal, signerCert.der)) {
    throw new DomainError("seal.certificate_not_bound", { subject: signerCert.subjectText });
  }
  const algorithm = input.signer.signer.algorithm.algorithm;
  const hash = digestAlgorithmOf(algorithm);
  if (!SEAL_SIGNER_ALGORITHMS.includes(algorithm) || !hash) {
    throw new DomainError("seal.signature_algorithm_unsupported", {
      algorithm: signatureAlgorithmName(algorithm),
    });
  }
  const tbs = encodeTbsSignV4({
    sealDer: input.seal,
    timeInfo: new Date(Math.floor(input.signedAt.getTime() / 1000) * 1000),
    dataHash: digest(hash, input.document),
    propertyInfo: input.propertyInfo,
  });
  const signature = await input.signer.signer.sign(tbs);
  return encodeSESSignatureV4(tbs, signerCert.der, algorithm, signature);
}
