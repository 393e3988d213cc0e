import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_LIMIT_SETTINGS, DEFAULT_RETENTION_SETTINGS } from "@kyro/api";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config";
import { loadOrCreateDevSecret } from "../src/dev-secret";

const SECRET = "s".repeat(32);
const METRICS_TOKEN = "m-3tr1cs.T0ken_".padEnd(32, "x");
const PRODUCTION = {
  NODE_ENV: "production",
  KYRO_SECRET: SECRET,
  DATABASE_URL: "postgres://db.internal/kyro",
};

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the documented defaults to an empty environment", () => {
    expect(loadConfig({})).toEqual({
      nodeEnv: "development",
      databaseUrl: undefined,
      redisUrl: undefined,
      redisKeyPrefix: "kyro",
      dataDir: resolve(".kyro"),
      secret: undefined,
      port: 3000,
      host: "127.0.0.1",
      logLevel: "info",
      smtpUrl: undefined,
      smtpFrom: "Kyro <no-reply@kyro.local>",
      outboundAllowCidrs: [],
      corsOrigins: [],
      trustedProxies: [],
      platformAdmins: [],
      webhookRetryScheduleSeconds: [5, 300, 1800, 7200, 18000, 36000, 36000],
      autoMigrate: true,
      publicUrl: "http://127.0.0.1:3000",
      limits: DEFAULT_LIMIT_SETTINGS,
      retention: DEFAULT_RETENTION_SETTINGS,
      metricsToken: undefined,
      metricsPort: undefined,
      exportStorage: { kind: "local", dir: resolve(".kyro", "exports") },
    });
  });

  it("parses every variable", () => {
    const config = loadConfig({
      DATABASE_URL: "postgresql://kyro:pw@db:5432/kyro",
      REDIS_URL: "rediss://cache:6380",
      KYRO_REDIS_PREFIX: "kyro-staging",
      KYRO_DATA_DIR: "/var/lib/kyro",
      KYRO_SECRET: SECRET,
      PORT: "8080",
      HOST: "0.0.0.0",
      LOG_LEVEL: "debug",
      SMTP_URL: "smtp://mail:2525",
      SMTP_FROM: "Ops <ops@example.test>",
      KYRO_OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8, 10.1.0.0/16,::1/128",
      CORS_ORIGINS: "https://console.example.test,http://localhost:5173",
      KYRO_TRUSTED_PROXIES: "loopback, 10.0.0.0/8,192.0.2.7",
      KYRO_PLATFORM_ADMINS: " Ops@Example.test ,root@example.test",
      KYRO_WEBHOOK_RETRY_SCHEDULE: "1, 10,100",
      KYRO_AUTO_MIGRATE: "false",
      KYRO_PUBLIC_URL: "https://kyro.example.test/",
      KYRO_LIMITS_ENABLED: "false",
      KYRO_LIMIT_KEY_RPM: "11",
      KYRO_LIMIT_USER_RPM: "12",
      KYRO_LIMIT_ORG_RPM: "13",
      KYRO_LIMIT_REQUESTS_PER_DAY: "14",
      KYRO_LIMIT_MESSAGES_PER_DAY: "15",
      KYRO_LIMIT_BOT_RPM: "16",
      KYRO_LIMIT_BOT_MESSAGES_PER_DAY: "17",
      KYRO_LIMIT_IP_RPM: "18",
      KYRO_LIMIT_CONVERSATION_MPM: "19",
      KYRO_AUDIT_RETENTION_MIN_DAYS: "400",
      KYRO_METRICS_TOKEN: METRICS_TOKEN,
      KYRO_METRICS_PORT: "9464",
      KYRO_S3_BUCKET: "kyro-exports",
      KYRO_S3_ENDPOINT: "http://minio:9000",
      KYRO_S3_REGION: "eu-west-1",
      KYRO_S3_ACCESS_KEY_ID: "AKID",
      KYRO_S3_SECRET_ACCESS_KEY: "s3-secret",
      KYRO_S3_FORCE_PATH_STYLE: "false",
    });
    expect(config).toEqual({
      nodeEnv: "development",
      databaseUrl: "postgresql://kyro:pw@db:5432/kyro",
      redisUrl: "rediss://cache:6380",
      redisKeyPrefix: "kyro-staging",
      dataDir: "/var/lib/kyro",
      secret: SECRET,
      port: 8080,
      host: "0.0.0.0",
      logLevel: "debug",
      smtpUrl: "smtp://mail:2525",
      smtpFrom: "Ops <ops@example.test>",
      outboundAllowCidrs: ["127.0.0.0/8", "10.1.0.0/16", "::1/128"],
      corsOrigins: ["https://console.example.test", "http://localhost:5173"],
      trustedProxies: ["loopback", "10.0.0.0/8", "192.0.2.7"],
      platformAdmins: ["ops@example.test", "root@example.test"],
      webhookRetryScheduleSeconds: [1, 10, 100],
      autoMigrate: false,
      publicUrl: "https://kyro.example.test",
      limits: {
        requestLimitsEnabled: false,
        defaults: {
          keyRequestsPerMinute: 11,
          userRequestsPerMinute: 12,
          orgRequestsPerMinute: 13,
          requestsPerDay: 14,
          messagesPerDay: 15,
          botRequestsPerMinute: 16,
          botMessagesPerDay: 17,
        },
        ipRequestsPerMinute: 18,
        conversationMessagesPerMinute: 19,
      },
      retention: { auditMinimumDays: 400 },
      metricsToken: METRICS_TOKEN,
      metricsPort: 9464,
      exportStorage: {
        kind: "s3",
        bucket: "kyro-exports",
        region: "eu-west-1",
        endpoint: "http://minio:9000",
        forcePathStyle: false,
        credentials: { accessKeyId: "AKID", secretAccessKey: "s3-secret" },
      },
    });
  });

  it("derives the public URL from HOST and PORT, bracketing IPv6", () => {
    expect(loadConfig({ HOST: "::1", PORT: "4000" }).publicUrl).toBe("http://[::1]:4000");
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: " " })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it.each([
    ["PORT", "abc", "PORT must be an integer between 0 and 65535"],
    ["PORT", "65536", "PORT must be an integer between 0 and 65535"],
    ["PORT", "-1", "PORT must be an integer between 0 and 65535"],
    ["PORT", "80.5", "PORT must be an integer between 0 and 65535"],
    ["HOST", "not a host", "HOST must be a hostname or an IP address"],
    ["NODE_ENV", "staging", "NODE_ENV must be one of development, test, production"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent"],
    ["DATABASE_URL", "mysql://db/kyro", "DATABASE_URL must be a postgres:// or postgresql:// URL"],
    ["DATABASE_URL", "not a url", "DATABASE_URL must be a postgres:// or postgresql:// URL"],
    ["REDIS_URL", "http://cache", "REDIS_URL must be a redis:// or rediss:// URL"],
    [
      "KYRO_REDIS_PREFIX",
      "kyro prod",
      "KYRO_REDIS_PREFIX must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
    ],
    ["SMTP_URL", "mail.example.test", "SMTP_URL must be a smtp:// or smtps:// URL"],
    ["KYRO_SECRET", "short", "KYRO_SECRET must be at least 32 characters"],
    ["KYRO_PUBLIC_URL", "ftp://kyro", "KYRO_PUBLIC_URL must be a http:// or https:// URL"],
    ["KYRO_AUTO_MIGRATE", "maybe", "KYRO_AUTO_MIGRATE must be true or false"],
    ["KYRO_LIMITS_ENABLED", "sometimes", "KYRO_LIMITS_ENABLED must be true or false"],
    ["KYRO_LIMIT_KEY_RPM", "0", "KYRO_LIMIT_KEY_RPM must be a positive whole number"],
    ["KYRO_LIMIT_MESSAGES_PER_DAY", "1.5", "KYRO_LIMIT_MESSAGES_PER_DAY must be a positive whole number"],
    [
      "KYRO_OUTBOUND_ALLOW_CIDRS",
      "10.0.0.0/33",
      "KYRO_OUTBOUND_ALLOW_CIDRS must be a comma-separated list of CIDR",
    ],
    [
      "KYRO_OUTBOUND_ALLOW_CIDRS",
      "127.0.0.1",
      "KYRO_OUTBOUND_ALLOW_CIDRS must be a comma-separated list of CIDR",
    ],
    [
      "KYRO_OUTBOUND_ALLOW_CIDRS",
      "300.1.1.1/8",
      "KYRO_OUTBOUND_ALLOW_CIDRS must be a comma-separated list of CIDR",
    ],
    ["CORS_ORIGINS", "*", "CORS_ORIGINS must be a comma-separated list of origins"],
    [
      "KYRO_TRUSTED_PROXIES",
      "everyone",
      "KYRO_TRUSTED_PROXIES must be a comma-separated list of addresses, CIDR ranges or loopback/linklocal/uniquelocal",
    ],
    [
      "CORS_ORIGINS",
      "https://ok.test,https://x.test/path",
      "CORS_ORIGINS must be a comma-separated list of origins",
    ],
    ["CORS_ORIGINS", "ftp://files.test", "CORS_ORIGINS must be a comma-separated list of origins"],
    [
      "KYRO_PLATFORM_ADMINS",
      "ops@example.test,nobody",
      "KYRO_PLATFORM_ADMINS must be a comma-separated list of email",
    ],
    [
      "KYRO_WEBHOOK_RETRY_SCHEDULE",
      "5,0,10",
      "KYRO_WEBHOOK_RETRY_SCHEDULE must be a comma-separated list of positive",
    ],
    [
      "KYRO_WEBHOOK_RETRY_SCHEDULE",
      "5,1.5",
      "KYRO_WEBHOOK_RETRY_SCHEDULE must be a comma-separated list of positive",
    ],
    ["KYRO_WEBHOOK_RETRY_SCHEDULE", ",", "KYRO_WEBHOOK_RETRY_SCHEDULE must list at least one delay"],
    ["SMTP_FROM", "Kyro <a@b.test>\nBcc: x@y.test", "SMTP_FROM must be a single line"],
    ["KYRO_METRICS_TOKEN", "short-token", "KYRO_METRICS_TOKEN must be at least 32 characters"],
    [
      "KYRO_METRICS_TOKEN",
      `${"t".repeat(32)} with spaces`,
      "KYRO_METRICS_TOKEN must be visible ASCII characters without spaces",
    ],
    ["KYRO_METRICS_TOKEN", `${"t".repeat(32)}é`, "KYRO_METRICS_TOKEN must be visible ASCII"],
    ["KYRO_METRICS_PORT", "70000", "KYRO_METRICS_PORT must be an integer between 0 and 65535"],
    ["KYRO_METRICS_PORT", "3000", "KYRO_METRICS_PORT must differ from PORT"],
  ])("rejects %s=%j in one line naming the variable", (name, value, expected) => {
    const message = configError({ [name]: value });
    expect(message).toMatch(
      new RegExp(`^Invalid configuration: ${expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    );
    expect(message).not.toContain("\n");
  });

  it("never echoes a rejected value", () => {
    expect(configError({ KYRO_SECRET: "hunter2-too-short" })).not.toContain("hunter2");
    expect(configError({ KYRO_METRICS_TOKEN: "hunter2 metrics" })).not.toContain("hunter2");
  });

  it("lets the metrics listener share port 0 (both pick a free port) but no fixed port with the API", () => {
    expect(loadConfig({ PORT: "0", KYRO_METRICS_PORT: "0" })).toMatchObject({ port: 0, metricsPort: 0 });
    expect(loadConfig({ PORT: "8080", KYRO_METRICS_PORT: "3000" }).metricsPort).toBe(3000);
    expect(configError({ PORT: "8080", KYRO_METRICS_PORT: "8080" })).toContain(
      "KYRO_METRICS_PORT must differ",
    );
  });

  it("names every bad variable on the same line", () => {
    const message = configError({ PORT: "x", LOG_LEVEL: "loud" });
    expect(message).toContain("PORT must be");
    expect(message).toContain("LOG_LEVEL must be");
    expect(message.split("\n")).toHaveLength(1);
  });

  it("requires KYRO_SECRET and DATABASE_URL in production", () => {
    const message = configError({ NODE_ENV: "production" });
    expect(message).toBe(
      "Invalid configuration: KYRO_SECRET is required when NODE_ENV=production (at least 32 characters); DATABASE_URL is required when NODE_ENV=production",
    );
    expect(configError({ ...PRODUCTION, KYRO_SECRET: undefined })).toMatch(/KYRO_SECRET is required/);
    expect(configError({ ...PRODUCTION, DATABASE_URL: undefined })).toMatch(/DATABASE_URL is required/);
    expect(configError({ ...PRODUCTION, KYRO_SECRET: "s".repeat(31) })).toMatch(
      /KYRO_SECRET must be at least 32/,
    );
    expect(loadConfig(PRODUCTION)).toMatchObject({ nodeEnv: "production", secret: SECRET });
  });
});

describe("development secret", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "kyro-secret-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("is generated once, owner-only, and reused on later starts", () => {
    const dataDir = join(tempDir(), "nested", "data");
    const first = loadOrCreateDevSecret(dataDir);
    expect(first.created).toBe(true);
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect(first.path).toBe(join(dataDir, "secret"));
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(first.path, "utf8").trim()).toBe(first.secret);

    const second = loadOrCreateDevSecret(dataDir);
    expect(second).toEqual({ secret: first.secret, path: first.path, created: false });
  });

  it("differs between data directories", () => {
    expect(loadOrCreateDevSecret(tempDir()).secret).not.toBe(loadOrCreateDevSecret(tempDir()).secret);
  });

  it("refuses a truncated secret file instead of using a weak key", () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "secret"), "short\n", { mode: 0o600 });
    expect(() => loadOrCreateDevSecret(dataDir)).toThrow(ConfigError);
    expect(() => loadOrCreateDevSecret(dataDir)).toThrow(/must hold a secret of at least 32 characters/);
  });
});
