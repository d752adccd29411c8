/**
 * An OFD page to PNG: the page as SVG (render.ts), rasterised by the machine's Chromium through
 * playwright-core (never a downloaded browser). Chromium draws the text with the system's CJK fonts
 * (Debian: fonts-noto-cjk) and the images and stamps as they are.
 */
import { existsSync } from "node:fs";
import type { BrowserType } from "playwright-core";
import { DomainError } from "../../domain/errors.js";
import { openOfd } from "./package.js";
import { renderPageSvg } from "./render.js";

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

export interface RenderOptions {
  /** 1 for the first page */
  page: number;
  /** pixels per inch; 96 draws 1 mm as about 3.78 px */
  dpi: number;
  /** the Chromium binary; default /usr/bin/chromium */
  chromium?: string;
}

export interface RenderedPage {
  png: Uint8Array;
  width: number;
  height: number;
  /** stamps drawn on the page */
  stamps: number;
  /** their boundaries in pixels: x, y, width, height */
  stampBoxes: [number, number, number, number][];
}

export async function renderOfdPage(ofd: Uint8Array, options: RenderOptions): Promise<RenderedPage> {
  const drawn = renderPageSvg(openOfd(ofd), options.page);
  const px = (mm: number) => Math.round((mm * options.dpi) / 25.4);
  const width = px(drawn.widthMm);
  const height = px(drawn.heightMm);
  const executablePath = options.chromium ?? DEFAULT_CHROMIUM;
  if (!existsSync(executablePath))
    throw new DomainError("ofd.render_unavailable", { detail: `${executablePath} not found` });
  let chromium: BrowserType;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (e) {
    throw new DomainError("ofd.render_unavailable", { detail: `playwright-core: ${String(e)}` });
  }
  const browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    timeout: 60_000,
  });
  try {
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
    // No network: everything the page needs is inline.
    await page.route("**/*", (route) => route.abort());
    const svg = drawn.svg.replace(
      /width="[\d.]+mm" height="[\d.]+mm"/,
      `width="${width}" height="${height}"`,
    );
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    const png = await page.screenshot({ type: "png", clip: { x: 0, y: 0, width, height } });
    return {
      png: new Uint8Array(png),
      width,
      height,
      stamps: drawn.stamps.length,
      stampBoxes: drawn.stamps.map(([x, y, w, h]) => [px(x), px(y), px(w), px(h)]),
    };
  } finally {
    await browser.close();
  }
}
