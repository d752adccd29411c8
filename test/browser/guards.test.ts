/**
 * The portal's guards (#19 finding 9) in Debian's Chromium against a real certdesk process: a
 * renewal outside its window is refused as soon as the certificate is picked, with the day the
 * window opens, and no quote is shown; the only eligible certificate is chosen for the handler; a
 * new application beside a valid certificate warns (which one, what to do instead) and asks for a
 * confirmation; the courier's number of mailed paper is taken on a phone and shown to the
 * reviewer in the paper queue. Each ends on what the server keeps.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { renewalWindowOpens } from "../../src/domain/rules.js";
import { http, login } from "../support/process.js";
import { phoneProblems } from "./phone-checks.js";
import { CHROMIUM, haveChromium, orderIdOf, savedOrder, signIn, SUPPLIER_A } from "./support.js";
import { browserSuite } from "./suite.js";
import { asJson, certificateExpiringIn, paidProgrammeAOrder, REVIEWER } from "./walks.js";

if (!haveChromium) {
  process.stdout.write(`guard tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

const PHONE = { width: 390, height: 780 };

/** The drop-down list Ant Design shows for the select just opened. */
function openList(page: Page) {
  return page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)");
}

describe.skipIf(!haveChromium)(
  `the portal's guards in Chromium (skipped when ${CHROMIUM} is missing)`,
  () => {
    const suite = browserSuite();
    let held: { serial: string; notAfter: string } | undefined;

    /** Organisation A's one certificate, 200 days from its end: valid, its renewal window not yet open. */
    async function heldCertificate() {
      if (held) return held;
      const serial = await certificateExpiringIn(suite.desk.server, 200);
      const certs = await asJson<{ serial: string; not_after: string }[]>(
        suite.desk.server,
        SUPPLIER_A,
        "/api/certificates",
      );
      const cert = certs.find((c) => c.serial === serial);
      if (!cert) throw new Error(`certificate ${serial} not listed`);
      return (held = { serial, notAfter: cert.not_after });
    }

    it("renewal outside the window: refused when the certificate is picked, with the day it opens, and no quote; change preselects the only certificate", async () => {
      const { serial, notAfter } = await heldCertificate();
      const page = await suite.newPage();
      const quotes: number[] = [];
      page.on("response", (r) => {
        if (r.url().endsWith("/api/quote") && (r.request().postData() ?? "").includes("certificateId"))
          quotes.push(r.status());
      });
      await signIn(page, suite.base, SUPPLIER_A);
      await page.goto(`${suite.base}/portal/apply/procurement/renewal`);
      const main = page.getByRole("main");
      // Not eligible for renewal, so not chosen for the handler: picking it says why at once.
      await main.getByRole("combobox", { name: "办理业务的证书" }).click();
      await openList(page).getByText(serial, { exact: false }).click();
      const refusal = main.getByRole("alert").filter({ hasText: "该证书现在不能办理此业务" });
      await refusal.waitFor();
      const opensOn = renewalWindowOpens(new Date(notAfter), 90);
      expect(await refusal.innerText()).toContain(`请于${opensOn}起办理`);
      expect(await main.getByRole("button", { name: "下一步：确认费用" }).isDisabled()).toBe(true);
      await main.getByText("所选证书现在不能办理此业务，因此不计算费用。").waitFor();
      expect(await main.getByRole("table", { name: "费用" }).count()).toBe(0);
      expect(quotes).toEqual([]);
      // The refusal fits a phone.
      await page.setViewportSize(PHONE);
      // The phone layout is React's answer to the resize: judged once it has come.
      await expect.poll(async () => (await phoneProblems(page)).scroll, { timeout: 15_000 }).toBeNull();
      await page.setViewportSize({ width: 1366, height: 768 });

      // Change takes a certificate before its end: the only one is chosen, and the quote is priced.
      await page.goto(`${suite.base}/portal/apply/procurement/change`);
      await expect
        .poll(() => main.locator(".ant-select-selection-item").first().innerText())
        .toContain(serial);
      await main.getByRole("table", { name: "费用" }).waitFor();
      expect(await main.getByRole("button", { name: "下一步：确认费用" }).isDisabled()).toBe(false);
      expect(quotes.every((s) => s === 200)).toBe(true);
    }, 240_000);

    it("a new application beside the valid certificate at 390 px: warned with the certificate and what to do instead, created once confirmed", async () => {
      const { serial } = await heldCertificate();
      const page = await suite.newPage();
      await page.setViewportSize(PHONE);
      await signIn(page, suite.base, SUPPLIER_A);
      await page.goto(`${suite.base}/portal/apply/procurement/new`);
      const main = page.getByRole("main");
      const warning = main.getByRole("alert").filter({ hasText: "贵单位在本平台已持有有效证书" });
      await warning.waitFor();
      expect(await warning.innerText()).toContain(serial);
      const renew = warning.getByRole("link", { name: "更新续期：延长这张证书的有效期" });
      expect(await renew.getAttribute("href")).toMatch(/\/portal\/apply\/procurement\/renewal\?certificate=/);
      await warning.getByRole("link", { name: "补办：钥匙丢失或损坏" }).waitFor();
      await page.waitForLoadState("networkidle");
      expect((await phoneProblems(page)).scroll).toBeNull();

      await main.getByLabel("详细地址").fill("上海市浦东新区示例路 88 号（演示地址）");
      await main.getByRole("button", { name: "下一步：确认费用" }).click();
      await main.getByText("请确认确需再申请一张新证书，或改为办理续期、补办或变更").waitFor();
      await main.getByRole("checkbox", { name: /确需再申请一张新证书/ }).check();
      await main.getByRole("button", { name: "下一步：确认费用" }).click();
      await main.getByRole("button", { name: "创建申请" }).click();
      await page.waitForURL(new RegExp(`^${suite.base}/portal/orders/[0-9a-f-]{36}$`));
      const { order } = await savedOrder(suite.desk.server, SUPPLIER_A, orderIdOf(page));
      expect(order).toMatchObject({ service: "new", state: "draft", programmeId: "procurement" });
    }, 240_000);

    it("the courier's number of the mailed paper at 390 px: a malformed one refused in words, saved, shown to the reviewer in the paper queue", async () => {
      const server = suite.desk.server;
      const orderId = await paidProgrammeAOrder(server);
      const reviewer = await login(server, REVIEWER.login, REVIEWER.password);
      const approved = await http(`${server.url}/api/orders/${orderId}/approve`, {
        method: "POST",
        token: reviewer,
        json: {},
      });
      expect(approved.body).toMatchObject({ state: "awaiting_paper" });

      const page = await suite.newPage();
      await page.setViewportSize(PHONE);
      await signIn(page, suite.base, SUPPLIER_A);
      await page.goto(`${suite.base}/portal/orders/${orderId}`);
      const main = page.getByRole("main");
      await main.getByRole("heading", { name: "纸质材料的快递单号" }).waitFor();
      await main.getByLabel("快递公司").fill("顺丰速运");
      await main.getByLabel("快递单号").fill("SF12");
      await main.getByRole("button", { name: "保存快递单号" }).click();
      await main.getByText("快递单号格式不正确：应为 8 至 30 位字母或数字").waitFor();
      await page.waitForLoadState("networkidle");
      expect((await phoneProblems(page)).scroll).toBeNull();

      await main.getByLabel("快递单号").fill("SF 1234 5678 9012 3");
      await main.getByRole("button", { name: "保存快递单号" }).click();
      await main.getByText(/已填写：顺丰速运 SF1234567890123/).waitFor();
      expect((await phoneProblems(page)).scroll).toBeNull();
      const saved = await asJson<{ paperTracking: unknown }>(server, SUPPLIER_A, `/api/orders/${orderId}`);
      expect(saved.paperTracking).toMatchObject({ carrier: "顺丰速运", trackingNumber: "SF1234567890123" });

      // The reviewer matches the parcel in the paper queue and on the order, where paper is recorded received.
      const office = await suite.newPage();
      await office.goto(`${suite.base}/sign-in`);
      const form = office.getByRole("main");
      await form.getByLabel("手机号").fill(REVIEWER.login);
      await form.getByLabel("密码").fill(REVIEWER.password);
      await form.getByRole("button", { name: "登录" }).click();
      await office.waitForURL(new RegExp(`^${suite.base}/office`));
      await office.goto(`${suite.base}/office/queue/paper`);
      const row = office.getByRole("row").filter({ hasText: "SF1234567890123" });
      await row.getByText("顺丰速运 SF1234567890123").waitFor();
      await office.goto(`${suite.base}/office/orders/${orderId}`);
      await office.getByText("申请人寄件单号：顺丰速运 SF1234567890123").waitFor();
    }, 240_000);
  },
);
