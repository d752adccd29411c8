/**
 * The full walk of each programme in Debian's Chromium, every step through the web app as the
 * person who takes it (issue 19): a new organisation signs up, orders, uploads its materials; the
 * reviewer returns it with a note on one material; the handler fixes it and resubmits; the
 * reviewer approves; the order is paid (programme A online through the gateway, before review as
 * its steps say; programme B by transfer receipt, confirmed by finance); programme A's paper is
 * received; production makes the keys on the batch screen; production ships and records the
 * signing-for; programme A's handler activates the certificate on the key with the security
 * client's agent (a software key the desk's station made, run in-process as `certdesk-client
 * agent`). Programme B orders a basket of mixed plans. Each walk ends on what the database holds:
 * the order's state, its payment, its certificates, its keys, its shipment and its audit trail.
 *
 * The desk runs on PostgreSQL (a database of its own on TEST_DATABASE_URL, or the local server).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/process.js";
import {
  applyNewOnProgrammeA,
  CHROMIUM,
  haveChromium,
  orderIdOf,
  scans,
  signIn,
  uploadMaterial,
} from "./support.js";
import { browserSuite } from "./suite.js";
import { produceOnBatchScreen, signInStaff } from "./production-screen.js";
import { PRODUCTION, REVIEWER, smsTo, startPortalAgent, type PortalAgent } from "./walks.js";
import {
  approveOnOrderPage,
  auditStates,
  confirmReceipt,
  newApplicant,
  officeOrder,
  paperReceivedOnOrderPage,
  rejectOnOrderPage,
  rows,
  shipOnOrderPage,
  signUp,
  startWalkDesk,
  untilState,
  type NewApplicant,
  type WalkDesk,
} from "./walk-steps.js";
import type { Page } from "playwright-core";

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

const FACTORY_PIN = "12345678";
const NEW_PIN = "20261207";

/** The handler, back on the order page: the returned scan uploaded again, the order resubmitted. */
async function fixAndResubmit(
  page: Page,
  base: string,
  who: NewApplicant,
  orderId: string,
  material: string,
  note: string,
  file: { name: string; mimeType: string; buffer: Buffer },
): Promise<void> {
  await signIn(page, base, who);
  await page.goto(`${base}/portal/orders/${orderId}`);
  const section = page.getByRole("region", { name: material, exact: true });
  await section.getByText(`需修改：${note}`).waitFor();
  const chooser = page.waitForEvent("filechooser");
  await section.getByRole("button", { name: `重新上传：${material}`, exact: true }).click();
  await (await chooser).setFiles(file);
  await section.getByRole("link", { name: file.name }).waitFor();
  await page.getByRole("button", { name: "修改完成，重新提交" }).click();
  await page.getByRole("main").getByText("已重新提交", { exact: true }).first().waitFor();
}

describe.skipIf(!haveChromium)(
  `the full walk of each programme in Chromium (skipped when ${CHROMIUM} is missing)`,
  () => {
    const suite = browserSuite<WalkDesk>(startWalkDesk);
    const work = mkdtempSync(join(tmpdir(), "certdesk-walk-usb-"));
    let agent: PortalAgent | undefined;
    afterAll(async () => {
      await agent?.stop();
      rmSync(work, { recursive: true, force: true });
    }, 30_000);

    it("programme A: sign-up, order, materials, rejected, fixed, resubmitted, paid online, approved, paper received, keys made on the batch screen, shipped, signed for, activated with the agent; the database holds it all", async () => {
      const { base } = suite;
      const db = suite.desk.db;
      const handler = newApplicant("上海漫游示例科技有限公司", "林小路");

      // The handler: signs up, orders 3 years with the three scans, submits and pays online.
      let page = await suite.newPage();
      await signUp(page, base, handler);
      const orderId = await applyNewOnProgrammeA(page, base);
      await page.getByRole("button", { name: "提交申请" }).click();
      await page.getByRole("button", { name: "在线支付 ¥600.00" }).click();
      await page.waitForURL(/\/dev-gateway\/pay\//);
      await page.getByRole("button", { name: "支付 / Pay", exact: true }).click();
      await page.waitForURL(`${base}/portal/orders/${orderId}`);
      await page.getByRole("main").getByText("已支付", { exact: true }).first().waitFor();
      await untilState(db, orderId, "paid");

      // The reviewer returns it: the licence scan is not legible.
      page = await officeOrder(await suite.newPage(), base, REVIEWER, orderId);
      await rejectOnOrderPage(page, "营业执照复印件不清晰", "营业执照复印件", "请重新扫描后上传");
      await untilState(db, orderId, "rejected");

      page = await suite.newPage();
      await fixAndResubmit(
        page,
        base,
        handler,
        orderId,
        "营业执照复印件",
        "请重新扫描后上传",
        scans.png("营业执照（重新扫描）.png"),
      );
      await untilState(db, orderId, "resubmitted");

      // The reviewer approves; the paper arrives and is recorded.
      page = await officeOrder(await suite.newPage(), base, REVIEWER, orderId);
      await approveOnOrderPage(page);
      await untilState(db, orderId, "awaiting_paper");
      await paperReceivedOnOrderPage(page);
      await untilState(db, orderId, "paper_received");

      // Production makes the key on the batch screen, then ships it and records the signing-for.
      page = await suite.newPage();
      await signInStaff(page, base, PRODUCTION);
      await produceOnBatchScreen(page, base, [orderId]);
      await untilState(db, orderId, "produced");
      await page.goto(`${base}/office/orders/${orderId}`);
      await shipOnOrderPage(page, "SF1234567890123");
      await untilState(db, orderId, "delivered");

      // The handler activates the certificate on the key, through the security client's agent.
      const [key] = await rows<{ label: string }>(db, "select label from usb_keys where order_id = $1", [
        orderId,
      ]);
      mkdirSync(join(work, "usb-a"));
      copyFileSync(
        join(suite.desk.dataDir, "keys", `${key!.label}.certdesk-key`),
        join(work, "usb-a", "key.certdesk-key"),
      );
      const port = await freePort();
      page = await suite.newPage();
      await signIn(page, base, handler);
      await page.getByRole("link", { name: "我的电子钥匙" }).click();
      await page.getByLabel("安全客户端端口").fill(String(port));
      await page.getByRole("button", { name: "保存并重新检测" }).click();
      await page.getByRole("status").filter({ hasText: "未检测到安全客户端" }).waitFor();
      agent = await startPortalAgent({
        portal: base,
        keyDir: join(work, "usb-a"),
        home: join(work, "home-a"),
        port,
      });
      await page.getByRole("button", { name: "重新检测", exact: true }).click();
      await page.getByLabel("配对码").fill(agent.pairingCode);
      await page.getByRole("button", { name: "配对", exact: true }).click();
      await page.getByText(key!.label, { exact: true }).waitFor();
      const inAgentWindow = async (button: string) => {
        const popup = page.waitForEvent("popup");
        await page.getByRole("button", { name: button }).last().click();
        return popup;
      };
      // The factory PIN must be changed before the certificate can be activated.
      let window = await inAgentWindow("修改 PIN 码");
      await window.getByLabel("当前 PIN 码").fill(FACTORY_PIN);
      await window.getByLabel("新 PIN 码", { exact: true }).fill(NEW_PIN);
      await window.getByLabel("再次输入新 PIN 码").fill(NEW_PIN);
      await window.getByRole("button", { name: "确认" }).click();
      await page.getByRole("status").filter({ hasText: "PIN 码已修改" }).waitFor();
      const sms = (await smsTo(suite.desk.server, handler.login)).find((text) => text.includes("激活码"));
      const code = /激活码为 (\w+)/.exec(sms ?? "")?.[1];
      expect(code, sms).toBeDefined();
      await page.getByRole("tab", { name: "激活证书" }).click();
      window = await inAgentWindow("激活证书");
      await window.getByLabel("激活码").fill(code!);
      await window.getByLabel("PIN 码", { exact: true }).fill(NEW_PIN);
      await window.getByRole("button", { name: "确认" }).click();
      await page.getByRole("status").filter({ hasText: "证书已激活" }).waitFor();
      await untilState(db, orderId, "activated");
      await agent.stop();
      agent = undefined;

      // What the database holds.
      const [order] = await rows<{
        state: string;
        total_fen: string;
        programme_id: string;
        service: string;
        org: string;
      }>(
        db,
        `select o.state, o.total_fen, o.programme_id, o.service, g.name as org
         from orders o join organisations g on g.id = o.organisation_id where o.id = $1`,
        [orderId],
      );
      expect(order).toEqual({
        state: "activated",
        total_fen: "60000",
        programme_id: "procurement",
        service: "new",
        org: handler.organisation,
      });
      const payments = await rows<{ channel: string; status: string; amount_fen: string }>(
        db,
        "select channel, status, amount_fen from payments where order_id = $1 and status = 'succeeded'",
        [orderId],
      );
      expect(payments).toEqual([expect.objectContaining({ status: "succeeded", amount_fen: "60000" })]);
      const certificates = await rows<{
        status: string;
        subject: string;
        not_after: Date;
        activated_at: Date | null;
      }>(db, "select status, subject, not_after, activated_at from certificates where order_id = $1", [
        orderId,
      ]);
      expect(certificates.length).toBeGreaterThan(0);
      const signing = certificates.find((c) => c.activated_at !== null)!;
      expect(signing).toMatchObject({ status: "active" });
      expect(signing.subject).toContain(handler.organisation);
      expect(signing.not_after.getTime()).toBeGreaterThan(Date.now() + 3 * 360 * 86_400_000);
      const keys = await rows<{ step: string; activated_at: Date | null }>(
        db,
        "select step, activated_at from usb_keys where order_id = $1",
        [orderId],
      );
      expect(keys).toEqual([expect.objectContaining({ step: "recorded", activated_at: expect.any(Date) })]);
      const shipments = await rows<{ carrier: string; tracking_number: string; delivered_on: unknown }>(
        db,
        "select carrier, tracking_number, delivered_on from shipments where order_id = $1",
        [orderId],
      );
      expect(shipments).toEqual([
        expect.objectContaining({
          carrier: "SF",
          tracking_number: "SF1234567890123",
          delivered_on: expect.anything(),
        }),
      ]);
      expect(await auditStates(db, orderId)).toEqual([
        "draft",
        "awaiting_payment",
        "paid",
        "under_review",
        "rejected",
        "resubmitted",
        "under_review",
        "awaiting_paper",
        "paper_received",
        "in_production",
        "produced",
        "shipped",
        "delivered",
        "activated",
      ]);
    }, 420_000);

    it("programme B: sign-up, a basket of mixed plans, materials, rejected, fixed, resubmitted, approved, paid by transfer receipt confirmed by finance, keys made on the batch screen, shipped and signed for; the database holds it all", async () => {
      const { base } = suite;
      const db = suite.desk.db;
      const handler = newApplicant("广州漫游示例售电有限公司", "陈小步");

      // The handler: signs up and orders 2 all-inclusive keys and 1 basic key for 3 years.
      let page = await suite.newPage();
      await signUp(page, base, handler);
      await page.getByRole("button", { name: "办理新业务" }).click();
      await page.getByText("电力交易平台数字证书", { exact: true }).click();
      await page.getByRole("button", { name: "办理：新办证书" }).click();
      const main = page.getByRole("main");
      const openList = () => page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)");
      await main.getByRole("combobox", { name: "第 1 行的资费方案" }).click();
      await openList().getByTitle("组合资费", { exact: true }).click();
      await main.getByRole("spinbutton", { name: "第 1 行的电子钥匙数量" }).fill("2");
      await main.getByRole("button", { name: "添加一行（其他资费方案或年限）" }).click();
      await main.getByRole("combobox", { name: "第 2 行的资费方案" }).click();
      await openList().getByTitle("基础资费", { exact: true }).click();
      await main.getByRole("spinbutton", { name: "第 2 行的电子钥匙数量" }).fill("1");
      await main.getByText("¥1550.00").first().waitFor();
      await main.getByLabel("详细地址").fill("广州市天河区示例路 8 号（演示地址）");
      await main.getByRole("button", { name: "下一步：确认费用" }).click();
      await main.getByRole("button", { name: "创建申请" }).click();
      await page.waitForURL(new RegExp(`^${base}/portal/orders/[0-9a-f-]{36}$`));
      const orderId = orderIdOf(page);
      await uploadMaterial(page, "企业证书申请表", scans.pdf("企业证书申请表.pdf"));
      await uploadMaterial(page, "授权书", scans.png("授权书.png"));
      await page.getByRole("button", { name: "提交申请" }).click();
      await page.getByRole("main").getByText("已提交", { exact: true }).first().waitFor();
      await untilState(db, orderId, "submitted");

      // The reviewer returns it for the unsealed letter; the handler fixes it; the reviewer approves.
      page = await officeOrder(await suite.newPage(), base, REVIEWER, orderId);
      await rejectOnOrderPage(page, "授权书未加盖公章", "授权书", "请加盖单位公章后重新上传");
      await untilState(db, orderId, "rejected");
      page = await suite.newPage();
      await fixAndResubmit(
        page,
        base,
        handler,
        orderId,
        "授权书",
        "请加盖单位公章后重新上传",
        scans.pdf("授权书（已盖章）.pdf"),
      );
      await untilState(db, orderId, "resubmitted");
      page = await officeOrder(await suite.newPage(), base, REVIEWER, orderId);
      await approveOnOrderPage(page);
      await untilState(db, orderId, "awaiting_payment");

      // The handler pays by transfer and uploads the receipt; finance confirms it.
      page = await suite.newPage();
      await signIn(page, base, handler);
      await page.goto(`${base}/portal/orders/${orderId}`);
      const receipts = page.getByRole("region", { name: "转账回单" });
      const chooser = page.waitForEvent("filechooser");
      await receipts.getByRole("button", { name: "上传转账回单" }).click();
      await (await chooser).setFiles(scans.png("转账回单.png"));
      await receipts.getByText("待财务确认", { exact: true }).waitFor();
      const [{ number }] = (await rows<{ number: string }>(db, "select number from orders where id = $1", [
        orderId,
      ])) as [{ number: string }];
      await confirmReceipt(await suite.newPage(), base, number, "1550.00");
      await untilState(db, orderId, "paid");

      // Production makes the three keys on the batch screen, ships them and records the signing-for.
      page = await suite.newPage();
      await signInStaff(page, base, PRODUCTION);
      await produceOnBatchScreen(page, base, [orderId]);
      await untilState(db, orderId, "produced", 120_000);
      await page.goto(`${base}/office/orders/${orderId}`);
      await shipOnOrderPage(page, "SF1234567890124");
      await untilState(db, orderId, "completed");

      // What the database holds.
      const [order] = await rows<{ state: string; total_fen: string; details: { lines: unknown[] } }>(
        db,
        "select state, total_fen, details from orders where id = $1",
        [orderId],
      );
      expect(order).toMatchObject({ state: "completed", total_fen: "155000" });
      expect(order!.details.lines).toEqual([
        { plan: "all-inclusive", years: 3, keys: 2 },
        { plan: "basic", years: 3, keys: 1 },
      ]);
      expect(
        await rows(
          db,
          "select channel, status, amount_fen from payments where order_id = $1 and status = 'succeeded'",
          [orderId],
        ),
      ).toEqual([expect.objectContaining({ status: "succeeded", amount_fen: "155000" })]);
      expect(
        await rows(
          db,
          "select status, amount_fen, decided_by is not null as decided from transfer_receipts where order_id = $1",
          [orderId],
        ),
      ).toEqual([{ status: "confirmed", amount_fen: "155000", decided: true }]);
      const keys = await rows<{ step: string; plan: string | null; status: string; not_after: Date }>(
        db,
        `select k.step, k.plan, c.status, c.not_after from usb_keys k
         join certificates c on c.id = k.certificate_id where k.order_id = $1 order by k.position`,
        [orderId],
      );
      expect(keys.map((k) => [k.step, k.plan, k.status])).toEqual([
        ["recorded", "all-inclusive", "issued"],
        ["recorded", "all-inclusive", "issued"],
        ["recorded", "basic", "issued"],
      ]);
      for (const k of keys) expect(k.not_after.getTime()).toBeGreaterThan(Date.now() + 3 * 360 * 86_400_000);
      expect(
        await rows(
          db,
          "select carrier, tracking_number from shipments where order_id = $1 and delivered_on is not null",
          [orderId],
        ),
      ).toEqual([{ carrier: "SF", tracking_number: "SF1234567890124" }]);
      expect(await auditStates(db, orderId)).toEqual([
        "draft",
        "submitted",
        "under_review",
        "rejected",
        "resubmitted",
        "under_review",
        "awaiting_payment",
        "paid",
        "in_production",
        "produced",
        "shipped",
        "delivered",
        "completed",
      ]);
    }, 420_000);
  },
);
