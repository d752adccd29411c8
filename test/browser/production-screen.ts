/**
 * Production as the production desk does it in the back office: signed in as production staff, the
 * orders chosen on the batch screen (制证批次), the batch started and followed there until every
 * key is made. Shared by the batch screen's own test and the walks that need keys made.
 */
import type { Page } from "playwright-core";
import { PRODUCTION, type Who } from "./walks.js";

/** Signs staff in on the sign-in page and waits for their desk. */
export async function signInStaff(page: Page, base: string, who: Who): Promise<void> {
  await page.goto(`${base}/sign-in`);
  const main = page.getByRole("main");
  await main.getByLabel("手机号").fill(who.login);
  await main.getByLabel("密码").fill(who.password);
  await main.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(new RegExp(`^${base}/office`));
}

/** The order numbers of orders, as the back office lists them. */
async function orderNumbers(page: Page, base: string, orderIds: string[]): Promise<string[]> {
  const numbers: string[] = [];
  for (const id of orderIds) {
    const res = await page.request.get(`${base}/api/office/orders/${id}`);
    if (!res.ok()) throw new Error(`order ${id}: ${res.status()}`);
    numbers.push(((await res.json()) as { number: string }).number);
  }
  return numbers;
}

/**
 * On the batch screen: ticks each order's row, starts the batch and waits for the screen to say it
 * is done. Returns the batch's id (from the page's address).
 */
export async function produceOnBatchScreen(page: Page, base: string, orderIds: string[]): Promise<string> {
  await page.goto(`${base}/office/production`);
  for (const number of await orderNumbers(page, base, orderIds))
    await page.getByRole("row").filter({ hasText: number }).getByRole("checkbox").check();
  await page.getByRole("button", { name: `开始制证批次（${orderIds.length} 个订单）` }).click();
  await page.waitForURL(new RegExp(`^${base}/office/production/[0-9a-f-]{36}$`));
  await page.getByText("制证批次已完成", { exact: true }).waitFor({ timeout: 90_000 });
  return /\/office\/production\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
}

/** produceOnBatchScreen in a fresh page of its own, signed in as production staff. */
export function batchScreenProducer(
  newPage: () => Promise<Page>,
  base: () => string,
): (orderIds: string[]) => Promise<void> {
  return async (orderIds) => {
    const page = await newPage();
    await signInStaff(page, base(), PRODUCTION);
    await produceOnBatchScreen(page, base(), orderIds);
  };
}
