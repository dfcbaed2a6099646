// A minimal SQL runner shared by the migrator and pg-boss, over either PGlite
// (embedded) or a node-postgres pool. Prisma has its own adapter on top of the
// same connection/instance.

import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";

export interface SqlRunner {
  /** Run one or more statements without parameters (migrations, pg-boss DDL). */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /**
   * For a statement that takes longer to plan than to run, asked often (public
   * verification's look-up: ~6 ms of planning on PGlite against well under
   * one of running): prepared once per connection under `name`, after which
   * PostgreSQL reuses a generic plan. Strings and numbers only (PGlite's
   * EXECUTE takes no bind parameters, so they are sent as quoted literals).
   */
  queryPrepared?<T = Record<string, unknown>>(name: string, sql: string, params: (string | number)[]): Promise<{ rows: T[] }>;
  /** Run `fn` inside a transaction on one connection. */
  transaction<T>(fn: (tx: Omit<SqlRunner, "transaction">) => Promise<T>): Promise<T>;
}

const PREPARED_NAME = /^[a-z_][a-z0-9_]*$/;

/** A parameter as an SQL literal (standard_conforming_strings: only quotes need doubling). */
function literal(value: string | number): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("a prepared statement's number must be finite");
    return String(value);
  }
  if (value.includes("\0")) throw new Error("a prepared statement's text cannot hold NUL");
  return `'${value.replaceAll("'", "''")}'`;
}

export function pgliteRunner(db: PGlite): SqlRunner {
  const prepared = new Set<string>();
  const prepare = async (name: string, sql: string) => {
    if (!PREPARED_NAME.test(name)) throw new Error(`not a statement name: ${name}`);
    // Two first calls at once: the second finds it prepared (42P05).
    await db.exec(`PREPARE ${name} AS ${sql}`).catch((error: { code?: string }) => {
      if (error?.code !== "42P05") throw error;
    });
    prepared.add(name);
  };
  return {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      // pg-boss sends multi-statement SQL without parameters, which only
      // PGlite's exec (simple protocol) accepts.
      if (params.length === 0 && sql.includes(";")) {
        const results = await db.exec(sql);
        return { rows: (results.at(-1)?.rows ?? []) as T[] };
      }
      const result = await db.query<T>(sql, params as any[]);
      return { rows: result.rows };
    },
    async queryPrepared<T>(name: string, sql: string, params: (string | number)[]) {
      if (!prepared.has(name)) await prepare(name, sql);
      const execute = `EXECUTE ${name}${params.length ? `(${params.map(literal).join(", ")})` : ""}`;
      try {
        return { rows: (await db.query<T>(execute)).rows };
      } catch (error) {
        // Dropped behind our back (DEALLOCATE ALL): prepared again, once.
        if ((error as { code?: string })?.code !== "26000") throw error;
        prepared.delete(name);
        await prepare(name, sql);
        return { rows: (await db.query<T>(execute)).rows };
      }
    },
    transaction(fn) {
      return db.transaction(async (tx) =>
        fn({
          async exec(sql) {
            await tx.exec(sql);
          },
          async query<T>(sql: string, params: unknown[] = []) {
            const result = await tx.query<T>(sql, params as any[]);
            return { rows: result.rows };
          },
        }),
      );
    },
  };
}

export function pgPoolRunner(pool: pg.Pool): SqlRunner {
  return {
    async exec(sql) {
      await pool.query(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params);
      return { rows: result.rows as T[] };
    },
    async queryPrepared<T>(name: string, sql: string, params: (string | number)[]) {
      // node-postgres prepares a named statement on each connection at its first use there.
      const result = await pool.query({ name, text: sql, values: params });
      return { rows: result.rows as T[] };
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const value = await fn({
          async exec(sql) {
            await client.query(sql);
          },
          async query<T>(sql: string, params: unknown[] = []) {
            const result = await client.query(sql, params);
            return { rows: result.rows as T[] };
          },
        });
        await client.query("COMMIT");
        return value;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
