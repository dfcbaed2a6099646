// The audit log, newest first, filtered by actor, action prefix and target.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { json, security } from "./common.ts";

const auditView = z
  .object({ id: z.string(), at: z.string(), actor: z.string(), action: z.string(), targetType: z.string().nullable(), targetId: z.string().nullable(), details: z.unknown() })
  .openapi("AuditEvent");

export function auditRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.use("/api/v1/audit", requireRole("admin", "clerk"));
  const prisma = ctx.db.prisma;

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/audit", tags: ["audit"], summary: "Audit log, newest first", security,
      request: { query: z.object({ actor: z.string().optional(), action: z.string().optional().openapi({ description: "prefix, e.g. delivery." }), targetType: z.string().optional(), targetId: z.string().optional(), before: z.iso.datetime({ offset: true }).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: json(z.object({ events: z.array(auditView) }), "events") } }),
    async (c) => {
      const q = c.req.valid("query");
      const events = await prisma.auditEvent.findMany({
        where: {
          ...(q.actor ? { actor: q.actor } : {}), ...(q.action ? { action: { startsWith: q.action } } : {}),
          ...(q.targetType ? { targetType: q.targetType } : {}), ...(q.targetId ? { targetId: q.targetId } : {}),
          ...(q.before ? { at: { lt: new Date(q.before) } } : {}),
        },
        orderBy: { at: "desc" }, take: q.limit,
      });
      return c.json({ events: events.map((e) => ({ id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, targetType: e.targetType, targetId: e.targetId, details: e.details })) }, 200);
    },
  );
  return app;
}
