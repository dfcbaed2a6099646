// Scale-out: throughput of ingest + delivery with 1, 2 and 3 `portalsync serve`
// processes on one PostgreSQL, the same workload for each, in one run.
//
//   npx tsx tests/bench/scale.bench.ts [--docs N] [--sources N] [--hubs 1,2,3] [--latency MS]
//
// Two scenarios, each with 1, 2 and 3 processes:
//   cpu-bound      the simulators answer at once: the hubs, PostgreSQL and the
//                  simulators compete for this machine's CPUs, so the ratio
//                  shows what more processes add on the same cores;
//   source latency every source request takes --latency ms (default 100, a
//                  provincial LGSP gateway): the hubs mostly wait, and
//                  processes add throughput until the CPUs run out.
//
// Workload: S iOffice simulators (signed PDFs, built and cached before timing
// starts) with N documents each, one manual run per source triggered at once,
// every public document pushed to two portal sites on a receiver simulator.
// Timed: from the first trigger until every run ended and every delivery is
// delivered. Each process count gets a fresh database and blob directory.
// Needs PostgreSQL (PORTALSYNC_TEST_DATABASE_URL, default the local server).

import os from "node:os";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { setSignedPdfCacheLimit } from "../../connectors/sim-kit/signed-pdf.ts";
import { createReceiverSimulator, serveReceiver } from "../../connectors/webhook/receiver-simulator.ts";
import { generateSecret } from "../../connectors/webhook/signature.ts";
import { startCluster, waitUntil } from "../support/cluster.ts";
import { serveApp, TEST_CA_DIR, type Served } from "../support/hub.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
// 6 × 300 documents: long enough (tens of seconds for one process) that
// start-up and polling do not dominate the figures
const DOCS = Number(arg("docs", "300"));
const SOURCES = Number(arg("sources", "6"));
const HUBS = arg("hubs", "1,2,3").split(",").map(Number);
const LATENCY_MS = Number(arg("latency", "100"));
const CLIENT = { clientId: "portalsync-bench", clientSecret: "simulator-secret-123" };
const SITES = ["tinh", "huyen"];

// every file stays built (~100 KB each): see the comment in the loop below
setSignedPdfCacheLimit(2 * 1024 ** 3);
const sims: IofficeSimulator[] = [];
const served: Served[] = [];
for (let i = 0; i < SOURCES; i++) {
  const sim = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 500 + i, count: DOCS, startAt: `2026-${String(i + 1).padStart(2, "0")}-05T08:00:00+07:00`, ...CLIENT });
  // Build every file now: the simulator signs PDFs on first request, which
  // would otherwise time this process rather than the hubs.
  for (const id of sim.ids()) for (const f of sim.document(id)!.tep_dinh_kem) await sim.fileBytes(f.id);
  sims.push(sim);
  served.push(await serveApp(sim.app));
}
const secrets = Object.fromEntries(SITES.map((s) => [s, generateSecret()]));
const receiver = createReceiverSimulator({ sites: Object.fromEntries(SITES.map((s) => [s, { secrets: [secrets[s]!] }])) });
const receiverServed = await serveReceiver(receiver);

interface Result {
  scenario: string;
  hubs: number;
  seconds: number;
  docs: number;
  deliveries: number;
  docsPerSecond: number;
  deliveriesPerSecond: number;
  /** CPU seconds of all hub processes per 1,000 documents (ingest + delivery) */
  hubCpuPer1000: number;
  /** share of the machine's CPU time in use while timed (hubs, PostgreSQL, simulators) */
  machineBusy: number;
}

/** Busy and total CPU time of the whole machine so far, from /proc/stat (clock ticks). */
async function machineCpu(): Promise<{ busy: number; total: number }> {
  const { readFile } = await import("node:fs/promises");
  const cpu = (await readFile("/proc/stat", "utf8")).split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}
const results: Result[] = [];
const scenarios = [
  { name: "cpu-bound", latencyMs: 0 },
  ...(LATENCY_MS > 0 ? [{ name: `source latency ${LATENCY_MS} ms`, latencyMs: LATENCY_MS }] : []),
];

for (const scenario of scenarios) {
  for (const sim of sims) {
    sim.faults.reset();
    if (scenario.latencyMs > 0) sim.faults.set({ slow: { ms: scenario.latencyMs } });
  }
  for (const n of HUBS) {
    receiver.clear();
    const cluster = await startCluster({
      hubs: n,
      prefix: "portalsync_bench",
      config: {
        verify: { trust: [TEST_CA_DIR] },
        sources: sims.map((_, i) => ({ id: `src-${i}`, connector: "ioffice", name: `iOffice ${i}`, options: { baseUrl: served[i]!.url, ...CLIENT, pageSize: 20 } })),
        sites: SITES.map((s) => ({ id: s, name: s, mode: "push", endpoint: receiverServed.endpoint(s), secrets: [{ env: `SITE_${s.toUpperCase()}_SECRET` }], sections: [{ slug: "van-ban", name: "Văn bản" }] })),
        routing: [{ id: "all", name: "all", match: { itemKind: "document" }, targets: SITES.map((s) => `${s}/van-ban`) }],
      },
      env: Object.fromEntries(SITES.map((s) => [`SITE_${s.toUpperCase()}_SECRET`, secrets[s]!])),
    });
    try {
      const prisma = cluster.db.prisma;
      const cpuBefore = await Promise.all(cluster.hubs.map((h) => h.cpuSeconds()));
      const machineBefore = await machineCpu();
      const started = performance.now();
      await Promise.all(
        sims.map(async (_, i) => {
          const res = await cluster.api(cluster.hubs[i % n]!, `/api/v1/sources/src-${i}/runs`, { json: { trigger: "manual" } });
          if (res.status !== 202) throw new Error(`trigger failed: ${res.status} ${await res.text()}`);
        }),
      );
      await waitUntil("every run to end", async () => (await prisma.syncRun.count({ where: { status: { in: ["queued", "running"] } } })) === 0, 480_000, 100);
      await waitUntil("every delivery delivered", async () => (await prisma.delivery.count({ where: { state: { notIn: ["delivered", "dead", "held", "rejected"] } } })) === 0, 480_000, 100);
      const seconds = (performance.now() - started) / 1000;
      const machineAfter = await machineCpu();
      const cpuAfter = await Promise.all(cluster.hubs.map((h) => h.cpuSeconds()));
      const hubCpu = cpuAfter.reduce<number>((sum, c, i) => sum + ((c ?? 0) - (cpuBefore[i] ?? 0)), 0);
      const busy = (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total);
      const docs = await prisma.documentVersion.count();
      const deliveries = await prisma.delivery.count({ where: { state: "delivered" } });
      const failed = await prisma.syncRun.count({ where: { status: { not: "succeeded" } } });
      if (failed > 0 || docs !== SOURCES * DOCS) throw new Error(`bad run: ${failed} runs not succeeded, ${docs} of ${SOURCES * DOCS} documents`);
      const rss = (await Promise.all(cluster.hubs.map((h) => h.rss()))).map((b) => Math.round((b ?? 0) / 2 ** 20));
      results.push({ scenario: scenario.name, hubs: n, seconds, docs, deliveries, docsPerSecond: docs / seconds, deliveriesPerSecond: deliveries / seconds, hubCpuPer1000: (hubCpu / docs) * 1000, machineBusy: busy });
      console.log(
        `${scenario.name}, ${n} process(es): ${docs} documents + ${deliveries} deliveries in ${seconds.toFixed(1)} s — ${(docs / seconds).toFixed(1)} docs/s, ${(deliveries / seconds).toFixed(1)} deliveries/s; ` +
          `hub CPU ${hubCpu.toFixed(1)} s (${((hubCpu / docs) * 1000).toFixed(1)} s per 1,000 documents); all CPUs ${(busy * 100).toFixed(0)} % busy; RSS per hub ${rss.join(", ")} MiB`,
      );
    } finally {
      await cluster.close();
    }
  }
}

console.log(`\nmachine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB; workload: ${SOURCES} sources × ${DOCS} signed documents, 2 push sites`);
console.log("| scenario | processes | seconds | docs/s | deliveries/s | scaling vs 1 | hub CPU s per 1,000 docs | machine CPU busy |");
console.log("|---|---|---|---|---|---|---|---|");
for (const r of results) {
  const base = results.find((b) => b.scenario === r.scenario && b.hubs === 1) ?? results.find((b) => b.scenario === r.scenario)!;
  console.log(
    `| ${r.scenario} | ${r.hubs} | ${r.seconds.toFixed(1)} | ${r.docsPerSecond.toFixed(1)} | ${r.deliveriesPerSecond.toFixed(1)} | ${(r.docsPerSecond / base.docsPerSecond).toFixed(2)}× | ${r.hubCpuPer1000.toFixed(1)} | ${(r.machineBusy * 100).toFixed(0)} % |`,
  );
}
// With every CPU busy, more processes cannot add throughput: the ratio then
// measures contention, not the design. The per-document CPU cost is what
// carries over to a machine with more cores.
if (results.some((r) => r.machineBusy > 0.9)) console.log(`note: the machine's ${os.cpus().length} CPUs were over 90 % busy; throughput is CPU-bound here`);
for (const s of served) await s.close();
await receiverServed.close();
process.exit(0);
