// Public verification benchmark (issue 14), on the embedded database (PGlite)
// with the real HTTP server and verifier:
//  1. hash look-ups (GET /api/v1/public/verify/{sha256}) against 10,000
//     published documents on 4 sites (40,000 delivery rows), seeded by SQL:
//     median and p95 over HTTP, and the database part alone (in process);
//  2. a 3 MB signed PDF uploaded (POST multipart) against two baselines on the
//     same bytes, alternating, medians: the verifier alone, and the very same
//     request sent to a bare node:http server that only reads the body (the
//     transport: the client's multipart encoding and loopback). What the hub
//     adds beyond the transport is compared with the verifier's own time, for
//     bytes the hub never saw and for bytes of a published document; once with
//     the client in the hub's process, once with it on a thread of its own;
//  3. the same for signed PDFs of 1, 3 and 12 MB (client on its own thread):
//     how what the hub adds grows with the size, per MB, against how the
//     verifier's own time grows. "Bounded by the verifier's speed" means the
//     hub's per-MB cost is no more than the verifier's (one pass over the
//     bytes, during the transfer), leaving a fixed cost per request.
//
//   npm run bench -- public-verify
//   BENCH_DOCUMENTS=20000 BENCH_LOOKUPS=2000 BENCH_UPLOADS=15 …

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Worker } from "node:worker_threads";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { builtinSources, builtinTargets } from "../../connectors/index.ts";
import { makeSignedPdf } from "../../connectors/sim-kit/signed-pdf.ts";
import { publicVerificationOf, sha256Hex } from "../../src/api/public-verify.ts";
import { configSchema } from "../../src/config/index.ts";
import { createRegistry, startHub } from "../../src/hub/index.ts";
import { createFileVerifier } from "../../src/hub/verifier.ts";
import { silentLogger } from "../../src/observability/index.ts";
import { REPO_ROOT } from "../support/cli-process.ts";
import { TEST_CA_DIR } from "../support/hub.ts";

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 10_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 1_000);
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 41);
const SCALE_MB = (process.env.BENCH_SCALE_MB ?? "1,3,12").split(",").map(Number);
const SITES = 4;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

type Client = (url: string, which: "unknown" | "published") => Promise<{ ms: number; status: number; body: { signature?: { status: string }; published?: unknown[] } }>;

/**
 * The same request as `post` below, from a thread of its own (plain JavaScript:
 * no TypeScript loader in the worker): one of the PDFs it was started with, or
 * one sent along (copied into the worker before its clock starts).
 */
const CLIENT_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
parentPort.on("message", async ({ id, url, which, pdf }) => {
  const start = performance.now();
  const form = new FormData();
  form.append("file", new Blob([pdf ?? workerData[which]], { type: "application/pdf" }), "bench.pdf");
  const res = await fetch(url, { method: "POST", body: form });
  const body = await res.json();
  parentPort.postMessage({ id, ms: performance.now() - start, status: res.status, body });
});
`;

const dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-bench-public-"));
const config = configSchema.parse({
  server: { port: 0 },
  dataDir,
  log: { level: "silent" },
  verify: { trust: [path.join(REPO_ROOT, "trust"), TEST_CA_DIR] },
  publicVerify: { lookups: { max: 1_000_000 }, uploads: { max: 1_000_000 } },
  sites: Array.from({ length: SITES }, (_, i) => ({ id: `site-${i}`, name: `Trang ${i}`, mode: "pull", sections: [{ slug: "van-ban", name: "Văn bản" }] })),
});
const verifier = await createFileVerifier(config, silentLogger);
const hub = await startHub({ config, connectors: createRegistry(builtinSources, builtinTargets), log: silentLogger, verifier, schedules: false });
const sql = hub.ctx.db.sql;

try {
  // ─── Seed ───
  let t0 = performance.now();
  const hash = `encode(sha256(convert_to('bench-' || g, 'UTF8')), 'hex')`;
  const report = JSON.stringify({ status: "valid", signatures: [{ signer: { commonName: "Phạm Quang Sự", organization: "UBND tỉnh Quảng Ngãi" }, signingTime: "2026-11-20T03:00:00Z", indication: "TOTAL_PASSED", subIndication: null, laterChanges: "none", coversWholeDocument: true, messages: [] }] });
  await sql.transaction(async (tx) => {
    await tx.query(`INSERT INTO "Blob" (sha256, size, mime) SELECT ${hash}, 100000, 'application/pdf' FROM generate_series(1, $1::int) g`, [DOCUMENTS]);
    await tx.query(
      `INSERT INTO "Document" (id, "identityKey", "numberKey", number, title, "issuerName", "issuedDate", "isPublic", "updatedAt")
       SELECT 'doc-' || g, 'key-' || g, g || '/qd-ubnd', g || '/QĐ-UBND', 'Quyết định số ' || g || ' về việc phê duyệt kế hoạch chuyển đổi số',
         'UBND tỉnh Quảng Ngãi', DATE '2026-11-20', true, now() FROM generate_series(1, $1::int) g`,
      [DOCUMENTS],
    );
    await tx.query(
      `INSERT INTO "DocumentVersion" (id, "documentId", version, "contentHash", metadata, "signatureStatus")
       SELECT 'ver-' || g, 'doc-' || g, 1, 'ch-' || g, '{}'::jsonb, 'valid' FROM generate_series(1, $1::int) g`,
      [DOCUMENTS],
    );
    await tx.query(
      `INSERT INTO "FileAttachment" (id, "blobSha256", name, role, "documentVersionId")
       SELECT 'fa-' || g, ${hash}, g || '.pdf', 'main', 'ver-' || g FROM generate_series(1, $1::int) g`,
      [DOCUMENTS],
    );
    await tx.query(
      `INSERT INTO "Delivery" (id, "siteId", "sectionId", "itemKind", "itemId", "documentVersionId", event, "dedupKey", "messageId", state, "deliveredAt", "publishedAt", "updatedAt")
       SELECT 'del-' || g || '-' || s.id, s."siteId", s.id, 'document', 'doc-' || g, 'ver-' || g, 'document.published',
         s.id || '|document.published|ver-' || g, gen_random_uuid()::text, 'delivered', now(), now(), now()
       FROM generate_series(1, $1::int) g CROSS JOIN "Section" s`,
      [DOCUMENTS],
    );
    await tx.query(
      `INSERT INTO "SignatureReport" (id, "blobSha256", "policyKey", status, report)
       SELECT 'sr-' || g, ${hash}, $2, 'valid', $3::jsonb FROM generate_series(1, $1::int) g`,
      [DOCUMENTS, verifier.policyKey, report],
    );
    await tx.exec(`ANALYZE`);
  });
  const { rows } = await sql.query<{ sha256: string }>(`SELECT sha256 FROM "Blob"`);
  const hashes = rows.map((r) => r.sha256);
  const deliveries = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Delivery"`)).rows[0]!.n;
  console.log(`seeded ${hashes.length} published documents, ${deliveries} delivery rows in ${Math.round(performance.now() - t0)} ms`);

  // ─── Look-ups ───
  const service = publicVerificationOf(hub.ctx);
  const pick = (i: number) => hashes[(i * 7919) % hashes.length]!;
  for (let i = 0; i < 50; i++) await (await fetch(`${hub.url}/api/v1/public/verify/${pick(i)}`)).arrayBuffer(); // warm-up
  const http: number[] = [];
  const direct: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    t0 = performance.now();
    const res = await fetch(`${hub.url}/api/v1/public/verify/${pick(i + 50)}`);
    const body = (await res.json()) as { published: unknown[] };
    http.push(performance.now() - t0);
    if (res.status !== 200 || body.published.length !== SITES) throw new Error(`look-up ${i}: ${res.status}, ${body.published.length} places`);
    t0 = performance.now();
    await service.lookup(pick(i + 51));
    direct.push(performance.now() - t0);
    t0 = performance.now();
    await (await fetch(`${hub.url}/api/v1/public/verify/${"0".repeat(60)}${String(i % 10_000).padStart(4, "0")}`)).json();
    unknown.push(performance.now() - t0);
  }
  console.log(`hash look-up over HTTP (published, ${SITES} places): median ${ms(median(http))}, p95 ${ms(pct(http, 0.95))} over ${LOOKUPS} (goal ≤ 20 ms median)`);
  console.log(`  in process (database and answer, no HTTP): median ${ms(median(direct))}, p95 ${ms(pct(direct, 0.95))}`);
  console.log(`  unknown bytes over HTTP: median ${ms(median(unknown))}`);

  // ─── Upload of a 3 MB signed PDF vs the verifier alone ───
  // Two PDFs of the same size: one the hub never saw, and one attached to a
  // published document (its places are looked up and answered).
  const makePdf = (number: string) => makeSignedPdf({ title: "Quyết định benchmark", number, issuer: "UBND tỉnh Quảng Ngãi", date: "2026-11-20", targetBytes: 3 * 1024 * 1024 });
  const file = path.join(dataDir, "bench-3mb.pdf");
  await writeFile(file, await makePdf("1/QĐ-UBND"));
  const bytes = readFileSync(file);
  const published = Buffer.from(await makePdf("2/QĐ-UBND"));
  const publishedSha = sha256Hex(published);
  await sql.query(`INSERT INTO "Blob" (sha256, size, mime) VALUES ($1, $2, 'application/pdf')`, [publishedSha, published.length]);
  await sql.query(`INSERT INTO "FileAttachment" (id, "blobSha256", name, role, "documentVersionId") VALUES ('fa-bench', $1, 'bench.pdf', 'main', 'ver-1')`, [publishedSha]);
  const post = async (url: string, pdf: Uint8Array) => {
    const form = new FormData();
    form.append("file", new Blob([pdf], { type: "application/pdf" }), "bench.pdf");
    const res = await fetch(url, { method: "POST", body: form });
    return { status: res.status, body: (await res.json()) as { signature?: { status: string }; published?: unknown[] } };
  };
  const sink = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
  const hubUrl = `${hub.url}/api/v1/public/verify`;
  const pdfs = { unknown: bytes, published };

  // The client in the hub's own process (its encoding and the hub's receiving
  // share one thread, so nothing the hub does while bytes arrive is hidden),
  // and on a thread of its own, as a real client is: there the hub's work on
  // arriving bytes overlaps the sending, as it does with a client on a network.
  const inProcess: Client = async (url, which) => {
    const start = performance.now();
    const r = await post(url, pdfs[which]);
    return { ms: performance.now() - start, ...r };
  };
  const thread = new Worker(CLIENT_THREAD, { eval: true, workerData: pdfs });
  let nextId = 0;
  const replies = new Map<number, (r: Awaited<ReturnType<Client>>) => void>();
  thread.on("message", (m: { id: number } & Awaited<ReturnType<Client>>) => replies.get(m.id)!(m));
  const onThread: Client = (url, which) =>
    new Promise((resolve) => {
      const id = nextId++;
      replies.set(id, resolve);
      thread.postMessage({ id, url, which });
    });

  for (const [label, client] of [["client in the hub's process", inProcess], ["client on its own thread", onThread]] as const) {
    const upload = async (which: keyof typeof pdfs, places: number) => {
      const r = await client(hubUrl, which);
      if (r.status !== 200 || r.body.signature?.status !== "valid" || r.body.published?.length !== places) throw new Error(`upload: ${r.status} ${JSON.stringify(r.body)}`);
      return r.ms;
    };
    for (let i = 0; i < 5; i++) {
      await upload("unknown", 0);
      await upload("published", SITES);
      await client(sinkUrl, "unknown");
      await verifier.verifyFile(file);
    }
    const up: number[] = [];
    const upPublished: number[] = [];
    const alone: number[] = [];
    const transport: number[] = [];
    for (let i = 0; i < UPLOADS; i++) {
      const start = performance.now();
      await verifier.verifyFile(file);
      alone.push(performance.now() - start);
      transport.push((await client(sinkUrl, "unknown")).ms);
      up.push(await upload("unknown", 0));
      upPublished.push(await upload("published", SITES));
    }
    console.log(
      `3 MB signed PDF (${bytes.length} bytes), ${label}, medians of ${UPLOADS}, alternating: upload to the hub ${ms(median(up))} ` +
        `(published bytes, ${SITES} places: ${ms(median(upPublished))}); the same request to a server that only reads it ${ms(median(transport))}; ` +
        `verifier alone ${ms(median(alone))}`,
    );
    const addedBy = (stat: (xs: number[]) => number) => {
      const added = stat(up) - stat(transport);
      const addedPublished = stat(upPublished) - stat(transport);
      return (
        `the hub adds ${ms(added)} beyond the transport = ${(added / stat(alone)).toFixed(2)}× the verifier alone ` +
        `(published bytes: ${ms(addedPublished)} = ${(addedPublished / stat(alone)).toFixed(2)}×; whole upload ${(stat(up) / stat(transport)).toFixed(2)}× the transport)`
      );
    };
    console.log(`  medians: ${addedBy(median)}`);
    // Other processes on a shared machine lengthen some requests a lot: the lower quartiles show the quiet case.
    console.log(`  lower quartiles: ${addedBy((xs) => pct(xs, 0.25))}`);
  }
  // ─── How the hub's part grows with the size ───
  const send = (url: string, pdf: Uint8Array) =>
    new Promise<Awaited<ReturnType<Client>>>((resolve) => {
      const id = nextId++;
      replies.set(id, resolve);
      thread.postMessage({ id, url, pdf });
    });
  const points: { mb: number; alone: number; added: number }[] = [];
  for (const mb of SCALE_MB) {
    const pdf = Buffer.from(await makeSignedPdf({ title: "Quyết định benchmark", number: `${mb}/QĐ-UBND`, issuer: "UBND tỉnh Quảng Ngãi", date: "2026-11-20", targetBytes: mb * 1024 * 1024 }));
    const sized = path.join(dataDir, `bench-${mb}mb.pdf`);
    await writeFile(sized, pdf);
    const alone: number[] = [];
    const transport: number[] = [];
    const up: number[] = [];
    const rounds = Math.max(11, Math.round((UPLOADS * 3) / Math.max(3, mb)));
    for (let i = 0; i < rounds + 3; i++) {
      const start = performance.now();
      await verifier.verifyFile(sized);
      const a = performance.now() - start;
      const t = (await send(sinkUrl, pdf)).ms;
      const r = await send(hubUrl, pdf);
      if (r.status !== 200 || r.body.signature?.status !== "valid") throw new Error(`upload of ${mb} MB: ${r.status} ${JSON.stringify(r.body)}`);
      if (i < 3) continue; // warm-up
      alone.push(a);
      transport.push(t);
      up.push(r.ms);
    }
    const added = median(up) - median(transport);
    points.push({ mb: pdf.length / 2 ** 20, alone: median(alone), added });
    console.log(
      `${(pdf.length / 2 ** 20).toFixed(1)} MB, client on its own thread, medians of ${rounds}: upload ${ms(median(up))}, transport ${ms(median(transport))}, ` +
        `verifier alone ${ms(median(alone))}; the hub adds ${ms(added)} = ${(added / median(alone)).toFixed(2)}× the verifier`,
    );
  }
  if (points.length >= 2) {
    // Least-squares line through (size, time): slope in ms per MB, intercept the fixed part.
    const fit = (ys: number[]) => {
      const xs = points.map((p) => p.mb);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
      return { slope, intercept: my - slope * mx };
    };
    const v = fit(points.map((p) => p.alone));
    const h = fit(points.map((p) => p.added));
    console.log(
      `  per MB: the hub adds ${h.slope.toFixed(2)} ms/MB beyond the transport, the verifier alone takes ${v.slope.toFixed(2)} ms/MB ` +
        `(= ${(h.slope / v.slope).toFixed(2)}× the verifier's rate); fixed part per request: hub ${ms(h.intercept)}, verifier ${ms(v.intercept)}`,
    );
  }
  sink.close();
  await thread.terminate();
  console.log(`load average: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
} finally {
  await hub.stop();
  await rm(dataDir, { recursive: true, force: true });
}
