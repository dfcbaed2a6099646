// Loads configuration: defaults ← file ← environment. Secrets never live in
// the file in clear: a value written as {"env": "NAME"} or {"file": "/path"}
// is replaced by that variable's or file's content before validation.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { describeIssues, formatPath } from "./issues.ts";
import { configSchema, type Config } from "./schema.ts";
import { findUnresolvedReferences } from "./secret-syntax.ts";

export class ConfigError extends Error {}

export const DEFAULT_CONFIG_FILES = ["portalsync.config.yaml", "portalsync.config.yml", "portalsync.config.json"];

export interface LoadOptions {
  /** Explicit file (CLI --config or PORTALSYNC_CONFIG). */
  file?: string | undefined;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Applied last (CLI flags). */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  /** The file read, or null when running on defaults. */
  file: string | null;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const explicit = options.file ?? env.PORTALSYNC_CONFIG;
  const file = explicit
    ? path.resolve(cwd, explicit)
    : (DEFAULT_CONFIG_FILES.map((f) => path.resolve(cwd, f)).find((f) => existsSync(f)) ?? null);
  if (explicit && file && !existsSync(file)) throw new ConfigError(`configuration file not found: ${file}`);

  let raw: Record<string, unknown> = {};
  if (file) {
    const text = readFileSync(file, "utf8");
    try {
      raw = (file.endsWith(".json") ? JSON.parse(text) : YAML.parse(text, { maxAliasCount: 100 })) ?? {};
    } catch (error) {
      throw new ConfigError(`${file}: not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(error as Error).message}`);
    }
  }
  if (typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(`${file}: the top level must be a mapping of keys`);
  // Top-level `x-…` keys hold YAML anchors (`x-defaults: &defaults`), as in
  // compose files; they are documented as ignored. Any other unknown key is
  // refused by the schema.
  raw = Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith("x-")));
  const references = findUnresolvedReferences(raw);
  if (references.length > 0) {
    throw new ConfigError(`${file ?? "configuration"} is not valid:\n${references.map((r) => `  ${r.path}: ${r.message}`).join("\n")}`);
  }
  const withEnv = applyEnvironment(raw, env);
  const merged = { ...withEnv, ...options.overrides };
  const resolved = resolveSecrets(merged, env, file ? path.dirname(file) : cwd, []);
  const parsed = configSchema.safeParse(resolved);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error, configSchema).map((line) => `  ${line}`);
    throw new ConfigError(`${file ?? "configuration"} is not valid:\n${lines.join("\n")}`);
  }
  return { config: parsed.data, file };
}

/** Environment variables that override file keys (documented in docs/configuration.md). */
function applyEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, any> = structuredClone(raw);
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  if (env.PORTALSYNC_DATA_DIR) out.dataDir = env.PORTALSYNC_DATA_DIR;
  if (env.PORT) out.server = { ...out.server, port: Number(env.PORT) };
  if (env.HOST) out.server = { ...out.server, host: env.HOST };
  if (env.PORTALSYNC_PUBLIC_URL) out.server = { ...out.server, publicUrl: env.PORTALSYNC_PUBLIC_URL };
  if (env.LOG_LEVEL) out.log = { ...out.log, level: env.LOG_LEVEL };
  if (env.PORTALSYNC_SECRET) out.auth = { ...out.auth, secret: env.PORTALSYNC_SECRET };
  if (env.PORTALSYNC_ADMIN_PASSWORD) {
    out.auth = { ...out.auth, bootstrapAdmin: { ...out.auth?.bootstrapAdmin, password: env.PORTALSYNC_ADMIN_PASSWORD } };
  }
  return out;
}

function resolveSecrets(value: unknown, env: NodeJS.ProcessEnv, baseDir: string, at: (string | number)[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, env, baseDir, [...at, i]));
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === "env" && typeof entries[0]![1] === "string") {
      const name = entries[0]![1];
      const secret = env[name];
      if (secret === undefined) throw new ConfigError(`${formatPath(at)}: environment variable ${name} is not set`);
      return secret;
    }
    if (entries.length === 1 && entries[0]![0] === "file" && typeof entries[0]![1] === "string") {
      const file = path.resolve(baseDir, entries[0]![1]);
      if (!existsSync(file)) throw new ConfigError(`${formatPath(at)}: secret file ${file} not found`);
      return readFileSync(file, "utf8").trim();
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolveSecrets(v, env, baseDir, [...at, k])]));
  }
  return value;
}
