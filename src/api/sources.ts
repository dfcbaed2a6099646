// Sources (connector instances) and their sync runs.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { requestRun, RunRequestError } from "../pipeline/runs.ts";
import { listRuns } from "../operator/data.ts";

const sourceView = z
  .object({
    id: z.string(),
    connector: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    schedule: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    lastError: z.string().nullable(),
    consecutiveFailures: z.number(),
    lagSeconds: z.number().nullable(),
  })
  .openapi("Source");

export const runView = z
  .object({
    id: z.string(),
    sourceId: z.string(),
    trigger: z.enum(["schedule", "manual", "backfill", "single"]),
    requestedBy: z.string(),
    status: z.string(),
    windowFrom: z.string().nullable(),
    windowTo: z.string().nullable(),
    itemRef: z.string().nullable(),
    counts: z.object({ seen: z.number(), created: z.number(), updated: z.number(), duplicate: z.number(), rejected: z.number(), failed: z.number() }),
    progress: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi("SyncRun");

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toRunView(r: {
  id: string; sourceId: string; trigger: "schedule" | "manual" | "backfill" | "single"; requestedBy: string; status: string;
  windowFrom: Date | null; windowTo: Date | null; itemRef: string | null; seen: number; created: number; updated: number;
  duplicate: number; rejected: number; failed: number; progress: unknown; error: string | null; createdAt: Date;
  startedAt: Date | null; finishedAt: Date | null;
}) {
  return {
    id: r.id,
    sourceId: r.sourceId,
    trigger: r.trigger,
    requestedBy: r.requestedBy,
    status: r.status,
    windowFrom: iso(r.windowFrom),
    windowTo: iso(r.windowTo),
    itemRef: r.itemRef,
    counts: { seen: r.seen, created: r.created, updated: r.updated, duplicate: r.duplicate, rejected: r.rejected, failed: r.failed },
    progress: (r.progress as Record<string, unknown> | null) ?? null,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
  };
}

const runRequest = z
  .discriminatedUnion("trigger", [
    z.object({ trigger: z.literal("manual") }),
    z.object({ trigger: z.literal("backfill"), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }),
    z.object({ trigger: z.literal("single"), itemRef: z.string().min(1) }),
  ])
  .openapi("RunRequest");

const error = z.object({ error: z.string() }).openapi("Error");

export function sourceRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.use("/api/v1/sources", requireRole("admin", "clerk"));
  app.use("/api/v1/sources/*", requireRole("admin", "clerk"));
  app.use("/api/v1/runs", requireRole("admin", "clerk"));
  app.use("/api/v1/runs/*", requireRole("admin", "clerk"));

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sources",
      tags: ["sources"],
      summary: "Sources with their health",
      security: [{ bearer: [] }],
      responses: { 200: { description: "sources", content: { "application/json": { schema: z.object({ sources: z.array(sourceView) }) } } } },
    }),
    async (c) => {
      const rows = await ctx.db.prisma.source.findMany({ orderBy: { id: "asc" } });
      const now = ctx.now().getTime();
      return c.json({
        sources: rows.map((s) => ({
          id: s.id,
          connector: s.connector,
          name: s.name,
          enabled: s.enabled,
          schedule: s.schedule,
          lastRunAt: iso(s.lastRunAt),
          lastSuccessAt: iso(s.lastSuccessAt),
          lastErrorAt: iso(s.lastErrorAt),
          lastError: s.lastError,
          consecutiveFailures: s.consecutiveFailures,
          lagSeconds: s.lastSuccessAt ? Math.round((now - s.lastSuccessAt.getTime()) / 1000) : null,
        })),
      });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sources/{id}/runs",
      tags: ["runs"],
      summary: "Trigger a resync, a backfill of a date window, or a single document",
      security: [{ bearer: [] }],
      request: {
        params: z.object({ id: z.string() }),
        body: { content: { "application/json": { schema: runRequest } }, required: true },
      },
      responses: {
        202: { description: "run queued", content: { "application/json": { schema: z.object({ runId: z.string() }) } } },
        400: { description: "bad request", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const requestedBy = c.get("principal")?.name ?? "unknown";
      try {
        const runId = await requestRun(
          ctx,
          body.trigger === "backfill"
            ? { sourceId: id, trigger: "backfill", requestedBy, from: new Date(body.from), to: new Date(body.to) }
            : body.trigger === "single"
              ? { sourceId: id, trigger: "single", requestedBy, itemRef: body.itemRef }
              : { sourceId: id, trigger: "manual", requestedBy },
        );
        return c.json({ runId }, 202);
      } catch (e) {
        if (e instanceof RunRequestError) return c.json({ error: e.message }, 400);
        throw e;
      }
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/runs",
      tags: ["runs"],
      summary: "Recent sync runs, newest first",
      security: [{ bearer: [] }],
      request: { query: z.object({ source: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }) },
      responses: { 200: { description: "runs", content: { "application/json": { schema: z.object({ runs: z.array(runView) }) } } } },
    }),
    async (c) => {
      const { source, limit } = c.req.valid("query");
      const rows = await listRuns(ctx, { source, limit });
      return c.json({ runs: rows.map(toRunView) });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/runs/{id}",
      tags: ["runs"],
      summary: "One run with live progress",
      security: [{ bearer: [] }],
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: { description: "run", content: { "application/json": { schema: runView } } },
        404: { description: "not found", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const run = await ctx.db.prisma.syncRun.findUnique({ where: { id: c.req.valid("param").id } });
      if (!run) throw new HTTPException(404, { message: "no such run" });
      return c.json(toRunView(run), 200);
    },
  );
  return app;
}
