/**
 * Revocation on every test store: staff revoke with an RFC 5280 reason (audited, the binding ends,
 * never re-dated); the desk revokes on its own when a reissue replaces a lost key (keyCompromise),
 * when a change's or renewal's certificate is activated (superseded), and when a refund after
 * production is paid (cessationOfOperation); the publication hears of it only after commit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../src/pki/certificate.js";
import type { AppDeps } from "../src/server/app.js";
import type { Actor } from "../src/people/actor.js";
import { activateCertificate, bindAccount, finishProduction } from "../src/orders/fulfilment.js";
import { revokeCertificate, type RevocationEvent, type RevocationListener } from "../src/ca/revocation.js";
import { DEMO, multipart, PDF_BYTES, startTestApp, type Client, type TestApp } from "./support/app.js";
import { applicantActor, keyWithCsr, orderAtProduction, staffActor, USCC_A } from "./support/production.js";
import { testStores } from "./support/stores.js";

type Store = Awaited<ReturnType<(typeof testStores)[number]["open"]>>;
type Problem = { code: string; params: Record<string, string> };

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return "accepted";
};

for (const kind of testStores) {
  describe(`revocation on ${kind.name}`, () => {
    let store: Store;
    let t: TestApp;
    let production: Actor;
    let supplierActor: Actor;
    let supplier: Client, reviewer: Client, admin: Client, finance: Client, producer: Client;
    /** What the publication was told, with the certificate's status as the store showed it then. */
    const heard: (RevocationEvent & { statusSeen: string | undefined })[] = [];
    let deps: Omit<AppDeps, "publication"> & { publication: RevocationListener };

    beforeAll(async () => {
      store = await kind.open();
      t = await startTestApp(store);
      const listener: RevocationListener = {
        certificateRevoked: async (e) => {
          // Reading through the store's own connection: inside the revoking transaction this would
          // see the old row (PostgreSQL) or wait for ever (PGlite's single connection).
          const row = await store.db
            .selectFrom("certificates")
            .select("status")
            .where("serial", "=", e.serial)
            .executeTakeFirst();
          heard.push({ ...e, statusSeen: row?.status });
        },
      };
      deps = { ...t.deps, publication: listener };
      production = await staffActor(store.db, "production");
      supplierActor = await applicantActor(store.db, USCC_A);
      [supplier, reviewer, admin, finance, producer] = await Promise.all([
        t.as(...DEMO.supplierA),
        t.as(...DEMO.reviewer),
        t.as(...DEMO.admin),
        t.as(...DEMO.finance),
        t.as(...DEMO.production),
      ]);
    });
    afterAll(async () => {
      await t?.close();
      await store?.dispose();
    });

    /** A certificate issued for a new programme A order, as production makes it. */
    async function issued(years = 3): Promise<{ id: string; serial: string; caId: string; orderId: string }> {
      const orderId = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "new",
        uscc: USCC_A,
        details: { years },
      });
      const done = await finishProduction(deps, production, orderId, [
        { csr: (await keyWithCsr("sm2")).csr },
      ]);
      const c = done.certificates[0]!;
      return { id: c.id, serial: c.serial, caId: c.caId!, orderId };
    }

    const row = (id: string) =>
      store.db.selectFrom("certificates").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

    it("staff revoke with an RFC 5280 reason: status, time and reason recorded, the binding ended, audited with the note", async () => {
      const cert = await issued();
      await activateCertificate(deps, supplierActor, cert.id);
      const { bindingId } = await bindAccount(deps, supplierActor, {
        certificateId: cert.id,
        programmeId: "procurement",
        accountName: "revoke-me-0001",
      });
      const url = `/api/certificates/${cert.id}/revoke`;
      expect((await supplier({ method: "POST", url, payload: { reason: "keyCompromise" } })).status).toBe(
        403,
      );
      expect((await producer({ method: "POST", url, payload: { reason: "keyCompromise" } })).status).toBe(
        403,
      );
      expect((await reviewer({ method: "POST", url, payload: { reason: "removeFromCRL" } })).status).toBe(
        400,
      );

      const res = await reviewer({
        method: "POST",
        url,
        payload: { reason: "keyCompromise", note: "客户报告钥匙遗失" },
      });
      expect(res.status, res.body).toBe(200);
      expect(res.json()).toMatchObject({ serial: cert.serial, reason: "keyCompromise", unboundBindings: 1 });
      const after = await row(cert.id);
      expect(after).toMatchObject({ status: "revoked", revocation_reason: "keyCompromise" });
      expect(after.revoked_at?.toISOString()).toBe(t.clock.now().toISOString());
      const binding = await store.db
        .selectFrom("bindings")
        .selectAll()
        .where("id", "=", bindingId)
        .executeTakeFirstOrThrow();
      expect(binding.unbound_at).not.toBeNull();
      expect(binding.unbound_reason).toBe("revoked: keyCompromise");
      const audit = await store.db
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "certificate.revoke")
        .where("subject_id", "=", cert.id)
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        from_state: "active",
        to_state: "revoked",
        reason: "客户报告钥匙遗失",
      });
      expect(audit[0]!.actor).toMatch(/^staff:/);

      // Again, later: refused with its own code, and the first revocation keeps its time and reason.
      t.clock.advance(3_600_000);
      try {
        const again = await admin({ method: "POST", url, payload: { reason: "superseded" } });
        expect(again.status).toBe(422);
        expect(again.json<Problem>()).toMatchObject({
          code: "revocation.already_revoked",
          params: { serial: cert.serial, reason: "keyCompromise" },
        });
        expect((await row(cert.id)).revoked_at?.toISOString()).toBe(after.revoked_at?.toISOString());
        expect((await row(cert.id)).revocation_reason).toBe("keyCompromise");
      } finally {
        t.clock.advance(-3_600_000);
      }
      // A revoked certificate cannot be bound again.
      const rebind = await supplier({
        method: "POST",
        url: `/api/certificates/${cert.id}/bind`,
        payload: { programmeId: "procurement", accountName: "revoke-me-0001" },
      });
      expect(rebind.json<Problem>().code).toBe("rules.certificate.revoked");
    });

    it("the publication hears of a revocation only after it is committed, and its failure does not undo it", async () => {
      const cert = await issued();
      const reviewerActor = await staffActor(store.db, "reviewer");
      heard.length = 0;
      await revokeCertificate(deps, reviewerActor, {
        certificate: { serial: cert.serial },
        reason: "privilegeWithdrawn",
      });
      expect(heard).toEqual([
        { caId: cert.caId, serial: cert.serial, revokedAt: t.clock.now(), statusSeen: "revoked" },
      ]);

      const other = await issued();
      const failing: RevocationListener = {
        certificateRevoked: async () => {
          throw new Error("CRL signer away");
        },
      };
      await revokeCertificate({ ...deps, publication: failing }, reviewerActor, {
        certificate: { certificateId: other.id },
        reason: "cessationOfOperation",
      });
      expect((await row(other.id)).status).toBe("revoked");
      expect(
        await codeOf(
          revokeCertificate(deps, reviewerActor, { certificate: { serial: "00" }, reason: "unspecified" }),
        ),
      ).toBe("pki.serial_invalid");
      expect(
        await codeOf(
          revokeCertificate(deps, reviewerActor, {
            certificate: { serial: "7f00aa" },
            reason: "unspecified",
          }),
        ),
      ).toBe("revocation.certificate_not_found");
      expect(
        await codeOf(
          revokeCertificate(deps, reviewerActor, {
            certificate: { serial: other.serial },
            reason: "certificateHold",
          }),
        ),
      ).toBe("revocation.reason_not_allowed");
    });

    it("a reissue revokes the lost certificate (keyCompromise) when its new certificate is issued", async () => {
      const lost = await issued();
      const before = await row(lost.id);
      const reissue = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "reissue",
        uscc: USCC_A,
        details: { certificateId: lost.id, validityEnd: before.not_after.toISOString(), reason: "钥匙遗失" },
      });
      heard.length = 0;
      const done = await finishProduction(deps, production, reissue, [
        { csr: (await keyWithCsr("sm2")).csr },
      ]);
      const replacement = done.certificates[0]!;
      expect(replacement.notAfter.toISOString()).toBe(before.not_after.toISOString());
      expect(await row(lost.id)).toMatchObject({
        status: "revoked",
        revocation_reason: "keyCompromise",
        superseded_by: replacement.id,
      });
      expect(heard.map((h) => h.serial)).toEqual([lost.serial]);
      expect(heard[0]!.statusSeen).toBe("revoked");
    });

    it("a change revokes the old certificate as superseded once the new one is activated, not before", async () => {
      const old = await issued();
      await activateCertificate(deps, supplierActor, old.id);
      await bindAccount(deps, supplierActor, {
        certificateId: old.id,
        programmeId: "procurement",
        accountName: "change-0001",
      });
      const change = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "change",
        uscc: USCC_A,
        details: {
          certificateId: old.id,
          validityEnd: (await row(old.id)).not_after.toISOString(),
          newOrganisationName: "上海示例供应链科技有限公司",
        },
      });
      const done = await finishProduction(deps, production, change, [{ csr: (await keyWithCsr("sm2")).csr }]);
      const fresh = done.certificates[0]!;
      // Until the new key is activated the holder still logs in with the old one.
      expect((await row(old.id)).status).toBe("active");
      heard.length = 0;
      await activateCertificate(deps, supplierActor, fresh.id);
      expect(await row(old.id)).toMatchObject({
        status: "revoked",
        revocation_reason: "superseded",
        superseded_by: fresh.id,
      });
      expect(heard.map((h) => [h.serial, h.statusSeen])).toEqual([[old.serial, "revoked"]]);
      const live = await store.db
        .selectFrom("bindings")
        .select("id")
        .where("certificate_id", "=", old.id)
        .where("unbound_at", "is", null)
        .execute();
      expect(live).toEqual([]);
      // The account is free for the new certificate (one account, one certificate).
      await bindAccount(deps, supplierActor, {
        certificateId: fresh.id,
        programmeId: "procurement",
        accountName: "change-0001",
      });
      expect(parseCertificate(fresh.certificate).subject.O).toBe("上海示例供应链科技有限公司");
    });

    it("a renewal's old certificate is revoked as superseded when the renewed one is activated", async () => {
      const old = await issued(1);
      await activateCertificate(deps, supplierActor, old.id);
      const renewal = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "renewal",
        uscc: USCC_A,
        details: { certificateId: old.id, years: 1 },
      });
      const done = await finishProduction(deps, production, renewal, [
        { csr: (await keyWithCsr("rsa")).csr },
      ]);
      expect((await row(old.id)).status).toBe("active");
      const view = await activateCertificate(deps, supplierActor, done.certificates[0]!.id);
      expect(view?.state).toBe("completed");
      expect(await row(old.id)).toMatchObject({
        status: "revoked",
        revocation_reason: "superseded",
        superseded_by: done.certificates[0]!.id,
      });
    });

    it("a refund after production revokes the order's certificate (cessationOfOperation) when finance pays it", async () => {
      const created = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "new",
          acknowledgeExistingCertificate: true,
          details: { years: 1 },
        },
      });
      const orderId = created.json<{ id: string }>().id;
      for (const m of ["application-form", "business-licence", "handler-id-card"]) {
        await supplier({
          method: "POST",
          url: `/api/orders/${orderId}/materials/${m}`,
          ...multipart("scan.pdf", PDF_BYTES),
        });
      }
      await supplier({ method: "POST", url: `/api/orders/${orderId}/submit` });
      const pay = (await supplier({ method: "POST", url: `/api/orders/${orderId}/pay` })).json<{
        tradeNo: string;
      }>();
      await t.gateway.settle(pay.tradeNo, "succeeded", t.clock.now());
      await reviewer({ method: "POST", url: `/api/orders/${orderId}/approve` });
      await reviewer({ method: "POST", url: `/api/orders/${orderId}/paper-received` });
      const produced = await producer({
        method: "POST",
        url: `/api/orders/${orderId}/production/finish`,
        payload: { keys: [{ csr: (await keyWithCsr("sm2")).csr }] },
      });
      expect(produced.status, produced.body).toBe(200);
      const certificateId = produced.json<{ certificates: { id: string }[] }>().certificates[0]!.id;
      await producer({
        method: "POST",
        url: `/api/orders/${orderId}/ship`,
        payload: { carrier: "SF", trackingNumber: "SF1234567890123" },
      });
      await producer({
        method: "POST",
        url: `/api/orders/${orderId}/deliver`,
        payload: { signedOn: "2026-11-20" },
      });

      const refund = await supplier({
        method: "POST",
        url: "/api/orders",
        payload: {
          programmeId: "procurement",
          service: "refund",
          details: { targetOrderId: orderId },
          submit: true,
        },
      });
      expect(refund.status, refund.body).toBe(201);
      const refundId = refund.json<{ id: string }>().id;
      await reviewer({ method: "POST", url: `/api/orders/${refundId}/paper-received` });
      await reviewer({ method: "POST", url: `/api/orders/${refundId}/approve` });
      // Approved but not yet paid: the certificate still stands.
      expect((await row(certificateId)).status).toBe("issued");
      const paid = await finance({ method: "POST", url: `/api/orders/${refundId}/fulfil` });
      expect(paid.status, paid.body).toBe(200);
      expect(
        (await supplier({ method: "GET", url: `/api/orders/${orderId}` })).json<{ state: string }>().state,
      ).toBe("refunded");
      expect(await row(certificateId)).toMatchObject({
        status: "revoked",
        revocation_reason: "cessationOfOperation",
      });
      const audit = await store.db
        .selectFrom("audit_log")
        .select(["actor", "data"])
        .where("action", "=", "certificate.revoke")
        .where("subject_id", "=", certificateId)
        .executeTakeFirstOrThrow();
      expect(audit.actor).toMatch(/^staff:/);
      expect((audit.data as { trigger: string }).trigger).toMatch(/^refund /);
    });

    it("lists the CAs for staff and serves each CA certificate (DER, application/pkix-cert) where issued certificates point", async () => {
      expect((await supplier({ method: "GET", url: "/api/cas" })).status).toBe(403);
      const cas = (await reviewer({ method: "GET", url: "/api/cas" })).json<
        { id: string; kind: string; active: boolean; certificateUrl: string }[]
      >();
      expect(
        cas
          .filter((c) => c.kind === "issuing" && c.active)
          .map((c) => c.id)
          .sort(),
      ).toEqual(["demo-ecdsa-p256-issuing", "demo-rsa-issuing", "demo-sm2-issuing"]);
      const cert = await issued();
      const aia = parseCertificate((await row(cert.id)).der!).extensions.caIssuersUrls![0]!;
      const res = await t.app.inject({ method: "GET", url: new URL(aia).pathname });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("application/pkix-cert");
      const ca = await store.db
        .selectFrom("cas")
        .select("certificate")
        .where("id", "=", cert.caId)
        .executeTakeFirstOrThrow();
      expect(Buffer.compare(res.rawPayload, Buffer.from(ca.certificate))).toBe(0);
      expect((await t.app.inject({ method: "GET", url: "/ca/no-such-ca.crt" })).statusCode).toBe(404);
    });
  });
}
