// Issue 7's acceptance: three real `portalsync serve` processes on one
// PostgreSQL. A scheduled sync fires once per slot; ingest and deliveries are
// split between the processes; SIGKILL of one mid-run loses nothing and
// delivers nothing twice, and the survivors finish its work.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { createReceiverSimulator, serveReceiver, type ReceiverSimulator, type ServedReceiver } from "../../connectors/webhook/receiver-simulator.ts";
import { generateSecret } from "../../connectors/webhook/signature.ts";
import { documentIdentityKey } from "../../src/pipeline/identity.ts";
import { counter, startCluster, waitUntil, type Cluster, type HubProcess } from "../support/cluster.ts";
import { serveApp, TEST_CA_DIR, type Served } from "../support/hub.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };
const SOURCES = ["vp-1", "vp-2", "vp-3", "vp-4"] as const;
const SITES = ["tinh", "huyen"] as const;
/** Seconds cron: a slot every 2 s, so several slots pass in a test (node-cron 4 takes six fields). */
const SCHEDULE = "*/2 * * * * *";

let sims: Map<string, IofficeSimulator>;
let served: Served[] = [];
let receiver: ReceiverSimulator;
let receiverServed: ServedReceiver;
let cluster: Cluster;

function identities(sim: IofficeSimulator): string[] {
  return sim.ids().map((id) => {
    const d = sim.document(id)!;
    return documentIdentityKey({ number: d.so_ky_hieu, issuer: { code: d.co_quan_ban_hanh.ma, name: d.co_quan_ban_hanh.ten }, issuedDate: d.ngay_ban_hanh });
  });
}

beforeAll(async () => {
  sims = new Map();
  const all = [...SOURCES, "lich"];
  for (const [i, id] of all.entries()) {
    // A month apart: no two simulators issue the same number on the same day
    // (that would merge two documents into one with two versions); within the
    // test CA's validity, so signatures verify.
    const sim = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 100 + i, count: id === "lich" ? 4 : 40, startAt: `2026-0${i + 1}-05T08:00:00+07:00`, ...CLIENT });
    sims.set(id, sim);
    served.push(await serveApp(sim.app));
  }
  const secrets = Object.fromEntries(SITES.map((s) => [s, generateSecret()]));
  receiver = createReceiverSimulator({ sites: Object.fromEntries(SITES.map((s) => [s, { secrets: [secrets[s]!] }])) });
  receiverServed = await serveReceiver(receiver);
  cluster = await startCluster({
    hubs: 3,
    config: {
      verify: { trust: [TEST_CA_DIR] },
      delivery: { timeoutMs: 3_000 },
      sources: all.map((id, i) => ({
        id,
        connector: "ioffice",
        name: `iOffice ${id}`,
        ...(id === "lich" ? { schedule: SCHEDULE } : {}),
        options: { baseUrl: served[i]!.url, ...CLIENT, pageSize: 8 },
      })),
      sites: SITES.map((s) => ({
        id: s,
        name: `Cổng ${s}`,
        mode: "push",
        endpoint: receiverServed.endpoint(s),
        secrets: [{ env: `SITE_${s.toUpperCase()}_SECRET` }],
        sections: [{ slug: "van-ban", name: "Văn bản" }],
      })),
      routing: [{ id: "all", name: "Tất cả", match: { itemKind: "document" }, targets: SITES.map((s) => `${s}/van-ban`) }],
    },
    env: Object.fromEntries(SITES.map((s) => [`SITE_${s.toUpperCase()}_SECRET`, secrets[s]!])),
  });
}, 240_000);

afterAll(async () => {
  await cluster?.close();
  for (const s of served) await s.close();
  await receiverServed?.close();
});

async function runsOf(where: Record<string, unknown> = {}) {
  return cluster.db.prisma.syncRun.findMany({ where, orderBy: { createdAt: "asc" } });
}

const ownerOf = (run: { progress: unknown }) => (run.progress as { owner?: string } | null)?.owner ?? null;

describe("three hubs on one PostgreSQL", () => {
  it("fires a scheduled sync once per slot across the processes", async () => {
    // Let several slots pass (every hub's node-cron ticks at each of them).
    await waitUntil("four scheduled slots", async () => (await runsOf({ sourceId: "lich", trigger: "schedule" })).length >= 4, 30_000);
    const runs = await runsOf({ sourceId: "lich", trigger: "schedule" });
    const slots = runs.map((r) => r.slot!.toISOString());
    expect(new Set(slots).size).toBe(slots.length);
    // Slots are whole seconds, two apart: no tick landed in a slot of its own.
    for (const s of slots) expect(new Date(s).getUTCSeconds() % 2).toBe(0);
    // Exactly one process claimed each slot; every process ticked.
    const claims = cluster.hubs.flatMap((h) => h.proc.logs.filter((l) => l.msg === "scheduled sync claimed" && l.source === "lich").map((l) => ({ hub: h.name, slot: String(l.slot) })));
    const claimedSlots = claims.map((c) => new Date(c.slot).toISOString());
    expect(new Set(claimedSlots).size).toBe(claimedSlots.length);
    for (const s of slots) expect(claimedSlots).toContain(s);
    // The runs themselves finish (or wait their turn: one run per source at a time).
    const done = await waitUntil("the first scheduled runs to finish", async () => {
      const rows = await runsOf({ sourceId: "lich", trigger: "schedule", id: { in: runs.map((r) => r.id) } });
      return rows.every((r) => r.status === "succeeded") && rows;
    }, 60_000);
    expect(done.length).toBe(runs.length);
  });

  it("splits ingest and deliveries between the processes; SIGKILL of one mid-run loses nothing and delivers nothing twice", async () => {
    // Slow listings stretch the runs so the kill lands in the middle of one.
    for (const id of SOURCES) sims.get(id)!.faults.set({ slow: { ms: 400, match: "/van-ban/da-ban-hanh" } });
    const runIds: string[] = [];
    for (const [i, id] of SOURCES.entries()) {
      const res = await cluster.api(cluster.hubs[i % cluster.hubs.length]!, `/api/v1/sources/${id}/runs`, { json: { trigger: "manual" } });
      expect(res.status).toBe(202);
      runIds.push(((await res.json()) as { runId: string }).runId);
    }

    // Wait until a run is well under way in some process, and kill that process.
    const victimRun = await waitUntil("a run with a page behind it", async () => {
      const rows = await runsOf({ id: { in: runIds }, status: "running" });
      return rows.find((r) => ((r.progress as { processed?: number } | null)?.processed ?? 0) >= 8 && ownerOf(r));
    }, 90_000, 50);
    const victim = cluster.hubs.find((h) => h.hubId === ownerOf(victimRun))!;
    expect(victim).toBeTruthy();
    const deliveredByVictim = await counter(victim, "portalsync_deliveries_total", { outcome: "delivered" });
    victim.proc.child.kill("SIGKILL");
    expect((await victim.proc.exited).signal).toBe("SIGKILL");
    const survivors = cluster.hubs.filter((h) => h !== victim);
    for (const id of SOURCES) sims.get(id)!.faults.reset();

    // A survivor sees the dead owner's lock free and resumes its run.
    const resumed = await waitUntil("the killed run to be resumed", async () => {
      const old = await cluster.db.prisma.syncRun.findUniqueOrThrow({ where: { id: victimRun.id } });
      if (old.status !== "interrupted") return null;
      return cluster.db.prisma.syncRun.findFirst({ where: { requestedBy: `resume of ${victimRun.id}` } });
    }, 30_000);
    // Everything ends: every run of this test is final, every delivery delivered.
    await waitUntil("every run to end", async () => {
      const rows = await runsOf({ OR: [{ id: { in: runIds } }, { requestedBy: { startsWith: "resume of" } }] });
      return rows.every((r) => !["queued", "running"].includes(r.status));
    }, 120_000, 500);
    const resume = await cluster.db.prisma.syncRun.findUniqueOrThrow({ where: { id: resumed.id } });
    expect(resume.status).toBe("succeeded");
    expect(survivors.map((h) => h.hubId)).toContain(ownerOf(resume));
    // Other runs of the victim (if it had taken two) were resumed too; none is left running.
    expect(await cluster.db.prisma.syncRun.count({ where: { status: "running", sourceId: { in: [...SOURCES] } } })).toBe(0);

    await waitUntil("every delivery to be delivered", async () => (await cluster.db.prisma.delivery.count({ where: { state: { not: "delivered" } } })) === 0 && (await cluster.db.prisma.delivery.count()) > 0, 120_000, 500);

    // Nothing lost: every simulator item is stored once, under its source.
    const prisma = cluster.db.prisma;
    const expected = new Set<string>();
    for (const id of [...SOURCES, "lich"]) {
      const sim = sims.get(id)!;
      const refs = await prisma.documentSourceRef.findMany({ where: { sourceId: id }, select: { externalId: true } });
      expect(refs.map((r) => r.externalId).sort(), id).toEqual([...sim.ids()].sort());
      for (const key of identities(sim)) expected.add(key);
    }
    expect(await prisma.document.count()).toBe(expected.size);
    expect(await prisma.documentVersion.count()).toBe(expected.size);
    expect(await prisma.failedItem.count()).toBe(0);
    const outboxKeys = (await prisma.delivery.findMany({ select: { dedupKey: true } })).map((d) => d.dedupKey);
    expect(new Set(outboxKeys).size).toBe(outboxKeys.length);

    // Nothing delivered twice: each webhook-id stored once per site, each
    // item published once, no anomaly (a redelivery is byte-identical).
    for (const site of SITES) {
      const events = receiver.events(site);
      const ids = events.map((e) => e.webhookId);
      expect(new Set(ids).size, site).toBe(ids.length);
      const published = events.filter((e) => e.type === "document.published").map((e) => e.itemKey);
      expect(new Set(published).size, site).toBe(published.length);
      expect(receiver.anomalies(site), site).toEqual([]);
      expect(events.length, site).toBe(await prisma.delivery.count({ where: { siteId: site, lastStatus: { not: null } } }));
    }

    // Split: runs were owned by at least two processes, and deliveries sent by at least two.
    const owners = new Set((await runsOf({ OR: [{ id: { in: runIds } }, { requestedBy: { startsWith: "resume of" } }] })).map(ownerOf));
    expect(owners.size).toBeGreaterThanOrEqual(2);
    const sentBy = await Promise.all(survivors.map((h) => counter(h, "portalsync_deliveries_total", { outcome: "delivered" })));
    const senders = [deliveredByVictim, ...sentBy].filter((n) => n > 0).length;
    expect(senders).toBeGreaterThanOrEqual(2);
    console.log(
      `multi-hub: run owners ${owners.size}, deliveries per process ${JSON.stringify({ [victim.name]: deliveredByVictim, ...Object.fromEntries(survivors.map((h, i) => [h.name, sentBy[i]])) })}, receiver duplicates ${SITES.map((s) => receiver.snapshot(s).stats.duplicates).join("/")}`,
    );

    // The survivors stay ready.
    for (const h of survivors) expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
  });

  it("still fires each later slot once with one process gone", async () => {
    const before = (await runsOf({ sourceId: "lich", trigger: "schedule" })).length;
    await waitUntil("two more slots", async () => (await runsOf({ sourceId: "lich", trigger: "schedule" })).length >= before + 2, 20_000);
    const slots = (await runsOf({ sourceId: "lich", trigger: "schedule" })).map((r) => r.slot!.toISOString());
    expect(new Set(slots).size).toBe(slots.length);
  });
});

export type { HubProcess };
