/**
 * The portal's later flows in Debian's Chromium against a real certdesk process (embedded
 * database, demo data): an application returned by the reviewer in the back office, fixed and
 * resubmitted by the handler; a renewal inside the renewal window; a refund judged by the 14-day
 * rule, on orders whose keys were made on the back office's batch screen. What comes before the step under test is walked through the API (walks.ts); the step
 * itself is done as a person would, finding everything by role and label; each test ends by
 * reading back what the server saved.
 */
import { describe, expect, it } from "vitest";
import { http, login } from "../support/process.js";
import { submittedProgrammeBOrder } from "./office-screenshots.js";
import {
  CHROMIUM,
  haveChromium,
  orderIdOf,
  RETAILER_B,
  savedOrder,
  scans,
  signIn,
  SUPPLIER_A,
} from "./support.js";
import { batchScreenProducer } from "./production-screen.js";
import { browserSuite } from "./suite.js";
import {
  asJson,
  certificateExpiringIn,
  daysBefore,
  deliveredProgrammeAOrders,
  REVIEWER,
  serverToday,
} from "./walks.js";

if (!haveChromium) {
  process.stdout.write(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}

interface UploadedMaterial {
  id: string;
  materialId: string;
  filename: string;
  sha256: string;
  uploadedAt: string;
}

describe.skipIf(!haveChromium)(
  `the portal's later flows in Chromium (skipped when ${CHROMIUM} is missing)`,
  () => {
    const suite = browserSuite();
    const newPage = suite.newPage;

    it("a rejection on one material in the back office: the handler reads the reason beside it, uploads it again and resubmits; the order is back in review with the new scan", async () => {
      const orderId = await submittedProgrammeBOrder(suite.desk.server);
      // The reviewer, in the back office: every check ticked, returned with a reason on the letter.
      const office = await newPage();
      await office.goto(`${suite.base}/sign-in`);
      await office.getByRole("main").getByLabel("手机号").fill(REVIEWER.login);
      await office.getByRole("main").getByLabel("密码").fill(REVIEWER.password);
      await office.getByRole("main").getByRole("button", { name: "登录" }).click();
      await office.waitForURL(new RegExp(`^${suite.base}/office`));
      await office.goto(`${suite.base}/office/orders/${orderId}`);
      await office.getByRole("button", { name: "开始审核" }).click();
      await office.getByRole("button", { name: "审核通过" }).waitFor();
      const boxes = office.getByRole("group", { name: "审核清单" }).getByRole("checkbox");
      for (let i = 0; i < (await boxes.count()); i++) await boxes.nth(i).check();
      await office.getByRole("button", { name: "退回" }).click();
      const dialog = office.getByRole("dialog");
      await dialog.getByLabel("退回原因").fill("授权书未加盖公章");
      await dialog.getByLabel("问题说明：授权书").fill("请加盖单位公章后重新上传");
      await dialog.getByRole("button", { name: "确认退回" }).click();
      await office.getByRole("main").getByText("审核未通过", { exact: true }).first().waitFor();

      const before = await asJson<UploadedMaterial[]>(
        suite.desk.server,
        RETAILER_B,
        `/api/orders/${orderId}/materials`,
      );
      const oldLetter = before.find((m) => m.materialId === "authorisation-letter")!;

      const page = await newPage();
      await signIn(page, suite.base, RETAILER_B);
      await page.goto(`${suite.base}/portal/orders/${orderId}`);
      await page.getByRole("main").getByText("审核未通过", { exact: true }).first().waitFor();
      await page.getByRole("alert").getByText("授权书未加盖公章", { exact: true }).first().waitFor();
      // The material's reason sits in that material's own section, not in another's.
      const letter = page.getByRole("region", { name: "授权书", exact: true });
      await letter.getByText("需修改：请加盖单位公章后重新上传").waitFor();
      const form = page.getByRole("region", { name: "企业证书申请表", exact: true });
      expect(await form.getByText(/需修改/).count()).toBe(0);

      // Finding 2: the rejected scan cannot go back unchanged; its upload button is still there.
      await letter.getByText("待重新上传", { exact: true }).waitFor();
      await page.getByText("请先重新上传审核未通过的材料： 授权书").waitFor();
      expect(await page.getByRole("button", { name: "修改完成，重新提交" }).isDisabled()).toBe(true);
      const refused = await http(`${suite.base}/api/orders/${orderId}/resubmit`, {
        method: "POST",
        token: await login(suite.desk.server, RETAILER_B.login, RETAILER_B.password),
      });
      expect(refused.status).toBe(409);

      const chooser = page.waitForEvent("filechooser");
      await letter.getByRole("button", { name: "重新上传：授权书" }).click();
      await (await chooser).setFiles(scans.pdf("授权书（已盖章）.pdf"));
      await letter.getByRole("link", { name: "授权书（已盖章）.pdf" }).waitFor();
      await page.getByRole("button", { name: "修改完成，重新提交" }).click();
      await page.getByRole("main").getByText("已重新提交", { exact: true }).first().waitFor();

      const { order } = await savedOrder(suite.desk.server, RETAILER_B, orderId);
      expect(order.state).toBe("resubmitted");
      const after = await asJson<UploadedMaterial[]>(
        suite.desk.server,
        RETAILER_B,
        `/api/orders/${orderId}/materials`,
      );
      const letters = after.filter((m) => m.materialId === "authorisation-letter");
      const newest = letters.sort((a, b) => b.uploadedAt.localeCompare(a.uploadedAt))[0]!;
      expect(newest.filename).toBe("授权书（已盖章）.pdf");
      expect(newest.sha256).not.toBe(oldLetter.sha256);
      // The reviewer's queue has it again.
      const reviewer = await login(suite.desk.server, REVIEWER.login, REVIEWER.password);
      const queue = (await http(`${suite.base}/api/office/orders`, { token: reviewer })).body as {
        id: string;
        state: string;
      }[];
      expect(queue.find((o) => o.id === orderId)?.state).toBe("resubmitted");
    }, 180_000);

    it("a renewal inside the 90-day window: the home page offers it, the quote is 200.00 for a year, payment goes through the gateway and the renewal order is paid", async () => {
      const serial = await certificateExpiringIn(suite.desk.server, 60);
      const certificates = await asJson<{ id: string; serial: string; not_after: string }[]>(
        suite.desk.server,
        SUPPLIER_A,
        "/api/certificates",
      );
      const certificate = certificates.find((c) => c.serial === serial)!;
      expect(certificate).toBeDefined();

      const page = await newPage();
      await signIn(page, suite.base, SUPPLIER_A);
      await page.getByRole("button", { name: "立即续期" }).click();
      await page.waitForURL(new RegExp(`/portal/apply/procurement/renewal\\?certificate=${certificate.id}$`));
      // Ant Design's radio buttons hide the input itself: a person clicks the visible label.
      await page.getByText("1 年", { exact: true }).click();
      await expect.poll(() => page.getByRole("radio", { name: "1 年" }).isChecked()).toBe(true);
      await page.getByRole("cell", { name: "¥200.00" }).first().waitFor();
      await page.getByRole("button", { name: "下一步：确认费用" }).click();
      await page.getByRole("button", { name: "创建申请" }).click();
      await page.waitForURL(new RegExp(`^${suite.base}/portal/orders/[0-9a-f-]{36}$`));
      const orderId = orderIdOf(page);
      // No materials to upload for a renewal: submitted as it is, then paid.
      await page.getByRole("button", { name: "提交申请" }).click();
      await page.getByRole("button", { name: "在线支付 ¥200.00" }).click();
      await page.waitForURL(/\/dev-gateway\/pay\//);
      await page.getByRole("button", { name: "支付 / Pay", exact: true }).click();
      await page.waitForURL(`${suite.base}/portal/orders/${orderId}`);
      await page.getByRole("main").getByText("已支付", { exact: true }).first().waitFor();

      const { order, payments } = await savedOrder(suite.desk.server, SUPPLIER_A, orderId);
      expect(order).toMatchObject({
        programmeId: "procurement",
        service: "renewal",
        state: "paid",
        totalFen: 20000,
      });
      expect(order.details).toMatchObject({ years: 1, certificateId: certificate.id });
      expect(payments.filter((p) => p.status === "succeeded")).toEqual([
        expect.objectContaining({ amountFen: 20000 }),
      ]);
    }, 180_000);

    it("a refund by the 14-day rule: signed for 14 days ago and not activated, it is allowed and requested; 15 days ago, it is refused with the last day named", async () => {
      const today = await serverToday(suite.desk.server);
      // The keys are made on the back office's batch screen, as the production desk does it.
      const [day14, day15] = await deliveredProgrammeAOrders(
        suite.desk.server,
        [daysBefore(today, 14), daysBefore(today, 15)],
        batchScreenProducer(newPage, () => suite.base),
      );
      expect([day14!.keyLabels.length, day15!.keyLabels.length]).toEqual([1, 1]);

      const page = await newPage();
      await signIn(page, suite.base, SUPPLIER_A);

      // Day 15: refused, with the reason from the rule, and nothing can be sent.
      await page.goto(`${suite.base}/portal/orders/${day15!.orderId}`);
      await page.getByRole("button", { name: "申请退费" }).click();
      await page.waitForURL(`${suite.base}/portal/orders/${day15!.orderId}/refund`);
      const refused = page.getByRole("status").filter({ hasText: "这笔订单目前不能退费" });
      await refused.waitFor();
      await refused.getByText(`截至${daysBefore(today, 1)}`, { exact: false }).waitFor();
      await expect.poll(() => page.getByRole("button", { name: "创建退费申请" }).isDisabled()).toBe(true);

      // Day 14: the last day of the window, allowed; the handler asks for it.
      await page.goto(`${suite.base}/portal/orders/${day14!.orderId}`);
      await page.getByRole("button", { name: "申请退费" }).click();
      await page.waitForURL(`${suite.base}/portal/orders/${day14!.orderId}/refund`);
      await page.getByRole("status").filter({ hasText: "这笔订单目前符合退费条件。" }).waitFor();
      await page.getByLabel("退费原因").fill("项目取消，不再需要证书");
      await page.getByRole("button", { name: "创建退费申请" }).click();
      await page.waitForURL(new RegExp(`^${suite.base}/portal/orders/[0-9a-f-]{36}$`));
      const refundId = orderIdOf(page);
      expect(refundId).not.toBe(day14!.orderId);

      const { order: refund } = await savedOrder(suite.desk.server, SUPPLIER_A, refundId);
      expect(refund).toMatchObject({ service: "refund", programmeId: "procurement" });
      expect(refund.details).toMatchObject({
        targetOrderId: day14!.orderId,
        reason: "项目取消，不再需要证书",
      });
      const refunds = await asJson<{ id: string; targetOrderId: string | null }[]>(
        suite.desk.server,
        SUPPLIER_A,
        "/api/orders?service=refund&limit=500",
      );
      expect(refunds.filter((r) => r.targetOrderId === day15!.orderId)).toEqual([]);
      // The server refuses the day-15 request itself, whatever a page shows.
      const token = await login(suite.desk.server, SUPPLIER_A.login, SUPPLIER_A.password);
      const direct = await http(`${suite.base}/api/orders`, {
        method: "POST",
        token,
        json: { programmeId: "procurement", service: "refund", details: { targetOrderId: day15!.orderId } },
      });
      expect(direct.status).toBe(422);
      expect((direct.body as { code: string }).code).toBe("rules.refund.activation_window_passed");
    }, 240_000);
  },
);
