// node-cron decides *when* a scheduled sync is due; the database decides
// *whether this process runs it*: every hub process ticks, each tries to claim
// the slot by inserting the run with its (source, slot) key, and only the one
// whose insert lands enqueues the job. So a slot fires once however many hub
// processes run.

import cron, { type ScheduledTask } from "node-cron";
import type { Prisma } from "../db/index.ts";
import type { Logger } from "../observability/index.ts";

export const HUB_TIMEZONE = "Asia/Ho_Chi_Minh";

export interface ScheduledSource {
  id: string;
  schedule: string;
}

/**
 * The slot a tick belongs to: the minute, or the second for a six-field
 * (seconds) expression. Ticks of several processes agree on it.
 */
export function slotOf(at: Date, precision: "minute" | "second" = "minute"): Date {
  const slot = new Date(at);
  if (precision === "second") slot.setUTCMilliseconds(0);
  else slot.setUTCSeconds(0, 0);
  return slot;
}

/** Six fields (`s m h dom mon dow`) schedule by the second. */
export function slotPrecision(expression: string): "minute" | "second" {
  return expression.trim().split(/\s+/).length >= 6 ? "second" : "minute";
}

/**
 * Claims a scheduled slot for a source. Returns the new run's id, or null when
 * another process (or an earlier tick) already claimed it.
 */
export async function claimScheduledRun(prisma: Prisma, sourceId: string, slot: Date): Promise<string | null> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO "SyncRun" (id, "sourceId", trigger, "requestedBy", slot, status, "createdAt")
    VALUES (gen_random_uuid()::text, ${sourceId}, 'schedule', 'system', ${slot}, 'queued', now())
    ON CONFLICT ("sourceId", slot) DO NOTHING
    RETURNING id`;
  return rows[0]?.id ?? null;
}

export function validateSchedule(expression: string): boolean {
  return cron.validate(expression);
}

export interface Scheduler {
  stop(): Promise<void>;
}

export function startSchedules(
  sources: ScheduledSource[],
  deps: { prisma: Prisma; log: Logger; now?: () => Date; enqueue: (runId: string, sourceId: string) => Promise<void> },
): Scheduler {
  const now = deps.now ?? (() => new Date());
  const tasks: ScheduledTask[] = sources.map((source) =>
    cron.schedule(
      source.schedule,
      async (context) => {
        // The time the tick was scheduled for, not when it ran: a process whose
        // event loop was busy past the boundary still claims the same slot as
        // the others. (An injected clock — tests — wins.)
        const slot = slotOf(deps.now ? now() : context.date, slotPrecision(source.schedule));
        try {
          const runId = await claimScheduledRun(deps.prisma, source.id, slot);
          if (runId) {
            deps.log.info({ source: source.id, slot, runId }, "scheduled sync claimed");
            await deps.enqueue(runId, source.id);
          }
        } catch (error) {
          deps.log.error({ err: error, source: source.id }, "could not start scheduled sync");
        }
      },
      { timezone: HUB_TIMEZONE, name: `sync:${source.id}`, noOverlap: true },
    ),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.destroy()));
    },
  };
}
