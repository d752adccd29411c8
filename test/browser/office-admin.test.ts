/**
 * The admin's relying platforms driven in Chromium against a real certdesk process (embedded
 * database, demo data): register a platform (its secret shown once), rotate its credential, revoke
 * the old one, and see a server error in Chinese, then in English. The test ends by reading back what the server
 * saved (GET /api/platforms) and by signing platform API requests with the secrets the page showed.
 * Then finance: a programme B order's transfer receipt confirmed from the receipts page, and the
 * payment found in the finance report and its CSV export. Last, the webhook delivery log: an event
 * the platform refused, sent again with Replay.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { authorizationHeader, verifyWebhook } from "../../src/platforms/request-signing.js";
import { http, login } from "../support/process.js";
import { submittedProgrammeBOrder } from "./office-screenshots.js";
import { CHROMIUM, haveChromium, RETAILER_B, smallPng } from "./support.js";
import { browserSuite } from "./suite.js";
import { deliveredProgrammeAOrders, serverToday } from "./walks.js";

const ADMIN = { login: "admin", password: "admin-demo-1" } as const;
const REVIEWER = { login: "reviewer", password: "reviewer-demo-1" } as const;
const FINANCE = { login: "finance", password: "finance-demo-1" } as const;

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

interface SavedPlatform {
  id: string;
  programmeId: string;
  name: string;
  webhookUrl: string | null;
  disabledAt: string | null;
  credentials: { keyId: string; expiresAt: string | null; revokedAt: string | null; usable: boolean }[];
}

describe.skipIf(!haveChromium)(
  `the admin's platform pages in Chromium (skipped when ${CHROMIUM} is missing)`,
  () => {
    const suite = browserSuite();
    const newPage = suite.newPage;

    async function staffSignIn(page: Page, who: { login: string; password: string }): Promise<void> {
      await page.goto(`${suite.base}/sign-in`);
      const main = page.getByRole("main");
      await main.getByLabel("手机号").fill(who.login);
      await main.getByLabel("密码").fill(who.password);
      await main.getByRole("button", { name: "登录" }).click();
      await page.waitForURL(new RegExp(`^${suite.base}/office`));
    }

    /** The one-time secret dialog: reads the key ID and secret, closes it, and checks it is gone. */
    async function takeSecret(page: Page): Promise<{ keyId: string; secret: string }> {
      const dialog = page.getByRole("dialog", { name: "请立即保存平台密钥" });
      await dialog.getByText("密钥只显示这一次", { exact: false }).waitFor();
      const keyId = await dialog.getByLabel("密钥编号").inputValue();
      const secret = await dialog.getByLabel("密钥", { exact: true }).inputValue();
      expect(keyId).not.toBe("");
      expect(secret.length).toBeGreaterThanOrEqual(16);
      await dialog.getByRole("button", { name: "复制密钥" }).waitFor();
      await dialog.getByRole("button", { name: "我已保存密钥" }).click();
      await dialog.waitFor({ state: "hidden" });
      return { keyId, secret };
    }

    /** A platform API call signed with a credential, as the platform's own server would make it. */
    async function signedChallenge(credential: { keyId: string; secret: string }): Promise<number> {
      const path = "/api/platform/v1/challenges";
      const body = JSON.stringify({ purpose: "bind" });
      const res = await fetch(`${suite.base}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: authorizationHeader(credential, { method: "POST", path, body }),
        },
        body,
      });
      return res.status;
    }

    it("an admin registers a platform (secret shown once), rotates its credential and revokes the old one", async () => {
      const id = "tendering-demo";
      const name = "示例省公共资源交易中心电子招标投标交易平台（演示用，名称较长以检查版面）";
      const page = await newPage();
      await staffSignIn(page, ADMIN);

      // The desk's shortcuts (the header's menu may fold its last entries on a laptop).
      await page
        .getByRole("navigation", { name: "更多功能" })
        .getByRole("link", { name: "对接平台" })
        .click();
      await page.waitForURL(`${suite.base}/office/platforms`);
      await page.getByRole("button", { name: "登记平台" }).click();
      const form = page.getByRole("dialog", { name: "登记对接平台" });

      // The form's own check, in Chinese, before anything is sent.
      await form.getByLabel("平台标识").fill("Tendering Demo");
      await form.getByRole("button", { name: "登记", exact: true }).click();
      await form.getByText("平台标识只能包含小写字母、数字和连字符", { exact: false }).waitFor();

      await form.getByLabel("平台标识").fill(id);
      await form.getByLabel("平台名称").fill(name);
      await form.getByLabel("所属项目").click();
      await page.getByTitle("采购系统供应商数字证书", { exact: true }).click();
      await form.getByLabel("事件通知地址（Webhook）").fill("https://tendering.example/certdesk/events");
      await form.getByRole("button", { name: "登记", exact: true }).click();
      const first = await takeSecret(page);

      // After the dialog the platform's page; the secret is nowhere on it.
      await page.waitForURL(`${suite.base}/office/platforms/${id}`);
      await page.getByRole("heading", { name: "访问密钥" }).waitFor();
      await page.getByRole("cell", { name: first.keyId, exact: true }).waitFor();
      expect(await page.content()).not.toContain(first.secret);
      await page.getByRole("heading", { name: "事件推送记录" }).waitFor();
      await page.getByText("没有推送记录").waitFor();

      // Rotate with a 2-hour grace period: the old credential keeps working meanwhile.
      await page.getByRole("button", { name: "轮换密钥" }).click();
      const rotate = page.getByRole("dialog", { name: "轮换访问密钥" });
      await rotate.getByText("旧密钥在宽限期内仍可使用", { exact: false }).waitFor();
      await rotate.getByLabel("旧密钥宽限期（小时）").fill("2");
      await rotate.getByRole("button", { name: "生成新密钥" }).click();
      const second = await takeSecret(page);
      expect(second.keyId).not.toBe(first.keyId);
      await page.getByRole("cell", { name: second.keyId, exact: true }).waitFor();
      expect(await signedChallenge(first)).toBe(200);

      // Revoke the old one at once, after confirming.
      await page.getByRole("button", { name: `吊销密钥 ${first.keyId}` }).click();
      await page.getByRole("tooltip").getByRole("button", { name: "吊销", exact: true }).click();
      await page
        .getByRole("row", { name: new RegExp(first.keyId) })
        .getByText("已吊销")
        .waitFor();

      // A server-side refusal comes back in the page's language: the same ID registered twice.
      await page.getByRole("link", { name: "返回平台列表" }).click();
      await page.getByRole("table").getByRole("link", { name }).waitFor();
      await page.getByRole("button", { name: "登记平台" }).click();
      const again = page.getByRole("dialog", { name: "登记对接平台" });
      await again.getByLabel("平台标识").fill(id);
      await again.getByLabel("平台名称").fill("重复登记");
      await again.getByLabel("所属项目").click();
      await page.getByTitle("采购系统供应商数字证书", { exact: true }).click();
      await again.getByRole("button", { name: "登记", exact: true }).click();
      await again.getByRole("alert").getByText(`平台“${id}”已经登记`).waitFor();
      await again.getByRole("button", { name: "取消" }).click();

      // The same refusal in English, once the page is switched.
      await page.getByText("English", { exact: true }).click();
      await page.getByRole("button", { name: "Register a platform" }).click();
      const english = page.getByRole("dialog", { name: "Register a relying platform" });
      await english.getByLabel("Platform ID").fill(id);
      await english.getByLabel("Name").fill("Registered twice");
      await english.getByLabel("Programme").click();
      await page.getByTitle("Procurement system supplier certificates", { exact: true }).click();
      await english.getByRole("button", { name: "Register", exact: true }).click();
      await english.getByRole("alert").getByText(`Platform “${id}” is already registered`).waitFor();
      await english.getByRole("button", { name: "Cancel" }).click();

      // What the server kept.
      const token = await login(suite.desk.server, ADMIN.login, ADMIN.password);
      const res = await http(`${suite.base}/api/platforms`, { token });
      expect(res.status).toBe(200);
      const saved = (res.body as SavedPlatform[]).find((p) => p.id === id);
      expect(saved).toMatchObject({
        id,
        name,
        programmeId: "procurement",
        webhookUrl: "https://tendering.example/certdesk/events",
        disabledAt: null,
      });
      expect(saved?.credentials).toHaveLength(2);
      const old = saved?.credentials.find((c) => c.keyId === first.keyId);
      const current = saved?.credentials.find((c) => c.keyId === second.keyId);
      expect(old).toMatchObject({ usable: false, revokedAt: expect.any(String) });
      expect(current).toMatchObject({ usable: true, revokedAt: null });
      // The secrets the page showed are the ones the server checks.
      expect(await signedChallenge(second)).toBe(200);
      expect(await signedChallenge(first)).toBe(401);
    }, 180_000);

    it("finance confirms a bank transfer from the receipts page: a wrong amount is refused in Chinese, the right one pays the order, and the finance report and CSV count it", async () => {
      const orderId = await submittedProgrammeBOrder(suite.desk.server);
      const reviewer = await login(suite.desk.server, REVIEWER.login, REVIEWER.password);
      expect(
        (
          await http(`${suite.base}/api/orders/${orderId}/approve`, {
            method: "POST",
            token: reviewer,
            json: {},
          })
        ).status,
      ).toBe(200);
      const retailer = await login(suite.desk.server, RETAILER_B.login, RETAILER_B.password);
      const form = new FormData();
      form.append("file", new Blob([new Uint8Array(smallPng())], { type: "image/png" }), "转账回单.png");
      const uploaded = await fetch(
        `${suite.base}/api/orders/${orderId}/transfer-receipts?years=3&plan=basic`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${retailer}` },
          body: form,
        },
      );
      expect(uploaded.status).toBe(201);
      const receipt = (await uploaded.json()) as { id: string; amountFen: number };
      const order = (await http(`${suite.base}/api/orders/${orderId}`, { token: retailer })).body as {
        number: string;
      };

      const page = await newPage();
      await staffSignIn(page, FINANCE);
      await page
        .getByRole("navigation", { name: "更多功能" })
        .getByRole("link", { name: "转账回单" })
        .click();
      await page.waitForURL(`${suite.base}/office/receipts`);
      const row = page.getByRole("row", { name: new RegExp(order.number) });
      await row.getByRole("link", { name: /^查看回单 转账回单\.png/ }).waitFor();
      await row.getByRole("button", { name: `确认收款：${order.number}` }).click();

      const dialog = page.getByRole("dialog", { name: `确认收款：${order.number}` });
      await dialog.getByLabel("银行流水号").fill("TRF-20261121-0042");
      await dialog.getByLabel("到账金额（元）").fill("1.00");
      await dialog.getByRole("button", { name: "确认收款" }).click();
      await dialog.getByRole("alert").getByText("与订单金额", { exact: false }).waitFor();

      await dialog.getByLabel("到账金额（元）").fill((receipt.amountFen / 100).toFixed(2));
      await dialog.getByRole("button", { name: "确认收款" }).click();
      await dialog.waitFor({ state: "hidden" });
      await page.getByRole("row", { name: new RegExp(order.number) }).waitFor({ state: "detached" });

      // What the server kept: the order paid, the receipt confirmed.
      const saved = (await http(`${suite.base}/api/orders/${orderId}`, { token: retailer })).body as {
        state: string;
      };
      expect(saved.state).toBe("paid");
      const receipts = (
        await http(`${suite.base}/api/orders/${orderId}/transfer-receipts`, { token: retailer })
      ).body as { id: string; status: string }[];
      expect(receipts).toEqual([expect.objectContaining({ id: receipt.id, status: "confirmed" })]);

      // The finance report counts the payment, and its CSV export carries it.
      await page.goto(`${suite.base}/office/finance`);
      const day = page.getByRole("row", { name: /银行转账/ });
      await day.getByRole("cell", { name: "电力交易平台数字证书" }).waitFor();
      await day.getByRole("cell", { name: (receipt.amountFen / 100).toFixed(2), exact: true }).waitFor();
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "导出 CSV" }).click();
      const csv = await download;
      expect(csv.suggestedFilename()).toMatch(/^payments-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      const text = readFileSync(await csv.path(), "utf8");
      expect(text).toContain("power-trading");
      expect(text).toContain("bank-transfer");
      expect(text).toContain(String(receipt.amountFen));
    }, 120_000);
    it("the delivery log shows a webhook the platform refused; Replay sends it again and the log records the replay", async () => {
      // The platform's receiver: refuses until told to accept, and keeps what it was sent.
      let accept = false;
      const received: { body: string; signature: string }[] = [];
      const receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          received.push({
            body: Buffer.concat(chunks).toString("utf8"),
            signature: String(req.headers["certdesk-signature"] ?? ""),
          });
          res.statusCode = accept ? 200 : 503;
          res.end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
      try {
        const admin = await login(suite.desk.server, ADMIN.login, ADMIN.password);
        const created = await http(`${suite.base}/api/platforms`, {
          method: "POST",
          token: admin,
          json: {
            id: "hooks-office",
            programmeId: "procurement",
            name: "推送测试平台",
            webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
          },
        });
        expect(created.status).toBe(200);
        const { credential } = created.body as { credential: { keyId: string; secret: string } };
        // A programme A key made by the production station: its certificate is an event.
        await deliveredProgrammeAOrders(suite.desk.server, [await serverToday(suite.desk.server)]);
        await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThan(0);

        const page = await newPage();
        await staffSignIn(page, ADMIN);
        await page.goto(`${suite.base}/office/platforms/hooks-office`);
        const row = page.getByRole("row").filter({ hasText: "证书签发" });
        await row.getByText("503").first().waitFor();
        accept = true;
        const before = received.length;
        await row.getByRole("button", { name: /^重新推送 证书签发/ }).click();
        await page.getByText("重新推送成功（HTTP 200）").waitFor();
        expect(received.length).toBeGreaterThan(before);

        // What the server saved: the delivery delivered, its last attempt the replay; the platform
        // received the same event, signed with its credential.
        const log = await http(`${suite.base}/api/platforms/hooks-office/deliveries`, { token: admin });
        const issued = (
          log.body as {
            status: string;
            event: { id: string; type: string };
            log: { statusCode: number | null; replay: boolean }[];
          }[]
        ).find((d) => d.event.type === "certificate.issued")!;
        expect(issued.status).toBe("delivered");
        expect(issued.log[0]).toMatchObject({ statusCode: 503, replay: false });
        // (the scheduled retry, 10 s after the first attempt, may have come in between)
        expect(issued.log).toContainEqual(expect.objectContaining({ statusCode: 200, replay: true }));
        const last = received.at(-1)!;
        expect(JSON.parse(last.body)).toMatchObject({ id: issued.event.id, type: "certificate.issued" });
        expect(
          verifyWebhook({
            body: last.body,
            header: last.signature,
            secrets: { [credential.keyId]: credential.secret },
          }),
        ).toMatchObject({ ok: true });
      } finally {
        receiver.close();
      }
    }, 180_000);
  },
);
