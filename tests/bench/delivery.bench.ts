// Delivery benchmark (issue 5): 10,000 deliveries (250 documents × 40 sites)
// through the real outbox worker on the embedded database (PGlite), against
// the receiver simulator over loopback HTTP; then the same 10,000 bodies as
// bare signed HTTP POSTs to the same receiver, with the same concurrency, in
// the same process. Prints deliveries/second for both and the overhead ratio.
//
//   npx tsx tests/bench/delivery.bench.ts            (concurrency from config: 16)
//   BENCH_CONCURRENCY=64 npx tsx tests/bench/delivery.bench.ts
//   BENCH_PROFILE=1 …          time per SQL statement (parse/bind/execute) in PGlite
//   BENCH_CPUPROF=/tmp/x …     CPU profiles of the worker phase (x) and the bare phase (x.bare)

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { SourceConnector } from "../../connectors/sdk.ts";
import webhook from "../../connectors/webhook/index.ts";
import { createReceiverSimulator, serveReceiver } from "../../connectors/webhook/receiver-simulator.ts";
import { generateSecret, signatureHeader } from "../../connectors/webhook/signature.ts";
import { configSchema } from "../../src/config/index.ts";
import type { CanonicalDocument } from "../../src/core/index.ts";
import { outboxOf, startOutboxWorker } from "../../src/delivery/outbox-worker.ts";
import { contractTime } from "../../src/delivery/payload.ts";
import { createRegistry, startHub } from "../../src/hub/index.ts";
import { silentLogger } from "../../src/observability/index.ts";
import { runSync } from "../../src/pipeline/sync-run.ts";

const SITES = 40;
const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 250);
const TOTAL = SITES * DOCUMENTS;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);

const docs: CanonicalDocument[] = [];
const files = new Map<string, Uint8Array>();
for (let n = 1; n <= DOCUMENTS; n++) {
  files.set(`f${n}`, new TextEncoder().encode(`%PDF-1.7\n% benchmark document ${n}\n%%EOF\n`));
  docs.push({
    kind: "document",
    externalId: `VB-${n}`,
    number: `${n}/QĐ-UBND`,
    docType: "Quyết định",
    title: `Quyết định số ${n} về việc phê duyệt kế hoạch chuyển đổi số năm 2026 của tỉnh`,
    issuer: { code: "000.00.00.H55", name: "UBND tỉnh Quảng Ngãi" },
    issuedDate: "2026-11-20",
    signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
    field: "Thông tin và Truyền thông",
    urgency: null,
    isPublic: true,
    status: "issued",
    replacesExternalId: null,
    updatedAt: new Date(Date.UTC(2026, 10, 20, 1, 0, n)).toISOString(),
    files: [{ id: `f${n}`, name: `${n}-QĐ-UBND.pdf`, role: "main", size: null, sha256: null }],
  });
}

const source: SourceConnector<Record<string, unknown>> = {
  name: "bench-feed",
  title: "benchmark source",
  configSchema: z.record(z.string(), z.unknown()),
  create: () => ({
    check: async () => ({ ok: true, message: "ok", latencyMs: 0 }),
    async *listChanges() {
      yield { items: docs.map((item) => ({ externalId: item.externalId, updatedAt: item.updatedAt, item })), cursor: { done: true }, page: 1, total: docs.length };
    },
    fetchItem: async (id) => docs.find((d) => d.externalId === id)!,
    fetchFile: async (file) => {
      const bytes = files.get(file.id)!;
      return { body: new Blob([bytes]).stream(), mime: "application/pdf", size: bytes.length, sha256: null };
    },
  }),
};

const verifier = {
  policyKey: "bench",
  verifyFile: async () => ({
    status: "valid",
    report: { status: "valid", signatures: [{ signer: { commonName: "Phạm Quang Sự", organization: "UBND tỉnh Quảng Ngãi" }, signingTime: "2026-11-20T03:00:00Z" }] },
  }),
};

async function main() {
  const siteIds = Array.from({ length: SITES }, (_, i) => `site-${String(i + 1).padStart(2, "0")}`);
  const secrets = Object.fromEntries(siteIds.map((s) => [s, generateSecret()]));
  const sim = createReceiverSimulator({ sites: Object.fromEntries(siteIds.map((s) => [s, { secrets: [secrets[s]!] }])) });
  const receiver = await serveReceiver(sim);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-bench-delivery-"));
  const config = configSchema.parse({
    server: { port: 0 },
    dataDir,
    log: { level: "silent" },
    delivery: { concurrency },
    sources: [{ id: "bench", connector: "bench-feed", name: "Bench" }],
    sites: siteIds.map((id) => ({ id, name: id, mode: "push", endpoint: receiver.endpoint(id), secrets: [secrets[id]], sections: [{ slug: "van-ban", name: "Văn bản" }] })),
    routing: [{ id: "all", name: "All", match: { itemKind: "document" }, targets: siteIds.map((s) => `${s}/van-ban`) }],
  });
  const hub = await startHub({ config, connectors: createRegistry([source], [webhook]), log: silentLogger, verifier, schedules: false });
  try {
    // Fill the outbox with the worker stopped, so only delivery is timed.
    await outboxOf(hub.ctx)!.stop();
    const ingestStarted = performance.now();
    const run = await hub.ctx.db.prisma.syncRun.create({ data: { sourceId: "bench", trigger: "manual", requestedBy: "bench" } });
    await runSync(hub.ctx, run.id);
    const ingestMs = performance.now() - ingestStarted;
    console.error(`ingested in ${(ingestMs / 1000).toFixed(1)} s`);
    const pending = await hub.ctx.db.prisma.delivery.count({ where: { state: "pending" } });
    if (pending !== TOTAL) throw new Error(`expected ${TOTAL} pending deliveries, got ${pending}`);

    const timings = new Map<string, { n: number; ms: number }>();
    if (process.env.BENCH_PROFILE) {
      const { PGlite } = await import("@electric-sql/pglite");
      const proto = PGlite.prototype as any;
      let lastKey = "";
      const original = proto.execProtocolStream;
      proto.execProtocolStream = async function (this: unknown, message: Uint8Array, opts: unknown) {
        const t = performance.now();
        try {
          return await original.call(this, message, opts);
        } finally {
          const text = Buffer.from(message.subarray(0, 400)).toString("latin1");
          const m = /(SELECT|UPDATE|INSERT|WITH|BEGIN|COMMIT|DELETE|SET)[^\0]*/i.exec(text);
          if (m) lastKey = m[0].replace(/\s+/g, " ").slice(0, 90);
          const key = m ? lastKey : `${text.slice(0, 1)} ${lastKey}`;
          const e = timings.get(key) ?? { n: 0, ms: 0 };
          e.n++;
          e.ms += performance.now() - t;
          timings.set(key, e);
        }
      };
    }
    let session: import("node:inspector").Session | null = null;
    if (process.env.BENCH_CPUPROF) {
      const inspector = await import("node:inspector");
      session = new inspector.Session();
      session.connect();
      await new Promise((r) => session!.post("Profiler.enable", () => session!.post("Profiler.start", r)));
    }
    const started = performance.now();
    const worker = startOutboxWorker(hub.ctx, { baseUrl: hub.url });
    const progress = setInterval(() => {
      const got = siteIds.reduce((sum, s) => sum + sim.events(s).length, 0);
      console.error(`  … ${got} received after ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }, 5_000);
    await worker.idle();
    const workerMs = performance.now() - started;
    clearInterval(progress);
    if (session) {
      const { writeFileSync } = await import("node:fs");
      await new Promise<void>((r) => session!.post("Profiler.stop", (err, res) => { writeFileSync(process.env.BENCH_CPUPROF!, JSON.stringify(res.profile)); r(); }));
    }
    for (const [k, v] of [...timings].sort((a, b) => b[1].ms - a[1].ms)) console.error(`  sql ${v.n}× ${v.ms.toFixed(0)} ms  ${k}`);
    await worker.stop();
    const delivered = await hub.ctx.db.prisma.delivery.count({ where: { state: "delivered" } });
    const received = siteIds.reduce((sum, s) => sum + sim.events(s).length, 0);
    const anomalies = siteIds.reduce((sum, s) => sum + sim.anomalies(s).length, 0);
    if (delivered !== TOTAL || received !== TOTAL || anomalies !== 0) {
      throw new Error(`worker run incomplete: delivered ${delivered}, received ${received}, anomalies ${anomalies}`);
    }

    // The same bodies (data as the portal received it), same webhook-ids and
    // signing, with the receiver's memory cleared so each is processed afresh.
    const messages = siteIds.flatMap((site) =>
      sim.events(site).map((e) => ({ site, id: e.webhookId, body: JSON.stringify({ type: e.type, timestamp: contractTime(new Date(e.timestamp * 1000)), data: e.data }) })),
    );
    sim.clear();
    let next = 0;
    let failures = 0;
    if (session) await new Promise((r) => session!.post("Profiler.start", r));
    const bareStarted = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < messages.length) {
          const m = messages[next++]!;
          const timestamp = Math.floor(Date.now() / 1000);
          const res = await fetch(receiver.endpoint(m.site), {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "webhook-id": m.id,
              "webhook-timestamp": String(timestamp),
              "webhook-signature": signatureHeader([secrets[m.site]!], m.id, timestamp, m.body),
            },
            body: m.body,
          });
          await res.arrayBuffer();
          if (!res.ok) failures++;
        }
      }),
    );
    const bareMs = performance.now() - bareStarted;
    if (session) {
      const { writeFileSync } = await import("node:fs");
      await new Promise<void>((r) => session!.post("Profiler.stop", (err, res) => { writeFileSync(`${process.env.BENCH_CPUPROF}.bare`, JSON.stringify(res.profile)); r(); }));
    }
    if (failures > 0) throw new Error(`${failures} bare POSTs failed`);

    const avgBody = Math.round(messages.reduce((s, m) => s + Buffer.byteLength(m.body), 0) / messages.length);
    const workerRate = TOTAL / (workerMs / 1000);
    const bareRate = TOTAL / (bareMs / 1000);
    console.log(`delivery benchmark: ${TOTAL} deliveries (${DOCUMENTS} documents × ${SITES} sites), concurrency ${concurrency}, average body ${avgBody} bytes, PGlite`);
    console.log(`  ingest (not part of the comparison): ${(ingestMs / 1000).toFixed(1)} s`);
    console.log(`  outbox worker:   ${(workerMs / 1000).toFixed(2)} s  ${workerRate.toFixed(0)} deliveries/s`);
    console.log(`  bare HTTP POSTs: ${(bareMs / 1000).toFixed(2)} s  ${bareRate.toFixed(0)} deliveries/s`);
    console.log(`  overhead: ${(workerMs / bareMs).toFixed(2)}× the bare time`);
  } finally {
    await hub.stop();
    await receiver.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
