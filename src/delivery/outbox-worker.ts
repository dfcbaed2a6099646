// The outbox worker: claims due deliveries, sends each as a signed webhook and
// records what happened. The database row is the only state that matters:
//
// - Claiming is one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED), so
//   several hub processes on one PostgreSQL never claim a row twice. A claim
//   sets a lease (nextAttemptAt = now + timeout + margin); a row still
//   'sending' after its lease belonged to a process that died and goes back to
//   'failed', to be resent with the same webhook-id (the portal deduplicates).
// - Per item and section, a row is only claimed when every earlier row (lower
//   seq) is final (delivered, dead, rejected): a portal sees an item's
//   changes in order.
// - Claims are large (up to max(512, concurrency × 32) rows, at most
//   perSite × 4 per site, claimed again once half are done) and feed a local
//   queue the sends draw from: at most `concurrency` in flight, `perSite` per
//   site, oldest seq first. On the embedded database every statement runs on
//   the worker's own thread, and a claim costs about the same for 50 rows as
//   for 500 (it reads the due rows whatever it takes), so the worker pays per
//   batch, not per delivery. The claim statement also returns what each row is
//   phrased against (the newest change the site acknowledged, the remoteId).
// - Queued rows keep their lease: it is renewed while they wait, and a row
//   whose lease could run out before its send would time out is released
//   unsent (as is every queued row on stop), its attempt not counted.
// - Results are written in batches (one statement per batch: at once when
//   half a queue has finished or nothing else is under way, else within
//   100 ms). A crash between a send and its write is the lease case above.

import type { OutboundMessage, SendResult, TargetClient } from "../../connectors/sdk.ts";
import { nextAttemptDelay } from "../../connectors/webhook/retry-schedule.ts";
import { secretProblem } from "../../connectors/webhook/signature.ts";
import type { HubContext } from "../hub/context.ts";
import { connectorContext } from "../pipeline/sync-run.ts";
import { utc } from "./outbox-sql.ts";
import { buildData, decideWire, messageBody, type FileSnapshot, type ItemSnapshot, type PriorDelivery } from "./payload.ts";
import { linkExpiry, downloadUrl } from "./signed-url.ts";
import { loadSectionSlugs, loadSnapshots, versionIdOf } from "./snapshot.ts";
import { downloadKeyFor } from "./url-key.ts";

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
  /** Default: the registered "webhook" target connector. */
  client?: TargetClient;
}

export interface OutboxWorker {
  /** Look for due rows now (new rows, approvals, replays). */
  wake(): void;
  /** Stop claiming, wait for sends in flight and record them. */
  stop(): Promise<void>;
  /** Resolves once nothing is due, nothing is in flight and every result is recorded. */
  idle(): Promise<void>;
}

interface Claimed {
  id: string;
  seq: string;
  siteId: string;
  sectionId: string;
  itemKind: "document" | "procedure";
  itemId: string;
  documentVersionId: string | null;
  procedureVersionId: string | null;
  event: string;
  dedupKey: string;
  messageId: string;
  attempts: number;
  createdAtMs: number;
  releasedAtMs: number | null;
  /** The row's state before this claim, restored if it is released unsent. */
  prevState: "pending" | "failed";
  /** The newest change of the item this site acknowledged (null: none). */
  priorEvent: string | null;
  priorVersion: number | null;
  /** The portal's id for the item, if it gave one. */
  remoteId: string | null;
}

/** What a claimed row needs to be sent, loaded for its whole batch at claim time. */
interface Prepared {
  snapshot: ItemSnapshot | undefined;
  slug: string | undefined;
  remoteId: string | null;
  prior: PriorDelivery | null;
}

/** A claimed row waiting in the local queue for a free slot. */
interface Queued {
  row: Claimed;
  prepared: Prepared;
  /** When its claim lease runs out (ms, ctx.now() clock). */
  leaseUntil: number;
}

interface Outcome {
  id: string;
  itemId: string;
  claimedAttempts: number;
  state: "delivered" | "failed" | "dead" | "pending";
  /** Released unsent: lastStatus/lastError stay what the last real attempt left. */
  keepLast: boolean;
  attempts: number;
  status: number | null;
  error: string | null;
  nextAtMs: number;
  deliveredAtMs: number | null;
  remote: { siteId: string; sectionId: string; itemId: string; remoteId: string } | null;
}

interface SiteTarget {
  id: string;
  endpoint: string;
  secrets: string[];
}

const workers = new WeakMap<HubContext, OutboxWorker>();

/** The running worker of a hub, for routes that make rows due (approve, replay). */
export function outboxOf(ctx: HubContext): OutboxWorker | undefined {
  return workers.get(ctx);
}

const SITE_REFRESH_MS = 1_000;
const RECOVER_EVERY_MS = 5_000;
/** A row held back by an earlier change is looked at again after this at the latest. */
const BLOCKED_RECHECK_MS = 30_000;
/** Results wait at most this long for others to share their write. */
const FLUSH_DELAY_MS = 100;

export function startOutboxWorker(ctx: HubContext, options: OutboxWorkerOptions): OutboxWorker {
  const prisma = ctx.db.prisma;
  const log = ctx.log.child({ component: "outbox" });
  if (!options.client && !ctx.connectors.targets.has("webhook")) {
    // A hub built without target connectors (a library use, a narrow test)
    // still serves the pull feed; rows for push sites simply wait.
    log.warn('no "webhook" target connector registered: push delivery is off');
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
  const client = options.client ?? createClient();
  const keyPromise = downloadKeyFor(ctx.config);

  /** Claimed rows waiting for a free slot, oldest seq first. */
  let queue: Queued[] = [];
  const inflight = new Map<string, Promise<void>>();
  const inflightPerSite = new Map<string, number>();
  /** Queued + in flight, per site: what the next claim leaves room for. */
  const claimedPerSite = new Map<string, number>();
  /** Rows this worker claimed whose result is not written yet: never "recovered" from under it. */
  const owned = new Set<string>();
  const pendingResults: Outcome[] = [];
  const warnedSites = new Set<string>();
  /**
   * Sites that answered 410, with when the disable was written: claimed rows
   * go back unsent until a site list read after that write shows the endpoint
   * re-enabled by a person.
   */
  const goneSites = new Map<string, number | null>();
  let sites: Map<string, SiteTarget> = new Map();
  let sitesLoadedAt = -Infinity;
  let lastRecoverAt = -Infinity;
  let running = true;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  let flushing: Promise<void> | null = null;
  let flushTimer: NodeJS.Timeout | null = null;
  let quiet = false;
  let idleWaiters: (() => void)[] = [];
  let key: Awaited<typeof keyPromise> | null = null;

  function createClient(): TargetClient {
    const target = ctx.connectors.targets.get("webhook");
    if (!target) throw new Error('no "webhook" target connector registered');
    return target.create({ ...connectorContext(ctx, "outbox"), timeoutMs });
  }

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

  /** Push-mode sites whose endpoint works and whose secrets are usable. */
  async function refreshSites(): Promise<void> {
    const now = Date.now();
    if (now - sitesLoadedAt < SITE_REFRESH_MS) return;
    sitesLoadedAt = now;
    const rows = await prisma.site.findMany({ where: { mode: "push", enabled: true, disabledReason: null, endpoint: { not: null } } });
    const next = new Map<string, SiteTarget>();
    for (const row of rows) {
      const gone = goneSites.get(row.id);
      if (gone !== undefined) {
        if (gone === null || gone >= now) continue; // our own disable is not written yet
        goneSites.delete(row.id);
      }
      const configured = ctx.config.sites.find((s) => s.id === row.id);
      const secrets = configured?.secrets ?? [];
      const problem = secrets.length === 0 ? "no webhook secret configured" : secrets.map(secretProblem).find((p) => p !== null);
      if (problem) {
        // Rows wait (pending) rather than dying: fixing the configuration and
        // restarting delivers them, with nothing to replay.
        if (!warnedSites.has(row.id)) log.warn({ site: row.id, problem }, "site not pushed to: its secret is unusable");
        warnedSites.add(row.id);
        continue;
      }
      next.set(row.id, { id: row.id, endpoint: row.endpoint!, secrets });
    }
    sites = next;
  }

  /** Rows left 'sending' by a process that died (or lost its lease) are retried. */
  async function recoverStale(startup: boolean): Promise<void> {
    lastRecoverAt = Date.now();
    const now = ctx.now();
    // On PGlite this is the only process (the data directory is locked), so at
    // start every 'sending' row is an orphan, lease or not.
    const ignoreLease = startup && ctx.db.kind === "pglite";
    const { rows } = await ctx.db.sql.query<{ id: string }>(
      `UPDATE "Delivery" SET state = 'failed', "nextAttemptAt" = ${utc(1)}, "updatedAt" = ${utc(1)},
         "lastError" = 'interrupted: the hub stopped while sending; resent with the same webhook-id'
       WHERE state = 'sending' AND ($2::boolean OR "nextAttemptAt" <= ${utc(1)})
         AND NOT (id IN (SELECT jsonb_array_elements_text($3::jsonb)))
       RETURNING id`,
      [now.toISOString(), ignoreLease, JSON.stringify([...owned])],
    );
    if (rows.length > 0) log.warn({ count: rows.length }, "deliveries interrupted mid-send are retried");
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
    const { rows } = await ctx.db.sql.query<{ id: string }>(
      `UPDATE "Delivery" d SET "nextAttemptAt" = ${utc(2)}
       FROM jsonb_to_recordset($1::jsonb) AS v(id text, claimed int)
       WHERE d.id = v.id AND d.state = 'sending' AND d.attempts = v.claimed
       RETURNING d.id`,
      [JSON.stringify(stale.map((q) => ({ id: q.row.id, claimed: q.row.attempts }))), new Date(until).toISOString()],
    );
    const renewed = new Set(rows.map((r) => r.id));
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
    const now = ctx.now();
    const { rows } = await ctx.db.sql.query<Claimed>(
      `WITH room AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(site text, room int)),
       -- The oldest due rows only: the ordering check below then costs a
      -- bounded amount however long the outbox is.
      due AS (
        SELECT c.id, c."siteId", c."sectionId", c."itemId", c.seq FROM "Delivery" c
        WHERE c.state IN ('pending', 'failed') AND c."nextAttemptAt" <= ${utc(2)}
          AND c."siteId" IN (SELECT site FROM room)
        ORDER BY c.seq
        LIMIT $4),
      blocked AS (
        SELECT due.id FROM due WHERE EXISTS (
          SELECT 1 FROM "Delivery" p
          WHERE p."itemId" = due."itemId" AND p."siteId" = due."siteId" AND p."sectionId" = due."sectionId"
            AND p.seq < due.seq AND p.state IN ('held', 'pending', 'sending', 'failed'))),
      -- A row waiting for an earlier change of its item steps out of the way
      -- (so it cannot crowd the window); finishing that change wakes it.
      deferred AS (
        UPDATE "Delivery" SET "nextAttemptAt" = ${utc(6)}
        WHERE id IN (SELECT id FROM blocked) AND state = 'pending'
        RETURNING id),
      ranked AS (
        SELECT due.id, due.seq, row_number() OVER (PARTITION BY due."siteId" ORDER BY due.seq) AS n, room.room
        FROM due JOIN room ON room.site = due."siteId"
        WHERE due.id NOT IN (SELECT id FROM blocked)),
      picked AS (
        SELECT d.id, d.state AS prev FROM "Delivery" d
        WHERE d.id IN (SELECT id FROM ranked WHERE n <= room ORDER BY seq LIMIT $5)
          AND d.state IN ('pending', 'failed')
        FOR UPDATE SKIP LOCKED),
      claimed AS (
        UPDATE "Delivery" d SET state = 'sending', attempts = d.attempts + 1, "nextAttemptAt" = ${utc(3)}, "updatedAt" = ${utc(2)}
        FROM picked WHERE d.id = picked.id
        RETURNING d.*, picked.prev)
      -- What each row is phrased against (payload.ts, decideWire): the newest
      -- change of its item the site acknowledged (newest deliveredAt, then
      -- highest seq; rows marked delivered unsent have no status and don't
      -- count), and the portal's remoteId. Read in the same statement: every
      -- earlier change of the item on the site/section is final, or the row
      -- would not have been claimed.
      SELECT c.id, c.seq::text AS seq, c."siteId", c."sectionId", c."itemKind"::text AS "itemKind", c."itemId",
        c."documentVersionId", c."procedureVersionId", c.event, c."dedupKey", c."messageId", c.attempts,
        (extract(epoch FROM c."createdAt") * 1000)::float8 AS "createdAtMs",
        (extract(epoch FROM c."releasedAt") * 1000)::float8 AS "releasedAtMs",
        c.prev::text AS "prevState", prior.event AS "priorEvent", prior.version AS "priorVersion", r."remoteId"
      FROM claimed c
      LEFT JOIN LATERAL (
        SELECT p.event, COALESCE(dv.version, pv.version, 0)::int AS version
        -- The item's rows by the itemId index only (OFFSET 0 keeps the other
        -- conditions out of the scan): a site's whole history is never read.
        FROM (SELECT * FROM "Delivery" WHERE "itemId" = c."itemId" OFFSET 0) p
        LEFT JOIN "DocumentVersion" dv ON dv.id = p."documentVersionId"
        LEFT JOIN "ProcedureVersion" pv ON pv.id = p."procedureVersionId"
        WHERE p."siteId" = c."siteId" AND p."sectionId" = c."sectionId"
          AND p.state = 'delivered' AND p."lastStatus" IS NOT NULL AND p.id <> c.id
        ORDER BY p."deliveredAt" DESC NULLS LAST, p.seq DESC
        LIMIT 1) prior ON true
      LEFT JOIN "RemoteItem" r ON r."siteId" = c."siteId" AND r."sectionId" = c."sectionId" AND r."itemId" = c."itemId"`,
      [
        JSON.stringify(rooms), now.toISOString(), new Date(now.getTime() + leaseMs).toISOString(), Math.max(128, want * 3), want,
        new Date(now.getTime() + BLOCKED_RECHECK_MS).toISOString(),
      ],
    );
    for (const row of rows) {
      owned.add(row.id);
      bump(claimedPerSite, row.siteId, 1);
    }
    return rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  }

  // One version goes to many sites (~40 in a province), so its snapshot is
  // loaded once, not once per row. The key includes the row's state hash
  // (the dedupKey's last part: the metadata hash for documents), so a
  // metadata-only update of a version is never served from an older snapshot.
  const snapshotCache = new Map<string, ItemSnapshot>();
  const slugCache = new Map<string, string>();
  const SNAPSHOT_CACHE_SIZE = 2_000;
  const snapshotKey = (row: Claimed) => `${versionIdOf(row)}|${row.dedupKey.split("|").at(-1)}`;

  async function cachedSnapshots(batch: Claimed[]): Promise<Map<string, ItemSnapshot>> {
    const missing = batch.filter((r) => !snapshotCache.has(snapshotKey(r)));
    if (missing.length > 0) {
      const loaded = await loadSnapshots(prisma, missing, ctx.verifier?.policyKey ?? null);
      for (const row of missing) {
        const snap = loaded.get(versionIdOf(row));
        if (snap) snapshotCache.set(snapshotKey(row), snap);
      }
      // Oldest first out: Map keeps insertion order.
      for (const key of snapshotCache.keys()) {
        if (snapshotCache.size <= SNAPSHOT_CACHE_SIZE) break;
        snapshotCache.delete(key);
      }
    }
    const out = new Map<string, ItemSnapshot>();
    for (const row of batch) {
      const snap = snapshotCache.get(snapshotKey(row));
      if (snap) out.set(row.id, snap);
    }
    return out;
  }

  /** Section ids never change slug (sections are keyed by site + slug). */
  async function cachedSlugs(batch: Claimed[]): Promise<Map<string, string>> {
    const missing = batch.map((r) => r.sectionId).filter((id) => !slugCache.has(id));
    if (missing.length > 0) for (const [id, slug] of await loadSectionSlugs(prisma, missing)) slugCache.set(id, slug);
    return slugCache;
  }

  /** Loads the snapshots a claimed batch needs (once per version) and queues it. */
  async function enqueue(batch: Claimed[]): Promise<void> {
    let loaded;
    try {
      loaded = await Promise.all([keyPromise, cachedSnapshots(batch), cachedSlugs(batch)]);
    } catch (error) {
      log.error({ err: error, count: batch.length }, "could not prepare claimed deliveries");
      for (const row of batch) {
        bump(claimedPerSite, row.siteId, -1);
        putBack(row, `internal error: ${(error as Error).message}`);
      }
      scheduleFlush();
      return;
    }
    const [linkKey, snapshots, slugs] = loaded;
    key = linkKey;
    const leaseUntil = ctx.now().getTime() + leaseMs;
    for (const row of batch) {
      const prior = row.priorEvent === null ? null : { event: row.priorEvent, version: row.priorVersion ?? 0 };
      queue.push({ row, leaseUntil, prepared: { snapshot: snapshots.get(row.id), slug: slugs.get(row.sectionId), remoteId: row.remoteId, prior } });
    }
    // Rows still queued from earlier claims (sites at their limit) and rows
    // that became due since (retries) mix: the queue stays in seq order.
    if (queue.length > batch.length) queue.sort((a, b) => (BigInt(a.row.seq) < BigInt(b.row.seq) ? -1 : 1));
    pump();
  }

  // One version's files go to ~40 sites with the same expiry (it follows the
  // version's creation): each link is signed once.
  const linkCache = new Map<string, string>();
  function cachedLink(f: FileSnapshot, exp: number): string {
    const k = `${f.sha256}\n${exp}\n${f.name}`;
    let url = linkCache.get(k);
    if (url === undefined) {
      if (linkCache.size >= 10_000) linkCache.clear();
      url = downloadUrl(options.baseUrl, key!, { sha256: f.sha256, exp, name: f.name });
      linkCache.set(k, url);
    }
    return url;
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
      if (!site || goneSites.has(row.siteId)) return putBack(row, "the site's endpoint was disabled before this was sent");
      // The claim must outlast the send: a row that waited so long its lease
      // could expire mid-send goes back unsent (another process may take it).
      if (q.leaseUntil - ctx.now().getTime() < timeoutMs + startSpareMs) return release(row);
      const { snapshot, slug, remoteId, prior } = prepared;
      if (!snapshot || !slug) return finish(row, { state: "dead", error: "the item version or section no longer exists" });
      const decision = decideWire({ event: row.event, version: snapshot.version }, prior, remoteId);
      if (!decision.send) return finish(row, { state: "delivered", error: `not sent: ${decision.reason}` });
      // Links expire relative to when the row became due, not to this
      // attempt: every retry of the message carries identical data.
      const exp = linkExpiry(new Date(row.releasedAtMs ?? row.createdAtMs), ctx.config.delivery.downloadUrlTtlSeconds);
      const link = (f: FileSnapshot) => cachedLink(f, exp);
      const data = buildData(snapshot, { site: row.siteId, section: slug, remoteId: decision.remoteId, verifyBase: options.baseUrl }, link);
      const message: OutboundMessage = {
        id: row.messageId,
        timestamp: Math.floor(ctx.now().getTime() / 1000),
        body: messageBody(decision.type, new Date(row.createdAtMs), data),
      };
      let result: SendResult;
      try {
        result = await client.send(site.endpoint, site.secrets, message);
      } catch (error) {
        // A configuration error (the client refuses to sign): a person fixes it and replays.
        return finish(row, { state: "dead", error: `not sent: ${(error as Error).message}` });
      }
      await record(row, result);
    })()
      .catch((error) => {
        log.error({ err: error, delivery: row.id }, "delivery failed unexpectedly");
        return finish(row, { state: "failed", error: `internal error: ${(error as Error).message}`, delayMs: 60_000 });
      })
      .finally(() => {
        inflight.delete(row.id);
        bump(inflightPerSite, row.siteId, -1);
        bump(claimedPerSite, row.siteId, -1);
        scheduleFlush();
        pump();
        // Running low: claim the next batch now rather than at the next poll.
        if (queue.length + inflight.size === queueRefill) wake();
      });
    inflight.set(row.id, task);
  }

  async function record(row: Claimed, result: SendResult): Promise<void> {
    ctx.metrics.deliveries.inc({ site: row.siteId, outcome: result.outcome });
    ctx.metrics.deliveryLatency.observe({ site: row.siteId }, result.durationMs / 1000);
    switch (result.outcome) {
      case "delivered":
        return finish(row, {
          state: "delivered",
          status: result.status,
          remote: result.remoteId ? { siteId: row.siteId, sectionId: row.sectionId, itemId: row.itemId, remoteId: result.remoteId } : null,
        });
      case "rejected":
        log.warn({ site: row.siteId, delivery: row.id, status: result.status, error: result.error }, "portal rejected a delivery; it waits for a person");
        return finish(row, { state: "dead", status: result.status, error: result.error });
      case "gone":
        await disableEndpoint(row.siteId, result);
        return putBack(row, result.error ?? "HTTP 410", result.status);
      case "retry": {
        const delay = retryDelay(row.attempts, result.retryAfterMs);
        if (delay === null) {
          log.warn({ site: row.siteId, delivery: row.id, attempts: row.attempts }, "delivery retries exhausted; it waits for a person");
          return finish(row, { state: "dead", status: result.status, error: `retries exhausted after ${row.attempts} attempts: ${result.error}` });
        }
        return finish(row, { state: "failed", status: result.status, error: result.error, delayMs: delay });
      }
    }
  }

  /** The row goes back to waiting as if this attempt had not happened. */
  function putBack(row: Claimed, error: string, status: number | null = null): void {
    pendingResults.push({
      id: row.id, itemId: row.itemId, claimedAttempts: row.attempts, state: "pending", keepLast: false, attempts: row.attempts - 1, status, error,
      nextAtMs: ctx.now().getTime(), deliveredAtMs: null, remote: null,
    });
  }

  /** Claimed but never sent (stopping, or its lease ran low): the row is as it was before the claim, due now. */
  function release(row: Claimed): void {
    pendingResults.push({
      id: row.id, itemId: row.itemId, claimedAttempts: row.attempts, state: row.prevState, keepLast: true, attempts: row.attempts - 1,
      status: null, error: null, nextAtMs: ctx.now().getTime(), deliveredAtMs: null, remote: null,
    });
  }

  function finish(
    row: Claimed,
    r: { state: "delivered" | "failed" | "dead"; status?: number | null; error?: string | null; delayMs?: number; remote?: Outcome["remote"] },
  ): void {
    const now = ctx.now().getTime();
    pendingResults.push({
      id: row.id,
      itemId: row.itemId,
      claimedAttempts: row.attempts,
      state: r.state,
      keepLast: false,
      attempts: row.attempts,
      status: r.status ?? null,
      error: r.error ?? null,
      nextAtMs: now + (r.delayMs ?? 0),
      deliveredAtMs: r.state === "delivered" ? now : null,
      remote: r.remote ?? null,
    });
  }

  async function disableEndpoint(siteId: string, result: SendResult): Promise<void> {
    if (goneSites.has(siteId)) return;
    goneSites.set(siteId, null);
    sites.delete(siteId);
    const reason = `the portal answered 410 Gone at ${ctx.now().toISOString()}: ${result.error ?? ""}`.trim();
    // Only the endpoint is disabled (disabledReason); the site stays enabled so
    // ingest keeps queueing its deliveries, and nothing is lost while a person
    // checks with the portal and re-enables the endpoint.
    await prisma.$transaction([
      prisma.site.update({ where: { id: siteId }, data: { disabledReason: reason } }),
      prisma.auditEvent.create({ data: { actor: "system", action: "site.endpoint.disable", targetType: "site", targetId: siteId, details: { reason } } }),
    ]);
    goneSites.set(siteId, Date.now());
    log.warn({ site: siteId, reason }, "portal endpoint disabled");
  }

  /**
   * Results are written together: at once when enough have gathered or
   * nothing else is under way, else within FLUSH_DELAY_MS.
   */
  function scheduleFlush(): void {
    if (flushing || pendingResults.length === 0) return;
    const now = !running || pendingResults.length >= queueRefill || (inflight.size === 0 && queue.length === 0);
    if (!now) {
      flushTimer ??= setTimeout(() => {
        flushTimer = null;
        scheduleFlush();
      }, FLUSH_DELAY_MS);
      return;
    }
    if (flushTimer) {
      clearTimeout(flushTimer);
      flushTimer = null;
    }
    flushing = (async () => {
      // Let sends finishing in the same tick join this batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (pendingResults.length > 0) {
        const batch = pendingResults.splice(0, 500);
        try {
          await writeResults(batch);
        } catch (error) {
          // The rows stay 'sending' and come back after their lease; the
          // portal deduplicates the resend by webhook-id.
          log.error({ err: error, count: batch.length }, "could not record delivery results");
        }
        for (const o of batch) owned.delete(o.id);
      }
    })().finally(() => {
      flushing = null;
      // Finished rows may unblock later changes of the same items.
      wake();
      scheduleFlush();
    });
  }

  async function writeResults(batch: Outcome[]): Promise<void> {
    const rows = batch.map((o) => ({
      id: o.id, claimed: o.claimedAttempts, state: o.state, keep: o.keepLast, attempts: o.attempts, status: o.status, error: o.error,
      next: new Date(o.nextAtMs).toISOString(), delivered: o.deliveredAtMs === null ? null : new Date(o.deliveredAtMs).toISOString(),
    }));
    const remotes = batch.flatMap((o) => (o.remote ? [o.remote] : []));
    const now = ctx.now().toISOString();
    await ctx.db.sql.transaction(async (tx) => {
      // Guarded by state and attempt count: a row re-claimed after its lease
      // ran out is not overwritten by this older attempt's result.
      await tx.query(
        `UPDATE "Delivery" d SET state = v.state::"DeliveryState", attempts = v.attempts,
           "lastStatus" = CASE WHEN v.keep THEN d."lastStatus" ELSE v.status END,
           "lastError" = CASE WHEN v.keep THEN d."lastError" ELSE v.error END,
           "nextAttemptAt" = (v.next::timestamptz AT TIME ZONE 'UTC'),
           "deliveredAt" = COALESCE((v.delivered::timestamptz AT TIME ZONE 'UTC'), d."deliveredAt"),
           -- the portal had it (a row marked delivered without sending carries an error): public verification
           "publishedAt" = CASE WHEN v.state = 'delivered' AND NOT v.keep AND v.error IS NULL
             THEN COALESCE(d."publishedAt", (v.delivered::timestamptz AT TIME ZONE 'UTC')) ELSE d."publishedAt" END,
           "updatedAt" = ${utc(2)}
         FROM jsonb_to_recordset($1::jsonb) AS v(id text, claimed int, state text, keep boolean, attempts int, status int, error text, next text, delivered text)
         WHERE d.id = v.id AND d.state = 'sending' AND d.attempts = v.claimed`,
        [JSON.stringify(rows), now],
      );
      // Later changes of items whose row just finished were stepped aside
      // while they waited (see claim): they are due now.
      const finished = batch.filter((o) => o.state === "delivered" || o.state === "dead").map((o) => o.itemId);
      if (finished.length > 0) {
        await tx.query(
          `UPDATE "Delivery" SET "nextAttemptAt" = ${utc(2)}
           WHERE "itemId" IN (SELECT jsonb_array_elements_text($1::jsonb)) AND state = 'pending' AND "nextAttemptAt" > ${utc(2)}`,
          [JSON.stringify([...new Set(finished)]), now],
        );
      }
      if (remotes.length > 0) {
        await tx.query(
          `INSERT INTO "RemoteItem" ("siteId", "sectionId", "itemId", "remoteId", "updatedAt")
           SELECT v."siteId", v."sectionId", v."itemId", v."remoteId", ${utc(2)}
           FROM jsonb_to_recordset($1::jsonb) AS v("siteId" text, "sectionId" text, "itemId" text, "remoteId" text)
           ON CONFLICT ("siteId", "sectionId", "itemId") DO UPDATE SET "remoteId" = EXCLUDED."remoteId", "updatedAt" = EXCLUDED."updatedAt"`,
          [JSON.stringify(remotes), now],
        );
      }
    });
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
      quiet = claimed === 0 && queue.length === 0 && inflight.size === 0 && pendingResults.length === 0 && !flushing;
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
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = null;
      await Promise.allSettled([...inflight.values()]);
      while (flushing || pendingResults.length > 0) {
        if (!flushing) scheduleFlush();
        await flushing;
      }
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
