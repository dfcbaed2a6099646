import { Hono } from "hono";
import type { HubContext } from "../hub/context.ts";

/** Prometheus exposition of the hub's registry. */
export function metricsRoutes(ctx: HubContext) {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    return c.body(await ctx.metrics.registry.metrics(), 200, { "content-type": ctx.metrics.registry.contentType });
  });
  return app;
}
