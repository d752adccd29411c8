/**
 * Every page of the portal (the applicant's side), with the orders it needs walked through the API
 * first: what the phone tests and the 390 px screenshots go through, one list for both.
 */
import { http, login, type ServerProcess } from "../support/process.js";
import { submittedProgrammeBOrder } from "./office-screenshots.js";
import { RETAILER_B, SUPPLIER_A } from "./support.js";
import { paidProgrammeAOrder, REVIEWER, type Who } from "./walks.js";

type Server = Pick<ServerProcess, "url">;

export interface PortalPage {
  /** the screenshot's name */
  name: string;
  path: string;
  /** signed in as, or nobody */
  who?: Who;
  /** a heading the page shows once loaded, per language */
  heading: { zh: string | RegExp; en: string | RegExp };
}

export interface PortalOrders {
  paidA: string;
  rejectedB: string;
  awaitingPaymentB: string;
}

async function asReviewer(server: Server, method: string, path: string, json?: unknown): Promise<void> {
  const token = await login(server, REVIEWER.login, REVIEWER.password);
  const res = await http(`${server.url}${path}`, { method, token, json: json ?? {} });
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A paid programme A order; programme B orders returned with a reason, and approved awaiting transfer. */
export async function portalOrders(server: Server): Promise<PortalOrders> {
  const paidA = await paidProgrammeAOrder(server);
  const rejectedB = await submittedProgrammeBOrder(server);
  await asReviewer(server, "POST", `/api/orders/${rejectedB}/review/start`);
  await asReviewer(server, "POST", `/api/orders/${rejectedB}/reject`, {
    reason: "授权书未加盖单位公章，请盖章后重新上传。",
    items: [{ target: "authorisation-letter", reason: "授权书缺少单位公章" }],
  });
  const awaitingPaymentB = await submittedProgrammeBOrder(server);
  await asReviewer(server, "POST", `/api/orders/${awaitingPaymentB}/review/start`);
  await asReviewer(server, "POST", `/api/orders/${awaitingPaymentB}/approve`, { note: "材料齐全" });
  return { paidA, rejectedB, awaitingPaymentB };
}

export function portalPages(o: PortalOrders): PortalPage[] {
  return [
    {
      name: "landing",
      path: "/",
      heading: { zh: "机构数字证书在线服务台", en: "Organisation certificates, online" },
    },
    { name: "sign-in", path: "/sign-in", heading: { zh: /登录/, en: /Sign in/ } },
    { name: "sign-up", path: "/sign-up", heading: { zh: /注册/, en: /Sign up|Register/ } },
    {
      name: "forgot-password",
      path: "/forgot-password",
      heading: { zh: "找回密码", en: "Reset your password" },
    },
    { name: "guides", path: "/guides", heading: { zh: "办事指南", en: /guides/i } },
    {
      name: "guide-power-trading-new",
      path: "/guides/power-trading/new",
      heading: { zh: "计费示例", en: "Worked example" },
    },
    {
      name: "portal-home",
      path: "/portal",
      who: SUPPLIER_A,
      heading: { zh: /我的业务/, en: /My desk/ },
    },
    { name: "apply", path: "/portal/apply", who: RETAILER_B, heading: { zh: /办理/, en: /Apply|New/ } },
    {
      name: "apply-form",
      path: "/portal/apply/power-trading/new",
      who: RETAILER_B,
      heading: { zh: /办理/, en: /Apply|New/ },
    },
    {
      name: "order-paid",
      path: `/portal/orders/${o.paidA}`,
      who: SUPPLIER_A,
      heading: { zh: "申请材料", en: "Materials" },
    },
    {
      name: "order-materials-rejected",
      path: `/portal/orders/${o.rejectedB}`,
      who: RETAILER_B,
      heading: { zh: "申请材料", en: "Materials" },
    },
    {
      name: "order-payment-transfer",
      path: `/portal/orders/${o.awaitingPaymentB}`,
      who: RETAILER_B,
      heading: { zh: "转账回单", en: "Transfer receipt" },
    },
    {
      name: "refund",
      path: `/portal/orders/${o.paidA}/refund`,
      who: SUPPLIER_A,
      heading: { zh: "申请退费", en: /refund/i },
    },
    {
      name: "usb-key",
      path: "/portal/usb-key",
      who: SUPPLIER_A,
      heading: { zh: "我的电子钥匙", en: /USB key/i },
    },
  ];
}
