/**
 * CRLs and OCSP as relying parties meet them, with stock OpenSSL as the judge: the server listens
 * on a real loopback port, certificates are issued by the CAs initCas makes and revoked through
 * revokeCertificate with the publication as its listener. OpenSSL checks OCSP times against the
 * wall clock, so this suite runs on the system clock.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caCrlCommand } from "../src/cli/ca-crl.js";
import { type CliContext, type CliIo, Output } from "../src/cli/output.js";
import { cliConfig } from "../src/cli/source.js";
import { fixedClock, systemClock } from "../src/domain/clock.js";
import { buildCertificate } from "../src/pki/certificate.js";
import { parseCrl } from "../src/pki/crl.js";
import {
  buildOcspRequest,
  certIdFor,
  parseOcspRequest,
  parseOcspResponse,
  type OcspResponseView,
} from "../src/pki/ocsp.js";
import { OID } from "../src/pki/oids.js";
import { randomSerial } from "../src/pki/serial.js";
import { generateSoftwareKey, type KeyAlgorithm } from "../src/pki/signer.js";
import { DISTID, Workdir, buildHierarchy, openssl, opensslAsync } from "./support/pki.js";
import { noPaymentGateway, type PaymentGateway } from "../src/money/gateway-port.js";
import { buildApp } from "../src/server/app.js";
import type { Actor } from "../src/people/actor.js";
import { CA_ALGORITHMS, CaRegistry, initCas, publicationUrls, type LoadedCa } from "../src/ca/ca.js";
import { LiveCalendar, loadCalendar, seedBundledCalendar } from "../src/desk/calendar.js";
import { CrlRefreshTimer, Publication } from "../src/ca/publication.js";
import { CRLS_KEPT, crlIssuers, publishCrl, type PublicationSettings } from "../src/ca/crls.js";
import { revokeCertificate } from "../src/ca/revocation.js";
import type { RevocationReason } from "../src/pki/crl.js";
import { testStores } from "./support/stores.js";

const PASSPHRASE = "publication-test-passphrase";
const SETTINGS: PublicationSettings = {
  crlValidityHours: 24,
  crlRefreshMinutes: 60,
  ocspValidityMinutes: 60,
};
const admin: Actor = { kind: "staff", userId: randomUUID(), roles: ["admin"], name: "测试管理员" };
const noGateway: PaymentGateway = noPaymentGateway;

type Db = Awaited<ReturnType<(typeof testStores)[number]["open"]>>["db"];

interface Issued {
  serial: string;
  der: Uint8Array;
}

/** An end-entity certificate from the CA, recorded as issuance records it. */
async function issue(db: Db, ca: LoadedCa, algorithm: KeyAlgorithm, urls = publicationUrls("http://t")) {
  const key = generateSoftwareKey(algorithm);
  const serial = randomSerial();
  const now = Date.now();
  const der = await buildCertificate({
    serialNumber: serial,
    subject: { C: "CN", O: "上海示例科技有限公司", CN: `ee ${serial.slice(0, 8)}` },
    subjectPublicKey: key.signer.publicKeySpki,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 86_400_000),
    extensions: {
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature"],
      extendedKeyUsage: [OID.kpClientAuth],
      crlDistributionPoints: [urls.crl(ca.id)],
      authorityInfoAccess: { ocsp: [urls.ocsp()], caIssuers: [urls.caCertificate(ca.id)] },
    },
    issuer: { certificate: ca.certificate },
    signer: ca.signer,
  });
  await db
    .insertInto("certificates")
    .values({
      id: randomUUID(),
      serial,
      subject: `CN=ee ${serial.slice(0, 8)}`,
      not_before: new Date(now - 60_000),
      not_after: new Date(now + 365 * 86_400_000),
      ca_id: ca.id,
      der,
      created_at: new Date(now),
    })
    .execute();
  return { serial, der } satisfies Issued;
}

const openCrlText = (dir: Workdir, file: string) =>
  openssl(["crl", "-inform", "DER", "-in", file, "-noout", "-text"], dir.path);

for (const kind of testStores) {
  describe(`CRLs and OCSP on ${kind.name}`, () => {
    let store: Awaited<ReturnType<typeof kind.open>>;
    let app: FastifyInstance;
    let base: string;
    let cas: CaRegistry;
    let publication: Publication;
    const dir = new Workdir();
    const issuing = {} as Record<KeyAlgorithm, LoadedCa>;
    const roots = {} as Record<KeyAlgorithm, LoadedCa>;
    const responders = {} as Record<KeyAlgorithm, LoadedCa>;
    const backgroundFailures: string[] = [];
    const revoke = (serial: string, reason: RevocationReason = "keyCompromise") =>
      revokeCertificate({ db: store.db, clock: systemClock, publication }, admin, {
        certificate: { serial },
        reason,
      });

    beforeAll(async () => {
      store = await kind.open();
      const urls = publicationUrls("http://127.0.0.1");
      await initCas({ db: store.db, clock: systemClock }, admin, {
        algorithms: CA_ALGORITHMS,
        organisation: "certdesk 发布测试",
        passphrase: PASSPHRASE,
        urls,
        prefix: "pub",
      });
      cas = new CaRegistry(store.db, { passphrase: PASSPHRASE });
      publication = new Publication({
        db: store.db,
        clock: systemClock,
        cas,
        settings: SETTINGS,
        onError: (e, context) => backgroundFailures.push(`${context}: ${String(e)}`),
      });
      await seedBundledCalendar(store.db);
      app = await buildApp({
        db: store.db,
        clock: systemClock,
        calendar: new LiveCalendar(await loadCalendar(store.db)),
        gateway: noGateway,
        publicUrl: "http://127.0.0.1",
        sessionHours: 12,
        uploadLimitBytes: 1024 * 1024,
        secureCookies: false,
        cas,
        urls,
        publication,
      });
      base = await app.listen({ host: "127.0.0.1", port: 0 });
      for (const algorithm of CA_ALGORITHMS) {
        issuing[algorithm] = await cas.active(algorithm, "issuing");
        roots[algorithm] = await cas.active(algorithm, "root");
        responders[algorithm] = await cas.active(algorithm, "ocsp-responder");
        dir.writePem(`${algorithm}-root.pem`, "CERTIFICATE", roots[algorithm].certificate);
        dir.writePem(`${algorithm}-sub.pem`, "CERTIFICATE", issuing[algorithm].certificate);
      }
    });
    afterAll(async () => {
      expect(backgroundFailures).toEqual([]);
      await app?.close();
      await store?.dispose();
      dir.remove();
    });

    /** GET /crl/{id}.crl over HTTP, written as {id}.crl (DER) and {id}.crl.pem. */
    async function fetchCrl(caId: string): Promise<Uint8Array> {
      const res = await fetch(`${base}/crl/${caId}.crl`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/pkix-crl");
      const der = new Uint8Array(await res.arrayBuffer());
      dir.write(`${caId}.crl`, der);
      dir.writePem(`${caId}.crl.pem`, "X509 CRL", der);
      return der;
    }

    describe("CRLs (RFC 5280 section 5)", () => {
      it.each(["rsa", "ecdsa-p256"] as const)(
        "%s: after a revocation, openssl verify -crl_check reports the certificate revoked",
        async (algorithm) => {
          const ee = await issue(store.db, issuing[algorithm], algorithm);
          const good = await issue(store.db, issuing[algorithm], algorithm);
          dir.writePem(`${algorithm}-ee.pem`, "CERTIFICATE", ee.der);
          dir.writePem(`${algorithm}-good.pem`, "CERTIFICATE", good.der);
          await revoke(ee.serial);

          await fetchCrl(issuing[algorithm].id);
          await fetchCrl(roots[algorithm].id);
          const verify = (cert: string, check: string[]) =>
            openssl(
              [
                "verify",
                ...check,
                "-CAfile",
                `${algorithm}-root.pem`,
                "-untrusted",
                `${algorithm}-sub.pem`,
                cert,
              ],
              dir.path,
            );
          const leafOnly = ["-crl_check", "-CRLfile", `${issuing[algorithm].id}.crl.pem`];
          const revoked = verify(`${algorithm}-ee.pem`, leafOnly);
          expect(revoked.code).not.toBe(0);
          expect(revoked.output).toContain("certificate revoked");
          expect(verify(`${algorithm}-good.pem`, leafOnly).output).toContain(": OK");

          // The root's CRL (empty here) lets the whole chain be checked.
          const chain = [...leafOnly, "-crl_check_all", "-CRLfile", `${roots[algorithm].id}.crl.pem`];
          expect(verify(`${algorithm}-good.pem`, chain).output).toContain(": OK");
          expect(verify(`${algorithm}-ee.pem`, chain).output).toContain("certificate revoked");

          const text = openCrlText(dir, `${issuing[algorithm].id}.crl`).output;
          expect(text).toContain(`Serial Number: ${ee.serial.toUpperCase()}`);
          expect(text).toContain("Key Compromise");
        },
      );

      it("openssl crl parses the CRL of every root and issuing CA; SM2 signatures verify with the GM/T 0009 ID", async () => {
        const ids = await crlIssuers(store.db, new Date());
        expect(ids).toHaveLength(6);
        for (const id of ids) {
          const der = await fetchCrl(id);
          const r = openCrlText(dir, `${id}.crl`);
          expect(r.code, r.output).toBe(0);
          expect(r.output).toContain("Certificate Revocation List (CRL)");
          expect(r.output).toMatch(/X509v3 CRL Number:\s+\d+/);
          const ca = await cas.byId(id);
          const view = parseCrl(der);
          expect(Buffer.from(view.issuerDer)).toEqual(Buffer.from(ca.view.subjectDer));
          expect(view.verify(ca.view.spki)).toBe(true);
          if (ca.algorithm !== "sm2") {
            // Stock OpenSSL checks RSA and P-256 CRL signatures itself.
            const pem = `${id}-ca.pem`;
            dir.writePem(pem, "CERTIFICATE", ca.certificate);
            expect(
              openssl(["crl", "-in", `${id}.crl.pem`, "-noout", "-verify", "-CAfile", pem], dir.path).output,
            ).toContain("verify OK");
            continue;
          }
          // OpenSSL 3.0 verifies SM2 CRLs with an empty signer ID; pkeyutl takes the standard one.
          expect(view.signatureAlgorithmName).toBe("SM3withSM2");
          dir.write("tbs.der", view.tbs);
          dir.write("crl.sig", view.signature);
          dir.writePem("ca.pub", "PUBLIC KEY", ca.view.spki);
          const v = openssl(
            [
              "pkeyutl",
              "-verify",
              "-rawin",
              "-digest",
              "sm3",
              "-pkeyopt",
              DISTID,
              "-pubin",
              "-inkey",
              "ca.pub",
              "-in",
              "tbs.der",
              "-sigfile",
              "crl.sig",
            ],
            dir.path,
          );
          expect(v.output).toContain("Signature Verified Successfully");
        }
      });

      it("an SM2 revocation is on the SM2 issuing CA's CRL with its reason", async () => {
        const ee = await issue(store.db, issuing.sm2, "sm2");
        await revoke(ee.serial, "superseded");
        const view = parseCrl(await fetchCrl(issuing.sm2.id));
        expect(view.entries.find((e) => e.serialNumber === ee.serial)).toMatchObject({
          reason: "superseded",
        });
        expect(openCrlText(dir, `${issuing.sm2.id}.crl`).output).toContain(
          `Serial Number: ${ee.serial.toUpperCase()}`,
        );
      });

      it("RFC 5280 5.2.3: CRL numbers strictly increase, also when two builds race; old CRLs are pruned", async () => {
        const id = issuing["ecdsa-p256"].id;
        const number = async () =>
          (
            await store.db
              .selectFrom("cas")
              .select("crl_number")
              .where("id", "=", id)
              .executeTakeFirstOrThrow()
          ).crl_number;
        const before = await number();
        // Two registries and bare use cases: nothing in-process serialises them, only the row lock.
        const other = {
          db: store.db,
          clock: systemClock,
          cas: new CaRegistry(store.db, { passphrase: PASSPHRASE }),
          settings: SETTINGS,
        };
        const ours = { db: store.db, clock: systemClock, cas, settings: SETTINGS };
        const raced = await Promise.all([publishCrl(ours, id), publishCrl(other, id), publishCrl(ours, id)]);
        const numbers = raced.map((c) => c.crlNumber).sort((a, b) => (a < b ? -1 : 1));
        expect(numbers).toEqual([before + 1n, before + 2n, before + 3n]);
        for (const crl of raced) expect(parseCrl(crl.der).crlNumber).toBe(crl.crlNumber);
        // The one built last read at least as much as the ones before it.
        const byNumber = [...raced].sort((a, b) => (a.crlNumber < b.crlNumber ? -1 : 1));
        expect(byNumber[2]!.entries).toBeGreaterThanOrEqual(byNumber[0]!.entries);
        expect(byNumber[2]!.thisUpdate.getTime()).toBeGreaterThanOrEqual(byNumber[0]!.thisUpdate.getTime());

        const next = await publication.rebuildCrl(id);
        expect(next.crlNumber).toBe(before + 4n);
        expect(await number()).toBe(before + 4n);
        const kept = await store.db.selectFrom("crls").select("crl_number").where("ca_id", "=", id).execute();
        expect(kept.map((r) => r.crl_number).sort()).toEqual([before + 2n, before + 3n, before + 4n]);
        expect(kept).toHaveLength(CRLS_KEPT);
        // What the server hands out is the newest.
        expect(parseCrl(await fetchCrl(id)).crlNumber).toBe(before + 4n);
      });

      it("the routes are described in the OpenAPI document", async () => {
        const doc = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, unknown> };
        for (const path of ["/crl/{file}", "/ocsp", "/ocsp/{*}"])
          expect(Object.keys(doc.paths)).toContain(path);
      });

      it("GET answers 404 problem+json for a CA that publishes no CRL, with HTTP caching headers otherwise", async () => {
        const missing = await fetch(`${base}/crl/${responders.rsa.id}.crl`);
        expect(missing.status).toBe(404);
        expect(((await missing.json()) as { code: string }).code).toBe("publication.crl_not_found");
        expect((await fetch(`${base}/crl/nobody.crl`)).status).toBe(404);
        const res = await fetch(`${base}/crl/${issuing.rsa.id}.crl`);
        expect(res.headers.get("cache-control")).toMatch(/^public, no-transform, max-age=\d+$/);
        const etag = res.headers.get("etag")!;
        expect(
          (await fetch(`${base}/crl/${issuing.rsa.id}.crl`, { headers: { "if-none-match": etag } })).status,
        ).toBe(304);
      });

      it("the refresh timer publishes on start and on every interval, and stops", async () => {
        const id = roots.rsa.id;
        const number = async () =>
          (
            await store.db
              .selectFrom("cas")
              .select("crl_number")
              .where("id", "=", id)
              .executeTakeFirstOrThrow()
          ).crl_number;
        const start = await number();
        const timer = new CrlRefreshTimer(publication, 300);
        timer.start();
        await expect.poll(number, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(start + 2n);
        await timer.stop();
        const stopped = await number();
        await new Promise((resolve) => setTimeout(resolve, 700));
        expect(await number()).toBe(stopped);
      });
    });

    describe("OCSP (RFC 6960)", () => {
      const ocsp = (algorithm: KeyAlgorithm, args: string[], digest: string[] = []) =>
        opensslAsync(
          [
            "ocsp",
            "-url",
            `${base}/ocsp`,
            "-issuer",
            `${algorithm}-sub.pem`,
            ...digest,
            ...args,
            "-CAfile",
            `${algorithm}-root.pem`,
          ],
          dir.path,
        );
      const issued = {} as Record<KeyAlgorithm, Issued>;

      beforeAll(async () => {
        for (const algorithm of CA_ALGORITHMS) {
          issued[algorithm] = await issue(store.db, issuing[algorithm], algorithm);
          dir.writePem(`${algorithm}-ocsp-ee.pem`, "CERTIFICATE", issued[algorithm].der);
        }
      });

      it.each(["rsa", "ecdsa-p256"] as const)(
        "%s: openssl ocsp says good, then revoked with the reason and time; SHA-1 and SHA-256 CertIDs",
        async (algorithm) => {
          const ee = `${algorithm}-ocsp-ee.pem`;
          const good = await ocsp(algorithm, ["-cert", ee]);
          expect(good.output).toContain("Response verify OK");
          expect(good.output).toContain(`${ee}: good`);
          expect(good.output).not.toContain("WARNING");
          const sha256 = await ocsp(algorithm, ["-cert", ee, "-resp_text"], ["-sha256"]);
          expect(sha256.output).toContain("Response verify OK");
          expect(sha256.output).toMatch(/Hash Algorithm: sha256/);
          expect(sha256.output).toContain(`${ee}: good`);

          const revoked = await revoke(issued[algorithm].serial, "keyCompromise");
          const after = await ocsp(algorithm, ["-cert", ee]);
          expect(after.output).toContain("Response verify OK");
          expect(after.output).toMatch(
            new RegExp(`${ee}: revoked[\\s\\S]*Reason: keyCompromise[\\s\\S]*Revocation Time: `),
          );
          const time = /Revocation Time: (.+ GMT)/.exec(after.output)![1]!;
          expect(new Date(time).getTime()).toBe(Math.floor(revoked.revokedAt.getTime() / 1000) * 1000);
        },
      );

      it("-no_nonce is answered from the cache, and a revocation replaces the cached answer before it returns", async () => {
        const ee = await issue(store.db, issuing["ecdsa-p256"], "ecdsa-p256");
        dir.writePem("cache-ee.pem", "CERTIFICATE", ee.der);
        const ask = async (out: string) => {
          const r = await ocsp("ecdsa-p256", ["-cert", "cache-ee.pem", "-no_nonce", "-respout", out]);
          expect(r.output).toContain("Response verify OK");
          return r.output;
        };
        expect(await ask("first.der")).toContain("cache-ee.pem: good");
        const before = { ...publication.ocsp.stats };
        expect(await ask("second.der")).toContain("cache-ee.pem: good");
        // ECDSA signatures are randomised: identical bytes mean the same signed response.
        expect(dir.read("second.der")).toEqual(dir.read("first.der"));
        expect(publication.ocsp.stats.cached).toBe(before.cached + 1);
        expect(publication.ocsp.stats.signatures).toBe(before.signatures);

        await revoke(ee.serial, "cessationOfOperation");
        const signedOnRevocation = publication.ocsp.stats.signatures;
        const after = await ask("third.der");
        expect(after).toMatch(/cache-ee\.pem: revoked[\s\S]*Reason: cessationOfOperation/);
        // Served from the entry re-signed while the revocation was being made.
        expect(publication.ocsp.stats.signatures).toBe(signedOnRevocation);
        expect(publication.ocsp.stats.cached).toBe(before.cached + 2);
      });

      it("echoes the nonce (RFC 6960 4.4.1) and signs each such request afresh", async () => {
        const ee = `rsa-ocsp-ee.pem`;
        const r = await ocsp("rsa", [
          "-cert",
          ee,
          "-nonce",
          "-reqout",
          "nonce-req.der",
          "-respout",
          "nonce-resp.der",
        ]);
        expect(r.output).toContain("Response verify OK");
        expect(r.output).not.toContain("WARNING");
        const sent = parseOcspRequest(dir.read("nonce-req.der")).nonce!;
        expect(parseOcspResponse(dir.read("nonce-resp.der")).basic!.nonce).toEqual(sent);
        const signatures = publication.ocsp.stats.signatures;
        await ocsp("rsa", ["-cert", ee, "-nonce"]);
        expect(publication.ocsp.stats.signatures).toBe(signatures + 1);
      });

      it("serves GET (RFC 6960 A.1) with RFC 5019 caching headers, base64 slashes included", async () => {
        const ee = await issue(store.db, issuing.rsa, "rsa");
        dir.writePem("get-ee.pem", "CERTIFICATE", ee.der);
        openssl(
          ["ocsp", "-issuer", "rsa-sub.pem", "-cert", "get-ee.pem", "-no_nonce", "-reqout", "get-req.der"],
          dir.path,
        );
        const request = dir.read("get-req.der");
        const b64 = Buffer.from(request).toString("base64");
        const res = await fetch(`${base}/ocsp/${encodeURIComponent(b64)}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/ocsp-response");
        const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("cache-control") ?? "")?.[1]);
        expect(maxAge).toBeGreaterThan(0);
        expect(maxAge).toBeLessThanOrEqual(SETTINGS.ocspValidityMinutes * 60);
        expect(res.headers.get("cache-control")).toContain("public");
        expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{40}"$/);
        expect(new Date(res.headers.get("expires")!).getTime()).toBeGreaterThan(Date.now());
        dir.write("get-resp.der", new Uint8Array(await res.arrayBuffer()));
        const judged = openssl(
          [
            "ocsp",
            "-respin",
            "get-resp.der",
            "-issuer",
            "rsa-sub.pem",
            "-cert",
            "get-ee.pem",
            "-CAfile",
            "rsa-root.pem",
            "-no_nonce",
          ],
          dir.path,
        );
        expect(judged.output).toContain("Response verify OK");
        expect(judged.output).toContain("get-ee.pem: good");

        // Unescaped base64 with '/' and '+' in the path: find a nonce that puts both there.
        let path = "";
        for (let i = 0; !(path.includes("/") && path.includes("+")); i++) {
          const nonce = new Uint8Array(16).map((_, j) => (i * 31 + j * 17) & 0xff);
          path = Buffer.from(
            buildOcspRequest([certIdFor(issuing.rsa.certificate, ee.serial)], nonce),
          ).toString("base64");
        }
        const raw = await fetch(`${base}/ocsp/${path}`);
        const view = parseOcspResponse(new Uint8Array(await raw.arrayBuffer()));
        expect(view.basic?.responses[0]?.status).toBe("good");
        expect(raw.headers.get("cache-control")).toBe("no-store"); // a nonce: not for caches
      });

      it("answers malformedRequest (HTTP 200, application/ocsp-response) to junk, never a 500", async () => {
        const bodies: [string, RequestInit][] = [
          [
            "junk",
            {
              method: "POST",
              body: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]),
              headers: { "content-type": "application/ocsp-request" },
            },
          ],
          ["text", { method: "POST", body: "hello", headers: { "content-type": "text/plain" } }],
          ["json", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }],
          ["empty", { method: "POST", headers: { "content-type": "application/ocsp-request" } }],
          [
            "huge",
            {
              method: "POST",
              body: new Uint8Array(200 * 1024),
              headers: { "content-type": "application/ocsp-request" },
            },
          ],
          [
            "a certificate",
            { method: "POST", body: issued.rsa.der, headers: { "content-type": "application/ocsp-request" } },
          ],
        ];
        for (const [what, init] of bodies) {
          const res = await fetch(`${base}/ocsp`, init);
          expect(res.status, what).toBe(200);
          expect(res.headers.get("content-type"), what).toBe("application/ocsp-response");
          const view: OcspResponseView = parseOcspResponse(new Uint8Array(await res.arrayBuffer()));
          expect(view.status, what).toBe("malformedRequest");
        }
        for (const path of ["not-base64!", "", "AAAA", "%2F%2F%2F"]) {
          const res = await fetch(`${base}/ocsp/${path}`);
          expect(res.status, path).toBe(200);
          expect(parseOcspResponse(new Uint8Array(await res.arrayBuffer())).status, path).toBe(
            "malformedRequest",
          );
        }
        // A broken percent-encoding is refused by the router before any route: HTTP 400, still no 500.
        expect((await fetch(`${base}/ocsp/%%%`)).status).toBe(400);
        // RFC 9654: a nonce longer than 128 octets is malformed.
        const long = buildOcspRequest(
          [certIdFor(issuing.rsa.certificate, issued.rsa.serial)],
          new Uint8Array(129),
        );
        const res = await fetch(`${base}/ocsp`, {
          method: "POST",
          body: long,
          headers: { "content-type": "application/ocsp-request" },
        });
        expect(parseOcspResponse(new Uint8Array(await res.arrayBuffer())).status).toBe("malformedRequest");
      });

      it("RFC 6960 2.2: a serial the CA never issued is unknown; an issuer we do not serve is unauthorized", async () => {
        const unknown = await ocsp("rsa", ["-serial", "0x0123456789ABCDEF"]);
        expect(unknown.output).toContain("Response verify OK");
        expect(unknown.output).toContain("0x0123456789ABCDEF: unknown");
        // A certificate of this CA's P-256 sibling asked for under the RSA issuer: not ours there.
        const wrongIssuer = await ocsp("rsa", ["-serial", `0x${issued["ecdsa-p256"].serial}`]);
        expect(wrongIssuer.output).toContain(": unknown");

        const stranger = await buildHierarchy("ecdsa-p256");
        const post = (body: Uint8Array) =>
          fetch(`${base}/ocsp`, {
            method: "POST",
            body,
            headers: { "content-type": "application/ocsp-request" },
          }).then(async (r) => parseOcspResponse(new Uint8Array(await r.arrayBuffer())));
        const theirs = certIdFor(stranger.sub.cert, "0a0b0c");
        expect((await post(buildOcspRequest([theirs]))).status).toBe("unauthorized");
        // The root's certificates (the issuing CAs) have no responder here either.
        expect(
          (await post(buildOcspRequest([certIdFor(roots.rsa.certificate, issuing.rsa.view.serialNumber)])))
            .status,
        ).toBe("unauthorized");

        // Mixed: ours answered, the stranger's unknown, in one response signed by our responder.
        const mixed = await post(
          buildOcspRequest([certIdFor(issuing.rsa.certificate, issued.rsa.serial, "sha256"), theirs]),
        );
        expect(mixed.status).toBe("successful");
        expect(mixed.basic!.responses.map((r) => r.status)).toEqual(["revoked", "unknown"]);
        expect(mixed.basic!.verify(responders.rsa.view.spki)).toBe(true);
      });

      it("answers several CertIDs of one issuer together", async () => {
        const second = await issue(store.db, issuing["ecdsa-p256"], "ecdsa-p256");
        dir.writePem("second-ee.pem", "CERTIFICATE", second.der);
        const r = await ocsp("ecdsa-p256", [
          "-cert",
          "ecdsa-p256-ocsp-ee.pem",
          "-cert",
          "second-ee.pem",
          "-serial",
          "0x0A0B",
        ]);
        expect(r.output).toContain("Response verify OK");
        expect(r.output).toContain("ecdsa-p256-ocsp-ee.pem: revoked");
        expect(r.output).toContain("second-ee.pem: good");
        expect(r.output).toContain("0x0A0B: unknown");
      });

      it("answers good for the CA's own subordinates (the seal maker), which live in cas", async () => {
        const seal = await cas.active("rsa", "seal-maker");
        dir.writePem("seal.pem", "CERTIFICATE", seal.certificate);
        const r = await ocsp("rsa", ["-cert", "seal.pem"]);
        expect(r.output).toContain("Response verify OK");
        expect(r.output).toContain("seal.pem: good");
      });

      it("a revocation made elsewhere (another process) is seen once the cached status is rechecked", async () => {
        const clock = fixedClock(new Date().toISOString());
        const elsewhere = new Publication({
          db: store.db,
          clock,
          cas,
          settings: { ...SETTINGS, ocspRecheckSeconds: 60 },
        });
        const ee = await issue(store.db, issuing.rsa, "rsa");
        const request = buildOcspRequest([certIdFor(issuing.rsa.certificate, ee.serial)]);
        const ask = async () =>
          parseOcspResponse((await elsewhere.ocsp.respond(request)).der).basic!.responses[0]!;
        const first = await ask();
        expect(first.status).toBe("good");
        await store.db
          .updateTable("certificates")
          .set({ status: "revoked", revoked_at: clock.now(), revocation_reason: "privilegeWithdrawn" })
          .where("serial", "=", ee.serial)
          .execute();
        clock.advance(59_000);
        expect((await ask()).status).toBe("good"); // still within the recheck interval
        clock.advance(2_000);
        expect(await ask()).toMatchObject({ status: "revoked", reason: "privilegeWithdrawn" });
        // An unchanged status keeps its signed answer until half the validity, then a new thisUpdate.
        const again = await ask();
        clock.advance(SETTINGS.ocspValidityMinutes * 30_000);
        const renewed = await ask();
        expect(renewed.thisUpdate.getTime()).toBeGreaterThan(again.thisUpdate.getTime());
        expect(renewed.nextUpdate!.getTime() - renewed.thisUpdate.getTime()).toBe(
          SETTINGS.ocspValidityMinutes * 60_000,
        );
      });

      it("SM2: openssl reads the statuses (-noverify); the signature is the responder's, checked in our code and by pkeyutl", async () => {
        const ee = "sm2-ocsp-ee.pem";
        const good = await ocsp("sm2", ["-cert", ee, "-noverify", "-respout", "sm2-good.der"]);
        expect(good.output).toContain(`${ee}: good`);
        expect(good.output).not.toContain("WARNING");
        await revoke(issued.sm2.serial, "affiliationChanged");
        const bad = await ocsp("sm2", ["-cert", ee, "-noverify", "-respout", "sm2-revoked.der"], ["-sha256"]);
        expect(bad.output).toMatch(/revoked[\s\S]*Reason: affiliationChanged/);
        for (const file of ["sm2-good.der", "sm2-revoked.der"]) {
          const basic = parseOcspResponse(dir.read(file)).basic!;
          expect(basic.signatureAlgorithmName).toBe("SM3withSM2");
          expect(basic.verify(responders.sm2.view.spki)).toBe(true);
          expect(basic.certificates.map((c) => Buffer.from(c))).toEqual([
            Buffer.from(responders.sm2.certificate),
          ]);
          dir.write("tbs.der", basic.tbs);
          dir.write("resp.sig", basic.signature);
          dir.writePem("responder.pub", "PUBLIC KEY", responders.sm2.view.spki);
          const v = openssl(
            [
              "pkeyutl",
              "-verify",
              "-rawin",
              "-digest",
              "sm3",
              "-pkeyopt",
              DISTID,
              "-pubin",
              "-inkey",
              "responder.pub",
              "-in",
              "tbs.der",
              "-sigfile",
              "resp.sig",
            ],
            dir.path,
          );
          expect(v.output).toContain("Signature Verified Successfully");
        }
        // SM3 CertIDs are matched too.
        const sm3 = parseOcspResponse(
          new Uint8Array(
            await (
              await fetch(`${base}/ocsp`, {
                method: "POST",
                body: buildOcspRequest([certIdFor(issuing.sm2.certificate, issued.sm2.serial, "sm3")]),
                headers: { "content-type": "application/ocsp-request" },
              })
            ).arrayBuffer(),
          ),
        );
        expect(sm3.basic!.responses[0]).toMatchObject({ status: "revoked", reason: "affiliationChanged" });
      });
    });

    // Last: it makes the P-256 issuing CA's CRL large for everything after it.
    it("builds a CRL of 200,000 revoked certificates from the store (time printed, not asserted)", async () => {
      const id = issuing["ecdsa-p256"].id;
      await sql`
        insert into certificates (id, serial, subject, not_before, not_after, created_at, ca_id, status,
                                  revoked_at, revocation_reason)
        select gen_random_uuid(), '4' || substr(md5('bulk' || i::text), 2), 'CN=bulk', now(),
               now() + interval '1 year', now(), ${id}, 'revoked', now() - (i || ' seconds')::interval,
               case when i % 3 = 0 then 'keyCompromise' when i % 3 = 1 then 'superseded' else null end
          from generate_series(1, 200000) as i`.execute(store.db);
      const started = performance.now();
      const crl = await publication.rebuildCrl(id, "test");
      const ms = performance.now() - started;
      console.log(
        `[publication] ${kind.name}: CRL of ${crl.entries} entries (${(crl.der.length / 1e6).toFixed(1)} MB) built and stored in ${ms.toFixed(0)} ms`,
      );
      expect(crl.entries).toBeGreaterThanOrEqual(200_000);
      dir.write("big.crl", crl.der);
      const r = openssl(["crl", "-inform", "DER", "-in", "big.crl", "-noout", "-crlnumber"], dir.path);
      expect(BigInt(/crlNumber=(0x[0-9A-F]+)/.exec(r.output)?.[1] ?? "-1")).toBe(crl.crlNumber);
      expect(parseCrl(crl.der).entries).toHaveLength(crl.entries);
    }, 120_000);
  });

  describe(`certdesk ca crl on ${kind.name}`, () => {
    const scratch = mkdtempSync(join(tmpdir(), "certdesk-ca-crl-"));
    let env: Record<string, string>;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      env = { CERTDESK_CA_PASSPHRASE: PASSPHRASE, CERTDESK_LOG_LEVEL: "silent" };
      if (kind.name === "postgres") {
        const { createTempDatabase } = await import("./support/stores.js");
        const temp = await createTempDatabase(process.env.TEST_DATABASE_URL!);
        env.DATABASE_URL = temp.url;
        drop = temp.drop;
      } else {
        env.CERTDESK_DATA_DIR = join(scratch, "data");
      }
      const config = cliConfig(env);
      const { openStore } = await import("../src/store/database.js");
      const store = await openStore(config.store);
      try {
        await initCas({ db: store.db, clock: systemClock }, admin, {
          algorithms: CA_ALGORITHMS,
          organisation: "certdesk CLI",
          passphrase: PASSPHRASE,
          urls: publicationUrls("http://127.0.0.1"),
          prefix: "cli",
        });
      } finally {
        await store.close();
      }
    });
    afterAll(async () => {
      await drop?.();
      rmSync(scratch, { recursive: true, force: true });
    });

    function context(json: boolean) {
      const stdout: string[] = [];
      const io: CliIo = {
        stdout: { write: (t: string) => stdout.push(t) },
        stderr: { write: () => true },
        env,
      };
      const ctx: CliContext = {
        io,
        out: new Output(io, "en", json),
        clock: systemClock,
        config: () => cliConfig(env),
      };
      return { ctx, stdout };
    }

    it("builds every active issuing CA's CRL into a folder and prints one JSON object", async () => {
      const folder = join(scratch, "crls");
      mkdirSync(folder);
      const { ctx, stdout } = context(true);
      expect(await caCrlCommand(ctx, { out: folder })).toBe(0);
      expect(stdout).toHaveLength(1);
      const { crls } = JSON.parse(stdout[0]!) as { crls: { ca: string; crlNumber: number; out: string }[] };
      expect(crls.map((c) => c.ca).sort()).toEqual([
        "cli-ecdsa-p256-issuing",
        "cli-rsa-issuing",
        "cli-sm2-issuing",
      ]);
      for (const c of crls) {
        expect(c.crlNumber).toBe(1);
        expect(existsSync(c.out)).toBe(true);
        expect(parseCrl(new Uint8Array(readFileSync(c.out))).crlNumber).toBe(1n);
      }
    });

    it("one CA by --ca, a file by --out, a summary line without --json; the number goes up", async () => {
      const file = join(scratch, "root.crl");
      const { ctx, stdout } = context(false);
      expect(await caCrlCommand(ctx, { ca: "cli-rsa-root", out: file })).toBe(0);
      expect(stdout.join("")).toMatch(/^cli-rsa-root: CRL number 1 \(0 revoked certificates\) written to /);
      const summary = context(false);
      expect(await caCrlCommand(summary.ctx, { ca: "cli-rsa-issuing" })).toBe(0);
      expect(summary.stdout.join("")).toMatch(
        /^cli-rsa-issuing: CRL number 2, 0 revoked certificates, this update /,
      );
      expect(parseCrl(new Uint8Array(readFileSync(file))).crlNumber).toBe(1n);
    });

    it("refuses a CA that publishes no CRL, and several CRLs into one file", async () => {
      await expect(caCrlCommand(context(true).ctx, { ca: "cli-rsa-ocsp" })).rejects.toThrow(
        expect.objectContaining({ code: "publication.crl_not_found" }),
      );
      await expect(caCrlCommand(context(true).ctx, { out: join(scratch, "one-file.crl") })).rejects.toThrow(
        expect.objectContaining({ code: "publication.out_not_directory" }),
      );
    });
  });
}
