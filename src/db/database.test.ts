import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DatabaseInUseError, openDatabase, type Database } from "./database.ts";
import { readMigrations } from "./migrate.ts";

const opened: Database[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-db-"));
  dirs.push(dir);
  return dir;
}

describe("embedded database (PGlite)", () => {
  it("applies every migration once, with Prisma's checksums, and is idempotent", async () => {
    const db = await openDatabase({ dataDir: "memory" });
    opened.push(db);
    const migrations = await readMigrations();
    const first = await db.migrate();
    expect(first.applied).toEqual(migrations.map((m) => m.name));
    const second = await db.migrate();
    expect(second).toEqual({ applied: [], alreadyApplied: migrations.length });
    const { rows } = await db.sql.query<{ checksum: string }>(`SELECT checksum FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((r) => r.checksum)).toEqual(migrations.map((m) => m.checksum));
  });

  it("a prepared query answers like a plain one, quotes its literals, and survives DEALLOCATE ALL", async () => {
    const db = await openDatabase({ dataDir: "memory" });
    opened.push(db);
    await db.sql.exec(`CREATE TABLE t (k text, n int); INSERT INTO t VALUES ('a', 1), ('it''s', 2), ('b', 3)`);
    const sql = `SELECT n FROM t WHERE k = $1 OR n = $2 ORDER BY n`;
    for (const [k, n] of [["a", 3], ["it's", 0], ["'; DROP TABLE t; --", 1]] as const) {
      expect(await db.sql.queryPrepared!("t_lookup", sql, [k, n])).toEqual(await db.sql.query(sql, [k, n]));
    }
    await db.sql.exec("DEALLOCATE ALL");
    expect((await db.sql.queryPrepared!<{ n: number }>("t_lookup", sql, ["b", 0])).rows).toEqual([{ n: 3 }]);
    await expect(db.sql.queryPrepared!("bad name", sql, ["a", 1])).rejects.toThrow(/statement name/);
  });

  it("stores and reads through the Prisma client", async () => {
    const db = await openDatabase({ dataDir: "memory" });
    opened.push(db);
    await db.migrate();
    await db.prisma.source.create({ data: { id: "ioffice-tinh", connector: "ioffice", name: "iOffice tỉnh" } });
    const found = await db.prisma.source.findUniqueOrThrow({ where: { id: "ioffice-tinh" } });
    expect(found.name).toBe("iOffice tỉnh");
    expect(found.consecutiveFailures).toBe(0);
  });

  it("keeps data across a close and reopen of the same directory", async () => {
    const dir = await tempDir();
    const first = await openDatabase({ dataDir: dir });
    await first.migrate();
    await first.prisma.auditEvent.create({ data: { actor: "system", action: "test.persist" } });
    await first.close();

    const second = await openDatabase({ dataDir: dir });
    opened.push(second);
    expect((await second.migrate()).applied).toEqual([]);
    expect(await second.prisma.auditEvent.count({ where: { action: "test.persist" } })).toBe(1);
  });

  it("indexes the accent-free search text by trigram (pg_trgm is loaded), and a word search uses the index", async () => {
    const db = await openDatabase({ dataDir: "memory" });
    opened.push(db);
    await db.migrate();
    const { rows } = await db.sql.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE indexname LIKE '%searchText_trgm_idx' ORDER BY 1`);
    expect(rows.map((r) => r.indexname)).toEqual(["Document_searchText_trgm_idx", "Procedure_searchText_trgm_idx"]);
    await db.sql.exec("SET enable_seqscan = off");
    const plan = await db.sql.query<{ "QUERY PLAN": string }>(`EXPLAIN SELECT id FROM "Document" WHERE "searchText" LIKE '%quyet dinh%'`);
    expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("Document_searchText_trgm_idx");
  });

  it("refuses a second process on the same directory with a clear error", async () => {
    const dir = await tempDir();
    const first = await openDatabase({ dataDir: dir });
    opened.push(first);
    await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DatabaseInUseError);
  });
});
