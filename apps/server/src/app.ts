import { join } from "node:path";
import { buildDeps, createRuntime, DEFAULT_EXPORT_SETTINGS, startJobs } from "@kyro/api";
import { migrate } from "@kyro/db";
import { createHttpMetrics, createLogger, createMailer, type Logger } from "@kyro/platform";
import { type Config, ConfigError } from "./config";
import { describeDatabase, openConfiguredDatabase } from "./database";
import { loadOrCreateDevSecret } from "./dev-secret";
import { createMetricsListener, type MetricsSource, metricsSource } from "./http/metrics-route";
import { createHttpServer } from "./http/server";
import { closeRedis, connectRedis } from "./redis";

/** What this process runs: the HTTP API, the job worker, or both (the default, `npm start`). */
export type ProcessRole = "all" | "api" | "worker";

export interface AppHandle {
  /** Base URL the server listens on, e.g. http://127.0.0.1:3000; null in a worker-only process. */
  url: string | null;
  /** Base URL of the metrics listener (KYRO_METRICS_PORT); null when there is none. */
  metricsUrl: string | null;
  logger: Logger;
  /**
   * Stops accepting, lets in-flight requests and running jobs finish side by side (each up to its grace
   * period), then closes the metrics listener, Redis and the database.
   */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** How long in-flight requests get on close before their connections are cut. */
  graceMs?: number;
  /** Default "all". */
  role?: ProcessRole;
  /** How long running jobs get on close before they are failed back to the queue (default 20 s). */
  jobGraceMs?: number;
}

function resolveSecret(config: Config, logger: Logger): string {
  if (config.secret) return config.secret;
  if (config.nodeEnv === "production") {
    throw new ConfigError("Invalid configuration: KYRO_SECRET is required when NODE_ENV=production");
  }
  const dev = loadOrCreateDevSecret(config.dataDir);
  logger.warn(
    { file: dev.path },
    dev.created
      ? "KYRO_SECRET is unset: generated a development secret; set KYRO_SECRET in production"
      : "KYRO_SECRET is unset: using the development secret; set KYRO_SECRET in production",
  );
  return dev.secret;
}

/** Opens everything the process needs, in order, and listens; on any failure closes what was opened. */
export async function startApp(config: Config, options: StartOptions = {}): Promise<AppHandle> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const opened: (() => Promise<void> | void)[] = [];
  const closeOpened = async () => {
    for (const close of opened.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error }, "close failed");
      }
    }
    opened.length = 0;
  };

  try {
    const secret = resolveSecret(config, logger);
    const database = await openConfiguredDatabase(config);
    opened.push(() => database.close());
    await database.ping();
    if (config.autoMigrate) {
      await migrate(database);
      logger.info({ database: describeDatabase(config) }, "database migrated");
    } else {
      logger.info({ database: describeDatabase(config) }, "database opened (KYRO_AUTO_MIGRATE=false)");
    }

    const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined;
    if (redis) opened.push(() => closeRedis(redis));
    const mailer = createMailer({
      smtpUrl: config.smtpUrl,
      from: config.smtpFrom,
      logger,
      mailDir: join(config.dataDir, "mail"),
    });
    opened.push(() => mailer.close());

    const deps = buildDeps({
      db: database.db,
      redis,
      logger,
      mailer,
      secret,
      redisKeyPrefix: config.redisKeyPrefix,
      settings: {
        publicUrl: config.publicUrl,
        platformAdmins: config.platformAdmins,
        outboundAllowCidrs: config.outboundAllowCidrs,
        webhookRetryScheduleSeconds: config.webhookRetryScheduleSeconds,
        limits: config.limits,
        exports: { ...DEFAULT_EXPORT_SETTINGS, storage: config.exportStorage },
        retention: config.retention,
      },
    });
    opened.push(() => deps.dispose());
    const role = options.role ?? "all";
    // Every role installs the queues (the API enqueues into them); only a worker polls them.
    const jobs = await startJobs(deps, { sql: database, work: role !== "api" });
    opened.push(() => jobs.stop(options.jobGraceMs));
    /** Serves `source` on KYRO_METRICS_PORT when it is set; its URL, or null. */
    const listenForMetrics = async (source: MetricsSource) => {
      if (config.metricsPort === undefined) return null;
      const listener = createMetricsListener({ source, token: config.metricsToken, logger });
      const metricsUrl = await listener.listen(config.metricsPort, config.host);
      opened.push(() => listener.close());
      return metricsUrl;
    };
    if (role === "worker") {
      // No HTTP here, so the process metrics (CPU, memory, event loop) are all a worker has to show.
      const metricsUrl = await listenForMetrics(metricsSource([createHttpMetrics().registry]));
      logger.info("job worker started");
      return { url: null, metricsUrl, logger, close: closeOpened };
    }
    const http = createHttpServer({
      runtime: createRuntime(deps),
      logger,
      corsOrigins: config.corsOrigins,
      trustedProxies: config.trustedProxies,
      metricsToken: config.metricsToken,
      secureCookies: config.nodeEnv === "production",
      readiness: {
        database: () => database.ping(),
        ...(redis ? { redis: () => redis.ping() } : {}),
      },
    });
    const metricsUrl = await listenForMetrics(http.metricsSource);
    const url = await http.listen(config.port, config.host);
    // Requests and running jobs drain side by side: the grace periods overlap instead of adding up,
    // and the worker takes no new job while the last requests finish. (jobs.stop() is idempotent.)
    opened.push(async () => {
      await Promise.all([http.close(options.graceMs), jobs.stop(options.jobGraceMs)]);
    });

    return { url, metricsUrl, logger, close: closeOpened };
  } catch (error) {
    await closeOpened();
    throw error;
  }
}
