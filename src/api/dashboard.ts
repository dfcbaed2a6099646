// The dashboard: source health, deliveries per site and the review queue size.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { dashboard } from "../operator/data.ts";
import { iso, json, security } from "./common.ts";

const sourceHealth = z
  .object({
    id: z.string(), name: z.string(), connector: z.string(), enabled: z.boolean(), schedule: z.string().nullable(),
    health: z.enum(["healthy", "failing", "lagging", "disabled"]),
    lastRunAt: z.string().nullable(), lastSuccessAt: z.string().nullable(), lastErrorAt: z.string().nullable(), lastError: z.string().nullable(),
    consecutiveFailures: z.number(), lagSeconds: z.number().nullable(),
    recentRuns: z.record(z.string(), z.number()).openapi({ description: "status → count over the last 10 runs" }),
    running: z.object({ id: z.string(), status: z.string() }).nullable(),
    failedItems: z.object({ waiting: z.number(), gaveUp: z.number() }),
  })
  .openapi("SourceHealth");

const dashboardView = z
  .object({
    sources: z.array(sourceHealth),
    sites: z.array(z.object({
      id: z.string(), name: z.string(), publishMode: z.string(), enabled: z.boolean(), disabledReason: z.string().nullable(),
      // the connector, and why the hub cannot push to the site (null: it can)
      connector: z.string(), stoppedReason: z.string().nullable(), stoppedKind: z.string().nullable(),
      states: z.record(z.string(), z.number()),
    })),
    reviewQueue: z.number(),
  })
  .openapi("Dashboard");

export function dashboardRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.use("/api/v1/dashboard", requireRole("admin", "clerk"));

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/dashboard", tags: ["console"], summary: "Source health, deliveries per site and the review queue size", security,
      responses: { 200: json(dashboardView, "dashboard") } }),
    async (c) => {
      const d = await dashboard(ctx);
      return c.json({
        ...d,
        sources: d.sources.map((s) => ({ ...s, lastRunAt: iso(s.lastRunAt), lastSuccessAt: iso(s.lastSuccessAt), lastErrorAt: iso(s.lastErrorAt) })),
      }, 200);
    },
  );
  return app;
}
