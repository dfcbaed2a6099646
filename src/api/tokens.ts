// API tokens (admin only): listed without their secrets, created (the secret
// is in that answer only) and revoked.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { createToken, revokeToken } from "../operator/actions.ts";
import { actor, error, fail, iso, json, security } from "./common.ts";

const tokenView = z
  .object({
    id: z.string(), name: z.string(), role: z.enum(["admin", "clerk", "site"]), site: z.string().nullable(),
    createdAt: z.string(), lastUsedAt: z.string().nullable(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable(),
  })
  .openapi("ApiToken");

// `site`, as `portalsync token --site` and the console's form call it. A
// body naming it otherwise (the older `siteId`) is refused, not ignored: a
// site token made without its site would be useless and the mistake silent.
const createTokenBody = z.strictObject(
  {
    name: z.string().min(1),
    role: z.enum(["admin", "clerk", "site"]),
    /** The site a `site` token reads for (its feed and files). */
    site: z.string().min(1).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys" && issue.keys.includes("siteId")
        ? "the field is named `site` (as in `portalsync token --site`)"
        : undefined,
  },
);

export function tokenRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  for (const p of ["/api/v1/tokens", "/api/v1/tokens/*"]) app.use(p, requireRole("admin"));
  const prisma = ctx.db.prisma;

  const toToken = (t: { id: string; name: string; role: "admin" | "clerk" | "site"; siteId: string | null; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null; revokedAt: Date | null }) => ({
    id: t.id, name: t.name, role: t.role, site: t.siteId, createdAt: t.createdAt.toISOString(), lastUsedAt: iso(t.lastUsedAt), expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt),
  });
  app.openapi(
    createRoute({ method: "get", path: "/api/v1/tokens", tags: ["tokens"], summary: "API tokens, without their secrets (admin)", security,
      responses: { 200: json(z.object({ tokens: z.array(tokenView) }), "tokens") } }),
    async (c) => c.json({ tokens: (await prisma.apiToken.findMany({ orderBy: { createdAt: "desc" } })).map(toToken) }, 200),
  );
  app.openapi(
    createRoute({ method: "post", path: "/api/v1/tokens", tags: ["tokens"], summary: "Create a token; the secret is in this answer only (admin)", security,
      request: { body: { required: true, content: { "application/json": { schema: createTokenBody } } } },
      responses: { 201: json(z.object({ id: z.string(), token: z.string() }), "created"), 400: json(error, "invalid"), 404: json(error, "no such site") } }),
    async (c) => {
      const b = c.req.valid("json");
      const created = await createToken(prisma, actor(c), { name: b.name, role: b.role, siteId: b.site ?? null, expiresAt: b.expiresAt ? new Date(b.expiresAt) : null }).catch(fail);
      c.header("cache-control", "no-store");
      return c.json(created, 201);
    },
  );
  app.openapi(
    createRoute({ method: "post", path: "/api/v1/tokens/{id}/revoke", tags: ["tokens"], summary: "Revoke a token (admin)", security,
      request: { params: z.object({ id: z.string() }) }, responses: { 204: { description: "revoked" }, 404: json(error, "not found") } }),
    async (c) => {
      await revokeToken(prisma, actor(c), c.req.valid("param").id, ctx.now()).catch(fail);
      return c.body(null, 204);
    },
  );
  return app;
}
