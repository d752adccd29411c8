/**
 * Relying platforms on every test store, through the platform API on a real port with the SDK:
 * signed requests (replay, skew, rotation, revocation of a credential), binding after proof of
 * possession (one account to one certificate, also when two binds race, 1,000 times), a renewed
 * or reissued certificate taking over its account on activation with the history kept, login by
 * challenge-response (the desk refuses a revoked certificate at once; the SDK's local OCSP check
 * within its freshness window), and webhooks (signed, retried on the schedule, logged, replayed).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCsr } from "../src/pki/csr.js";
import { pemEncode } from "../src/pki/pem.js";
import { generateSoftwareKey, type Signer } from "../src/pki/signer.js";
import { emitExpiringEvents } from "../src/platforms/events.js";
import { deliverWebhooks, WEBHOOK_RETRY_SCHEDULE_MS } from "../src/platforms/webhooks.js";
import {
  CertdeskApiError,
  CertdeskPlatformClient,
  LocalLoginVerifier,
  LoginRefused,
  verifyWebhook,
} from "../src/sdk/index.js";
import { authorizationHeader } from "../src/sdk/signing.js";
import type { Actor } from "../src/people/actor.js";
import { CaRegistry } from "../src/ca/ca.js";
import { activateCertificate, finishProduction } from "../src/orders/fulfilment.js";
import { Publication } from "../src/ca/publication.js";
import { revokeCertificate } from "../src/ca/revocation.js";
import { loginMessage } from "../src/token/protocol.js";
import { DEMO, startTestApp, TEST_CA_PASSPHRASE, type Client, type TestApp } from "./support/app.js";
import { applicantActor, orderAtProduction, staffActor, USCC_A } from "./support/production.js";
import { testStores } from "./support/stores.js";

type Store = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;
const PLATFORM_SECRET_KEY = "test-platform-secret-key-0000000000000000";
/** the platform's own web origin, where its pages ask the security client for signatures */
const PLATFORM_ORIGIN = "https://bid.example.com";

interface HeldCertificate {
  id: string;
  serial: string;
  der: string;
  signer: Signer;
}

/** What a receiver saw: the raw body and headers of each POST. */
interface Received {
  body: string;
  headers: IncomingMessage["headers"];
}

async function receiver(
  answer: (n: number) => number,
): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
      res.statusCode = answer(got.length);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, got, server };
}

for (const kind of testStores) {
  describe(`relying platforms on ${kind.name}`, () => {
    let store: Store;
    let t: TestApp;
    let url: string;
    let admin: Client;
    let production: Actor;
    let supplier: Actor;
    let platform: CertdeskPlatformClient;
    let credential: { keyId: string; secret: string };

    beforeAll(async () => {
      store = await kind.open();
      const holder: { t?: TestApp } = {};
      const publication = new Publication({
        db: store.db,
        clock: { now: () => holder.t!.clock.now() },
        cas: new CaRegistry(store.db, { passphrase: TEST_CA_PASSPHRASE }),
        settings: { crlValidityHours: 24, crlRefreshMinutes: 60, ocspValidityMinutes: 60 },
      });
      t = await startTestApp(store, "2026-11-20T02:00:00Z", {
        publication,
        platforms: { secretKey: PLATFORM_SECRET_KEY },
      });
      holder.t = t;
      url = await t.app.listen({ host: "127.0.0.1", port: 0 });
      admin = await t.as(...DEMO.admin);
      production = await staffActor(store.db, "production");
      supplier = await applicantActor(store.db, USCC_A);
      const res = await admin({
        method: "POST",
        url: "/api/platforms",
        payload: { id: "procurement-demo", programmeId: "procurement", name: "示例采购平台" },
      });
      expect(res.status, res.body).toBe(200);
      credential = res.json<{ credential: { keyId: string; secret: string } }>().credential;
      platform = clientWith(credential);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    /** The platform's clock is the test's: the desk checks the timestamps against it. */
    const clientWith = (c: { keyId: string; secret: string }) =>
      new CertdeskPlatformClient({ baseUrl: url, origin: PLATFORM_ORIGIN, ...c, now: () => t.clock.now() });

    /** A programme A certificate issued from a key the test holds, activated unless told not to. */
    async function certificate(
      options: { activate?: boolean; service?: string; replaces?: string } = {},
    ): Promise<HeldCertificate> {
      const key = generateSoftwareKey("rsa");
      const csr = pemEncode(
        "CERTIFICATE REQUEST",
        await buildCsr({ subject: { CN: "ignored by the CA" }, signer: key.signer }),
      );
      const replaced = options.replaces
        ? await store.db
            .selectFrom("certificates")
            .select("not_after")
            .where("id", "=", options.replaces)
            .executeTakeFirstOrThrow()
        : undefined;
      const orderId = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: options.service ?? "new",
        uscc: USCC_A,
        details: {
          years: 1,
          ...(options.replaces ? { certificateId: options.replaces } : {}),
          ...(options.service === "reissue" ? { validityEnd: replaced!.not_after.toISOString() } : {}),
        },
      });
      const done = await finishProduction({ ...t.deps }, production, orderId, [{ csr }]);
      const c = done.certificates[0]!;
      if (options.activate ?? true) await activateCertificate(t.deps, supplier, c.id);
      const row = await store.db
        .selectFrom("certificates")
        .select("der")
        .where("id", "=", c.id)
        .executeTakeFirstOrThrow();
      return {
        id: c.id,
        serial: c.serial,
        der: Buffer.from(row.der!).toString("base64"),
        signer: key.signer,
      };
    }

    /**
     * What the security client answers a page of this origin: the certificate and the key's
     * signature over the challenge, bound to the page's origin.
     */
    async function signed(cert: HeldCertificate, challenge: string, origin = PLATFORM_ORIGIN) {
      const signature = await cert.signer.sign(loginMessage({ origin, challenge }));
      return { challenge, certificate: cert.der, signature: Buffer.from(signature).toString("base64") };
    }

    async function bind(cert: HeldCertificate, account: string, client = platform) {
      const { challenge } = await client.challenge("bind");
      return client.bind({ account, ...(await signed(cert, challenge)) });
    }

    const refusal = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (e) {
        if (e instanceof CertdeskApiError) return `${e.status} ${e.code}`;
        if (e instanceof LoginRefused) return e.reason;
        throw e;
      }
      return "accepted";
    };

    it("requests are signed: unsigned, wrong secret, replayed and stale requests are refused in the caller's language", async () => {
      const path = "/api/platform/v1/challenges";
      const body = JSON.stringify({ purpose: "login" });
      const send = (authorization?: string, lang = "en") =>
        fetch(url + path, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "accept-language": lang,
            ...(authorization ? { authorization } : {}),
          },
          body,
        });
      const unsigned = await send(undefined, "zh-CN");
      expect(unsigned.status).toBe(401);
      expect(((await unsigned.json()) as { code: string; detail: string }).detail).toContain("缺少平台签名");

      const wrong = await send(
        authorizationHeader(
          { keyId: credential.keyId, secret: "cds_wrong" },
          { method: "POST", path, body },
          t.clock.now(),
        ),
      );
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { code: string }).code).toBe("platform.auth_invalid");

      const good = authorizationHeader(credential, { method: "POST", path, body }, t.clock.now());
      expect((await send(good)).status).toBe(200);
      const again = await send(good);
      expect(again.status).toBe(401);
      expect(((await again.json()) as { code: string }).code).toBe("platform.auth_replayed");

      const old = authorizationHeader(
        credential,
        { method: "POST", path, body },
        new Date(t.clock.now().getTime() - 10 * 60_000),
      );
      expect(((await (await send(old)).json()) as { code: string }).code).toBe("platform.auth_stale");

      // The signature covers the body: the same header on another body does not pass.
      const tampered = await fetch(url + path, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: authorizationHeader(credential, { method: "POST", path, body }, t.clock.now()),
        },
        body: JSON.stringify({ purpose: "bind" }),
      });
      expect(tampered.status).toBe(401);
    });

    it("rotation: the new credential works at once, the old one until the grace period ends; a revoked one stops at once", async () => {
      const rotated = await admin({
        method: "POST",
        url: "/api/platforms/procurement-demo/credentials",
        payload: { graceHours: 1 },
      });
      expect(rotated.status, rotated.body).toBe(200);
      const fresh = rotated.json<{ credential: { keyId: string; secret: string } }>().credential;
      const oldClient = clientWith(credential);
      const newClient = clientWith(fresh);
      expect(await refusal(newClient.challenge("login"))).toBe("accepted");
      expect(await refusal(oldClient.challenge("login"))).toBe("accepted");
      t.clock.advance(60 * 60_000 + 1_000);
      expect(await refusal(oldClient.challenge("login"))).toBe("401 platform.auth_invalid");
      expect(await refusal(newClient.challenge("login"))).toBe("accepted");

      const spare = (
        await admin({
          method: "POST",
          url: "/api/platforms/procurement-demo/credentials",
          payload: { graceHours: 24 },
        })
      ).json<{
        credential: { keyId: string; secret: string };
      }>().credential;
      const spareClient = clientWith(spare);
      expect(await refusal(spareClient.challenge("login"))).toBe("accepted");
      const revoked = await admin({
        method: "DELETE",
        url: `/api/platforms/procurement-demo/credentials/${spare.keyId}`,
      });
      expect(revoked.status, revoked.body).toBe(200);
      expect(await refusal(spareClient.challenge("login"))).toBe("401 platform.auth_invalid");
      // The one rotated out with 24 hours' grace still works; it is the one the suite goes on with.
      platform = newClient;
      credential = fresh;
    });

    it("binding needs the key: a signature over this platform's bind challenge, once, by an activated certificate", async () => {
      const cert = await certificate();
      const other = await certificate();
      const { challenge } = await platform.challenge("bind");
      // Another key's signature, with this certificate: refused, and the challenge is spent.
      const forged = { ...(await signed(other, challenge)), certificate: cert.der };
      expect(await refusal(platform.bind({ account: "supplier-0001", ...forged }))).toBe(
        "403 platform.signature_invalid",
      );
      expect(
        await refusal(platform.bind({ account: "supplier-0001", ...(await signed(cert, challenge)) })),
      ).toBe("422 platform.challenge_used");
      const login = await platform.challenge("login");
      expect(
        await refusal(platform.bind({ account: "supplier-0001", ...(await signed(cert, login.challenge)) })),
      ).toBe("422 platform.challenge_invalid");
      const inactive = await certificate({ activate: false });
      expect(await refusal(bind(inactive, "supplier-0001"))).toBe("422 platform.certificate_not_activated");
      // Signed on another site's page (docs/agent.md: origin-bound): refused.
      const elsewhere = await platform.challenge("bind");
      expect(
        await refusal(
          platform.bind({
            account: "supplier-0001",
            ...(await signed(cert, elsewhere.challenge, "https://other-platform.example")),
          }),
        ),
      ).toBe("403 platform.signature_invalid");

      const bound = await bind(cert, "supplier-0001");
      expect(bound).toMatchObject({
        account: "supplier-0001",
        certificate: { serial: cert.serial },
        platform: "procurement-demo",
      });
      // One account, one certificate; one certificate, one account.
      expect(await refusal(bind(other, "supplier-0001"))).toBe("409 rules.binding.account_has_certificate");
      expect(await refusal(bind(cert, "supplier-0002"))).toBe("409 rules.binding.certificate_has_account");
      // A retried bind of the same pair is the same binding.
      expect((await bind(cert, "supplier-0001")).id).toBe(bound.id);

      // Another programme's platform does not know this programme's certificates.
      const b = await admin({
        method: "POST",
        url: "/api/platforms",
        payload: { id: "power-demo", programmeId: "power-trading", name: "电力交易平台" },
      });
      const power = clientWith(b.json<{ credential: { keyId: string; secret: string } }>().credential);
      expect(await refusal(bind(cert, "retailer-0001", power))).toBe("403 platform.certificate_unknown");
    });

    it("two concurrent binds of one account to two certificates: exactly one succeeds, in 1,000 tries", async () => {
      const x = await certificate();
      const y = await certificate();
      const tally = { x: 0, y: 0, both: 0, neither: 0 };
      for (let i = 0; i < 1000; i++) {
        const account = `race-${i}`;
        const [cx, cy] = await Promise.all([platform.challenge("bind"), platform.challenge("bind")]);
        const [sx, sy] = await Promise.all([signed(x, cx.challenge), signed(y, cy.challenge)]);
        const [rx, ry] = await Promise.allSettled([
          platform.bind({ account, ...sx }),
          platform.bind({ account, ...sy }),
        ]);
        const okX = rx.status === "fulfilled";
        const okY = ry.status === "fulfilled";
        for (const r of [rx, ry])
          if (r.status === "rejected")
            expect((r.reason as CertdeskApiError).code).toBe("rules.binding.account_has_certificate");
        if (okX && okY) tally.both++;
        else if (okX) tally.x++;
        else if (okY) tally.y++;
        else tally.neither++;
        await platform.unbind(account, "next try");
      }
      expect(tally.both).toBe(0);
      expect(tally.neither).toBe(0);
      expect(tally.x + tally.y).toBe(1000);
      const live = await store.db
        .selectFrom("bindings")
        .innerJoin("platform_accounts", "platform_accounts.id", "bindings.platform_account_id")
        .select(({ fn }) => fn.countAll<string>().as("n"))
        .where("platform_accounts.account_name", "like", "race-%")
        .executeTakeFirstOrThrow();
      expect(Number(live.n)).toBe(1000);
    }, 600_000);

    it("a renewed certificate takes over the account when activated, a reissued one after the lost one was revoked; the history is kept", async () => {
      const first = await certificate();
      await bind(first, "takeover-0001");
      const renewed = await certificate({ service: "renewal", replaces: first.id, activate: false });
      // Until the renewed certificate is activated, the old one keeps the account.
      expect((await platform.bindings("takeover-0001")).current?.certificate.serial).toBe(first.serial);
      t.clock.advance(60_000);
      await activateCertificate(t.deps, supplier, renewed.id);
      const afterRenewal = await platform.bindings("takeover-0001");
      expect(afterRenewal.current?.certificate.serial).toBe(renewed.serial);
      expect(afterRenewal.history.map((b) => [b.certificate.serial, b.unboundReason])).toEqual([
        [renewed.serial, null],
        [first.serial, "revoked: superseded"],
      ]);
      expect(afterRenewal.current?.succeeds).toBe(afterRenewal.history[1]!.id);

      t.clock.advance(60_000);
      const reissued = await certificate({ service: "reissue", replaces: renewed.id, activate: false });
      // The lost key's certificate was revoked at issuance: the account has no certificate for now.
      expect((await platform.bindings("takeover-0001")).current).toBeNull();
      t.clock.advance(60_000);
      await activateCertificate(t.deps, supplier, reissued.id);
      const afterReissue = await platform.bindings("takeover-0001");
      expect(afterReissue.current?.certificate.serial).toBe(reissued.serial);
      expect(afterReissue.history).toHaveLength(3);
      expect(afterReissue.history[1]!.unboundReason).toBe("revoked: keyCompromise");
      const { challenge } = await platform.challenge("login");
      expect((await platform.login(await signed(reissued, challenge))).account).toBe("takeover-0001");
    });

    it("a revoked certificate cannot log in: at once through the desk, and through the SDK once its OCSP freshness window has passed", async () => {
      const cert = await certificate();
      await bind(cert, "login-0001");
      const issuing = await store.db
        .selectFrom("certificates")
        .innerJoin("cas", "cas.id", "certificates.ca_id")
        .select("cas.certificate")
        .where("certificates.id", "=", cert.id)
        .executeTakeFirstOrThrow();
      const local = new LocalLoginVerifier({
        origin: PLATFORM_ORIGIN,
        trustedCas: [issuing.certificate],
        ocspUrl: `${url}/ocsp`,
        maxOcspAgeSeconds: 60,
        now: () => t.clock.now(),
      });
      const desk = async () => {
        const { challenge } = await platform.challenge("login");
        return platform.login(await signed(cert, challenge));
      };
      const sdk = async () => local.verify(await signed(cert, `platform-login/${Math.random()}`));
      // The SDK takes signatures bound to its platform's origin only.
      expect(
        await refusal(local.verify(await signed(cert, "platform-login/x", "https://desk.example.com"))),
      ).toBe("signature_invalid");

      expect(await desk()).toMatchObject({
        account: "login-0001",
        certificate: { serial: cert.serial, uscc: USCC_A },
      });
      const first = await sdk();
      expect(first).toMatchObject({
        serial: cert.serial,
        uscc: USCC_A,
        ocsp: { status: "good", cached: false },
      });
      // A key that is not the certificate's, a certificate of no trusted CA: refused locally too.
      const stranger = await certificate();
      expect(await refusal(local.verify({ ...(await signed(stranger, "c")), certificate: cert.der }))).toBe(
        "signature_invalid",
      );

      await revokeCertificate(t.deps, await staffActor(store.db, "reviewer"), {
        certificate: { certificateId: cert.id },
        reason: "keyCompromise",
      });
      expect(await refusal(desk())).toBe("403 platform.certificate_revoked");
      // Within the window the SDK still trusts the good answer it has; past it, it asks again.
      t.clock.advance(30_000);
      expect((await sdk()).ocsp.cached).toBe(true);
      t.clock.advance(31_000);
      expect(await refusal(sdk())).toBe("revoked");
      // The binding ended with the revocation.
      expect((await platform.bindings("login-0001")).current).toBeNull();
    });

    it("webhooks: a receiver that fails 3 times and then accepts gets the event 4 times, each signed, then never again; replay sends it once more", async () => {
      const hook = await receiver((n) => (n <= 3 ? 500 : 204));
      try {
        const created = await admin({
          method: "POST",
          url: "/api/platforms",
          payload: {
            id: "hooks-demo",
            programmeId: "procurement",
            name: "Webhook receiver",
            webhookUrl: hook.url,
          },
        });
        const hookCredential = created.json<{ credential: { keyId: string; secret: string } }>().credential;
        const cert = await certificate();
        // Issuance and activation wrote a certificate.issued event for hooks-demo; only that one is due.
        const deps = { db: store.db, clock: t.clock, secretKey: PLATFORM_SECRET_KEY };
        for (let round = 0; round < 4; round++) {
          await deliverWebhooks(deps);
          t.clock.advance(WEBHOOK_RETRY_SCHEDULE_MS[round]! + 1);
        }
        for (let round = 0; round < 5; round++) {
          await deliverWebhooks(deps);
          t.clock.advance(24 * 3_600_000);
        }
        const issued = hook.got.filter((g) => JSON.parse(g.body).data.certificate.serial === cert.serial);
        expect(issued).toHaveLength(4);
        expect(issued.map((g) => g.headers["certdesk-delivery-attempt"])).toEqual(["1", "2", "3", "4"]);
        for (const g of issued) {
          const check = verifyWebhook({
            body: g.body,
            header: g.headers["certdesk-signature"] as string,
            secrets: { [hookCredential.keyId]: hookCredential.secret },
            now: new Date(Number(/t=(\d+)/.exec(g.headers["certdesk-signature"] as string)![1]) * 1000),
          });
          expect(check).toMatchObject({ ok: true });
          expect(JSON.parse(g.body)).toMatchObject({ type: "certificate.issued", programme: "procurement" });
        }
        expect(new Set(issued.map((g) => JSON.parse(g.body).id)).size).toBe(1);
        // A body changed on the way does not verify.
        expect(
          verifyWebhook({
            body: issued[0]!.body.replace("procurement", "power-trading"),
            header: issued[0]!.headers["certdesk-signature"] as string,
            secrets: { [hookCredential.keyId]: hookCredential.secret },
            now: new Date(
              Number(/t=(\d+)/.exec(issued[0]!.headers["certdesk-signature"] as string)![1]) * 1000,
            ),
          }),
        ).toEqual({ ok: false, reason: "bad_signature" });

        admin = await t.as(...DEMO.admin); // the days gone by ended the session
        const log = await admin({ method: "GET", url: "/api/platforms/hooks-demo/deliveries" });
        expect(log.status, log.body).toBe(200);
        const delivery = log
          .json<
            {
              id: string;
              status: string;
              attempts: number;
              log: { statusCode: number }[];
              event: { type: string };
            }[]
          >()
          .find((d) => d.event.type === "certificate.issued")!;
        expect(delivery).toMatchObject({ status: "delivered", attempts: 4 });
        expect(delivery.log.map((a) => a.statusCode)).toEqual([500, 500, 500, 204]);

        const replay = await admin({ method: "POST", url: `/api/webhook-deliveries/${delivery.id}/replay` });
        expect(replay.status, replay.body).toBe(200);
        expect(replay.json()).toMatchObject({ status: "delivered", attempts: 5 });
        expect(
          hook.got.filter((g) => JSON.parse(g.body).data.certificate.serial === cert.serial),
        ).toHaveLength(5);
        const supplierSession = await t.as(...DEMO.supplierA);
        expect(
          (await supplierSession({ method: "POST", url: `/api/webhook-deliveries/${delivery.id}/replay` }))
            .status,
        ).toBe(403);
      } finally {
        hook.server.close();
      }
    });

    it("binding, unbinding, revocation and expiry are told to the platforms, expiry once per threshold", async () => {
      const hook = await receiver(() => 200);
      try {
        await admin({ method: "PATCH", url: "/api/platforms/hooks-demo", payload: { webhookUrl: hook.url } });
        // The days the webhook test went through outlived the suite's credential: a new one.
        const rotated = await admin({
          method: "POST",
          url: "/api/platforms/procurement-demo/credentials",
          payload: { graceHours: 0 },
        });
        platform = clientWith(rotated.json<{ credential: { keyId: string; secret: string } }>().credential);
        const deps = { db: store.db, clock: t.clock, secretKey: PLATFORM_SECRET_KEY };
        await deliverWebhooks(deps);
        hook.got.length = 0;
        const cert = await certificate();
        await bind(cert, "events-0001");
        await platform.unbind("events-0001", "account closed");
        await revokeCertificate(t.deps, await staffActor(store.db, "reviewer"), {
          certificate: { certificateId: cert.id },
          reason: "cessationOfOperation",
        });
        await deliverWebhooks(deps);
        const types = hook.got
          .map(
            (g) =>
              JSON.parse(g.body) as {
                type: string;
                data: { certificate: { serial: string }; account?: string; reason?: string };
              },
          )
          .filter((e) => e.data.certificate.serial === cert.serial);
        expect(types.map((e) => e.type)).toEqual([
          "certificate.issued",
          "binding.bound",
          "binding.unbound",
          "certificate.revoked",
        ]);
        expect(types[2]!.data).toMatchObject({
          account: "events-0001",
          reason: "unbound by procurement-demo: account closed",
        });

        const expiring = await certificate();
        const notAfter = (
          await store.db
            .selectFrom("certificates")
            .select("not_after")
            .where("id", "=", expiring.id)
            .executeTakeFirstOrThrow()
        ).not_after;
        hook.got.length = 0;
        t.clock.set(new Date(notAfter.getTime() - 20 * 86_400_000).toISOString());
        await emitExpiringEvents(deps);
        await emitExpiringEvents(deps);
        await deliverWebhooks(deps);
        const mine = () =>
          hook.got
            .map(
              (g) =>
                JSON.parse(g.body) as {
                  type: string;
                  data: { certificate: { serial: string }; withinDays: number };
                },
            )
            .filter(
              (e) => e.type === "certificate.expiring" && e.data.certificate.serial === expiring.serial,
            );
        expect(mine().map((e) => e.data.withinDays)).toEqual([30]);
        t.clock.set(new Date(notAfter.getTime() - 6 * 86_400_000).toISOString());
        await emitExpiringEvents(deps);
        await deliverWebhooks(deps);
        expect(mine().map((e) => e.data.withinDays)).toEqual([30, 7]);
      } finally {
        hook.server.close();
      }
    });
  });
}
