// Creating and queueing sync runs. A run row exists before its job, so the
// console shows it at once, and a run whose process dies stays visible.

import type { HubContext } from "../hub/context.ts";

export const SYNC_QUEUE = "sync";

export type RunRequest =
  | { sourceId: string; trigger: "manual"; requestedBy: string }
  | { sourceId: string; trigger: "backfill"; requestedBy: string; from: Date; to: Date }
  | { sourceId: string; trigger: "single"; requestedBy: string; itemRef: string };

export class RunRequestError extends Error {}

export async function requestRun(ctx: Pick<HubContext, "db" | "queue">, request: RunRequest): Promise<string> {
  const source = await ctx.db.prisma.source.findUnique({ where: { id: request.sourceId } });
  if (!source) throw new RunRequestError(`unknown source ${request.sourceId}`);
  if (!source.enabled) throw new RunRequestError(`source ${request.sourceId} is disabled`);
  if (request.trigger === "backfill" && !(request.from < request.to)) {
    throw new RunRequestError("backfill window: 'from' must be before 'to'");
  }
  const run = await ctx.db.prisma.$transaction(async (tx) => {
    const created = await tx.syncRun.create({
      data: {
        sourceId: request.sourceId,
        trigger: request.trigger,
        requestedBy: request.requestedBy,
        windowFrom: request.trigger === "backfill" ? request.from : null,
        windowTo: request.trigger === "backfill" ? request.to : null,
        itemRef: request.trigger === "single" ? request.itemRef : null,
      },
    });
    await tx.auditEvent.create({
      data: {
        actor: request.requestedBy,
        action: `run.${request.trigger}`,
        targetType: "source",
        targetId: request.sourceId,
        details: { runId: created.id, ...("from" in request ? { from: request.from, to: request.to } : {}), ...("itemRef" in request ? { itemRef: request.itemRef } : {}) },
      },
    });
    return created;
  });
  await enqueueRun(ctx, run.id);
  return run.id;
}

export async function enqueueRun(ctx: Pick<HubContext, "queue">, runId: string, startAfterSeconds?: number): Promise<void> {
  await ctx.queue.send(SYNC_QUEUE, { runId }, { singletonKey: runId, retryLimit: 0, expireInSeconds: 6 * 3600, ...(startAfterSeconds ? { startAfter: startAfterSeconds } : {}) });
}
