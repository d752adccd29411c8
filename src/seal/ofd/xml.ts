/**
 * A small XML reader for OFD's descriptor files (GB/T 33190): elements, attributes, text, the five
 * predefined entities and character references, CDATA and comments. A DOCTYPE is refused (OFD has
 * none, and no entity of a file is ever expanded). Names are kept with their prefix dropped: OFD
 * files use "ofd:" or a default namespace for the same elements.
 */
import { DomainError } from "../../domain/errors.js";

export interface XmlElement {
  /** local name, without the namespace prefix */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** the element's own text (CDATA included), concatenated */
  text: string;
}

const invalid = (file: string, what: string): DomainError =>
  new DomainError("ofd.xml_invalid", { file, what });

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(s: string, file: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const v = ENTITIES[ref];
    if (v === undefined) throw invalid(file, `unknown entity &${ref};`);
    return v;
  });
}

const localName = (qname: string): string => qname.slice(qname.indexOf(":") + 1);

const MAX_DEPTH = 256;

/** Parses one XML document (UTF-8) into its root element. Throws ofd.xml_invalid naming the file. */
export function parseXml(bytes: Uint8Array, file: string): XmlElement {
  const src = new TextDecoder("utf-8", { fatal: false }).decode(bytes).replace(/^\uFEFF/, "");
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i && stack.length > 0) stack.at(-1)!.text += decodeEntities(src.slice(i, textEnd), file);
    else if (textEnd > i && src.slice(i, textEnd).trim() !== "") throw invalid(file, "text outside the root");
    if (lt < 0) break;
    if (src.startsWith("<?", lt)) {
      const close = src.indexOf("?>", lt);
      if (close < 0) throw invalid(file, "unterminated processing instruction");
      i = close + 2;
    } else if (src.startsWith("<!--", lt)) {
      const close = src.indexOf("-->", lt);
      if (close < 0) throw invalid(file, "unterminated comment");
      i = close + 3;
    } else if (src.startsWith("<![CDATA[", lt)) {
      const close = src.indexOf("]]>", lt);
      if (close < 0 || stack.length === 0) throw invalid(file, "misplaced CDATA");
      stack.at(-1)!.text += src.slice(lt + 9, close);
      i = close + 3;
    } else if (src.startsWith("<!", lt)) {
      throw invalid(file, "a DOCTYPE or declaration");
    } else if (src.startsWith("</", lt)) {
      const close = src.indexOf(">", lt);
      const name = localName(src.slice(lt + 2, close).trim());
      const open = stack.pop();
      if (close < 0 || !open || open.name !== name) throw invalid(file, `unexpected </${name}>`);
      i = close + 1;
    } else {
      const m = /^<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(
        src.slice(lt, lt + 65536),
      );
      if (!m) throw invalid(file, `malformed tag at ${lt}`);
      const attributes: Record<string, string> = {};
      for (const a of m[2]!.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        if (a[1]!.startsWith("xmlns")) continue;
        attributes[localName(a[1]!)] = decodeEntities(a[2] ?? a[3] ?? "", file);
      }
      const element: XmlElement = { name: localName(m[1]!), attributes, children: [], text: "" };
      if (stack.length > 0) stack.at(-1)!.children.push(element);
      else if (root) throw invalid(file, "two root elements");
      else root = element;
      if (m[3] !== "/") stack.push(element);
      if (stack.length > MAX_DEPTH) throw invalid(file, "nested too deeply");
      i = lt + m[0].length;
    }
  }
  if (!root || stack.length > 0) throw invalid(file, "unterminated document");
  return root;
}

export const child = (e: XmlElement | undefined, name: string): XmlElement | undefined =>
  e?.children.find((c) => c.name === name);

export const childrenNamed = (e: XmlElement | undefined, name: string): XmlElement[] =>
  e?.children.filter((c) => c.name === name) ?? [];

/** The first descendant by a path of local names: path(doc, "DocBody", "DocRoot"). */
export function path(e: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let at = e;
  for (const n of names) at = child(at, n);
  return at;
}

export const escapeXml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
