// Console sign-in: scrypt password hashes, session cookies whose SHA-256 is
// the UserSession row (the cookie value itself is never stored), a CSRF token
// derived from the cookie, and the bootstrap admin on an empty database.

import { createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AuthEnv, Principal } from "../auth/index.ts";
import type { Config } from "../config/index.ts";
import type { Prisma } from "../db/index.ts";
import type { Logger } from "../observability/index.ts";
import { audit } from "./audit.ts";

export const SESSION_COOKIE = "portalsync_session";
export const SESSION_TTL_MS = 12 * 3600_000;
/** The fixed password of the demo's admin (documented in README.md); demo mode only. */
export const DEMO_ADMIN_PASSWORD = "portalsync-demo";
export const MIN_PASSWORD_LENGTH = 10;

// N=2^15 (32 MiB with r=8) takes ~50-100 ms here: slow for guessing, fine for a sign-in.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keyLength: 32 };

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize("NFC"), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64url), so parameters can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 128 * SCRYPT.N * SCRYPT.r * 2 });
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4]!, "base64url");
  const expected = Buffer.from(parts[5]!, "base64url");
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p) || expected.length === 0) return false;
  const key = await scrypt(password, salt, expected.length, { N, r, p, maxmem: 128 * N * r * 2 });
  return timingSafeEqual(key, expected);
}

// A hash of a random password, compared against when the user does not exist,
// so a sign-in takes as long for unknown names as for wrong passwords.
let decoyHash: Promise<string> | null = null;
const decoy = () => (decoyHash ??= hashPassword(randomBytes(16).toString("hex")));

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
  now: () => Date;
  /** Secure cookies when the hub is reached over https. */
  secure: boolean;
}

export async function signIn(deps: SessionDeps, username: string, password: string): Promise<{ user: SessionUser; cookie: string } | null> {
  const user = await deps.prisma.user.findUnique({ where: { username: username.trim() } });
  const ok = await verifyPassword(password, user?.passwordHash ?? (await decoy()));
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
  const row = await deps.prisma.userSession.findUnique({ where: { idHash: sha256(cookie) }, include: { user: true } });
  if (!row || row.expiresAt <= deps.now() || row.user.disabled || row.user.role === "site") return null;
  return toSessionUser(row.user);
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

/**
 * Creates the first admin when the User table is empty. The password comes
 * from configuration (PORTALSYNC_ADMIN_PASSWORD); in demo mode a fixed,
 * documented one; otherwise a generated one printed once in the log.
 */
export async function ensureBootstrapAdmin(prisma: Prisma, config: Config, log: Logger): Promise<{ created: boolean; generated: string | null }> {
  if ((await prisma.user.count()) > 0) return { created: false, generated: null };
  const username = config.auth.bootstrapAdmin.username;
  const configured = config.auth.bootstrapAdmin.password ?? (config.demo ? DEMO_ADMIN_PASSWORD : null);
  const password = configured ?? randomBytes(12).toString("base64url");
  try {
    await prisma.user.create({ data: { username, displayName: "Quản trị viên", role: "admin", passwordHash: await hashPassword(password) } });
  } catch (error) {
    // Another hub process sharing the database created it first.
    if ((await prisma.user.count()) > 0) return { created: false, generated: null };
    throw error;
  }
  await audit(prisma, { actor: "system", action: "user.bootstrap", targetType: "user", targetId: username, details: { source: configured ? (config.auth.bootstrapAdmin.password ? "config" : "demo") : "generated" } });
  if (configured) {
    log.info({ username }, config.auth.bootstrapAdmin.password ? "bootstrap admin created with the configured password" : `demo: admin user "${username}" created with the demo password`);
    return { created: true, generated: null };
  }
  // The one and only time this password appears anywhere; in the message, not a field the logger redacts.
  log.warn({ username }, `bootstrap admin "${username}" created with generated password: ${password} (shown once; sign in and change it)`);
  return { created: true, generated: password };
}
