// One sync run of one source: page through its changes, ingest every item,
// save the cursor after every page. One item's failure never stops the run; a
// crash loses at most the page in flight, which the next run re-reads (items
// already committed come back as duplicates, so nothing is lost or doubled).

import type { ChangeWindow, ConnectorContext, Cursor, ItemRef, SourceClient } from "../../connectors/sdk.ts";
import type { HubContext } from "../hub/context.ts";
import { abolishMissingProcedures, applyItem, ItemRejected, prepareItem, type IngestDeps, type IngestScope, type ItemResult, type SectionPolicy } from "./ingest.ts";
import { enqueueRun, SYNC_QUEUE } from "./runs.ts";
import type { RoutingRuleInput, RuleMatch } from "./routing.ts";

const HEARTBEAT_STALE_MS = 2 * 60_000;

export function connectorContext(ctx: Pick<HubContext, "log" | "now">, sourceId: string): ConnectorContext {
  return {
    fetch: globalThis.fetch,
    log: ctx.log.child({ source: sourceId }),
    now: ctx.now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        }, { once: true });
      }),
  };
}

export function createSourceClient(ctx: HubContext, sourceId: string): SourceClient {
  const configured = ctx.config.sources.find((s) => s.id === sourceId);
  if (!configured) throw new Error(`source ${sourceId} is not in the configuration`);
  const connector = ctx.connectors.sources.get(configured.connector);
  if (!connector) throw new Error(`no connector named ${configured.connector}`);
  const options = connector.configSchema.safeParse(configured.options);
  if (!options.success) throw new Error(`source ${sourceId}: invalid options: ${options.error.message}`);
  return connector.create(options.data, connectorContext(ctx, sourceId));
}

export async function loadIngestScope(ctx: HubContext, sourceId: string, client: SourceClient): Promise<IngestScope> {
  const [rules, sections] = await Promise.all([
    ctx.db.prisma.routingRule.findMany({ where: { enabled: true }, include: { targets: { include: { section: true } } } }),
    ctx.db.prisma.section.findMany({ include: { site: true } }),
  ]);
  const routing: RoutingRuleInput[] = rules.map((r) => ({
    id: r.id,
    priority: r.priority,
    match: r.match as RuleMatch,
    targets: r.targets.map((t) => ({ sectionId: t.sectionId, itemKind: t.section.itemKind })),
  }));
  const policies = new Map<string, SectionPolicy>(
    sections.map((s) => [
      s.id,
      {
        sectionId: s.id,
        siteId: s.siteId,
        itemKind: s.itemKind,
        publishMode: s.site.publishMode,
        allowUnverified: s.site.allowUnverified,
        enabled: s.site.enabled,
      },
    ]),
  );
  return { sourceId, client, rules: routing, sections: policies };
}

function ingestDeps(ctx: HubContext): IngestDeps {
  return { prisma: ctx.db.prisma, blobs: ctx.blobs, verifier: ctx.verifier, log: ctx.log, maxFileBytes: ctx.config.ingest.maxFileBytes };
}

interface Counts {
  seen: number;
  created: number;
  updated: number;
  duplicate: number;
  rejected: number;
  failed: number;
}

/** Runs one queued run to the end. Safe to call twice for the same run. */
export async function runSync(ctx: HubContext, runId: string, signal?: AbortSignal): Promise<void> {
  const prisma = ctx.db.prisma;
  const claimed = await prisma.syncRun.updateMany({
    where: { id: runId, status: "queued" },
    data: { status: "running", startedAt: ctx.now() },
  });
  if (claimed.count === 0) return; // another worker has it, or it already ended
  const run = await prisma.syncRun.findUniqueOrThrow({ where: { id: runId }, include: { source: true } });
  const log = ctx.log.child({ runId, source: run.sourceId, trigger: run.trigger });
  const counts: Counts = { seen: 0, created: 0, updated: 0, duplicate: 0, rejected: 0, failed: 0 };
  let fatal: Error | null = null;
  let processed = 0;
  log.info("sync run started");

  try {
    const client = createSourceClient(ctx, run.sourceId);
    const scope = await loadIngestScope(ctx, run.sourceId, client);
    const deps = ingestDeps(ctx);

    const progressOf = (extra: Record<string, unknown>) => ({ ...extra, processed, heartbeatAt: ctx.now().toISOString() });

    if (run.trigger === "single") {
      const results = await processItems(ctx, deps, scope, [{ externalId: run.itemRef!, updatedAt: null }], signal);
      await recordResults(ctx, run.sourceId, runId, results, counts);
      processed = results.length;
      await prisma.syncRun.update({ where: { id: runId }, data: { ...counts, progress: progressOf({}) } });
    } else {
      const backfill = run.trigger === "backfill";
      if (!backfill) {
        const retries = await prisma.failedItem.findMany({ where: { sourceId: run.sourceId, gaveUp: false }, orderBy: { firstFailedAt: "asc" } });
        if (retries.length > 0) {
          log.info({ items: retries.length }, "retrying items that failed in earlier runs");
          const results = await processItems(ctx, deps, scope, retries.map((r) => ({ externalId: r.externalId, updatedAt: null })), signal);
          processed += results.length;
          await recordResults(ctx, run.sourceId, runId, results, counts);
          await prisma.syncRun.update({ where: { id: runId }, data: { ...counts, progress: progressOf({ retried: retries.length }) } });
        }
      }
      const resumeFrom = (run.progress as { resumeCursor?: Cursor } | null)?.resumeCursor ?? null;
      const startCursor = backfill ? resumeFrom : ((run.source.cursor as Cursor | null) ?? null);
      const window: ChangeWindow | undefined = backfill ? { from: run.windowFrom!, to: run.windowTo! } : undefined;
      for await (const page of client.listChanges(startCursor, { ...(window ? { window } : {}), ...(signal ? { signal } : {}) })) {
        const results = await processItems(ctx, deps, scope, page.items, signal);
        processed += results.length;
        const progress = progressOf({ page: page.page, total: page.total, resumeCursor: page.cursor });
        // Items are committed; now move the cursor past them, with the counts.
        await recordResults(ctx, run.sourceId, runId, results, counts);
        await prisma.$transaction([
          prisma.syncRun.update({ where: { id: runId }, data: { ...counts, progress } }),
          ...(backfill ? [] : [prisma.source.update({ where: { id: run.sourceId }, data: { cursor: page.cursor as object } })]),
        ]);
        const newest = page.items.reduce<string | null>((max, i) => (i.updatedAt && (!max || i.updatedAt > max) ? i.updatedAt : max), null);
        if (newest) await prisma.source.update({ where: { id: run.sourceId }, data: { lastItemAt: new Date(newest) } });
      }
      if (!backfill && client.listAll) {
        const present = new Set<string>();
        for await (const id of client.listAll(signal)) present.add(id);
        const abolished = await abolishMissingProcedures(deps, scope, present);
        if (abolished > 0) {
          counts.updated += abolished;
          await prisma.syncRun.update({ where: { id: runId }, data: { ...counts } });
          log.info({ abolished }, "procedures missing from the full listing abolished");
        }
      }
    }
  } catch (error) {
    fatal = error as Error;
    log.error({ err: error }, "sync run failed");
  }

  const status = fatal ? "failed" : counts.failed + counts.rejected > 0 ? "partial" : "succeeded";
  const finishedAt = ctx.now();
  await prisma.$transaction([
    prisma.syncRun.update({ where: { id: runId }, data: { ...counts, status, finishedAt, error: fatal ? describe(fatal) : null } }),
    prisma.source.update({
      where: { id: run.sourceId },
      data: fatal
        ? { lastRunAt: finishedAt, lastErrorAt: finishedAt, lastError: describe(fatal), consecutiveFailures: { increment: 1 } }
        : { lastRunAt: finishedAt, lastSuccessAt: finishedAt, consecutiveFailures: 0, ...(status === "succeeded" ? { lastError: null } : {}) },
    }),
  ]);
  const source = await prisma.source.findUniqueOrThrow({ where: { id: run.sourceId } });
  ctx.metrics.syncRuns.inc({ source: run.sourceId, status });
  ctx.metrics.sourceConsecutiveFailures.set({ source: run.sourceId }, source.consecutiveFailures);
  log.info({ status, ...counts }, "sync run finished");
}

function describe(error: Error): string {
  return error.message || error.name;
}

/** Prepare concurrently (network, disk, verification); commit in listing order. */
async function processItems(ctx: HubContext, deps: IngestDeps, scope: IngestScope, refs: ItemRef[], signal?: AbortSignal): Promise<ItemResult[]> {
  const prepared = await mapLimit(refs, ctx.config.ingest.concurrency, async (ref) => {
    try {
      return { ok: true as const, value: await prepareItem(deps, scope, ref, signal) };
    } catch (error) {
      return { ok: false as const, error: error as Error };
    }
  });
  const results: ItemResult[] = [];
  for (const [index, ref] of refs.entries()) {
    const p = prepared[index]!;
    const base = { externalId: ref.externalId, itemKind: null, itemId: null, version: null };
    if (!p.ok) {
      const rejected = p.error instanceof ItemRejected;
      ctx.log.warn({ source: scope.sourceId, item: ref.externalId, err: p.error }, rejected ? "item rejected" : "item failed");
      results.push({ ...base, outcome: rejected ? "rejected" : "failed", message: describe(p.error) });
      continue;
    }
    if (p.value === "unchanged") {
      results.push({ ...base, outcome: "duplicate", message: "unchanged since the last run" });
      continue;
    }
    try {
      results.push(await applyItem(deps, scope, p.value, ref.updatedAt ? new Date(ref.updatedAt) : p.value.item.updatedAt ? new Date(p.value.item.updatedAt) : null));
    } catch (error) {
      ctx.log.error({ source: scope.sourceId, item: ref.externalId, err: error }, "item failed to store");
      results.push({ ...base, outcome: "failed", message: describe(error as Error) });
    }
  }
  return results;
}

/** Attempts (runs) after which a failing item waits for a person instead. */
export const MAX_ITEM_ATTEMPTS = 10;

async function recordResults(ctx: HubContext, sourceId: string, runId: string, results: ItemResult[], counts: Counts): Promise<void> {
  const prisma = ctx.db.prisma;
  const failed = results.filter((r) => r.outcome === "failed");
  // Succeeded, or rejected for a reason retrying cannot fix: stop retrying.
  const settled = results.filter((r) => r.outcome !== "failed").map((r) => r.externalId);
  if (settled.length > 0) await prisma.failedItem.deleteMany({ where: { sourceId, externalId: { in: settled } } });
  for (const r of failed) {
    const key = { sourceId_externalId: { sourceId, externalId: r.externalId } };
    const now = ctx.now();
    const row = await prisma.failedItem.upsert({
      where: key,
      create: { sourceId, externalId: r.externalId, lastError: r.message ?? "failed", firstFailedAt: now, lastFailedAt: now },
      update: { attempts: { increment: 1 }, lastError: r.message ?? "failed", lastFailedAt: now },
    });
    if (row.attempts >= MAX_ITEM_ATTEMPTS && !row.gaveUp) await prisma.failedItem.update({ where: key, data: { gaveUp: true } });
  }
  for (const r of results) {
    counts.seen++;
    counts[r.outcome]++;
    ctx.metrics.ingestedItems.inc({ source: "all", outcome: r.outcome });
  }
  if (results.length === 0) return;
  await ctx.db.prisma.syncRunItem.createMany({
    data: results.map((r) => ({
      runId,
      externalId: r.externalId,
      outcome: r.outcome,
      message: r.message,
      itemKind: r.itemKind,
      itemId: r.itemId,
      version: r.version,
    })),
  });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!);
    }
  });
  await Promise.all(workers);
  return out;
}

/**
 * Runs left "running" by a process that died are marked interrupted, and a
 * follow-up run is queued: it resumes from the saved cursor (or, for a
 * backfill, from the interrupted run's last page).
 */
export async function recoverInterruptedRuns(ctx: HubContext): Promise<number> {
  const prisma = ctx.db.prisma;
  const running = await prisma.syncRun.findMany({ where: { status: "running" } });
  let recovered = 0;
  for (const run of running) {
    const heartbeat = (run.progress as { heartbeatAt?: string } | null)?.heartbeatAt;
    const stale = ctx.db.kind === "pglite" || !heartbeat || ctx.now().getTime() - new Date(heartbeat).getTime() > HEARTBEAT_STALE_MS;
    if (!stale) continue;
    const marked = await prisma.syncRun.updateMany({ where: { id: run.id, status: "running" }, data: { status: "interrupted", finishedAt: ctx.now(), error: "the hub process stopped during this run" } });
    if (marked.count === 0) continue;
    const resume = await prisma.syncRun.create({
      data: {
        sourceId: run.sourceId,
        trigger: run.trigger === "schedule" ? "manual" : run.trigger,
        requestedBy: `resume of ${run.id}`,
        windowFrom: run.windowFrom,
        windowTo: run.windowTo,
        itemRef: run.itemRef,
        progress: { resumeCursor: (run.progress as { resumeCursor?: Cursor } | null)?.resumeCursor ?? null } as object,
      },
    });
    await enqueueRun(ctx, resume.id);
    ctx.log.warn({ runId: run.id, resumeRunId: resume.id }, "interrupted run resumed");
    recovered++;
  }
  return recovered;
}

export async function registerSyncWorker(ctx: HubContext): Promise<void> {
  await ctx.queue.work<{ runId: string }>(SYNC_QUEUE, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
    if (job) await runSync(ctx, job.data.runId);
  });
}
