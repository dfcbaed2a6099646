// Review of held deliveries (sites in review mode, or documents whose
// signature is not valid): a clerk approves (→ pending) or rejects with a
// reason (→ rejected). Either way the row and any later changes of the same
// item it held back move to the end of the pull feed, since a pull portal's
// cursor may already be past their old place.

import type { Prisma } from "../db/index.ts";
import { prismaRunner, resequence, waitingSuccessors } from "./outbox-sql.ts";

export class ReviewError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

export type ReviewDecision = { action: "approve"; note?: string | null } | { action: "reject"; reason: string };

export async function reviewDelivery(
  deps: { prisma: Prisma; now: () => Date },
  deliveryId: string,
  decision: ReviewDecision,
  actor: string,
): Promise<{ id: string; state: "pending" | "rejected" }> {
  if (decision.action === "reject" && !decision.reason.trim()) throw new ReviewError("a rejection needs a reason", 400);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const row = await tx.delivery.findUnique({ where: { id: deliveryId } });
    if (!row) throw new ReviewError("no such delivery", 404);
    if (row.state !== "held") throw new ReviewError(`only held deliveries are reviewed; this one is ${row.state}`, 409);
    const state = decision.action === "approve" ? ("pending" as const) : ("rejected" as const);
    // Guarded on state: two clerks deciding at once, one wins.
    const changed = await tx.delivery.updateMany({
      where: { id: row.id, state: "held" },
      data: {
        state,
        reviewedBy: actor,
        reviewNote: decision.action === "approve" ? (decision.note?.trim() || null) : decision.reason.trim(),
        ...(state === "pending" ? { nextAttemptAt: now, releasedAt: now } : {}),
      },
    });
    if (changed.count === 0) throw new ReviewError("someone else reviewed this delivery meanwhile", 409);
    const runner = prismaRunner(tx);
    const tail = await waitingSuccessors(runner, row);
    await resequence(runner, state === "pending" ? [row.id, ...tail] : tail, now);
    // The outbox worker steps waiting rows aside; a rejection frees them now.
    if (state === "rejected" && tail.length > 0) {
      await tx.delivery.updateMany({ where: { id: { in: tail }, state: "pending" }, data: { nextAttemptAt: now } });
    }
    await tx.auditEvent.create({
      data: {
        actor,
        action: `delivery.${decision.action}`,
        targetType: "delivery",
        targetId: row.id,
        details: { site: row.siteId, itemId: row.itemId, event: row.event, ...(decision.action === "reject" ? { reason: decision.reason } : { note: decision.note ?? null }) },
      },
    });
    return { id: row.id, state };
  });
}
