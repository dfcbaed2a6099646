import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { SqlRunner } from "../db/index.ts";
import { principalForToken, type Principal, type Role } from "./tokens.ts";

export type AuthEnv = { Variables: { principal: Principal | null } };

/** Resolves a bearer token (if any) to a principal; never rejects by itself. */
export function authenticate(deps: { sql: SqlRunner; now: () => Date }): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const match = header && /^Bearer\s+(\S+)$/i.exec(header);
    c.set("principal", match ? await principalForToken(deps.sql, match[1]!, deps.now()) : (c.get("principal") ?? null));
    await next();
  };
}

/** Rejects requests whose principal lacks one of the roles. */
export function requireRole(...roles: Role[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const principal = c.get("principal");
    if (!principal) throw new HTTPException(401, { message: "authentication required" });
    if (!roles.includes(principal.role)) throw new HTTPException(403, { message: `needs role ${roles.join(" or ")}` });
    await next();
  };
}
