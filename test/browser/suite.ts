/**
 * One describe block's desk and browser: a fresh demo server and Chromium started before its
 * tests and stopped after; newPage() opens a zh-CN page of laptop size in a fresh context (its own
 * cookies and stored language), closing the one before; the last is closed after each test.
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { LAPTOP_VIEWPORT, launchChromium, startDesk, type Desk } from "./support.js";

export interface BrowserSuite<D extends Desk> {
  readonly desk: D;
  readonly browser: Browser;
  /** the desk's URL */
  readonly base: string;
  newPage(): Promise<Page>;
}

export function browserSuite<D extends Desk = Desk>(
  start: () => Promise<D> = startDesk as () => Promise<D>,
): BrowserSuite<D> {
  let desk: D | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  beforeAll(
    async () => {
      desk = await start();
      browser = await launchChromium();
    },
    Number(process.env.BROWSER_READY_MS ?? 240_000) + 120_000,
  );
  afterAll(async () => {
    await browser?.close();
    await desk?.stop();
  }, 30_000);
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  return {
    get desk() {
      return desk!;
    },
    get browser() {
      return browser!;
    },
    get base() {
      return desk!.server.url;
    },
    async newPage() {
      await context?.close(); // one signed-in person at a time
      context = await browser!.newContext({ viewport: LAPTOP_VIEWPORT, locale: "zh-CN" });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.setDefaultNavigationTimeout(20_000);
      return page;
    },
  };
}
