// Public verification benchmark (issue 14), on the embedded database (PGlite,
// or PostgreSQL with BENCH_DATABASE_URL) with the real HTTP server and verifier:
//  1. hash look-ups (GET /api/v1/public/verify/{sha256}) against 10,000
//     published documents on 4 sites (40,000 delivery rows), seeded by SQL:
//     median and p95 over HTTP, and the database part alone (in process);
//  2. a 3 MB signed PDF uploaded (POST multipart) against two baselines on the
//     same bytes, alternating, medians: the verifier alone, and the very same
//     request sent to a bare node:http server that only reads the body (the
//     transport: loopback, and the client's multipart encoding when the client
//     is fetch in the hub's process). What the hub adds beyond the transport
//     is compared with the verifier's own time, for bytes the hub never saw
//     and for bytes of a published document; once with the client in the
//     hub's process, once with it on a thread of its own (node:http, the body
//     encoded beforehand: at 12 MB fetch's encoding varied more than the
//     hub's whole part);
//  3. the same for signed PDFs of 1, 3 and 12 MB (client on its own thread):
//     how what the hub adds grows with the size, per MB, against how the
//     verifier's own time grows;
//  4. the same uploads from a client on a link of 1 Gbit/s and 100 Mbit/s
//     (the client paces its bytes): on a real link the hub's work on arriving
//     bytes overlaps the transfer, and what it adds is the time from the last
//     byte to the answer. "Bounded by the verifier's speed" means that this is
//     no more than the verifier's own time on the same file.
//
// Sections 2 and 3, on loopback, are the worst case: the whole transfer takes a
// few milliseconds, so nothing the hub does per byte is hidden.
//
//   npm run bench -- public-verify
//   BENCH_DOCUMENTS=20000 BENCH_LOOKUPS=2000 BENCH_UPLOADS=15 BENCH_SCALE_MB=1,3,12
//     BENCH_LINKS_MBPS=1000,100 BENCH_LINK_MB=3,12 …
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres …  (on PostgreSQL: a
//     database of its own is created on that server and dropped afterwards)

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
import { createTestDatabase } from "../support/pg.ts";

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 10_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 1_000);
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 41);
const SCALE_MB = (process.env.BENCH_SCALE_MB ?? "1,3,12").split(",").map(Number);
const LINKS_MBPS = (process.env.BENCH_LINKS_MBPS ?? "1000,100").split(",").filter(Boolean).map(Number);
const LINK_SIZES_MB = (process.env.BENCH_LINK_MB ?? "3,12").split(",").filter(Boolean).map(Number);
const SITES = 4;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

type Client = (url: string, which: "unknown" | "published") => Promise<{ ms: number; status: number; body: { signature?: { status: string }; published?: unknown[] } }>;

/**
 * A client on a thread of its own (plain JavaScript: no TypeScript loader in
 * the worker): it sends a multipart body encoded beforehand (encoding is the
 * client's cost, not the server's) with node:http, either all at once or paced
 * to a link's rate, and times it to the end of the answer.
 */
const CLIENT_THREAD = `
const { parentPort } = require("node:worker_threads");
const http = require("node:http");
const bodies = new Map();
parentPort.on("message", (m) => {
  if (m.body) return bodies.set(m.key, { bytes: Buffer.from(m.body), type: m.type });
  const { id, url, key, bytesPerMs } = m;
  const { bytes, type } = bodies.get(key);
  const start = performance.now();
  const u = new URL(url);
  const req = http.request(
    { host: u.hostname, port: u.port, path: u.pathname, method: "POST", agent: false, headers: { "content-type": type, "content-length": bytes.length } },
    (res) => {
      const parts = [];
      res.on("data", (c) => parts.push(c));
      res.on("end", () => parentPort.postMessage({ id, ms: performance.now() - start, status: res.statusCode, body: JSON.parse(Buffer.concat(parts).toString() || "{}") }));
    },
  );
  req.on("error", (e) => parentPort.postMessage({ id, ms: NaN, status: 0, body: { error: String(e) } }));
  if (!bytesPerMs) return req.end(bytes);
  // What a link of that rate would have delivered by now, written every millisecond.
  let sent = 0;
  const tick = () => {
    const due = Math.min(bytes.length, Math.ceil((performance.now() - start) * bytesPerMs));
    if (due > sent) req.write(bytes.subarray(sent, due));
    sent = Math.max(sent, due);
    if (sent >= bytes.length) req.end();
    else setTimeout(tick, 1);
  };
  tick();
});
`;

/** The form a browser would send with this PDF in the field `file`. */
function formOf(pdf: Uint8Array): FormData {
  const form = new FormData();
  form.append("file", new Blob([pdf], { type: "application/pdf" }), "bench.pdf");
  return form;
}

/** That form's multipart body, and its content type. */
async function multipart(pdf: Uint8Array): Promise<{ body: Uint8Array; type: string }> {
  const encoded = new Response(formOf(pdf));
  return { body: new Uint8Array(await encoded.arrayBuffer()), type: encoded.headers.get("content-type")! };
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-bench-public-"));
const database = process.env.BENCH_DATABASE_URL ? await createTestDatabase(process.env.BENCH_DATABASE_URL, "portalsync_bench") : null;
const config = configSchema.parse({
  ...(database ? { databaseUrl: database.url } : {}),
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
    const res = await fetch(url, { method: "POST", body: formOf(pdf) });
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
  const thread = new Worker(CLIENT_THREAD, { eval: true });
  let nextId = 0;
  const replies = new Map<number, (r: Awaited<ReturnType<Client>>) => void>();
  thread.on("message", (m: { id: number } & Awaited<ReturnType<Client>>) => replies.get(m.id)!(m));
  /** Hands the thread a PDF's multipart body, once, under `key`. */
  const load = async (key: string, pdf: Uint8Array) => {
    const { body, type } = await multipart(pdf);
    thread.postMessage({ key, body, type });
  };
  /** Sends the body under `key`; `mbps` paces it to a link of that many Mbit/s. */
  const send = (url: string, key: string, mbps = 0) =>
    new Promise<Awaited<ReturnType<Client>>>((resolve) => {
      const id = nextId++;
      replies.set(id, resolve);
      thread.postMessage({ id, url, key, bytesPerMs: (mbps * 1e6) / 8 / 1000 });
    });
  await load("unknown", bytes);
  await load("published", published);
  const onThread: Client = (url, which) => send(url, which);

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
  // ─── How the hub's part grows with the size, and on a real link ───
  // Per round: the request to the server that only reads it, then the
  // verifier alone (after the same wait, as the hub's verifier runs after the
  // last byte), then the upload to the hub. Medians after 3 warm-up rounds.
  interface Sample {
    key: string;
    file: string;
    size: number;
    /** Places the answer must list. */
    places: number;
  }
  const publishedFile = path.join(dataDir, "bench-3mb-published.pdf");
  await writeFile(publishedFile, published);
  const publishedSample: Sample = { key: "published", file: publishedFile, size: published.length, places: SITES };
  // The 3 MB PDF of the sections above is one the hub never saw: reused.
  const sized = new Map<number, Sample>([[3, { key: "unknown", file, size: bytes.length, places: 0 }]]);
  /** A signed PDF of `mb` MB the hub never saw. */
  const unknownOf = async (mb: number) => {
    let entry = sized.get(mb);
    if (!entry) {
      const pdf = await makeSignedPdf({ title: "Quyết định benchmark", number: `${mb}/QĐ-UBND`, issuer: "UBND tỉnh Quảng Ngãi", date: "2026-11-20", targetBytes: mb * 1024 * 1024 });
      entry = { key: `${mb}mb`, file: path.join(dataDir, `bench-${mb}mb.pdf`), size: pdf.length, places: 0 };
      await writeFile(entry.file, pdf);
      await load(entry.key, pdf);
      sized.set(mb, entry);
    }
    return entry;
  };
  const measure = async (sample: Sample, rounds: number, mbps = 0) => {
    const alone: number[] = [];
    const transport: number[] = [];
    const up: number[] = [];
    for (let i = 0; i < rounds + 3; i++) {
      const t = (await send(sinkUrl, sample.key, mbps)).ms;
      const start = performance.now();
      await verifier.verifyFile(sample.file);
      const a = performance.now() - start;
      const r = await send(hubUrl, sample.key, mbps);
      if (r.status !== 200 || r.body.signature?.status !== "valid" || r.body.published?.length !== sample.places) {
        throw new Error(`upload of ${sample.file}: ${r.status} ${JSON.stringify(r.body)}`);
      }
      if (i < 3) continue; // warm-up
      alone.push(a);
      transport.push(t);
      up.push(r.ms);
    }
    return { mb: sample.size / 2 ** 20, alone: median(alone), transport: median(transport), up: median(up), added: median(up) - median(transport) };
  };
  const points: { mb: number; alone: number; added: number }[] = [];
  for (const mb of SCALE_MB) {
    const rounds = Math.max(11, Math.round((UPLOADS * 3) / Math.max(3, mb)));
    const m = await measure(await unknownOf(mb), rounds);
    points.push(m);
    console.log(
      `${m.mb.toFixed(1)} MB, client on its own thread, medians of ${rounds}: upload ${ms(m.up)}, transport ${ms(m.transport)}, ` +
        `verifier alone ${ms(m.alone)}; the hub adds ${ms(m.added)} = ${(m.added / m.alone).toFixed(2)}× the verifier`,
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
  for (const mbps of LINKS_MBPS) {
    const samples = [...(await Promise.all(LINK_SIZES_MB.map(unknownOf))), publishedSample];
    for (const sample of samples) {
      // A round takes twice the transfer: fewer rounds for slow links and large files.
      const rounds = Math.max(9, Math.min(UPLOADS, Math.round(4000 / ((sample.size * 8) / (mbps * 1000) + 10))));
      const m = await measure(sample, rounds, mbps);
      const what = sample.places ? `published bytes (${sample.places} places)` : "bytes the hub never saw";
      console.log(
        `${m.mb.toFixed(1)} MB, ${what}, from a client on a ${mbps} Mbit/s link, medians of ${rounds}: upload ${ms(m.up)}, transport ${ms(m.transport)}, ` +
          `verifier alone ${ms(m.alone)}; the hub answers ${ms(m.added)} after the transport = ${(m.added / m.alone).toFixed(2)}× the verifier`,
      );
    }
  }
  sink.close();
  await thread.terminate();
  console.log(`load average: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
} finally {
  await hub.stop();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
}
