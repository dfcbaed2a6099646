// Who is calling: the principal behind a token or a console session.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { json, security } from "./common.ts";

export function meRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.use("/api/v1/me", requireRole("admin", "clerk"));

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/me", tags: ["console"], summary: "Who is calling", security,
      responses: { 200: json(z.object({ kind: z.enum(["token", "user"]), name: z.string(), role: z.string(), siteId: z.string().nullable() }), "the principal") } }),
    (c) => {
      const p = c.get("principal")!;
      return c.json({ kind: p.kind, name: p.name, role: p.role, siteId: p.siteId }, 200);
    },
  );
  return app;
}
