// Console users (admin only).

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { createUser, updateUser } from "../operator/actions.ts";
import { actor, error, fail, json, security } from "./common.ts";

const userView = z
  .object({ id: z.string(), username: z.string(), displayName: z.string(), role: z.enum(["admin", "clerk"]), disabled: z.boolean(), locale: z.string(), createdAt: z.string() })
  .openapi("User");

export function userRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  for (const p of ["/api/v1/users", "/api/v1/users/*"]) app.use(p, requireRole("admin"));
  const prisma = ctx.db.prisma;

  const toUser = (u: { id: string; username: string; displayName: string; role: string; disabled: boolean; locale: string; createdAt: Date }) => ({
    id: u.id, username: u.username, displayName: u.displayName, role: u.role as "admin" | "clerk", disabled: u.disabled, locale: u.locale, createdAt: u.createdAt.toISOString(),
  });
  app.openapi(
    createRoute({ method: "get", path: "/api/v1/users", tags: ["users"], summary: "Console users (admin)", security,
      responses: { 200: json(z.object({ users: z.array(userView) }), "users") } }),
    async (c) => c.json({ users: (await prisma.user.findMany({ where: { role: { in: ["admin", "clerk"] } }, orderBy: { username: "asc" } })).map(toUser) }, 200),
  );
  app.openapi(
    createRoute({ method: "post", path: "/api/v1/users", tags: ["users"], summary: "Create a console user (admin)", security,
      request: { body: { required: true, content: { "application/json": { schema: z.object({ username: z.string(), displayName: z.string().default(""), password: z.string(), role: z.enum(["admin", "clerk"]), locale: z.enum(["vi", "en"]).default("vi") }) } } } },
      responses: { 201: json(z.object({ id: z.string() }), "created"), 400: json(error, "invalid"), 409: json(error, "username taken") } }),
    async (c) => {
      const body = c.req.valid("json");
      const id = await createUser(prisma, actor(c), body).catch(fail);
      return c.json({ id }, 201);
    },
  );
  app.openapi(
    createRoute({ method: "patch", path: "/api/v1/users/{id}", tags: ["users"], summary: "Disable, enable, change role or reset the password of a user (admin)", security,
      request: {
        params: z.object({ id: z.string() }),
        body: { required: true, content: { "application/json": { schema: z.object({ disabled: z.boolean().optional(), role: z.enum(["admin", "clerk"]).optional(), password: z.string().optional(), displayName: z.string().optional() }) } } },
      },
      responses: { 200: json(userView, "updated"), 400: json(error, "invalid"), 404: json(error, "not found"), 409: json(error, "not on yourself") } }),
    async (c) => {
      const { id } = c.req.valid("param");
      const p = c.get("principal")!;
      await updateUser(prisma, { name: p.name, userId: p.userId }, id, c.req.valid("json")).catch(fail);
      return c.json(toUser(await prisma.user.findUniqueOrThrow({ where: { id } })), 200);
    },
  );
  return app;
}
