/**
 * Demo data for a newcomer's first start: both demo programmes, a staff member for each role and
 * one organisation per programme with its handler. Idempotent: a second start adds nothing.
 * Development mode only (config refuses CERTDESK_DEMO in production).
 */
import type { Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { readProgrammesFile, demoProgrammesPath } from "../store/programme-files.js";
import type { Database } from "../store/schema.js";
import { systemActor } from "../people/actor.js";
import { createStaff, signUp } from "../people/people.js";
import { saveProgramme } from "../orders/programmes.js";

export type DemoLogins = { role: string; login: string; password: string }[];

const STAFF = [
  { login: "reviewer", name: "审核员 王敏", roles: ["reviewer"] as const, password: "reviewer-demo-1" },
  { login: "production", name: "制证员 李强", roles: ["production"] as const, password: "production-demo-1" },
  { login: "finance", name: "财务 赵丽", roles: ["finance"] as const, password: "finance-demo-1" },
  { login: "admin", name: "管理员 陈刚", roles: ["admin"] as const, password: "admin-demo-1" },
];

const APPLICANTS = [
  {
    role: "applicant (procurement, A)",
    organisationName: "上海示例供应链管理有限公司",
    uscc: "91310115591693856A",
    handlerName: "张伟",
    idNumber: "11010519491231002X",
    mobile: "13800138000",
    password: "supplier-demo-1",
  },
  {
    role: "applicant (power-trading, B)",
    organisationName: "广州示例绿色能源售电有限公司",
    uscc: "91440101MA5CJQ4N59",
    handlerName: "刘洋",
    idNumber: "110105199001011232",
    mobile: "13900139000",
    password: "retailer-demo-1",
  },
];

export async function seedDemo(deps: { db: Kysely<Database>; clock: Clock }): Promise<DemoLogins> {
  const existing = await deps.db.selectFrom("programmes").select("id").execute();
  const have = new Set(existing.map((p) => p.id));
  for (const programme of readProgrammesFile(demoProgrammesPath)) {
    if (!have.has(programme.id)) await saveProgramme(deps, systemActor("demo"), programme);
  }
  const logins: DemoLogins = [];
  for (const s of STAFF) {
    const found = await deps.db
      .selectFrom("users")
      .select("id")
      .where("login", "=", s.login)
      .executeTakeFirst();
    if (!found)
      await createStaff(deps, { login: s.login, name: s.name, password: s.password, roles: [...s.roles] });
    logins.push({ role: `staff (${s.roles.join(", ")})`, login: s.login, password: s.password });
  }
  for (const a of APPLICANTS) {
    const found = await deps.db
      .selectFrom("users")
      .select("id")
      .where("login", "=", a.mobile)
      .executeTakeFirst();
    if (!found) await signUp({ ...deps, sessionHours: 1 }, a);
    logins.push({ role: a.role, login: a.mobile, password: a.password });
  }
  return logins;
}
