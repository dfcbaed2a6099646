// Read models shared by the console pages and the JSON API, so a screen and
// its API answer never disagree.

import type { HubContext } from "../hub/context.ts";
import { briefly } from "./count-cache.ts";
import { DELIVERY_STATES } from "./lists.ts";

export { DELIVERY_PAGE_SIZE, DELIVERY_STATES, listDeliveries, listRuns, PAGE_SIZE, searchDocuments, searchProcedures, searchTerms } from "./lists.ts";
export type { DeliveryListRow, DeliveryRow, DeliveryStateName, DocumentListRow, ProcedureListRow, RunListRow } from "./lists.ts";

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
  const sql = ctx.db.sql;
  // One statement each, whatever the number of sources and runs: the recent
  // runs come from the (sourceId, createdAt) index, RECENT_RUNS per source.
  const [sources, runs, failed] = await Promise.all([
    sql.query<{
      id: string; name: string; connector: string; enabled: boolean; schedule: string | null; lastRunAt: Date | null; lastSuccessAt: Date | null;
      lastErrorAt: Date | null; lastError: string | null; consecutiveFailures: number;
    }>(
      `SELECT id, name, connector, enabled, schedule, "lastRunAt" AT TIME ZONE 'UTC' AS "lastRunAt", "lastSuccessAt" AT TIME ZONE 'UTC' AS "lastSuccessAt",
         "lastErrorAt" AT TIME ZONE 'UTC' AS "lastErrorAt", "lastError", "consecutiveFailures" FROM "Source" ORDER BY id`,
    ),
    sql.query<{ sourceId: string; id: string; status: string }>(
      `SELECT s.id AS "sourceId", r.id, r.status::text AS status
       FROM "Source" s CROSS JOIN LATERAL (
         SELECT id, status FROM "SyncRun" WHERE "sourceId" = s.id ORDER BY "createdAt" DESC LIMIT ${RECENT_RUNS}
       ) r`,
    ),
    sql.query<{ sourceId: string; gaveUp: boolean; n: number }>(`SELECT "sourceId", "gaveUp", count(*)::int AS n FROM "FailedItem" GROUP BY 1, 2`),
  ]);
  const now = ctx.now().getTime();
  const lagLimit = LAG_WARN_SECONDS(ctx) * 60;
  return sources.rows.map((s) => {
    const recent = runs.rows.filter((r) => r.sourceId === s.id);
    const recentRuns: Record<string, number> = {};
    for (const r of recent) recentRuns[r.status] = (recentRuns[r.status] ?? 0) + 1;
    const running = recent.find((r) => r.status === "running" || r.status === "queued") ?? null;
    const lagSeconds = s.lastSuccessAt ? Math.round((now - s.lastSuccessAt.getTime()) / 1000) : null;
    const health: SourceHealth["health"] = !s.enabled
      ? "disabled"
      : s.consecutiveFailures > 0
        ? "failing"
        : s.schedule && lagSeconds !== null && lagSeconds > lagLimit
          ? "lagging"
          : "healthy";
    const count = (gaveUp: boolean) => failed.rows.find((f) => f.sourceId === s.id && f.gaveUp === gaveUp)?.n ?? 0;
    return {
      id: s.id, name: s.name, connector: s.connector, enabled: s.enabled, schedule: s.schedule,
      lastRunAt: s.lastRunAt, lastSuccessAt: s.lastSuccessAt, lastErrorAt: s.lastErrorAt, lastError: s.lastError,
      consecutiveFailures: s.consecutiveFailures, lagSeconds, health, recentRuns,
      running: running ? { id: running.id, status: running.status } : null,
      failedItems: { waiting: count(false), gaveUp: count(true) },
    };
  });
}

/** States a delivery leaves: the work in hand. */
const OPEN_STATES = ["held", "pending", "sending", "failed", "dead"] as const;
/** States a delivery ends in: most of the outbox. */
const SETTLED_STATES = DELIVERY_STATES.filter((s) => !(OPEN_STATES as readonly string[]).includes(s));
export const SETTLED_COUNT_MS = 15_000;

/** How old the open-state counts may be: 50 people on the dashboard count the outbox once per this. */
export const OPEN_COUNT_MS = 2_000;

const stateCounts = (ctx: Ctx, states: readonly string[]) => async () =>
  (await ctx.db.sql.query<{ siteId: string; state: string; n: number }>(
    `SELECT "siteId", state::text AS state, count(*)::int AS n FROM "Delivery" WHERE state = ANY($1::text[]::"DeliveryState"[]) GROUP BY 1, 2`,
    [states],
  )).rows;

export async function siteDeliveries(ctx: Ctx): Promise<SiteDeliveries[]> {
  const [sites, open, settled] = await Promise.all([
    ctx.db.sql.query<Omit<SiteDeliveries, "states">>(
      `SELECT id, name, "publishMode"::text AS "publishMode", enabled, "disabledReason", connector, "stoppedReason", "stoppedKind" FROM "Site" ORDER BY id`,
    ),
    // Delivered and rejected only grow, and counting them reads most of the
    // outbox: at most SETTLED_COUNT_MS old. The work in hand: OPEN_COUNT_MS.
    briefly(ctx.db, "open-state-counts", OPEN_COUNT_MS, stateCounts(ctx, OPEN_STATES)),
    briefly(ctx.db, "settled-state-counts", SETTLED_COUNT_MS, stateCounts(ctx, SETTLED_STATES)),
  ]);
  const counts = [...open, ...settled];
  return sites.rows.map((s) => ({ ...s, states: Object.fromEntries(counts.filter((c) => c.siteId === s.id).map((c) => [c.state, c.n])) }));
}

export async function dashboard(ctx: Ctx): Promise<Dashboard> {
  const [sources, sites] = await Promise.all([sourceHealth(ctx), siteDeliveries(ctx)]);
  // Every delivery belongs to a site: the review queue is the held ones of all sites.
  const reviewQueue = sites.reduce((sum, s) => sum + (s.states.held ?? 0), 0);
  return { sources, sites, reviewQueue };
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
