// The hub's HTTP surface: health, metrics, the JSON API (OpenAPI-documented,
// a file per resource in this folder), the console (src/web) and, mounted by
// the hub, connector routes and simulators.

import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { authenticate, requireRole, sessionAuth, sessionDeps, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { healthRoutes } from "./health.ts";
import { metricsRoutes } from "./metrics.ts";
import { sourceRoutes } from "./sources.ts";
import { feedRoutes } from "./feed.ts";
import { siteTargetRoutes } from "./site-targets.ts";
import { deliveryRoutes } from "./deliveries.ts";
import { meRoutes } from "./me.ts";
import { dashboardRoutes } from "./dashboard.ts";
import { runItemRoutes } from "./run-items.ts";
import { documentRoutes } from "./documents.ts";
import { procedureRoutes } from "./procedures.ts";
import { reviewRoutes } from "./review.ts";
import { userRoutes } from "./users.ts";
import { tokenRoutes } from "./tokens.ts";
import { auditRoutes } from "./audit.ts";
import { alertRoutes } from "./alerts.ts";
import { reportRoutes } from "./reports.ts";
import { consoleRoutes } from "../web/index.ts";
import { publicRoutes } from "../web/public.tsx";
import { publicVerifyRoutes } from "./public-verify.ts";
import { FORM_BODY_BYTES, MULTIPART_FRAMING_BYTES, requestBodyLimits, type BodyLimitRule } from "./body-limit.ts";

export const API_VERSION = "0.1.0";
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export function createApiApp(ctx: HubContext, extra: { path: string; app: Hono<any> }[] = []) {
  const app = new OpenAPIHono<AuthEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json({ error: "invalid request", issues: result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) }, 400);
      }
    },
  });

  app.use("*", async (c, next) => {
    await next();
    const route = c.req.routePath || "unmatched";
    ctx.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
  });
  // Before anything reads a body (the console's session look-up included):
  // small limits for forms and JSON, the configured ones for uploads.
  const connectorRoutes = enabledConnectorRoutes(ctx);
  app.use("*", requestBodyLimits({ rules: bodyLimitRules(ctx, connectorRoutes, extra), apiBytes: MAX_JSON_BODY_BYTES, otherBytes: FORM_BODY_BYTES }));
  // A console session authenticates the API too (the console's own fetches); a bearer token wins.
  app.use("/api/*", sessionAuth(sessionDeps(ctx)));
  app.use("/api/*", authenticate({ sql: ctx.db.sql, now: ctx.now }));

  app.route("/", healthRoutes(ctx));
  // With metrics.listen, /metrics is served on that address only (src/hub/hub.ts).
  if (!ctx.config.metrics?.listen) app.route("/", metricsRoutes(ctx));
  app.route("/", sourceRoutes(ctx));
  app.route("/", feedRoutes(ctx));
  app.route("/", deliveryRoutes(ctx));
  app.route("/", meRoutes(ctx));
  app.route("/", dashboardRoutes(ctx));
  app.route("/", runItemRoutes(ctx));
  app.route("/", documentRoutes(ctx));
  app.route("/", procedureRoutes(ctx));
  app.route("/", reviewRoutes(ctx));
  app.route("/", userRoutes(ctx));
  app.route("/", tokenRoutes(ctx));
  app.route("/", auditRoutes(ctx));
  app.route("/", alertRoutes(ctx));
  app.route("/", reportRoutes(ctx));
  app.route("/", siteTargetRoutes(ctx));
  app.route("/", consoleRoutes(ctx));
  app.route("/", publicVerifyRoutes(ctx)); // no token: src/api/public-verify.ts
  app.route("/", publicRoutes(ctx)); // /tra-cuu, no sign-in
  for (const { base, routes } of connectorRoutes) {
    app.use(`${base}/*`, requireRole("admin", "clerk"));
    app.route(base, routes);
  }
  for (const { path, app: sub } of extra) app.route(path, sub);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "session", { type: "apiKey", in: "cookie", name: "portalsync_session", description: "console session; state changes also need the x-csrf-token header" });
  app.doc31("/api/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "portalsync API",
      version: API_VERSION,
      description: "Document-sync hub for Vietnamese government portals: sources, runs, documents, procedures, sites and deliveries.",
    },
  });

  app.onError((error, c) => {
    if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
    ctx.log.error({ err: error, path: c.req.path }, "request failed");
    return c.json({ error: "internal error" }, 500);
  });
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  return app;
}

interface ConnectorRoutes {
  base: string;
  routes: Hono<any>;
  /** The connector's own upload limit, else the configured ingest limit. */
  maxBytes: number;
}

/** Routes the enabled sources' connectors add under /api/v1/sources/{id}. */
function enabledConnectorRoutes(ctx: HubContext): ConnectorRoutes[] {
  const out: ConnectorRoutes[] = [];
  for (const source of ctx.config.sources) {
    const connector = ctx.connectors.sources.get(source.connector);
    if (!source.enabled || !connector?.routes) continue;
    const options = connector.configSchema.safeParse(source.options);
    if (!options.success) continue; // reported when the source runs
    const maxBytes = (connector.maxRequestBytes?.(options.data) ?? ctx.config.ingest.maxFileBytes) + MULTIPART_FRAMING_BYTES;
    out.push({ base: `/api/v1/sources/${source.id}`, routes: connector.routes(options.data), maxBytes });
  }
  return out;
}

/** Routes that take uploads (streamed, at the configured limits); the rest get the small defaults. */
function bodyLimitRules(ctx: HubContext, connectors: ConnectorRoutes[], extra: { path: string }[]): BodyLimitRule[] {
  const upload = ctx.config.ingest.maxFileBytes + MULTIPART_FRAMING_BYTES;
  return [
    // Simulators mounted in demo mode stand in for external systems (CMS media uploads).
    ...extra.map((m) => ({ method: "ALL", path: `${m.path.replace(/\/$/, "")}/*`, maxBytes: upload, kind: "streamed" as const })),
    { method: "POST", path: "/api/v1/public/verify", maxBytes: upload, kind: "streamed" },
    { method: "POST", path: "/tra-cuu", maxBytes: upload, kind: "streamed" },
    ...connectors.flatMap(({ base, routes, maxBytes }) =>
      routes.routes
        .filter((r) => r.method !== "ALL") // middleware, not an endpoint
        .map((r) => ({ method: r.method, path: `${base}${r.path === "/" ? "" : r.path}`, maxBytes, kind: "streamed" as const })),
    ),
  ];
}
