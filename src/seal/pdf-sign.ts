/**
 * Stamping and signing a PDF: the seal's picture on a page, in the appearance of a signature
 * field, and a PAdES baseline B-B signature (ETSI EN 319 142-1) over the whole file.
 *
 * The document is changed by an incremental update (ISO 32000-1 section 7.5.6): the original bytes
 * stay as they were, so signatures already in the file still verify, and the new objects, the
 * signature dictionary and a cross-reference section are appended. The signature dictionary is
 * written by hand so that the ByteRange and Contents placeholders sit at known offsets; the CMS is
 * made through the Signer port, so the key may be in memory, in an HSM or on a USB key.
 *
 * Where the seal lives: the SESeal DER goes into the signature dictionary under /CertdeskSeal (inside
 * the signed range), and its picture is the signature widget's appearance.
 */
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
  concatTransformationMatrix,
  drawObject,
  popGraphicsState,
  pushGraphicsState,
} from "pdf-lib";
import type { PDFContext, PDFObject } from "pdf-lib";
import { DomainError } from "../domain/errors.js";
import { parseCertificate } from "../pki/certificate.js";
import type { CertificateView } from "../pki/certificate.js";
import type { Signer } from "../pki/signer.js";
import { buildDetachedCms, cmsAlgorithmsFor, digestBytes } from "../pki/cms.js";
import { SEAL_ENTRY, mmToPt, pdfDate, textStringHex } from "./pdf-common.js";
import { assertPdfWithinLimits } from "./pdf-limits.js";
import { verifyPdf } from "./pdf-verify.js";
import { sealBindsCertificate, verifySeal } from "./seal.js";
import type { SealView } from "./seal.js";

export interface StampPosition {
  /** 1 for the first page */
  page: number;
  /** the stamp's lower-left corner, in millimetres from the page's lower-left corner */
  xMm: number;
  yMm: number;
}

export interface SignPdfInput {
  pdf: Uint8Array;
  signer: Signer;
  /** the signer's certificate, DER or PEM */
  certificate: Uint8Array;
  /** the issuing CA certificates to carry in the CMS (the root may be left out) */
  chain?: readonly Uint8Array[];
  /** an SESeal binding the signer's certificate: embedded, and its picture is the stamp */
  seal?: Uint8Array | undefined;
  /** where the seal's picture goes; without it the signature is invisible */
  stamp?: StampPosition | undefined;
  /** the claimed signing time, written to /M (from the injected clock) */
  signedAt: Date;
  reason?: string | undefined;
  location?: string | undefined;
  /**
   * Also put a CMS signing-time attribute. ETSI EN 319 142-1 section 6.3 says a PAdES baseline
   * signature does not carry one (the time is /M), so the default is false.
   */
  signingTimeAttribute?: boolean;
  /**
   * Asks a timestamp authority for a token over the signature value (RFC 3161), which goes into
   * the CMS as id-aa-signatureTimeStampToken (PAdES B-T): the signature stays verifiable after the
   * certificate expires. Undefined from it, the signature goes without one.
   */
  timestamp?: ((signatureValue: Uint8Array) => Promise<Uint8Array | undefined>) | undefined;
}

/** Bytes reserved for the CMS beyond the certificates: attributes and a signature up to RSA-8192. */
const CMS_OVERHEAD = 4096;
/**
 * Bytes reserved for a timestamp token when one is asked for: TSTInfo, the TSA's signature and its
 * certificate with its issuing CA and root (the desk's RSA token is about 4.5 KB).
 */
export const TIMESTAMP_RESERVE = 12_288;

export async function signPdf(input: SignPdfInput): Promise<Uint8Array> {
  const certificate = parseCertificate(input.certificate);
  if (Buffer.compare(certificate.spki, input.signer.publicKeySpki) !== 0) {
    throw new DomainError("pdf.signer_key_mismatch", { subject: certificate.subjectText });
  }
  cmsAlgorithmsFor(input.signer);
  const seal = input.seal ? checkSeal(input.seal, certificate, input.signedAt) : undefined;
  if (input.stamp && !seal) throw new DomainError("pdf.stamp_needs_seal");

  const doc = await loadForUpdate(input.pdf);
  const context = doc.context;
  // pdf-lib drops the object and cross-reference streams it has read, and so may hand out their
  // numbers again: new objects start above every number the file's trailers declare.
  context.largestObjectNumber = Math.max(context.largestObjectNumber, declaredSize(input.pdf) - 1);
  const originalLargest = context.largestObjectNumber;
  const changed = new Map<string, PDFRef>();
  const touch = (ref: PDFRef): void => void changed.set(ref.tag, ref);

  const catalogRef = context.trailerInfo.Root;
  if (!(catalogRef instanceof PDFRef))
    throw new DomainError("pdf.unreadable", { detail: "no document catalog" });
  const catalog = context.lookup(catalogRef, PDFDict);

  // PDF 1.7 extension level for PAdES (ETSI EN 319 142-1 section 5.2 via ISO 32000-1 section 7.12).
  if (!catalog.has(PDFName.of("Extensions"))) {
    catalog.set(
      PDFName.of("Extensions"),
      context.obj({ ESIC: { BaseVersion: PDFName.of("1.7"), ExtensionLevel: 2 } }),
    );
    touch(catalogRef);
  }

  const form = containerDict(context, catalog, catalogRef, "AcroForm", touch);
  const fields = containerArray(context, form.dict, form.owner, "Fields", touch);
  form.dict.set(PDFName.of("SigFlags"), PDFNumber.of(3));
  touch(form.owner);

  const pageCount = doc.getPageCount();
  const pageNumber = input.stamp?.page ?? 1;
  if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > pageCount) {
    throw new DomainError("pdf.page_out_of_range", { page: pageNumber, pages: pageCount });
  }
  const page = doc.getPage(pageNumber - 1);
  const annots = containerArray(context, page.node, page.ref, "Annots", touch);

  const sigRef = context.nextRef();
  let rect = [0, 0, 0, 0];
  let appearance: PDFRef | undefined;
  if (input.stamp && seal) {
    const { x, y } = page.getMediaBox();
    const w = mmToPt(seal.picture.widthMm);
    const h = mmToPt(seal.picture.heightMm);
    const llx = x + mmToPt(input.stamp.xMm);
    const lly = y + mmToPt(input.stamp.yMm);
    rect = [llx, lly, llx + w, lly + h].map((v) => Math.round(v * 100) / 100);
    appearance = await stampAppearance(doc, seal, w, h);
  }
  const widget = context.obj({
    Type: "Annot",
    Subtype: "Widget",
    FT: "Sig",
    T: PDFHexString.fromText(uniqueFieldName(context, fields.array)),
    // Print + Locked (ISO 32000-1 section 12.5.3): the stamp prints and cannot be moved.
    F: 132,
    Rect: rect,
    P: page.ref,
    V: sigRef,
    ...(appearance ? { AP: { N: appearance } } : {}),
  });
  const widgetRef = context.register(widget);
  fields.array.push(widgetRef);
  annots.array.push(widgetRef);

  const reserve =
    CMS_OVERHEAD +
    certificate.der.length +
    (input.chain ?? []).reduce((n, c) => n + c.length, 0) +
    (input.timestamp ? TIMESTAMP_RESERVE : 0);
  const update = writeIncrementalUpdate({
    original: input.pdf,
    context,
    objects: [
      ...changed.values(),
      ...context
        .enumerateIndirectObjects()
        .map(([ref]) => ref)
        .filter((ref) => ref.objectNumber > originalLargest && ref !== sigRef),
    ],
    signature: {
      ref: sigRef,
      entries: signatureEntries(input, certificate.subject.CN ?? certificate.subjectText, seal),
      contentsBytes: reserve,
    },
  });

  const { bytes, contents } = update;
  const byteRange = [0, contents.start, contents.end, bytes.length - contents.end] as const;
  const rangeText = `[${byteRange.join(" ")}`;
  const placeholder = bytes.subarray(update.byteRange.start, update.byteRange.end);
  if (rangeText.length + 1 > placeholder.length) throw new DomainError("pdf.too_large");
  placeholder.fill(0x20);
  placeholder.set(Buffer.from(rangeText, "latin1"), 0);
  placeholder[placeholder.length - 1] = 0x5d; // ]

  const { digestName } = cmsAlgorithmsFor(input.signer);
  const digest = digestBytes(digestName, [bytes.subarray(0, contents.start), bytes.subarray(contents.end)]);
  const cms = await buildDetachedCms({
    contentDigest: digest,
    certificate: certificate.der,
    chain: input.chain ?? [],
    signer: input.signer,
    signingTime: input.signingTimeAttribute ? input.signedAt : undefined,
    timestamp: input.timestamp,
  });
  const hex = Buffer.from(Buffer.from(cms).toString("hex").toUpperCase(), "latin1");
  if (hex.length > contents.end - contents.start - 2) throw new DomainError("pdf.too_large");
  bytes.set(hex, contents.start + 1);

  // Read back as any verifier would: a signer with another key or algorithm fails here, not later.
  const verdict = await verifyPdf(bytes, { at: input.signedAt });
  const mine = verdict.signatures.at(-1);
  const failed = mine?.checks.find(
    (c) => c.status === "fail" && (c.name === "digest" || c.name === "signature" || c.name === "byteRange"),
  );
  if (!mine || failed) throw new DomainError("pdf.self_check_failed", { check: failed?.code ?? "missing" });
  return bytes;
}

function checkSeal(der: Uint8Array, certificate: CertificateView, at: Date): SealView {
  const verdict = verifySeal(der, { at });
  if (!verdict.valid || !verdict.seal) {
    const failed = verdict.checks.find((c) => c.status === "fail");
    throw new DomainError("pdf.seal_unusable", { check: failed?.code ?? "seal.structure_invalid" });
  }
  const seal = verdict.seal;
  if (!sealBindsCertificate(seal, certificate.der)) {
    throw new DomainError("pdf.seal_not_bound", { name: seal.name, subject: certificate.subjectText });
  }
  if (seal.picture.type !== "PNG" && seal.picture.type !== "JPG") {
    throw new DomainError("pdf.seal_picture_unsupported", { type: seal.picture.type });
  }
  return seal;
}

async function loadForUpdate(pdf: Uint8Array): Promise<PDFDocument> {
  // A platform may send the agent any PDF to stamp: a compressed bomb is refused before pdf-lib.
  assertPdfWithinLimits(pdf);
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { updateMetadata: false });
  } catch (e) {
    const name = e instanceof Error ? e.constructor.name : "";
    if (name === "EncryptedPDFError") throw new DomainError("pdf.encrypted");
    throw new DomainError("pdf.unreadable", { detail: e instanceof Error ? e.message : String(e) });
  }
  if (doc.context.trailerInfo.Encrypt) throw new DomainError("pdf.encrypted");
  if (findStartXref(pdf) === undefined) throw new DomainError("pdf.unreadable", { detail: "no startxref" });
  return doc;
}

/** The offset after the last `startxref`: the cross-reference section the update chains to. */
export function findStartXref(pdf: Uint8Array): number | undefined {
  const tail = Buffer.from(pdf.subarray(Math.max(0, pdf.length - 2048))).toString("latin1");
  const all = [...tail.matchAll(/startxref\s+(\d+)/g)];
  const last = all.at(-1);
  if (!last) return undefined;
  const offset = Number(last[1]);
  return offset < pdf.length ? offset : undefined;
}

/** The largest /Size any trailer or cross-reference stream of the file declares. */
function declaredSize(pdf: Uint8Array): number {
  const latin1 = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString("latin1");
  let size = 0;
  for (const m of latin1.matchAll(/\/Size\s+(\d+)/g)) size = Math.max(size, Number(m[1]));
  return size;
}

interface Owned<T> {
  /** the indirect object to write again when this container changes */
  owner: PDFRef;
  dict: T;
}

/** A dictionary entry of `parent`, made when absent; changes to it rewrite its owner. */
function containerDict(
  context: PDFContext,
  parent: PDFDict,
  parentRef: PDFRef,
  key: string,
  touch: (ref: PDFRef) => void,
): Owned<PDFDict> {
  const raw = parent.get(PDFName.of(key));
  if (raw instanceof PDFRef) return { owner: raw, dict: context.lookup(raw, PDFDict) };
  if (raw instanceof PDFDict) return { owner: parentRef, dict: raw };
  const dict = context.obj({});
  const ref = context.register(dict);
  parent.set(PDFName.of(key), ref);
  touch(parentRef);
  return { owner: ref, dict };
}

function containerArray(
  context: PDFContext,
  parent: PDFDict,
  parentRef: PDFRef,
  key: string,
  touch: (ref: PDFRef) => void,
): { array: PDFArray } {
  const raw = parent.get(PDFName.of(key));
  if (raw instanceof PDFRef) {
    const array = context.lookupMaybe(raw, PDFArray);
    if (array) {
      touch(raw);
      return { array };
    }
  } else if (raw instanceof PDFArray) {
    touch(parentRef);
    return { array: raw };
  }
  const array = context.obj([]);
  parent.set(PDFName.of(key), array);
  touch(parentRef);
  return { array };
}

function uniqueFieldName(context: PDFContext, fields: PDFArray): string {
  const taken = new Set<string>();
  for (const item of fields.asArray()) {
    const dict = context.lookupMaybe(item, PDFDict);
    const t = dict?.lookupMaybe(PDFName.of("T"), PDFString, PDFHexString);
    if (t) taken.add(t.decodeText());
  }
  let n = 1;
  while (taken.has(`CertdeskSignature${n}`)) n++;
  return `CertdeskSignature${n}`;
}

/** A form XObject that paints the seal's picture over the whole widget rectangle. */
async function stampAppearance(doc: PDFDocument, seal: SealView, w: number, h: number): Promise<PDFRef> {
  let image;
  try {
    image =
      seal.picture.type === "PNG"
        ? await doc.embedPng(seal.picture.data)
        : await doc.embedJpg(seal.picture.data);
    await image.embed();
  } catch {
    throw new DomainError("pdf.seal_picture_unsupported", { type: seal.picture.type });
  }
  const context = doc.context;
  const stream = context.formXObject(
    [
      pushGraphicsState(),
      concatTransformationMatrix(w, 0, 0, h, 0, 0),
      drawObject("SealImage"),
      popGraphicsState(),
    ],
    { BBox: [0, 0, w, h], Resources: { XObject: { SealImage: image.ref } } },
  );
  return context.register(stream);
}

function signatureEntries(input: SignPdfInput, signerName: string, seal: SealView | undefined): string {
  const entries = [
    "/Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached",
    `/M(${pdfDate(input.signedAt)})`,
    `/Name${textStringHex(signerName)}`,
  ];
  if (input.reason) entries.push(`/Reason${textStringHex(input.reason)}`);
  if (input.location) entries.push(`/Location${textStringHex(input.location)}`);
  if (seal) entries.push(`/${SEAL_ENTRY}<${Buffer.from(seal.der).toString("hex").toUpperCase()}>`);
  return entries.join("");
}

// ---------------------------------------------------------------------------------------------
// The incremental update

interface UpdateInput {
  original: Uint8Array;
  context: PDFContext;
  objects: PDFRef[];
  signature: { ref: PDFRef; entries: string; contentsBytes: number };
}

interface Span {
  start: number;
  end: number;
}

interface Update {
  bytes: Uint8Array;
  /** the ByteRange array placeholder, `[` to `]` */
  byteRange: Span;
  /** the Contents hex string, `<` to just past `>` */
  contents: Span;
}

const BYTE_RANGE_PLACEHOLDER = `[0 ${"0".repeat(10)} ${"0".repeat(10)} ${"0".repeat(10)}]`;

function writeIncrementalUpdate(input: UpdateInput): Update {
  const { original, context } = input;
  const prev = findStartXref(original)!;
  const parts: Uint8Array[] = [original];
  let length = original.length;
  const push = (chunk: Uint8Array | string): void => {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk;
    parts.push(bytes);
    length += bytes.length;
  };
  const last = original[original.length - 1];
  if (last !== 0x0a && last !== 0x0d) push("\n");

  const offsets = new Map<number, { offset: number; generation: number }>();
  const unique = [...new Map(input.objects.map((r) => [r.tag, r])).values()].sort(
    (a, b) => a.objectNumber - b.objectNumber,
  );
  for (const ref of unique) {
    const object = context.lookup(ref);
    if (!object) continue;
    offsets.set(ref.objectNumber, { offset: length, generation: ref.generationNumber });
    push(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
    push(serialise(object));
    push("\nendobj\n");
  }

  const sig = input.signature;
  offsets.set(sig.ref.objectNumber, { offset: length, generation: 0 });
  const head = `${sig.ref.objectNumber} 0 obj\n<<${sig.entries}/ByteRange`;
  const byteRangeStart = length + head.length;
  push(head + BYTE_RANGE_PLACEHOLDER + "/Contents");
  const contentsStart = length;
  push(`<${"0".repeat(sig.contentsBytes * 2)}>`);
  const contentsEnd = length;
  push(">>\nendobj\n");

  const xrefOffset = length;
  const trailer = [`/Root ${String(context.trailerInfo.Root)}`];
  if (context.trailerInfo.Info) trailer.push(`/Info ${String(context.trailerInfo.Info)}`);
  if (context.trailerInfo.ID) trailer.push(`/ID ${String(context.trailerInfo.ID)}`);
  trailer.push(`/Prev ${prev}`);
  if (xrefIsStream(original, prev)) {
    // The update's cross-reference is a stream like the one it chains to (ISO 32000-1 7.5.8).
    const self = context.nextRef();
    offsets.set(self.objectNumber, { offset: xrefOffset, generation: 0 });
    const size = Math.max(context.largestObjectNumber, ...offsets.keys()) + 1;
    const { index, data } = xrefStreamData(offsets);
    push(
      `${self.objectNumber} 0 obj\n<</Type/XRef/Size ${size} ${trailer.join(" ")}` +
        `/W[1 4 2]/Index[${index.join(" ")}]/Length ${data.length}>>\nstream\n`,
    );
    push(data);
    push(`\nendstream\nendobj\nstartxref\n${xrefOffset}\n%%EOF\n`);
  } else {
    push(xrefTable(offsets));
    const size = Math.max(context.largestObjectNumber, ...offsets.keys()) + 1;
    push(`trailer\n<</Size ${size} ${trailer.join(" ")}>>\nstartxref\n${xrefOffset}\n%%EOF\n`);
  }

  const bytes = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return {
    bytes,
    byteRange: { start: byteRangeStart, end: byteRangeStart + BYTE_RANGE_PLACEHOLDER.length },
    contents: { start: contentsStart, end: contentsEnd },
  };
}

function serialise(object: PDFObject): Uint8Array {
  const out = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(out, 0);
  return out;
}

/** Does the cross-reference section at offset start with a stream object rather than `xref`? */
function xrefIsStream(pdf: Uint8Array, offset: number): boolean {
  const head = Buffer.from(pdf.subarray(offset, offset + 32)).toString("latin1");
  return /^\s*\d+\s+\d+\s+obj/.test(head);
}

/** Runs of consecutive object numbers: [first, count, first, count, ...]. */
function subsections(numbers: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const n of numbers) {
    const last = runs.at(-1);
    if (last && last[0] + last[1] === n) last[1]++;
    else runs.push([n, 1]);
  }
  return runs;
}

/** An uncompressed cross-reference stream body: type 1 entries, offset in 4 bytes, generation in 2. */
function xrefStreamData(offsets: Map<number, { offset: number; generation: number }>): {
  index: number[];
  data: Uint8Array;
} {
  const numbers = [...offsets.keys()].sort((a, b) => a - b);
  const data = Buffer.alloc(numbers.length * 7);
  numbers.forEach((n, i) => {
    const { offset, generation } = offsets.get(n)!;
    data[i * 7] = 1;
    data.writeUInt32BE(offset, i * 7 + 1);
    data.writeUInt16BE(generation, i * 7 + 5);
  });
  return { index: subsections(numbers).flat(), data: new Uint8Array(data) };
}

/** A classic cross-reference section, one subsection per run of consecutive object numbers. */
function xrefTable(offsets: Map<number, { offset: number; generation: number }>): string {
  let out = "xref\n";
  for (const [first, count] of subsections([...offsets.keys()].sort((a, b) => a - b))) {
    out += `${first} ${count}\n`;
    for (let n = first; n < first + count; n++) {
      const { offset, generation } = offsets.get(n)!;
      out += `${String(offset).padStart(10, "0")} ${String(generation).padStart(5, "0")} n\r\n`;
    }
  }
  return out;
}
