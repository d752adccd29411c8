/**
 * A small drawing kit over pdf-lib for the desk's printed documents: millimetres measured from
 * the top-left corner, text that wraps (Chinese between any two characters, Latin at spaces, with
 * the line-start and line-end rules of Chinese typesetting), bordered tables whose rows grow with
 * their text, handwriting blanks, stamp boxes and QR codes drawn as vectors.
 */
import fontkit from "@pdf-lib/fontkit";
import { LineCapStyle, PDFDocument, type PDFFont, type PDFPage, type RGB, rgb } from "pdf-lib";
import QRCode from "qrcode";
import { cjkFontBytes } from "./font.js";

export const A4: Size = { width: 210, height: 297 };

export interface Size {
  width: number;
  height: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export const colours = {
  ink: rgb(0.1, 0.1, 0.1),
  border: rgb(0.25, 0.25, 0.25),
  muted: rgb(0.42, 0.42, 0.42),
  faint: rgb(0.72, 0.72, 0.72),
  labelFill: rgb(0.93, 0.93, 0.93),
  sectionFill: rgb(0.84, 0.84, 0.84),
  /** Dark red: marks what the applicant writes by hand; prints as dark grey in black and white. */
  handwriting: rgb(0.62, 0.08, 0.08),
} as const;

export interface TextStyle {
  /** Points. */
  size?: number;
  /** Line box height as a multiple of the size; 1.5 unless given. */
  leading?: number;
  bold?: boolean;
  color?: RGB;
}

export interface DocumentInfo {
  title: string;
  subject?: string;
  keywords?: string[];
}

const mmToPt = 72 / 25.4;
/** Line box height as a multiple of the font size. */
const leading = 1.5;
/** Where the ideographic em box sits in Noto Sans SC: from 0.12 em below to 0.88 em above the baseline. */
const emBottom = 0.12;

/** Characters that may not start a line (closing punctuation) or end one (opening punctuation). */
const noLineStart = new Set([..."，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}"]);
const noLineEnd = new Set([..."（《「『【〔〈“‘([{¥$"]);

/** Latin runs stay together on a line when they fit; everything else breaks per character. */
const tokenPattern = /[A-Za-z0-9@._\-/:#+&%]+|\s+|./gsu;

/** One PDF being drawn, with the page being drawn on and a cursor (y, in mm from the top). */
export class Sheet {
  readonly pages: PDFPage[] = [];
  page: PDFPage;
  y: number;

  private constructor(
    readonly doc: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
    readonly size: Size,
    readonly margins: Margins,
  ) {
    this.page = this.newPage();
    this.y = margins.top;
  }

  static async create(info: DocumentInfo, size: Size = A4, margins?: Partial<Margins>): Promise<Sheet> {
    // No metadata dates: the same data renders to the same bytes.
    const doc = await PDFDocument.create({ updateMetadata: false });
    doc.registerFontkit(fontkit);
    const [regularBytes, boldBytes] = await Promise.all([cjkFontBytes("regular"), cjkFontBytes("bold")]);
    const regular = await doc.embedFont(regularBytes, { subset: true });
    const bold = await doc.embedFont(boldBytes, { subset: true });
    doc.setTitle(info.title, { showInWindowTitleBar: true });
    if (info.subject) doc.setSubject(info.subject);
    if (info.keywords) doc.setKeywords(info.keywords);
    doc.setLanguage("zh-CN");
    doc.setCreator("certdesk");
    doc.setProducer("certdesk (pdf-lib)");
    return new Sheet(doc, regular, bold, size, {
      top: 14,
      right: 15,
      bottom: 16,
      left: 15,
      ...margins,
    });
  }

  get contentWidth(): number {
    return this.size.width - this.margins.left - this.margins.right;
  }

  get left(): number {
    return this.margins.left;
  }

  get right(): number {
    return this.size.width - this.margins.right;
  }

  /** The lowest y that content may reach on a page. */
  get bottom(): number {
    return this.size.height - this.margins.bottom;
  }

  newPage(): PDFPage {
    this.page = this.doc.addPage([this.size.width * mmToPt, this.size.height * mmToPt]);
    this.pages.push(this.page);
    this.y = this.margins.top;
    return this.page;
  }

  /** Starts a new page unless `height` mm still fit below the cursor. */
  ensureSpace(height: number): void {
    if (this.y + height > this.bottom && this.y > this.margins.top) this.newPage();
  }

  async save(): Promise<Uint8Array> {
    return this.doc.save();
  }

  // ---- Text ------------------------------------------------------------------------------------

  font(style: TextStyle = {}): PDFFont {
    return style.bold ? this.bold : this.regular;
  }

  /** Width of a single line in mm. */
  textWidth(text: string, style: TextStyle = {}): number {
    return this.font(style).widthOfTextAtSize(text, style.size ?? 10) / mmToPt;
  }

  /** Height of one line box in mm. */
  lineHeight(style: TextStyle = {}): number {
    return ((style.size ?? 10) * (style.leading ?? leading)) / mmToPt;
  }

  /** Breaks text into lines no wider than `width` mm; "\n" forces a break. */
  wrap(text: string, width: number, style: TextStyle = {}): string[] {
    const fits = (s: string) => this.textWidth(s, style) <= width;
    const lines: string[] = [];
    for (const paragraph of text.split("\n")) {
      let line = "";
      const firstLine = lines.length;
      const push = () => {
        lines.push(line.trimEnd());
        line = "";
      };
      for (const token of paragraph.match(tokenPattern) ?? []) {
        const space = /^\s+$/.test(token);
        // Spaces at a break vanish; only a paragraph's first line keeps its indent.
        if (space && line === "" && lines.length > firstLine) continue;
        if (fits(line + token)) {
          line += token;
          continue;
        }
        if (space) {
          push();
          continue;
        }
        if (line !== "" && noLineStart.has(token[0] ?? "")) {
          // Closing punctuation takes the last character of the line down with it.
          const chars = [...line];
          const carried = chars.pop() ?? "";
          if (chars.length > 0 && !/\s/.test(carried)) {
            line = chars.join("");
            push();
            line = carried;
          }
        }
        if (line !== "" && !fits(line + token)) {
          // An opening bracket does not end a line: it moves down with what follows.
          const chars = [...line];
          let carried = "";
          while (chars.length > 1 && noLineEnd.has(chars[chars.length - 1] ?? ""))
            carried = chars.pop() + carried;
          line = chars.join("");
          push();
          line = carried;
        }
        if (fits(line + token)) {
          line += token;
          continue;
        }
        // A token wider than the line (a long account number): break it per character.
        for (const ch of token) {
          if (line !== "" && !fits(line + ch)) push();
          line += ch;
        }
      }
      push();
    }
    return lines;
  }

  /** Draws one line whose line box starts at `top`; `width` is needed for centre and right alignment. */
  text(
    text: string,
    x: number,
    top: number,
    style: TextStyle & { align?: "left" | "center" | "right"; width?: number } = {},
  ): void {
    const size = style.size ?? 10;
    const width = style.width ?? 0;
    const w = this.textWidth(text, style);
    const left = style.align === "center" ? x + (width - w) / 2 : style.align === "right" ? x + width - w : x;
    const boxHeight = this.lineHeight(style);
    const baseline = top + (boxHeight - size / mmToPt) / 2 + ((1 - emBottom) * size) / mmToPt;
    this.page.drawText(text, {
      x: left * mmToPt,
      y: (this.size.height - baseline) * mmToPt,
      size,
      font: this.font(style),
      color: style.color ?? colours.ink,
    });
  }

  /** Wrapped text in a column; returns the height used in mm. */
  paragraph(
    text: string,
    x: number,
    top: number,
    width: number,
    style: TextStyle & { align?: "left" | "center" | "right" } = {},
  ): number {
    const lines = this.wrap(text, width, style);
    const h = this.lineHeight(style);
    lines.forEach((line, i) => this.text(line, x, top + i * h, { ...style, width }));
    return lines.length * h;
  }

  /** A wrapped paragraph at the cursor, across the content width, moving the cursor down. */
  flow(text: string, style: TextStyle & { indent?: number; hanging?: string } = {}): void {
    const indent = style.indent ?? 0;
    const hanging = style.hanging ?? "";
    const hangWidth = hanging ? this.textWidth(hanging, style) : 0;
    const width = this.contentWidth - indent - hangWidth;
    const lines = this.wrap(text, width, style);
    const h = this.lineHeight(style);
    lines.forEach((line, i) => {
      this.ensureSpace(h);
      if (i === 0 && hanging) this.text(hanging, this.left + indent, this.y, style);
      this.text(line, this.left + indent + hangWidth, this.y, style);
      this.y += h;
    });
  }

  // ---- Shapes ----------------------------------------------------------------------------------

  rect(
    box: Box,
    style: { fill?: RGB; stroke?: RGB; lineWidth?: number; dash?: number[] } = { stroke: colours.border },
  ): void {
    this.page.drawRectangle({
      x: box.x * mmToPt,
      y: (this.size.height - box.y - box.height) * mmToPt,
      width: box.width * mmToPt,
      height: box.height * mmToPt,
      ...(style.fill ? { color: style.fill } : {}),
      ...(style.stroke ? { borderColor: style.stroke, borderWidth: style.lineWidth ?? 0.6 } : {}),
      ...(style.dash ? { borderDashArray: style.dash } : {}),
    });
  }

  line(
    x1: number,
    y1: number,
    x2: number,
    y2: number,
    style: { color?: RGB; lineWidth?: number; dash?: number[] } = {},
  ): void {
    this.page.drawLine({
      start: { x: x1 * mmToPt, y: (this.size.height - y1) * mmToPt },
      end: { x: x2 * mmToPt, y: (this.size.height - y2) * mmToPt },
      thickness: style.lineWidth ?? 0.6,
      color: style.color ?? colours.border,
      ...(style.dash ? { dashArray: style.dash } : {}),
    });
  }

  /** A tick box; `checked` draws a tick, `false` leaves it empty to be ticked by hand. */
  checkbox(x: number, top: number, size: number, checked: boolean): void {
    this.rect({ x, y: top, width: size, height: size }, { stroke: colours.ink, lineWidth: 0.7 });
    if (!checked) return;
    const s = size;
    const tick = { color: colours.ink, lineWidth: 1.1 };
    this.page.drawLine({
      start: { x: (x + 0.2 * s) * mmToPt, y: (this.size.height - top - 0.55 * s) * mmToPt },
      end: { x: (x + 0.42 * s) * mmToPt, y: (this.size.height - top - 0.8 * s) * mmToPt },
      thickness: tick.lineWidth,
      color: tick.color,
      lineCap: LineCapStyle.Round,
    });
    this.page.drawLine({
      start: { x: (x + 0.42 * s) * mmToPt, y: (this.size.height - top - 0.8 * s) * mmToPt },
      end: { x: (x + 0.82 * s) * mmToPt, y: (this.size.height - top - 0.2 * s) * mmToPt },
      thickness: tick.lineWidth,
      color: tick.color,
      lineCap: LineCapStyle.Round,
    });
  }

  /**
   * A QR code of `text`, `size` mm square including the 4-module quiet zone the standard asks for,
   * drawn as rectangles (one per horizontal run of dark modules) so it stays sharp at any zoom.
   */
  qr(text: string, x: number, top: number, size: number): void {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
    const quiet = 4;
    const cell = size / (modules.size + 2 * quiet);
    for (let row = 0; row < modules.size; row++) {
      let col = 0;
      while (col < modules.size) {
        if (!modules.get(row, col)) {
          col++;
          continue;
        }
        const start = col;
        while (col < modules.size && modules.get(row, col)) col++;
        this.rect(
          {
            x: x + (quiet + start) * cell,
            y: top + (quiet + row) * cell,
            width: (col - start) * cell,
            height: cell,
          },
          { fill: rgb(0, 0, 0) },
        );
      }
    }
  }

  // ---- Tables ----------------------------------------------------------------------------------

  /**
   * Draws rows of cells at the cursor across the content width. `columns` are relative widths;
   * a cell spans one or more columns. A row is as tall as its tallest cell and never splits
   * across pages.
   */
  table(columns: number[], rows: Cell[][]): void {
    const total = columns.reduce((a, b) => a + b, 0);
    const widths = columns.map((c) => (c / total) * this.contentWidth);
    for (const row of rows) {
      const placed: { cell: Cell; x: number; width: number }[] = [];
      let col = 0;
      let x = this.left;
      for (const cell of row) {
        const span = cell.span ?? 1;
        const width = widths.slice(col, col + span).reduce((a, b) => a + b, 0);
        placed.push({ cell, x, width });
        x += width;
        col += span;
      }
      if (col !== columns.length) throw new Error(`table row spans ${col} of ${columns.length} columns`);
      const min = row.every((c) => c.kind === "section") ? minSectionHeight : minRowHeight;
      const height = Math.max(min, ...placed.map((p) => this.cellHeight(p.cell, p.width)));
      this.ensureSpace(height);
      for (const p of placed) this.drawCell(p.cell, { x: p.x, y: this.y, width: p.width, height });
      this.y += height;
    }
  }

  private cellHeight(cell: Cell, width: number): number {
    if (cell.kind === "custom")
      return typeof cell.height === "number" ? cell.height : cell.height(this, width);
    const style = cellStyle(cell);
    const lines = this.wrap(cell.text || " ", width - 2 * cellPadX, style).length;
    return lines * this.lineHeight(style) + 2 * cellPadY;
  }

  private drawCell(cell: Cell, box: Box): void {
    const fill =
      cell.kind === "section" ? colours.sectionFill : cell.kind === "label" ? colours.labelFill : undefined;
    this.rect(box, { ...(fill ? { fill } : {}), stroke: colours.border, lineWidth: 0.6 });
    if (cell.kind === "custom") {
      cell.draw(this, box);
      return;
    }
    const style = cellStyle(cell);
    const lines = this.wrap(cell.text, box.width - 2 * cellPadX, style);
    const h = this.lineHeight(style);
    // Labels and short values sit in the middle of a taller row; long text starts at the top.
    const top = box.y + Math.max(cellPadY, (box.height - lines.length * h) / 2);
    const align = cell.align ?? (cell.kind === "label" ? "center" : "left");
    lines.forEach((line, i) =>
      this.text(line, box.x + cellPadX, top + i * h, { ...style, align, width: box.width - 2 * cellPadX }),
    );
  }
}

const cellPadX = 2;
const cellPadY = 1.1;
const minRowHeight = 7.2;
const minSectionHeight = 6;

export type Cell =
  | {
      kind: "label" | "value" | "section";
      text: string;
      span?: number;
      align?: "left" | "center" | "right";
      style?: TextStyle;
    }
  | {
      kind: "custom";
      span?: number;
      /** Millimetres, or measured from the cell's width. */
      height: number | ((sheet: Sheet, width: number) => number);
      draw: (sheet: Sheet, box: Box) => void;
    };

function cellStyle(cell: Exclude<Cell, { kind: "custom" }>): TextStyle {
  const base: TextStyle =
    cell.kind === "section"
      ? { size: 9.5, bold: true }
      : cell.kind === "label"
        ? { size: 9.5, bold: true }
        : { size: 10 };
  return { ...base, ...cell.style };
}

export const label = (text: string, span = 1): Cell => ({ kind: "label", text, span });
export const value = (text: string, span = 1, style?: TextStyle): Cell => ({
  kind: "value",
  text,
  span,
  ...(style ? { style } : {}),
});
export const section = (text: string, span: number): Cell => ({ kind: "section", text, span, align: "left" });
