/**
 * "My USB key" in Debian's Chromium, with the real security client's agent (certdesk-client agent,
 * run in-process) on a loopback port and a real certdesk process behind it. The key is a software
 * key made by the desk's own production station for an order walked through the API to delivery:
 * as the handler receives it, with its factory PIN. The handler finds the agent not running, starts
 * it, pairs with the code from its terminal, reads the key, is refused with the agent's own words
 * for a wrong PIN (in Chinese, then in English) in the agent's own window, where every PIN and SMS
 * code is typed (the page never sees them), changes the PIN, activates with the SMS code and
 * unlocks with the unlock SMS code; the test ends by opening the key with the PIN set at unlock and
 * reading the desk's record of its activation.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SoftwareKey } from "../../src/token/software-key.js";
import { freePort, http, login } from "../support/process.js";
import {
  CHROMIUM,
  haveChromium,
  launchChromium,
  signIn,
  startDeskWith,
  SUPPLIER_A,
  type Desk,
} from "./support.js";
import {
  deliveredProgrammeAOrders,
  serverToday,
  smsTo,
  startPortalAgent,
  type PortalAgent,
} from "./walks.js";

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

const FACTORY_PIN = "12345678";
const NEW_PIN = "20261121";
const UNLOCKED_PIN = "86420135";

describe.skipIf(!haveChromium)(
  `My USB key in Chromium with the agent (skipped when ${CHROMIUM} is missing)`,
  () => {
    let desk: Desk & { dataDir: string };
    let browser: Browser;
    let context: BrowserContext | undefined;
    let base: string;
    let work: string;
    let agent: PortalAgent | undefined;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), "certdesk-usbkey-"));
      desk = await startDeskWith({});
      base = desk.server.url;
      browser = await launchChromium();
    }, 180_000);

    afterAll(async () => {
      await agent?.stop();
      await browser?.close();
      await desk?.stop();
      rmSync(work, { recursive: true, force: true });
    }, 30_000);

    afterEach(async () => {
      await context?.close();
      context = undefined;
    });

    async function newPage(): Promise<Page> {
      context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "zh-CN" });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.setDefaultNavigationTimeout(20_000);
      return page;
    }

    it("not running, then paired; the key is read; a wrong PIN is refused in the agent's words; the factory PIN is changed, the certificate activated and the key unlocked with the SMS codes", async () => {
      const [delivered] = await deliveredProgrammeAOrders(desk.server, [await serverToday(desk.server)]);
      const label = delivered!.keyLabels[0]!;
      mkdirSync(join(work, "usb"));
      const keyFile = join(work, "usb", "key.certdesk-key");
      // The key is "inserted": the file the station made is in the folder the agent watches.
      copyFileSync(join(desk.dataDir, "keys", `${label}.certdesk-key`), keyFile);
      const port = await freePort();

      const page = await newPage();
      await signIn(page, base, SUPPLIER_A);
      await page.getByRole("link", { name: "我的电子钥匙" }).click();
      await page.waitForURL(`${base}/portal/usb-key`);
      // Nothing listens on the port yet: the page says so, with the command to start the agent.
      await page.getByLabel("安全客户端端口").fill(String(port));
      await page.getByRole("button", { name: "保存并重新检测" }).click();
      await page.getByRole("status").filter({ hasText: "未检测到安全客户端" }).waitFor();
      await page.getByText(`certdesk-client agent --portal-origin ${base} --port ${port}`).waitFor();

      agent = await startPortalAgent({
        portal: base,
        keyDir: join(work, "usb"),
        home: join(work, "client-home"),
        port,
      });
      const { pairingCode } = agent;
      await page.getByRole("button", { name: "重新检测", exact: true }).click();
      await page.getByRole("heading", { name: "与安全客户端配对" }).waitFor();
      await page.getByLabel("配对码").fill("0000-0000");
      await page.getByRole("button", { name: "配对", exact: true }).click();
      await page.getByRole("alert").filter({ hasText: "配对码错误，还可以尝试 2 次" }).waitFor();
      await page.getByLabel("配对码").fill(`${pairingCode.slice(0, 4)}-${pairingCode.slice(4)}`);
      await page.getByRole("button", { name: "配对", exact: true }).click();
      // The key as it arrived: its label, the organisation's certificate, the factory PIN, not activated.
      await page.getByRole("heading", { name: "已插入的电子钥匙" }).waitFor();
      await page.getByText(label, { exact: true }).waitFor();
      await page.getByText(/O=上海示例供应链管理有限公司/).waitFor();
      await page.getByText("初始 PIN 码，请修改").waitFor();
      await page.getByText("还可尝试 10 次（共 10 次）").waitFor();
      await page.getByText("未激活", { exact: true }).waitFor();

      // What the page sends the agent, recorded: never a PIN, nor a code.
      const sent: string[] = [];
      page.on("request", (r) => {
        if (r.url().startsWith(`http://127.0.0.1:${port}/v1/`)) sent.push(r.postData() ?? "");
      });
      /** Clicks the page's button; the agent's own window opens, where the user types. */
      const inAgentWindow = async (button: string) => {
        const popup = page.waitForEvent("popup");
        await page.getByRole("button", { name: button }).last().click();
        const window = await popup;
        expect(new URL(window.url()).host).toBe(`127.0.0.1:${port}`);
        await window.getByText(base, { exact: true }).waitFor();
        return window;
      };

      // A wrong current PIN: the agent's message, in its window, in Chinese; then in English.
      let window = await inAgentWindow("修改 PIN 码");
      await window.getByText("PIN 码还可尝试 10 次（共 10 次） · 仍是初始 PIN 码").waitFor();
      await window.getByLabel("当前 PIN 码").fill("00000000");
      await window.getByLabel("新 PIN 码", { exact: true }).fill(NEW_PIN);
      await window.getByLabel("再次输入新 PIN 码").fill(NEW_PIN);
      await window.getByRole("button", { name: "确认" }).click();
      await window.getByRole("alert").filter({ hasText: "PIN 码错误，还可以尝试 9 次" }).waitFor();
      await window.getByText("English", { exact: true }).click();
      await window.getByText("PIN: 9 of 10 tries left").waitFor();
      await window.getByLabel("Current PIN").fill("11111111");
      await window.getByLabel("New PIN", { exact: true }).fill(NEW_PIN);
      await window.getByLabel("New PIN again").fill(NEW_PIN);
      await window.getByRole("button", { name: "Confirm" }).click();
      await window.getByRole("alert").filter({ hasText: "Wrong PIN; 8 tries left" }).waitFor();
      await window.getByText("中文", { exact: true }).click();
      await window.getByLabel("当前 PIN 码").fill(FACTORY_PIN);
      await window.getByLabel("新 PIN 码", { exact: true }).fill(NEW_PIN);
      await window.getByLabel("再次输入新 PIN 码").fill(NEW_PIN);
      await window.getByRole("button", { name: "确认" }).click();
      await page.getByRole("status").filter({ hasText: "PIN 码已修改" }).waitFor();
      await expect.poll(() => page.getByText("初始 PIN 码，请修改").count()).toBe(0);

      // Activation with the code the SMS carried (the development SMS sink keeps it).
      const sms = (await smsTo(desk.server, SUPPLIER_A.login)).find((text) => text.includes("激活码"));
      const code = /激活码为 (\w+)/.exec(sms ?? "")?.[1];
      expect(code, sms).toBeDefined();
      await page.getByRole("tab", { name: "激活证书" }).click();
      window = await inAgentWindow("激活证书");
      await window.getByLabel("激活码").fill(code!);
      await window.getByLabel("PIN 码", { exact: true }).fill(NEW_PIN);
      await window.getByRole("button", { name: "确认" }).click();
      await page.getByRole("status").filter({ hasText: "证书已激活" }).waitFor();
      await page.getByText("已激活", { exact: true }).waitFor();

      // The PIN forgotten: an unlock asked by the handler is approved at once, the code comes by SMS,
      // and the key's SO challenge answered by the desk sets a new PIN.
      await page.getByRole("tab", { name: "解锁" }).click();
      await page.getByRole("button", { name: "申请解锁" }).click();
      await page.getByRole("status").filter({ hasText: "验证码已发送到经办人手机" }).waitFor();
      const unlockCode = async () =>
        (await smsTo(desk.server, SUPPLIER_A.login))
          .map((text) => /解锁验证码为 (\w+)/.exec(text)?.[1])
          .find((c) => c !== undefined);
      await expect.poll(unlockCode, { timeout: 15_000 }).toBeDefined();
      window = await inAgentWindow("解锁并设置新 PIN 码");
      await window.getByLabel("短信验证码").fill((await unlockCode())!);
      await window.getByLabel("新 PIN 码", { exact: true }).fill(UNLOCKED_PIN);
      await window.getByLabel("再次输入新 PIN 码").fill(UNLOCKED_PIN);
      await window.getByRole("button", { name: "确认" }).click();
      await page.getByRole("status").filter({ hasText: "电子钥匙已解锁" }).waitFor();
      for (const body of sent)
        for (const secret of [FACTORY_PIN, NEW_PIN, UNLOCKED_PIN, code!]) expect(body).not.toContain(secret);

      // What was kept: the key opens with the PIN set at unlock only, and the desk records the
      // activation.
      const key = SoftwareKey.open(keyFile);
      expect(await key.info()).toMatchObject({ defaultPin: false, user: { locked: false } });
      await expect(key.login(FACTORY_PIN)).rejects.toThrow();
      await expect(key.login(NEW_PIN)).rejects.toThrow();
      const session = await key.login(UNLOCKED_PIN);
      await session.close();
      const token = await login(desk.server, SUPPLIER_A.login, SUPPLIER_A.password);
      const keys = (await http(`${base}/api/keys?orderId=${delivered!.orderId}`, { token })).body as {
        label: string;
        activatedAt: string | null;
      }[];
      expect(keys.find((k) => k.label === label)?.activatedAt).not.toBeNull();
    }, 240_000);
  },
);
