// Issue 7's fault suite, on PostgreSQL: a misbehaving source (slow, 429, 500,
// truncated bodies, token expiry), a portal down for an hour of simulated time,
// and a database restart during a run. Each ends with every item accounted
// for: delivered, held for review, or dead with a reason the API shows.

import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { createReceiverSimulator, serveReceiver, type ReceiverSimulator, type ServedReceiver } from "../../connectors/webhook/receiver-simulator.ts";
import { generateSecret } from "../../connectors/webhook/signature.ts";
import { createApiToken } from "../../src/auth/index.ts";
import { outboxOf } from "../../src/delivery/outbox-worker.ts";
import { PG_SERVER_URL, waitUntil } from "../support/cluster.ts";
import { serveApp, startTestHub, waitForRun, type Served, type TestHub } from "../support/hub.ts";
import { createTestDatabase, type TestDatabase } from "../support/pg.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };

let sim: IofficeSimulator;
let served: Served;
let receiver: ReceiverSimulator;
let receiverServed: ServedReceiver;
let database: TestDatabase;
let hub: TestHub;
let admin: string;
const secret = generateSecret();
// The hub's and the portal's clock: real time plus an offset the test moves on.
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

beforeAll(async () => {
  sim = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 77, count: 30, ...CLIENT });
  served = await serveApp(sim.app);
  receiver = createReceiverSimulator({ sites: { tinh: { secrets: [secret] } }, now: clock });
  receiverServed = await serveReceiver(receiver);
  database = await createTestDatabase(PG_SERVER_URL, "portalsync_faults");
  hub = await startTestHub(
    {
      databaseUrl: database.url,
      delivery: { timeoutMs: 2_000 },
      sources: [{ id: "ioffice", connector: "ioffice", name: "iOffice", options: { baseUrl: served.url, ...CLIENT, pageSize: 6 } }],
      sites: [{ id: "tinh", name: "Cổng tỉnh", mode: "push", endpoint: receiverServed.endpoint("tinh"), secrets: [secret], sections: [{ slug: "van-ban", name: "Văn bản" }] }],
      routing: [{ id: "all", name: "all", match: { itemKind: "document" }, targets: ["tinh/van-ban"] }],
    },
    { now: clock, delivery: { idlePollMs: 50, busyPollMs: 20 } },
  );
  admin = (await createApiToken(hub.ctx.db.prisma, { name: "faults", role: "admin" })).token;
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await database?.drop();
  await served?.close();
  await receiverServed?.close();
});

/** Every routed item is delivered, held, or dead with a reason the API shows; returns the counts. */
async function accountedFor(): Promise<Record<string, number>> {
  const prisma = hub.ctx.db.prisma;
  const rows = await prisma.delivery.findMany({ select: { id: true, state: true, lastError: true } });
  const byState: Record<string, number> = {};
  for (const r of rows) byState[r.state] = (byState[r.state] ?? 0) + 1;
  expect(rows.every((r) => ["delivered", "held", "dead", "rejected"].includes(r.state)), JSON.stringify(byState)).toBe(true);
  const dead = await (await fetch(`${hub.url}/api/v1/deliveries?state=dead&limit=500`, { headers: { authorization: `Bearer ${admin}` } })).json() as { deliveries: { lastError: string | null }[] };
  for (const d of dead.deliveries) expect(d.lastError).toBeTruthy();
  // Every public document in force has its delivery row; every source item is stored.
  const refs = await prisma.documentSourceRef.findMany({ where: { sourceId: "ioffice" }, select: { externalId: true } });
  expect(refs.map((r) => r.externalId).sort()).toEqual([...sim.ids()].sort());
  return byState;
}

describe("fault suite (PostgreSQL)", () => {
  it("a source that is slow, rate-limits, fails, truncates and expires tokens: the run rides through, the next one mops up", async () => {
    sim.faults.set({
      slow: { ms: 300, count: 4 },
      rateLimit: { retryAfter: 1, count: 2, match: "/van-ban/da-ban-hanh" },
      serverError: { count: 2, match: "/van-ban/da-ban-hanh" },
      tokenExpiry: { count: 1 },
      truncateBody: { count: 2, match: "/tep/" },
    });
    const first = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    const fired = sim.faults.get().fired;
    expect(fired).toMatchObject({ rateLimit: 2, serverError: 2, tokenExpiry: 1, truncateBody: 2 });
    expect(fired.slow).toBeGreaterThan(0);
    // The truncated downloads fail their items (with the reason), nothing else.
    expect(first.status).toBe("partial");
    expect(first.failed).toBe(2);
    const failed = await hub.ctx.db.prisma.failedItem.findMany();
    expect(failed).toHaveLength(2);
    for (const f of failed) expect(f.lastError).toMatch(/truncat|bytes|closed|terminated|length/i);
    sim.faults.reset();
    const second = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    expect(second.status).toBe("succeeded");
    expect(await hub.ctx.db.prisma.failedItem.count()).toBe(0);
    await waitUntil("deliveries to settle", async () => (await hub.ctx.db.prisma.delivery.count({ where: { state: { in: ["pending", "sending", "failed"] } } })) === 0, 60_000);
    const states = await accountedFor();
    expect(states.delivered).toBeGreaterThan(0);
    expect(receiver.anomalies("tinh")).toEqual([]);
  });

  it("a portal down for an hour (simulated): retries on the schedule, everything delivered once after it is back", async () => {
    const prisma = hub.ctx.db.prisma;
    receiver.configure("tinh", { down: { mode: "503", retryAfterSeconds: 0 } });
    const before = receiver.events("tinh").length;
    const added = await Promise.all([sim.change({}), sim.change({}), sim.change({})]);
    const run = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    expect(run.created).toBe(3);
    // An hour passes in 5-minute steps; the worker retries on its schedule (5 s, 5 min, 30 min, …).
    for (let minutes = 0; minutes < 60; minutes += 5) {
      offsetMs += 5 * 60_000;
      outboxOf(hub.ctx)?.wake();
      await new Promise((r) => setTimeout(r, 150));
    }
    const waiting = await prisma.delivery.findMany({ where: { state: { in: ["failed", "pending", "sending"] } } });
    expect(waiting.length).toBeGreaterThanOrEqual(added.filter((d) => d.cong_khai).length);
    expect(Math.max(...waiting.map((d) => d.attempts))).toBeGreaterThanOrEqual(3);
    expect(receiver.events("tinh").length).toBe(before);
    // Back up; the next attempt is due within two simulated hours.
    receiver.configure("tinh", { down: false });
    offsetMs += 2 * 3600_000 + 5 * 60_000;
    outboxOf(hub.ctx)?.wake();
    await waitUntil("the backlog to be delivered", async () => (await prisma.delivery.count({ where: { state: { in: ["pending", "sending", "failed"] } } })) === 0, 30_000);
    await accountedFor();
    const events = receiver.events("tinh");
    expect(new Set(events.map((e) => e.webhookId)).size).toBe(events.length);
    expect(receiver.anomalies("tinh")).toEqual([]);
  });

  it("a database restart during a run: the run fails or finishes cleanly, /readyz recovers, the next run completes", async () => {
    const prisma = hub.ctx.db.prisma;
    await Promise.all(Array.from({ length: 6 }, () => sim.change({})));
    sim.faults.set({ slow: { ms: 700, match: "/van-ban/da-ban-hanh" } });
    const runId = await (async () => {
      const res = await fetch(`${hub.url}/api/v1/sources/ioffice/runs`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ trigger: "manual" }) });
      expect(res.status).toBe(202);
      return ((await res.json()) as { runId: string }).runId;
    })();
    await waitUntil("the run to start", async () => (await prisma.syncRun.findUniqueOrThrow({ where: { id: runId } })).status === "running", 30_000, 50);
    const version = readdirSync("/etc/postgresql").sort().at(-1)!;
    execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "restart", "--mode", "fast"], { stdio: "ignore" });
    sim.faults.reset();

    // The process stayed up and becomes ready again.
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    await waitUntil("/readyz to answer 200", async () => (await fetch(`${hub.url}/readyz`)).status === 200, 60_000, 250);
    const interrupted = await waitForRun(hub, runId, 90_000);
    expect(["failed", "succeeded", "partial"]).toContain(interrupted.status);
    if (interrupted.status === "failed") expect(interrupted.error).toBeTruthy();
    const next = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    expect(next.status).toBe("succeeded");
    await waitUntil("deliveries to settle", async () => (await prisma.delivery.count({ where: { state: { in: ["pending", "sending", "failed"] } } })) === 0, 60_000);
    await accountedFor();
    expect(await prisma.failedItem.count()).toBe(0);
    expect(receiver.anomalies("tinh")).toEqual([]);
    console.log(`database restart: the run in flight ended ${interrupted.status}${interrupted.error ? ` (${interrupted.error})` : ""}; the next run ${next.status}`);
  });
});
