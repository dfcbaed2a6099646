// Administrative procedures: search (code, name, field; diacritics optional)
// and one procedure with its versions, files and deliveries.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { procedureDetail, searchProcedures } from "../operator/data.ts";
import { deliveryBrief, deliveryOf, error, fileOf, fileView, json, pageQuery, security } from "./common.ts";

const procedureSummary = z
  .object({ id: z.string(), code: z.string(), name: z.string(), field: z.string().nullable(), level: z.string().nullable(), status: z.string(), currentVersion: z.number() })
  .openapi("ProcedureSummary");

const procedureView = procedureSummary
  .extend({
    sources: z.array(z.object({ sourceId: z.string(), externalId: z.string() })),
    versions: z.array(z.object({ version: z.number(), createdAt: z.string(), decisionNumber: z.string().nullable(), data: z.unknown(), files: z.array(fileView), deliveries: z.array(deliveryBrief) })),
  })
  .openapi("ProcedureDetail");

export function procedureRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  for (const p of ["/api/v1/procedures", "/api/v1/procedures/*"]) app.use(p, requireRole("admin", "clerk"));

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/procedures", tags: ["procedures"], summary: "Search administrative procedures (code, name, field; diacritics optional)", security,
      request: { query: pageQuery }, responses: { 200: json(z.object({ total: z.number(), page: z.number(), pageSize: z.number(), procedures: z.array(procedureSummary) }), "procedures") } }),
    async (c) => {
      const { q, page } = c.req.valid("query");
      const r = await searchProcedures(ctx, q, page);
      return c.json({
        total: r.total, page: r.page, pageSize: r.pageSize,
        procedures: r.rows.map((p) => ({ id: p.id, code: p.code, name: p.name, field: p.field, level: p.level, status: p.status, currentVersion: p.currentVersion })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/procedures/{id}", tags: ["procedures"], summary: "A procedure with versions, files and deliveries", security,
      request: { params: z.object({ id: z.string() }) }, responses: { 200: json(procedureView, "procedure"), 404: json(error, "not found") } }),
    async (c) => {
      const p = await procedureDetail(ctx, c.req.valid("param").id);
      if (!p) return c.json({ error: "no such procedure" }, 404);
      return c.json({
        id: p.id, code: p.code, name: p.name, field: p.field, level: p.level, status: p.status, currentVersion: p.currentVersion,
        sources: p.sourceRefs.map((r) => ({ sourceId: r.sourceId, externalId: r.externalId })),
        versions: p.versions.map((v) => ({
          version: v.version, createdAt: v.createdAt.toISOString(), decisionNumber: v.decisionNumber, data: v.data,
          files: v.files.map(fileOf), deliveries: v.deliveries.map(deliveryOf),
        })),
      }, 200);
    },
  );
  return app;
}
