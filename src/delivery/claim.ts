// Claiming work: which outbox rows a worker takes, how long it holds them,
// and how rows a dead process held come back. The database row is the only
// state that matters:
//
// - Claiming is one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED), so
//   several hub processes on one PostgreSQL never claim a row twice. A claim
//   sets a lease (nextAttemptAt = now + timeout + margin); a row still
//   'sending' after its lease belonged to a process that died and goes back to
//   'failed', to be resent with the same message id (targets deduplicate).
// - Per item and section, a row is only claimed when every earlier row (lower
//   seq) is final (delivered, dead, rejected): a portal sees an item's
//   changes in order.
// - The claim statement also returns what each row is phrased against (the
//   newest change the site acknowledged, the remoteId).

import type { Database } from "../db/index.ts";
import { utc } from "./outbox-sql.ts";

export interface Claimed {
  id: string;
  seq: string;
  siteId: string;
  sectionId: string;
  itemKind: "document" | "procedure";
  itemId: string;
  documentVersionId: string | null;
  procedureVersionId: string | null;
  event: string;
  dedupKey: string;
  messageId: string;
  attempts: number;
  createdAtMs: number;
  releasedAtMs: number | null;
  /** The row's state before this claim, restored if it is released unsent. */
  prevState: "pending" | "failed";
  /** The newest change of the item this site acknowledged (null: none). */
  priorEvent: string | null;
  priorVersion: number | null;
  /** The portal's id for the item, if it gave one. */
  remoteId: string | null;
}

type Sql = Pick<Database["sql"], "query">;

/** A row held back by an earlier change is looked at again after this at the latest. */
export const BLOCKED_RECHECK_MS = 30_000;

export interface ClaimParams {
  /** Room per site (sites not listed are not claimed from). */
  rooms: { site: string; room: number }[];
  now: Date;
  leaseMs: number;
  /** Rows wanted in all. */
  want: number;
}

/** Claims due rows, oldest seq first, within each site's room; returns them in seq order. */
export async function claimRows(sql: Sql, p: ClaimParams): Promise<Claimed[]> {
  const { rooms, now, leaseMs, want } = p;
  const { rows } = await sql.query<Claimed>(
    `WITH room AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(site text, room int)),
       -- The oldest due rows only: the ordering check below then costs a
      -- bounded amount however long the outbox is.
      due AS (
        SELECT c.id, c."siteId", c."sectionId", c."itemId", c.seq FROM "Delivery" c
        WHERE c.state IN ('pending', 'failed') AND c."nextAttemptAt" <= ${utc(2)}
          AND c."siteId" IN (SELECT site FROM room)
        ORDER BY c.seq
        LIMIT $4),
      blocked AS (
        SELECT due.id FROM due WHERE EXISTS (
          SELECT 1 FROM "Delivery" p
          WHERE p."itemId" = due."itemId" AND p."siteId" = due."siteId" AND p."sectionId" = due."sectionId"
            AND p.seq < due.seq AND p.state IN ('held', 'pending', 'sending', 'failed'))),
      -- A row waiting for an earlier change of its item steps out of the way
      -- (so it cannot crowd the window); finishing that change wakes it.
      deferred AS (
        UPDATE "Delivery" SET "nextAttemptAt" = ${utc(6)}
        WHERE id IN (SELECT id FROM blocked) AND state = 'pending'
        RETURNING id),
      ranked AS (
        SELECT due.id, due.seq, row_number() OVER (PARTITION BY due."siteId" ORDER BY due.seq) AS n, room.room
        FROM due JOIN room ON room.site = due."siteId"
        WHERE due.id NOT IN (SELECT id FROM blocked)),
      picked AS (
        SELECT d.id, d.state AS prev FROM "Delivery" d
        WHERE d.id IN (SELECT id FROM ranked WHERE n <= room ORDER BY seq LIMIT $5)
          AND d.state IN ('pending', 'failed')
        FOR UPDATE SKIP LOCKED),
      claimed AS (
        UPDATE "Delivery" d SET state = 'sending', attempts = d.attempts + 1, "nextAttemptAt" = ${utc(3)}, "updatedAt" = ${utc(2)}
        FROM picked WHERE d.id = picked.id
        RETURNING d.*, picked.prev)
      -- What each row is phrased against (payload.ts, decideWire): the newest
      -- change of its item the site acknowledged (newest deliveredAt, then
      -- highest seq; rows marked delivered unsent have no status and don't
      -- count), and the portal's remoteId. Read in the same statement: every
      -- earlier change of the item on the site/section is final, or the row
      -- would not have been claimed.
      SELECT c.id, c.seq::text AS seq, c."siteId", c."sectionId", c."itemKind"::text AS "itemKind", c."itemId",
        c."documentVersionId", c."procedureVersionId", c.event, c."dedupKey", c."messageId", c.attempts,
        (extract(epoch FROM c."createdAt") * 1000)::float8 AS "createdAtMs",
        (extract(epoch FROM c."releasedAt") * 1000)::float8 AS "releasedAtMs",
        c.prev::text AS "prevState", prior.event AS "priorEvent", prior.version AS "priorVersion", r."remoteId"
      FROM claimed c
      LEFT JOIN LATERAL (
        SELECT p.event, COALESCE(dv.version, pv.version, 0)::int AS version
        -- The item's rows by the itemId index only (OFFSET 0 keeps the other
        -- conditions out of the scan): a site's whole history is never read.
        FROM (SELECT * FROM "Delivery" WHERE "itemId" = c."itemId" OFFSET 0) p
        LEFT JOIN "DocumentVersion" dv ON dv.id = p."documentVersionId"
        LEFT JOIN "ProcedureVersion" pv ON pv.id = p."procedureVersionId"
        WHERE p."siteId" = c."siteId" AND p."sectionId" = c."sectionId"
          AND p.state = 'delivered' AND p."lastStatus" IS NOT NULL AND p.id <> c.id
        ORDER BY p."deliveredAt" DESC NULLS LAST, p.seq DESC
        LIMIT 1) prior ON true
      LEFT JOIN "RemoteItem" r ON r."siteId" = c."siteId" AND r."sectionId" = c."sectionId" AND r."itemId" = c."itemId"`,
    [
      JSON.stringify(rooms), now.toISOString(), new Date(now.getTime() + leaseMs).toISOString(), Math.max(128, want * 3), want,
      new Date(now.getTime() + BLOCKED_RECHECK_MS).toISOString(),
    ],
  );
  return rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
}

/**
 * Rows left 'sending' by a process that died (or lost its lease) go back to
 * 'failed', due now. `ignoreLease`: every 'sending' row is an orphan (the
 * embedded database at start: this is the only process). `owned` rows are
 * this worker's own, never taken from under it.
 */
export async function recoverStaleRows(sql: Sql, now: Date, ignoreLease: boolean, owned: Iterable<string>): Promise<number> {
  const { rows } = await sql.query<{ id: string }>(
      `UPDATE "Delivery" SET state = 'failed', "nextAttemptAt" = ${utc(1)}, "updatedAt" = ${utc(1)},
         "lastError" = 'interrupted: the hub stopped while sending; resent with the same webhook-id'
       WHERE state = 'sending' AND ($2::boolean OR "nextAttemptAt" <= ${utc(1)})
         AND NOT (id IN (SELECT jsonb_array_elements_text($3::jsonb)))
       RETURNING id`,
      [now.toISOString(), ignoreLease, JSON.stringify([...owned])],
  );
  return rows.length;
}

/** Pushes the lease of queued rows on; returns the ids still held (the others were taken back). */
export async function renewLeaseRows(sql: Sql, held: { id: string; claimed: number }[], until: Date): Promise<Set<string>> {
  const { rows } = await sql.query<{ id: string }>(
      `UPDATE "Delivery" d SET "nextAttemptAt" = ${utc(2)}
       FROM jsonb_to_recordset($1::jsonb) AS v(id text, claimed int)
       WHERE d.id = v.id AND d.state = 'sending' AND d.attempts = v.claimed
       RETURNING d.id`,
      [JSON.stringify(held), until.toISOString()],
  );
  return new Set(rows.map((r) => r.id));
}
