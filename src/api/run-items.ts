// Per-item outcomes of a sync run (the run itself is in sources.ts).

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { error, json, security } from "./common.ts";

const runItem = z
  .object({ externalId: z.string(), outcome: z.string(), message: z.string().nullable(), itemKind: z.string().nullable(), itemId: z.string().nullable(), version: z.number().nullable(), createdAt: z.string() })
  .openapi("SyncRunItem");

export function runItemRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  // /api/v1/runs/* is guarded (admin, clerk) in sources.ts.
  const prisma = ctx.db.prisma;

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/runs/{id}/items", tags: ["runs"], summary: "Per-item outcomes of a run", security,
      request: { params: z.object({ id: z.string() }), query: z.object({ outcome: z.enum(["created", "updated", "duplicate", "rejected", "failed"]).optional() }) },
      responses: { 200: json(z.object({ items: z.array(runItem) }), "items"), 404: json(error, "no such run") } }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { outcome } = c.req.valid("query");
      if (!(await prisma.syncRun.findUnique({ where: { id }, select: { id: true } }))) return c.json({ error: "no such run" }, 404);
      const items = await prisma.syncRunItem.findMany({ where: { runId: id, ...(outcome ? { outcome } : {}) }, orderBy: { createdAt: "asc" }, take: 5000 });
      return c.json({ items: items.map((i) => ({ externalId: i.externalId, outcome: i.outcome, message: i.message, itemKind: i.itemKind, itemId: i.itemId, version: i.version, createdAt: i.createdAt.toISOString() })) }, 200);
    },
  );
  return app;
}
