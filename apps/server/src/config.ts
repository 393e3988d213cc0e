import { isIP } from "node:net";
import { join, resolve } from "node:path";
import {
  DEFAULT_LIMIT_SETTINGS,
  DEFAULT_RETENTION_SETTINGS,
  DEFAULT_WEBHOOK_RETRY_SCHEDULE,
  type LimitSettings,
  type RetentionSettings,
} from "@kyro/api";
import type { ObjectStorageConfig } from "@kyro/platform";
import { z } from "zod";
import {
  commaList,
  flag,
  HOSTNAME,
  limit,
  PORT_NUMBER,
  parseCidr,
  parseDelay,
  parseEmail,
  parseOrigin,
  parseProxy,
  urlWithScheme,
} from "./config-values";

/** A bad environment; its message is one line naming each offending variable, never its value. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const NODE_ENVS = ["development", "test", "production"] as const;

export const MIN_SECRET_LENGTH = 32;

export interface Config {
  nodeEnv: (typeof NODE_ENVS)[number];
  /** Postgres when set; otherwise PGlite in `dataDir`. */
  databaseUrl?: string;
  /** Redis when set; otherwise in-process limits. */
  redisUrl?: string;
  /** First part of every Redis key and channel, so deployments sharing one Redis never collide. */
  redisKeyPrefix: string;
  /** Absolute path. */
  dataDir: string;
  /** Unset only outside production; the server then uses a generated secret kept in `dataDir`. */
  secret?: string;
  port: number;
  host: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Unset: mail is logged, not sent. */
  smtpUrl?: string;
  smtpFrom: string;
  outboundAllowCidrs: string[];
  corsOrigins: string[];
  /** Proxies whose X-Forwarded-For is believed (KYRO_TRUSTED_PROXIES); empty: the peer address is the client. */
  trustedProxies: string[];
  platformAdmins: string[];
  webhookRetryScheduleSeconds: number[];
  autoMigrate: boolean;
  /** Base of links sent by mail; no trailing slash. */
  publicUrl: string;
  /** KYRO_LIMITS_ENABLED and the KYRO_LIMIT_* defaults. */
  limits: LimitSettings;
  /** KYRO_AUDIT_RETENTION_MIN_DAYS: the floor of every org's audit retention. */
  retention: RetentionSettings;
  /** Unset: /metrics on the API port answers 404; set: it requires `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Set: /metrics is also served by a listener of its own on HOST and this port (0 picks a free one). */
  metricsPort?: number;
  /** Export files: `<dataDir>/exports`, or the S3-compatible bucket of KYRO_S3_BUCKET. */
  exportStorage: ObjectStorageConfig;
}

export const MIN_METRICS_TOKEN_LENGTH = 32;

const LIMIT_DEFAULTS = DEFAULT_LIMIT_SETTINGS.defaults;

const schema = z
  .object({
    NODE_ENV: z.enum(NODE_ENVS, { error: `must be one of ${NODE_ENVS.join(", ")}` }).default("development"),
    DATABASE_URL: urlWithScheme(["postgres", "postgresql"]).optional(),
    REDIS_URL: urlWithScheme(["redis", "rediss"]).optional(),
    KYRO_REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
        error: "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
      })
      .default("kyro"),
    KYRO_DATA_DIR: z.string().default("./.kyro"),
    KYRO_SECRET: z
      .string()
      .min(MIN_SECRET_LENGTH, { error: `must be at least ${MIN_SECRET_LENGTH} characters` })
      .optional(),
    PORT: PORT_NUMBER.default(3000),
    HOST: z
      .string()
      .refine((value) => isIP(value) !== 0 || HOSTNAME.test(value), {
        error: "must be a hostname or an IP address",
      })
      .default("127.0.0.1"),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
    SMTP_URL: urlWithScheme(["smtp", "smtps"]).optional(),
    SMTP_FROM: z
      .string()
      .regex(/^[^\r\n]+$/, { error: "must be a single line" })
      .default("Kyro <no-reply@kyro.local>"),
    KYRO_OUTBOUND_ALLOW_CIDRS: commaList("CIDR ranges (e.g. 127.0.0.0/8)", parseCidr).default([]),
    CORS_ORIGINS: commaList("origins (e.g. https://console.example.com)", parseOrigin).default([]),
    KYRO_TRUSTED_PROXIES: commaList(
      "addresses, CIDR ranges or loopback/linklocal/uniquelocal",
      parseProxy,
    ).default([]),
    KYRO_PLATFORM_ADMINS: commaList("email addresses", parseEmail).default([]),
    KYRO_WEBHOOK_RETRY_SCHEDULE: commaList("positive whole seconds", parseDelay)
      .refine((delays) => delays.length > 0, { error: "must list at least one delay" })
      .default([...DEFAULT_WEBHOOK_RETRY_SCHEDULE]),
    KYRO_AUTO_MIGRATE: flag(true),
    KYRO_PUBLIC_URL: urlWithScheme(["http", "https"]).optional(),
    KYRO_LIMITS_ENABLED: flag(true),
    KYRO_LIMIT_KEY_RPM: limit(LIMIT_DEFAULTS.keyRequestsPerMinute),
    KYRO_LIMIT_USER_RPM: limit(LIMIT_DEFAULTS.userRequestsPerMinute),
    KYRO_LIMIT_ORG_RPM: limit(LIMIT_DEFAULTS.orgRequestsPerMinute),
    KYRO_LIMIT_REQUESTS_PER_DAY: limit(LIMIT_DEFAULTS.requestsPerDay),
    KYRO_LIMIT_MESSAGES_PER_DAY: limit(LIMIT_DEFAULTS.messagesPerDay),
    KYRO_LIMIT_BOT_RPM: limit(LIMIT_DEFAULTS.botRequestsPerMinute),
    KYRO_LIMIT_BOT_MESSAGES_PER_DAY: limit(LIMIT_DEFAULTS.botMessagesPerDay),
    KYRO_LIMIT_IP_RPM: limit(DEFAULT_LIMIT_SETTINGS.ipRequestsPerMinute),
    KYRO_AUDIT_RETENTION_MIN_DAYS: limit(DEFAULT_RETENTION_SETTINGS.auditMinimumDays),
    KYRO_LIMIT_CONVERSATION_MPM: limit(DEFAULT_LIMIT_SETTINGS.conversationMessagesPerMinute),
    // A bearer token goes in a header as it is: visible ASCII without spaces (RFC 6750 b64token-ish).
    KYRO_METRICS_TOKEN: z
      .string()
      .regex(/^[\x21-\x7e]+$/, { error: "must be visible ASCII characters without spaces" })
      .min(MIN_METRICS_TOKEN_LENGTH, { error: `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters` })
      .optional(),
    KYRO_METRICS_PORT: PORT_NUMBER.optional(),
    KYRO_S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name" })
      .optional(),
    KYRO_S3_ENDPOINT: urlWithScheme(["http", "https"]).optional(),
    KYRO_S3_REGION: z
      .string()
      .regex(/^[a-z0-9-]+$/, { error: "must be a region name" })
      .default("us-east-1"),
    KYRO_S3_ACCESS_KEY_ID: z.string().optional(),
    KYRO_S3_SECRET_ACCESS_KEY: z.string().optional(),
    KYRO_S3_FORCE_PATH_STYLE: flag(true),
  })
  .superRefine((env, ctx) => {
    if ((env.KYRO_S3_ACCESS_KEY_ID === undefined) !== (env.KYRO_S3_SECRET_ACCESS_KEY === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["KYRO_S3_SECRET_ACCESS_KEY"],
        message: "must be set together with KYRO_S3_ACCESS_KEY_ID",
      });
    }
    if (
      env.KYRO_METRICS_PORT !== undefined &&
      env.KYRO_METRICS_PORT !== 0 &&
      env.KYRO_METRICS_PORT === env.PORT
    ) {
      ctx.addIssue({ code: "custom", path: ["KYRO_METRICS_PORT"], message: "must differ from PORT" });
    }
    if (env.NODE_ENV !== "production") return;
    if (!env.KYRO_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["KYRO_SECRET"],
        message: `is required when NODE_ENV=production (at least ${MIN_SECRET_LENGTH} characters)`,
      });
    }
    if (!env.DATABASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_URL"],
        message: "is required when NODE_ENV=production",
      });
    }
  });

/** Every environment variable Kyro reads; docs/configuration.md lists them (a test compares the two). */
export const VARIABLES = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`PORT=`) means "use the default", as most shells and .env files intend.
  const input = Object.fromEntries(
    VARIABLES.map((name) => [name, env[name]?.trim() ? env[name].trim() : undefined]),
  );
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${[...new Set(problems)].join("; ")}`);
  }
  const parsed = result.data;
  const urlHost = isIP(parsed.HOST) === 6 ? `[${parsed.HOST}]` : parsed.HOST;
  const dataDir = resolve(parsed.KYRO_DATA_DIR);
  return {
    nodeEnv: parsed.NODE_ENV,
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    redisKeyPrefix: parsed.KYRO_REDIS_PREFIX,
    dataDir,
    secret: parsed.KYRO_SECRET,
    port: parsed.PORT,
    host: parsed.HOST,
    logLevel: parsed.LOG_LEVEL,
    smtpUrl: parsed.SMTP_URL,
    smtpFrom: parsed.SMTP_FROM,
    outboundAllowCidrs: parsed.KYRO_OUTBOUND_ALLOW_CIDRS,
    corsOrigins: parsed.CORS_ORIGINS,
    trustedProxies: parsed.KYRO_TRUSTED_PROXIES,
    platformAdmins: parsed.KYRO_PLATFORM_ADMINS,
    webhookRetryScheduleSeconds: parsed.KYRO_WEBHOOK_RETRY_SCHEDULE,
    autoMigrate: parsed.KYRO_AUTO_MIGRATE,
    publicUrl: (parsed.KYRO_PUBLIC_URL ?? `http://${urlHost}:${parsed.PORT}`).replace(/\/+$/, ""),
    limits: {
      requestLimitsEnabled: parsed.KYRO_LIMITS_ENABLED,
      defaults: {
        keyRequestsPerMinute: parsed.KYRO_LIMIT_KEY_RPM,
        userRequestsPerMinute: parsed.KYRO_LIMIT_USER_RPM,
        orgRequestsPerMinute: parsed.KYRO_LIMIT_ORG_RPM,
        requestsPerDay: parsed.KYRO_LIMIT_REQUESTS_PER_DAY,
        messagesPerDay: parsed.KYRO_LIMIT_MESSAGES_PER_DAY,
        botRequestsPerMinute: parsed.KYRO_LIMIT_BOT_RPM,
        botMessagesPerDay: parsed.KYRO_LIMIT_BOT_MESSAGES_PER_DAY,
      },
      ipRequestsPerMinute: parsed.KYRO_LIMIT_IP_RPM,
      conversationMessagesPerMinute: parsed.KYRO_LIMIT_CONVERSATION_MPM,
    },
    retention: { auditMinimumDays: parsed.KYRO_AUDIT_RETENTION_MIN_DAYS },
    metricsToken: parsed.KYRO_METRICS_TOKEN,
    metricsPort: parsed.KYRO_METRICS_PORT,
    exportStorage: exportStorageOf(parsed, dataDir),
  };
}

function exportStorageOf(parsed: z.output<typeof schema>, dataDir: string): ObjectStorageConfig {
  if (!parsed.KYRO_S3_BUCKET) return { kind: "local", dir: join(dataDir, "exports") };
  const { KYRO_S3_ACCESS_KEY_ID: accessKeyId, KYRO_S3_SECRET_ACCESS_KEY: secretAccessKey } = parsed;
  return {
    kind: "s3",
    bucket: parsed.KYRO_S3_BUCKET,
    region: parsed.KYRO_S3_REGION,
    endpoint: parsed.KYRO_S3_ENDPOINT,
    forcePathStyle: parsed.KYRO_S3_FORCE_PATH_STYLE,
    // Unset: the SDK's own credential chain (instance or task role).
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}
