import { createLogger } from "@kyro/platform";
import { type AppHandle, type ProcessRole, startApp } from "./app";
import { type Config, ConfigError, loadConfig } from "./config";
import { firstStopSignal } from "./stop-signals";

/** A configuration problem is the operator's to fix: one line on stderr, no stack. */
function exitWithConfigError(error: ConfigError): never {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const ROLES: readonly ProcessRole[] = ["all", "api", "worker"];
// `main.ts api` serves HTTP only, `main.ts worker` runs jobs only; no argument runs both in one process.
const roleArgument = process.argv[2] ?? "all";
if (!ROLES.includes(roleArgument as ProcessRole)) {
  process.stderr.write(`Unknown role "${roleArgument}": expected one of ${ROLES.join(", ")}\n`);
  process.exit(1);
}
const role = roleArgument as ProcessRole;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) exitWithConfigError(error);
  throw error;
}

const logger = createLogger({ level: config.logLevel });
// Listening from the start: a stop asked for during start-up (migrations, say) is honoured once the
// process has started, rather than killing it half-way.
const stopSignal = firstStopSignal(logger);
let app: AppHandle;
try {
  app = await startApp(config, { logger, role });
} catch (error) {
  if (error instanceof ConfigError) exitWithConfigError(error);
  logger.fatal({ err: error }, "start-up failed");
  process.exit(1);
}
if (app.url) logger.info({ url: app.url, role }, `Kyro listening on ${app.url}`);
if (app.metricsUrl) logger.info({ url: app.metricsUrl }, `metrics served on ${app.metricsUrl}/metrics`);

const signal = await stopSignal;
logger.info({ signal }, "shutting down: draining in-flight requests and running jobs");
try {
  await app.close();
  logger.info("stopped");
  // Written out before exiting: the exit hook's synchronous flush gives up on a full pipe (EAGAIN) when
  // whatever reads stdout is slow, and the last lines (this one) were lost on busy machines.
  await new Promise<void>((done) => logger.flush(() => done()));
  process.exit(0);
} catch (error) {
  logger.error({ err: error }, "shutdown failed");
  process.exit(1);
}
