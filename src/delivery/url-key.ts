// Where the download-link key comes from: the configured hub secret
// (auth.secret) when set, else a random secret kept in the data directory so
// links already sent to portals keep working after a restart. "memory" data
// directories (tests) get a per-process key. One key per configuration object,
// shared by the outbox worker and the /files route.

import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/index.ts";
import { deriveDownloadKey } from "./signed-url.ts";

const KEY_FILE = "download-links.secret";
const keys = new WeakMap<object, Promise<Buffer>>();

export function downloadKeyFor(config: Pick<Config, "auth" | "dataDir">): Promise<Buffer> {
  let key = keys.get(config);
  if (!key) {
    key = loadKey(config);
    keys.set(config, key);
    // A failed read should be retried on the next request, not cached forever.
    key.catch(() => keys.delete(config));
  }
  return key;
}

async function loadKey(config: Pick<Config, "auth" | "dataDir">): Promise<Buffer> {
  if (config.auth.secret) return deriveDownloadKey(config.auth.secret);
  if (config.dataDir === "memory") return deriveDownloadKey(randomBytes(32));
  const file = path.resolve(config.dataDir, KEY_FILE);
  try {
    return deriveDownloadKey((await readFile(file, "utf8")).trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  try {
    // wx: if another process created it meanwhile, use theirs.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return deriveDownloadKey(secret);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return deriveDownloadKey((await readFile(file, "utf8")).trim());
  }
}
