// Several real `portalsync serve` processes on one PostgreSQL database, for the
// slow multi-process suites and the scale benchmark. Each is the CLI an
// operator runs (bin/portalsync.js), started with `--port 0`; the test reads
// its JSON log lines, its HTTP API and the shared database.

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createApiToken } from "../../src/auth/index.ts";
import { openDatabase, type Database } from "../../src/db/index.ts";
import { startCli, type CliProcess } from "./cli-process.ts";
import { createTestDatabase, type TestDatabase } from "./pg.ts";

/** The server the slow suites use: PORTALSYNC_TEST_DATABASE_URL, else the machine's local PostgreSQL. */
export const PG_SERVER_URL = process.env.PORTALSYNC_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

export interface HubProcess {
  name: string;
  proc: CliProcess;
  url: string;
  hubId: string;
  /** Resident set size of the process in bytes (Linux /proc), or null once it exited. */
  rss(): Promise<number | null>;
  /** CPU time (user + system) the process has used so far, in seconds (Linux /proc), or null once it exited. */
  cpuSeconds(): Promise<number | null>;
}

export interface Cluster {
  dir: string;
  database: TestDatabase;
  /** A connection of the test's own to the shared database (migrated by the first hub). */
  db: Database;
  hubs: HubProcess[];
  adminToken: string;
  env: Record<string, string>;
  start(name: string): Promise<HubProcess>;
  api(hub: HubProcess, p: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** The configuration file's content (JSON); dataDir, secrets and URLs are added. */
  config: Record<string, unknown>;
  /** Extra environment (secrets referenced by `{ env: … }` in the configuration). */
  env?: Record<string, string>;
  hubs: number;
  prefix?: string;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-cluster-"));
  const database = await createTestDatabase(PG_SERVER_URL, options.prefix ?? "portalsync_slow");
  const configFile = path.join(dir, "portalsync.config.json");
  await writeFile(configFile, JSON.stringify({ log: { level: "info" }, ...options.config }));
  // Every hub shares: the database, the blob directory (a shared filesystem in
  // production), the auth secret (cookies and signed links) and the public URL
  // (payloads carry links built on it, so a redelivery by another process is
  // byte-identical).
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    PORTALSYNC_DATA_DIR: path.join(dir, "data"),
    PORTALSYNC_SECRET: "cluster-test-secret-0123456789abcdef",
    PORTALSYNC_PUBLIC_URL: "http://portalsync.cluster.test",
    ...options.env,
  };
  const hubs: HubProcess[] = [];
  let db: Database | null = null;

  async function start(name: string): Promise<HubProcess> {
    const proc = startCli(["--config", configFile, "serve", "--port", "0"], env);
    const line = await proc.waitForLog((l) => l.msg === "portalsync hub listening", 90_000);
    const hub: HubProcess = {
      name,
      proc,
      url: String(line.url),
      hubId: String(line.hubId),
      async rss() {
        const status = await readProcFile(proc.child.pid, "status");
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status ?? "")?.[1]);
        return Number.isFinite(kb) ? kb * 1024 : null;
      },
      async cpuSeconds() {
        const stat = await readProcFile(proc.child.pid, "stat");
        if (stat === null) return null;
        // fields after the parenthesised command name; utime and stime are the 12th and 13th, in clock ticks (100/s on Linux)
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[11]) + Number(fields[12])) / 100;
      },
    };
    hubs.push(hub);
    return hub;
  }

  try {
    // The first one alone: it applies the migrations the others find done.
    await start("hub-1");
    await Promise.all(Array.from({ length: options.hubs - 1 }, (_, i) => start(`hub-${i + 2}`)));
    db = await openDatabase({ url: database.url, dataDir: dir });
    const { token } = await createApiToken(db.prisma, { name: "cluster-test", role: "admin", siteId: null });
    const cluster: Cluster = {
      dir,
      database,
      db,
      hubs,
      adminToken: token,
      env,
      start,
      api(hub, p, init = {}) {
        const { json, ...rest } = init;
        return fetch(`${hub.url}${p}`, {
          ...rest,
          ...(json !== undefined ? { method: rest.method ?? "POST", body: JSON.stringify(json) } : {}),
          headers: { authorization: `Bearer ${token}`, ...(json !== undefined ? { "content-type": "application/json" } : {}), ...(rest.headers as Record<string, string> | undefined) },
        });
      },
      async close() {
        await stopAll(hubs);
        await db?.close();
        await database.drop();
        await rm(dir, { recursive: true, force: true });
      },
    };
    return cluster;
  } catch (error) {
    await stopAll(hubs);
    await db?.close();
    await database.drop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function stopAll(hubs: HubProcess[]): Promise<void> {
  await Promise.all(
    hubs.map(async (h) => {
      if (h.proc.child.exitCode !== null || h.proc.child.signalCode !== null) return;
      h.proc.child.kill("SIGTERM");
      const timer = setTimeout(() => h.proc.child.kill("SIGKILL"), 20_000);
      await h.proc.exited;
      clearTimeout(timer);
    }),
  );
}

/** Sum of a Prometheus counter's samples whose labels contain `labels`. */
export async function counter(hub: HubProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

export async function waitUntil<T>(what: string, fn: () => Promise<T | false | null | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** /proc/<pid>/<name> as text, or null once the process is gone (or off Linux). */
async function readProcFile(pid: number | undefined, name: string): Promise<string | null> {
  if (pid === undefined) return null;
  return readFile(`/proc/${pid}/${name}`, "utf8").catch(() => null);
}
