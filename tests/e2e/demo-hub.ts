// Starts the hub in demo mode in this process (port 0, a temporary data
// directory), as `npm start` does, for the browser tests.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { builtinSources, builtinTargets } from "../../connectors/index.ts";
import { configSchema } from "../../src/config/index.ts";
import { createRegistry, startHub, type RunningHub } from "../../src/hub/index.ts";
import { demoSetup } from "../../src/hub/demo.ts";
import { createFileVerifier } from "../../src/hub/verifier.ts";
import { silentLogger, type Logger } from "../../src/observability/index.ts";

export interface DemoHub extends RunningHub {
  dataDir: string;
  close(): Promise<void>;
}

export async function startDemoHub(options: { log?: Logger } = {}): Promise<DemoHub> {
  const log = options.log ?? silentLogger;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-e2e-"));
  const base = configSchema.parse({ server: { host: "127.0.0.1", port: 0 }, dataDir, demo: true, log: { level: "silent" } });
  const registry = createRegistry(builtinSources, builtinTargets);
  const demo = await demoSetup(base, registry, log);
  const hub = await startHub({
    config: demo.config,
    connectors: registry,
    log,
    verifier: await createFileVerifier(demo.config, log),
    mounts: demo.mounts,
    onListening: demo.onListening,
    // Runs are triggered by the demo's start and by the test, not by cron.
    schedules: false,
    delivery: { busyPollMs: 100, idlePollMs: 500 },
  });
  await demo.afterStart(hub);
  return {
    ...hub,
    dataDir,
    async close() {
      await hub.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
