// Deliveries for admins and clerks: list and filter the outbox, replay, review
// held deliveries, and re-enable a portal endpoint disabled by a 410.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import { outboxOf } from "../delivery/outbox-worker.ts";
import { REPLAYABLE, replayDeliveries, ReplayError, type ReplayableState, type ReplaySelector } from "../delivery/replay.ts";
import { reviewDelivery, ReviewError } from "../delivery/review.ts";
import type { HubContext } from "../hub/context.ts";
import { listDeliveries } from "../operator/lists.ts";

const STATES = ["held", "pending", "sending", "delivered", "failed", "dead", "rejected"] as const;

const error = z.object({ error: z.string() }).openapi("Error");

const deliveryView = z
  .object({
    id: z.string(),
    seq: z.string(),
    siteId: z.string(),
    section: z.string(),
    itemKind: z.enum(["document", "procedure"]),
    itemId: z.string(),
    version: z.number().nullable(),
    event: z.string(),
    messageId: z.string().openapi({ description: "webhook-id" }),
    state: z.enum(STATES),
    attempts: z.number(),
    nextAttemptAt: z.string(),
    lastStatus: z.number().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    reviewedBy: z.string().nullable(),
    reviewNote: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Delivery");

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const include = {
  section: { select: { slug: true } },
  documentVersion: { select: { version: true } },
  procedureVersion: { select: { version: true } },
} as const;

type Row = {
  id: string; seq: bigint; siteId: string; section: { slug: string }; itemKind: "document" | "procedure"; itemId: string;
  documentVersion: { version: number } | null; procedureVersion: { version: number } | null; event: string; messageId: string;
  state: (typeof STATES)[number]; attempts: number; nextAttemptAt: Date; lastStatus: number | null; lastError: string | null;
  deliveredAt: Date | null; reviewedBy: string | null; reviewNote: string | null; createdAt: Date; updatedAt: Date;
};

function toView(r: Row): z.infer<typeof deliveryView> {
  return {
    id: r.id,
    seq: r.seq.toString(),
    siteId: r.siteId,
    section: r.section.slug,
    itemKind: r.itemKind,
    itemId: r.itemId,
    version: r.documentVersion?.version ?? r.procedureVersion?.version ?? null,
    event: r.event,
    messageId: r.messageId,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt.toISOString(),
    lastStatus: r.lastStatus,
    lastError: r.lastError,
    deliveredAt: iso(r.deliveredAt),
    reviewedBy: r.reviewedBy,
    reviewNote: r.reviewNote,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const replayRequest = z
  .object({
    site: z.string().optional(),
    states: z.array(z.enum(REPLAYABLE as [string, ...string[]])).optional().openapi({ description: "default: dead" }),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .openapi("ReplayRequest");

const replayResult = z.object({ count: z.number(), ids: z.array(z.string()) }).openapi("ReplayResult");

export function deliveryRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.use("/api/v1/deliveries", requireRole("admin", "clerk"));
  app.use("/api/v1/deliveries/*", requireRole("admin", "clerk"));
  app.use("/api/v1/sites/:site/endpoint/*", requireRole("admin"));

  const actor = (c: { get(key: "principal"): { name: string } | null }) => c.get("principal")?.name ?? "unknown";
  const wake = () => outboxOf(ctx)?.wake();

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/deliveries",
      tags: ["deliveries"],
      summary: "Outbox rows, newest first, filtered by site, section, state or item",
      security: [{ bearer: [] }],
      request: {
        query: z.object({
          site: z.string().optional(),
          section: z.string().optional().openapi({ description: "section slug (with site)" }),
          state: z.enum(STATES).optional(),
          item: z.string().optional(),
          before: z.string().regex(/^\d{1,18}$/).optional().openapi({ description: "seq cursor: rows before it (next page)" }),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
      },
      responses: {
        200: {
          description: "deliveries",
          content: { "application/json": { schema: z.object({ deliveries: z.array(deliveryView), next: z.string().nullable() }) } },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await listDeliveries(ctx, { site: q.site, section: q.section, state: q.state, item: q.item, before: q.before ? BigInt(q.before) : undefined, limit: q.limit });
      return c.json({ deliveries: page.rows.map(toView), next: page.next?.toString() ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/deliveries/{id}",
      tags: ["deliveries"],
      summary: "One delivery",
      security: [{ bearer: [] }],
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: { description: "delivery", content: { "application/json": { schema: deliveryView } } },
        404: { description: "not found", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const row = await ctx.db.prisma.delivery.findUnique({ where: { id: c.req.valid("param").id }, include });
      if (!row) throw new HTTPException(404, { message: "no such delivery" });
      return c.json(toView(row), 200);
    },
  );

  const replay = async (selector: ReplaySelector, who: string) => {
    try {
      const result = await replayDeliveries({ prisma: ctx.db.prisma, now: ctx.now }, selector, who);
      wake();
      return result;
    } catch (e) {
      if (e instanceof ReplayError) throw new HTTPException(e.status, { message: e.message });
      throw e;
    }
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/deliveries/{id}/replay",
      tags: ["deliveries"],
      summary: "Send one delivery again (dead, failed or delivered)",
      security: [{ bearer: [] }],
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: { description: "replayed", content: { "application/json": { schema: replayResult } } },
        404: { description: "not found", content: { "application/json": { schema: error } } },
        409: { description: "not replayable in its state", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => c.json(await replay({ deliveryId: c.req.valid("param").id }, actor(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/deliveries/replay",
      tags: ["deliveries"],
      summary: "Replay many: every dead delivery of a site, or those created in a time range",
      security: [{ bearer: [] }],
      request: { body: { content: { "application/json": { schema: replayRequest } }, required: true } },
      responses: {
        200: { description: "replayed", content: { "application/json": { schema: replayResult } } },
        400: { description: "bad selection", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const selector: ReplaySelector = {
        ...(body.site ? { siteId: body.site } : {}),
        ...(body.states ? { states: body.states as ReplayableState[] } : {}),
        ...(body.from ? { from: new Date(body.from) } : {}),
        ...(body.to ? { to: new Date(body.to) } : {}),
      };
      return c.json(await replay(selector, actor(c)), 200);
    },
  );

  const review = async (id: string, decision: Parameters<typeof reviewDelivery>[2], who: string) => {
    try {
      const result = await reviewDelivery({ prisma: ctx.db.prisma, now: ctx.now }, id, decision, who);
      wake();
      return result;
    } catch (e) {
      if (e instanceof ReviewError) throw new HTTPException(e.status, { message: e.message });
      throw e;
    }
  };
  const reviewResult = z.object({ id: z.string(), state: z.enum(["pending", "rejected"]) }).openapi("ReviewResult");

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/deliveries/{id}/approve",
      tags: ["deliveries"],
      summary: "Approve a held delivery: it is sent (or shown in the feed)",
      security: [{ bearer: [] }],
      request: {
        params: z.object({ id: z.string() }),
        body: { content: { "application/json": { schema: z.object({ note: z.string().max(2000).optional() }) } }, required: false },
      },
      responses: {
        200: { description: "approved", content: { "application/json": { schema: reviewResult } } },
        404: { description: "not found", content: { "application/json": { schema: error } } },
        409: { description: "not held", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const body = (await c.req.json().catch(() => ({}))) as { note?: unknown };
      const note = typeof body.note === "string" ? body.note : null;
      return c.json(await review(c.req.valid("param").id, { action: "approve", note }, actor(c)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/deliveries/{id}/reject",
      tags: ["deliveries"],
      summary: "Reject a held delivery, with a reason",
      security: [{ bearer: [] }],
      request: {
        params: z.object({ id: z.string() }),
        body: { content: { "application/json": { schema: z.object({ reason: z.string().min(1).max(2000) }) } }, required: true },
      },
      responses: {
        200: { description: "rejected", content: { "application/json": { schema: reviewResult } } },
        404: { description: "not found", content: { "application/json": { schema: error } } },
        409: { description: "not held", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => c.json(await review(c.req.valid("param").id, { action: "reject", reason: c.req.valid("json").reason }, actor(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sites/{site}/endpoint/enable",
      tags: ["deliveries"],
      summary: "Re-enable a portal endpoint disabled after a 410 Gone; its waiting deliveries resume",
      security: [{ bearer: [] }],
      request: { params: z.object({ site: z.string() }) },
      responses: {
        200: { description: "enabled", content: { "application/json": { schema: z.object({ site: z.string(), wasDisabledBecause: z.string().nullable() }) } } },
        404: { description: "not found", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const { site } = c.req.valid("param");
      const row = await ctx.db.prisma.site.findUnique({ where: { id: site } });
      if (!row) throw new HTTPException(404, { message: "no such site" });
      await ctx.db.prisma.$transaction([
        ctx.db.prisma.site.update({ where: { id: site }, data: { disabledReason: null } }),
        ctx.db.prisma.auditEvent.create({
          data: { actor: actor(c), action: "site.endpoint.enable", targetType: "site", targetId: site, details: { wasDisabledBecause: row.disabledReason } },
        }),
      ]);
      wake();
      return c.json({ site, wasDisabledBecause: row.disabledReason }, 200);
    },
  );

  return app;
}
