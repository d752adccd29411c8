/**
 * The issuance hot path's certificate: the TBSCertificate buildCertificate writes, byte for byte,
 * with what is the same for every certificate of a profile under one CA (the issuer, the
 * signature algorithm, every extension but the subject's key identifier and its GM/T 0015 USCC)
 * encoded once by the reference builder and kept; per certificate only the serial, the validity,
 * the subject, its key and key identifier and the USCC are written, straight into DER.
 * certificate-template.test.ts compares it with buildCertificate for RSA, P-256 and SM2.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { Name } from "@peculiar/asn1-x509";
import { setKeepingNewest } from "../domain/bounded.js";
import { DomainError } from "../domain/errors.js";
import {
  buildCertificate,
  issuerFacts,
  algorithmDer,
  signTbs,
  subjectPublicKeyInfo,
  toSecond,
  type BuildCertificateInput,
  type CertificateView,
} from "./certificate.js";
import {
  TAG,
  concat,
  explicit,
  octetString,
  oid,
  printableString,
  sequence,
  smallInteger,
  time,
  tlv,
  toHex,
} from "./der.js";
import { buildExtensions, identifyCode, type ExtensionsInput, type GmIdentity } from "./extensions.js";
import { nameToDer, nameToString, subjectNameDer, subjectNameText } from "./name.js";
import { OID } from "./oids.js";
import { serialFromIntegerContent, serialToIntegerContent } from "./serial.js";
import { keyIdentifierOf, spkiFacts } from "./spki.js";

/** A certificate issued under an issuer's certificate, as buildCertificate takes it. */
export type IssueUnderCertificate = BuildCertificateInput & { issuer: { certificate: Uint8Array } };

export interface BuiltCertificate {
  der: Uint8Array;
  /** what the certificate is recorded by, as certificateRecordFields reads it back */
  record: Pick<CertificateView, "serialNumber" | "subjectText" | "notBefore" | "notAfter">;
}

/** The extensions before and after the subject key identifier, encoded once. */
interface ExtensionsTemplate {
  before: Uint8Array;
  after: Uint8Array;
}

const templates = new Map<string, ExtensionsTemplate>();
const TEMPLATES_KEPT = 64;
const VERSION_3 = explicit(0, smallInteger(2));
const SKI_OID = oid(OID.subjectKeyIdentifier);
const GM_OIDS = {
  identityCode: oid(OID.gmIdentifyCode),
  businessRegistrationNumber: oid(OID.gmIcRegistrationNumber),
  organizationCode: oid(OID.gmOrganizationCode),
  taxationNumber: oid(OID.gmTaxationNumber),
} as const;

/** A non-critical extension (criticality FALSE is left out in DER). */
const extensionDer = (oidDer: Uint8Array, value: Uint8Array): Uint8Array =>
  sequence(oidDer, octetString(value));

function extensionsTemplate(input: ExtensionsInput, authorityKeyId: Uint8Array): ExtensionsTemplate {
  const fixed: ExtensionsInput = { ...input };
  delete fixed.gmIdentity;
  const key = `${toHex(authorityKeyId)} ${JSON.stringify(fixed)}`;
  let template = templates.get(key);
  if (!template) {
    // The reference encoder, with a stand-in identifier of the size SHA-1 gives.
    const list = buildExtensions(fixed, { subjectKeyId: new Uint8Array(20), authorityKeyId });
    const ders = list.map((e) => new Uint8Array(AsnConvert.serialize(e)));
    const ski = list.findIndex((e) => e.extnID === OID.subjectKeyIdentifier);
    template = { before: concat(ders.slice(0, ski)), after: concat(ders.slice(ski + 1)) };
    setKeepingNewest(templates, key, template, TEMPLATES_KEPT);
  }
  return template;
}

/** The GM/T 0015 extensions, in buildExtensions' order. */
function gmExtensions(gm: GmIdentity | undefined): Uint8Array[] {
  if (!gm) return [];
  const out: Uint8Array[] = [];
  if (gm.identityCode) out.push(extensionDer(GM_OIDS.identityCode, identifyCode(gm.identityCode)));
  if (gm.businessRegistrationNumber) {
    out.push(
      extensionDer(GM_OIDS.businessRegistrationNumber, printableString(gm.businessRegistrationNumber)),
    );
  }
  if (gm.organizationCode)
    out.push(extensionDer(GM_OIDS.organizationCode, printableString(gm.organizationCode)));
  if (gm.taxationNumber) out.push(extensionDer(GM_OIDS.taxationNumber, printableString(gm.taxationNumber)));
  return out;
}

/**
 * Signs the certificate buildCertificate would, from the template. Anything off the common path
 * (extra extensions, a key this reader does not take) is built by buildCertificate itself.
 */
export async function issueFromTemplate(input: IssueUnderCertificate): Promise<BuiltCertificate> {
  const notBefore = toSecond(input.notBefore);
  const notAfter = toSecond(input.notAfter);
  const serialContent = serialToIntegerContent(input.serialNumber);
  const subject = input.subject;
  const record = {
    serialNumber: serialFromIntegerContent(serialContent),
    subjectText: subject instanceof Name ? nameToString(subject) : subjectNameText(subject),
    notBefore,
    notAfter,
  };
  const facts = spkiFacts(input.subjectPublicKey);
  if (!facts || input.extensions.extra?.length) return { der: await buildCertificate(input), record };
  if (!(notAfter > notBefore)) throw new DomainError("pki.validity_invalid");
  const subjectDer = subject instanceof Name ? nameToDer(subject) : subjectNameDer(subject);
  const issuer = issuerFacts(input.issuer.certificate);
  if (Buffer.compare(input.signer.publicKeySpki, issuer.spki) !== 0)
    throw new DomainError("pki.signer_key_mismatch");
  const template = extensionsTemplate(input.extensions, issuer.authorityKeyId);
  const ski = extensionDer(SKI_OID, octetString(keyIdentifierOf(facts)));
  const tbs = sequence(
    VERSION_3,
    tlv(TAG.INTEGER, serialContent),
    algorithmDer(input.signer.algorithm),
    issuer.nameDer,
    sequence(time(notBefore), time(notAfter)),
    subjectDer,
    subjectPublicKeyInfo(input.subjectPublicKey),
    explicit(3, sequence(template.before, ski, template.after, ...gmExtensions(input.extensions.gmIdentity))),
  );
  return { der: await signTbs(tbs, input.signer), record };
}
