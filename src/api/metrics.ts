// Prometheus exposition of the hub's registry. Open by default; protected by a
// bearer token (`metrics.token`) and/or served on its own address
// (`metrics.listen`, see src/hub/hub.ts) instead of the main listener.

import { createHash, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import type { HubContext } from "../hub/context.ts";

export function metricsRoutes(ctx: Pick<HubContext, "metrics" | "config">) {
  const app = new Hono();
  const token = ctx.config.metrics?.token;
  app.get("/metrics", async (c) => {
    if (token && !bearerMatches(c.req.header("authorization"), token)) {
      return c.json({ error: "metrics need the configured bearer token (metrics.token)" }, 401, { "www-authenticate": 'Bearer realm="portalsync metrics"' });
    }
    return c.body(await ctx.metrics.registry.metrics(), 200, { "content-type": ctx.metrics.registry.contentType });
  });
  return app;
}

/** Constant-time comparison (of digests, so lengths do not leak either). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = header && /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!presented) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
