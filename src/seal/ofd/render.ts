/**
 * An OFD page as SVG (GB/T 33190 §9-§14, the parts documents and stamps use): layers and page
 * blocks, text objects (TextCode with X, Y, DeltaX and DeltaY), image objects (MultiMedia in the
 * document's resources), path objects (AbbreviatedData), fill and stroke colours, CTMs, and the
 * seal picture of every StampAnnot on the page. Units are millimetres throughout: the SVG's
 * viewBox is the page's PhysicalBox.
 */
import { DomainError } from "../../domain/errors.js";
import { parseSeal } from "../seal.js";
import { decodeSESSignature } from "../signature-asn1.js";
import { pageBox, parseNumbers, resolveLoc, xmlIn, type OfdDocument, type OfdPackage } from "./package.js";
import { listSignatures, readSignatureXml } from "./signature-xml.js";
import { child, childrenNamed, escapeXml, type XmlElement } from "./xml.js";

interface Resources {
  fonts: Map<string, { family: string; serif: boolean }>;
  media: Map<string, { file: string; format: string }>;
}

export interface RenderedSvg {
  svg: string;
  widthMm: number;
  heightMm: number;
  /** the stamps drawn, with their boundaries in mm */
  stamps: [number, number, number, number][];
}

const MIME: Record<string, string> = {
  PNG: "image/png",
  JPG: "image/jpeg",
  JPEG: "image/jpeg",
  GIF: "image/gif",
  BMP: "image/bmp",
  SVG: "image/svg+xml",
};

function sniffMime(data: Uint8Array, declared: string): string | undefined {
  if (data[0] === 0x89 && data[1] === 0x50) return "image/png";
  if (data[0] === 0xff && data[1] === 0xd8) return "image/jpeg";
  if (data[0] === 0x47 && data[1] === 0x49) return "image/gif";
  return MIME[declared.toUpperCase()];
}

function readResources(pkg: OfdPackage, doc: OfdDocument): Resources {
  const res: Resources = { fonts: new Map(), media: new Map() };
  const common = child(doc.xml, "CommonData");
  const files = [...childrenNamed(common, "PublicRes"), ...childrenNamed(common, "DocumentRes")].map((e) =>
    resolveLoc(doc.root, e.text),
  );
  for (const file of files) {
    if (!pkg.files.has(file)) continue;
    const xml = xmlIn(pkg, file);
    const base = resolveLoc(file, `${xml.attributes.BaseLoc ?? ""}/x`).replace(/x$/, "");
    for (const f of childrenNamed(child(xml, "Fonts"), "Font")) {
      const name = f.attributes.FamilyName ?? f.attributes.FontName ?? "";
      res.fonts.set(f.attributes.ID ?? "", {
        family: name,
        serif: /宋|song|serif|仿宋|楷|kai|times/i.test(name),
      });
    }
    for (const m of childrenNamed(child(xml, "MultiMedias"), "MultiMedia")) {
      const loc = child(m, "MediaFile")?.text ?? "";
      res.media.set(m.attributes.ID ?? "", {
        file: loc.startsWith("/") ? resolveLoc("", loc) : resolveLoc(`${base}x`, loc),
        format: m.attributes.Format ?? "",
      });
    }
  }
  return res;
}

/** "g 3 1.5" in DeltaX/DeltaY repeats 1.5 three times (GB/T 33190 §11.3). */
function deltas(text: string | undefined): number[] {
  if (!text) return [];
  const tokens = text.trim().split(/\s+/);
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === "g") {
      const count = Number(tokens[i + 1]);
      const value = Number(tokens[i + 2]);
      for (let k = 0; k < count && k < 10_000; k++) out.push(value);
      i += 2;
    } else out.push(Number(tokens[i]));
  }
  return out.map((n) => (Number.isFinite(n) ? n : 0));
}

function colour(e: XmlElement | undefined, fallback: string): string {
  const value = e?.attributes.Value;
  if (!value) return fallback;
  const [r = 0, g = 0, b = 0] = parseNumbers(value);
  return `rgb(${r},${g},${b})`;
}

/** AbbreviatedData to SVG path data: S/M move, L line, Q quadratic, B cubic, A arc, C close. */
function pathData(abbreviated: string): string {
  const map: Record<string, string> = { S: "M", M: "M", L: "L", Q: "Q", B: "C", A: "A", C: "Z" };
  return abbreviated
    .trim()
    .split(/\s+/)
    .map((t) => map[t] ?? (Number.isFinite(Number(t)) ? t : ""))
    .join(" ");
}

function objectTransform(e: XmlElement): string {
  const [x = 0, y = 0] = parseNumbers(e.attributes.Boundary ?? "");
  const ctm = e.attributes.CTM ? parseNumbers(e.attributes.CTM) : [];
  return `translate(${x} ${y})${ctm.length === 6 ? ` matrix(${ctm.join(" ")})` : ""}`;
}

function textObject(e: XmlElement, res: Resources): string {
  const font = res.fonts.get(e.attributes.Font ?? "");
  const family = font?.serif
    ? "'Noto Serif CJK SC','Noto Serif SC',serif"
    : "'Noto Sans CJK SC','Noto Sans SC',sans-serif";
  const size = Number(e.attributes.Size ?? 3.5) || 3.5;
  const fill = colour(child(e, "FillColor"), "rgb(0,0,0)");
  const weight = Number(e.attributes.Weight ?? 400) >= 600 ? "bold" : "normal";
  const spans = childrenNamed(e, "TextCode").map((code) => {
    const chars = [...code.text];
    const dx = deltas(code.attributes.DeltaX);
    const dy = deltas(code.attributes.DeltaY);
    let x = Number(code.attributes.X ?? 0);
    let y = Number(code.attributes.Y ?? 0);
    const xs: number[] = [];
    const ys: number[] = [];
    chars.forEach((_, i) => {
      xs.push(x);
      ys.push(y);
      x += dx[i] ?? (dx.length ? dx[dx.length - 1]! : size);
      y += dy[i] ?? 0;
    });
    return `<text x="${xs.join(" ")}" y="${ys.join(" ")}">${escapeXml(code.text)}</text>`;
  });
  return `<g transform="${objectTransform(e)}" font-family="${family}" font-size="${size}" font-weight="${weight}" fill="${fill}">${spans.join("")}</g>`;
}

function imageObject(e: XmlElement, res: Resources, pkg: OfdPackage): string {
  const media = res.media.get(e.attributes.ResourceID ?? "");
  const data = media && pkg.files.get(media.file);
  const mime = data && sniffMime(data, media.format);
  if (!data || !mime) return "";
  const [, , w = 1, h = 1] = parseNumbers(e.attributes.Boundary ?? "");
  // An image fills the unit square its CTM maps; without a CTM, its boundary.
  const ctm = e.attributes.CTM ? "" : ` transform="scale(${w} ${h})"`;
  return `<g transform="${objectTransform(e)}"><image${ctm} x="0" y="0" width="1" height="1" preserveAspectRatio="none" href="data:${mime};base64,${Buffer.from(data).toString("base64")}"/></g>`;
}

function pathObject(e: XmlElement): string {
  const d = pathData(child(e, "AbbreviatedData")?.text ?? "");
  if (!d) return "";
  const stroke = e.attributes.Stroke !== "false";
  const fill = e.attributes.Fill === "true";
  const width = Number(e.attributes.LineWidth ?? 0.353) || 0.353;
  return `<path transform="${objectTransform(e)}" d="${d}" fill="${fill ? colour(child(e, "FillColor"), "rgb(0,0,0)") : "none"}" stroke="${stroke ? colour(child(e, "StrokeColor"), "rgb(0,0,0)") : "none"}" stroke-width="${width}"${e.attributes.Rule === "Even-Odd" ? ' fill-rule="evenodd"' : ""}/>`;
}

function drawObjects(parent: XmlElement, res: Resources, pkg: OfdPackage): string {
  return parent.children
    .map((e) => {
      switch (e.name) {
        case "TextObject":
          return textObject(e, res);
        case "ImageObject":
          return imageObject(e, res, pkg);
        case "PathObject":
          return pathObject(e);
        case "PageBlock":
          return `<g>${drawObjects(e, res, pkg)}</g>`;
        default:
          return "";
      }
    })
    .join("");
}

/** The seal pictures of the signatures whose StampAnnot is on this page, where they were placed. */
function stampsOn(
  pkg: OfdPackage,
  doc: OfdDocument,
  pageId: string,
): { svg: string; boundary: [number, number, number, number] }[] {
  if (!doc.signatures || !pkg.files.has(doc.signatures)) return [];
  const out: { svg: string; boundary: [number, number, number, number] }[] = [];
  for (const entry of listSignatures(pkg, doc.signatures)) {
    let xml;
    let picture;
    try {
      xml = readSignatureXml(pkg, entry.file);
      const value = xml.signedValue ? pkg.files.get(xml.signedValue) : undefined;
      const sealDer = value
        ? decodeSESSignature(value).sealDer
        : xml.sealFile
          ? pkg.files.get(xml.sealFile)
          : undefined;
      if (!sealDer) continue;
      picture = parseSeal(sealDer).picture;
    } catch {
      continue; // a signature that cannot be read has no picture to show; verify says why
    }
    const mime = sniffMime(picture.data, picture.type);
    for (const s of xml.stamps) {
      if (s.pageRef !== pageId || !s.boundary || !mime) continue;
      const [x, y, w, h] = s.boundary;
      out.push({
        boundary: s.boundary,
        svg: `<image x="${x}" y="${y}" width="${w}" height="${h}" preserveAspectRatio="none" href="data:${mime};base64,${Buffer.from(picture.data).toString("base64")}"/>`,
      });
    }
  }
  return out;
}

/** Draws page `page` (from 1) of the first document as SVG. */
export function renderPageSvg(pkg: OfdPackage, page: number): RenderedSvg {
  const doc = pkg.documents[0]!;
  const p = doc.pages[page - 1];
  if (!p) throw new DomainError("ofd.page_not_found", { page, pages: doc.pages.length });
  const box = pageBox(pkg, doc, p);
  const res = readResources(pkg, doc);
  const content = xmlIn(pkg, p.file);
  const layers = childrenNamed(child(content, "Content"), "Layer")
    .map((l) => `<g>${drawObjects(l, res, pkg)}</g>`)
    .join("");
  const stamps = stampsOn(pkg, doc, p.id);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x} ${box.y} ${box.width} ${box.height}" ` +
    `width="${box.width}mm" height="${box.height}mm">` +
    `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="#fff"/>` +
    `${layers}${stamps.map((s) => s.svg).join("")}</svg>`;
  return { svg, widthMm: box.width, heightMm: box.height, stamps: stamps.map((s) => s.boundary) };
}
