/**
 * Issuance time per certificate: production finishing an order of one key from a CSR, end to end
 * (proof of possession, profile check, signing, recording with its audit row, the order moved),
 * per algorithm, on a temporary embedded store (or a temporary database on the PostgreSQL server
 * DATABASE_URL points at).
 *
 *   node --import tsx bench/issuance.ts [certificates per algorithm, default 100]
 *
 * Beside the time, the queries each certificate took and this process's CPU per certificate; the
 * last row is an SM2 token key (a bare public key, as production on a USB key finishes an order).
 */
import type { KyselyPlugin } from "kysely";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../src/domain/clock.js";
import { buildCsr } from "../src/pki/csr.js";
import { pemEncode } from "../src/pki/pem.js";
import { generateSoftwareKey, type KeyAlgorithm } from "../src/pki/signer.js";
import { systemActor } from "../src/people/actor.js";
import { CaRegistry, initCas, publicationUrls } from "../src/ca/ca.js";
import { LiveCalendar, loadCalendar, seedBundledCalendar } from "../src/desk/calendar.js";
import { seedDemo } from "../src/desk/demo.js";
import { finishProduction, type ProductionKey } from "../src/orders/fulfilment.js";
import { saveProgramme } from "../src/orders/programmes.js";
import { openStore } from "../src/store/database.js";
import { demoProgrammesPath, readProgrammesFile } from "../src/store/programme-files.js";
import { createTempDatabase } from "../test/support/stores.js";

const perAlgorithm = Number(process.argv[2] ?? 100);
const dir = mkdtempSync(join(tmpdir(), "certdesk-bench-"));
// On a server, a database of its own, dropped afterwards: the bench never writes into yours.
const server = process.env.DATABASE_URL ? await createTempDatabase(process.env.DATABASE_URL) : undefined;
const target = server
  ? ({ kind: "postgres", url: server.url } as const)
  : ({ kind: "embedded", dataDir: dir } as const);
const store = await openStore(target);
try {
  const clock = systemClock;
  const actor = systemActor("bench");
  await seedBundledCalendar(store.db);
  await seedDemo({ db: store.db, clock });
  const [procurement] = readProgrammesFile(demoProgrammesPath);
  const certificates = procurement!.certificates!;
  await saveProgramme({ db: store.db, clock }, actor, {
    ...procurement,
    id: "bench",
    algorithms: ["sm2", "p256", "rsa"],
    certificates: {
      ...certificates,
      algorithms: ["sm2", "p256", "rsa"],
      profiles: certificates.profiles.map((p) =>
        p.usage === "signing" ? { ...p, algorithms: ["sm2", "p256", "rsa"] } : p,
      ),
    },
  });
  const urls = publicationUrls("http://bench.invalid");
  const passphrase = "bench-passphrase-not-secret";
  await initCas({ db: store.db, clock }, actor, {
    algorithms: ["sm2", "ecdsa-p256", "rsa"],
    organisation: "certdesk bench",
    passphrase,
    urls,
    prefix: "bench",
  });
  // Counts the queries the desk sends (each one a round trip to the store).
  let queries = 0;
  const counting: KyselyPlugin = {
    transformQuery: (args) => {
      queries++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const deps = {
    db: store.db.withPlugin(counting),
    clock,
    calendar: new LiveCalendar(await loadCalendar(store.db)),
    cas: new CaRegistry(store.db, { passphrase }),
    urls,
  };
  const org = await store.db
    .selectFrom("users")
    .innerJoin("organisations", "organisations.id", "users.organisation_id")
    .select(["users.id as userId", "organisations.id as organisationId"])
    .where("organisations.uscc", "=", "91310115591693856A")
    .executeTakeFirstOrThrow();

  const order = async (): Promise<string> => {
    const id = randomUUID();
    const now = new Date();
    await store.db
      .insertInto("orders")
      .values({
        id,
        number: `BENCH${id.slice(0, 12)}`,
        programme_id: "bench",
        service: "new",
        organisation_id: org.organisationId,
        applicant_id: org.userId,
        state: "paper_received",
        details: JSON.stringify({ years: 3 }),
        quote: JSON.stringify({ currency: "CNY", total: 0, items: [] }),
        total_fen: 0,
        certificate_id: null,
        target_order_id: null,
        rejection: null,
        due_kind: null,
        due_on: null,
        idempotency_key: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  };

  console.log(`store: ${target.kind}; ${perAlgorithm} certificates per algorithm`);
  const runs: { name: string; algorithm: KeyAlgorithm; token: boolean }[] = [
    { name: "sm2", algorithm: "sm2", token: false },
    { name: "ecdsa-p256", algorithm: "ecdsa-p256", token: false },
    { name: "rsa", algorithm: "rsa", token: false },
    { name: "sm2 token", algorithm: "sm2", token: true },
  ];
  for (const { name, algorithm, token } of runs) {
    // Keys and requests are the token's work, made before the clock starts; so are the orders.
    const jobs: { orderId: string; key: ProductionKey }[] = [];
    for (let i = 0; i < perAlgorithm; i++) {
      const key = generateSoftwareKey(algorithm);
      const input: ProductionKey = token
        ? { publicKey: Buffer.from(key.signer.publicKeySpki).toString("base64") }
        : {
            csr: pemEncode(
              "CERTIFICATE REQUEST",
              await buildCsr({ subject: { CN: "bench" }, signer: key.signer }),
            ),
          };
      jobs.push({ orderId: await order(), key: input });
    }
    // The first issuance opens the CA key (scrypt): timed apart.
    const first = jobs.shift()!;
    let t = performance.now();
    await finishProduction(deps, actor, first.orderId, [first.key]);
    const opening = performance.now() - t;
    queries = 0;
    const cpu = process.cpuUsage();
    t = performance.now();
    for (const job of jobs) await finishProduction(deps, actor, job.orderId, [job.key]);
    const each = (performance.now() - t) / jobs.length;
    const used = process.cpuUsage(cpu);
    const cpuEach = (used.user + used.system) / 1000 / jobs.length;
    console.log(
      `${name.padEnd(11)} ${each.toFixed(1).padStart(6)} ms per certificate (${(1000 / each).toFixed(0)}/s, one at a time), ` +
        `${(queries / jobs.length).toFixed(1)} queries, CPU ${cpuEach.toFixed(2)} ms (this process); first one ${opening.toFixed(0)} ms (opens the CA key)`,
    );
  }
} finally {
  await store.close();
  await server?.drop();
  rmSync(dir, { recursive: true, force: true });
}
