// Recording outcomes: what a send's result means for its outbox row, and the
// batched write of many rows' results. Results are written together (one
// statement per batch); a crash between a send and its write is the lease
// case of claim.ts: the row is resent with the same message id.

import type { SendResult } from "../../connectors/sdk.ts";
import type { Database } from "../db/index.ts";
import type { Claimed } from "./claim.ts";
import { utc } from "./outbox-sql.ts";

export interface Outcome {
  id: string;
  itemId: string;
  claimedAttempts: number;
  state: "delivered" | "failed" | "dead" | "pending";
  /** Released unsent: lastStatus/lastError stay what the last real attempt left. */
  keepLast: boolean;
  attempts: number;
  status: number | null;
  error: string | null;
  nextAtMs: number;
  deliveredAtMs: number | null;
  remote: { siteId: string; sectionId: string; itemId: string; remoteId: string } | null;
}

export type Finish = { state: "delivered" | "failed" | "dead"; status?: number | null; error?: string | null; delayMs?: number; remote?: Outcome["remote"] };

/** A finished attempt: delivered, failed (retry later) or dead. */
export function finished(row: Claimed, r: Finish, nowMs: number): Outcome {
  return {
    id: row.id, itemId: row.itemId, claimedAttempts: row.attempts, state: r.state, keepLast: false, attempts: row.attempts,
    status: r.status ?? null, error: r.error ?? null, nextAtMs: nowMs + (r.delayMs ?? 0),
    deliveredAtMs: r.state === "delivered" ? nowMs : null, remote: r.remote ?? null,
  };
}

/** The row goes back to waiting as if this attempt had not happened (its site stopped or went away), with why. */
export function putBack(row: Claimed, error: string, status: number | null, nowMs: number): Outcome {
  return {
    id: row.id, itemId: row.itemId, claimedAttempts: row.attempts, state: "pending", keepLast: false, attempts: row.attempts - 1, status, error,
    nextAtMs: nowMs, deliveredAtMs: null, remote: null,
  };
}

/** Claimed but never sent (stopping, or its lease ran low): the row is as it was before the claim, due now. */
export function released(row: Claimed, nowMs: number): Outcome {
  return {
    id: row.id, itemId: row.itemId, claimedAttempts: row.attempts, state: row.prevState, keepLast: true, attempts: row.attempts - 1,
    status: null, error: null, nextAtMs: nowMs, deliveredAtMs: null, remote: null,
  };
}

/** What a target's answer means for the row (site-wide outcomes, gone and unauthorized, are the worker's to act on). */
export type Verdict =
  | { kind: "finish"; finish: Finish }
  | { kind: "stop-site"; why: "gone" | "unauthorized" };

export function verdictFor(row: Claimed, result: SendResult, retryDelay: (attemptsMade: number, retryAfterMs: number | null) => number | null): Verdict {
  switch (result.outcome) {
    case "delivered":
      return {
        kind: "finish",
        finish: {
          state: "delivered", status: result.status,
          remote: result.remoteId ? { siteId: row.siteId, sectionId: row.sectionId, itemId: row.itemId, remoteId: result.remoteId } : null,
        },
      };
    case "rejected":
      return { kind: "finish", finish: { state: "dead", status: result.status, error: result.error } };
    case "gone":
    case "unauthorized":
      return { kind: "stop-site", why: result.outcome };
    case "retry": {
      const delay = retryDelay(row.attempts, result.retryAfterMs);
      if (delay === null) {
        return { kind: "finish", finish: { state: "dead", status: result.status, error: `retries exhausted after ${row.attempts} attempts: ${result.error}` } };
      }
      return { kind: "finish", finish: { state: "failed", status: result.status, error: result.error, delayMs: delay } };
    }
  }
}

/** Writes a batch of results in one transaction; returns the rows a site had for the first time just now. */
export async function writeOutcomes(db: Pick<Database, "sql">, batch: Outcome[], at: Date): Promise<string[]> {
    const rows = batch.map((o) => ({
      id: o.id, claimed: o.claimedAttempts, state: o.state, keep: o.keepLast, attempts: o.attempts, status: o.status, error: o.error,
      next: new Date(o.nextAtMs).toISOString(), delivered: o.deliveredAtMs === null ? null : new Date(o.deliveredAtMs).toISOString(),
    }));
    const remotes = batch.flatMap((o) => (o.remote ? [o.remote] : []));
    const now = at.toISOString();
    return db.sql.transaction(async (tx) => {
      // Guarded by state and attempt count: a row re-claimed after its lease
      // ran out is not overwritten by this older attempt's result. `old` is
      // the row before this statement: which rows became published now.
      const { rows: updated } = await tx.query<{ id: string; fresh: boolean }>(
        `UPDATE "Delivery" d SET state = v.state::"DeliveryState", attempts = v.attempts,
           "lastStatus" = CASE WHEN v.keep THEN d."lastStatus" ELSE v.status END,
           "lastError" = CASE WHEN v.keep THEN d."lastError" ELSE v.error END,
           "nextAttemptAt" = (v.next::timestamptz AT TIME ZONE 'UTC'),
           "deliveredAt" = COALESCE((v.delivered::timestamptz AT TIME ZONE 'UTC'), d."deliveredAt"),
           -- the portal had it (a row marked delivered without sending carries an error): public verification
           "publishedAt" = CASE WHEN v.state = 'delivered' AND NOT v.keep AND v.error IS NULL
             THEN COALESCE(d."publishedAt", (v.delivered::timestamptz AT TIME ZONE 'UTC')) ELSE d."publishedAt" END,
           "updatedAt" = ${utc(2)}
         FROM jsonb_to_recordset($1::jsonb) AS v(id text, claimed int, state text, keep boolean, attempts int, status int, error text, next text, delivered text),
           "Delivery" old
         WHERE d.id = v.id AND old.id = d.id AND d.state = 'sending' AND d.attempts = v.claimed
         RETURNING d.id, (old."publishedAt" IS NULL AND d."publishedAt" IS NOT NULL) AS fresh`,
        [JSON.stringify(rows), now],
      );
      // Later changes of items whose row just finished were stepped aside
      // while they waited (see claim): they are due now.
      const finished = batch.filter((o) => o.state === "delivered" || o.state === "dead").map((o) => o.itemId);
      if (finished.length > 0) {
        await tx.query(
          `UPDATE "Delivery" SET "nextAttemptAt" = ${utc(2)}
           WHERE "itemId" IN (SELECT jsonb_array_elements_text($1::jsonb)) AND state = 'pending' AND "nextAttemptAt" > ${utc(2)}`,
          [JSON.stringify([...new Set(finished)]), now],
        );
      }
      if (remotes.length > 0) {
        await tx.query(
          `INSERT INTO "RemoteItem" ("siteId", "sectionId", "itemId", "remoteId", "updatedAt")
           SELECT v."siteId", v."sectionId", v."itemId", v."remoteId", ${utc(2)}
           FROM jsonb_to_recordset($1::jsonb) AS v("siteId" text, "sectionId" text, "itemId" text, "remoteId" text)
           ON CONFLICT ("siteId", "sectionId", "itemId") DO UPDATE SET "remoteId" = EXCLUDED."remoteId", "updatedAt" = EXCLUDED."updatedAt"`,
          [JSON.stringify(remotes), now],
        );
      }      return updated.filter((r) => r.fresh).map((r) => r.id);
    });
  }
