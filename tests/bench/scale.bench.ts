// Scale-out: throughput of ingest + delivery with 1, 2 and 3 `portalsync serve`
// processes on one PostgreSQL, the same workload for each, in one run.
//
//   npx tsx tests/bench/scale.bench.ts [--docs N] [--sources N] [--hubs 1,2,3]
//
// Workload: S iOffice simulators (signed PDFs, built and cached before timing
// starts) with N documents each, one manual run per source triggered at once,
// every public document pushed to two portal sites on a receiver simulator.
// Timed: from the first trigger until every run ended and every delivery is
// delivered. Each process count gets a fresh database and blob directory.
// Needs PostgreSQL (PORTALSYNC_TEST_DATABASE_URL, default the local server).

import os from "node:os";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { createReceiverSimulator, serveReceiver } from "../../connectors/webhook/receiver-simulator.ts";
import { generateSecret } from "../../connectors/webhook/signature.ts";
import { startCluster, waitUntil } from "../support/cluster.ts";
import { serveApp, TEST_CA_DIR, type Served } from "../support/hub.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const DOCS = Number(arg("docs", "80"));
const SOURCES = Number(arg("sources", "6"));
const HUBS = arg("hubs", "1,2,3").split(",").map(Number);
const CLIENT = { clientId: "portalsync-bench", clientSecret: "simulator-secret-123" };
const SITES = ["tinh", "huyen"];

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
  hubs: number;
  seconds: number;
  docs: number;
  deliveries: number;
  docsPerSecond: number;
  deliveriesPerSecond: number;
}
const results: Result[] = [];

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
    const docs = await prisma.documentVersion.count();
    const deliveries = await prisma.delivery.count({ where: { state: "delivered" } });
    const failed = await prisma.syncRun.count({ where: { status: { not: "succeeded" } } });
    if (failed > 0 || docs !== SOURCES * DOCS) throw new Error(`bad run: ${failed} runs not succeeded, ${docs} of ${SOURCES * DOCS} documents`);
    const rss = (await Promise.all(cluster.hubs.map((h) => h.rss()))).map((b) => Math.round((b ?? 0) / 2 ** 20));
    results.push({ hubs: n, seconds, docs, deliveries, docsPerSecond: docs / seconds, deliveriesPerSecond: deliveries / seconds });
    console.log(`${n} process(es): ${docs} documents + ${deliveries} deliveries in ${seconds.toFixed(1)} s — ${(docs / seconds).toFixed(1)} docs/s, ${(deliveries / seconds).toFixed(1)} deliveries/s; RSS per hub ${rss.join(", ")} MiB`);
  } finally {
    await cluster.close();
  }
}

const base = results.find((r) => r.hubs === 1) ?? results[0]!;
console.log(`\nmachine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB; workload: ${SOURCES} sources × ${DOCS} signed documents, 2 push sites`);
console.log("| processes | seconds | docs/s | deliveries/s | scaling vs 1 |");
console.log("|---|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.hubs} | ${r.seconds.toFixed(1)} | ${r.docsPerSecond.toFixed(1)} | ${r.deliveriesPerSecond.toFixed(1)} | ${(r.docsPerSecond / base.docsPerSecond).toFixed(2)}× |`);
}
for (const s of served) await s.close();
await receiverServed.close();
process.exit(0);
