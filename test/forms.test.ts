/**
 * Pre-filled forms downloaded through the API: the order's own values come out of the PDF
 * (pdftotext), for programme A's application and seal forms and programme B's enterprise form.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, startTestApp, type Client, type TestApp } from "./support/app.js";
import { testStores } from "./support/stores.js";

const dir = mkdtempSync(join(tmpdir(), "certdesk-forms-"));

function pdfText(bytes: Buffer, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return execFileSync("pdftotext", ["-layout", file, "-"]).toString();
}

describe("order forms", () => {
  const kind = testStores[0]!;
  let store: Awaited<ReturnType<typeof kind.open>>;
  let t: TestApp;
  let supplier: Client, retailer: Client;

  beforeAll(async () => {
    store = await kind.open();
    t = await startTestApp(store);
    [supplier, retailer] = await Promise.all([t.as(...DEMO.supplierA), t.as(...DEMO.retailerB)]);
  });
  afterAll(async () => {
    await t?.close();
    await store?.dispose();
  });

  it("programme A: the application and seal forms carry the order's values", async () => {
    const order = (
      await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "new",
          details: {
            years: 3,
            platformAccount: "supplier-0042",
            sealRequested: true,
            sealType: "contract",
            sealName: "上海示例供应链管理有限公司合同专用章",
          },
        },
      })
    ).json<{ id: string; number: string }>();
    const res = await supplier({
      method: "GET",
      url: `/api/orders/${order.id}/forms/certificate-application`,
    });
    expect(res.status).toBe(200);
    const text = pdfText(res.raw, "a.pdf");
    for (const value of [
      order.number,
      "上海示例供应链管理有限公司",
      "91310115591693856A",
      "张伟",
      "600.00",
      "supplier-0042",
    ]) {
      expect(text).toContain(value);
    }
    const seal = await t.app.inject({
      method: "GET",
      url: `/api/orders/${order.id}/forms/seal-application`,
      headers: { authorization: await login(t, DEMO.supplierA) },
    });
    expect(pdfText(seal.rawPayload, "seal.pdf")).toContain("合同专用章");
    // Another organisation cannot fetch it.
    expect(
      (await retailer({ method: "GET", url: `/api/orders/${order.id}/forms/certificate-application` }))
        .status,
    ).toBe(404);
    // A template the service does not use is refused with its code.
    const wrong = await supplier({
      method: "GET",
      url: `/api/orders/${order.id}/forms/enterprise-certificate-application`,
    });
    expect(wrong.json<{ code: string }>().code).toBe("documents.template_not_in_service");
  });

  it("programme B: the enterprise form states the number of certificates, plan and term", async () => {
    const order = (
      await retailer({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "power-trading",
          service: "new",
          details: {
            years: 3,
            keys: 2,
            plan: "all-inclusive",
            mailingAddress: { recipient: "刘洋", phone: "13900139000", address: "广州市天河区示例路 8 号" },
          },
        },
      })
    ).json<{ id: string; number: string }>();
    const res = await t.app.inject({
      method: "GET",
      url: `/api/orders/${order.id}/forms/enterprise-certificate-application`,
      headers: { authorization: await login(t, DEMO.retailerB) },
    });
    expect(res.headers["content-type"]).toBe("application/pdf");
    const text = pdfText(res.rawPayload, "b.pdf");
    for (const value of [
      order.number,
      "广州示例绿色能源售电有限公司",
      "1,200.00",
      "壹仟贰佰元整",
      "广州市天河区示例路 8 号",
    ])
      expect(text).toContain(value);
  });
});

async function login(t: TestApp, [login, password]: readonly [string, string]): Promise<string> {
  const res = await t.app.inject({ method: "POST", url: "/api/auth/login", payload: { login, password } });
  return `Bearer ${res.json<{ token: string }>().token}`;
}
