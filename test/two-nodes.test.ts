/**
 * Two desk processes on one PostgreSQL behind a small load balancer (a Node proxy that alternates
 * requests between them), as a service centre runs certdesk for availability: an order moves
 * through all its steps with its requests alternating between the nodes; a revocation made on
 * node 1 is in node 2's CRL and OCSP answers within seconds (node 2 had answered "good" before);
 * scheduled jobs run on both nodes at once do their work exactly once.
 *
 * PostgreSQL is required (the embedded store admits one process): without TEST_DATABASE_URL the
 * suite is skipped, and says so.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCrl } from "../src/pki/crl.js";
import { buildCsr } from "../src/pki/csr.js";
import { buildOcspRequest, certIdFor, parseOcspResponse } from "../src/pki/ocsp.js";
import { pemEncode } from "../src/pki/pem.js";
import { normalizeSerial } from "../src/pki/serial.js";
import { generateSoftwareKey } from "../src/pki/signer.js";
import { openStore, type Store } from "../src/store/database.js";
import { activationMessage } from "../src/token/protocol.js";
import { PDF_BYTES, PNG_BYTES } from "./support/app.js";
import { orderAtProduction, USCC_A } from "./support/production.js";
import { delay, freePort, http, login, serverFleet, type ServerProcess } from "./support/process.js";
import { createTempDatabase } from "./support/stores.js";

const SERVER_URL = process.env.TEST_DATABASE_URL;
if (!SERVER_URL)
  console.log("two-nodes.test.ts skipped: TEST_DATABASE_URL is not set (two desk nodes need PostgreSQL)");

/** Alternates requests between the nodes; answers who served each one. */
function loadBalancer(nodes: () => ServerProcess[]): { server: Server; served: string[] } {
  const served: string[] = [];
  let next = 0;
  const server = createServer((req, res) => {
    const all = nodes();
    const node = all[next++ % all.length]!;
    served.push(node.url);
    const target = new URL(req.url ?? "/", node.url);
    const upstream = request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  return { server, served };
}

async function upload(
  base: string,
  token: string,
  orderId: string,
  material: string,
  bytes: Buffer,
  name: string,
) {
  const form = new FormData();
  form.append("file", new Blob([bytes]), name);
  const res = await fetch(`${base}/api/orders/${orderId}/materials/${material}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return res.status;
}

async function ocspStatus(nodeUrl: string, issuer: Uint8Array, serial: string): Promise<string | undefined> {
  const res = await fetch(`${nodeUrl}/ocsp`, {
    method: "POST",
    headers: { "content-type": "application/ocsp-request" },
    body: Buffer.from(buildOcspRequest([certIdFor(issuer, serial)])),
  });
  const parsed = parseOcspResponse(new Uint8Array(await res.arrayBuffer()));
  return parsed.basic?.responses[0]?.status;
}

async function crlSerials(nodeUrl: string, caId: string): Promise<string[]> {
  const res = await fetch(`${nodeUrl}/crl/${caId}.crl`);
  return parseCrl(new Uint8Array(await res.arrayBuffer())).entries.map((e) =>
    normalizeSerial(e.serialNumber),
  );
}

/** Polls until the check holds; answers how long it took, or throws with the last value. */
async function within<T>(ms: number, read: () => Promise<T>, holds: (v: T) => boolean): Promise<number> {
  const started = Date.now();
  let last: T | undefined;
  while (Date.now() - started < ms) {
    last = await read();
    if (holds(last)) return Date.now() - started;
    await delay(100);
  }
  throw new Error(`not within ${ms} ms; last seen: ${JSON.stringify(last)}`);
}

describe.skipIf(!SERVER_URL)("two desk nodes on one PostgreSQL", () => {
  const fleet = serverFleet();
  let db: { url: string; drop(): Promise<void> };
  let store: Store;
  let node1: ServerProcess;
  let node2: ServerProcess;
  let node2Workers = "";
  let lb: { server: Server; served: string[] };
  let lbUrl = "";
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTempDatabase(SERVER_URL!);
    lb = loadBalancer(() => [node1, node2]);
    await new Promise<void>((r) => lb.server.listen(0, "127.0.0.1", r));
    lbUrl = `http://127.0.0.1:${(lb.server.address() as AddressInfo).port}`;
    // Both nodes are the desk at the balancer's address; the first start writes it to the store.
    const env = { CERTDESK_PUBLIC_URL: lbUrl };
    node1 = await fleet.start({
      store: { kind: "postgres", url: db.url },
      demo: true,
      env,
      readyWithinMs: 120_000,
    });
    // Node 2 also answers OCSP from worker processes, which hold copies of its answers.
    node2Workers = `http://127.0.0.1:${await freePort()}`;
    node2 = await fleet.start({
      store: { kind: "postgres", url: db.url },
      env: { ...env, CERTDESK_OCSP_PORT: new URL(node2Workers).port, CERTDESK_OCSP_WORKERS: "1" },
      readyWithinMs: 120_000,
    });
    store = await openStore({ kind: "postgres", url: db.url });
    for (const [who, password] of [
      ["13800138000", "supplier-demo-1"],
      ["reviewer", "reviewer-demo-1"],
      ["production", "production-demo-1"],
      ["admin", "admin-demo-1"],
    ] as const)
      tokens[who] = await login({ url: lbUrl }, who, password);
  }, 300_000);

  afterAll(async () => {
    await store?.close();
    await fleet.killAll();
    await new Promise((r) => lb?.server.close(r));
    await db?.drop();
  });

  let certificate: { id: string; serial: string; caId: string; issuer: Uint8Array };

  it("moves a programme A order through every step with requests alternating between the nodes", async () => {
    const supplier = tokens["13800138000"]!;
    const reviewer = tokens.reviewer!;
    const production = tokens.production!;
    const from = lb.served.length;
    const created = await http(`${lbUrl}/api/orders`, {
      method: "POST",
      token: supplier,
      json: {
        programmeId: "procurement",
        service: "new",
        acknowledgeExistingCertificate: true,
        details: { years: 1, platformAccount: "supplier-0001" },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = (created.body as { id: string }).id;
    for (const m of ["application-form", "business-licence"])
      expect(await upload(lbUrl, supplier, id, m, PDF_BYTES, "scan.pdf")).toBe(201);
    expect(await upload(lbUrl, supplier, id, "handler-id-card", PNG_BYTES, "id.png")).toBe(201);
    const state = async () =>
      ((await http(`${lbUrl}/api/orders/${id}`, { token: supplier })).body as { state: string }).state;
    const step = async (token: string, path: string, json?: unknown) => {
      const res = await http(`${lbUrl}/api/orders/${id}/${path}`, { method: "POST", token, json });
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
      return (res.body as { state: string }).state;
    };
    expect(await step(supplier, "submit")).toBe("awaiting_payment");
    const pay = (await http(`${lbUrl}/api/orders/${id}/pay`, { method: "POST", token: supplier })).body as {
      tradeNo: string;
    };
    // The development gateway's pay page, as the payer's browser would post it.
    const paid = await fetch(`${lbUrl}/dev-gateway/pay/${pay.tradeNo}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "outcome=succeeded",
      redirect: "manual",
    });
    expect(paid.status).toBe(303);
    await within(20_000, state, (s) => s === "paid");
    expect(await step(reviewer, "approve")).toBe("awaiting_paper");
    expect(await step(reviewer, "paper-received")).toBe("paper_received");
    const key = generateSoftwareKey("sm2");
    const csr = pemEncode(
      "CERTIFICATE REQUEST",
      await buildCsr({ subject: { CN: "x" }, signer: key.signer }),
    );
    expect(await step(production, "production/finish", { keys: [{ csr, keySerial: "UK0000000017" }] })).toBe(
      "produced",
    );
    expect(await step(production, "ship", { carrier: "SF", trackingNumber: "SF1234567890123" })).toBe(
      "shipped",
    );
    expect(await step(production, "deliver", { signedOn: new Date().toISOString().slice(0, 10) })).toBe(
      "delivered",
    );
    const certificateId = (
      (await http(`${lbUrl}/api/orders/${id}`, { token: supplier })).body as {
        certificateId: string;
      }
    ).certificateId;
    // The holder's proof: the activation code sent by SMS when the key shipped (the development
    // SMS sink keeps it) and the key's signature over the activation message.
    const number = ((await http(`${lbUrl}/api/orders/${id}`, { token: supplier })).body as { number: string })
      .number;
    const readCode = async (): Promise<string | undefined> => {
      const texts = await store.db.selectFrom("sms_messages").select("text").execute();
      const codes = texts
        .filter((t) => t.text.includes(number))
        .map((t) => t.text.replace(number, "").match(/\b\d{8}\b/)?.[0]);
      return codes.find((c) => c !== undefined);
    };
    await within(20_000, readCode, (c) => c !== undefined);
    const code = (await readCode())!;
    const activating = await store.db
      .selectFrom("certificates")
      .leftJoin("usb_keys", "usb_keys.certificate_id", "certificates.id")
      .select(["certificates.serial", "usb_keys.serial as keySerial"])
      .where("certificates.id", "=", certificateId)
      .executeTakeFirstOrThrow();
    const signature = await key.signer.sign(
      activationMessage({
        keySerial: activating.keySerial ?? "",
        certificateSerial: activating.serial,
        code: code!,
      }),
    );
    const activated = await http(`${lbUrl}/api/certificates/${certificateId}/activate`, {
      method: "POST",
      token: supplier,
      json: { code, signature: Buffer.from(signature).toString("base64") },
    });
    expect(activated.status, JSON.stringify(activated.body)).toBe(200);
    const bound = await http(`${lbUrl}/api/certificates/${certificateId}/bind`, {
      method: "POST",
      token: supplier,
      json: { programmeId: "procurement", accountName: "supplier-0001" },
    });
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    expect(await state()).toBe("completed");

    const served = lb.served.slice(from);
    expect(served.filter((u) => u === node1.url).length).toBeGreaterThan(5);
    expect(served.filter((u) => u === node2.url).length).toBeGreaterThan(5);
    const row = await store.db
      .selectFrom("certificates")
      .select(["id", "serial", "ca_id"])
      .where("id", "=", certificateId)
      .executeTakeFirstOrThrow();
    const issuer = await store.db
      .selectFrom("cas")
      .select("certificate")
      .where("id", "=", row.ca_id!)
      .executeTakeFirstOrThrow();
    certificate = { id: row.id, serial: row.serial, caId: row.ca_id!, issuer: issuer.certificate };
  }, 300_000);

  it("a revocation on node 1 is in node 2's CRL and OCSP within seconds, and its CRL is made once", async () => {
    const { id, serial, caId, issuer } = certificate;
    // Node 2 has answered "good" and keeps that answer in its cache.
    expect(await ocspStatus(node2.url, issuer, serial)).toBe("good");
    expect(await ocspStatus(node2.url, issuer, serial)).toBe("good");
    expect(await ocspStatus(node2Workers, issuer, serial)).toBe("good");
    expect(await ocspStatus(node2Workers, issuer, serial)).toBe("good");
    const revoked = await http(`${node1.url}/api/certificates/${id}/revoke`, {
      method: "POST",
      token: tokens.reviewer!,
      json: { reason: "keyCompromise" },
    });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const crlMs = await within(
      5_000,
      () => crlSerials(node2.url, caId),
      (s) => s.includes(normalizeSerial(serial)),
    );
    const ocspMs = await within(
      5_000,
      () => ocspStatus(node2.url, issuer, serial),
      (s) => s === "revoked",
    );
    const workersMs = await within(
      5_000,
      () => ocspStatus(node2Workers, issuer, serial),
      (s) => s === "revoked",
    );
    console.log(
      `revoked on node 1: in node 2's CRL after ${crlMs} ms, its OCSP after ${ocspMs} ms, its OCSP workers after ${workersMs} ms`,
    );
    // Both nodes heard of it; one CRL was made for it.
    await delay(2_000);
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from audit_log
       where action = 'ca.crl_publish' and subject_id = ${caId} and data->>'trigger' = 'revocation'`.execute(
      store.db,
    );
    expect(Number(rows[0]!.n)).toBe(1);
  }, 120_000);

  it("scheduled jobs run on both nodes at once do their work once: CRL refresh, unpaid-order expiry, reminders", async () => {
    const admin = tokens.admin!;
    const runOnBoth = (job: string) =>
      Promise.all(
        [node1, node2].map(async (n) => {
          const res = await http(`${n.url}/api/admin/jobs/${job}/run`, {
            method: "POST",
            token: admin,
            timeoutMs: 60_000,
          });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          return res.body;
        }),
      );
    const count = async (query: ReturnType<typeof sql<{ n: string }>>) =>
      Number((await query.execute(store.db)).rows[0]!.n);

    // Every CRL is due again; two refreshes at once publish one each.
    await sql`update crls set this_update = this_update - interval '1 day'`.execute(store.db);
    const before = await count(
      sql<{ n: string }>`select count(*) as n from audit_log where action = 'ca.crl_publish'`,
    );
    await runOnBoth("crl-refresh");
    const issuers = await count(
      sql<{
        n: string;
      }>`select count(*) as n from cas where kind in ('root', 'issuing') and not_after > now()`,
    );
    const after = await count(
      sql<{ n: string }>`select count(*) as n from audit_log where action = 'ca.crl_publish'`,
    );
    expect(after - before).toBe(issuers);

    // An order left unpaid past the programme's limit lapses once.
    const supplier = tokens["13800138000"]!;
    const created = await http(`${lbUrl}/api/orders`, {
      method: "POST",
      token: supplier,
      json: {
        programmeId: "procurement",
        service: "new",
        acknowledgeExistingCertificate: true,
        details: { years: 1 },
      },
    });
    const orderId = (created.body as { id: string }).id;
    for (const m of ["application-form", "business-licence"])
      await upload(lbUrl, supplier, orderId, m, PDF_BYTES, "scan.pdf");
    await upload(lbUrl, supplier, orderId, "handler-id-card", PNG_BYTES, "id.png");
    expect(
      (await http(`${lbUrl}/api/orders/${orderId}/submit`, { method: "POST", token: supplier })).status,
    ).toBe(200);
    await sql`update orders set updated_at = now() - interval '30 days' where id = ${orderId}`.execute(
      store.db,
    );
    await runOnBoth("orders-expire-unpaid");
    expect(
      await count(
        sql<{
          n: string;
        }>`select count(*) as n from audit_log where subject_id = ${orderId} and to_state = 'expired'`,
      ),
    ).toBe(1);

    // A live certificate 5 days from its end gets its 7-day reminder once.
    const ready = await orderAtProduction(store.db, {
      programmeId: "procurement",
      service: "new",
      uscc: USCC_A,
      details: { years: 1 },
    });
    const key = generateSoftwareKey("sm2");
    const csr = pemEncode(
      "CERTIFICATE REQUEST",
      await buildCsr({ subject: { CN: "x" }, signer: key.signer }),
    );
    const made = await http(`${lbUrl}/api/orders/${ready}/production/finish`, {
      method: "POST",
      token: tokens.production!,
      json: { keys: [{ csr, keySerial: "UK0000000018" }] },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const live = await store.db
      .selectFrom("certificates")
      .select("id")
      .where("order_id", "=", ready)
      .executeTakeFirstOrThrow();
    await sql`update certificates set not_after = now() + interval '5 days' where id = ${live.id}`.execute(
      store.db,
    );
    const reminders = () =>
      count(
        sql<{ n: string }>`select count(*) as n from outbox where dedupe_key like ${`expiry:${live.id}:%`}`,
      );
    await runOnBoth("certificates-expiry-reminders");
    const sent = await reminders();
    expect(sent).toBeGreaterThan(0);
    await runOnBoth("certificates-expiry-reminders");
    expect(await reminders()).toBe(sent);
  }, 300_000);
});
