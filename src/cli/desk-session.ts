/**
 * The CLI beside a running desk on the embedded store. PGlite admits one process, so while the
 * desk (`npm run demo`) holds the data folder, commands go through the desk's API instead, those
 * that change state or read staff data with an operator's session: `certdesk login` once stores the desk's address and a session
 * token in CERTDESK_DATA_DIR/cli-session.json, readable by its owner only (0600).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Config } from "../config.js";
import { DomainError } from "../domain/errors.js";
import { promptSecret } from "../client/prompt.js";
import { type CliContext, EXIT_OK } from "./output.js";
import { errorText } from "./source.js";

const sessionSchema = z.object({ server: z.url(), token: z.string().min(1), login: z.string() });
export type DeskSession = z.infer<typeof sessionSchema>;

export function sessionFile(config: Config): string {
  return join(config.dataDir, "cli-session.json");
}

export function readSession(config: Config): DeskSession | undefined {
  const file = sessionFile(config);
  if (!existsSync(file)) return undefined;
  try {
    return sessionSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

/** Where a desk on the embedded store writes its pid and address while it listens. */
export function deskAddressFile(dataDir: string): string {
  return join(dataDir, "desk.json");
}

/** The pid and address of the desk that listens on this data folder, if one said so. */
function deskAddress(config: Config): { pid: string; url: string | undefined } | undefined {
  if (config.store.kind !== "embedded") return undefined;
  try {
    const { pid, url } = JSON.parse(readFileSync(deskAddressFile(config.dataDir), "utf8")) as {
      pid?: unknown;
      url?: unknown;
    };
    if (typeof pid !== "number") return undefined;
    return { pid: String(pid), url: typeof url === "string" ? url : undefined };
  } catch {
    return undefined;
  }
}

/**
 * Runs `local` on the store; when the embedded folder is held by a running desk, runs `remote`
 * with the stored session instead (or says how to get one). Held by another process (a second
 * `certdesk produce`), the folder's refusal stands: logging in to a desk would not help.
 * A `public` read (a quote) needs no session: it goes to the address the desk wrote.
 */
export async function onStoreOrDesk<T>(
  ctx: CliContext,
  local: () => Promise<T>,
  remote: (session: DeskSession) => Promise<T>,
  options: { public?: boolean } = {},
): Promise<T> {
  try {
    return await local();
  } catch (e) {
    if (!(e instanceof DomainError) || e.code !== "store.folder_locked") throw e;
    const desk = deskAddress(ctx.config());
    if (String(e.params.pid) !== desk?.pid) throw e;
    if (options.public && desk.url) return remote({ server: desk.url, token: "", login: "" });
    const session = readSession(ctx.config());
    if (!session) throw new DomainError("cli.desk_login_required", { file: sessionFile(ctx.config()) });
    return remote(session);
  }
}

/** A JSON request to the desk; its problem+json answers become the same DomainErrors. */
export async function deskRequest<T>(
  session: Pick<DeskSession, "server" | "token">,
  method: string,
  path: string,
  json?: unknown,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, session.server), {
      method,
      headers: {
        // No token: a public route (the login itself, a quote).
        ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
        ...(json === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    throw new DomainError("cli.desk_unreachable", { server: session.server, detail: errorText(e) });
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (res.ok) return body as T;
  const problem = body as { code?: unknown; params?: unknown } | undefined;
  if (res.status === 401) throw new DomainError("cli.desk_login_required", { file: "cli-session.json" });
  if (problem && typeof problem.code === "string")
    throw new DomainError(problem.code, (problem.params ?? {}) as Record<string, string>);
  throw new DomainError("cli.desk_unreachable", { server: session.server, detail: `HTTP ${res.status}` });
}

export interface LoginOptions {
  server: string;
  login: string;
  password?: string;
}

/** certdesk login: a staff session on the desk, kept for the commands that go through it. */
export async function loginCommand(ctx: CliContext, options: LoginOptions): Promise<number> {
  const server = z.url().safeParse(options.server);
  if (!server.success)
    throw new DomainError("cli.invalid_value", {
      option: "--server",
      value: options.server,
      allowed: "http(s)://…",
    });
  const password =
    options.password ??
    ctx.io.env.CERTDESK_PASSWORD ??
    (process.stdin.isTTY
      ? await promptSecret(ctx.out.t("cli.login.password_prompt"), ctx.io.stderr)
      : undefined);
  if (!password) throw new DomainError("cli.option_required", { option: "--password" });
  const answer = await deskRequest<{ token?: string }>(
    { server: server.data, token: "" },
    "POST",
    "/api/auth/login",
    {
      login: options.login,
      password,
    },
  );
  if (!answer.token)
    throw new DomainError("cli.desk_unreachable", { server: server.data, detail: "no token" });
  const file = sessionFile(ctx.config());
  const session: DeskSession = { server: server.data, token: answer.token, login: options.login };
  writeFileSync(file, JSON.stringify(session), { mode: 0o600 });
  // An existing file keeps its mode on write: make it the owner's alone either way.
  chmodSync(file, 0o600);
  ctx.out.result({ server: server.data, login: options.login, file }, () =>
    ctx.out.t("cli.login.done", { login: options.login, server: server.data, file }),
  );
  return EXIT_OK;
}
