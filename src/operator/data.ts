// Read models shared by the console pages and the JSON API, so a screen and
// its API answer never disagree.

import type { HubContext } from "../hub/context.ts";
import { foldVietnamese } from "../core/index.ts";

type Ctx = Pick<HubContext, "db" | "now" | "config">;

export const RECENT_RUNS = 10;
const LAG_WARN_SECONDS = (ctx: Ctx) => (ctx.config as { alerts?: { lagMinutes?: number } }).alerts?.lagMinutes ?? 180;

export interface SourceHealth {
  id: string;
  name: string;
  connector: string;
  enabled: boolean;
  schedule: string | null;
  lastRunAt: Date | null;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** Seconds since the last successful run (null: never succeeded). */
  lagSeconds: number | null;
  health: "healthy" | "failing" | "lagging" | "disabled";
  recentRuns: Record<string, number>;
  running: { id: string; status: string } | null;
  failedItems: { waiting: number; gaveUp: number };
}

export interface SiteDeliveries {
  id: string;
  name: string;
  publishMode: string;
  enabled: boolean;
  disabledReason: string | null;
  connector: string;
  /** Why the hub cannot push to the site (src/delivery/targets.ts); null when it can. */
  stoppedReason: string | null;
  stoppedKind: string | null;
  states: Record<string, number>;
}

export interface Dashboard {
  sources: SourceHealth[];
  sites: SiteDeliveries[];
  reviewQueue: number;
}

export async function sourceHealth(ctx: Ctx): Promise<SourceHealth[]> {
  const prisma = ctx.db.prisma;
  const [sources, failed] = await Promise.all([
    prisma.source.findMany({ orderBy: { id: "asc" } }),
    prisma.failedItem.groupBy({ by: ["sourceId", "gaveUp"], _count: { _all: true } }),
  ]);
  const now = ctx.now().getTime();
  const lagLimit = LAG_WARN_SECONDS(ctx) * 60;
  return Promise.all(
    sources.map(async (s) => {
      const runs = await prisma.syncRun.findMany({ where: { sourceId: s.id }, orderBy: { createdAt: "desc" }, take: RECENT_RUNS, select: { id: true, status: true } });
      const recentRuns: Record<string, number> = {};
      for (const r of runs) recentRuns[r.status] = (recentRuns[r.status] ?? 0) + 1;
      const running = runs.find((r) => r.status === "running" || r.status === "queued") ?? null;
      const lagSeconds = s.lastSuccessAt ? Math.round((now - s.lastSuccessAt.getTime()) / 1000) : null;
      const health: SourceHealth["health"] = !s.enabled
        ? "disabled"
        : s.consecutiveFailures > 0
          ? "failing"
          : s.schedule && lagSeconds !== null && lagSeconds > lagLimit
            ? "lagging"
            : "healthy";
      const count = (gaveUp: boolean) => failed.find((f) => f.sourceId === s.id && f.gaveUp === gaveUp)?._count._all ?? 0;
      return {
        id: s.id, name: s.name, connector: s.connector, enabled: s.enabled, schedule: s.schedule,
        lastRunAt: s.lastRunAt, lastSuccessAt: s.lastSuccessAt, lastErrorAt: s.lastErrorAt, lastError: s.lastError,
        consecutiveFailures: s.consecutiveFailures, lagSeconds, health, recentRuns, running,
        failedItems: { waiting: count(false), gaveUp: count(true) },
      };
    }),
  );
}

export async function siteDeliveries(ctx: Ctx): Promise<SiteDeliveries[]> {
  const [sites, counts] = await Promise.all([
    ctx.db.prisma.site.findMany({ orderBy: { id: "asc" } }),
    ctx.db.prisma.delivery.groupBy({ by: ["siteId", "state"], _count: { _all: true } }),
  ]);
  return sites.map((s) => ({
    id: s.id, name: s.name, publishMode: s.publishMode, enabled: s.enabled, disabledReason: s.disabledReason,
    connector: s.connector, stoppedReason: s.stoppedReason, stoppedKind: s.stoppedKind,
    states: Object.fromEntries(counts.filter((c) => c.siteId === s.id).map((c) => [c.state, c._count._all])),
  }));
}

export async function dashboard(ctx: Ctx): Promise<Dashboard> {
  const [sources, sites, reviewQueue] = await Promise.all([
    sourceHealth(ctx),
    siteDeliveries(ctx),
    ctx.db.prisma.delivery.count({ where: { state: "held" } }),
  ]);
  return { sources, sites, reviewQueue };
}

/** Accent-free, case-free words; every word must appear in searchText. */
export function searchTerms(q: string | undefined): string[] {
  if (!q) return [];
  return foldVietnamese(q).split(" ").filter(Boolean).slice(0, 8);
}

export const PAGE_SIZE = 25;

export async function searchDocuments(ctx: Ctx, q: string | undefined, page = 1) {
  const terms = searchTerms(q);
  const where = terms.length ? { AND: terms.map((w) => ({ searchText: { contains: w } })) } : {};
  const [total, rows] = await Promise.all([
    ctx.db.prisma.document.count({ where }),
    ctx.db.prisma.document.findMany({
      where, orderBy: [{ issuedDate: "desc" }, { createdAt: "desc" }], skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE,
      include: { versions: { orderBy: { version: "desc" }, take: 1, select: { signatureStatus: true } } },
    }),
  ]);
  return { total, page, pageSize: PAGE_SIZE, rows };
}

export async function documentDetail(ctx: Ctx, id: string) {
  const doc = await ctx.db.prisma.document.findUnique({
    where: { id },
    include: {
      versions: {
        orderBy: { version: "desc" },
        include: {
          files: { orderBy: { position: "asc" }, include: { blob: { include: { signatures: { orderBy: { verifiedAt: "desc" }, take: 1 } } } } },
          deliveries: { orderBy: { seq: "asc" }, include: { section: true } },
        },
      },
      sourceRefs: true,
      replaces: { select: { id: true, number: true } },
      replacedBy: { select: { id: true, number: true } },
    },
  });
  return doc;
}

export async function searchProcedures(ctx: Ctx, q: string | undefined, page = 1) {
  const terms = searchTerms(q);
  const where = terms.length ? { AND: terms.map((w) => ({ searchText: { contains: w } })) } : {};
  const [total, rows] = await Promise.all([
    ctx.db.prisma.procedure.count({ where }),
    ctx.db.prisma.procedure.findMany({ where, orderBy: { code: "asc" }, skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE }),
  ]);
  return { total, page, pageSize: PAGE_SIZE, rows };
}

export async function procedureDetail(ctx: Ctx, id: string) {
  return ctx.db.prisma.procedure.findUnique({
    where: { id },
    include: {
      versions: {
        orderBy: { version: "desc" },
        include: {
          files: { orderBy: { position: "asc" }, include: { blob: true } },
          deliveries: { orderBy: { seq: "asc" }, include: { section: true } },
        },
      },
      sourceRefs: true,
    },
  });
}

export const DELIVERY_STATES = ["held", "pending", "sending", "delivered", "failed", "dead", "rejected"] as const;
export type DeliveryStateName = (typeof DELIVERY_STATES)[number];

export async function listDeliveries(ctx: Ctx, filter: { site?: string | undefined; state?: DeliveryStateName | undefined; page?: number }) {
  const page = filter.page ?? 1;
  const where = { ...(filter.site ? { siteId: filter.site } : {}), ...(filter.state ? { state: filter.state } : {}) };
  const [total, rows] = await Promise.all([
    ctx.db.prisma.delivery.count({ where }),
    ctx.db.prisma.delivery.findMany({
      where, orderBy: { seq: "desc" }, skip: (page - 1) * PAGE_SIZE * 2, take: PAGE_SIZE * 2,
      include: { section: true, documentVersion: { select: { version: true, document: { select: { id: true, number: true, title: true } } } }, procedureVersion: { select: { version: true, procedure: { select: { id: true, code: true, name: true } } } } },
    }),
  ]);
  return { total, page, pageSize: PAGE_SIZE * 2, rows };
}

export type DeliveryRow = Awaited<ReturnType<typeof listDeliveries>>["rows"][number];

export async function reviewQueue(ctx: Ctx) {
  const include = listDeliveriesInclude;
  const [held, rejected] = await Promise.all([
    ctx.db.prisma.delivery.findMany({ where: { state: "held" }, orderBy: { seq: "asc" }, take: 200, include }),
    ctx.db.prisma.delivery.findMany({ where: { state: "rejected" }, orderBy: { updatedAt: "desc" }, take: 20, include }),
  ]);
  return { held, rejected };
}

const listDeliveriesInclude = {
  section: true,
  documentVersion: { select: { version: true, signatureStatus: true, document: { select: { id: true, number: true, title: true } } } },
  procedureVersion: { select: { version: true, procedure: { select: { id: true, code: true, name: true } } } },
} as const;

/** What an item is called on screen: number and title for documents, code and name for procedures. */
export function deliveryItemLabel(d: {
  itemKind: string; itemId: string;
  documentVersion?: { version: number; document: { id: string; number: string; title: string } } | null;
  procedureVersion?: { version: number; procedure: { id: string; code: string; name: string } } | null;
}): { href: string; label: string; version: number | null } {
  if (d.documentVersion) return { href: `/console/documents/${d.documentVersion.document.id}`, label: `${d.documentVersion.document.number} — ${d.documentVersion.document.title}`, version: d.documentVersion.version };
  if (d.procedureVersion) return { href: `/console/procedures/${d.procedureVersion.procedure.id}`, label: `${d.procedureVersion.procedure.code} — ${d.procedureVersion.procedure.name}`, version: d.procedureVersion.version };
  return { href: d.itemKind === "document" ? `/console/documents/${d.itemId}` : `/console/procedures/${d.itemId}`, label: d.itemId, version: null };
}
