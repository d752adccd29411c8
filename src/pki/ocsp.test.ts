import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "./certificate.js";
import type { CertificateView } from "./certificate.js";
import type { RevocationReason } from "./crl.js";
import {
  buildOcspRequest,
  buildOcspResponse,
  certIdFor,
  certIdMatchesIssuer,
  ocspErrorResponse,
  ocspRequestFromGetPath,
  parseOcspRequest,
  parseOcspResponse,
} from "./ocsp.js";
import type { CertStatusInput } from "./ocsp.js";
import {
  ALGORITHMS,
  DISTID,
  Workdir,
  buildHierarchy,
  openssl,
  opensslAsync,
  writeHierarchy,
} from "../../test/support/pki.js";
import type { Hierarchy } from "../../test/support/pki.js";

/**
 * A responder like the one the server will run: parse, match the issuer, look up, sign. OpenSSL
 * checks thisUpdate/nextUpdate against the wall clock, so these responses use the real time.
 */
function startResponder(
  h: Hierarchy,
  statusOf: (serial: string) => CertStatusInput,
): Promise<{ server: Server; url: string }> {
  const issuer: CertificateView = parseCertificate(h.sub.cert);
  const respond = async (body: Uint8Array): Promise<Uint8Array> => {
    let request;
    try {
      request = parseOcspRequest(body);
    } catch {
      return ocspErrorResponse("malformedRequest");
    }
    if (!request.certIds.every((c) => certIdMatchesIssuer(c, issuer)))
      return ocspErrorResponse("unauthorized");
    const now = new Date();
    return buildOcspResponse({
      responderCertificate: h.responder.cert,
      signer: h.responder.signer,
      producedAt: now,
      ...(request.nonce ? { nonce: request.nonce } : {}),
      responses: request.certIds.map((certId) => ({
        certId,
        status: statusOf(certId.serialNumber),
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + 3_600_000),
      })),
    });
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body =
        req.method === "GET" ? ocspRequestFromGetPath(req.url ?? "") : new Uint8Array(Buffer.concat(chunks));
      respond(body).then(
        (der) => {
          res.writeHead(200, { "content-type": "application/ocsp-response" });
          res.end(der);
        },
        () => {
          res.writeHead(200, { "content-type": "application/ocsp-response" });
          res.end(ocspErrorResponse("internalError"));
        },
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe.each(ALGORITHMS)("OCSP with %s (RFC 6960)", (algorithm) => {
  const dir = new Workdir();
  let h: Hierarchy;
  let server: Server;
  let url: string;
  let eeSerial: string;
  const revoked = new Map<string, { revokedAt: Date; reason: RevocationReason }>();
  beforeAll(async () => {
    h = await buildHierarchy(algorithm);
    writeHierarchy(dir, h);
    eeSerial = parseCertificate(h.ee.cert).serialNumber;
    ({ server, url } = await startResponder(h, (serial) => {
      const r = revoked.get(serial);
      return r ? { status: "revoked", ...r } : { status: "good" };
    }));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    dir.remove();
  });

  // openssl ocsp wants a CertID digest option (-sha256) before -cert
  const ask = (extra: string[] = [], digest: string[] = []) =>
    opensslAsync(
      [
        "ocsp",
        "-issuer",
        "sub.pem",
        ...digest,
        "-cert",
        "ee.pem",
        "-url",
        url,
        "-CAfile",
        "root.pem",
        "-verify_other",
        "sub.pem",
        "-resp_text",
        ...extra,
      ],
      dir.path,
    );

  if (algorithm !== "sm2") {
    it("openssl ocsp reports good, then revoked with the reason, and verifies the response", async () => {
      revoked.clear();
      const good = await ask();
      expect(good.output).toContain("Response verify OK");
      expect(good.output).toMatch(/ee\.pem: good/);
      expect(good.output).not.toContain("WARNING"); // nonce echoed, times valid
      expect(good.output).toMatch(/Responder Id: [0-9A-F]{40}/); // byKey

      revoked.set(eeSerial, { revokedAt: new Date("2026-03-01T08:00:00Z"), reason: "keyCompromise" });
      const bad = await ask();
      expect(bad.output).toContain("Response verify OK");
      expect(bad.output).toMatch(
        /ee\.pem: revoked[\s\S]*Reason: keyCompromise[\s\S]*Revocation Time: Mar {2}1 08:00:00 2026 GMT/,
      );
    });

    it("matches SHA-256 CertIDs too", async () => {
      revoked.clear();
      const r = await ask([], ["-sha256"]);
      expect(r.output).toContain("Response verify OK");
      expect(r.output).toMatch(/Hash Algorithm: sha256/);
      expect(r.output).toMatch(/ee\.pem: good/);
    });
  } else {
    it("openssl ocsp reads good, then revoked with the reason; the SM2 signature is judged by pkeyutl", async () => {
      // OpenSSL 3.0 checks an OCSP response signature with an empty SM2 ID and has no option to
      // pass one, so `Response Verify Failure` is expected for a GM/T-conformant responder. The
      // statuses are read with -noverify and the signature is checked separately below.
      revoked.clear();
      const checked = await ask();
      expect(checked.output).toMatch(/Response Verify Failure/i);
      expect(checked.output).toContain("ocsp_verify:signature failure");
      const good = await ask(["-noverify", "-respout", "good.der"]);
      expect(good.output).toMatch(/ee\.pem: good/);
      expect(good.output).not.toContain("WARNING");

      revoked.set(eeSerial, { revokedAt: new Date("2026-03-01T08:00:00Z"), reason: "keyCompromise" });
      const bad = await ask(["-noverify", "-respout", "revoked.der"]);
      expect(bad.output).toMatch(
        /ee\.pem: revoked[\s\S]*Reason: keyCompromise[\s\S]*Revocation Time: Mar {2}1 08:00:00 2026 GMT/,
      );

      for (const file of ["good.der", "revoked.der"]) {
        const basic = parseOcspResponse(dir.read(file)).basic!;
        expect(basic.signatureAlgorithmName).toBe("SM3withSM2");
        expect(basic.verify(h.responder.signer.publicKeySpki)).toBe(true);
        dir.write("tbs.der", basic.tbs);
        dir.write("resp.sig", basic.signature);
        dir.writePem("responder.pub", "PUBLIC KEY", h.responder.signer.publicKeySpki);
        const v = openssl(
          [
            "pkeyutl",
            "-verify",
            "-rawin",
            "-digest",
            "sm3",
            "-pubin",
            "-inkey",
            "responder.pub",
            "-in",
            "tbs.der",
            "-sigfile",
            "resp.sig",
            "-pkeyopt",
            DISTID,
          ],
          dir.path,
        );
        expect(v.output).toContain("Signature Verified Successfully");
      }
    });
  }

  it("answers unauthorized for a certificate of another issuer", async () => {
    const r = await opensslAsync(
      ["ocsp", "-issuer", "root.pem", "-cert", "sub.pem", "-url", url, "-resp_text"],
      dir.path,
    );
    expect(r.output).toContain("Responder Error: unauthorized (6)");
  });

  it("answers malformedRequest to junk, and the response parses as such", async () => {
    const res = await fetch(url, { method: "POST", body: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]) });
    const der = new Uint8Array(await res.arrayBuffer());
    expect(parseOcspResponse(der)).toEqual({ status: "malformedRequest" });
    dir.write("malformed.der", der);
    expect(openssl(["ocsp", "-respin", "malformed.der", "-resp_text"], dir.path).output).toContain(
      "Responder Error: malformedrequest (1)",
    );
  });

  it("serves GET requests (RFC 6960 A.1) and echoes the nonce", async () => {
    revoked.clear();
    const nonce = new Uint8Array(16).fill(7);
    const request = buildOcspRequest([certIdFor(h.sub.cert, eeSerial, "sha256")], nonce);
    const res = await fetch(`${url}/${encodeURIComponent(Buffer.from(request).toString("base64"))}`);
    const view = parseOcspResponse(new Uint8Array(await res.arrayBuffer()));
    expect(view.status).toBe("successful");
    const basic = view.basic!;
    expect(basic.responses).toHaveLength(1);
    expect(basic.responses[0]!.status).toBe("good");
    expect(basic.responses[0]!.certId.serialNumber).toBe(eeSerial);
    expect(basic.nonce).toEqual(parseOcspRequest(request).nonce);
    expect(basic.verify(h.responder.signer.publicKeySpki)).toBe(true);
    expect(basic.certificates).toEqual([h.responder.cert]);
  });
});

describe("OCSP CertID", () => {
  const dir = new Workdir();
  let h: Hierarchy;
  beforeAll(async () => {
    h = await buildHierarchy("ecdsa-p256");
    writeHierarchy(dir, h);
  });
  afterAll(() => dir.remove());

  it.each(["sha1", "sha256"] as const)(
    "certIdFor(%s) gives the CertID openssl puts in its request",
    (hash) => {
      openssl(
        [
          "ocsp",
          "-issuer",
          "sub.pem",
          `-${hash}`,
          "-cert",
          "ee.pem",
          "-no_nonce",
          "-reqout",
          `req-${hash}.der`,
        ],
        dir.path,
      );
      const fromOpenssl = parseOcspRequest(dir.read(`req-${hash}.der`)).certIds[0]!;
      const ours = certIdFor(h.sub.cert, parseCertificate(h.ee.cert).serialNumber, hash);
      expect(ours.der).toEqual(fromOpenssl.der);
      expect(certIdMatchesIssuer(fromOpenssl, parseCertificate(h.sub.cert))).toBe(true);
      expect(certIdMatchesIssuer(fromOpenssl, parseCertificate(h.root.cert))).toBe(false);
    },
  );

  it("reads the nonce openssl sends and knows the request is unsigned", () => {
    openssl(["ocsp", "-issuer", "sub.pem", "-cert", "ee.pem", "-reqout", "req-nonce.der"], dir.path);
    const request = parseOcspRequest(dir.read("req-nonce.der"));
    expect(request.nonce?.length).toBeGreaterThan(2);
    expect(request.signed).toBe(false);
  });

  it("decodes GET paths in plain and URL-safe base64", () => {
    const request = buildOcspRequest([certIdFor(h.sub.cert, "0123456789abcdef")]);
    const b64 = Buffer.from(request).toString("base64");
    expect(ocspRequestFromGetPath(encodeURIComponent(b64))).toEqual(request);
    expect(ocspRequestFromGetPath("/" + Buffer.from(request).toString("base64url"))).toEqual(request);
    expect(() => ocspRequestFromGetPath("%%%")).toThrow(
      expect.objectContaining({ code: "pki.ocsp_request_malformed" }),
    );
  });

  it("writes unknown, and revoked without a reason when the reason is unspecified", async () => {
    const sub = parseCertificate(h.sub.cert);
    const now = new Date("2026-01-02T00:00:00Z");
    const der = await buildOcspResponse({
      responderCertificate: h.responder.cert,
      signer: h.responder.signer,
      producedAt: now,
      responses: [
        { certId: certIdFor(sub, "0a"), status: { status: "unknown" }, thisUpdate: now },
        {
          certId: certIdFor(sub, "0b"),
          status: { status: "revoked", revokedAt: now, reason: "unspecified" },
          thisUpdate: now,
        },
      ],
    });
    dir.write("statuses.der", der);
    const text = openssl(["ocsp", "-respin", "statuses.der", "-resp_text", "-noverify"], dir.path).output;
    expect(text).toMatch(/Serial Number: 0A\s+Cert Status: unknown/);
    expect(text).toMatch(
      /Serial Number: 0B\s+Cert Status: revoked\s+Revocation Time: Jan {2}2 00:00:00 2026 GMT\s+This Update/,
    );
    const responses = parseOcspResponse(der).basic!.responses;
    expect(responses.map((r) => r.status)).toEqual(["unknown", "revoked"]);
    expect(responses[1]!.reason).toBeUndefined();
  });

  it("rejects requests that are not OCSP requests with a code", () => {
    expect(() => parseOcspRequest(h.ee.cert)).toThrow(
      expect.objectContaining({ code: "pki.ocsp_request_malformed" }),
    );
  });
});
