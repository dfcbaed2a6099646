// Opens the hub's database: PGlite in the data directory by default (no server
// to install), or PostgreSQL when DATABASE_URL says so. Same schema, same
// migrations, same SQL for both.

import { execFile } from "node:child_process";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import lockfile from "proper-lockfile";
import { PrismaClient } from "../generated/prisma/client.ts";
import { migrate, type MigrationResult } from "./migrate.ts";
import { pgliteRunner, pgPoolRunner, type SqlRunner } from "./sql.ts";
import { createTimeSlicedGate, type TimeSlicedGate } from "./time-slice.ts";

export type Prisma = PrismaClient;

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  sql: SqlRunner;
  /** For pg-boss on PostgreSQL (it opens its own pool); null on PGlite. */
  connectionString: string | null;
  migrate(): Promise<MigrationResult>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… or postgresql://…; anything else (or nothing) means PGlite. */
  url?: string | undefined;
  /** PGlite data directory, or "memory" for a throwaway in-memory database (tests). */
  dataDir: string;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

export class DatabaseInUseError extends Error {}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return isPostgresUrl(options.url) ? openPostgres(options.url) : openPglite(options.dataDir);
}

async function openPglite(dataDir: string): Promise<Database> {
  let release: (() => Promise<void>) | null = null;
  let db: PGlite;
  if (dataDir === "memory") {
    db = new PGlite({ extensions: PGLITE_EXTENSIONS });
  } else {
    const dir = path.resolve(dataDir, "db");
    await mkdir(dir, { recursive: true });
    release = await lockDataDir(dir);
    await initialiseDataDir(dir);
    db = new PGlite(dir, { startParams: PGLITE_START_PARAMS, extensions: PGLITE_EXTENSIONS });
  }
  await db.waitReady;
  const gate = gateStatements(db);
  const sql = pgliteRunner(db);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  let closed = false;
  return {
    kind: "pglite",
    prisma,
    sql,
    connectionString: null,
    migrate: () => migrate(sql),
    async ping() {
      await db.query("SELECT 1");
    },
    async close() {
      if (closed) return;
      closed = true;
      // Statements already queued run first; PGlite closes after them.
      await gate.run(async () => {});
      await prisma.$disconnect();
      await db.close();
      await release?.();
    },
  };
}

/**
 * Statements reach PGlite through a time-sliced gate (time-slice.ts): one at
 * a time, in arrival order, and the event loop turns between slices, so
 * requests are read and answered while a backfill or fifty clients keep the
 * database busy. A transaction holds the gate until it ends (its statements
 * use the transaction's own handle). 25 ms: in the console-load benchmark
 * (50 clients with no pause, during a backfill) it answered 143 reads/s with
 * p99 0.6–0.7 s, against 104/s and 0.8 s with 10 ms and 94/s and 1.2 s with
 * 10 ms and a single setImmediate per turn; with a pause between reads all
 * three kept p99 under 0.2 s (docs/performance.md).
 */
const EMBEDDED_SLICE_MS = 25;

function gateStatements(db: PGlite): TimeSlicedGate {
  const gate = createTimeSlicedGate({ sliceMs: EMBEDDED_SLICE_MS });
  const gated = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => gate.run(() => fn(...args));
  Object.assign(db, {
    query: gated(db.query.bind(db)) as PGlite["query"],
    exec: gated(db.exec.bind(db)) as PGlite["exec"],
    transaction: gated(db.transaction.bind(db)) as PGlite["transaction"],
  });
  return gate;
}

/**
 * Contrib extensions the migrations may create: pg_trgm indexes the
 * accent-free search text, so a search for a word does not read every row
 * (prisma/migrations/20261204000600_console_indexes). PGlite can only create
 * an extension it was started with, and a database that has one needs it
 * loaded from then on.
 */
const PGLITE_EXTENSIONS = { pg_trgm };

/**
 * PostgreSQL settings of the embedded database. shared_buffers is
 * PostgreSQL's own page cache; it lives in PGlite's WASM memory and is
 * touched at start, so all of it is resident from the first second (PGlite's
 * default is 128 MB). 16 MB keeps the hub's memory flat; the data files are
 * ordinary files, so the OS page cache serves what does not fit (measured in
 * tests/bench/ingest.bench.ts). fsync is already off in PGlite (-F).
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

/**
 * A new data directory is initialised (initdb) in a short-lived child
 * process: PGlite's initdb runs a second PostgreSQL in memory and copies its
 * files over, which takes ~600 MB that the hub process would otherwise keep
 * until a garbage collection gets round to it. Once per data directory; if the
 * child cannot run, PGlite initialises in process as before.
 */
async function initialiseDataDir(dir: string): Promise<void> {
  if (await stat(path.join(dir, "PG_VERSION")).then(() => true, () => false)) return;
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const script = `const { PGlite } = require(process.argv[1]);
(async () => { const db = new PGlite(process.argv[2]); await db.waitReady; await db.close(); })().catch((e) => { console.error(e); process.exit(1); });`;
  await new Promise<void>((resolve) => {
    execFile(process.execPath, ["-e", script, entry, dir], { env: process.env }, () => resolve());
  });
}

/**
 * PGlite is single-process: a second hub on the same directory would corrupt
 * it, so refuse with a clear message. The lock records its owner's pid, so a
 * lock left by a killed process on this host is taken over at once instead
 * of waiting for it to go stale.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lockfilePath = path.join(dir, "..", "db.lock");
  // Beside the lock directory, not in it: proper-lockfile removes it with rmdir.
  const ownerFile = `${lockfilePath}.owner.json`;
  const options = { lockfilePath, stale: 15_000, update: 5_000 };
  for (let attempt = 0; ; attempt++) {
    try {
      const release = await lockfile.lock(dir, options);
      await writeFile(ownerFile, JSON.stringify({ pid: process.pid, host: os.hostname() }));
      return async () => {
        await rm(ownerFile, { force: true });
        await release();
      };
    } catch {
      const owner = await readFile(ownerFile, "utf8").then((t) => JSON.parse(t) as { pid: number; host: string }, () => null);
      if (attempt === 0 && owner && owner.host === os.hostname() && !processAlive(owner.pid)) {
        await rm(lockfilePath, { recursive: true, force: true });
        continue;
      }
      throw new DatabaseInUseError(
        `the embedded database in ${dir} is in use by another portalsync process${owner ? ` (pid ${owner.pid})` : ""}; stop it, or use PostgreSQL (DATABASE_URL) to run several hubs`,
      );
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, application_name: "portalsync" });
  // An idle client whose server went away (restart, failover) emits 'error' on
  // the pool; unhandled, that would kill the hub. The pool drops the client
  // and the next query connects anew, so there is nothing else to do here.
  pool.on("error", () => {});
  const sql = pgPoolRunner(pool);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 10, application_name: "portalsync" }) });
  let closed = false;
  return {
    kind: "postgres",
    prisma,
    sql,
    connectionString: url,
    migrate: () => migrate(sql),
    async ping() {
      await pool.query("SELECT 1");
    },
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
