/**
 * The security client's view of the desk's HTTP API, with the user's session (a bearer token).
 * A problem+json answer becomes a DomainError with the server's code and parameters, so that the
 * client words it from its own catalogue in the user's language, like any local error.
 */
import { DomainError } from "../domain/errors.js";
import type { Locale } from "../i18n/catalogue.js";
import type { OrderView } from "../orders/orders.js";
import type { KeyView } from "../keys/keys.js";

export type Fetch = typeof fetch;

export interface DeskOptions {
  server: string;
  token?: string | undefined;
  locale: Locale;
  fetch?: Fetch | undefined;
  /** per request; the desk answers in well under a second */
  timeoutMs?: number;
}

export interface ActorView {
  kind: string;
  name: string;
  organisationId?: string;
}

export class DeskClient {
  private readonly fetch: Fetch;

  constructor(readonly options: DeskOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  withToken(token: string): DeskClient {
    return new DeskClient({ ...this.options, token });
  }

  async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const url = new URL(
      path,
      this.options.server.endsWith("/") ? this.options.server : `${this.options.server}/`,
    );
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers: {
          accept: "application/json",
          "accept-language": this.options.locale,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw new DomainError("client.server_unreachable", { server: this.options.server, detail: String(e) });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const problem = json as { code?: unknown; params?: unknown } | undefined;
      if (problem && typeof problem.code === "string") {
        const params = (problem.params && typeof problem.params === "object" ? problem.params : {}) as Record<
          string,
          string | number
        >;
        throw new DomainError(problem.code, params, `server: ${problem.code}`);
      }
      throw new DomainError("client.server_error", { status: res.status, server: this.options.server });
    }
    return json as T;
  }

  login(login: string, password: string) {
    return this.request<{ token: string; expiresAt: string; actor: ActorView }>("POST", "api/auth/login", {
      login,
      password,
    });
  }

  keyChallenge() {
    return this.request<{ challenge: string; expiresAt: string; origin: string }>(
      "POST",
      "api/auth/key/challenge",
      {},
    );
  }

  keyLogin(input: { challenge: string; certificate: string; signature: string; counter?: number }) {
    return this.request<{ token: string; expiresAt: string; actor: ActorView }>(
      "POST",
      "api/auth/key/login",
      input,
    );
  }

  me() {
    return this.request<ActorView>("GET", "api/me");
  }

  key(serial: string) {
    return this.request<KeyView>("GET", `api/keys/${encodeURIComponent(serial)}`);
  }

  order(id: string) {
    return this.request<OrderView>("GET", `api/orders/${id}`);
  }

  activate(serial: string, input: { code: string; signature: string }) {
    return this.request<KeyView>("POST", `api/keys/${encodeURIComponent(serial)}/activate`, input);
  }

  unlockOrder(serial: string, reason?: string) {
    return this.request<OrderView>(
      "POST",
      `api/keys/${encodeURIComponent(serial)}/unlock-order`,
      reason ? { reason } : {},
    );
  }

  unlockCode(serial: string, orderId: string) {
    return this.request<{ expiresAt: string }>("POST", `api/keys/${encodeURIComponent(serial)}/unlock-code`, {
      orderId,
    });
  }

  unblock(serial: string, input: { orderId: string; code: string; challenge: string }) {
    return this.request<{ response: string }>(
      "POST",
      `api/keys/${encodeURIComponent(serial)}/unblock`,
      input,
    );
  }

  formatOrder(serial: string) {
    return this.request<OrderView>("POST", `api/keys/${encodeURIComponent(serial)}/format-order`, {});
  }

  format(serial: string, input: { orderId: string; challenge: string }) {
    return this.request<{ response: string; userPin: string; defaultPin: boolean }>(
      "POST",
      `api/keys/${encodeURIComponent(serial)}/format`,
      input,
    );
  }

  requestRenewal(serial: string, input: { csr: string; keyPairId: string; years?: number | undefined }) {
    return this.request<{ order: OrderView; keyPairId: string }>(
      "POST",
      `api/keys/${encodeURIComponent(serial)}/renewals`,
      input,
    );
  }

  renewalCertificate(serial: string, orderId: string) {
    return this.request<{ certificateId: string; certificate: string; keyPairId: string }>(
      "POST",
      `api/keys/${encodeURIComponent(serial)}/renewals/${orderId}/certificate`,
      {},
    );
  }

  renewalInstalled(serial: string, orderId: string, signature: string) {
    return this.request<KeyView>(
      "POST",
      `api/keys/${encodeURIComponent(serial)}/renewals/${orderId}/installed`,
      {
        signature,
      },
    );
  }

  pay(orderId: string) {
    return this.request<{ payUrl: string; tradeNo: string }>("POST", `api/orders/${orderId}/pay`, {});
  }

  seal(serial: string) {
    return this.request<{ orderId: string; sealName: string; seal: string }>(
      "POST",
      `api/keys/${encodeURIComponent(serial)}/seal`,
      {},
    );
  }

  sealInstalled(serial: string, orderId: string) {
    return this.request<{ ok: true }>("POST", `api/keys/${encodeURIComponent(serial)}/seal/installed`, {
      orderId,
    });
  }
}
