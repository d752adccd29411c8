/**
 * The Content Security Policy (src/server/edge.ts) in Debian's Chromium against a real certdesk
 * process: the portal, a sign-in, an application with uploads, the back office (its viewer shows
 * a PDF scan, which the server sends only as a download) and the API documentation all work
 * without one CSP violation in the console, while an inline script slipped into the page is
 * refused (so the policy is really in force, not only sent).
 */
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { applyNewOnProgrammeA, CHROMIUM, haveChromium, signIn, SUPPLIER_A } from "./support.js";
import { browserSuite } from "./suite.js";

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

/** Every message Chromium logs when the policy blocks something on the page. */
function watchViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

describe.skipIf(!haveChromium)(`the CSP in Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  const suite = browserSuite();

  it("the portal, an application with its scans and the back office run without a CSP violation", async () => {
    const page = await suite.newPage();
    const violations = watchViolations(page);
    const landing = await page.goto(suite.base);
    expect(landing?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.getByRole("heading", { name: "机构数字证书在线服务台" }).waitFor();
    // The app's own script, a static file, carries the headers too.
    const script = await page.locator("script[src^='/assets/']").first().getAttribute("src");
    const asset = await page.request.get(`${suite.base}${script}`);
    expect(asset.headers()["x-content-type-options"]).toBe("nosniff");
    expect(asset.headers()["content-security-policy"]).toContain("frame-ancestors 'self'");

    await signIn(page, suite.base, SUPPLIER_A);
    const orderId = await applyNewOnProgrammeA(page, suite.base);
    await page.getByRole("button", { name: "提交申请" }).waitFor();

    const office = await suite.newPage();
    const officeViolations = watchViolations(office);
    await office.goto(`${suite.base}/sign-in`);
    const main = office.getByRole("main");
    await main.getByLabel("手机号").fill("reviewer");
    await main.getByLabel("密码").fill("reviewer-demo-1");
    await main.getByRole("button", { name: "登录" }).click();
    await office.waitForURL(new RegExp(`^${suite.base}/office`));
    await office.getByRole("link", { name: "待审核", exact: true }).waitFor();
    // The reviewer sees the PDF scan in the page, though the server sends uploads as downloads.
    const downloads: string[] = [];
    office.on("download", (d) => downloads.push(d.suggestedFilename()));
    await office.goto(`${suite.base}/office/orders/${orderId}`);
    const viewer = office.getByRole("tabpanel").locator("object[type='application/pdf']");
    await expect.poll(() => viewer.getAttribute("data")).toMatch(/^blob:/);
    await office.getByRole("tab", { name: "营业执照复印件" }).click();
    const picture = office.getByRole("img", { name: "营业执照复印件" });
    await expect
      .poll(() => picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(1);
    expect(downloads).toEqual([]);

    expect(violations).toEqual([]);
    expect(officeViolations).toEqual([]);
  }, 120_000);

  it("the API documentation (Swagger UI) renders under the same policy", async () => {
    const page = await suite.newPage();
    const violations = watchViolations(page);
    await page.goto(`${suite.base}/docs`);
    await page.getByRole("heading", { name: /certdesk API/ }).waitFor();
    await page.getByText("/api/health").first().waitFor();
    expect(violations).toEqual([]);
  }, 60_000);

  it("an inline script slipped into the page does not run, and Chromium reports the violation", async () => {
    const page = await suite.newPage();
    const violations = watchViolations(page);
    await page.goto(suite.base);
    await page.getByRole("heading", { name: "机构数字证书在线服务台" }).waitFor();
    // As a string: the tests are compiled without the DOM's types.
    const ran = await page.evaluate(`(async () => {
      const script = document.createElement("script");
      script.textContent = "window.injected = true";
      document.body.append(script);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return window.injected === true;
    })()`);
    expect(ran).toBe(false);
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(violations[0]).toMatch(/inline script/i);
  }, 60_000);
});
