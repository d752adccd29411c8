/**
 * Stamping an OFD with an electronic seal, as GB/T 38540-2020 §7 describes for OFD:
 *
 * 1. the package gets (or keeps) its signature list: OFD.xml's DocBody names Signatures.xml;
 * 2. the seal is put beside the new signature (Sign_N/Seal.esl);
 * 3. Signature.xml lists the SM3 check value of every file of the package (the earlier signatures
 *    included, so they stay as they were), the StampAnnot (page and Boundary, where viewers draw
 *    the seal's picture) and the seal's location;
 * 4. SignedValue.dat is the SES_Signature (version 4) whose dataHash is SM3(Signature.xml) and
 *    whose propertyInfo is that file's path, signed with the key's SM2 key (signer ID
 *    1234567812345678) over DER(TBS_Sign); an optional timestamp over the signature value fills
 *    its timeStamp field;
 * 5. Signatures.xml (never itself protected, so that later signatures can be added) lists it.
 *
 * The page's content is not touched: the seal's appearance is the StampAnnot.
 */
import { DomainError } from "../../domain/errors.js";
import { bitString, explicit, octetString, oid, sequence } from "../../pki/der.js";
import { OID } from "../../pki/oids.js";
import type { Signer } from "../../pki/signer.js";
import { signatureAlgorithmName } from "../algorithms.js";
import { isoSecond } from "../checks.js";
import { parseSeal } from "../seal.js";
import { buildSealSignature } from "../signature.js";
import { decodeSESSignature } from "../signature-asn1.js";
import { openOfd, pageBox } from "./package.js";
import { checkValue, listSignatures, writeSignatureXml } from "./signature-xml.js";
import { writeZip } from "./zip.js";

export interface OfdStampPosition {
  /** 1 for the first page */
  page: number;
  /** the seal's top left corner, mm from the page's top left corner (OFD's own coordinates) */
  xMm: number;
  yMm: number;
}

export interface SignOfdInput {
  ofd: Uint8Array;
  /** the SESeal (GB/T 38540, version 4) to apply, DER */
  seal: Uint8Array;
  /** a certificate the seal binds, and its key (SM2) */
  signer: { certificate: Uint8Array; signer: Signer };
  stamp: OfdStampPosition;
  /** the signing time claimed in TBS_Sign and Signature.xml (from the injected clock) */
  signedAt: Date;
  /**
   * A timestamp authority's token over the signature value (RFC 3161), for SES_Signature's
   * timeStamp field; without it, or when it gives undefined, the signature has none.
   */
  timestamp?: ((signature: Uint8Array) => Promise<Uint8Array | undefined>) | undefined;
  provider?: { name: string; version: string; company: string };
}

export interface SignedOfd {
  ofd: Uint8Array;
  /** the new signature's ID in Signatures.xml and the path of its Signature.xml */
  signatureId: string;
  signatureFile: string;
  boundary: [number, number, number, number];
}

const DEFAULT_PROVIDER = { name: "certdesk", version: "1.0", company: "certdesk" };
const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

export async function signOfd(input: SignOfdInput): Promise<SignedOfd> {
  const algorithm = input.signer.signer.algorithm.algorithm;
  if (algorithm !== OID.sm3WithSm2)
    throw new DomainError("ofd.signer_algorithm_unsupported", {
      algorithm: signatureAlgorithmName(algorithm),
    });
  const pkg = openOfd(input.ofd);
  const doc = pkg.documents[0]!;
  const seal = parseSeal(input.seal);
  const page = doc.pages[input.stamp.page - 1];
  if (!page) throw new DomainError("ofd.page_not_found", { page: input.stamp.page, pages: doc.pages.length });
  const box = pageBox(pkg, doc, page);
  const boundary: [number, number, number, number] = [
    input.stamp.xMm,
    input.stamp.yMm,
    seal.picture.widthMm,
    seal.picture.heightMm,
  ];
  if (
    input.stamp.xMm < 0 ||
    input.stamp.yMm < 0 ||
    input.stamp.xMm + seal.picture.widthMm > box.width ||
    input.stamp.yMm + seal.picture.heightMm > box.height
  )
    throw new DomainError("ofd.stamp_outside_page", {
      page: input.stamp.page,
      x: input.stamp.xMm,
      y: input.stamp.yMm,
      width: seal.picture.widthMm,
      height: seal.picture.heightMm,
      pageWidth: box.width,
      pageHeight: box.height,
    });

  const files = new Map(pkg.files);
  const order = [...pkg.order];
  const put = (name: string, data: Uint8Array) => {
    if (!files.has(name)) order.push(name);
    files.set(name, data);
  };

  // 1. The signature list, named from OFD.xml on the first signature.
  const docFolder = doc.root.slice(0, doc.root.lastIndexOf("/") + 1);
  const listFile = doc.signatures ?? `${docFolder}Signs/Signatures.xml`;
  if (!doc.signatures) put("OFD.xml", withSignaturesEntry(files.get("OFD.xml")!, listFile));
  const existing = files.has(listFile) ? listSignatures({ files }, listFile) : [];
  const listXml = files.has(listFile) ? text(files.get(listFile)!) : undefined;
  const maxId = Math.max(
    0,
    ...existing.map((e) => Number(e.id) || 0),
    Number(/<(?:\w+:)?MaxSignId>\s*(\d+)/.exec(listXml ?? "")?.[1] ?? 0),
  );
  const id = String(maxId + 1);
  const stampId = String(maxId + 2);
  const signsFolder = listFile.slice(0, listFile.lastIndexOf("/") + 1);
  let n = 0;
  while ([...files.keys()].some((f) => f.startsWith(`${signsFolder}Sign_${n}/`))) n++;
  const folder = `${signsFolder}Sign_${n}/`;
  const sealFile = `${folder}Seal.esl`;
  const signatureFile = `${folder}Signature.xml`;
  const valueFile = `${folder}SignedValue.dat`;

  // 2. The seal beside the signature.
  put(sealFile, input.seal);

  // 3. Signature.xml: every file but the signature lists and this signature's own two files.
  const lists = new Set(pkg.documents.map((d) => d.signatures).concat(listFile));
  const protectedFiles = order.filter((f) => !lists.has(f) && f !== signatureFile && f !== valueFile);
  const signatureXml = writeSignatureXml({
    provider: input.provider ?? DEFAULT_PROVIDER,
    signatureMethod: OID.sm3WithSm2,
    signatureDateTime: isoSecond(input.signedAt),
    checkMethod: OID.sm3,
    references: protectedFiles.map((f) => ({ file: f, checkValue: checkValue("sm3", files.get(f)!) })),
    stamp: { id: stampId, pageRef: page.id, boundary },
    sealFile,
    signedValueFile: valueFile,
  });
  put(signatureFile, signatureXml);

  // 4. SignedValue.dat over Signature.xml.
  let signedValue = await buildSealSignature({
    seal: input.seal,
    document: signatureXml,
    signer: input.signer,
    signedAt: input.signedAt,
    propertyInfo: `/${signatureFile}`,
  });
  const token = input.timestamp ? await input.timestamp(signatureOf(signedValue)) : undefined;
  if (token) signedValue = withTimeStamp(signedValue, token);
  put(valueFile, signedValue);

  // 5. The list.
  put(listFile, withListEntry(listXml, { id, maxId: stampId, baseLoc: `/${signatureFile}` }));
  return {
    ofd: writeZip(
      order.map((name) => ({ name, data: files.get(name)! })),
      input.signedAt,
    ),
    signatureId: id,
    signatureFile: `/${signatureFile}`,
    boundary,
  };
}

const signatureOf = (der: Uint8Array): Uint8Array => decodeSESSignature(der).signature;

/** SES_Signature v4 with timeStamp [0] EXPLICIT BIT STRING after the signature value. */
function withTimeStamp(der: Uint8Array, token: Uint8Array): Uint8Array {
  const f = decodeSESSignature(der);
  return sequence(
    f.signedData,
    octetString(f.signerCertificate),
    oid(f.signatureAlgorithm),
    bitString(f.signature),
    explicit(0, bitString(token)),
  );
}

/** OFD.xml with <Signatures> in its first DocBody, in the prefix the file already uses. */
function withSignaturesEntry(ofdXml: Uint8Array, listFile: string): Uint8Array {
  const s = text(ofdXml);
  const close = /<\/((?:[\w.-]+:)?)DocBody>/.exec(s);
  if (!close) throw new DomainError("ofd.xml_invalid", { file: "/OFD.xml", what: "no DocBody" });
  const p = close[1]!;
  return utf8(
    `${s.slice(0, close.index)}<${p}Signatures>/${listFile}</${p}Signatures>${s.slice(close.index)}`,
  );
}

/** Signatures.xml with one more entry and MaxSignId raised; new when there was none. */
function withListEntry(
  existing: string | undefined,
  entry: { id: string; maxId: string; baseLoc: string },
): Uint8Array {
  if (existing === undefined)
    return utf8(
      `<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Signatures ${NS}><ofd:MaxSignId>${entry.maxId}</ofd:MaxSignId>` +
        `<ofd:Signature ID="${entry.id}" Type="Seal" BaseLoc="${entry.baseLoc}"/></ofd:Signatures>`,
    );
  const close = /<\/((?:[\w.-]+:)?)Signatures>\s*$/.exec(existing);
  if (!close) throw new DomainError("ofd.xml_invalid", { file: "Signatures.xml", what: "no closing tag" });
  const p = close[1]!;
  let s = `${existing.slice(0, close.index)}<${p}Signature ID="${entry.id}" Type="Seal" BaseLoc="${entry.baseLoc}"/>${existing.slice(close.index)}`;
  const max = /(<(?:[\w.-]+:)?MaxSignId>)\s*\d*\s*(<\/)/;
  if (max.test(s)) s = s.replace(max, `$1${entry.maxId}$2`);
  else s = s.replace(/(<(?:[\w.-]+:)?Signatures\b[^>]*>)/, `$1<${p}MaxSignId>${entry.maxId}</${p}MaxSignId>`);
  return utf8(s);
}
