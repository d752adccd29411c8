/**
 * The security client's local agent (docs/agent.md), as the portal page talks to it: on
 * 127.0.0.1 at a port the user may change, paired once with the code the agent's terminal shows
 * for this site, the secret kept in this browser. Errors come back as {code, message, params}, the
 * message in the language asked for with Accept-Language; they become AgentError.
 *
 * This page never handles a PIN, a new PIN or an SMS code: an operation needing one answers with
 * the address of the agent's own window, which this client opens; the user types them there and
 * the page waits for the outcome.
 */
import { currentLocale } from "../i18n";

export const AGENT_DEFAULT_PORT = 17380;
const PORT_KEY = "certdesk.agent.port";
const SECRET_KEY = "certdesk.agent.secret";
const SESSION_KEY = "certdesk.session";

export class AgentError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** the agent's own words, in the language asked for; absent when no agent answered */
    readonly text: string | undefined,
    readonly params: Record<string, unknown> = {},
  ) {
    super(`${status} ${code}`);
    this.name = "AgentError";
  }
}

export function isAgentError(e: unknown): e is AgentError {
  return e instanceof AgentError;
}

export interface AgentStatus {
  agent: string;
  version: string;
  portal: string;
  paired: boolean;
}

export interface PinState {
  retriesLeft: number;
  maxRetries: number;
  locked: boolean;
}

export interface KeyCertificate {
  id: string;
  serial: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  keyAlgorithm: string;
}

/** What the desk knows of the key (with the portal user's session). */
export interface DeskKeyView {
  serial: string;
  programmeId: string;
  orderNumber: string;
  activated: boolean;
  activatedAt: string | null;
  certificate: { serial: string; status: string; notAfter: string } | null;
  renewal: { offered: boolean; windowOpens: string | null; open: boolean };
  openOrders: { id: string; number: string; service: string; state: string; pendingStep: string | null }[];
}

export interface KeyDescription {
  info: {
    kind: string;
    serial: string;
    label: string;
    initialised: boolean;
    user: PinState;
    so: PinState;
    defaultPin: boolean;
    unblock: "challenge-response" | "service-centre";
  };
  certificates: KeyCertificate[];
  seal: { name: string; esId: string } | null;
  desk?: DeskKeyView;
}

export interface UnlockStage {
  stage: "under_review" | "awaiting_payment" | "code_sent" | "unlocked";
  order?: { id: string; number: string } | null;
  payUrl?: string;
}

export interface RenewStage {
  stage: "awaiting_payment" | "renewed" | string;
  order?: { id: string; number: string } | null;
  payUrl?: string;
  replaced?: string;
}

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage refused (private mode): the pairing lasts as long as the page.
  }
}

export function savedPort(): number {
  const n = Number(read(PORT_KEY));
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : AGENT_DEFAULT_PORT;
}

export function savePort(port: number): void {
  write(PORT_KEY, port === AGENT_DEFAULT_PORT ? null : String(port));
}

/** The pairing secret, per agent port (two agents on one computer each have their own). */
export function savedSecret(port: number): string | null {
  return read(`${SECRET_KEY}.${port}`);
}

export function saveSecret(port: number, secret: string | null): void {
  write(`${SECRET_KEY}.${port}`, secret);
}

/**
 * The portal user's desk session for the agent (X-Certdesk-Session): the token the sign-in answered
 * with, kept for this tab only (sessionStorage) and dropped at sign-out.
 */
export function deskSession(): string | null {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}

export function saveDeskSession(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(SESSION_KEY);
    else sessionStorage.setItem(SESSION_KEY, token);
  } catch {
    // Not kept: the USB key page asks for the password again.
  }
}

export interface AgentClient {
  status(signal?: AbortSignal): Promise<AgentStatus>;
  pair(code: string): Promise<{ secret: string }>;
  key(signal?: AbortSignal): Promise<KeyDescription>;
  /** the current and new PIN are typed in the agent's window */
  changePin(): Promise<{ serial: string; defaultPin: boolean }>;
  /** the activation code and the PIN are typed in the agent's window */
  activate(): Promise<DeskKeyView>;
  /** places the unlock order or has the code sent: no secret */
  unlock(body: { reason?: string }): Promise<UnlockStage>;
  /** the SMS code and the new PIN are typed in the agent's window */
  unlockWithCode(): Promise<UnlockStage>;
  renew(body: { years?: number }): Promise<RenewStage>;
  installSeal(): Promise<{ orderId: string; name: string; esId: string }>;
}

/** The agent's answer to an operation it confirms in its own window. */
interface Pending {
  request: string;
  dialog: string;
}

export function agentClient(port: number, secret: string | null): AgentClient {
  const base = `http://127.0.0.1:${port}`;
  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal) => {
    const headers: Record<string, string> = {
      accept: "application/json",
      "accept-language": currentLocale(),
    };
    if (secret) headers.authorization = `Bearer ${secret}`;
    const session = deskSession();
    if (session && path !== "/v1/status" && path !== "/v1/pair") headers["x-certdesk-session"] = session;
    if (method === "POST") headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: method === "POST" ? JSON.stringify(body ?? {}) : null,
        mode: "cors",
        credentials: "omit",
        cache: "no-store",
        signal: signal ?? null,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") throw e;
      throw new AgentError(0, "agent.unreachable", undefined);
    }
    if (res.status === 202) return confirmed<T>((await res.json()) as Pending);
    if (res.ok) return (await res.json()) as T;
    let problem: { code?: unknown; message?: unknown; params?: Record<string, unknown> } = {};
    try {
      problem = (await res.json()) as typeof problem;
    } catch {
      // Not the agent's JSON: the status says enough.
    }
    throw new AgentError(
      res.status,
      typeof problem.code === "string" ? problem.code : `http.${res.status}`,
      typeof problem.message === "string" ? problem.message : undefined,
      problem.params ?? {},
    );
  };
  /** Opens the agent's window and waits for what the user did there. */
  const confirmed = async <T>(pending: Pending): Promise<T> => {
    const url = `${pending.dialog}?lang=${currentLocale() === "en" ? "en" : "zh"}`;
    const opened = window.open(url, "_blank", "popup,width=520,height=720");
    if (!opened) throw new AgentError(0, "agent.popup_blocked", undefined, { url });
    for (;;) {
      const answer = await call<T | { state: "pending" }>("GET", `/v1/requests/${pending.request}`);
      if (!(answer && typeof answer === "object" && "state" in answer && answer.state === "pending"))
        return answer as T;
    }
  };
  return {
    status: (signal) => call("GET", "/v1/status", undefined, signal),
    pair: (code) => call("POST", "/v1/pair", { code }),
    key: (signal) => call("GET", "/v1/key", undefined, signal),
    changePin: () => call("POST", "/v1/change-pin", {}),
    activate: () => call("POST", "/v1/activate", {}),
    unlock: (body) => call("POST", "/v1/unlock", body),
    unlockWithCode: () => call("POST", "/v1/unlock-code", {}),
    renew: (body) => call("POST", "/v1/renew", body),
    installSeal: () => call("POST", "/v1/install-seal", {}),
  };
}
