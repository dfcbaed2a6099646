// The operator console (server-rendered, /console) and the JSON API behind it.
// The hub wires these in src/api/app.ts and src/hub/hub.ts.

import type { HubContext } from "../hub/context.ts";
import { sessionDeps } from "./console.tsx";
import { sessionAuth } from "./session.ts";

export { consoleRoutes, sessionDeps } from "./console.tsx";
export { consoleApiRoutes } from "./api.ts";
export { ensureBootstrapAdmin, hashPassword, verifyPassword, DEMO_ADMIN_PASSWORD } from "./session.ts";

/** For /api/*: a console session cookie authenticates the API (bearer tokens still win). */
export function consoleSessionAuth(ctx: Pick<HubContext, "db" | "now" | "config">) {
  return sessionAuth(sessionDeps(ctx));
}
