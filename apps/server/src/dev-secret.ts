import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, MIN_SECRET_LENGTH } from "./config";

export interface DevSecret {
  secret: string;
  path: string;
  /** True when this call generated the file. */
  created: boolean;
}

/**
 * Outside production, KYRO_SECRET may be unset: the secret is generated once into `<dataDir>/secret`
 * (owner-only) and reused, so sessions and stored HMACs survive restarts of a laptop install.
 */
export function loadOrCreateDevSecret(dataDir: string): DevSecret {
  const path = join(dataDir, "secret");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const generated = randomBytes(32).toString("base64url");
  try {
    // `wx` fails if the file exists, so two processes starting together still agree on one secret.
    writeFileSync(path, `${generated}\n`, { mode: 0o600, flag: "wx" });
    return { secret: generated, path, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const secret = readFileSync(path, "utf8").trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `Invalid configuration: ${path} must hold a secret of at least ${MIN_SECRET_LENGTH} characters (delete it to generate a new one)`,
    );
  }
  return { secret, path, created: false };
}
