// The audit log: every state change made through the console or API is a row
// (who, what, when, target, details). Callers inside a transaction pass `tx`
// so the change and its record commit together.

import type { Prisma } from "../db/index.ts";

type AuditWriter = Pick<Prisma, "auditEvent">;

export interface AuditInput {
  actor: string;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown> | null;
}

export async function audit(db: AuditWriter, input: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      actor: input.actor,
      action: input.action,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      // JSON round trip drops undefined and turns Dates into strings, as Prisma's Json wants.
      ...(input.details ? { details: JSON.parse(JSON.stringify(input.details)) } : {}),
    },
  });
}
