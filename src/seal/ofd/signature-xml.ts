/**
 * OFD's signature descriptors (GB/T 33190-2016 §18): Signatures.xml lists a document's signatures;
 * each Signature.xml holds SignedInfo (provider, method, time, References with the check value of
 * each protected file, StampAnnot appearances, the seal's location) and the location of
 * SignedValue.dat. GB/T 38540-2020 §7 fixes what is signed for a seal signature: the SES_Signature's
 * dataHash is the digest of Signature.xml itself, and propertyInfo is that file's path.
 */
import { createHash } from "node:crypto";
import { OID } from "../../pki/oids.js";
import { resolveLoc, xmlIn, type OfdPackage, parseNumbers } from "./package.js";
import { child, childrenNamed, escapeXml, type XmlElement } from "./xml.js";

export interface SignatureEntry {
  id: string;
  /** "Seal" (an electronic seal) or "Sign" (a plain signature) */
  type: string;
  /** package path of Signature.xml */
  file: string;
}

export interface OfdReference {
  /** as written */
  fileRef: string;
  /** the package path it names */
  file: string;
  checkValue: Uint8Array;
}

export interface StampAnnot {
  id: string;
  pageRef: string;
  /** x y width height, mm, in the page's coordinates (origin top left, y down) */
  boundary: [number, number, number, number] | undefined;
  boundaryText: string;
}

export interface SignatureXml {
  signatureMethod: string | undefined;
  signatureDateTime: string | undefined;
  /** CheckMethod as written; undefined when absent */
  checkMethod: string | undefined;
  references: OfdReference[];
  stamps: StampAnnot[];
  /** package path of the seal file beside the signature, when named */
  sealFile: string | undefined;
  /** package path of SignedValue.dat */
  signedValue: string | undefined;
}

/** The signatures a document lists, in order. Relative BaseLocs are beside Signatures.xml. */
export function listSignatures(pkg: Pick<OfdPackage, "files">, signaturesFile: string): SignatureEntry[] {
  const xml = xmlIn(pkg, signaturesFile);
  return childrenNamed(xml, "Signature").map((s) => ({
    id: s.attributes.ID ?? "",
    type: s.attributes.Type ?? "Seal",
    file: resolveLoc(signaturesFile, s.attributes.BaseLoc ?? ""),
  }));
}

/** Reference FileRefs are package paths; a relative one is read from the package root, as ofdrw writes. */
const referenceFile = (fileRef: string): string => resolveLoc("", fileRef);

export function readSignatureXml(pkg: Pick<OfdPackage, "files">, file: string): SignatureXml {
  const xml = xmlIn(pkg, file);
  const info: XmlElement | undefined = child(xml, "SignedInfo");
  const refs = child(info, "References");
  const sealLoc = child(child(info, "Seal"), "BaseLoc")?.text;
  const signedValue = child(xml, "SignedValue")?.text;
  return {
    signatureMethod: child(info, "SignatureMethod")?.text.trim(),
    signatureDateTime: child(info, "SignatureDateTime")?.text.trim(),
    checkMethod: refs?.attributes.CheckMethod,
    references: childrenNamed(refs, "Reference").map((r) => ({
      fileRef: r.attributes.FileRef ?? "",
      file: referenceFile(r.attributes.FileRef ?? ""),
      checkValue: new Uint8Array(Buffer.from(child(r, "CheckValue")?.text.trim() ?? "", "base64")),
    })),
    stamps: childrenNamed(info, "StampAnnot").map((a) => {
      const text = a.attributes.Boundary ?? "";
      const n = parseNumbers(text);
      return {
        id: a.attributes.ID ?? "",
        pageRef: a.attributes.PageRef ?? "",
        boundary: n.length === 4 ? [n[0]!, n[1]!, n[2]!, n[3]!] : undefined,
        boundaryText: text,
      };
    }),
    sealFile: sealLoc ? resolveLoc(file, sealLoc) : undefined,
    signedValue: signedValue ? resolveLoc(file, signedValue) : undefined,
  };
}

/** CheckMethod values seen in the wild, as names and as OIDs, mapped to node's hash names. */
const CHECK_METHODS: Record<string, { hash: string; label: string }> = {
  sm3: { hash: "sm3", label: "SM3" },
  [OID.sm3]: { hash: "sm3", label: "SM3" },
  sha256: { hash: "sha256", label: "SHA-256" },
  "2.16.840.1.101.3.4.2.1": { hash: "sha256", label: "SHA-256" },
  sha1: { hash: "sha1", label: "SHA-1" },
  "1.3.14.3.2.26": { hash: "sha1", label: "SHA-1" },
};

export function checkMethodOf(written: string | undefined): { hash: string; label: string } | undefined {
  if (written === undefined) return undefined;
  const key = written
    .trim()
    .toLowerCase()
    .replace(/[-_\s]/g, "");
  return CHECK_METHODS[key] ?? CHECK_METHODS[written.trim()];
}

export const checkValue = (hash: string, data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash(hash).update(data).digest());

// ---------------------------------------------------------------------------------------------
// Writing

export interface SignatureXmlInput {
  provider: { name: string; version: string; company: string };
  signatureMethod: string;
  /** "YYYY-MM-DD HH:mm:ss", as GB/T 33190 writes it */
  signatureDateTime: string;
  checkMethod: string;
  references: { file: string; checkValue: Uint8Array }[];
  stamp: { id: string; pageRef: string; boundary: [number, number, number, number] };
  sealFile: string;
  signedValueFile: string;
}

const mm = (n: number): string => String(Math.round(n * 1000) / 1000);

/** Signature.xml, in the element order of GB/T 33190's Signature.xsd. */
export function writeSignatureXml(input: SignatureXmlInput): Uint8Array {
  const refs = input.references
    .map(
      (r) =>
        `<ofd:Reference FileRef="${escapeXml(`/${r.file}`)}"><ofd:CheckValue>${Buffer.from(r.checkValue).toString("base64")}</ofd:CheckValue></ofd:Reference>`,
    )
    .join("");
  const p = input.provider;
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedInfo>` +
    `<ofd:Provider ProviderName="${escapeXml(p.name)}" Version="${escapeXml(p.version)}" Company="${escapeXml(p.company)}"/>` +
    `<ofd:SignatureMethod>${input.signatureMethod}</ofd:SignatureMethod>` +
    `<ofd:SignatureDateTime>${input.signatureDateTime}</ofd:SignatureDateTime>` +
    `<ofd:References CheckMethod="${input.checkMethod}">${refs}</ofd:References>` +
    `<ofd:StampAnnot ID="${input.stamp.id}" PageRef="${escapeXml(input.stamp.pageRef)}" Boundary="${input.stamp.boundary.map(mm).join(" ")}"/>` +
    `<ofd:Seal><ofd:BaseLoc>/${escapeXml(input.sealFile)}</ofd:BaseLoc></ofd:Seal>` +
    `</ofd:SignedInfo><ofd:SignedValue>/${escapeXml(input.signedValueFile)}</ofd:SignedValue></ofd:Signature>`;
  return new TextEncoder().encode(xml);
}
