/**
 * The agent's own confirmation window, on the agent's origin (http://127.0.0.1:PORT/dialog/<id>):
 * where the user sees which site asks for what, the key's tries left and lock state, and types
 * the PIN (and a new PIN, an SMS code). A page asks for an operation and gets back the window's
 * address; it opens it and waits for the outcome. It never sees what is typed here: the window is
 * another origin (the page cannot read it), cannot be framed (frame-ancestors 'none'), and its form
 * is accepted only from the agent's own origin with the token this window was rendered with.
 *
 * Secrets go from the form to the key through run() and are never kept or logged.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { DomainError, isDomainError } from "../domain/errors.js";
import { translate, type Locale } from "../i18n/catalogue.js";
import type { UsbKeyInfo } from "../token/port.js";

/** What the window asks for: a PIN, an SMS code, a new PIN (typed twice). */
export type Field = "pin" | "code" | "newPin";
export interface Secrets {
  pin?: string;
  code?: string;
  newPin?: string;
}
type Params = Record<string, string | number>;
export type Outcome =
  { ok: true; value: unknown } | { ok: false; status: number; code: string; params: Params };

export interface RequestInput {
  origin: string;
  role: "portal" | "platform";
  operation: string;
  fields: Field[];
  /** what the user approves, shown as they are: [catalogue code of the label, value] */
  details: [string, string][];
  run(secrets: Secrets): Promise<unknown>;
}

interface PendingRequest extends RequestInput {
  id: string;
  formToken: string;
  outcome?: Outcome;
  /** the last refusal shown in the window (a wrong PIN), for the next try */
  error?: { code: string; params: Params };
  waiters: Set<() => void>;
  timer: NodeJS.Timeout;
}

/** Errors the user can put right in the window itself: it shows them and asks again. */
const ASK_AGAIN = new Set([
  "token.pin_incorrect",
  "token.pin_incorrect_unknown",
  "token.pin_final_try",
  "token.pin_format",
  "token.pin_unchanged",
  "token.pin_is_default",
  "keys.code_wrong",
  "client.new_pin_required",
  "agent.dialog.pin_mismatch",
  "agent.dialog.field_required",
]);

/** Statuses of the outcomes a page reads (as the agent's other answers). */
const STATUS: Record<string, number> = {
  "token.pin_locked": 423,
  "agent.cancelled": 409,
  "agent.request_superseded": 409,
  "agent.request_expired": 408,
  "client.no_key_inserted": 404,
  "auth.unauthenticated": 401,
};
const REQUEST_TTL_MS = 3 * 60_000;
/** an answered request stays readable this long, for the page still waiting on it */
const KEEP_ANSWERED_MS = 60_000;

export interface DialogDeps {
  /** the agent's own origins, as the browser sends them from the window */
  ownOrigins(): string[];
  /** the inserted key's state, read when the window is drawn */
  keyState(): Promise<{ info: UsbKeyInfo; certificate: string | undefined } | undefined>;
  /** runs a key operation in the agent's one-at-a-time queue */
  serially<T>(fn: () => Promise<T>): Promise<T>;
  log(line: string): void;
}

export class ConfirmationWindows {
  readonly #requests = new Map<string, PendingRequest>();

  constructor(private readonly deps: DialogDeps) {}

  /** A new request from a site; an earlier one of the same site still open is superseded. */
  open(input: RequestInput): { request: string; dialog: string } {
    for (const r of this.#requests.values())
      if (r.origin === input.origin && !r.outcome)
        this.#finish(r, { ok: false, status: 409, code: "agent.request_superseded", params: {} });
    const id = randomBytes(16).toString("base64url");
    const request: PendingRequest = {
      ...input,
      id,
      formToken: randomBytes(24).toString("base64url"),
      waiters: new Set(),
      timer: setTimeout(
        () => this.#finish(request, { ok: false, status: 408, code: "agent.request_expired", params: {} }),
        REQUEST_TTL_MS,
      ).unref(),
    };
    this.#requests.set(id, request);
    return { request: id, dialog: `${this.deps.ownOrigins()[0]}/dialog/${id}` };
  }

  /**
   * The outcome for the site that asked, waiting for it at most waitMs: undefined while the user
   * has not answered.
   */
  async outcome(id: string, origin: string, waitMs: number): Promise<Outcome | undefined> {
    const r = this.#requests.get(id);
    if (!r || r.origin !== origin) throw new DomainError("agent.request_not_found");
    if (!r.outcome)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done() {
          clearTimeout(timer);
          r!.waiters.delete(done);
          resolve();
        }
        r.waiters.add(done);
      });
    return r.outcome;
  }

  #finish(r: PendingRequest, outcome: Outcome): void {
    if (r.outcome) return;
    r.outcome = outcome;
    clearTimeout(r.timer);
    for (const wake of [...r.waiters]) wake();
    setTimeout(() => this.#requests.delete(r.id), KEEP_ANSWERED_MS).unref();
  }

  /** GET and POST /dialog/<id>: the window, and what the user typed in it. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const r = this.#requests.get(url.pathname.slice("/dialog/".length));
    let locale: Locale = url.searchParams.get("lang") === "en" ? "en" : "zh-CN";
    if (req.method === "GET") {
      if (!r) return this.#send(res, 404, page(locale, gone(locale)));
      return this.#send(res, 200, await this.#render(r, locale));
    }
    if (req.method !== "POST") return this.#send(res, 405, "");
    // The form of this window only: the agent's own origin and this window's token.
    if (!this.deps.ownOrigins().includes(req.headers.origin ?? ""))
      return this.#send(
        res,
        403,
        page(locale, `<p role="alert">${t(locale, "agent.dialog_origin_refused")}</p>`),
      );
    const form = await readForm(req);
    if (form.get("lang") === "en") locale = "en";
    if (!r) return this.#send(res, 404, page(locale, gone(locale)));
    if (!sameToken(form.get("token") ?? "", r.formToken))
      return this.#send(
        res,
        403,
        page(locale, `<p role="alert">${t(locale, "agent.dialog_origin_refused")}</p>`),
      );
    if (r.outcome) return this.#send(res, 200, await this.#render(r, locale));
    if (form.get("action") === "cancel") {
      this.#finish(r, { ok: false, status: 409, code: "agent.cancelled", params: {} });
      return this.#send(res, 200, await this.#render(r, locale));
    }
    const secrets: Secrets = {};
    try {
      for (const field of r.fields) {
        const value = (form.get(field) ?? "").trim();
        if (!value)
          throw new DomainError("agent.dialog.field_required", { field: t(locale, fieldLabel(r, field)) });
        secrets[field] = value;
      }
      if (r.fields.includes("newPin") && (form.get("newPin2") ?? "").trim() !== secrets.newPin)
        throw new DomainError("agent.dialog.pin_mismatch");
      const value = await this.deps.serially(() => r.run(secrets));
      r.error = undefined;
      this.#finish(r, { ok: true, value });
    } catch (e) {
      if (isDomainError(e) && ASK_AGAIN.has(e.code)) r.error = { code: e.code, params: e.params as Params };
      else if (isDomainError(e))
        this.#finish(r, {
          ok: false,
          status: STATUS[e.code] ?? 422,
          code: e.code,
          params: e.params as Params,
        });
      else {
        this.deps.log(`agent: ${String(e)}`);
        this.#finish(r, { ok: false, status: 500, code: "common.internal", params: {} });
      }
    }
    return this.#send(res, 200, await this.#render(r, locale));
  }

  async #render(r: PendingRequest, locale: Locale): Promise<string> {
    const L = (code: string, params?: Params) => t(locale, code, params);
    const other = locale === "en" ? "zh-CN" : "en";
    const head = `<header><h1>${L("agent.dialog.title")}</h1><a href="/dialog/${r.id}?lang=${other === "en" ? "en" : "zh"}" lang="${other}">${other === "en" ? "English" : "中文"}</a></header>`;
    const role = L(r.role === "portal" ? "agent.dialog.role_portal" : "agent.dialog.role_platform");
    let body = `<section aria-label="${L("agent.dialog.site")}"><p class="label">${L("agent.dialog.site")}</p><p class="origin" id="origin">${esc(r.origin)}</p><p class="role">${role}</p></section>`;
    body += `<dl><dt>${L("agent.dialog.operation")}</dt><dd id="operation">${L(`agent.op.${r.operation}`, { origin: r.origin })}</dd>`;
    for (const [label, value] of r.details) body += `<dt>${L(label)}</dt><dd class="mono">${esc(value)}</dd>`;
    const state = r.outcome ? undefined : await this.deps.keyState().catch(() => undefined);
    if (state) {
      body += `<dt>${L("agent.dialog.key")}</dt><dd>${esc(state.info.label)} · ${esc(state.info.serial)}</dd>`;
      if (state.certificate)
        body += `<dt>${L("agent.dialog.certificate")}</dt><dd>${esc(state.certificate)}</dd>`;
    }
    body += `</dl>`;
    if (r.outcome) {
      const o = r.outcome;
      const ok = o.ok;
      const text = o.ok ? L("agent.dialog.done") : `${L(o.code, o.params)} ${L("agent.dialog.close")}`;
      return page(
        locale,
        `${head}<main>${body}<p role="${ok ? "status" : "alert"}" class="${ok ? "ok" : "err"}">${esc(text)}</p></main>`,
        ok,
      );
    }
    if (!state) body += `<p role="alert" class="err">${L("agent.dialog.no_key")}</p>`;
    else if (r.fields.includes("pin")) {
      const u = state.info.user;
      body += u.locked
        ? `<p role="alert" class="err" id="pin-state">${L("agent.dialog.locked")}</p>`
        : `<p id="pin-state" class="${(u.retriesLeft ?? 0) < (u.maxRetries ?? 0) ? "warn" : ""}">${
            u.retriesLeft === undefined
              ? L("agent.dialog.tries_unknown")
              : L("agent.dialog.tries", { left: u.retriesLeft, max: u.maxRetries ?? "?" })
          }${state.info.defaultPin ? ` · ${L("agent.dialog.default_pin")}` : ""}</p>`;
    }
    if (r.error) body += `<p role="alert" class="err">${esc(L(r.error.code, r.error.params))}</p>`;
    const locked = !!state?.info.user.locked && r.fields.includes("pin");
    const input = (name: string, label: string, autofocus: boolean) =>
      `<label>${L(label)}<input name="${name}" type="password" autocomplete="off" ${autofocus ? "autofocus " : ""}${locked ? "disabled " : ""}maxlength="64"></label>`;
    let form = `<form method="post" action="/dialog/${r.id}"><input type="hidden" name="token" value="${r.formToken}"><input type="hidden" name="lang" value="${locale === "en" ? "en" : "zh"}">`;
    r.fields.forEach((f, i) => {
      form += input(f, fieldLabel(r, f), i === 0);
      if (f === "newPin") form += input("newPin2", "agent.dialog.new_pin_again", false);
    });
    form += `<p class="notice">${L("agent.dialog.notice")}</p><div class="buttons"><button type="submit" name="action" value="confirm" ${locked || !state ? "disabled" : ""}>${L("agent.dialog.confirm")}</button><button type="submit" name="action" value="cancel" class="secondary" formnovalidate>${L("agent.dialog.cancel")}</button></div></form>`;
    return page(locale, `${head}<main>${body}${form}</main>`);
  }

  #send(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "same-origin",
      // No script but the window's own close; no framing; the form posts back here only.
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-" +
        CLOSE_SCRIPT_HASH +
        "'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    });
    res.end(html);
  }
}

function fieldLabel(r: { operation: string }, field: Field): string {
  if (field === "code")
    return r.operation === "activate" ? "agent.dialog.activation_code" : "agent.dialog.unlock_code";
  if (field === "newPin") return "agent.dialog.new_pin";
  return r.operation === "change-pin" ? "agent.dialog.current_pin" : "agent.dialog.pin";
}

const t = (locale: Locale, code: string, params?: Params): string => translate(code, locale, params);

const gone = (locale: Locale): string =>
  `<main><p role="alert" class="err">${t(locale, "agent.request_not_found")}</p></main>`;

function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 8 * 1024) break;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

const CLOSE_SCRIPT = "setTimeout(function(){window.close()},1500)";
const CLOSE_SCRIPT_HASH = createHash("sha256").update(CLOSE_SCRIPT).digest("base64");

function page(locale: Locale, body: string, closeSoon = false): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t(locale, "agent.dialog.title")}</title><style>
body{font-family:system-ui,"Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:0;background:#f5f6f8;color:#1f2329;font-size:14px}
header{display:flex;justify-content:space-between;align-items:center;background:#0b5cad;color:#fff;padding:10px 20px}
header h1{font-size:16px;margin:0}header a{color:#fff}
main{max-width:460px;margin:16px auto;background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.label{margin:0;color:#646a73}.origin{font:600 18px ui-monospace,monospace;margin:4px 0;overflow-wrap:anywhere}.role{margin:0 0 12px;color:#646a73}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 12px;margin:0 0 12px}dt{color:#646a73}dd{margin:0;overflow-wrap:anywhere}.mono{font-family:ui-monospace,monospace;font-size:12px}
label{display:flex;flex-direction:column;gap:4px;margin-bottom:10px}input{padding:7px 9px;border:1px solid #c9cdd4;border-radius:4px;font-size:14px}
.buttons{display:flex;gap:8px}button{padding:7px 18px;border-radius:4px;border:1px solid #0b5cad;background:#0b5cad;color:#fff;font-size:14px;cursor:pointer}button.secondary{background:#fff;color:#0b5cad}button:disabled{opacity:.5}
.notice{color:#646a73;font-size:12px}.ok{color:#1a7f37}.err{color:#c62828}.warn{color:#b26a00}
input:focus-visible,button:focus-visible,a:focus-visible{outline:2px solid #f5a623;outline-offset:2px}
</style></head><body>${body}${closeSoon ? `<script>${CLOSE_SCRIPT}</script>` : ""}</body></html>`;
}
