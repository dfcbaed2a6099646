// Console sign-in sessions: cookies whose SHA-256 is the UserSession row (the
// cookie value itself is never stored), a CSRF token derived from the cookie,
// and the middleware that lets a session authenticate the JSON API.

import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Prisma, SqlRunner } from "../db/index.ts";
import type { HubContext } from "../hub/context.ts";
import type { AuthEnv } from "./middleware.ts";
import { decoyPasswordHash, verifyPassword } from "./passwords.ts";
import type { Principal } from "./tokens.ts";

export const SESSION_COOKIE = "portalsync_session";
export const SESSION_TTL_MS = 12 * 3600_000;

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

/** The form/header token that proves a request came from a page we served to this session. */
export function csrfToken(sessionValue: string): string {
  return createHmac("sha256", sessionValue).update("portalsync-csrf").digest("base64url");
}

export function checkCsrf(sessionValue: string, presented: string | null | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(csrfToken(sessionValue));
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  role: "admin" | "clerk";
  locale: string;
}

export interface SessionDeps {
  prisma: Prisma;
  /** Plain SQL on the same database: the per-request session look-up (a Prisma query costs ~10× its SQL on PGlite). */
  sql: SqlRunner;
  now: () => Date;
  /** Secure cookies when the hub is reached over https. */
  secure: boolean;
}

export async function signIn(deps: SessionDeps, username: string, password: string): Promise<{ user: SessionUser; cookie: string } | null> {
  const user = await deps.prisma.user.findUnique({ where: { username: username.trim() } });
  const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
  if (!user || !ok || user.disabled || user.role === "site") return null;
  const cookie = randomBytes(32).toString("base64url");
  const now = deps.now();
  await deps.prisma.userSession.create({ data: { idHash: sha256(cookie), userId: user.id, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) } });
  // Expired sessions of anyone are swept here rather than by a timer.
  await deps.prisma.userSession.deleteMany({ where: { expiresAt: { lt: now } } });
  return { user: toSessionUser(user), cookie };
}

export async function signOut(deps: SessionDeps, cookie: string): Promise<void> {
  await deps.prisma.userSession.deleteMany({ where: { idHash: sha256(cookie) } });
}

export async function userForSession(deps: SessionDeps, cookie: string | undefined): Promise<SessionUser | null> {
  if (!cookie || cookie.length > 200) return null;
  const { rows } = await deps.sql.query<{ id: string; username: string; displayName: string; role: string; locale: string; disabled: boolean; expiresAt: Date }>(
    `SELECT u.id, u.username, u."displayName", u.role::text AS role, u.locale, u.disabled, s."expiresAt" AT TIME ZONE 'UTC' AS "expiresAt"
     FROM "UserSession" s JOIN "User" u ON u.id = s."userId" WHERE s."idHash" = $1`,
    [sha256(cookie)],
  );
  const row = rows[0];
  if (!row || row.expiresAt <= deps.now() || row.disabled || row.role === "site") return null;
  return toSessionUser(row);
}

function toSessionUser(u: { id: string; username: string; displayName: string; role: string; locale: string }): SessionUser {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role as "admin" | "clerk", locale: u.locale };
}

export function principalOf(user: SessionUser): Principal {
  return { kind: "user", name: user.username, role: user.role, siteId: null, userId: user.id };
}

export function setSessionCookie(c: Context, deps: SessionDeps, value: string): void {
  setCookie(c, SESSION_COOKIE, value, { httpOnly: true, sameSite: "Lax", secure: deps.secure, path: "/", maxAge: SESSION_TTL_MS / 1000 });
}

export function clearSessionCookie(c: Context, deps: SessionDeps): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: deps.secure });
}

/**
 * For /api/*: a console session authenticates the JSON API too (the console's
 * own fetches). State-changing requests must carry the CSRF token in
 * `x-csrf-token`; without it the session is ignored (→ 401), so another site
 * cannot drive the API through a signed-in browser. A bearer token, when
 * present, is handled by `authenticate` and wins.
 */
export function sessionAuth(deps: SessionDeps): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie && !c.req.header("authorization")) {
      const safe = c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS";
      if (safe || checkCsrf(cookie, c.req.header("x-csrf-token"))) {
        const user = await userForSession(deps, cookie);
        if (user) c.set("principal", principalOf(user));
      }
    }
    await next();
  };
}

export function sessionDeps(ctx: Pick<HubContext, "db" | "now" | "config">): SessionDeps {
  return { prisma: ctx.db.prisma, sql: ctx.db.sql, now: ctx.now, secure: (ctx.config.server.publicUrl ?? "").startsWith("https:") };
}
