// The review queue (held deliveries, recent rejections) and republishing a
// rejected delivery. Approve and reject are in deliveries.ts.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { outboxOf } from "../delivery/index.ts";
import { republishDelivery } from "../operator/actions.ts";
import { deliveryItemLabel, reviewQueue } from "../operator/data.ts";
import { actor, error, fail, json, security } from "./common.ts";

const reviewItem = z
  .object({
    id: z.string(), siteId: z.string(), section: z.string(), event: z.string(), state: z.string(), itemKind: z.string(), itemId: z.string(),
    label: z.string(), version: z.number().nullable(), signatureStatus: z.string().nullable(), reviewNote: z.string().nullable(), reviewedBy: z.string().nullable(), createdAt: z.string(),
  })
  .openapi("ReviewItem");

export function reviewRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  // /api/v1/deliveries/* is guarded (admin, clerk) in deliveries.ts.
  app.use("/api/v1/review", requireRole("admin", "clerk"));
  const prisma = ctx.db.prisma;

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
  return app;
}
