// One sync run of one source: page through its changes, ingest every item,
// save the cursor after every page. One item's failure never stops the run; a
// crash loses at most the page in flight, which the next run re-reads (items
// already committed come back as duplicates, so nothing is lost or doubled).

import type { ChangeWindow, ConnectorContext, Cursor, ItemRef, SourceClient } from "../../connectors/sdk.ts";
import type { HubContext } from "../hub/context.ts";
import {
  abolishMissingProcedures,
  applyItem,
  ItemRejected,
  preparePage,
  type IngestDeps,
  type IngestScope,
  type ItemResult,
  type PrepareOutcome,
  type SectionPolicy,
} from "./ingest.ts";
import { enqueueRun, SYNC_QUEUE } from "./runs.ts";
import type { RoutingRuleInput, RuleMatch } from "./routing.ts";

/** A run's owner writes progress.heartbeatAt this often, page or no page. */
export const HEARTBEAT_EVERY_MS = 10_000;
/** A run whose heartbeat is older than this is recovered even if its owner looks alive (hung). */
const HEARTBEAT_STALE_MS = 2 * 60_000;
/** How often each hub looks for runs left by dead processes (several hubs on one PostgreSQL). */
const RECOVER_EVERY_MS = 5_000;
/** Second key of the per-source advisory lock taken while claiming a run (first: SOURCE_LOCK_SPACE). */
const SOURCE_LOCK_SPACE = 72707371;
/** A run whose source is busy in another run waits this long before it tries again. */
const SOURCE_BUSY_RETRY_SECONDS = 2;

/** Thrown inside a run whose row another hub marked interrupted (it thought this process dead). */
class RunTakenOver extends Error {}

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
  return { prisma: ctx.db.prisma, sql: ctx.db.sql, blobs: ctx.blobs, verifier: ctx.verifier, log: ctx.log, maxFileBytes: ctx.config.ingest.maxFileBytes };
}

interface Counts {
  seen: number;
  created: number;
  updated: number;
  duplicate: number;
  rejected: number;
  failed: number;
}

export type ClaimResult = "claimed" | "busy" | "gone";

/**
 * Moves a queued run to running, owned by this hub, unless another run of the
 * same source is running (one run per source at a time across all hub
 * processes: two would race on the source's cursor). The owner and a first
 * heartbeat are written in the same statement, so no other hub ever sees the
 * run running without an owner.
 */
export async function claimRun(ctx: Pick<HubContext, "db" | "liveness" | "now">, runId: string): Promise<ClaimResult> {
  return ctx.db.sql.transaction(async (tx) => {
    const { rows: found } = await tx.query<{ sourceId: string; status: string }>(`SELECT "sourceId", status::text AS status FROM "SyncRun" WHERE id = $1`, [runId]);
    const run = found[0];
    if (!run || run.status !== "queued") return "gone"; // another worker has it, or it already ended
    await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [SOURCE_LOCK_SPACE, run.sourceId]);
    const { rows: busy } = await tx.query(`SELECT 1 FROM "SyncRun" WHERE "sourceId" = $1 AND status = 'running' AND id <> $2 LIMIT 1`, [run.sourceId, runId]);
    if (busy.length > 0) return "busy";
    const { rows } = await tx.query(
      `UPDATE "SyncRun" SET status = 'running', "startedAt" = ($2::timestamptz AT TIME ZONE 'UTC'),
         progress = COALESCE(progress, '{}'::jsonb) || jsonb_build_object('owner', $3::text, 'heartbeatAt', $4::text)
       WHERE id = $1 AND status = 'queued' RETURNING id`,
      [runId, ctx.now().toISOString(), ctx.liveness.hubId, new Date().toISOString()],
    );
    return rows.length > 0 ? "claimed" : "gone";
  });
}

/**
 * Writes the run's heartbeat every HEARTBEAT_EVERY_MS, whatever the run is
 * doing (a slow page, a large download), and aborts the run if another hub
 * has meanwhile taken it over. Heartbeats use the wall clock: liveness is
 * about real time, not the hub's business clock.
 */
function startHeartbeat(ctx: HubContext, runId: string, onLost: () => void): () => void {
  const timer = setInterval(() => {
    ctx.db.sql
      .query(
        `UPDATE "SyncRun" SET progress = jsonb_set(COALESCE(progress, '{}'::jsonb), '{heartbeatAt}', to_jsonb($3::text))
         WHERE id = $1 AND status = 'running' AND progress->>'owner' = $2 RETURNING id`,
        [runId, ctx.liveness.hubId, new Date().toISOString()],
      )
      .then(
        ({ rows }) => {
          if (rows.length === 0) onLost();
        },
        // The database is away (restart): the run's own statements fail too;
        // the next beat tries again.
        (error: Error) => ctx.log.warn({ err: error, runId }, "could not write the run's heartbeat"),
      );
  }, HEARTBEAT_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Runs one queued run to the end. Safe to call twice for the same run. */
export async function runSync(ctx: HubContext, runId: string, signal?: AbortSignal): Promise<ClaimResult> {
  const prisma = ctx.db.prisma;
  const claimed = await claimRun(ctx, runId);
  if (claimed !== "claimed") return claimed;
  const run = await prisma.syncRun.findUniqueOrThrow({ where: { id: runId }, include: { source: true } });
  const log = ctx.log.child({ runId, source: run.sourceId, trigger: run.trigger, hubId: ctx.liveness.hubId });
  const counts: Counts = { seen: 0, created: 0, updated: 0, duplicate: 0, rejected: 0, failed: 0 };
  let fatal: Error | null = null;
  let processed = 0;
  // Aborts the run's network work when another hub has taken it over.
  const takeover = new AbortController();
  let lost = false;
  const stopHeartbeat = startHeartbeat(ctx, runId, () => {
    lost = true;
    takeover.abort(new RunTakenOver("another hub took this run over"));
  });
  const stopping = () => ctx.shutdown?.aborted === true;
  signal = AbortSignal.any([...(signal ? [signal] : []), ...(ctx.shutdown ? [ctx.shutdown] : []), takeover.signal]);
  log.info("sync run started");

  try {
    const client = createSourceClient(ctx, run.sourceId);
    const scope = await loadIngestScope(ctx, run.sourceId, client);
    const deps = ingestDeps(ctx);

    const progressOf = (extra: Record<string, unknown>) => ({ ...extra, processed, owner: ctx.liveness.hubId, heartbeatAt: new Date().toISOString() });

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
        // Taken over or stopping mid-page: the items' failures are this run's
        // abort, not theirs; the page is re-read by whoever resumes the run.
        if (lost) throw new RunTakenOver("another hub took this run over");
        if (stopping()) throw new Error("the hub is stopping");
        processed += results.length;
        const progress = progressOf({ page: page.page, total: page.total, resumeCursor: page.cursor });
        // Items are committed; now move the cursor past them, with the counts.
        await recordResults(ctx, run.sourceId, runId, results, counts);
        // Only while the run is still ours: a hub that took it over owns the cursor now.
        const ours = await prisma.$transaction(async (tx) => {
          const updated = await tx.syncRun.updateMany({ where: { id: runId, status: "running" }, data: { ...counts, progress } });
          if (updated.count === 0) return false;
          if (!backfill) await tx.source.update({ where: { id: run.sourceId }, data: { cursor: page.cursor as object } });
          return true;
        });
        if (!ours) throw new RunTakenOver("another hub took this run over");
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
    if (lost || error instanceof RunTakenOver) lost = true;
    else if (!stopping()) log.error({ err: error }, "sync run failed");
  } finally {
    stopHeartbeat();
  }
  if (!lost && stopping()) {
    // Left "running": the next start (or, on PostgreSQL, another hub once this
    // one's liveness lock is gone) marks it interrupted and resumes it from
    // the saved cursor.
    log.warn("hub stopping: sync run left to be resumed");
    return "claimed";
  }
  if (lost) {
    // The row says "interrupted" and a resume run carries on: leave both alone.
    log.warn("sync run taken over by another hub (this one was thought dead); stopped here");
    return "claimed";
  }

  const status = fatal ? "failed" : counts.failed + counts.rejected > 0 ? "partial" : "succeeded";
  const finishedAt = ctx.now();
  // Retried: when the database restarts mid-run the run fails, and its end
  // must still be recorded once the server is back, or the row would stay
  // "running" under a live owner that nobody recovers.
  const finished = await retryWhileDatabaseAway(log, () => prisma.$transaction(async (tx) => {
    const updated = await tx.syncRun.updateMany({ where: { id: runId, status: "running" }, data: { ...counts, status, finishedAt, error: fatal ? describe(fatal) : null } });
    if (updated.count === 0) return false;
    await tx.source.update({
      where: { id: run.sourceId },
      data: fatal
        ? { lastRunAt: finishedAt, lastErrorAt: finishedAt, lastError: describe(fatal), consecutiveFailures: { increment: 1 } }
        : { lastRunAt: finishedAt, lastSuccessAt: finishedAt, consecutiveFailures: 0, ...(status === "succeeded" ? { lastError: null } : {}) },
    });
    return true;
  }));
  if (!finished) {
    log.warn("sync run taken over by another hub at its end; its result is left to the resume run");
    return "claimed";
  }
  const source = await prisma.source.findUniqueOrThrow({ where: { id: run.sourceId } });
  ctx.metrics.syncRuns.inc({ source: run.sourceId, status });
  ctx.metrics.sourceConsecutiveFailures.set({ source: run.sourceId }, source.consecutiveFailures);
  log.info({ status, ...counts }, "sync run finished");
  return "claimed";
}

/** Runs `fn`, retrying for about a minute while it fails (a database restart takes seconds). */
async function retryWhileDatabaseAway<T>(log: HubContext["log"], fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 12) throw error;
      log.warn({ err: error, attempt }, "could not record the end of the run; retrying");
      await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 8_000)));
    }
  }
}

function describe(error: Error): string {
  return error.message || error.name;
}

/** Items prepared together: their lookups and inserts are batched (see preparePage). */
const PREPARE_CHUNK = 50;

/**
 * Prepare concurrently (network, disk, verification); commit in listing
 * order. The page goes in chunks, and the next chunk is prepared while this
 * one is committed, so downloads and database work overlap.
 */
async function processItems(ctx: HubContext, deps: IngestDeps, scope: IngestScope, refs: ItemRef[], signal?: AbortSignal): Promise<ItemResult[]> {
  const chunks: ItemRef[][] = [];
  for (let i = 0; i < refs.length; i += PREPARE_CHUNK) chunks.push(refs.slice(i, i + PREPARE_CHUNK));
  const prepare = (chunk: ItemRef[]): Promise<PrepareOutcome[]> =>
    preparePage(deps, scope, chunk, ctx.config.ingest.concurrency, signal).catch((error: Error) => chunk.map(() => ({ ok: false as const, error })));
  const results: ItemResult[] = [];
  let next = chunks.length > 0 ? prepare(chunks[0]!) : null;
  for (const [c, chunk] of chunks.entries()) {
    const prepared = await next!;
    next = c + 1 < chunks.length ? prepare(chunks[c + 1]!) : null;
    for (const [index, ref] of chunk.entries()) results.push(await applyPrepared(ctx, deps, scope, ref, prepared[index]!));
  }
  return results;
}

async function applyPrepared(ctx: HubContext, deps: IngestDeps, scope: IngestScope, ref: ItemRef, p: PrepareOutcome): Promise<ItemResult> {
  const base = { externalId: ref.externalId, itemKind: null, itemId: null, version: null };
  if (!p.ok) {
    const rejected = p.error instanceof ItemRejected;
    ctx.log.warn({ source: scope.sourceId, item: ref.externalId, err: p.error }, rejected ? "item rejected" : "item failed");
    return { ...base, outcome: rejected ? "rejected" : "failed", message: describe(p.error) };
  }
  if (p.value === "unchanged") return { ...base, outcome: "duplicate", message: "unchanged since the last run" };
  try {
    return await applyItem(deps, scope, p.value, ref.updatedAt ? new Date(ref.updatedAt) : p.value.item.updatedAt ? new Date(p.value.item.updatedAt) : null);
  } catch (error) {
    ctx.log.error({ source: scope.sourceId, item: ref.externalId, err: error }, "item failed to store");
    return { ...base, outcome: "failed", message: describe(error as Error) };
  }
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
    const { heartbeatAt, owner } = (run.progress as { heartbeatAt?: string; owner?: string } | null) ?? {};
    // Ours: alive by definition (on PGlite every other owner is a dead process).
    if (owner === ctx.liveness.hubId) continue;
    const old = !heartbeatAt || Date.now() - new Date(heartbeatAt).getTime() > HEARTBEAT_STALE_MS;
    // An owner that holds its liveness lock is alive: its run is left alone
    // unless its heartbeat stopped (a hung process). A dead owner's run is
    // recovered at once, without waiting for the heartbeat to age.
    const stale = owner ? old || !(await ctx.liveness.isAlive(owner)) : old || ctx.db.kind === "pglite";
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

/**
 * One pg-boss worker per `ingest.parallelRuns`: a nightly schedule starts every
 * source at once, and a run spends much of its time waiting on its source, so
 * one process works several runs (of different sources: a second run of a
 * busy source is put back) instead of queueing them all behind the slowest.
 */
export async function registerSyncWorker(ctx: HubContext): Promise<void> {
  // hand-built configs in tests may lack the key
  const workers = ctx.config.ingest.parallelRuns ?? 2;
  for (let i = 0; i < workers; i++) {
    await ctx.queue.work<{ runId: string }>(SYNC_QUEUE, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (!job) return;
      const result = await runSync(ctx, job.data.runId);
      // Another run of the same source is running (maybe in another hub): try again shortly.
      if (result === "busy") await enqueueRun(ctx, job.data.runId, SOURCE_BUSY_RETRY_SECONDS);
    });
  }
}

/**
 * Recovers runs of dead processes now, then every few seconds: with several
 * hubs on one PostgreSQL, a survivor picks up a killed hub's run without a
 * restart.
 */
export async function startRunSupervisor(ctx: HubContext, everyMs = RECOVER_EVERY_MS): Promise<{ stop(): void }> {
  await recoverInterruptedRuns(ctx);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    recoverInterruptedRuns(ctx)
      .catch((error: Error) => ctx.log.warn({ err: error }, "could not look for interrupted runs"))
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
