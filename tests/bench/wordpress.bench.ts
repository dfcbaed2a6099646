// WordPress delivery benchmark (issue 11): DOCUMENTS documents (one signed PDF
// each) delivered by the hub's outbox worker into a REAL WordPress (Debian's
// package under php -S with PHP_CLI_SERVER_WORKERS, on MariaDB), then the same
// REST calls made by a bare script against the same WordPress, with the same
// concurrency, in the same run. The calls a new document costs are the
// connector's: find the post by slug, create the draft, find the file by its
// hash slug, upload it attached to the post, publish; plus one sign-in and one
// category look-up per client. Prints deliveries/second for both and the ratio.
//
// The bare script runs FIRST, the hub second, so the hub writes into the larger
// database (that favours the bare script, if anything).
//
//   npm run bench -- wordpress            (40 documents, concurrency 4)
//   BENCH_DOCUMENTS=80 BENCH_CONCURRENCY=8 npm run bench -- wordpress

import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { SourceConnector } from "../../connectors/sdk.ts";
import wordpress from "../../connectors/wordpress/index.ts";
import { documentPost, mediaSlug, postSlug, uploadFileName } from "../../connectors/wordpress/mapping.ts";
import { configSchema } from "../../src/config/index.ts";
import type { CanonicalDocument } from "../../src/core/index.ts";
import { outboxOf, startOutboxWorker } from "../../src/delivery/outbox-worker.ts";
import { createRegistry, startHub } from "../../src/hub/index.ts";
import { silentLogger } from "../../src/observability/index.ts";
import { runSync } from "../../src/pipeline/sync-run.ts";
import { startWordPress, wordpressUnavailable } from "../support/wordpress.ts";

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 40);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const FILE_BYTES = 60_000;

function makeDocs(prefix: string) {
  const docs: CanonicalDocument[] = [];
  const files = new Map<string, Uint8Array>();
  for (let n = 1; n <= DOCUMENTS; n++) {
    const head = `%PDF-1.7\n% ${prefix} benchmark document ${n}\n`;
    files.set(`${prefix}f${n}`, new TextEncoder().encode(head + "0".repeat(FILE_BYTES - head.length - 6) + "\n%%EOF"));
    docs.push({
      kind: "document", externalId: `${prefix}-${n}`, number: `${n}/QĐ-UBND`, docType: "Quyết định",
      title: `Quyết định số ${n} về việc phê duyệt kế hoạch chuyển đổi số năm 2026 (${prefix})`,
      issuer: { code: "000.00.00.H55", name: "UBND tỉnh Quảng Ngãi" }, issuedDate: "2026-11-20",
      signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" }, field: "Thông tin và Truyền thông", urgency: null,
      isPublic: true, status: "issued", replacesExternalId: null, updatedAt: new Date(Date.UTC(2026, 10, 20, 1, 0, n)).toISOString(),
      files: [{ id: `${prefix}f${n}`, name: `${n}-QĐ-UBND.pdf`, role: "main", size: null, sha256: null }],
    });
  }
  return { docs, files };
}

const hubDocs = makeDocs("hub");
const source: SourceConnector<Record<string, unknown>> = {
  name: "bench-feed",
  title: "benchmark source",
  configSchema: z.record(z.string(), z.unknown()),
  create: () => ({
    check: async () => ({ ok: true, message: "ok", latencyMs: 0 }),
    async *listChanges() {
      yield { items: hubDocs.docs.map((item) => ({ externalId: item.externalId, updatedAt: item.updatedAt, item })), cursor: { done: true }, page: 1, total: DOCUMENTS };
    },
    fetchItem: async (id) => hubDocs.docs.find((d) => d.externalId === id)!,
    fetchFile: async (file) => {
      const bytes = hubDocs.files.get(file.id)!;
      return { body: new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), mime: "application/pdf", size: bytes.length, sha256: null };
    },
  }),
};
const verifier = { policyKey: "bench", verifyFile: async () => ({ status: "valid", report: { status: "valid", signatures: [] } }) };

async function main() {
  const unavailable = await wordpressUnavailable();
  if (unavailable) throw new Error(`no real WordPress here: ${unavailable}`);
  const wp = await startWordPress({ workers: concurrency });
  const auth = `Basic ${Buffer.from(`${wp.username}:${wp.applicationPassword}`).toString("base64")}`;
  const api = `${wp.url}/wp-json/wp/v2`;
  const call = async (method: string, p: string, init: { json?: unknown; body?: Uint8Array; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${api}${p}`, {
      method,
      headers: { authorization: auth, ...(init.json !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
      body: init.json !== undefined ? JSON.stringify(init.json) : (init.body as Uint8Array<ArrayBuffer> | undefined),
    });
    const json = (await res.json()) as any;
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
    return json;
  };
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-bench-wp-"));
  try {
    // ─── Bare script: the same calls per document, same concurrency ───
    const bare = makeDocs("bare");
    const bareStarted = performance.now();
    await call("GET", "/users/me?context=edit&_fields=name,roles,capabilities");
    const found = await call("GET", "/categories?slug=van-ban-bare&_fields=id");
    const category = found[0]?.id ?? (await call("POST", "/categories", { json: { name: "Văn bản (bare)", slug: "van-ban-bare" } })).id;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bare.docs.length) {
          const doc = bare.docs[next++]!;
          const bytes = bare.files.get(doc.files[0]!.id)!;
          const sha = createHash("sha256").update(bytes).digest("hex");
          const data = { number: doc.number, docType: doc.docType, title: doc.title, issuer: doc.issuer.name, signer: doc.signer, issuedAt: doc.issuedDate, field: doc.field, signature: { status: "valid" } };
          const slug = postSlug(`bare-${doc.externalId}`);
          await call("GET", `/posts?slug=${slug}&status=any&context=edit&_fields=id,link,slug,status,title,content`);
          const draft = documentPost(data, []);
          const post = await call("POST", "/posts", { json: { slug, status: "draft", title: draft.title, content: draft.content, categories: [category] } });
          await call("GET", `/media?slug=${mediaSlug(sha)}&_fields=id,source_url,post`);
          const q = new URLSearchParams({ slug: mediaSlug(sha), title: doc.files[0]!.name, post: String(post.id) });
          const media = await call("POST", `/media?${q}`, { body: bytes, headers: { "content-type": "application/pdf", "content-disposition": `attachment; filename="${uploadFileName(doc.files[0]!.name)}"` } });
          const final = documentPost(data, [{ name: doc.files[0]!.name, role: "main", sha256: sha, url: media.source_url }]);
          await call("POST", `/posts/${post.id}`, { json: { status: "publish", title: final.title, content: final.content, categories: [category], slug } });
        }
      }),
    );
    const bareMs = performance.now() - bareStarted;

    // ─── The hub: ingest with the worker stopped, then time the worker alone ───
    const config = configSchema.parse({
      server: { port: 0 }, dataDir, log: { level: "silent" },
      delivery: { concurrency, timeoutMs: 60_000 },
      sources: [{ id: "bench", connector: "bench-feed", name: "Bench" }],
      sites: [{
        id: "wp", name: "WordPress", mode: "push", connector: "wordpress",
        options: { baseUrl: wp.url, username: wp.username, applicationPassword: wp.applicationPassword },
        sections: [{ slug: "van-ban", name: "Văn bản" }],
      }],
      routing: [{ id: "all", name: "All", match: { itemKind: "document" }, targets: ["wp/van-ban"] }],
    });
    const hub = await startHub({ config, connectors: createRegistry([source], [wordpress]), log: silentLogger, verifier, schedules: false });
    let workerMs: number;
    try {
      await outboxOf(hub.ctx)!.stop();
      const run = await hub.ctx.db.prisma.syncRun.create({ data: { sourceId: "bench", trigger: "manual", requestedBy: "bench" } });
      await runSync(hub.ctx, run.id);
      const pending = await hub.ctx.db.prisma.delivery.count({ where: { state: "pending" } });
      if (pending !== DOCUMENTS) throw new Error(`expected ${DOCUMENTS} pending deliveries, got ${pending}`);
      const started = performance.now();
      const worker = startOutboxWorker(hub.ctx, { baseUrl: hub.url, perSiteConcurrency: concurrency });
      await worker.idle();
      workerMs = performance.now() - started;
      await worker.stop();
      const delivered = await hub.ctx.db.prisma.delivery.count({ where: { state: "delivered" } });
      if (delivered !== DOCUMENTS) {
        const bad = await hub.ctx.db.prisma.delivery.findFirst({ where: { state: { not: "delivered" } } });
        throw new Error(`hub run incomplete: ${delivered} delivered; e.g. ${bad?.state} ${bad?.lastError}`);
      }
    } finally {
      await hub.stop();
    }
    const published = await (await fetch(`${api}/posts?per_page=1`)).headers.get("x-wp-total");
    if (Number(published) !== 2 * DOCUMENTS) throw new Error(`expected ${2 * DOCUMENTS} public posts, WordPress lists ${published}`);

    const hubRate = DOCUMENTS / (workerMs / 1000);
    const bareRate = DOCUMENTS / (bareMs / 1000);
    console.log(`wordpress benchmark: ${DOCUMENTS} documents (one ${FILE_BYTES}-byte PDF each) into a real WordPress (php -S, ${concurrency} PHP workers, MariaDB), concurrency ${concurrency}`);
    console.log(`  bare REST calls: ${(bareMs / 1000).toFixed(2)} s  ${bareRate.toFixed(2)} deliveries/s`);
    console.log(`  hub (outbox worker + wordpress connector): ${(workerMs / 1000).toFixed(2)} s  ${hubRate.toFixed(2)} deliveries/s`);
    console.log(`  ratio: the hub takes ${(workerMs / bareMs).toFixed(2)}× the bare time (goal: within 1.5×)`);
  } finally {
    await wp.stop();
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
