// The console's routes under /console: server-rendered pages and the form
// posts behind them. Forms post back here (not to the JSON API) so every
// screen works without JavaScript; both call the same functions.

import { Readable } from "node:stream";
import { Hono, type Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { alertsConfig, checkAlerts, currentConditions } from "../alerts/index.ts";
import { contentDisposition, outboxOf } from "../delivery/index.ts";
import type { HubContext } from "../hub/context.ts";
import { requestRun, RunRequestError, type RunRequest } from "../pipeline/runs.ts";
import { ActionError, approveDelivery, rejectDelivery, replayMany, republishDelivery } from "../operator/actions.ts";
import { CONSOLE_CSS, CONSOLE_JS } from "./assets.ts";
import { dashboard, DELIVERY_STATES, documentDetail, listDeliveries, listRuns, procedureDetail, reviewQueue, searchDocuments, searchProcedures, type DeliveryStateName } from "../operator/data.ts";
import { isLang, translator, type Lang, type MessageKey } from "./i18n.ts";
import type { View } from "./layout.tsx";
import {
  AlertsPage, AuditPage, DashboardPage, DeliveriesPage, DocumentPage, DocumentsPage, LoginPage, MessagePage, ProcedurePage,
  ProceduresPage, ReviewPage, RunPage, RunsPage,
} from "./pages/index.ts";
import { checkCsrf, clearSessionCookie, csrfToken, SESSION_COOKIE, sessionDeps, setSessionCookie, signIn, signOut, userForSession, type SessionUser } from "../auth/index.ts";
import { SiteTargetPage, siteTargetView } from "./pages/site-target.tsx";
import { checkSiteConnection } from "../delivery/targets.ts";
import { signInThrottle } from "../api/sign-in-throttle.ts";
import { mountReportPages } from "./report-routes.tsx";
import { mountAdminPages } from "./admin-routes.tsx";
import { dashboardTrend } from "../reports/index.ts";

export type ConsoleEnv = { Variables: { user: SessionUser | null; lang: Lang; session: string | null } };
type Env = ConsoleEnv;

const FLASH: MessageKey[] = ["review.approved", "review.rejectedDone", "review.republished", "common.done", "users.created"];

export function consoleRoutes(ctx: HubContext) {
  const app = new Hono<Env>();
  const deps = sessionDeps(ctx);
  const prisma = ctx.db.prisma;
  const publicOrigin = ctx.config.server.publicUrl ? new URL(ctx.config.server.publicUrl).origin : null;

  app.get("/", (c) => c.redirect("/console"));

  app.get("/console/static/console.css", (c) => c.body(CONSOLE_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=300" }));
  app.get("/console/static/console.js", (c) => c.body(CONSOLE_JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }));

  // Language: ?lang= switches and is remembered in a cookie; else the cookie; else the user's; else Vietnamese.
  app.use("/console/*", async (c, next) => {
    const asked = c.req.query("lang");
    const cookie = getCookie(c, "portalsync_lang");
    const session = getCookie(c, SESSION_COOKIE) ?? null;
    const user = await userForSession(deps, session ?? undefined);
    c.set("session", user ? session : null);
    c.set("user", user);
    let lang: Lang = "vi";
    if (isLang(asked)) {
      lang = asked;
      setCookie(c, "portalsync_lang", asked, { path: "/", sameSite: "Lax", maxAge: 365 * 86400, secure: deps.secure });
    } else if (isLang(cookie)) lang = cookie;
    else if (user && isLang(user.locale)) lang = user.locale;
    c.set("lang", lang);
    c.header("x-frame-options", "DENY");
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "same-origin");
    c.header("content-security-policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'");
    await next();
  });
  // Origin check on every form post (sign-in included), then the session's token on signed-in ones.
  app.use("/console/*", csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin || origin === publicOrigin }));

  const view = (c: Context<Env>, flash?: View["flash"]): View => {
    const lang = c.get("lang") ?? "vi"; // unset when an error struck before the middleware
    const t = translator(lang);
    const key = c.req.query("flash") as MessageKey | undefined;
    const url = new URL(c.req.url);
    url.searchParams.delete("flash");
    url.searchParams.delete("lang");
    const session = c.get("session");
    return {
      t, lang, user: c.get("user") ?? null, csrf: session ? csrfToken(session) : "",
      path: url.pathname + url.search,
      flash: flash ?? (key && FLASH.includes(key) ? { kind: "ok", text: t(key) } : null),
    };
  };

  app.get("/console/login", (c) => {
    if (c.get("user")) return c.redirect("/console");
    return c.html(<LoginPage view={view(c)} next={safeNext(c.req.query("next"))} failed={false} />);
  });

  // Password guessing is slowed per account, address and both (src/api/sign-in-throttle.ts).
  const loginThrottle = signInThrottle(ctx, {
    account: async (c) => String((await c.req.parseBody()).username ?? ""),
    limited: async (c, seconds, failedNow) => {
      const form = await c.req.parseBody();
      const next = safeNext(String(form.next ?? ""));
      return c.html(<LoginPage view={view(c as Context<Env>)} next={next} failed={failedNow} username={String(form.username ?? "")} retryAfterSeconds={seconds} />, 429);
    },
  });
  app.post("/console/login", loginThrottle, async (c) => {
    const form = await c.req.parseBody();
    const username = String(form.username ?? "");
    const result = await signIn(deps, username, String(form.password ?? ""));
    if (!result) {
      await prisma.auditEvent.create({ data: { actor: username.slice(0, 60) || "?", action: "session.login-failed", targetType: "user", targetId: username.slice(0, 60) } });
      return c.html(<LoginPage view={view(c)} next={safeNext(String(form.next ?? ""))} failed username={username} />, 401);
    }
    setSessionCookie(c, deps, result.cookie);
    await prisma.auditEvent.create({ data: { actor: result.user.username, action: "session.login", targetType: "user", targetId: result.user.username } });
    return c.redirect(safeNext(String(form.next ?? "")), 303);
  });

  // Everything below needs a signed-in user; posts also need the session's CSRF token.
  app.use("/console/*", async (c, next) => {
    const user = c.get("user");
    if (!user) {
      if (c.req.method !== "GET") return c.text("authentication required", 401);
      const url = new URL(c.req.url);
      return c.redirect(`/console/login?next=${encodeURIComponent(url.pathname + url.search)}`);
    }
    if (c.req.method === "POST") {
      const form = await c.req.parseBody({ all: true });
      const token = form._csrf;
      if (!checkCsrf(c.get("session")!, typeof token === "string" ? token : null)) return c.text("invalid form token; reload the page", 403);
    }
    await next();
  });
  const requireAdmin = async (c: Context<Env>, next: () => Promise<void>) => {
    if (c.get("user")?.role !== "admin") return c.html(<MessagePage view={view(c)} title="403" text={view(c).t("common.forbidden")} />, 403);
    await next();
  };

  app.post("/console/logout", async (c) => {
    const session = c.get("session");
    if (session) await signOut(deps, session);
    clearSessionCookie(c, deps);
    await prisma.auditEvent.create({ data: { actor: c.get("user")!.username, action: "session.logout", targetType: "user", targetId: c.get("user")!.username } });
    return c.redirect("/console/login", 303);
  });

  app.get("/console", async (c) => {
    const [data, trend] = await Promise.all([dashboard(ctx), dashboardTrend(ctx)]);
    return c.html(<DashboardPage view={view(c)} data={data} trend={trend} />);
  });
  mountReportPages(app, ctx, view);

  // ─── Runs ───
  const runsPage = async (c: Context<Env>, error: string | null = null) => {
    const source = c.req.query("source") || undefined;
    const [runs, sources] = await Promise.all([
      listRuns(ctx, { source, limit: 100 }),
      prisma.source.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true, enabled: true } }),
    ]);
    return c.html(<RunsPage view={view(c)} runs={runs} sources={sources} source={source} error={error} />, error ? 400 : 200);
  };
  app.get("/console/runs", (c) => runsPage(c));

  const trigger = async (c: Context<Env>, sourceId: string, form: Record<string, unknown>) => {
    const requestedBy = c.get("user")!.username;
    const kind = String(form.trigger ?? "manual");
    let request: RunRequest;
    if (kind === "backfill") {
      // Dates are Vietnam calendar days; the window covers the whole of the last day.
      const from = vnDay(String(form.from ?? ""), 0);
      const to = vnDay(String(form.to ?? ""), 1);
      if (!from || !to) throw new RunRequestError("backfill: choose both dates");
      request = { sourceId, trigger: "backfill", requestedBy, from, to };
    } else if (kind === "single") {
      const itemRef = String(form.itemRef ?? "").trim();
      if (!itemRef) throw new RunRequestError("single: give the document's id at the source");
      request = { sourceId, trigger: "single", requestedBy, itemRef };
    } else request = { sourceId, trigger: "manual", requestedBy };
    return requestRun(ctx, request);
  };
  const runPost = async (c: Context<Env>, sourceId: string) => {
    const form = await c.req.parseBody();
    try {
      const runId = await trigger(c, sourceId, form);
      return c.redirect(`/console/runs/${runId}`, 303);
    } catch (e) {
      if (e instanceof RunRequestError) return runsPage(c, e.message);
      throw e;
    }
  };
  app.post("/console/runs", async (c) => runPost(c, String((await c.req.parseBody()).source ?? "")));
  app.post("/console/sources/:id/runs", (c) => runPost(c, c.req.param("id")));

  app.get("/console/runs/:id", async (c) => {
    const run = await prisma.syncRun.findUnique({ where: { id: c.req.param("id") }, include: { source: { select: { name: true } } } });
    if (!run) return notFound(c);
    const items = await prisma.syncRunItem.findMany({ where: { runId: run.id }, orderBy: { createdAt: "asc" }, take: 1000 });
    return c.html(<RunPage view={view(c)} run={run} sourceName={run.source.name} items={items} />);
  });

  // ─── Documents and procedures ───
  const pageOf = (c: Context<Env>) => Math.max(1, Math.min(10_000, Number.parseInt(c.req.query("page") ?? "1", 10) || 1));
  app.get("/console/documents", async (c) => {
    const q = c.req.query("q")?.slice(0, 200) || undefined;
    return c.html(<DocumentsPage view={view(c)} q={q} result={await searchDocuments(ctx, q, pageOf(c))} />);
  });
  app.get("/console/documents/:id", async (c) => {
    const doc = await documentDetail(ctx, c.req.param("id"));
    return doc ? c.html(<DocumentPage view={view(c)} doc={doc} />) : notFound(c);
  });
  app.get("/console/procedures", async (c) => {
    const q = c.req.query("q")?.slice(0, 200) || undefined;
    return c.html(<ProceduresPage view={view(c)} q={q} result={await searchProcedures(ctx, q, pageOf(c))} />);
  });
  app.get("/console/procedures/:id", async (c) => {
    const proc = await procedureDetail(ctx, c.req.param("id"));
    return proc ? c.html(<ProcedurePage view={view(c)} proc={proc} />) : notFound(c);
  });
  app.get("/console/files/:sha256", async (c) => {
    const sha256 = c.req.param("sha256");
    if (!/^[0-9a-f]{64}$/.test(sha256)) return notFound(c);
    // Only bytes that belong to a document or procedure are served (not every blob the store may hold).
    const attachment = await prisma.fileAttachment.findFirst({ where: { blobSha256: sha256 }, include: { blob: true } });
    if (!attachment || !(await ctx.blobs.has(sha256))) return notFound(c);
    const name = c.req.query("name") || attachment.name;
    const stream = Readable.toWeb(ctx.blobs.open(sha256)) as unknown as ReadableStream<Uint8Array>;
    return c.body(stream, 200, {
      "content-type": attachment.blob.mime || "application/octet-stream",
      "content-length": String(attachment.blob.size),
      "content-disposition": contentDisposition(name, sha256),
      "cache-control": "private, max-age=3600",
    });
  });

  // ─── Review and deliveries ───
  const back = (c: Context<Env>, fallback: string, flash: MessageKey) => {
    const referer = c.req.header("referer");
    let target = fallback;
    if (referer) {
      const url = new URL(referer);
      if (url.origin === new URL(c.req.url).origin && url.pathname.startsWith("/console")) {
        url.searchParams.delete("flash");
        target = url.pathname + url.search;
      }
    }
    return c.redirect(`${target}${target.includes("?") ? "&" : "?"}flash=${flash}`, 303);
  };
  const actor = (c: Context<Env>) => c.get("user")!.username;
  const wake = () => outboxOf(ctx)?.wake();

  app.get("/console/review", async (c) => c.html(<ReviewPage view={view(c)} queue={await reviewQueue(ctx)} />));
  app.post("/console/deliveries/:id/approve", async (c) => {
    const form = await c.req.parseBody();
    await approveDelivery(deps, c.req.param("id"), actor(c), typeof form.note === "string" ? form.note : null);
    wake();
    return back(c, "/console/review", "review.approved");
  });
  app.post("/console/deliveries/:id/reject", async (c) => {
    const form = await c.req.parseBody();
    await rejectDelivery(deps, c.req.param("id"), actor(c), String(form.reason ?? ""));
    return back(c, "/console/review", "review.rejectedDone");
  });
  app.post("/console/deliveries/:id/republish", async (c) => {
    await republishDelivery(deps, c.req.param("id"), actor(c));
    wake();
    return back(c, "/console/review", "review.republished");
  });
  app.post("/console/deliveries/:id/replay", async (c) => {
    const result = await replayMany(deps, [c.req.param("id")], actor(c));
    if (result.errors.length) throw new ActionError(result.errors.join("; "), 409);
    wake();
    return back(c, "/console/deliveries", "common.done");
  });
  app.post("/console/deliveries/replay", async (c) => {
    const form = await c.req.parseBody({ all: true });
    const ids = ([] as unknown[]).concat(form.ids ?? []).filter((v): v is string => typeof v === "string").slice(0, 1000);
    const result = await replayMany(deps, ids, actor(c));
    if (result.count) wake();
    if (result.errors.length) throw new ActionError(result.errors.join("; "), 409);
    return back(c, "/console/deliveries", "common.done");
  });
  // ─── Site targets (src/web/pages/site-target.tsx) ───
  app.get("/console/sites/:id", async (c) => {
    const site = await siteTargetView(ctx, c.req.param("id"));
    if (!site) return c.html(<MessagePage view={view(c)} title="404" text={view(c).t("site.notFound")} />, 404);
    return c.html(<SiteTargetPage view={view(c)} site={site} />);
  });
  app.post("/console/sites/:id/check", async (c) => {
    const result = await checkSiteConnection(ctx, c.req.param("id"), actor(c));
    if (!result) return c.html(<MessagePage view={view(c)} title="404" text={view(c).t("site.notFound")} />, 404);
    if (result.resumed) wake();
    return c.redirect(`/console/sites/${encodeURIComponent(c.req.param("id"))}`, 303);
  });
  app.get("/console/deliveries", async (c) => {
    const site = c.req.query("site") || undefined;
    const stateQ = c.req.query("state");
    const state = (DELIVERY_STATES as readonly string[]).includes(stateQ ?? "") ? (stateQ as DeliveryStateName) : undefined;
    const beforeQ = c.req.query("before");
    const before = beforeQ && /^\d{1,18}$/.test(beforeQ) ? BigInt(beforeQ) : null;
    const [sites, result] = await Promise.all([
      prisma.site.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true } }),
      listDeliveries(ctx, { site, state, before: before ?? undefined }),
    ]);
    return c.html(<DeliveriesPage view={view(c)} sites={sites} site={site} state={state} before={before} result={result} />);
  });

  // ─── Alerts and audit ───
  const alertsPage = async (c: Context<Env>) => {
    const [active, sent] = await Promise.all([
      currentConditions(ctx),
      prisma.auditEvent.findMany({ where: { targetType: "alert" }, orderBy: { at: "desc" }, take: 50 }),
    ]);
    return c.html(<AlertsPage view={view(c)} config={alertsConfig(ctx.config)} active={active} sent={sent} />);
  };
  app.get("/console/alerts", alertsPage);
  app.post("/console/alerts/check", async (c) => {
    // with several hubs a check already running elsewhere makes this one a no-op
    const result = await checkAlerts(ctx);
    return back(c, "/console/alerts", result.skipped ? "alerts.checkSkipped" : "common.done");
  });
  app.get("/console/audit", async (c) => {
    const actorQ = c.req.query("actor")?.trim() || undefined;
    const actionQ = c.req.query("action")?.trim() || undefined;
    const where = { ...(actorQ ? { actor: actorQ } : {}), ...(actionQ ? { action: { startsWith: actionQ } } : {}) };
    const page = pageOf(c);
    const pageSize = 100;
    const [total, events] = await Promise.all([
      prisma.auditEvent.count({ where }),
      prisma.auditEvent.findMany({ where, orderBy: { at: "desc" }, skip: (page - 1) * pageSize, take: pageSize }),
    ]);
    return c.html(<AuditPage view={view(c)} events={events} filter={{ actor: actorQ, action: actionQ }} page={page} pageSize={pageSize} total={total} />);
  });

  mountAdminPages(app, ctx, { view, actor, requireAdmin });

  function notFound(c: Context<Env>) {
    const v = view(c);
    return c.html(<MessagePage view={v} title="404" text={v.t("common.notFound")} />, 404);
  }

  app.onError((error, c) => {
    const v = view(c as Context<Env>);
    if (error instanceof ActionError) return c.html(<MessagePage view={v} title={v.t("common.badRequest")} text={error.message} />, error.status);
    if (error instanceof RunRequestError) return c.html(<MessagePage view={v} title={v.t("common.badRequest")} text={error.message} />, 400);
    if (error instanceof HTTPException) return c.html(<MessagePage view={v} title={String(error.status)} text={error.message} />, error.status);
    ctx.log.error({ err: error, path: c.req.path }, "console request failed");
    return c.html(<MessagePage view={v} title="500" text="Lỗi máy chủ / server error" />, 500);
  });
  return app;
}

const HUB = "http://hub.invalid";

/**
 * Where to go after sign-in: only a same-site path inside the console, starting
 * with a single "/" (no scheme, no //host, no backslash, no control characters,
 * which would also break the Location header), normalised ("/console/../x" is
 * not inside); anything else is /console.
 */
export function safeNext(next: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  if (!next || !next.startsWith("/") || next.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(next)) return "/console";
  let url: URL;
  try {
    url = new URL(next, HUB);
  } catch {
    return "/console";
  }
  if (url.origin !== HUB || (url.pathname !== "/console" && !url.pathname.startsWith("/console/"))) return "/console";
  return url.pathname + url.search;
}

/** YYYY-MM-DD as midnight in Vietnam time (UTC+7, no daylight saving), plus `days`. */
export function vnDay(value: string, days: number): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const d = new Date(`${value}T00:00:00+07:00`);
  if (Number.isNaN(d.getTime())) return null;
  return new Date(d.getTime() + days * 86400_000);
}
