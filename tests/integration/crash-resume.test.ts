// A sync killed with SIGKILL mid-run, then resumed by the next process:
// nothing lost, nothing duplicated (issue 4's acceptance).

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { openDatabase } from "../../src/db/index.ts";
import { startCli } from "../support/cli-process.ts";
import { serveApp, TEST_CA_DIR, type Served } from "../support/hub.ts";
import { maybeTestDatabase, type TestDatabase } from "../support/pg.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };

let dir: string;
let sim: IofficeSimulator;
let served: Served;
let configFile: string;
// Under `npm run test:pg` the CLI processes share a PostgreSQL database of this file's own.
let database: TestDatabase | null = null;
let env: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-crash-"));
  database = await maybeTestDatabase();
  env = database ? { DATABASE_URL: database.url } : {};
  sim = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 23, count: 150, ...CLIENT });
  served = await serveApp(sim.app);
  configFile = path.join(dir, "portalsync.config.json");
  await writeFile(
    configFile,
    JSON.stringify({
      dataDir: path.join(dir, "data"),
      verify: { trust: [TEST_CA_DIR] },
      sources: [{ id: "ioffice", connector: "ioffice", name: "iOffice", options: { baseUrl: served.url, ...CLIENT, pageSize: 10 } }],
      sites: [{ id: "tinh", name: "Cổng tỉnh", mode: "pull", sections: [{ slug: "van-ban", name: "Văn bản" }] }],
      routing: [{ id: "all", name: "all", match: { itemKind: "document" }, targets: ["tinh/van-ban"] }],
    }),
  );
});
afterAll(async () => {
  await served?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("crash and resume", () => {
  // Two real CLI processes start and run here: on a loaded two-core machine that takes more than the default 30 s.
  it("SIGKILL mid-run, then the next process resumes: every document exactly once", { timeout: 120_000 }, async () => {
    // Slow listings stretch the run so the kill lands in the middle of it.
    sim.faults.set({ slow: { ms: 150, match: "/van-ban/da-ban-hanh" } });
    const victim = startCli(["--config", configFile, "sync", "ioffice"], env);
    const deadline = Date.now() + 60_000;
    while (sim.stats.list < 6) {
      if (Date.now() > deadline) throw new Error(`the run never got going:\n${victim.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    victim.child.kill("SIGKILL");
    const killed = await victim.exited;
    expect(killed.signal).toBe("SIGKILL");
    const listedBeforeKill = sim.stats.list;

    sim.faults.reset();
    const survivor = startCli(["--config", configFile, "sync", "ioffice"], env);
    const exit = await survivor.exited;
    expect(exit.code, survivor.output()).toBe(0);
    // The survivor resumed from the saved cursor rather than from the start.
    expect(sim.stats.list - listedBeforeKill).toBeLessThan(sim.ids().length / 10 + 4);

    const db = await openDatabase({ url: database?.url, dataDir: path.join(dir, "data") });
    try {
      const prisma = db.prisma;
      const runs = await prisma.syncRun.findMany({ orderBy: { createdAt: "asc" } });
      expect(runs[0]?.status).toBe("interrupted");
      expect(runs.some((r) => r.requestedBy === `resume of ${runs[0]!.id}`)).toBe(true);

      const refs = await prisma.documentSourceRef.findMany({ where: { sourceId: "ioffice" } });
      expect(refs.map((r) => r.externalId).sort()).toEqual([...sim.ids()].sort());
      const documents = await prisma.document.count();
      expect(await prisma.documentVersion.count()).toBe(documents);
      const deliveries = await prisma.delivery.findMany({ select: { itemId: true, event: true, sectionId: true } });
      const keys = deliveries.map((d) => `${d.sectionId}|${d.itemId}|${d.event}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(await prisma.failedItem.count()).toBe(0);
    } finally {
      await db.close();
    }
  });
});
