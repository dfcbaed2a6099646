// Starts real hubs (HTTP server, PGlite in a temp directory, pg-boss, the
// built-in connectors) and serves simulators on loopback, for integration tests.

import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import { builtinSources, builtinTargets } from "../../connectors/index.ts";
import { configSchema, type Config } from "../../src/config/index.ts";
import { createRegistry, startHub, type HubOptions, type RunningHub } from "../../src/hub/index.ts";
import { createFileVerifier } from "../../src/hub/verifier.ts";
import { silentLogger } from "../../src/observability/index.ts";
import { requestRun, type RunRequest } from "../../src/pipeline/runs.ts";
import { REPO_ROOT } from "./cli-process.ts";
import { maybeTestDatabase } from "./pg.ts";

export const TEST_CA_DIR = path.join(REPO_ROOT, "connectors", "sim-kit", "test-ca");

export interface TestHub extends RunningHub {
  dataDir: string;
  /** Queue a run and wait for it to end; returns the finished run row. */
  run(request: RunRequest extends infer R ? (R extends RunRequest ? Omit<R, "requestedBy"> : never) : never): Promise<Awaited<ReturnType<RunningHub["ctx"]["db"]["prisma"]["syncRun"]["findUniqueOrThrow"]>>>;
  close(): Promise<void>;
}

export interface TestHubOptions {
  dataDir?: string;
  /** The hub's clock (HubContext.now), for tests that move time on. */
  now?: () => Date;
  /** Outbox worker tuning passed to startHub. */
  delivery?: HubOptions["delivery"];
}

/**
 * A hub on PGlite in a temporary directory, or, when
 * PORTALSYNC_TEST_DATABASE_URL is set, on a fresh PostgreSQL database of its
 * own (dropped by close()) unless `partial.databaseUrl` names one.
 */
export async function startTestHub(partial: Record<string, unknown>, options: TestHubOptions = {}): Promise<TestHub> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), "portalsync-it-")));
  const database = partial.databaseUrl ? null : await maybeTestDatabase();
  const config: Config = configSchema.parse({
    server: { port: 0 },
    dataDir,
    log: { level: "silent" },
    verify: { trust: [path.join(REPO_ROOT, "trust"), TEST_CA_DIR] },
    ...(database ? { databaseUrl: database.url } : {}),
    ...partial,
  });
  let hub: RunningHub;
  try {
    hub = await startHub({
      config,
      connectors: createRegistry(builtinSources, builtinTargets),
      log: silentLogger,
      verifier: await createFileVerifier(config, silentLogger),
      schedules: false,
      ...(options.now ? { now: options.now } : {}),
      ...(options.delivery ? { delivery: options.delivery } : {}),
    });
  } catch (error) {
    await database?.drop().catch(() => {});
    throw error;
  }
  return {
    ...hub,
    dataDir,
    async run(request) {
      const runId = await requestRun(hub.ctx, { ...request, requestedBy: "test" } as RunRequest);
      return waitForRun(hub, runId);
    },
    async close() {
      await hub.stop();
      await database?.drop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function waitForRun(hub: RunningHub, runId: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await hub.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: runId } });
    if (!["queued", "running"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serveApp(app: Hono<any>): Promise<Served> {
  const server: ServerType = serve({ fetch: (req) => app.fetch(req), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as import("node:http").Server).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
