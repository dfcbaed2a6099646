// One hub works runs of different sources at once (ingest.parallelRuns), so a
// slow source does not hold the others back; two runs of one source still
// never overlap.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { requestRun } from "../../src/pipeline/runs.ts";
import { serveApp, startTestHub, waitForRun, type Served, type TestHub } from "../support/hub.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };
const site = { id: "tinh", name: "Cổng tỉnh", mode: "pull", sections: [{ slug: "van-ban", name: "Văn bản", itemKind: "document" }] };
const routing = [{ id: "docs", name: "Văn bản", match: { itemKind: "document" }, targets: ["tinh/van-ban"] }];

describe("parallel runs in one hub", () => {
  let slow: IofficeSimulator;
  let fast: IofficeSimulator;
  const served: Served[] = [];
  let hub: TestHub;

  beforeAll(async () => {
    slow = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 21, count: 6, ...CLIENT });
    fast = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 22, count: 6, startAt: "2026-03-05T08:00:00+07:00", ...CLIENT });
    for (const sim of [slow, fast]) served.push(await serveApp(sim.app));
    hub = await startTestHub({
      sources: [
        { id: "slow", connector: "ioffice", name: "Slow iOffice", options: { baseUrl: served[0]!.url, ...CLIENT, pageSize: 2 } },
        { id: "fast", connector: "ioffice", name: "Fast iOffice", options: { baseUrl: served[1]!.url, ...CLIENT, pageSize: 2 } },
      ],
      sites: [site],
      routing,
      ingest: { parallelRuns: 2 },
    });
  });
  afterAll(async () => {
    await hub?.close();
    for (const s of served) await s.close();
  });

  it("a fast source finishes while a slow one is still running", async () => {
    // every listing page of the slow source takes 1.5 s: its run lasts several seconds
    slow.faults.set({ slow: { ms: 1500, match: "/van-ban" } });
    const slowRun = await requestRun(hub.ctx, { sourceId: "slow", trigger: "manual", requestedBy: "test" });
    // let the slow run be claimed first, so the fast one is queued behind it
    await expect.poll(async () => (await hub.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: slowRun } })).status, { timeout: 10_000 }).toBe("running");
    const fastRun = await requestRun(hub.ctx, { sourceId: "fast", trigger: "manual", requestedBy: "test" });
    const fastDone = await waitForRun(hub, fastRun, 60_000);
    expect(fastDone.status).toBe("succeeded");
    expect(fastDone.created).toBe(6);
    const slowNow = await hub.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: slowRun } });
    expect(slowNow.status).toBe("running");
    slow.faults.reset();
    const slowDone = await waitForRun(hub, slowRun, 60_000);
    expect(slowDone.status).toBe("succeeded");
    expect(slowDone.created).toBe(6);
  });

  it("two runs of the same source never overlap", async () => {
    slow.faults.set({ slow: { ms: 300, match: "/van-ban" } });
    const a = await requestRun(hub.ctx, { sourceId: "slow", trigger: "manual", requestedBy: "test" });
    const b = await requestRun(hub.ctx, { sourceId: "slow", trigger: "manual", requestedBy: "test" });
    const [ra, rb] = [await waitForRun(hub, a, 60_000), await waitForRun(hub, b, 60_000)];
    slow.faults.reset();
    expect([ra.status, rb.status]).toEqual(["succeeded", "succeeded"]);
    const [first, second] = [ra, rb].sort((x, y) => x.startedAt!.getTime() - y.startedAt!.getTime());
    expect(second!.startedAt!.getTime()).toBeGreaterThanOrEqual(first!.finishedAt!.getTime());
  });
});
