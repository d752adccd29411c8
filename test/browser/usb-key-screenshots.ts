/**
 * Screenshots of "My USB key" into docs/screenshots/, in Chinese and English: the page with no
 * security client running (and the command that starts it), and a delivered key read through the
 * real agent (a software key made by the desk's station, still on its factory PIN), and the agent's
 * own window where the PIN is typed (docs/screenshots/agent-pin-dialog.*.png). Run:
 * node --import tsx test/browser/usb-key-screenshots.ts (needs /usr/bin/chromium and, for Chinese
 * text, fonts-noto-cjk).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  launchChromium,
  LAPTOP_VIEWPORT,
  screenshotsReady,
  shot,
  signIn,
  startDeskWith,
  SUPPLIER_A,
} from "./support.js";
import { deliveredProgrammeAOrders, serverToday, startPortalAgent } from "./walks.js";

async function main(): Promise<void> {
  screenshotsReady();
  const work = mkdtempSync(join(tmpdir(), "certdesk-usbkey-shots-"));
  const desk = await startDeskWith({});
  const browser = await launchChromium();
  let agent: Awaited<ReturnType<typeof startPortalAgent>> | undefined;
  try {
    const base = desk.server.url;
    const [delivered] = await deliveredProgrammeAOrders(desk.server, [await serverToday(desk.server)]);
    mkdirSync(join(work, "usb"));
    copyFileSync(
      join(desk.dataDir, "keys", `${delivered!.keyLabels[0]!}.certdesk-key`),
      join(work, "usb", "key.certdesk-key"),
    );
    // The default port, so that the command shown is the one a person types.
    const port = 17380;

    for (const [locale, suffix] of [
      ["zh-CN", "zh"],
      ["en", "en"],
    ] as const) {
      const context = await browser.newContext({ viewport: LAPTOP_VIEWPORT, locale });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      // Signed in through the form, so that the tab holds the session the agent acts with.
      await signIn(page, base, SUPPLIER_A);
      if (suffix === "en") await page.getByText("English", { exact: true }).click();
      await page.goto(`${base}/portal/usb-key`);
      await page.getByRole("status").first().waitFor();
      await shot(page, `usb-key-not-running.${suffix}`);

      agent = await startPortalAgent({
        portal: base,
        keyDir: join(work, "usb"),
        home: join(work, `client-home-${suffix}`),
        port,
      });
      await page
        .getByRole("button", { name: suffix === "zh" ? "重新检测" : "Look again", exact: true })
        .click();
      await page.getByLabel(suffix === "zh" ? "配对码" : "Pairing code").fill(agent.pairingCode);
      await page.getByRole("button", { name: suffix === "zh" ? "配对" : "Pair", exact: true }).click();
      await page
        .getByRole("heading", { name: suffix === "zh" ? "已插入的电子钥匙" : "The inserted USB key" })
        .waitFor();
      await shot(page, `usb-key.${suffix}`, true);
      // The agent's own window, as "change the PIN" opens it: who asks, what for, the tries left.
      const popup = page.waitForEvent("popup");
      await page
        .getByRole("button", { name: suffix === "zh" ? "修改 PIN 码" : "Change PIN" })
        .last()
        .click();
      const dialog = await popup;
      await dialog.setViewportSize({ width: 520, height: 720 });
      await dialog.getByRole("button", { name: suffix === "zh" ? "确认" : "Confirm" }).waitFor();
      await shot(dialog, `agent-pin-dialog.${suffix}`);
      await dialog.getByRole("button", { name: suffix === "zh" ? "取消" : "Cancel" }).click();
      await page.getByRole("alert").waitFor();
      await agent.stop();
      agent = undefined;
      await context.close();
    }
  } finally {
    await agent?.stop();
    await browser.close();
    await desk.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
