/**
 * PKCS#10 certification requests (RFC 2986): read one from an upload or a token, check proof of
 * possession, and build one (tests, software tokens, the security client later).
 *
 * SM2: OpenSSL 3.0 `openssl req -sm3` signs with an EMPTY signer ID unless given
 * `-sigopt distid:1234567812345678`. By default only the standard ID (GM/T 0009) is accepted;
 * a caller that must take such requests passes sm2Ids: [SM2_DEFAULT_ID, ""].
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { Attribute, Extensions, Name, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import type { Extension } from "@peculiar/asn1-x509";
import { DomainError } from "../domain/errors.js";
import { keyAlgorithmOfSpki, signTbs } from "./certificate.js";
import type { CertificateView } from "./certificate.js";
import { TAG, children, content, decodeOid, readOnly, toArrayBuffer, whole } from "./der.js";
import { keyAlgorithmOfFacts, spkiFacts } from "./spki.js";
import { parseExtensions } from "./extensions.js";
import type { ExtensionsView } from "./extensions.js";
import { buildName, nameToString, parseName, readNameDer } from "./name.js";
import type { SubjectName } from "./name.js";
import { OID } from "./oids.js";
import { toDer } from "./pem.js";
import { SIGNATURE_ALGORITHM_NAMES, verifySignature, verifySignatureAsync } from "./signer.js";
import type { Signer } from "./signer.js";
import { SM2_DEFAULT_ID } from "./sm2.js";

export interface CsrView {
  der: Uint8Array;
  subject: SubjectName;
  subjectText: string;
  subjectDer: Uint8Array;
  /** DER SubjectPublicKeyInfo of the requested key */
  spki: Uint8Array;
  keyAlgorithm: CertificateView["keyAlgorithm"];
  signatureAlgorithm: AlgorithmIdentifier;
  signatureAlgorithmName: string;
  /** the signed bytes: CertificationRequestInfo exactly as received */
  tbs: Uint8Array;
  signature: Uint8Array;
  /** extensions asked for in a PKCS#9 extensionRequest attribute; the profile decides what is issued */
  requestedExtensions?: ExtensionsView;
}

const CSR_LABELS = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"] as const;

/** Reads a CSR from PEM or DER. Throws pki.csr_malformed (or pki.pem_malformed). */
export function parseCsr(input: string | Uint8Array): CsrView {
  const der = toDer(input, CSR_LABELS);
  try {
    const top = readOnly(der, TAG.SEQUENCE);
    const [infoTlv, , sigTlv] = children(der, top);
    const infoFields = children(der, infoTlv!);
    const csr = AsnConvert.parse(der, CertificationRequest);
    const info = csr.certificationRequestInfo;
    const extensionRequest = info.attributes.find((a) => a.type === OID.extensionRequest);
    const requested = extensionRequest?.values[0];
    return {
      der,
      subject: parseName(info.subject),
      subjectText: nameToString(info.subject),
      subjectDer: whole(der, infoFields[1]!),
      spki: whole(der, infoFields[2]!),
      keyAlgorithm: keyAlgorithmOfSpki(info.subjectPKInfo),
      signatureAlgorithm: csr.signatureAlgorithm,
      signatureAlgorithmName:
        SIGNATURE_ALGORITHM_NAMES[csr.signatureAlgorithm.algorithm] ?? csr.signatureAlgorithm.algorithm,
      tbs: whole(der, infoTlv!),
      signature: content(der, sigTlv!).subarray(1),
      ...(requested
        ? { requestedExtensions: parseExtensions([...AsnConvert.parse(requested, Extensions)]) }
        : {}),
    };
  } catch (e) {
    throw new DomainError("pki.csr_malformed", {}, `CSR does not parse: ${String(e)}`);
  }
}

/**
 * parseCsr without the schema library's object graph, for issuance: the same view, read straight
 * from the DER. A request it does not read plainly (attributes asked for, unusual strings, any
 * encoding doubt) goes to parseCsr, so the answers are always parseCsr's (csr.test.ts).
 */
export function readCsr(input: string | Uint8Array): CsrView {
  const der = toDer(input, CSR_LABELS);
  return readCsrDirect(der) ?? parseCsr(der);
}

function readCsrDirect(der: Uint8Array): CsrView | undefined {
  try {
    const [infoTlv, algTlv, sigTlv, extra] = children(der, readOnly(der, TAG.SEQUENCE));
    if (infoTlv?.tag !== TAG.SEQUENCE || algTlv?.tag !== TAG.SEQUENCE || sigTlv?.tag !== TAG.BIT_STRING)
      return undefined;
    if (extra) return undefined;
    const [version, subjectTlv, spkiTlv, attributes, more] = children(der, infoTlv);
    if (version?.tag !== TAG.INTEGER || content(der, version).length !== 1 || der[version.contentStart] !== 0)
      return undefined;
    if (subjectTlv?.tag !== TAG.SEQUENCE || spkiTlv?.tag !== TAG.SEQUENCE || more) return undefined;
    // An empty [0] attribute set only: extension requests are read by parseCsr.
    if (attributes && (attributes.tag !== 0xa0 || attributes.end !== attributes.contentStart))
      return undefined;
    const subjectDer = whole(der, subjectTlv);
    const name = readNameDer(subjectDer);
    const spki = whole(der, spkiTlv);
    const facts = spkiFacts(spki);
    const [algOid, params, algMore] = children(der, algTlv);
    const signature = content(der, sigTlv);
    if (!name || !facts || algOid?.tag !== TAG.OID || algMore || signature[0] !== 0) return undefined;
    const algorithm = decodeOid(content(der, algOid));
    const signatureAlgorithm = new AlgorithmIdentifier({
      algorithm,
      ...(params ? { parameters: toArrayBuffer(whole(der, params)) } : {}),
    });
    return {
      der,
      subject: name.subject,
      subjectText: name.text,
      subjectDer,
      spki,
      keyAlgorithm: keyAlgorithmOfFacts(facts),
      signatureAlgorithm,
      signatureAlgorithmName: SIGNATURE_ALGORITHM_NAMES[algorithm] ?? algorithm,
      tbs: whole(der, infoTlv),
      signature: signature.subarray(1),
    };
  } catch {
    return undefined;
  }
}

export interface CsrVerifyOptions {
  /** SM2 signer IDs to accept, tried in order; default [SM2_DEFAULT_ID] */
  sm2Ids?: readonly (string | Uint8Array)[];
}

/** Proof of possession: the CSR is signed by the private key of the public key it carries. */
export function verifyCsr(csr: CsrView, options: CsrVerifyOptions = {}): boolean {
  const check = (sm2Id?: string | Uint8Array): boolean =>
    verifySignature(
      csr.spki,
      csr.signatureAlgorithm,
      csr.tbs,
      csr.signature,
      sm2Id === undefined ? {} : { sm2Id },
    );
  if (csr.signatureAlgorithm.algorithm !== OID.sm3WithSm2) return check();
  return (options.sm2Ids ?? [SM2_DEFAULT_ID]).some(check);
}

/** verifyCsr, with SM2 checked on the SM2 thread pool when it runs (the same answers). */
export async function verifyCsrAsync(csr: CsrView, options: CsrVerifyOptions = {}): Promise<boolean> {
  const check = (sm2Id?: string | Uint8Array): Promise<boolean> =>
    verifySignatureAsync(
      csr.spki,
      csr.signatureAlgorithm,
      csr.tbs,
      csr.signature,
      sm2Id === undefined ? {} : { sm2Id },
    );
  if (csr.signatureAlgorithm.algorithm !== OID.sm3WithSm2) return check();
  for (const id of options.sm2Ids ?? [SM2_DEFAULT_ID]) if (await check(id)) return true;
  return false;
}

export function assertProofOfPossession(csr: CsrView, options?: CsrVerifyOptions): void {
  if (!verifyCsr(csr, options)) throw new DomainError("pki.csr_signature_invalid");
}

export interface BuildCsrInput {
  subject: SubjectName | Name;
  /** signs with the key whose public half goes into the request */
  signer: Signer;
  /** asked-for extensions, put in a PKCS#9 extensionRequest attribute */
  extensions?: Extension[];
}

export async function buildCsr(input: BuildCsrInput): Promise<Uint8Array> {
  const attributes = new Attributes(
    input.extensions?.length
      ? [
          new Attribute({
            type: OID.extensionRequest,
            values: [AsnConvert.serialize(new Extensions(input.extensions))],
          }),
        ]
      : [],
  );
  const info = new CertificationRequestInfo({
    version: 0,
    subject: input.subject instanceof Name ? input.subject : buildName(input.subject),
    subjectPKInfo: AsnConvert.parse(toArrayBuffer(input.signer.publicKeySpki), SubjectPublicKeyInfo),
    attributes,
  });
  return signTbs(new Uint8Array(AsnConvert.serialize(info)), input.signer);
}
