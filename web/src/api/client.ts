/**
 * The API client: fetch with the session cookie, the UI language as Accept-Language, JSON in and
 * out. A failure becomes an ApiError carrying the server's problem+json: its stable code (for
 * logic), and its message in both languages (for people), so that a message never shows a code.
 */
import { currentLocale, type Locale } from "../i18n";

export type Messages = Record<Locale, string>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The server's message in each language; absent when no server answered (network). */
    readonly messages: Messages | undefined,
    readonly params: Record<string, unknown> = {},
  ) {
    super(`${status} ${code}`);
    this.name = "ApiError";
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

interface RequestOptions {
  json?: unknown;
  body?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    accept: "application/json",
    "accept-language": currentLocale(),
    ...options.headers,
  };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.body) {
    body = options.body;
  } else if (method === "POST") {
    // Fastify refuses an empty JSON body; an empty object says "no options".
    headers["content-type"] = "application/json";
    body = "{}";
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body ?? null,
      credentials: "same-origin",
      signal: options.signal ?? null,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network", undefined);
  }
  if (res.ok) {
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
  throw await errorOf(res);
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const problem = (await res.json()) as {
      code?: unknown;
      detail?: unknown;
      messages?: Partial<Messages>;
      params?: Record<string, unknown>;
    };
    const code = typeof problem.code === "string" ? problem.code : `http.${res.status}`;
    const zh = problem.messages?.["zh-CN"];
    const en = problem.messages?.en;
    const detail = typeof problem.detail === "string" ? problem.detail : undefined;
    const messages = zh && en ? { "zh-CN": zh, en } : detail ? { "zh-CN": detail, en: detail } : undefined;
    return new ApiError(res.status, code, messages, problem.params ?? {});
  } catch {
    return new ApiError(res.status, `http.${res.status}`, undefined);
  }
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>("GET", path, signal ? { signal } : {}),
  post: <T>(path: string, json?: unknown, headers?: Record<string, string>) =>
    request<T>("POST", path, { json, ...(headers ? { headers } : {}) }),
  put: <T>(path: string, json: unknown) => request<T>("PUT", path, { json }),
  patch: <T>(path: string, json: unknown) => request<T>("PATCH", path, { json }),
  delete: <T>(path: string) => request<T>("DELETE", path),
  upload: <T>(path: string, file: File) => {
    const form = new FormData();
    form.append("file", file, file.name);
    return request<T>("POST", path, { body: form });
  },
  /** A file to save (a pre-filled form): the bytes and the name the server gives it. */
  async download(path: string): Promise<{ blob: Blob; filename: string | undefined }> {
    let res: Response;
    try {
      res = await fetch(path, {
        headers: { "accept-language": currentLocale() },
        credentials: "same-origin",
      });
    } catch {
      throw new ApiError(0, "network", undefined);
    }
    if (!res.ok) throw await errorOf(res);
    const disposition = res.headers.get("content-disposition") ?? "";
    const match =
      /filename\*=UTF-8''([^;]+)/i.exec(disposition) ?? /filename="?([^";]+)"?/i.exec(disposition);
    return { blob: await res.blob(), filename: match?.[1] ? decodeURIComponent(match[1]) : undefined };
  },
};

/** A fresh key for POST /api/orders: the same key on a retry returns the same order. */
export function idempotencyKey(): string {
  // randomUUID exists only in secure contexts; an intranet desk may be served over plain http.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
