/**
 * Orders walked through the HTTP API of a real certdesk process (started by startDesk), as the
 * portal and the back office would move them: the set-up of the browser tests that start further
 * along an order's life (a rejection, a delivered key, a certificate near its expiry). Only the
 * steps the test itself is about are then done in the browser.
 */
import { generateSoftwareKey } from "../../src/pki/signer.js";
import { buildCsr } from "../../src/pki/csr.js";
import { addDays, shanghaiDate, type CalendarDate } from "../../src/domain/dates.js";
import { clientHarness } from "../support/client.js";
import { http, login, type ServerProcess } from "../support/process.js";
import { smallPdf, smallPng, SUPPLIER_A } from "./support.js";

type Server = Pick<ServerProcess, "url">;
export type Who = { login: string; password: string };

export const REVIEWER = { login: "reviewer", password: "reviewer-demo-1" } as const;
export const PRODUCTION = { login: "production", password: "production-demo-1" } as const;
export const ADMIN = { login: "admin", password: "admin-demo-1" } as const;

/** The USCC of programme A's demo organisation (src/desk/demo.ts). */
export const USCC_A = "91310115591693856A";

async function ok<T>(
  what: string,
  result: Promise<{ status: number; body: unknown }>,
  status = 200,
): Promise<T> {
  const res = await result;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/** Uploads one scan as the portal's upload button does (multipart). */
export async function uploadScan(
  server: Server,
  token: string,
  orderId: string,
  materialId: string,
  file: { name: string; type: string; bytes: Buffer },
): Promise<void> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  const res = await fetch(`${server.url}/api/orders/${orderId}/materials/${materialId}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (res.status !== 201) throw new Error(`upload ${materialId}: ${res.status} ${await res.text()}`);
}

/** The payer presses "Pay" on the development gateway's page. */
async function payOnline(server: Server, token: string, orderId: string): Promise<void> {
  const { payUrl } = await ok<{ payUrl: string }>(
    "pay",
    http(`${server.url}/api/orders/${orderId}/pay`, { method: "POST", token, json: {} }),
  );
  const res = await fetch(new URL(new URL(payUrl).pathname, server.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "outcome=succeeded",
    redirect: "manual",
  });
  if (res.status >= 400) throw new Error(`gateway: ${res.status} ${await res.text()}`);
}

export async function orderState(server: Server, token: string, orderId: string): Promise<string> {
  return (await ok<{ state: string }>("order", http(`${server.url}/api/orders/${orderId}`, { token }))).state;
}

/** Programme A, new application for one year with its three scans, submitted and paid online. */
export async function paidProgrammeAOrder(server: Server): Promise<string> {
  const token = await login(server, SUPPLIER_A.login, SUPPLIER_A.password);
  const { id } = await ok<{ id: string }>(
    "create",
    http(`${server.url}/api/orders`, {
      method: "POST",
      token,
      json: {
        programmeId: "procurement",
        service: "new",
        acknowledgeExistingCertificate: true,
        details: {
          years: 1,
          mailingAddress: {
            recipient: "张伟",
            phone: "13800138000",
            address: "上海市浦东新区示例路 88 号（演示地址）",
          },
        },
      },
    }),
    201,
  );
  const scans: [string, string, Buffer, string][] = [
    ["application-form", "机构数字证书申请表.pdf", smallPdf(), "application/pdf"],
    ["business-licence", "营业执照.png", smallPng(), "image/png"],
    ["handler-id-card", "身份证正反面.png", smallPng(), "image/png"],
  ];
  for (const [materialId, name, bytes, type] of scans)
    await uploadScan(server, token, id, materialId, { name, type, bytes });
  await ok("submit", http(`${server.url}/api/orders/${id}/submit`, { method: "POST", token, json: {} }));
  await payOnline(server, token, id);
  return id;
}

/** Paid programme A orders taken on by the reviewer: approved and paper received, at production. */
export async function programmeAOrdersAtProduction(server: Server, count: number): Promise<string[]> {
  const applicant = await login(server, SUPPLIER_A.login, SUPPLIER_A.password);
  const reviewer = await login(server, REVIEWER.login, REVIEWER.password);
  const orders: string[] = [];
  for (let i = 0; i < count; i++) orders.push(await paidProgrammeAOrder(server));
  for (const id of orders) {
    await ok(
      "approve",
      http(`${server.url}/api/orders/${id}/approve`, { method: "POST", token: reviewer, json: {} }),
    );
    const state = await orderState(server, applicant, id);
    if (state === "awaiting_paper")
      await ok(
        "paper",
        http(`${server.url}/api/orders/${id}/paper-received`, { method: "POST", token: reviewer, json: {} }),
      );
  }
  return orders;
}

/** The keys of orders made in one production batch, as staff read them back. */
export async function keysOfOrders(
  server: Server,
  orderIds: string[],
): Promise<{ label: string; orderId: string; step: string; certificateSerial: string | null }[]> {
  const producer = await login(server, PRODUCTION.login, PRODUCTION.password);
  const keys = [];
  for (const id of orderIds)
    keys.push(
      ...(await ok<{ label: string; orderId: string; step: string; certificateSerial: string | null }[]>(
        "keys",
        http(`${server.url}/api/keys?orderId=${id}`, { token: producer }),
      )),
    );
  return keys;
}

/** Makes the orders' keys in one production batch through the API, waiting until it is done. */
export async function produceThroughApi(server: Server, orderIds: string[]): Promise<void> {
  const producer = await login(server, PRODUCTION.login, PRODUCTION.password);
  const batch = await ok<{ id: string }>(
    "batch",
    http(`${server.url}/api/production/batches`, {
      method: "POST",
      token: producer,
      json: { orderIds },
    }),
    202,
  );
  const deadline = Date.now() + 90_000;
  for (;;) {
    const view = await ok<{ state: string; running: boolean }>(
      "batch progress",
      http(`${server.url}/api/production/batches/${batch.id}`, { token: producer }),
    );
    if (!view.running && view.state === "done") return;
    if (view.state === "failed" || Date.now() > deadline)
      throw new Error(`production batch ${batch.id}: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Paid programme A orders taken on by the desk: approved, paper received, their keys made in one
 * production batch on the server's software station (through the API, or as `produce` does it:
 * the browser tests do it on the batch screen), shipped (the activation code goes out by SMS) and
 * delivered, each signed for on the day given.
 */
export async function deliveredProgrammeAOrders(
  server: Server,
  signedOn: CalendarDate[],
  produce: (orderIds: string[]) => Promise<void> = (ids) => produceThroughApi(server, ids),
): Promise<{ orderId: string; keyLabels: string[] }[]> {
  const producer = await login(server, PRODUCTION.login, PRODUCTION.password);
  const orders = await programmeAOrdersAtProduction(server, signedOn.length);
  await produce(orders);
  const keys = await keysOfOrders(server, orders);
  const delivered = [];
  for (const [i, id] of orders.entries()) {
    await ok(
      "ship",
      http(`${server.url}/api/orders/${id}/ship`, {
        method: "POST",
        token: producer,
        json: { carrier: "SF", trackingNumber: `SF10000000000${i}` },
      }),
    );
    await ok(
      "deliver",
      http(`${server.url}/api/orders/${id}/deliver`, {
        method: "POST",
        token: producer,
        json: { signedOn: signedOn[i] },
      }),
    );
    delivered.push({ orderId: id, keyLabels: keys.filter((k) => k.orderId === id).map((k) => k.label) });
  }
  return delivered;
}

/** Today in Shanghai by the server's clock, the day its rules count from. */
export async function serverToday(server: Server): Promise<CalendarDate> {
  const health = await ok<{ time: string }>("health", http(`${server.url}/api/health`));
  return shanghaiDate(new Date(health.time));
}

export function daysBefore(day: CalendarDate, days: number): CalendarDate {
  return addDays(day, -days);
}

/**
 * A certificate of programme A's organisation that expires in `days` days, issued by the operator
 * (admin) from a CSR of a fresh RSA key: a holder inside the renewal window without waiting a year.
 */
export async function certificateExpiringIn(server: Server, days: number): Promise<string> {
  const admin = await login(server, ADMIN.login, ADMIN.password);
  const key = generateSoftwareKey("rsa");
  const csr = Buffer.from(await buildCsr({ subject: { CN: "renewal test" }, signer: key.signer })).toString(
    "base64",
  );
  const issued = await ok<{ serial: string }>(
    "issue",
    http(`${server.url}/api/ca/issue`, {
      method: "POST",
      token: admin,
      json: {
        csr,
        profile: "organisation-signing",
        programme: "procurement",
        days,
        organisationUscc: USCC_A,
      },
      timeoutMs: 30_000,
    }),
  );
  return issued.serial;
}

/** The staff view of the SMS the development sink kept for a number, newest first. */
export async function smsTo(server: Server, recipient: string): Promise<string[]> {
  const reviewer = await login(server, REVIEWER.login, REVIEWER.password);
  const rows = await ok<{ text: string }[]>(
    "sms",
    http(`${server.url}/api/staff/sms?recipient=${encodeURIComponent(recipient)}`, { token: reviewer }),
  );
  return rows.map((r) => r.text);
}

export async function asJson<T>(server: Server, who: Who, path: string): Promise<T> {
  const token = await login(server, who.login, who.password);
  return ok<T>(path, http(`${server.url}${path}`, { token }));
}

export interface PortalAgent {
  pairingCode: string;
  /** Stops the agent and waits until it has closed. */
  stop(): Promise<void>;
}

/**
 * The security client's agent for the portal, run in-process as `certdesk-client --key-dir <keyDir>
 * agent --portal-origin <portal> --port <port>` with its desk at `portal`, until stopped.
 */
export async function startPortalAgent(options: {
  portal: string;
  keyDir: string;
  home: string;
  port: number;
}): Promise<PortalAgent> {
  let started!: (a: { url: string; pairingCode: string | undefined }) => void;
  const ready = new Promise<{ url: string; pairingCode: string | undefined }>((r) => (started = r));
  let release!: () => void;
  const agentStopped = new Promise<void>((r) => (release = r));
  const client = clientHarness(
    { CERTDESK_CLIENT_HOME: options.home, CERTDESK_SERVER: options.portal },
    { agentStopped, onAgentStarted: (a) => started(a) },
  );
  const done = client(
    "--key-dir",
    options.keyDir,
    "agent",
    "--portal-origin",
    options.portal,
    "--port",
    String(options.port),
  );
  const stop = async () => {
    release();
    await done.catch(() => undefined);
  };
  const agent = await Promise.race([
    ready,
    done.then((r) => Promise.reject(new Error(`the agent stopped: ${r.stderr}`))),
  ]);
  if (!agent.pairingCode) {
    await stop();
    throw new Error("the agent showed no pairing code");
  }
  return { pairingCode: agent.pairingCode, stop };
}
