// Replay: a person makes finished deliveries due again — one delivery, every
// dead delivery of a site, or those created in a time range. Rows restart the
// retry schedule (attempts 0) and move to the end of the pull feed.
//
// A replayed dead or failed row keeps its webhook-id: the portal may have
// stored it after all (a timeout), and then deduplicates it. A replayed
// *delivered* row gets a new webhook-id: the portal acknowledged the old one
// and would drop a resend as a duplicate, which is not what a person asking
// for a resend wants.

import { randomUUID } from "node:crypto";
import type { Prisma } from "../db/index.ts";
import { prismaRunner, resequence } from "./outbox-sql.ts";

export type ReplayableState = "dead" | "failed" | "delivered";
export const REPLAYABLE: readonly ReplayableState[] = ["dead", "failed", "delivered"];

export type ReplaySelector =
  | { deliveryId: string }
  | { siteId?: string; states?: ReplayableState[]; from?: Date; to?: Date };

export class ReplayError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

export interface ReplayResult {
  count: number;
  ids: string[];
}

/** Largest selection replayed at once; a bigger one is narrowed by time range. */
export const MAX_REPLAY = 10_000;

export async function replayDeliveries(
  deps: { prisma: Prisma; now: () => Date },
  selector: ReplaySelector,
  actor: string,
): Promise<ReplayResult> {
  const now = deps.now();
  return deps.prisma.$transaction(
    async (tx) => {
      let rows: { id: string; state: string; siteId: string }[];
      if ("deliveryId" in selector) {
        const row = await tx.delivery.findUnique({ where: { id: selector.deliveryId }, select: { id: true, state: true, siteId: true } });
        if (!row) throw new ReplayError("no such delivery", 404);
        if (!REPLAYABLE.includes(row.state as ReplayableState)) {
          throw new ReplayError(`a ${row.state} delivery cannot be replayed (only ${REPLAYABLE.join(", ")})`, 409);
        }
        rows = [row];
      } else {
        if (!selector.siteId && !(selector.from && selector.to)) throw new ReplayError("give a site, a time range, or both", 400);
        if (selector.from && selector.to && !(selector.from < selector.to)) throw new ReplayError("'from' must be before 'to'", 400);
        const states = selector.states?.length ? selector.states : (["dead"] as ReplayableState[]);
        rows = await tx.delivery.findMany({
          where: {
            state: { in: states },
            ...(selector.siteId ? { siteId: selector.siteId } : {}),
            ...(selector.from || selector.to ? { createdAt: { ...(selector.from ? { gte: selector.from } : {}), ...(selector.to ? { lt: selector.to } : {}) } } : {}),
          },
          select: { id: true, state: true, siteId: true },
          orderBy: { seq: "asc" },
          take: MAX_REPLAY + 1,
        });
        if (rows.length > MAX_REPLAY) throw new ReplayError(`more than ${MAX_REPLAY} deliveries match; narrow the time range`, 400);
      }
      if (rows.length === 0) return { count: 0, ids: [] };

      const reset = { state: "pending" as const, attempts: 0, nextAttemptAt: now, lastError: null, lastStatus: null, deliveredAt: null, releasedAt: now };
      const delivered = rows.filter((r) => r.state === "delivered").map((r) => r.id);
      const others = rows.filter((r) => r.state !== "delivered").map((r) => r.id);
      if (others.length) await tx.delivery.updateMany({ where: { id: { in: others } }, data: reset });
      for (const id of delivered) await tx.delivery.update({ where: { id }, data: { ...reset, messageId: randomUUID() } });
      await resequence(prismaRunner(tx), rows.map((r) => r.id), now);

      const ids = rows.map((r) => r.id);
      await tx.auditEvent.create({
        data: {
          actor,
          action: "delivery.replay",
          targetType: "deliveryId" in selector ? "delivery" : selector.siteId ? "site" : null,
          targetId: "deliveryId" in selector ? selector.deliveryId : (selector.siteId ?? null),
          details: {
            count: ids.length,
            ...("deliveryId" in selector
              ? {}
              : { states: selector.states ?? ["dead"], from: selector.from?.toISOString() ?? null, to: selector.to?.toISOString() ?? null }),
            // Enough to trace a large replay without bloating the audit log.
            ids: ids.slice(0, 100),
          },
        },
      });
      return { count: ids.length, ids };
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
