// Push sites as delivery targets: which connector, whether the hub can push
// to the site (and why not), and the "check connection" that asks the
// site's connector to check credentials, capability and sections. A check
// that passes resumes a site stopped because it refused the hub's credentials.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import { outboxOf } from "../delivery/outbox-worker.ts";
import { checkSiteConnection } from "../delivery/targets.ts";
import type { HubContext } from "../hub/context.ts";

const error = z.object({ error: z.string() }).openapi("Error");

const targetView = z
  .object({
    id: z.string(),
    name: z.string(),
    mode: z.string(),
    connector: z.string(),
    /** null: the hub can push to the site. */
    stoppedReason: z.string().nullable().openapi({ description: "why the hub cannot push to the site: a configuration problem, or the target's own refusal of the hub's credentials" }),
    stoppedKind: z.enum(["configuration", "unauthorized"]).nullable(),
    stoppedAt: z.string().nullable(),
    disabledReason: z.string().nullable().openapi({ description: "set after a 410 Gone (see /endpoint/enable)" }),
    waiting: z.number().openapi({ description: "deliveries queued for the site (pending, failed, sending)" }),
  })
  .openapi("SiteTarget");

const checkView = z
  .object({
    connector: z.string(),
    ok: z.boolean(),
    resumed: z.boolean().openapi({ description: "the check passed and the site, stopped as unauthorized, is pushed to again" }),
    latencyMs: z.number(),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), message: z.string() })),
  })
  .openapi("SiteCheck");

export function siteTargetRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.use("/api/v1/sites/:site/target", requireRole("admin", "clerk"));
  app.use("/api/v1/sites/:site/check", requireRole("admin", "clerk"));

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sites/{site}/target",
      tags: ["sites"],
      summary: "The site's target connector and whether the hub can push to it (and why not)",
      security: [{ bearer: [] }],
      request: { params: z.object({ site: z.string() }) },
      responses: {
        200: { description: "the site as a target", content: { "application/json": { schema: targetView } } },
        404: { description: "not found", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const { site } = c.req.valid("param");
      const row = await ctx.db.prisma.site.findUnique({ where: { id: site } });
      if (!row) return c.json({ error: "no such site" }, 404);
      const waiting = await ctx.db.prisma.delivery.count({ where: { siteId: site, state: { in: ["pending", "failed", "sending"] } } });
      return c.json({
        id: row.id, name: row.name, mode: row.mode, connector: row.connector,
        stoppedReason: row.stoppedReason, stoppedKind: (row.stoppedKind as "configuration" | "unauthorized" | null) ?? null,
        stoppedAt: row.stoppedAt?.toISOString() ?? null, disabledReason: row.disabledReason, waiting,
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sites/{site}/check",
      tags: ["sites"],
      summary: "Check the connection to the site (credentials, capability, sections); a pass resumes a site stopped as unauthorized",
      security: [{ bearer: [] }],
      request: { params: z.object({ site: z.string() }) },
      responses: {
        200: { description: "what was checked, in the target's own words", content: { "application/json": { schema: checkView } } },
        404: { description: "not found", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const { site } = c.req.valid("param");
      const result = await checkSiteConnection(ctx, site, c.get("principal")?.name ?? "unknown");
      if (!result) return c.json({ error: "no such site in the configuration" }, 404);
      if (result.resumed) outboxOf(ctx)?.wake();
      return c.json(result, 200);
    },
  );
  return app;
}
