// Opens the hub's database: PGlite in the data directory by default (no server
// to install), or PostgreSQL when DATABASE_URL says so. Same schema, same
// migrations, same SQL for both.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import lockfile from "proper-lockfile";
import { PrismaClient } from "../generated/prisma/client.ts";
import { migrate, type MigrationResult } from "./migrate.ts";
import { pgliteRunner, pgPoolRunner, type SqlRunner } from "./sql.ts";

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
    db = new PGlite();
  } else {
    const dir = path.resolve(dataDir, "db");
    await mkdir(dir, { recursive: true });
    // PGlite is single-process: a second hub on the same directory would
    // corrupt it, so refuse with a clear message instead.
    try {
      release = await lockfile.lock(dir, { lockfilePath: path.join(dir, "..", "db.lock"), stale: 15_000, update: 5_000 });
    } catch {
      throw new DatabaseInUseError(
        `the embedded database in ${dir} is in use by another portalsync process; stop it, or use PostgreSQL (DATABASE_URL) to run several hubs`,
      );
    }
    db = new PGlite(dir);
  }
  await db.waitReady;
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
      await prisma.$disconnect();
      await db.close();
      await release?.();
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, application_name: "portalsync" });
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
