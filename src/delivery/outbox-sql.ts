// SQL shared by the worker, replay and review. Timestamps cross the driver as
// ISO strings converted in SQL: the columns are `timestamp` (UTC, no zone) and
// node-postgres would otherwise send Dates in the process's local zone.

import type { SqlRunner } from "../db/index.ts";

/** `$n` as a UTC timestamp for comparison with Prisma's DateTime columns. */
export const utc = (n: number) => `($${n}::timestamptz AT TIME ZONE 'UTC')`;

type Runner = Pick<SqlRunner, "query">;

/**
 * Moves rows to the end of the feed, in their current order. Used when a row
 * becomes visible again (approve, reject of a predecessor, replay): a pull
 * portal whose cursor has passed the row's old place must still see it.
 */
export async function resequence(sql: Runner, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await sql.query<{ id: string }>(
    `SELECT id FROM "Delivery" WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY seq`,
    [JSON.stringify(ids)],
  );
  // One statement per row: nextval() order within a multi-row UPDATE is not defined.
  for (const { id } of rows) {
    await sql.query(
      `UPDATE "Delivery" SET seq = nextval(pg_get_serial_sequence('"Delivery"', 'seq')), "updatedAt" = ${utc(2)} WHERE id = $1`,
      [id, now.toISOString()],
    );
  }
}

/**
 * Rows of the same site/section/item after `seq` that were never sent because
 * an earlier row held them back: they move with it.
 */
export async function waitingSuccessors(sql: Runner, row: { siteId: string; sectionId: string; itemId: string; seq: bigint | string }): Promise<string[]> {
  const { rows } = await sql.query<{ id: string }>(
    `SELECT id FROM "Delivery" WHERE "itemId" = $1 AND "siteId" = $2 AND "sectionId" = $3 AND seq > $4::bigint
       AND state IN ('held', 'pending', 'failed') ORDER BY seq`,
    [row.itemId, row.siteId, row.sectionId, String(row.seq)],
  );
  return rows.map((r) => r.id);
}

/** A Runner over a Prisma transaction, so raw statements join it (PGlite has one connection). */
export function prismaRunner(tx: { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> }): Runner {
  return {
    async query<T>(text: string, params: unknown[] = []) {
      return { rows: await tx.$queryRawUnsafe<T[]>(text, ...params) };
    },
  } as Runner;
}
