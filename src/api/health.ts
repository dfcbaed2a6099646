// Liveness and readiness for load balancers and systemd/k8s probes.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { HubContext } from "../hub/context.ts";

const check = z.object({ ok: z.boolean(), error: z.string().optional() });
const readiness = z
  .object({ status: z.enum(["ready", "not-ready"]), database: check, queue: check })
  .openapi("Readiness");

export function healthRoutes(ctx: HubContext) {
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      tags: ["health"],
      summary: "Liveness: the process answers",
      responses: { 200: { description: "alive", content: { "application/json": { schema: z.object({ status: z.literal("ok"), uptimeSeconds: z.number() }) } } } },
    }),
    (c) => c.json({ status: "ok" as const, uptimeSeconds: Math.round((ctx.now().getTime() - ctx.startedAt.getTime()) / 1000) }),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/readyz",
      tags: ["health"],
      summary: "Readiness: database and job queue reachable",
      responses: {
        200: { description: "ready", content: { "application/json": { schema: readiness } } },
        503: { description: "not ready", content: { "application/json": { schema: readiness } } },
      },
    }),
    async (c) => {
      const database = await probe(() => ctx.db.ping());
      const queue = await probe(async () => {
        await ctx.db.sql.query("SELECT 1 FROM pgboss.version LIMIT 1");
      });
      const ready = database.ok && queue.ok;
      return c.json({ status: ready ? ("ready" as const) : ("not-ready" as const), database, queue }, ready ? 200 : 503);
    },
  );
  return app;
}

async function probe(fn: () => Promise<void>): Promise<{ ok: boolean; error?: string }> {
  try {
    await withTimeout(fn(), 2_000);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
