/**
 * The composition root: read the configuration, open the store, build the adapters and the HTTP
 * app, start. Everything is built here by hand and handed down; nothing else reads process.env.
 */
import { realpathSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { systemClock, type Clock } from "./domain/clock.js";
import { isDomainError } from "./domain/errors.js";
import { translate } from "./i18n/catalogue.js";
import { loadConfig, ConfigError, type Config } from "./config.js";
import { deskJobs, deskPumps } from "./jobs/desk-jobs.js";
import { JobRunner } from "./jobs/runner.js";
import { smtpMailer } from "./notify/email.js";
import { DevSmsSink } from "./notify/ports.js";
import { DevPaymentGateway } from "./money/dev-gateway.js";
import { noPaymentGateway } from "./money/gateway-port.js";
import { buildApp } from "./server/app.js";
import { startOcspWorkers, type OcspWorkers } from "./server/ocsp-workers.js";
import { uploadPool } from "./seal/upload-pool.js";
import { systemActor } from "./people/actor.js";
import { CA_ALGORITHMS, CaRegistry, initCas, publicationUrls } from "./ca/ca.js";
import { caSecrets } from "./ca/ca-keys.js";
import { LiveCalendar, loadCalendar, seedBundledCalendar } from "./desk/calendar.js";
import { DeskEventFollower } from "./desk/desk-events.js";
import { settleCaSettings } from "./desk/desk-settings.js";
import { Publication } from "./ca/publication.js";
import { anchorSettings, checkpointAudit, readAnchorFile } from "./desk/audit-anchor.js";
import { deskAddressFile } from "./cli/desk-session.js";
import { summaryOf, type AuditCheckpoint, type CheckpointSummary } from "./store/audit-anchor.js";
import { ProductionRuns } from "./keys/production-runs.js";
import { seedDemo, type DemoLogins } from "./desk/demo.js";
import { openStore, type Store } from "./store/database.js";
import { stationFromSpec } from "./token/station.js";
import { setSm2Native, sm2Backend } from "./pki/sm2-native.js";
import { setPasswordPool } from "./people/passwords.js";

export interface Running {
  url: string;
  /** the OCSP worker processes' address, when CERTDESK_OCSP_PORT is set */
  ocspWorkers: OcspWorkers | undefined;
  store: Store;
  demoLogins: DemoLogins | undefined;
  stop(): Promise<void>;
}

export async function startCertdesk(config: Config, clock: Clock = systemClock): Promise<Running> {
  const store = await openStore(config.store);
  try {
    await seedBundledCalendar(store.db);
    const calendar = new LiveCalendar(await loadCalendar(store.db));
    const demoLogins = config.demo ? await seedDemo({ db: store.db, clock }) : undefined;
    // The CA's addresses and timings are the store's (written by the first start): every node and
    // the CLI put the same URLs into certificates.
    const caSettings = await settleCaSettings(store.db, config.caSettings, clock.now());
    const urls = publicationUrls(caSettings.publicUrl, caSettings.ocspUrl);
    const secrets = caSecrets(config.ca);
    const cas = new CaRegistry(store.db, secrets);
    if (config.demo) {
      await initCas({ db: store.db, clock }, systemActor("demo"), {
        algorithms: CA_ALGORITHMS,
        organisation: config.ca.organisation,
        passphrase: config.ca.passphrase,
        urls,
        prefix: "demo",
      });
    }
    // Failures nobody waits for (a CRL after a revocation, a timer round) go to the app's log.
    let logError = (_error: unknown, _context: string): void => {};
    let logInfo = (_fields: object, _message: string): void => {};
    // The newest audit checkpoint goes to the log as it is signed, and with every CRL published,
    // so that copies of it live outside the database and its anchor file (desk/audit-anchor.ts).
    const auditAnchor = anchorSettings(config.secretKey, config.audit);
    let latestAnchor: CheckpointSummary | undefined = anchorOnFile(auditAnchor.file);
    const onAuditCheckpoint = (cp: AuditCheckpoint): void => {
      latestAnchor = summaryOf(cp);
      logInfo({ auditCheckpoint: { ...latestAnchor, mac: cp.mac } }, "audit checkpoint signed");
    };
    const publication = new Publication({
      db: store.db,
      clock,
      cas,
      settings: { ...caSettings, deltaCrlUrl: urls.deltaCrl },
      onError: (error, context) => logError(error, context),
      onPublished: (crl) =>
        logInfo(
          { crl: { caId: crl.caId, crlNumber: crl.crlNumber.toString() }, auditAnchor: latestAnchor ?? null },
          "CRL published",
        ),
    });
    const devGateway =
      config.mode === "development"
        ? new DevPaymentGateway({ db: store.db, secret: config.paymentSecret, publicUrl: config.publicUrl })
        : undefined;
    const gateway = devGateway ?? noPaymentGateway;
    // Messages: SMS into the development sink (the only provider so far), e-mail over SMTP.
    const sms = new DevSmsSink({ db: store.db, clock });
    const mailer = config.notify.smtp
      ? smtpMailer({ ...config.notify.smtp, messageIdDomain: new URL(config.publicUrl).hostname })
      : undefined;
    const keyStation = config.keyStation;
    const keySettings = {
      secretKey: config.secretKey,
      station: keyStation ? () => stationFromSpec(keyStation) : undefined,
    };
    // Production batches: started from the back office, and taken up again after a crash.
    const productionRuns = new ProductionRuns(
      { db: store.db, clock, calendar, publication, cas, urls, keys: keySettings },
      (error, context) => logError(error, context),
    );
    const jobs = new JobRunner({
      db: store.db,
      jobs: deskJobs(
        {
          db: store.db,
          clock,
          calendar,
          gateway,
          publicUrl: config.publicUrl,
          publication,
          sms,
          mailer,
          invoices: config.invoices,
          secretKey: config.secretKey,
          auditAnchor,
          onAuditCheckpoint,
          production: productionRuns,
        },
        {
          paymentQueryAfterMs: config.payments.queryAfterMs,
          crlRefreshMs: caSettings.crlRefreshMinutes * 60_000,
          deltaCrlMs: caSettings.deltaCrlMinutes * 60_000,
        },
      ),
      onError: (error, context) => logError(error, context),
    });
    const app = await buildApp({
      db: store.db,
      clock,
      calendar,
      gateway,
      devGateway,
      publicUrl: config.publicUrl,
      sessionHours: config.sessionHours,
      uploadLimitBytes: config.uploadLimitBytes,
      secureCookies: config.publicUrl.startsWith("https://"),
      logLevel: config.logLevel,
      trustedProxy: config.trustedProxy,
      apiDocs: config.apiDocs,
      cas,
      urls,
      publication,
      jobs,
      auditAnchor,
      // USB keys: SO PINs sealed under the secret key, codes through the notification outbox.
      platforms: { secretKey: config.secretKey },
      keys: keySettings,
      productionRuns,
    });
    logError = (error, context) => app.log.error({ err: error }, context);
    logInfo = (fields, message) => app.log.info(fields, message);
    const url = await app.listen({ host: config.host, port: config.port });
    // The CLI beside a desk on the embedded store goes through this address (src/cli/desk-session.ts).
    const deskAddress = config.store.kind === "embedded" ? deskAddressFile(config.dataDir) : undefined;
    if (deskAddress) writeFileSync(deskAddress, JSON.stringify({ pid: process.pid, url }));
    // Upload threads ready before the first upload: it then waits for its decoding, not their start.
    uploadPool().warm();
    let ocspWorkers: OcspWorkers | undefined;
    try {
      ocspWorkers =
        config.ocspWorkers &&
        (await startOcspWorkers(publication.ocsp, {
          host: config.host,
          port: config.ocspWorkers.port,
          workers: config.ocspWorkers.count,
          onError: logError,
        }));
    } catch (e) {
      await app.close();
      throw e;
    }
    // What other desk processes change (a revocation by the CLI or another node) reaches this one's
    // OCSP answers and workers; the CRLs it calls for are published once for the whole desk.
    const events = new DeskEventFollower({
      db: store.db,
      listen: store.listen,
      handle: (e) => publication.deskEvents(e),
      pollMs: config.deskEventsPollMs,
      onError: logError,
    });
    try {
      await events.start();
    } catch (e) {
      await ocspWorkers?.stop();
      await app.close();
      throw e;
    }
    // The gateway retries its callbacks until the desk answers; scheduled work starts with one run
    // of every job, which makes up for whatever fell due while the desk was down.
    devGateway?.start();
    await jobs.start();
    const pumps = deskPumps({ db: store.db, clock }, jobs, config.notify.outboxPollMs, logError);
    for (const pump of pumps) pump.start();
    return {
      url,
      ocspWorkers,
      store,
      demoLogins,
      stop: async () => {
        await events.stop();
        await ocspWorkers?.stop();
        for (const pump of pumps) await pump.stop();
        await jobs.stop();
        await productionRuns.stop();
        await devGateway?.stop();
        await app.close();
        if (deskAddress) rmSync(deskAddress, { force: true });
        // The rows of the last minutes are signed before the store closes.
        await checkpointAudit(
          { db: store.db, clock, anchor: auditAnchor, onCheckpoint: onAuditCheckpoint },
          { force: true },
        ).catch((e: unknown) => logError(e, "audit checkpoint at shutdown"));
        await uploadPool().close();
        await mailer?.close();
        await secrets.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}

async function main(): Promise<void> {
  const env = { ...process.env };
  if (process.argv.includes("--demo")) env.CERTDESK_DEMO = "1";
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // At start, so that a missing SM2 addon is said (one line) before anything is signed.
  setSm2Native(config.sm2Native);
  setPasswordPool(config.passwordPool);
  sm2Backend();
  try {
    const running = await startCertdesk(config);
    const lines = [
      `certdesk is running at ${running.url} (${config.store.kind === "embedded" ? `embedded database in ${config.store.dataDir}` : "PostgreSQL"})`,
    ];
    if (config.apiDocs) lines.push(`API documentation: ${running.url}/docs`);
    if (running.ocspWorkers)
      lines.push(`OCSP responders: ${running.ocspWorkers.url} (${running.ocspWorkers.count} processes)`);
    if (running.demoLogins) {
      lines.push("Demo logins (development only):");
      for (const l of running.demoLogins)
        lines.push(`  ${l.role.padEnd(28)} login ${l.login.padEnd(14)} password ${l.password}`);
    }
    process.stdout.write(lines.join("\n") + "\n");
    const shutdown = async () => {
      await running.stop();
      process.exit(0);
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  } catch (e) {
    if (isDomainError(e)) {
      process.stderr.write(`${translate(e.code, "zh-CN", e.params)}\n${translate(e.code, "en", e.params)}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/** The anchor file's checkpoint at start, for the CRL log lines until the next is signed. */
function anchorOnFile(file: string): CheckpointSummary | undefined {
  try {
    const cp = readAnchorFile(file);
    return cp && summaryOf(cp);
  } catch {
    return undefined; // audit verify reports an unreadable anchor
  }
}

// Run when started as a program (also through a symlink or a path with spaces or Chinese
// characters), not when imported by tests.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url)))
  await main();
