/**
 * Delta CRLs (RFC 5280 5.2.4) as a relying party meets them: with deltas on, a revocation after the
 * complete CRL is published in a delta CRL at /crl/{ca}-delta.crl, which the complete CRL names in
 * freshestCRL (5.2.6), and stock OpenSSL finds the revocation only with -use_deltas.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../src/domain/clock.js";
import { buildCertificate } from "../src/pki/certificate.js";
import { parseCrl } from "../src/pki/crl.js";
import { OID } from "../src/pki/oids.js";
import { randomSerial } from "../src/pki/serial.js";
import { generateSoftwareKey } from "../src/pki/signer.js";
import { Workdir, openssl } from "./support/pki.js";
import { noPaymentGateway } from "../src/money/gateway-port.js";
import { buildApp } from "../src/server/app.js";
import type { Actor } from "../src/people/actor.js";
import { CaRegistry, initCas, publicationUrls, type LoadedCa } from "../src/ca/ca.js";
import { LiveCalendar, loadCalendar, seedBundledCalendar } from "../src/desk/calendar.js";
import { Publication } from "../src/ca/publication.js";
import { revokeCertificate } from "../src/ca/revocation.js";
import { testStores } from "./support/stores.js";

const PASSPHRASE = "delta-crl-test-passphrase";
const admin: Actor = { kind: "staff", userId: randomUUID(), roles: ["admin"], name: "测试管理员" };

for (const kind of testStores) {
  describe(`delta CRLs on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let app: FastifyInstance;
    let base: string;
    let publication: Publication;
    let issuing: LoadedCa;
    const dir = new Workdir();
    const failures: string[] = [];

    beforeAll(async () => {
      store = await kind.open();
      const urls = publicationUrls("http://127.0.0.1");
      await initCas({ db: store.db, clock: systemClock }, admin, {
        algorithms: ["ecdsa-p256"],
        organisation: "certdesk 增量测试",
        passphrase: PASSPHRASE,
        urls,
        prefix: "delta",
      });
      const cas = new CaRegistry(store.db, { passphrase: PASSPHRASE });
      publication = new Publication({
        db: store.db,
        clock: systemClock,
        cas,
        settings: {
          crlValidityHours: 24,
          crlRefreshMinutes: 60,
          ocspValidityMinutes: 60,
          deltaCrlMinutes: 15,
          deltaCrlUrl: urls.deltaCrl,
        },
        onError: (e, context) => failures.push(`${context}: ${String(e)}`),
      });
      await seedBundledCalendar(store.db);
      app = await buildApp({
        db: store.db,
        clock: systemClock,
        calendar: new LiveCalendar(await loadCalendar(store.db)),
        gateway: noPaymentGateway,
        publicUrl: "http://127.0.0.1",
        sessionHours: 12,
        uploadLimitBytes: 1024 * 1024,
        secureCookies: false,
        cas,
        urls,
        publication,
      });
      base = await app.listen({ host: "127.0.0.1", port: 0 });
      issuing = await cas.active("ecdsa-p256", "issuing");
      dir.writePem("root.pem", "CERTIFICATE", (await cas.active("ecdsa-p256", "root")).certificate);
      dir.writePem("sub.pem", "CERTIFICATE", issuing.certificate);
    }, 180_000);
    afterAll(async () => {
      expect(failures).toEqual([]);
      await app?.close();
      await store?.dispose();
      dir.remove();
    });

    async function issue(name: string): Promise<string> {
      const key = generateSoftwareKey("ecdsa-p256");
      const serial = randomSerial();
      const now = Date.now();
      const der = await buildCertificate({
        serialNumber: serial,
        subject: { C: "CN", O: "上海示例科技有限公司", CN: name },
        subjectPublicKey: key.signer.publicKeySpki,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 365 * 86_400_000),
        extensions: {
          basicConstraints: { ca: false },
          keyUsage: ["digitalSignature"],
          extendedKeyUsage: [OID.kpClientAuth],
        },
        issuer: { certificate: issuing.certificate },
        signer: issuing.signer,
      });
      await store.db
        .insertInto("certificates")
        .values({
          id: randomUUID(),
          serial,
          subject: `CN=${name}`,
          not_before: new Date(now - 60_000),
          not_after: new Date(now + 365 * 86_400_000),
          ca_id: issuing.id,
          der,
          created_at: new Date(now),
        })
        .execute();
      dir.writePem(`${name}.pem`, "CERTIFICATE", der);
      return serial;
    }

    const revoke = (serial: string) =>
      revokeCertificate({ db: store.db, clock: systemClock, publication }, admin, {
        certificate: { serial },
        reason: "keyCompromise",
      });

    async function fetchCrl(file: string): Promise<Uint8Array> {
      const res = await fetch(`${base}/crl/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/pkix-crl");
      const der = new Uint8Array(await res.arrayBuffer());
      dir.writePem(`${file}.pem`, "X509 CRL", der);
      return der;
    }

    it("a revocation after the complete CRL goes into a delta CRL that openssl -use_deltas applies", async () => {
      const first = await issue("first");
      const second = await issue("second");
      // No complete CRL yet: the first revocation publishes one.
      await revoke(first);
      const completeFile = `${issuing.id}.crl`;
      const complete = parseCrl(await fetchCrl(completeFile));
      expect(complete.entries.map((e) => e.serialNumber)).toEqual([first]);
      const completeText = openssl(["crl", "-in", `${completeFile}.pem`, "-noout", "-text"], dir.path).output;
      expect(completeText).toContain(`URI:http://127.0.0.1/crl/${issuing.id}-delta.crl`);

      await revoke(second);
      // The complete CRL stays as it was; the delta over it lists the new revocation.
      expect(parseCrl(await fetchCrl(completeFile)).crlNumber).toBe(complete.crlNumber);
      const deltaFile = `${issuing.id}-delta.crl`;
      const delta = parseCrl(await fetchCrl(deltaFile));
      expect(delta.crlNumber).toBeGreaterThan(complete.crlNumber!);
      expect(delta.entries.map((e) => e.serialNumber)).toContain(second);
      const deltaText = openssl(["crl", "-in", `${deltaFile}.pem`, "-noout", "-text"], dir.path).output;
      expect(deltaText).toMatch(
        new RegExp(`Delta CRL Indicator: critical\\s+${complete.crlNumber!.toString()}\\s`),
      );
      const checked = openssl(["crl", "-in", `${deltaFile}.pem`, "-noout", "-CAfile", "sub.pem"], dir.path);
      expect(checked.output).toContain("verify OK");

      const verify = (cert: string, ...extra: string[]) =>
        openssl(
          [
            "verify",
            "-crl_check",
            ...extra,
            "-CAfile",
            "root.pem",
            "-untrusted",
            "sub.pem",
            "-CRLfile",
            `${completeFile}.pem`,
            "-CRLfile",
            `${deltaFile}.pem`,
            cert,
          ],
          dir.path,
        );
      expect(verify("second.pem").output).toContain("second.pem: OK");
      const withDeltas = verify("second.pem", "-use_deltas");
      expect(withDeltas.code).not.toBe(0);
      expect(withDeltas.output).toContain("certificate revoked");
      expect(verify("first.pem", "-use_deltas").output).toContain("certificate revoked");

      // The next complete CRL takes a number after the delta's and lists both.
      const next = await publication.rebuildCrl(issuing.id, "test");
      expect(next.crlNumber).toBeGreaterThan(delta.crlNumber!);
      expect(next.entries).toBe(2);
    });
  });
}
