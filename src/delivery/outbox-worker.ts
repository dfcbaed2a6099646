// The outbox worker: claims due deliveries (claim.ts), prepares them
// (prepare.ts), sends each through its site's target connector (send.ts,
// targets.ts) and records what happened (outcomes.ts, result-batcher.ts).
// This module is the scheduling between them:
//
// - Claims are large (up to max(512, concurrency × 32) rows, at most
//   perSite × 4 per site, claimed again once half are done) and feed a local
//   queue the sends draw from: at most `concurrency` in flight, `perSite` per
//   site, oldest seq first. On the embedded database every statement runs on
//   the worker's own thread, and a claim costs about the same for 50 rows as
//   for 500, so the worker pays per batch, not per delivery.
// - Queued rows keep their lease: it is renewed while they wait, and a row
//   whose lease could run out before its send would time out is released
//   unsent (as is every queued row on stop), its attempt not counted.
// - A site stops as a whole, its queued rows kept: 410 Gone disables its
//   endpoint (disabledReason), a refusal of the hub's credentials
//   (unauthorized) or a configuration problem stops it (stoppedReason); the
//   console shows why and an alert is raised. Other sites go on.

import type { SendResult } from "../../connectors/sdk.ts";
import { nextAttemptDelay } from "../../connectors/webhook/retry-schedule.ts";
import type { HubContext } from "../hub/context.ts";
import { claimRows, recoverStaleRows, renewLeaseRows, type Claimed } from "./claim.ts";
import { createCalendar, observeFirstPublications } from "../reports/index.ts";
import { finished, putBack as putBackOutcome, released, verdictFor, writeOutcomes, type Finish, type Outcome } from "./outcomes.ts";
import { createPreparer, type Prepared } from "./prepare.ts";
import { createResultBatcher } from "./result-batcher.ts";
import { sendPrepared } from "./send.ts";
import { createTargetPool, disableEndpoint, resolveTargets, stopSite, type TargetPool } from "./targets.ts";

export interface OutboxWorkerOptions {
  /** Public base URL of the hub, for signed file links. */
  baseUrl: string;
  /** Sends in flight at once (default: config.delivery.concurrency). */
  concurrency?: number;
  /** Sends in flight to one site, so one slow portal cannot take every slot (default: max(2, concurrency/4)). */
  perSiteConcurrency?: number;
  /** Poll interval while there is work (ms). */
  busyPollMs?: number;
  /** Poll interval when idle (ms); wake() cuts it short. */
  idlePollMs?: number;
  /** Added to the send timeout to form the claim lease (ms). */
  leaseMarginMs?: number;
  /** Wait before the next attempt after `attemptsMade` attempts, or null = dead. Default: the Standard Webhooks schedule with jitter. */
  retryDelay?: (attemptsMade: number, retryAfterMs: number | null) => number | null;
  /** Default: each site's configured target connector (tests inject a pool). */
  targets?: TargetPool;
}

export interface OutboxWorker {
  /** Look for due rows now (new rows, approvals, replays). */
  wake(): void;
  /** Stop claiming, wait for sends in flight and record them. */
  stop(): Promise<void>;
  /** Resolves once nothing is due, nothing is in flight and every result is recorded. */
  idle(): Promise<void>;
}

/** A claimed row waiting in the local queue for a free slot. */
interface Queued {
  row: Claimed;
  prepared: Prepared;
  /** When its claim lease runs out (ms, ctx.now() clock). */
  leaseUntil: number;
}

interface SiteTarget {
  id: string;
  name: string;
}

const workers = new WeakMap<HubContext, OutboxWorker>();

/** The running worker of a hub, for routes that make rows due (approve, replay). */
export function outboxOf(ctx: HubContext): OutboxWorker | undefined {
  return workers.get(ctx);
}

const SITE_REFRESH_MS = 1_000;
const RECOVER_EVERY_MS = 5_000;

export function startOutboxWorker(ctx: HubContext, options: OutboxWorkerOptions): OutboxWorker {
  const prisma = ctx.db.prisma;
  const log = ctx.log.child({ component: "outbox" });
  if (!options.targets && ctx.connectors.targets.size === 0) {
    // A hub built without target connectors (a library use, a narrow test)
    // still serves the pull feed; rows for push sites simply wait.
    log.warn("no target connector registered: push delivery is off");
    return { wake() {}, async stop() {}, async idle() {} };
  }
  const concurrency = options.concurrency ?? ctx.config.delivery.concurrency;
  const perSite = Math.max(1, options.perSiteConcurrency ?? Math.max(2, Math.ceil(concurrency / 4)));
  const busyPollMs = options.busyPollMs ?? 250;
  const idlePollMs = options.idlePollMs ?? 2_000;
  const timeoutMs = ctx.config.delivery.timeoutMs;
  const leaseMarginMs = options.leaseMarginMs ?? 30_000;
  const leaseMs = timeoutMs + leaseMarginMs;
  /** A queued row's lease is renewed once it is this old, so it never runs low while it waits. */
  const renewAfterMs = Math.min(5_000, leaseMarginMs / 4);
  /** A send starts only if the lease outlasts its timeout by this much (else the row is released unsent). */
  const startSpareMs = leaseMarginMs / 2;
  // Claimed rows (queued or in flight) at most, in all and per site; a new
  // claim is made once they fall to half, so each claim is a large batch.
  const queueTarget = Math.max(512, concurrency * 32);
  const queueRefill = Math.ceil(queueTarget / 2);
  const perSiteQueue = perSite * 4;
  const retryDelay = options.retryDelay ?? ((n: number, retryAfterMs: number | null) => nextAttemptDelay(n, { retryAfterMs, random: Math.random }));
  const targets = options.targets ?? createTargetPool(ctx, resolveTargets(ctx.config, ctx.connectors));
  const preparer = createPreparer(ctx, options.baseUrl);

  /** Claimed rows waiting for a free slot, oldest seq first. */
  let queue: Queued[] = [];
  const inflight = new Map<string, Promise<void>>();
  const inflightPerSite = new Map<string, number>();
  /** Queued + in flight, per site: what the next claim leaves room for. */
  const claimedPerSite = new Map<string, number>();
  /** Rows this worker claimed whose result is not written yet: never "recovered" from under it. */
  const owned = new Set<string>();
  /**
   * Sites that answered 410 or refused the hub's credentials, with when the
   * stop was written: claimed rows go back unsent until a site list read
   * after that write shows the site re-enabled (by a person, a connection
   * check, a restart).
   */
  const stoppedSites = new Map<string, number | null>();
  let sites: Map<string, SiteTarget> = new Map();
  let sitesLoadedAt = -Infinity;
  let lastRecoverAt = -Infinity;
  let running = true;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  let quiet = false;
  let idleWaiters: (() => void)[] = [];
  const calendar = createCalendar(ctx.config.reports);
  const writeResults = async (batch: Outcome[]) => {
    const published = await writeOutcomes(ctx.db, batch, ctx.now());
    // The delay metric must not cost a delivery: a failure here is only logged.
    await observeFirstPublications({ db: ctx.db, calendar, histogram: ctx.metrics.publicationDelay }, published)
      .catch((error) => log.warn({ err: error }, "publication delay metric not recorded"));
  };
  const results = createResultBatcher({
    write: writeResults,
    log,
    flushAt: queueRefill,
    writeNow: () => !running || (inflight.size === 0 && queue.length === 0),
    written: (ids) => ids.forEach((id) => owned.delete(id)),
    flushed: () => wake(),
  });

  function wake() {
    woken = true;
    wakeUp?.();
  }

  function sleep(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        woken = false;
        resolve();
      }
      wakeUp = done;
    });
  }

  const bump = (map: Map<string, number>, site: string, by: number) => map.set(site, (map.get(site) ?? 0) + by);

  /** Push-mode sites neither disabled (410) nor stopped, whose connector has a client. */
  async function refreshSites(): Promise<void> {
    const now = Date.now();
    if (now - sitesLoadedAt < SITE_REFRESH_MS) return;
    sitesLoadedAt = now;
    const rows = await prisma.site.findMany({ where: { mode: "push", enabled: true, disabledReason: null, stoppedReason: null }, select: { id: true, name: true } });
    const next = new Map<string, SiteTarget>();
    for (const row of rows) {
      const stopped = stoppedSites.get(row.id);
      if (stopped !== undefined) {
        if (stopped === null || stopped >= now) continue; // our own stop is not written yet
        stoppedSites.delete(row.id);
      }
      // No client: the configuration problem stopped the site at start
      // (applyTargetProblems); rows wait for a fixed configuration.
      if (!targets.client(row.id)) continue;
      next.set(row.id, { id: row.id, name: row.name });
    }
    sites = next;
  }

  /** Rows left 'sending' by a process that died (or lost its lease) are retried. */
  async function recoverStale(startup: boolean): Promise<void> {
    lastRecoverAt = Date.now();
    // On PGlite this is the only process (the data directory is locked), so at
    // start every 'sending' row is an orphan, lease or not.
    const count = await recoverStaleRows(ctx.db.sql, ctx.now(), startup && ctx.db.kind === "pglite", owned);
    if (count > 0) log.warn({ count }, "deliveries interrupted mid-send are retried");
  }

  /**
   * Queued rows keep their claim: their lease is pushed on while they wait. A
   * row whose lease could not be renewed (it ran out and another process took
   * it back) is dropped here unsent; its result is that process's to write.
   */
  async function renewLeases(): Promise<void> {
    const now = ctx.now().getTime();
    const stale = queue.filter((q) => q.leaseUntil - now < leaseMs - renewAfterMs);
    if (stale.length === 0) return;
    const until = now + leaseMs;
    const renewed = await renewLeaseRows(ctx.db.sql, stale.map((q) => ({ id: q.row.id, claimed: q.row.attempts })), new Date(until));
    const lost = new Set<string>();
    for (const q of stale) {
      if (renewed.has(q.row.id)) q.leaseUntil = until;
      else lost.add(q.row.id);
    }
    if (lost.size === 0) return;
    log.warn({ count: lost.size }, "claims lost while queued; left to the process that took them");
    queue = queue.filter((q) => {
      if (!lost.has(q.row.id)) return true;
      owned.delete(q.row.id);
      bump(claimedPerSite, q.row.siteId, -1);
      return false;
    });
  }

  async function claim(): Promise<Claimed[]> {
    const claimed = queue.length + inflight.size;
    if (claimed > queueRefill) return [];
    const want = queueTarget - claimed;
    const rooms = [...sites.values()]
      .map((s) => ({ site: s.id, room: perSiteQueue - (claimedPerSite.get(s.id) ?? 0) }))
      .filter((r) => r.room > 0);
    if (rooms.length === 0) return [];
    const rows = await claimRows(ctx.db.sql, { rooms, now: ctx.now(), leaseMs, want });
    for (const row of rows) {
      owned.add(row.id);
      bump(claimedPerSite, row.siteId, 1);
    }
    return rows;
  }

  /** Loads what a claimed batch needs (once per version) and queues it. */
  async function enqueue(batch: Claimed[]): Promise<void> {
    let prepared: Map<string, Prepared>;
    try {
      prepared = await preparer.prepare(batch);
    } catch (error) {
      log.error({ err: error, count: batch.length }, "could not prepare claimed deliveries");
      for (const row of batch) {
        bump(claimedPerSite, row.siteId, -1);
        putBack(row, `internal error: ${(error as Error).message}`);
      }
      results.schedule();
      return;
    }
    const leaseUntil = ctx.now().getTime() + leaseMs;
    for (const row of batch) queue.push({ row, leaseUntil, prepared: prepared.get(row.id)! });
    // Rows still queued from earlier claims (sites at their limit) and rows
    // that became due since (retries) mix: the queue stays in seq order.
    if (queue.length > batch.length) queue.sort((a, b) => (BigInt(a.row.seq) < BigInt(b.row.seq) ? -1 : 1));
    pump();
  }

  /** Starts queued sends while there are free slots (in all and for the row's site). */
  function pump(): void {
    if (!running) return;
    for (let i = 0; i < queue.length && inflight.size < concurrency; ) {
      const q = queue[i]!;
      if ((inflightPerSite.get(q.row.siteId) ?? 0) >= perSite) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      start(q);
    }
  }

  function start(q: Queued): void {
    const { row, prepared } = q;
    bump(inflightPerSite, row.siteId, 1);
    const task = (async () => {
      const site = sites.get(row.siteId);
      const client = targets.client(row.siteId);
      if (!site || !client || stoppedSites.has(row.siteId)) return putBack(row, "the site was stopped before this was sent");
      // The claim must outlast the send: a row that waited so long its lease
      // could expire mid-send goes back unsent (another process may take it).
      if (q.leaseUntil - ctx.now().getTime() < timeoutMs + startSpareMs) return release(row);
      const attempt = await sendPrepared(row, prepared, {
        client, site, baseUrl: options.baseUrl, link: preparer.link, blobs: ctx.blobs,
        downloadUrlTtlSeconds: ctx.config.delivery.downloadUrlTtlSeconds, now: ctx.now,
      });
      if (attempt.kind === "finish") return finish(row, attempt.finish);
      await record(row, attempt.result);
    })()
      .catch((error) => {
        log.error({ err: error, delivery: row.id }, "delivery failed unexpectedly");
        return finish(row, { state: "failed", error: `internal error: ${(error as Error).message}`, delayMs: 60_000 });
      })
      .finally(() => {
        inflight.delete(row.id);
        bump(inflightPerSite, row.siteId, -1);
        bump(claimedPerSite, row.siteId, -1);
        results.schedule();
        pump();
        // Running low: claim the next batch now rather than at the next poll.
        if (queue.length + inflight.size === queueRefill) wake();
      });
    inflight.set(row.id, task);
  }

  async function record(row: Claimed, result: SendResult): Promise<void> {
    ctx.metrics.deliveries.inc({ site: row.siteId, outcome: result.outcome });
    ctx.metrics.deliveryLatency.observe({ site: row.siteId }, result.durationMs / 1000);
    const verdict = verdictFor(row, result, retryDelay);
    if (verdict.kind === "stop-site") {
      await stopTarget(row.siteId, verdict.why, result);
      return putBack(row, result.error ?? `HTTP ${result.status}`, result.status);
    }
    const f = verdict.finish;
    if (f.state === "dead") log.warn({ site: row.siteId, delivery: row.id, status: result.status, error: f.error }, "delivery is a dead letter; it waits for a person");
    finish(row, f);
  }

  const putBack = (row: Claimed, error: string, status: number | null = null) => results.push(putBackOutcome(row, error, status, ctx.now().getTime()));
  const release = (row: Claimed) => results.push(released(row, ctx.now().getTime()));
  const finish = (row: Claimed, r: Finish) => results.push(finished(row, r, ctx.now().getTime()));

  /**
   * The whole site stops; its queued rows wait (nothing is lost). 410: only
   * the endpoint is disabled (disabledReason) until a person re-enables it.
   * Unauthorized: the CMS's own reason is kept (stoppedReason), shown in the
   * console and alerted on, until a connection check passes or a restart.
   */
  async function stopTarget(siteId: string, why: "gone" | "unauthorized", result: SendResult): Promise<void> {
    if (stoppedSites.has(siteId)) return;
    stoppedSites.set(siteId, null);
    sites.delete(siteId);
    if (why === "gone") {
      const reason = `the portal answered 410 Gone at ${ctx.now().toISOString()}: ${result.error ?? ""}`.trim();
      await disableEndpoint(prisma, siteId, reason);
      log.warn({ site: siteId, reason }, "portal endpoint disabled");
    } else {
      const reason = `${result.status ? `HTTP ${result.status}: ` : ""}${result.error ?? "the site refused the hub's credentials"}`;
      await stopSite(prisma, siteId, "unauthorized", reason, ctx.now());
      log.warn({ site: siteId, reason }, "site stopped: it refused the hub's credentials");
    }
    stoppedSites.set(siteId, Date.now());
  }


  function notifyIdle() {
    if (!quiet) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  const loop = (async () => {
    try {
      await recoverStale(true);
    } catch (error) {
      log.error({ err: error }, "could not recover interrupted deliveries");
    }
    while (running) {
      let claimed = 0;
      try {
        if (Date.now() - lastRecoverAt > RECOVER_EVERY_MS) await recoverStale(false);
        await renewLeases();
        await refreshSites();
        const batch = await claim();
        claimed = batch.length;
        if (batch.length > 0) await enqueue(batch);
      } catch (error) {
        if (!running) break;
        log.error({ err: error }, "outbox worker iteration failed");
      }
      quiet = claimed === 0 && queue.length === 0 && inflight.size === 0 && !results.busy();
      notifyIdle();
      if (!running) break;
      // Claimed a batch and still below the refill mark: there may be more right away.
      if (claimed > 0 && queue.length + inflight.size <= queueRefill) continue;
      await sleep(claimed > 0 || inflight.size > 0 || queue.length > 0 ? busyPollMs : idlePollMs);
    }
  })();

  const worker: OutboxWorker = {
    wake,
    async stop() {
      if (!running) return loop;
      running = false;
      wake();
      await loop;
      // Queued rows were never sent: they go back as they were.
      for (const q of queue) {
        bump(claimedPerSite, q.row.siteId, -1);
        release(q.row);
      }
      queue = [];
      results.cancelTimer();
      await Promise.allSettled([...inflight.values()]);
      await results.drain();
      workers.delete(ctx);
      quiet = true;
      notifyIdle();
    },
    idle() {
      quiet = false;
      wake();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
  workers.set(ctx, worker);
  log.info({ concurrency, perSite, baseUrl: options.baseUrl }, "outbox worker started");
  return worker;
}
