/**
 * In-process CPU per certificate for POST /api/ca/issue (app.inject, no sockets) on a throwaway
 * PostgreSQL database, with the per-request lookups timed alone: a quick figure between bench runs.
 *   node --import tsx bench/issue-cpu.ts   (N=600 ALGS=rsa,ecdsa-p256)
 */
import { generateKeyPairSync } from "node:crypto";
import { startTestApp } from "../test/support/app.js";
import { createTempDatabase } from "../test/support/stores.js";
import { openStore } from "../src/store/database.js";
import { buildCsr } from "../src/pki/csr.js";
import { pemEncode } from "../src/pki/pem.js";
import { softwareSigner } from "../src/pki/signer.js";
import { saveProgramme } from "../src/orders/programmes.js";
import { demoProgrammesPath, readProgrammesFile } from "../src/store/programme-files.js";
import { systemActor } from "../src/people/actor.js";
import { resolveSession } from "../src/people/people.js";
import { getProgramme } from "../src/orders/programmes.js";

const N = Number(process.env.N ?? 600);
const temp = await createTempDatabase("postgres://postgres@127.0.0.1:5432/test");
const store = await openStore({ kind: "postgres", url: temp.url });
try {
  const t = await startTestApp(store, new Date().toISOString());
  const proc = readProgrammesFile(demoProgrammesPath)[0]!;
  const certs = proc.certificates!;
  await saveProgramme({ db: store.db, clock: t.clock }, systemActor("h"), {
    ...proc,
    id: "bench",
    algorithms: ["sm2", "p256", "rsa"],
    certificates: {
      ...certs,
      algorithms: ["sm2", "p256", "rsa"],
      profiles: certs.profiles.map((p) =>
        p.usage === "signing" ? { ...p, algorithms: ["sm2", "p256", "rsa"] } : p,
      ),
    },
  });
  const login = await t.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { login: "admin", password: "admin-demo-1" },
  });
  const token = login.json().token;
  const cpu = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e3;
  };
  const time = async (label: string, n: number, f: (i: number) => Promise<unknown>, conc = 16) => {
    const c0 = cpu();
    const w0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: conc }, async () => {
        while (next < n) await f(next++);
      }),
    );
    console.log(
      `${label.padEnd(30)} ${((cpu() - c0) / n).toFixed(3)} ms CPU/op, ${(n / ((performance.now() - w0) / 1000)).toFixed(0)}/s`,
    );
  };
  await time("resolveSession", 2000, () => resolveSession(t.deps, token));
  await time("cas.active", 2000, () => t.cas.active("rsa", "issuing"));
  await time("getProgramme", 2000, () => getProgramme(store.db, "bench"));
  for (const alg of (process.env.ALGS ?? "rsa,ecdsa-p256").split(",")) {
    const keys = Array.from({ length: alg === "rsa" ? 32 : N + 200 }, () =>
      softwareSigner(
        alg === "rsa"
          ? generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
          : generateKeyPairSync("ec", { namedCurve: alg === "sm2" ? "SM2" : "prime256v1" }).privateKey,
      ),
    );
    const bodies: string[] = [];
    for (let i = 0; i < N + 200; i++) {
      const der = await buildCsr({
        subject: {
          C: "CN",
          O: "certdesk bench",
          CN: `bench ${alg} ${i}`,
          serialNumber: "91310110666007217T",
        },
        signer: keys[i % keys.length]!,
      });
      bodies.push(
        JSON.stringify({
          csr: pemEncode("CERTIFICATE REQUEST", der),
          profile: "organisation-signing",
          programme: "bench",
          days: 365,
        }),
      );
    }
    const issue = async (i: number) => {
      const r = await t.app.inject({
        method: "POST",
        url: "/api/ca/issue",
        payload: bodies[i],
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      });
      if (r.statusCode !== 200) throw new Error(r.body);
    };
    await time(`issue ${alg} warm`, 200, (i) => issue(N + i));
    await time(`issue ${alg}`, N, issue);
  }
  await t.close();
} finally {
  await store.close();
  await temp.drop();
}
