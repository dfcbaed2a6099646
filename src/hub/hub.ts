// Starts and stops one hub process: database (migrated), job queue, workers,
// schedules and the HTTP server. Everything it starts, stop() undoes, so
// Ctrl-C exits cleanly and tests can run several hubs in one process.

import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { createApiApp } from "../api/app.ts";
import { metricsRoutes } from "../api/metrics.ts";
import type { Config } from "../config/index.ts";
import { BlobStore, openDatabase } from "../db/index.ts";
import { newHubId, startLiveness, startQueue, startSchedules, type Scheduler } from "../jobs/index.ts";
import { createMetrics, type Logger } from "../observability/index.ts";
import { registerSyncWorker, startRunSupervisor, type FileVerifier } from "../pipeline/index.ts";
import { enqueueRun, SYNC_QUEUE } from "../pipeline/runs.ts";
import type { ConnectorRegistry, HubContext } from "./context.ts";
import { applyConfiguration } from "./seed.ts";
import { startAlerts } from "../alerts/index.ts";
import { ensureBootstrapAdmin } from "../auth/index.ts";
import { startOutboxWorker, type OutboxWorkerOptions } from "../delivery/outbox-worker.ts";
import { setHeapGrowth } from "./heap.ts";
import { assertConfiguration } from "./check-config.ts";
import { applyTargetProblems, resolveTargets } from "../delivery/targets.ts";

export interface HubOptions {
  config: Config;
  connectors: ConnectorRegistry;
  log: Logger;
  now?: () => Date;
  /** Extra HTTP apps mounted on the hub's server (simulators in demo mode, upload routes). */
  mounts?: { path: string; app: Hono<any> }[];
  /** Signature verification for ingested PDFs (src/verify); null records "not-verified". */
  verifier?: FileVerifier | null;
  /** Skip cron schedules (tests drive runs explicitly). */
  schedules?: boolean;
  /** Outbox worker tuning (tests: short polls and retry delays). */
  delivery?: Partial<OutboxWorkerOptions>;
  /** Called with the bound URL before schedules start (demo mode wires simulators to it). */
  onListening?: (url: string) => void | Promise<void>;
}

export interface RunningHub {
  url: string;
  /** Where /metrics is served when `metrics.listen` gives it its own address; else null (on `url`). */
  metricsUrl: string | null;
  ctx: HubContext;
  stop(): Promise<void>;
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const { config, log } = options;
  const now = options.now ?? (() => new Date());
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error) => log.error({ err: error }, "error during shutdown"));
    }
  };
  // Before anything is opened or written: a mistake stops the hub here.
  assertConfiguration(config, options.connectors, log);
  // the config object may be hand-built in tests, without the schema's defaults
  setHeapGrowth(config.server.heapGrowthPercent ?? 100);
  try {
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    cleanups.push(() => db.close());
    const migration = await db.migrate();
    log.info({ database: db.kind, applied: migration.applied, dataDir: db.kind === "pglite" ? path.resolve(config.dataDir) : undefined }, "database ready");

    await applyConfiguration(db.prisma, config, new Set(options.connectors.sources.keys()));
    // Target sites: an unknown connector refuses the start; a site whose
    // options or secrets are unusable is stopped with the reason (src/delivery/targets.ts).
    await applyTargetProblems(db.prisma, resolveTargets(config, options.connectors), now());
    await ensureBootstrapAdmin(db.prisma, config, log);

    // Held for the life of the process: other hubs on the same PostgreSQL see
    // this one alive, and recover its runs at once if it dies.
    const liveness = await startLiveness(db, newHubId(), log);
    cleanups.push(() => liveness.stop());

    const queue = await startQueue(db, log);
    cleanups.push(() => queue.stop({ graceful: true, wait: true, timeout: 10_000 }));
    await queue.createQueue(SYNC_QUEUE);
    // Runs before the queue's graceful stop (cleanups run in reverse), so a
    // sync in progress ends at its next step instead of outliving the database.
    const stopping = new AbortController();
    cleanups.push(async () => stopping.abort(new Error("the hub is stopping")));

    const ctx: HubContext = {
      config,
      db,
      blobs: new BlobStore(path.resolve(config.dataDir, "blobs")),
      queue,
      log,
      metrics: createMetrics(),
      connectors: options.connectors,
      verifier: options.verifier ?? null,
      now,
      startedAt: now(),
      liveness,
      shutdown: stopping.signal,
    };

    const app = createApiApp(ctx, options.mounts ?? []);
    const server = await listen(app, config.server.host, config.server.port);
    cleanups.push(() => closeServer(server));
    const url = urlOf(server);
    let metricsUrl: string | null = null;
    const metricsListen = config.metrics?.listen;
    if (metricsListen) {
      const metricsServer = await listen(new Hono().route("/", metricsRoutes(ctx)), metricsListen.host, metricsListen.port);
      cleanups.push(() => closeServer(metricsServer));
      metricsUrl = urlOf(metricsServer);
    }
    warnOpenMetrics(config, log);
    await options.onListening?.(url);

    const supervisor = await startRunSupervisor(ctx);
    cleanups.push(async () => supervisor.stop());
    await registerSyncWorker(ctx);
    const outbox = startOutboxWorker(ctx, { baseUrl: config.server.publicUrl ?? url, ...options.delivery });
    cleanups.push(() => outbox.stop());
    cleanups.push(startAlerts(ctx));

    if (options.schedules !== false) {
      const scheduled = config.sources.filter((s) => s.enabled && s.schedule).map((s) => ({ id: s.id, schedule: s.schedule! }));
      const scheduler: Scheduler = startSchedules(scheduled, {
        prisma: db.prisma,
        log,
        // Only an injected clock overrides the tick's own scheduled time.
        ...(options.now ? { now: options.now } : {}),
        enqueue: (runId) => enqueueRun(ctx, runId),
      });
      cleanups.push(() => scheduler.stop());
    }
    log.info({ url, hubId: liveness.hubId, ...(metricsUrl ? { metricsUrl } : {}) }, "portalsync hub listening");
    return { url, metricsUrl, ctx, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function urlOf(server: ServerType): string {
  const address = server.address() as AddressInfo;
  return `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** /metrics open to anyone who reaches a non-loopback listener is allowed, but said. */
function warnOpenMetrics(config: Config, log: Logger): void {
  const metrics = config.metrics;
  if (metrics?.token) return;
  const host = metrics?.listen ? metrics.listen.host : config.server.host;
  if (LOOPBACK.has(host)) return;
  log.warn({ host }, "/metrics is open to anyone who can reach this address: set metrics.token, or metrics.listen on a private address (docs/observability.md)");
}

function listen(app: Hono<any>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once("error", reject);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive connections would hold close() open; end them.
    (server as import("node:http").Server).closeAllConnections?.();
    server.close(() => resolve());
  });
}
