// Active alert conditions and their thresholds.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { alertsConfig, currentConditions } from "../alerts/index.ts";
import { json, security } from "./common.ts";

const alertView = z
  .object({ key: z.string(), kind: z.enum(["source-failing", "source-lagging", "deliveries-dead", "site-stopped", "sign-in-burst"]), subject: z.string(), value: z.number(), detail: z.string().optional() })
  .openapi("Alert");

export function alertRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.use("/api/v1/alerts", requireRole("admin", "clerk"));

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/alerts", tags: ["alerts"], summary: "Active alert conditions and the thresholds", security,
      responses: { 200: json(z.object({ active: z.array(alertView), thresholds: z.object({ failureThreshold: z.number(), lagMinutes: z.number(), repeatMinutes: z.number() }) }), "alerts") } }),
    async (c) => {
      const cfg = alertsConfig(ctx.config);
      return c.json({ active: await currentConditions(ctx), thresholds: { failureThreshold: cfg.failureThreshold, lagMinutes: cfg.lagMinutes, repeatMinutes: cfg.repeatMinutes } }, 200);
    },
  );
  return app;
}
