/**
 * An OFD package (GB/T 33190-2016): its files by path, the entry file OFD.xml and, per document
 * (DocBody), the document root, its pages and its signature list. Paths (ST_Loc) starting with
 * "/" are from the package root; others are relative to the folder of the file that names them.
 */
import { DomainError } from "../../domain/errors.js";
import { readZip, type ZipEntry } from "./zip.js";
import { child, childrenNamed, parseXml, path, type XmlElement } from "./xml.js";

export interface OfdPage {
  /** the page's ID in Document.xml (what a StampAnnot's PageRef names) */
  id: string;
  /** 1 for the first page */
  index: number;
  /** package path of the page's Content.xml */
  file: string;
}

export interface OfdDocument {
  /** package path of Document.xml */
  root: string;
  /** package path of Signatures.xml, when the DocBody names one */
  signatures: string | undefined;
  pages: OfdPage[];
  xml: XmlElement;
}

export interface OfdPackage {
  files: Map<string, Uint8Array>;
  /** file names in the archive's order (kept when the package is written again) */
  order: string[];
  ofdXml: XmlElement;
  documents: OfdDocument[];
}

const folderOf = (file: string): string => file.slice(0, file.lastIndexOf("/") + 1);

/** A package path from a location written in `base` (a package path): "/a/b" or "b" beside base. */
export function resolveLoc(base: string, loc: string): string {
  const raw = loc.trim().replace(/\\/g, "/");
  const joined = raw.startsWith("/") ? raw.slice(1) : folderOf(base) + raw;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

export function readFileIn(pkg: Pick<OfdPackage, "files">, file: string): Uint8Array {
  const data = pkg.files.get(file);
  if (!data) throw new DomainError("ofd.file_missing", { file: `/${file}` });
  return data;
}

export const xmlIn = (pkg: Pick<OfdPackage, "files">, file: string): XmlElement =>
  parseXml(readFileIn(pkg, file), `/${file}`);

function readDocument(pkg: Pick<OfdPackage, "files">, body: XmlElement): OfdDocument {
  const rootLoc = child(body, "DocRoot")?.text;
  if (!rootLoc)
    throw new DomainError("ofd.xml_invalid", { file: "/OFD.xml", what: "DocBody without DocRoot" });
  const root = resolveLoc("OFD.xml", rootLoc);
  const xml = xmlIn(pkg, root);
  const pages = childrenNamed(child(xml, "Pages"), "Page").map((p, i) => ({
    id: p.attributes.ID ?? "",
    index: i + 1,
    file: resolveLoc(root, p.attributes.BaseLoc ?? ""),
  }));
  const signaturesLoc = child(body, "Signatures")?.text;
  return { root, signatures: signaturesLoc ? resolveLoc("OFD.xml", signaturesLoc) : undefined, pages, xml };
}

/** Opens an OFD file. Throws ofd.zip_invalid, ofd.not_ofd, ofd.xml_invalid, ofd.file_missing. */
export function openOfd(bytes: Uint8Array): OfdPackage {
  let entries: ZipEntry[];
  try {
    entries = readZip(bytes);
  } catch (e) {
    if (e instanceof DomainError && e.code === "ofd.zip_invalid" && !hasZipMagic(bytes))
      throw new DomainError("ofd.not_ofd");
    throw e;
  }
  const files = new Map(entries.map((e) => [e.name, e.data]));
  if (!files.has("OFD.xml")) throw new DomainError("ofd.not_ofd");
  const ofdXml = xmlIn({ files }, "OFD.xml");
  if (ofdXml.name !== "OFD") throw new DomainError("ofd.not_ofd");
  const documents = childrenNamed(ofdXml, "DocBody").map((b) => readDocument({ files }, b));
  if (documents.length === 0)
    throw new DomainError("ofd.xml_invalid", { file: "/OFD.xml", what: "no DocBody" });
  return { files, order: entries.map((e) => e.name), ofdXml, documents };
}

const hasZipMagic = (b: Uint8Array): boolean => b[0] === 0x50 && b[1] === 0x4b;

/** The page size in mm: the page's own PhysicalBox, else the document's (GB/T 33190 §8.2). */
export function pageBox(
  pkg: Pick<OfdPackage, "files">,
  doc: OfdDocument,
  page: OfdPage,
): { x: number; y: number; width: number; height: number } {
  const own = path(xmlIn(pkg, page.file), "Area", "PhysicalBox")?.text;
  const common = path(doc.xml, "CommonData", "PageArea", "PhysicalBox")?.text;
  const box = parseNumbers(own ?? common ?? "0 0 210 297");
  const [x = 0, y = 0, width = 210, height = 297] = box;
  return { x, y, width, height };
}

export function parseNumbers(s: string): number[] {
  return s
    .trim()
    .split(/[\s,]+/)
    .filter((t) => t !== "")
    .map(Number)
    .filter((n) => Number.isFinite(n));
}
