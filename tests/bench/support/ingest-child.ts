// One measured ingest in a fresh process: either the connector alone (the
// baseline: list, fetch and download every document, no hub), or the whole
// hub (PGlite, verification, dedup/versioning, outbox) doing a backfill.
// Prints one JSON line with the time and the peak RSS.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { builtinSources, builtinTargets } from "../../../connectors/index.ts";
import ioffice from "../../../connectors/ioffice/index.ts";
import { configSchema } from "../../../src/config/index.ts";
import { createRegistry, startHub } from "../../../src/hub/index.ts";
import { createFileVerifier } from "../../../src/hub/verifier.ts";
import { silentLogger } from "../../../src/observability/index.ts";
import { requestRun } from "../../../src/pipeline/runs.ts";
import { connectorContext } from "../../../src/pipeline/sync-run.ts";

const [mode, url] = process.argv.slice(2);
const options = { baseUrl: url!, clientId: "bench", clientSecret: "bench-secret-123", pageSize: 500 };
const started = performance.now();
let documents = 0;
// Files the simulator could not serve (it should serve every one: any count
// here is a simulator bug to look into) and items the hub's run failed.
let failed = 0;
// hub mode: start-up (data directory, migrations) and the run itself, apart
let startupSeconds = 0;
let runSeconds = 0;

if (mode === "baseline") {
  const client = ioffice.create(ioffice.configSchema.parse(options), connectorContext({ log: silentLogger, now: () => new Date() }, "bench"));
  for await (const page of client.listChanges(null)) {
    // Same concurrency as the hub's ingest (ingest.concurrency default 4).
    const queue = [...page.items];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let ref = queue.shift(); ref; ref = queue.shift()) {
          for (const file of ref.item!.files) {
            try {
              const fetched = await client.fetchFile(file, { maxBytes: 50 * 1024 * 1024 });
              for await (const _chunk of fetched.body) {
                // drain: the baseline pays for the transfer, like the hub does
              }
            } catch (error) {
              failed++;
              console.error(`baseline: ${file.id}: ${(error as Error).message}`);
            }
          }
        }
      }),
    );
    documents += page.items.length;
  }
} else {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-bench-"));
  const config = configSchema.parse({
    // PORTALSYNC_BENCH_HEAP_GROWTH compares heap settings (0 = V8's default); unset = the hub's default
    server: { port: 0, ...(process.env.PORTALSYNC_BENCH_HEAP_GROWTH ? { heapGrowthPercent: Number(process.env.PORTALSYNC_BENCH_HEAP_GROWTH) } : {}) },
    dataDir,
    log: { level: "silent" },
    verify: { trust: [path.resolve("connectors/sim-kit/test-ca")] },
    sources: [{ id: "ioffice", connector: "ioffice", name: "iOffice", options }],
    sites: [{ id: "tinh", name: "Cổng tỉnh", mode: "pull", sections: [{ slug: "van-ban", name: "Văn bản" }] }],
    routing: [{ id: "all", name: "all", match: { itemKind: "document" }, targets: ["tinh/van-ban"] }],
  });
  const hub = await startHub({
    config,
    connectors: createRegistry(builtinSources, builtinTargets),
    log: silentLogger,
    verifier: await createFileVerifier(config, silentLogger),
    schedules: false,
  });
  startupSeconds = (performance.now() - started) / 1000;
  const runId = await requestRun(hub.ctx, { sourceId: "ioffice", trigger: "manual", requestedBy: "bench" });
  for (;;) {
    const run = await hub.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: runId } });
    if (!["queued", "running"].includes(run.status)) {
      if (run.status !== "succeeded" && run.status !== "partial") throw new Error(`run ended ${run.status}: ${run.error}`);
      documents = run.created;
      runSeconds = (run.finishedAt!.getTime() - run.startedAt!.getTime()) / 1000;
      failed = run.failed + run.rejected;
      if (failed > 0) {
        const items = await hub.ctx.db.prisma.syncRunItem.findMany({ where: { runId, outcome: { in: ["failed", "rejected"] } } });
        for (const item of items) console.error(`hub: ${item.externalId} ${item.outcome}: ${item.message}`);
      }
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await hub.stop();
  if (process.env.PORTALSYNC_BENCH_KEEP) console.error(`data directory kept: ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });
}

const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ mode, documents, failed, seconds, startupSeconds, runSeconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
