/**
 * A small procurement platform, as a relying platform of certdesk would be: suppliers sign in with
 * a password or with their USB key, bind the key's certificate to their account, and stamp their
 * bids with the electronic seal on the key. It uses only certdesk's SDK (src/sdk) and the
 * security client's local agent; nothing here reads certdesk's database.
 *
 * - Web (HTTP): the pages and their JSON API. Key login is challenge-response: the platform asks
 *   certdesk for a login challenge, the page has the local agent sign it with the key, and
 *   certdesk says which account the certificate is bound to (mode "desk"); or the platform checks
 *   the signature, the chain and OCSP itself with the SDK (mode "local").
 * - Mutual TLS (HTTPS): the certificate as a TLS client certificate, checked against the issuing
 *   CAs and over OCSP, for scripts and `curl --cert`.
 * - Webhooks: certdesk tells the platform of bindings made and ended and of revocations; the
 *   platform keeps its own record of which certificate each account holds.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import fontkit from "@pdf-lib/fontkit";
import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, SubjectAlternativeName } from "@peculiar/asn1-x509";
import { PDFDocument, rgb } from "pdf-lib";
import { cjkFontBytes } from "../../src/documents/font.js";
import { buildCertificate } from "../../src/pki/certificate.js";
import { OID } from "../../src/pki/oids.js";
import { pemEncode } from "../../src/pki/pem.js";
import { randomSerial } from "../../src/pki/serial.js";
import { generateSoftwareKey } from "../../src/pki/signer.js";
import { verifyPdf } from "../../src/seal/pdf-verify.js";
import { hashPassword, verifyPassword } from "../../src/people/passwords.js";
import {
  CertdeskApiError,
  CertdeskPlatformClient,
  ChallengeBook,
  LocalLoginVerifier,
  LoginRefused,
  verifyWebhook,
  type PlatformEventBody,
} from "../../src/sdk/index.js";
import { pageHtml } from "./page.js";

export interface PlatformOptions {
  /** certdesk's base URL */
  certdeskUrl: string;
  /** the platform's credential, from `certdesk platform add` or the back office */
  keyId: string;
  secret: string;
  /** where accounts, bindings and bids are kept */
  dataDir: string;
  /** "desk": certdesk checks key logins; "local": the SDK checks them here, OCSP included */
  loginMode?: "desk" | "local";
  /** the origin browsers see the platform at (behind a proxy); default its own http://host:port */
  publicOrigin?: string;
  /** the issuing CAs' and their roots' ids at certdesk (read from /ca/<id>.crt) */
  caIds?: string[];
  host?: string;
  port?: number;
  tlsPort?: number;
  /** how long a good OCSP answer is trusted (seconds) */
  ocspMaxAgeSeconds?: number;
  log?: (line: string) => void;
  /** the clock requests and OCSP answers are judged by (tests run certdesk on a fixed clock) */
  now?: () => Date;
}

export interface RunningPlatform {
  url: string;
  tlsUrl: string;
  /** the TLS server's certificate (PEM), to trust in `curl --cacert` */
  tlsCertificatePem: string;
  state(): PlatformState;
  close(): Promise<void>;
}

interface Account {
  name: string;
  organisation: string;
  uscc: string;
  passwordHash: string;
}

interface Bid {
  id: string;
  account: string;
  tender: string;
  signedAt: string;
  certificateSerial: string;
  seal: string;
  valid: boolean;
}

export interface PlatformState {
  accounts: Account[];
  /** account → the serial of the certificate certdesk says it is bound to */
  bindings: Record<string, string>;
  /** account → the sequence of the last binding event applied to it */
  bindingSequence: Record<string, number>;
  bids: Bid[];
  /** webhook events received, newest last (ids, so a redelivery is not applied twice) */
  events: { id: string; type: string; receivedAt: string; account?: string; serial?: string }[];
}

/** TLS needs the chain up to a root; the SDK needs the issuing CAs. */
const DEMO_CA_IDS = ["sm2", "rsa", "ecdsa-p256"].flatMap((a) => [`demo-${a}-issuing`, `demo-${a}-root`]);
const TENDER = "ZB-2026-118 办公设备采购（第二包）";

/** The demo's one supplier: the organisation certdesk's demo data calls applicant A. */
async function seedState(): Promise<PlatformState> {
  return {
    accounts: [
      {
        name: "supplier-001",
        organisation: "上海示例供应链管理有限公司",
        uscc: "91310115591693856A",
        passwordHash: await hashPassword("bid-demo-1"),
      },
    ],
    bindings: {},
    bindingSequence: {},
    bids: [],
    events: [],
  };
}

/** A self-signed certificate for the TLS port (a real platform has one from a public CA). */
async function tlsServerCertificate(): Promise<{ key: string; cert: string }> {
  const { privateKey, signer } = generateSoftwareKey("ecdsa-p256");
  const names = new SubjectAlternativeName([
    new GeneralName({ dNSName: "localhost" }),
    new GeneralName({ iPAddress: "127.0.0.1" }),
  ]);
  const der = await buildCertificate({
    serialNumber: randomSerial(),
    subject: { CN: "procurement platform demo" },
    subjectPublicKey: signer.publicKeySpki,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    extensions: {
      basicConstraints: { ca: false },
      keyUsage: ["digitalSignature"],
      extendedKeyUsage: [OID.kpServerAuth],
      extra: [
        { oid: OID.subjectAltName, critical: false, value: new Uint8Array(AsnConvert.serialize(names)) },
      ],
    },
    issuer: { selfSigned: true },
    signer,
  });
  return {
    key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    cert: pemEncode("CERTIFICATE", der),
  };
}

export async function startProcurementPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const log = options.log ?? (() => {});
  mkdirSync(options.dataDir, { recursive: true });
  const stateFile = join(options.dataDir, "platform.json");
  let state: PlatformState;
  try {
    state = JSON.parse(readFileSync(stateFile, "utf8")) as PlatformState;
  } catch {
    state = await seedState();
  }
  const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));
  save();

  /**
   * This platform's own web origin, where its page asks the security client for signatures: key
   * logins and bindings are checked as bound to it (known once the web server listens).
   */
  let siteOrigin = options.publicOrigin ?? "";
  const certdesk = new CertdeskPlatformClient({
    get origin() {
      return siteOrigin;
    },
    baseUrl: options.certdeskUrl,
    keyId: options.keyId,
    secret: options.secret,
    ...(options.now ? { now: options.now } : {}),
  });
  const caDers: Uint8Array[] = [];
  for (const id of options.caIds ?? DEMO_CA_IDS) {
    const res = await fetch(new URL(`/ca/${id}.crt`, options.certdeskUrl));
    if (res.ok) caDers.push(new Uint8Array(await res.arrayBuffer()));
  }
  if (caDers.length === 0) throw new Error(`no CA certificate could be read from ${options.certdeskUrl}/ca/`);
  const verifier = new LocalLoginVerifier({
    get origin() {
      return siteOrigin;
    },
    trustedCas: caDers,
    ocspUrl: new URL("/ocsp", options.certdeskUrl).toString(),
    maxOcspAgeSeconds: options.ocspMaxAgeSeconds ?? 60,
    ...(options.now ? { now: options.now } : {}),
  });
  const localChallenges = new ChallengeBook();
  const loginMode = options.loginMode ?? "desk";

  // ---- sessions -------------------------------------------------------------------------------

  const sessions = new Map<string, { account: string; method: "password" | "key"; serial?: string }>();
  const sessionOf = (req: IncomingMessage) => {
    const cookie = /(?:^|;\s*)pp_session=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1];
    return cookie ? sessions.get(cookie) : undefined;
  };
  const startSession = (
    res: ServerResponse,
    account: string,
    method: "password" | "key",
    serial?: string,
  ) => {
    const id = randomBytes(24).toString("base64url");
    sessions.set(id, { account, method, ...(serial ? { serial } : {}) });
    res.setHeader("set-cookie", `pp_session=${id}; Path=/; HttpOnly; SameSite=Lax`);
  };

  const accountView = (name: string) => {
    const a = state.accounts.find((x) => x.name === name)!;
    return {
      account: a.name,
      organisation: a.organisation,
      uscc: a.uscc,
      boundSerial: state.bindings[a.name] ?? null,
      bids: state.bids.filter((b) => b.account === a.name),
    };
  };

  // ---- webhooks -------------------------------------------------------------------------------

  const applyEvent = (event: PlatformEventBody) => {
    if (state.events.some((e) => e.id === event.id)) return; // at least once: a redelivery
    const data = event.data as { account?: string; certificate?: { serial: string } };
    const serial = data.certificate?.serial;
    // Retried deliveries can arrive out of order: an account's older event never undoes a newer one.
    const account = data.account;
    if (account && (event.type === "binding.bound" || event.type === "binding.unbound")) {
      if ((state.bindingSequence[account] ?? 0) < event.sequence) {
        state.bindingSequence[account] = event.sequence;
        if (event.type === "binding.bound" && serial) state.bindings[account] = serial;
        else if (state.bindings[account] === serial) delete state.bindings[account];
      }
    }
    state.events.push({
      id: event.id,
      type: event.type,
      receivedAt: new Date().toISOString(),
      ...(data.account ? { account: data.account } : {}),
      ...(serial ? { serial } : {}),
    });
    save();
  };

  // ---- the web API ----------------------------------------------------------------------------

  type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<unknown>;
  const json = (body: Buffer): Record<string, unknown> =>
    body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
  const requireSession = (req: IncomingMessage) => {
    const s = sessionOf(req);
    if (!s) throw new HttpError(401, "请先登录 / Please sign in");
    return s;
  };
  const signedInput = (b: Record<string, unknown>) => ({
    challenge: String(b.challenge ?? ""),
    certificate: String(b.certificate ?? ""),
    signature: String(b.signature ?? ""),
  });

  const routes: Record<string, Handler> = {
    "GET /api/me": async (req) => {
      const s = requireSession(req);
      return { ...accountView(s.account), method: s.method, loginMode };
    },
    "POST /api/login/password": async (req, body, res) => {
      const b = json(body);
      const a = state.accounts.find((x) => x.name === b.account);
      if (!a || !(await verifyPassword(String(b.password ?? ""), a.passwordHash)))
        throw new HttpError(401, "账号或密码错误 / Wrong account or password");
      startSession(res, a.name, "password");
      return accountView(a.name);
    },
    "POST /api/logout": async (req, _body, res) => {
      const cookie = /(?:^|;\s*)pp_session=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1];
      if (cookie) sessions.delete(cookie);
      res.setHeader("set-cookie", "pp_session=; Path=/; Max-Age=0");
      return { ok: true };
    },
    "POST /api/challenge": async (req, body) => {
      const purpose = json(body).purpose === "bind" ? "bind" : "login";
      if (purpose === "bind") requireSession(req);
      if (purpose === "login" && loginMode === "local") return { challenge: localChallenges.issue() };
      return certdesk.challenge(purpose);
    },
    "POST /api/bind": async (req, body) => {
      const s = requireSession(req);
      const binding = await certdesk.bind({ account: s.account, ...signedInput(json(body)) });
      state.bindings[s.account] = binding.certificate.serial;
      save();
      return accountView(s.account);
    },
    "POST /api/login/key": async (req, body, res) => {
      const input = signedInput(json(body));
      let account: string;
      let serial: string;
      if (loginMode === "local") {
        if (!localChallenges.use(input.challenge)) throw new LoginRefused("challenge_unknown");
        const checked = await verifier.verify(input);
        serial = checked.serial;
        const bound = Object.entries(state.bindings).find(([, s]) => s === serial);
        if (!bound)
          throw new HttpError(403, "该证书未绑定本平台账号 / The certificate is not bound to an account");
        account = bound[0];
      } else {
        const answer = await certdesk.login(input);
        account = answer.account;
        serial = answer.certificate.serial;
      }
      if (!state.accounts.some((a) => a.name === account))
        throw new HttpError(403, `账号 ${account} 不在本平台 / No account ${account} here`);
      startSession(res, account, "key", serial);
      return accountView(account);
    },
    "GET /api/bid.pdf": async (req, _body, res) => {
      const s = requireSession(req);
      const pdf = await bidDocument(accountView(s.account));
      res.writeHead(200, { "content-type": "application/pdf" });
      res.end(pdf);
      return undefined;
    },
    "POST /api/bids": async (req, body) => {
      const s = requireSession(req);
      const pdf = new Uint8Array(Buffer.from(String(json(body).pdf ?? ""), "base64"));
      const verdict = await verifyPdf(pdf, { intermediates: caDers });
      const sig = verdict.signatures[0];
      const serial = sig?.signer?.serialNumber;
      // The bid must be stamped with the certificate bound to the account that submits it.
      if (!verdict.valid || !sig?.seal)
        throw new HttpError(422, "签章无效 / The signature or seal does not verify");
      if (!serial || serial !== state.bindings[s.account])
        throw new HttpError(403, "签章证书不是本账号绑定的证书 / Not the account's bound certificate");
      const id = createHash("sha256").update(pdf).digest("hex").slice(0, 16);
      writeFileSync(join(options.dataDir, `bid-${id}.pdf`), pdf);
      const bid: Bid = {
        id,
        account: s.account,
        tender: TENDER,
        signedAt: (sig.signingTime ?? new Date()).toISOString(),
        certificateSerial: serial,
        seal: sig.seal.seal?.name ?? "",
        valid: true,
      };
      state.bids.push(bid);
      save();
      return bid;
    },
    "POST /webhooks": async (req, body) => {
      const raw = body.toString("utf8");
      const check = verifyWebhook({
        body: raw,
        header: req.headers["certdesk-signature"] as string | undefined,
        secrets: { [options.keyId]: options.secret },
      });
      if (!check.ok) throw new HttpError(401, `webhook refused: ${check.reason}`);
      applyEvent(JSON.parse(raw) as PlatformEventBody);
      return { ok: true };
    },
  };

  const web: Server = createHttpServer((req, res) => void handle(req, res));
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://platform").pathname;
    try {
      if (req.method === "GET" && (path === "/" || path === "/index.html")) {
        res.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          "content-security-policy":
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' http://127.0.0.1:*",
        });
        res.end(pageHtml({ tender: TENDER, loginMode, certdeskUrl: options.certdeskUrl }));
        return;
      }
      const bid = /^\/bids\/([0-9a-f]{16})\.pdf$/.exec(path);
      if (req.method === "GET" && bid) {
        const s = requireSession(req);
        if (!state.bids.some((b) => b.id === bid[1] && b.account === s.account))
          throw new HttpError(404, "not found");
        res.writeHead(200, { "content-type": "application/pdf" });
        res.end(readFileSync(join(options.dataDir, `bid-${bid[1]}.pdf`)));
        return;
      }
      const route = routes[`${req.method} ${path}`];
      if (!route) throw new HttpError(404, "not found");
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const answer = await route(req, Buffer.concat(chunks), res);
      if (answer === undefined) return;
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(answer));
    } catch (e) {
      const [status, message, code] =
        e instanceof HttpError
          ? [e.status, e.message, "platform"]
          : e instanceof CertdeskApiError
            ? [e.status === 401 ? 502 : e.status, e.message, e.code]
            : e instanceof LoginRefused
              ? [403, `证书登录被拒绝 / Certificate login refused: ${e.reason}`, e.reason]
              : [500, String(e), "internal"];
      if (status >= 500) log(`error: ${String(e)}`);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ code, message }));
    }
  };

  // ---- mutual TLS -----------------------------------------------------------------------------

  const tlsIdentity = await tlsServerCertificate();
  const tls: HttpsServer = createHttpsServer(
    {
      key: tlsIdentity.key,
      cert: tlsIdentity.cert,
      requestCert: true,
      // Handshakes without a certificate get a clear answer below rather than a TLS alert.
      rejectUnauthorized: false,
      ca: caDers.map((d) => pemEncode("CERTIFICATE", d)),
    },
    (req, res) => void handleTls(req, res),
  );
  const handleTls = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate(false);
    const send = (status: number, text: string) => {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(`${text}\n`);
    };
    if (!peer || !peer.raw) return send(401, "需要客户端证书 / A client certificate is required");
    // The handshake let it through (rejectUnauthorized false) so that the answer can say why.
    if (!socket.authorized) {
      const issuer = Object.entries(peer.issuer ?? {})
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(", ");
      return send(
        403,
        `证书不是本平台信任的 CA 签发的（签发者 ${issuer}）/ Certificate not issued by a CA this platform trusts: issuer ${issuer} (${String(socket.authorizationError)})`,
      );
    }
    try {
      const status = await verifier.status(new Uint8Array(peer.raw));
      const account = Object.entries(state.bindings).find(([, s]) => s === status.serial)?.[0];
      if (!account)
        return send(
          403,
          `证书 ${status.serial} 未绑定账号 / Certificate ${status.serial} is not bound to an account`,
        );
      send(200, `欢迎 ${account}（证书 ${status.serial}，OCSP ${status.ocsp.status}）/ Welcome ${account}`);
    } catch (e) {
      if (e instanceof LoginRefused)
        return send(403, `证书登录被拒绝 / Certificate login refused: ${e.reason}`);
      send(500, String(e));
    }
  };

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((r) => web.listen(options.port ?? 18080, host, r));
  await new Promise<void>((r) => tls.listen(options.tlsPort ?? 18443, host, r));
  const url = `http://${host}:${(web.address() as AddressInfo).port}`;
  siteOrigin ||= url;
  const tlsUrl = `https://${host}:${(tls.address() as AddressInfo).port}`;
  log(
    `procurement platform: ${url} (key login checked by ${loginMode === "desk" ? "certdesk" : "this platform"})`,
  );
  log(`mutual TLS: ${tlsUrl}`);
  return {
    url,
    tlsUrl,
    tlsCertificatePem: tlsIdentity.cert,
    state: () => structuredClone(state),
    close: async () => {
      web.closeAllConnections();
      tls.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => web.close(() => r())),
        new Promise<void>((r) => tls.close(() => r())),
      ]);
    },
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The bid the supplier stamps: one page, in Chinese, with room for the seal. */
async function bidDocument(a: { account: string; organisation: string; uscc: string }): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(await cjkFontBytes(), { subset: true });
  const page = doc.addPage([595, 842]);
  const line = (text: string, y: number, size = 12) =>
    page.drawText(text, { x: 60, y, size, font, color: rgb(0.1, 0.1, 0.1) });
  line("投 标 函", 760, 22);
  line(`招标项目：${TENDER}`, 700);
  line(`投标人：${a.organisation}`, 676);
  line(`统一社会信用代码：${a.uscc}`, 652);
  line(`平台账号：${a.account}`, 628);
  line("投标总价：人民币 壹佰贰拾捌万元整（¥1,280,000.00）", 596);
  line("我方承诺按招标文件要求提供货物及服务，投标有效期 90 日。", 572);
  line("投标人（电子签章）：", 200);
  return doc.save();
}
