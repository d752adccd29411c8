/**
 * A platform's client for certdesk's platform API: each request signed with the platform's
 * credential (signing.ts). Errors come back as CertdeskApiError with the desk's stable code and
 * its message in the language asked for.
 */
import { authorizationHeader } from "./signing.js";
// What the API answers, as the desk defines it (types only: nothing of the desk runs here).
import type { BindingView as BindingInfo, LoginVerdict as LoginAnswer } from "../platforms/bindings.js";
import type { SignedChallenge } from "../platforms/challenges.js";
export type { BindingInfo, LoginAnswer, SignedChallenge };

export class CertdeskApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class CertdeskPlatformClient {
  constructor(
    private readonly options: {
      /** certdesk's base URL, e.g. https://desk.example.com */
      baseUrl: string;
      /**
       * The platform's own web origin (https://bid.example.com), where its pages ask the security
       * client for signatures: logins and bindings are checked as bound to it.
       */
      origin: string;
      keyId: string;
      secret: string;
      locale?: "zh-CN" | "en";
      fetch?: typeof fetch;
      /** the clock requests are signed with (tests); the desk allows five minutes of skew */
      now?: () => Date;
    },
  ) {}

  challenge(purpose: "bind" | "login"): Promise<{ challenge: string; expiresAt: string }> {
    return this.#call("POST", "/challenges", { purpose });
  }

  bind(input: Omit<SignedChallenge, "origin"> & { account: string }): Promise<BindingInfo> {
    return this.#call("POST", "/bindings", { ...input, origin: this.#origin });
  }

  bindings(
    account: string,
  ): Promise<{ account: string; current: BindingInfo | null; history: BindingInfo[] }> {
    return this.#call("GET", `/bindings/${encodeURIComponent(account)}`);
  }

  unbind(account: string, reason: string): Promise<BindingInfo> {
    return this.#call("POST", `/bindings/${encodeURIComponent(account)}/unbind`, { reason });
  }

  /** Asks the desk: which account is this signed login challenge for? */
  login(input: Omit<SignedChallenge, "origin">): Promise<LoginAnswer> {
    return this.#call("POST", "/logins", { ...input, origin: this.#origin });
  }

  /** The signatures' origin: always this platform's own, never one a request carries. */
  get #origin(): string {
    return new URL(this.options.origin).origin;
  }

  async #call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const url = new URL(`/api/platform/v1${path}`, this.options.baseUrl);
    const text = body === undefined ? "" : JSON.stringify(body);
    const headers: Record<string, string> = {
      authorization: authorizationHeader(
        this.options,
        { method, path: url.pathname + url.search, body: text },
        this.options.now?.() ?? new Date(),
      ),
      "accept-language": this.options.locale ?? "zh-CN",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await (this.options.fetch ?? fetch)(url, {
      method,
      headers,
      ...(body !== undefined ? { body: text } : {}),
    });
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok)
      throw new CertdeskApiError(
        res.status,
        typeof answer.code === "string" ? answer.code : "http_error",
        typeof answer.detail === "string" ? answer.detail : `HTTP ${res.status}`,
      );
    return answer as T;
  }
}
