/**
 * The phone check every portal page passes (finding 4): nothing wider than the page
 * (scrollWidth <= clientWidth) and no button or field shorter than a finger.
 */
import type { Page } from "playwright-core";

export const TOUCH_PX = 44;

const CONTROLS = [
  ".ant-btn",
  ".ant-input-affix-wrapper",
  "input.ant-input:not(.ant-input-affix-wrapper input)",
  ".ant-input-number",
  ".ant-select-selector",
  ".ant-radio-button-wrapper",
  ".ant-picker",
].join(",");

/** What is wider than the page, and which controls are shorter than a finger (run in the page). */
export async function phoneProblems(page: Page): Promise<{ scroll: string | null; small: string[] }> {
  return page.evaluate(`(() => {
    const d = document.documentElement;
    const scroll = d.scrollWidth > d.clientWidth ? "scrollWidth " + d.scrollWidth + " > clientWidth " + d.clientWidth : null;
    const small = [];
    for (const el of document.querySelectorAll(${JSON.stringify(CONTROLS)})) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && r.height < ${TOUCH_PX})
        small.push(el.className.toString().split(" ")[0] + " '" + (el.textContent || "").trim().slice(0, 24) + "' " + Math.round(r.height) + " px");
    }
    return { scroll, small };
  })()`);
}
