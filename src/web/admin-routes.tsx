// The console's admin pages: users (sign-in accounts) and API tokens, each
// a page with its form posts. Only admins reach them (requireAdmin).

import type { Context, Hono } from "hono";
import type { HubContext } from "../hub/context.ts";
import { ActionError, createToken, createUser, revokeToken, updateUser } from "../operator/actions.ts";
import type { ConsoleEnv } from "./console.tsx";
import type { View } from "./layout.tsx";
import { TokensPage, UsersPage } from "./pages/index.ts";

type Env = ConsoleEnv;

export interface AdminPageHelpers {
  view: (c: Context<Env>, flash?: View["flash"]) => View;
  actor: (c: Context<Env>) => string;
  requireAdmin: (c: Context<Env>, next: () => Promise<void>) => Promise<Response | void>;
}

export function mountAdminPages(app: Hono<Env>, ctx: HubContext, { view, actor, requireAdmin }: AdminPageHelpers): void {
  const prisma = ctx.db.prisma;
  app.use("/console/users", requireAdmin);
  app.use("/console/users/*", requireAdmin);
  app.use("/console/tokens", requireAdmin);
  app.use("/console/tokens/*", requireAdmin);
  const usersPage = async (c: Context<Env>, flash?: View["flash"]) => {
    const users = await prisma.user.findMany({ orderBy: { username: "asc" } });
    return c.html(<UsersPage view={view(c, flash)} users={users} />, flash?.kind === "error" ? 400 : 200);
  };
  app.get("/console/users", (c) => usersPage(c));
  app.post("/console/users", async (c) => {
    const form = await c.req.parseBody();
    try {
      await createUser(prisma, actor(c), {
        username: String(form.username ?? ""), displayName: String(form.displayName ?? ""), password: String(form.password ?? ""),
        role: form.role === "admin" ? "admin" : "clerk",
      });
    } catch (e) {
      if (e instanceof ActionError) return usersPage(c, { kind: "error", text: e.status === 409 ? view(c).t("users.exists") : e.message });
      throw e;
    }
    return c.redirect("/console/users?flash=users.created", 303);
  });
  app.post("/console/users/:id", async (c) => {
    const form = await c.req.parseBody();
    const user = c.get("user")!;
    try {
      await updateUser(prisma, { name: user.username, userId: user.id }, c.req.param("id"), {
        ...(form.disabled !== undefined ? { disabled: form.disabled === "true" } : {}),
        ...(typeof form.password === "string" && form.password ? { password: form.password } : {}),
      });
    } catch (e) {
      if (e instanceof ActionError) return usersPage(c, { kind: "error", text: e.message });
      throw e;
    }
    return c.redirect("/console/users?flash=common.done", 303);
  });
  const tokensPage = async (c: Context<Env>, newToken: string | null, flash?: View["flash"]) => {
    const [tokens, sites] = await Promise.all([
      prisma.apiToken.findMany({ orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }] }),
      prisma.site.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true } }),
    ]);
    // A freshly shown token must not be cached anywhere.
    c.header("cache-control", "no-store");
    return c.html(<TokensPage view={view(c, flash)} tokens={tokens} sites={sites} newToken={newToken} />, flash?.kind === "error" ? 400 : 200);
  };
  app.get("/console/tokens", (c) => tokensPage(c, null));
  app.post("/console/tokens", async (c) => {
    const form = await c.req.parseBody();
    const role = form.role === "admin" || form.role === "clerk" ? form.role : "site";
    try {
      const created = await createToken(prisma, actor(c), { name: String(form.name ?? ""), role, siteId: typeof form.site === "string" && form.site ? form.site : null });
      return tokensPage(c, created.token);
    } catch (e) {
      if (e instanceof ActionError) return tokensPage(c, null, { kind: "error", text: role === "site" && !form.site ? view(c).t("tokens.needSite") : e.message });
      throw e;
    }
  });
  app.post("/console/tokens/:id/revoke", async (c) => {
    await revokeToken(prisma, actor(c), c.req.param("id"), ctx.now());
    return c.redirect("/console/tokens?flash=common.done", 303);
  });
}
