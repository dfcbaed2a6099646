// Stopping a hub in the middle of a sync run: the stop is clean (the run does
// not outlive the database), and the next start resumes the run.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { requestRun } from "../../src/pipeline/runs.ts";
import { serveApp, startTestHub, waitForRun, type Served } from "../support/hub.ts";
import { maybeTestDatabase, type TestDatabase } from "../support/pg.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };

let sim: IofficeSimulator;
let served: Served;
let dataDir: string;
// Under `npm run test:pg` both starts share one PostgreSQL database.
let database: TestDatabase | null = null;

beforeAll(async () => {
  sim = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 31, count: 80, ...CLIENT });
  served = await serveApp(sim.app);
  dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-shutdown-"));
  database = await maybeTestDatabase();
});
afterAll(async () => {
  await served?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("stopping mid-run", () => {
  it("stops cleanly while a run is in progress, and the next start finishes it", { timeout: 120_000 }, async () => {
    const config = {
      ...(database ? { databaseUrl: database.url } : {}),
      sources: [{ id: "ioffice", connector: "ioffice", name: "iOffice", options: { baseUrl: served.url, ...CLIENT, pageSize: 5 } }],
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      sim.faults.set({ slow: { ms: 200, match: "/van-ban/da-ban-hanh" } });
      const first = await startTestHub(config, { dataDir });
      const runId = await requestRun(first.ctx, { sourceId: "ioffice", trigger: "manual", requestedBy: "test" });
      const deadline = Date.now() + 60_000;
      while (sim.stats.list < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((await first.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe("running");
      const started = Date.now();
      await first.close();
      expect(Date.now() - started).toBeLessThan(15_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(unhandled).toEqual([]);

      sim.faults.reset();
      const second = await startTestHub(config, { dataDir });
      try {
        const prisma = second.ctx.db.prisma;
        expect((await prisma.syncRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe("interrupted");
        const resume = await prisma.syncRun.findFirstOrThrow({ where: { requestedBy: `resume of ${runId}` } });
        const finished = await waitForRun(second, resume.id);
        expect(finished.status).toBe("succeeded");
        const refs = await prisma.documentSourceRef.findMany({ where: { sourceId: "ioffice" } });
        expect(refs.map((r) => r.externalId).sort()).toEqual([...sim.ids()].sort());
        expect(await prisma.documentVersion.count()).toBe(await prisma.document.count());
      } finally {
        await second.close();
      }
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
