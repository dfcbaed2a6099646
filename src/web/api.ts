// The JSON API behind the console (documented in /api/openapi.json): the
// dashboard, run items, documents and procedures, the review queue,
// republish, users, tokens, audit and alerts. Sources/runs live in
// src/api/sources.ts and deliveries (list, approve, reject, replay) in
// src/api/deliveries.ts; this file does not repeat them.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import { alertsConfig, currentConditions } from "../alerts/index.ts";
import { outboxOf } from "../delivery/index.ts";
import type { HubContext } from "../hub/context.ts";
import { ActionError, createToken, createUser, republishDelivery, revokeToken, updateUser } from "./actions.ts";
import { dashboard, deliveryItemLabel, documentDetail, procedureDetail, reviewQueue, searchDocuments, searchProcedures } from "./data.ts";

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const error = z.object({ error: z.string() }).openapi("Error");
const security: Record<string, string[]>[] = [{ bearer: [] }, { session: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const sourceHealth = z
  .object({
    id: z.string(), name: z.string(), connector: z.string(), enabled: z.boolean(), schedule: z.string().nullable(),
    health: z.enum(["healthy", "failing", "lagging", "disabled"]),
    lastRunAt: z.string().nullable(), lastSuccessAt: z.string().nullable(), lastErrorAt: z.string().nullable(), lastError: z.string().nullable(),
    consecutiveFailures: z.number(), lagSeconds: z.number().nullable(),
    recentRuns: z.record(z.string(), z.number()).openapi({ description: "status → count over the last 10 runs" }),
    running: z.object({ id: z.string(), status: z.string() }).nullable(),
    failedItems: z.object({ waiting: z.number(), gaveUp: z.number() }),
  })
  .openapi("SourceHealth");

const dashboardView = z
  .object({
    sources: z.array(sourceHealth),
    sites: z.array(z.object({
      id: z.string(), name: z.string(), publishMode: z.string(), enabled: z.boolean(), disabledReason: z.string().nullable(),
      // site-targets: the connector, and why the hub cannot push to the site (null: it can)
      connector: z.string(), stoppedReason: z.string().nullable(), stoppedKind: z.string().nullable(),
      states: z.record(z.string(), z.number()),
    })),
    reviewQueue: z.number(),
  })
  .openapi("Dashboard");

const runItem = z
  .object({ externalId: z.string(), outcome: z.string(), message: z.string().nullable(), itemKind: z.string().nullable(), itemId: z.string().nullable(), version: z.number().nullable(), createdAt: z.string() })
  .openapi("SyncRunItem");

const documentSummary = z
  .object({
    id: z.string(), number: z.string(), docType: z.string().nullable(), title: z.string(), issuerName: z.string(), issuerCode: z.string().nullable(),
    issuedDate: z.string(), status: z.string(), isPublic: z.boolean(), currentVersion: z.number(), signatureStatus: z.string().nullable(),
  })
  .openapi("DocumentSummary");

const fileView = z
  .object({ name: z.string(), role: z.string(), sha256: z.string(), size: z.number(), mime: z.string(), url: z.string().openapi({ description: "console download (session)" }) })
  .openapi("FileView");

const deliveryBrief = z
  .object({ id: z.string(), siteId: z.string(), section: z.string(), event: z.string(), state: z.string(), deliveredAt: z.string().nullable(), reviewNote: z.string().nullable() })
  .openapi("DeliveryBrief");

const signatureView = z
  .object({ sha256: z.string(), status: z.string(), policyKey: z.string(), verifiedAt: z.string(), report: z.unknown().openapi({ description: "verify-report line (contracts/verify-report.md)" }) })
  .openapi("SignatureReportView");

const documentView = documentSummary
  .extend({
    signerName: z.string().nullable(), signerPosition: z.string().nullable(), field: z.string().nullable(),
    replacesId: z.string().nullable(),
    sources: z.array(z.object({ sourceId: z.string(), externalId: z.string() })),
    versions: z.array(z.object({ version: z.number(), createdAt: z.string(), signatureStatus: z.string(), files: z.array(fileView), signatures: z.array(signatureView), deliveries: z.array(deliveryBrief) })),
  })
  .openapi("DocumentDetail");

const procedureSummary = z
  .object({ id: z.string(), code: z.string(), name: z.string(), field: z.string().nullable(), level: z.string().nullable(), status: z.string(), currentVersion: z.number() })
  .openapi("ProcedureSummary");

const procedureView = procedureSummary
  .extend({
    sources: z.array(z.object({ sourceId: z.string(), externalId: z.string() })),
    versions: z.array(z.object({ version: z.number(), createdAt: z.string(), decisionNumber: z.string().nullable(), data: z.unknown(), files: z.array(fileView), deliveries: z.array(deliveryBrief) })),
  })
  .openapi("ProcedureDetail");

const reviewItem = z
  .object({
    id: z.string(), siteId: z.string(), section: z.string(), event: z.string(), state: z.string(), itemKind: z.string(), itemId: z.string(),
    label: z.string(), version: z.number().nullable(), signatureStatus: z.string().nullable(), reviewNote: z.string().nullable(), reviewedBy: z.string().nullable(), createdAt: z.string(),
  })
  .openapi("ReviewItem");

const userView = z
  .object({ id: z.string(), username: z.string(), displayName: z.string(), role: z.enum(["admin", "clerk"]), disabled: z.boolean(), locale: z.string(), createdAt: z.string() })
  .openapi("User");

const tokenView = z
  .object({
    id: z.string(), name: z.string(), role: z.enum(["admin", "clerk", "site"]), siteId: z.string().nullable(),
    createdAt: z.string(), lastUsedAt: z.string().nullable(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable(),
  })
  .openapi("ApiToken");

const auditView = z
  .object({ id: z.string(), at: z.string(), actor: z.string(), action: z.string(), targetType: z.string().nullable(), targetId: z.string().nullable(), details: z.unknown() })
  .openapi("AuditEvent");

const alertView = z
  .object({ key: z.string(), kind: z.enum(["source-failing", "source-lagging", "deliveries-dead", "site-stopped"]), subject: z.string(), value: z.number(), detail: z.string().optional() })
  .openapi("Alert");

const pageQuery = z.object({ q: z.string().max(200).optional().openapi({ description: "words, with or without Vietnamese diacritics" }), page: z.coerce.number().int().min(1).max(10_000).default(1) });

function fileOf(f: { name: string; role: string; blobSha256: string; blob: { size: bigint; mime: string } }) {
  return { name: f.name, role: f.role, sha256: f.blobSha256, size: Number(f.blob.size), mime: f.blob.mime, url: `/console/files/${f.blobSha256}?name=${encodeURIComponent(f.name)}` };
}
function deliveryOf(d: { id: string; siteId: string; section: { slug: string }; event: string; state: string; deliveredAt: Date | null; reviewNote: string | null }) {
  return { id: d.id, siteId: d.siteId, section: d.section.slug, event: d.event, state: d.state, deliveredAt: iso(d.deliveredAt), reviewNote: d.reviewNote };
}

export function consoleApiRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  const prisma = ctx.db.prisma;
  const staff = requireRole("admin", "clerk");
  const admin = requireRole("admin");
  for (const p of ["/api/v1/me", "/api/v1/dashboard", "/api/v1/documents", "/api/v1/documents/*", "/api/v1/procedures", "/api/v1/procedures/*", "/api/v1/review", "/api/v1/audit", "/api/v1/alerts"]) app.use(p, staff);
  for (const p of ["/api/v1/users", "/api/v1/users/*", "/api/v1/tokens", "/api/v1/tokens/*"]) app.use(p, admin);
  const actor = (c: { get(key: "principal"): { name: string } | null }) => c.get("principal")?.name ?? "unknown";
  const fail = (e: unknown): never => {
    if (e instanceof ActionError) throw new HTTPException(e.status, { message: e.message });
    throw e;
  };

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/me", tags: ["console"], summary: "Who is calling", security,
      responses: { 200: json(z.object({ kind: z.enum(["token", "user"]), name: z.string(), role: z.string(), siteId: z.string().nullable() }), "the principal") } }),
    (c) => {
      const p = c.get("principal")!;
      return c.json({ kind: p.kind, name: p.name, role: p.role, siteId: p.siteId }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/dashboard", tags: ["console"], summary: "Source health, deliveries per site and the review queue size", security,
      responses: { 200: json(dashboardView, "dashboard") } }),
    async (c) => {
      const d = await dashboard(ctx);
      return c.json({
        ...d,
        sources: d.sources.map((s) => ({ ...s, lastRunAt: iso(s.lastRunAt), lastSuccessAt: iso(s.lastSuccessAt), lastErrorAt: iso(s.lastErrorAt) })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/runs/{id}/items", tags: ["runs"], summary: "Per-item outcomes of a run", security,
      request: { params: z.object({ id: z.string() }), query: z.object({ outcome: z.enum(["created", "updated", "duplicate", "rejected", "failed"]).optional() }) },
      responses: { 200: json(z.object({ items: z.array(runItem) }), "items"), 404: json(error, "no such run") } }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { outcome } = c.req.valid("query");
      if (!(await prisma.syncRun.findUnique({ where: { id }, select: { id: true } }))) return c.json({ error: "no such run" }, 404);
      const items = await prisma.syncRunItem.findMany({ where: { runId: id, ...(outcome ? { outcome } : {}) }, orderBy: { createdAt: "asc" }, take: 5000 });
      return c.json({ items: items.map((i) => ({ externalId: i.externalId, outcome: i.outcome, message: i.message, itemKind: i.itemKind, itemId: i.itemId, version: i.version, createdAt: i.createdAt.toISOString() })) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/documents", tags: ["documents"], summary: "Search documents (number, summary, issuer; diacritics optional)", security,
      request: { query: pageQuery }, responses: { 200: json(z.object({ total: z.number(), page: z.number(), pageSize: z.number(), documents: z.array(documentSummary) }), "documents") } }),
    async (c) => {
      const { q, page } = c.req.valid("query");
      const r = await searchDocuments(ctx, q, page);
      return c.json({
        total: r.total, page: r.page, pageSize: r.pageSize,
        documents: r.rows.map((d) => ({
          id: d.id, number: d.number, docType: d.docType, title: d.title, issuerName: d.issuerName, issuerCode: d.issuerCode,
          issuedDate: d.issuedDate.toISOString().slice(0, 10), status: d.status, isPublic: d.isPublic, currentVersion: d.currentVersion,
          signatureStatus: d.versions[0]?.signatureStatus ?? null,
        })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/documents/{id}", tags: ["documents"], summary: "A document with versions, files, signature reports and deliveries", security,
      request: { params: z.object({ id: z.string() }) }, responses: { 200: json(documentView, "document"), 404: json(error, "not found") } }),
    async (c) => {
      const d = await documentDetail(ctx, c.req.valid("param").id);
      if (!d) return c.json({ error: "no such document" }, 404);
      return c.json({
        id: d.id, number: d.number, docType: d.docType, title: d.title, issuerName: d.issuerName, issuerCode: d.issuerCode,
        issuedDate: d.issuedDate.toISOString().slice(0, 10), status: d.status, isPublic: d.isPublic, currentVersion: d.currentVersion,
        signatureStatus: d.versions[0]?.signatureStatus ?? null, signerName: d.signerName, signerPosition: d.signerPosition, field: d.field,
        replacesId: d.replacesId, sources: d.sourceRefs.map((r) => ({ sourceId: r.sourceId, externalId: r.externalId })),
        versions: d.versions.map((v) => ({
          version: v.version, createdAt: v.createdAt.toISOString(), signatureStatus: v.signatureStatus,
          files: v.files.map(fileOf),
          signatures: v.files.flatMap((f) => f.blob.signatures.map((s) => ({ sha256: f.blobSha256, status: s.status, policyKey: s.policyKey, verifiedAt: s.verifiedAt.toISOString(), report: s.report }))),
          deliveries: v.deliveries.map(deliveryOf),
        })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/procedures", tags: ["procedures"], summary: "Search administrative procedures (code, name, field; diacritics optional)", security,
      request: { query: pageQuery }, responses: { 200: json(z.object({ total: z.number(), page: z.number(), pageSize: z.number(), procedures: z.array(procedureSummary) }), "procedures") } }),
    async (c) => {
      const { q, page } = c.req.valid("query");
      const r = await searchProcedures(ctx, q, page);
      return c.json({
        total: r.total, page: r.page, pageSize: r.pageSize,
        procedures: r.rows.map((p) => ({ id: p.id, code: p.code, name: p.name, field: p.field, level: p.level, status: p.status, currentVersion: p.currentVersion })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/procedures/{id}", tags: ["procedures"], summary: "A procedure with versions, files and deliveries", security,
      request: { params: z.object({ id: z.string() }) }, responses: { 200: json(procedureView, "procedure"), 404: json(error, "not found") } }),
    async (c) => {
      const p = await procedureDetail(ctx, c.req.valid("param").id);
      if (!p) return c.json({ error: "no such procedure" }, 404);
      return c.json({
        id: p.id, code: p.code, name: p.name, field: p.field, level: p.level, status: p.status, currentVersion: p.currentVersion,
        sources: p.sourceRefs.map((r) => ({ sourceId: r.sourceId, externalId: r.externalId })),
        versions: p.versions.map((v) => ({
          version: v.version, createdAt: v.createdAt.toISOString(), decisionNumber: v.decisionNumber, data: v.data,
          files: v.files.map(fileOf), deliveries: v.deliveries.map(deliveryOf),
        })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/review", tags: ["deliveries"], summary: "The review queue (held deliveries) and recent rejections", security,
      responses: { 200: json(z.object({ held: z.array(reviewItem), rejected: z.array(reviewItem) }), "review queue") } }),
    async (c) => {
      const q = await reviewQueue(ctx);
      const view = (d: (typeof q.held)[number]) => {
        const label = deliveryItemLabel(d);
        return {
          id: d.id, siteId: d.siteId, section: d.section.slug, event: d.event, state: d.state, itemKind: d.itemKind, itemId: d.itemId,
          label: label.label, version: label.version, signatureStatus: d.documentVersion?.signatureStatus ?? null,
          reviewNote: d.reviewNote, reviewedBy: d.reviewedBy, createdAt: d.createdAt.toISOString(),
        };
      };
      return c.json({ held: q.held.map(view), rejected: q.rejected.map(view) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "post", path: "/api/v1/deliveries/{id}/republish", tags: ["deliveries"], summary: "Publish a rejected delivery after all (audited)", security,
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(z.object({ id: z.string(), state: z.string() }), "queued again"), 404: json(error, "not found"), 409: json(error, "not rejected") } }),
    async (c) => {
      const { id } = c.req.valid("param");
      await republishDelivery({ prisma, now: ctx.now }, id, actor(c)).catch(fail);
      outboxOf(ctx)?.wake();
      return c.json({ id, state: "pending" }, 200);
    },
  );

  // ─── Users ───
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

  // ─── Tokens ───
  const toToken = (t: { id: string; name: string; role: "admin" | "clerk" | "site"; siteId: string | null; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null; revokedAt: Date | null }) => ({
    id: t.id, name: t.name, role: t.role, siteId: t.siteId, createdAt: t.createdAt.toISOString(), lastUsedAt: iso(t.lastUsedAt), expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt),
  });
  app.openapi(
    createRoute({ method: "get", path: "/api/v1/tokens", tags: ["tokens"], summary: "API tokens, without their secrets (admin)", security,
      responses: { 200: json(z.object({ tokens: z.array(tokenView) }), "tokens") } }),
    async (c) => c.json({ tokens: (await prisma.apiToken.findMany({ orderBy: { createdAt: "desc" } })).map(toToken) }, 200),
  );
  app.openapi(
    createRoute({ method: "post", path: "/api/v1/tokens", tags: ["tokens"], summary: "Create a token; the secret is in this answer only (admin)", security,
      request: { body: { required: true, content: { "application/json": { schema: z.object({ name: z.string().min(1), role: z.enum(["admin", "clerk", "site"]), siteId: z.string().optional(), expiresAt: z.iso.datetime({ offset: true }).optional() }) } } } },
      responses: { 201: json(z.object({ id: z.string(), token: z.string() }), "created"), 400: json(error, "invalid"), 404: json(error, "no such site") } }),
    async (c) => {
      const b = c.req.valid("json");
      const created = await createToken(prisma, actor(c), { name: b.name, role: b.role, siteId: b.siteId ?? null, expiresAt: b.expiresAt ? new Date(b.expiresAt) : null }).catch(fail);
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

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/audit", tags: ["audit"], summary: "Audit log, newest first", security,
      request: { query: z.object({ actor: z.string().optional(), action: z.string().optional().openapi({ description: "prefix, e.g. delivery." }), targetType: z.string().optional(), targetId: z.string().optional(), before: z.iso.datetime({ offset: true }).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: json(z.object({ events: z.array(auditView) }), "events") } }),
    async (c) => {
      const q = c.req.valid("query");
      const events = await prisma.auditEvent.findMany({
        where: {
          ...(q.actor ? { actor: q.actor } : {}), ...(q.action ? { action: { startsWith: q.action } } : {}),
          ...(q.targetType ? { targetType: q.targetType } : {}), ...(q.targetId ? { targetId: q.targetId } : {}),
          ...(q.before ? { at: { lt: new Date(q.before) } } : {}),
        },
        orderBy: { at: "desc" }, take: q.limit,
      });
      return c.json({ events: events.map((e) => ({ id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, targetType: e.targetType, targetId: e.targetId, details: e.details })) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/alerts", tags: ["alerts"], summary: "Active alert conditions and the thresholds", security,
      responses: { 200: json(z.object({ active: z.array(alertView), thresholds: z.object({ failureThreshold: z.number(), lagMinutes: z.number(), repeatMinutes: z.number() }) }), "alerts") } }),
    async (c) => {
      const cfg = alertsConfig(ctx.config);
      return c.json({ active: await currentConditions(ctx), thresholds: { failureThreshold: cfg.failureThreshold, lagMinutes: cfg.lagMinutes, repeatMinutes: cfg.repeatMinutes } }, 200);
    },
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "session", { type: "apiKey", in: "cookie", name: "portalsync_session", description: "console session; state changes also need the x-csrf-token header" });
  return app;
}
