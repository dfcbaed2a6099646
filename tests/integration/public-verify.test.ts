// Issue 14: public verification over HTTP against the real hub. Documents come
// from an in-test source as real signed PDFs (sim-kit's test PKI), are verified
// by the real verifier, delivered to the webhook receiver simulator (push), a
// review-mode site (held) and a pull site; then /tra-cuu and
// /api/v1/public/verify are asked about their bytes. A second, empty hub
// answers the same uploads: bytes held, non-public or undelivered must get
// exactly its answer.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { makeSignedPdf } from "../../connectors/sim-kit/signed-pdf.ts";
import type { SourceConnector } from "../../connectors/sdk.ts";
import webhook from "../../connectors/webhook/index.ts";
import { createReceiverSimulator, serveReceiver, type ReceiverSimulator, type ServedReceiver } from "../../connectors/webhook/receiver-simulator.ts";
import { generateSecret } from "../../connectors/webhook/signature.ts";
import { publicVerificationOf } from "../../src/api/public-verify.ts";
import { createApiToken } from "../../src/auth/index.ts";
import { configSchema, type Config } from "../../src/config/index.ts";
import type { CanonicalDocument, CanonicalProcedure, SourceItem } from "../../src/core/index.ts";
import { outboxOf } from "../../src/delivery/outbox-worker.ts";
import { createRegistry, startHub, type RunningHub } from "../../src/hub/index.ts";
import { createFileVerifier } from "../../src/hub/verifier.ts";
import { silentLogger } from "../../src/observability/index.ts";
import { runSync } from "../../src/pipeline/sync-run.ts";
import { REPO_ROOT } from "../support/cli-process.ts";
import { startTestHub, TEST_CA_DIR, type TestHub } from "../support/hub.ts";
import { maybeTestDatabase, type TestDatabase } from "../support/pg.ts";

// ─── An in-test source ───────────────────────────────────────────────────────

const changes: SourceItem[] = [];
const fileBytes = new Map<string, Uint8Array>();
let clock = Date.parse("2026-11-20T01:00:00Z");
const nextTime = () => new Date((clock += 60_000)).toISOString();

const testSource: SourceConnector<Record<string, unknown>> = {
  name: "test-feed",
  title: "In-test source",
  configSchema: z.record(z.string(), z.unknown()),
  create: () => ({
    check: async () => ({ ok: true, message: "ok", latencyMs: 0 }),
    async *listChanges(cursor) {
      const from = Number((cursor as { n?: number } | null)?.n ?? 0);
      const page = changes.slice(from);
      yield { items: page.map((item) => ({ externalId: item.externalId, updatedAt: item.updatedAt, item })), cursor: { n: changes.length }, page: 1, total: page.length };
    },
    fetchItem: async (id) => [...changes].reverse().find((i) => i.externalId === id)!,
    fetchFile: async (file) => {
      const bytes = fileBytes.get(file.id)!;
      return { body: new Blob([bytes]).stream(), mime: file.name.endsWith(".pdf") ? "application/pdf" : "application/msword", size: bytes.length, sha256: null };
    },
  }),
};

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const ISSUER = { code: "000.00.00.H55", name: "UBND tỉnh Quảng Ngãi" };

interface Doc {
  doc: CanonicalDocument;
  bytes: Uint8Array;
  sha256: string;
}

/** A document whose main file is a PDF signed by the test PKI (or unsigned). */
async function addDocument(
  key: string,
  tag: string,
  options: { rev?: number; isPublic?: boolean; status?: CanonicalDocument["status"]; replaces?: string; signed?: boolean; same?: Doc } = {},
): Promise<Doc> {
  const rev = options.rev ?? 1;
  const number = `${key.replace(/\D/g, "") || "7"}/QĐ-UBND`;
  const title = `${tag} Quyết định ${key} về việc ban hành quy chế công khai`;
  const bytes = options.same?.bytes ?? (await makeSignedPdf({ title: `${title} (bản ${rev})`, number, issuer: ISSUER.name, date: "2026-11-20", signers: options.signed === false ? [] : ["leader"] }));
  const fileId = `f-${key}-${rev}-${options.same ? "same" : "new"}`;
  fileBytes.set(fileId, bytes);
  const doc: CanonicalDocument = {
    kind: "document",
    externalId: `VB-${key}`,
    number,
    docType: "Quyết định",
    title,
    issuer: ISSUER,
    issuedDate: "2026-11-20",
    signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
    field: null,
    urgency: null,
    isPublic: options.isPublic ?? true,
    status: options.status ?? "issued",
    replacesExternalId: options.replaces ?? null,
    updatedAt: nextTime(),
    files: [{ id: fileId, name: `${key}.pdf`, role: "main", size: null, sha256: null }],
  };
  changes.push(doc);
  return { doc, bytes, sha256: sha(bytes) };
}

function addProcedure(code: string): { sha256: string } {
  const bytes = new TextEncoder().encode(`tờ khai for ${code}`);
  fileBytes.set(`form-${code}`, bytes);
  const form = { id: `form-${code}`, name: "to-khai.docx", role: "form" as const, size: null, sha256: null };
  const proc: CanonicalProcedure = {
    kind: "procedure", externalId: code, code, nationalCode: "1.001193", name: "Đăng ký khai sinh", agencyCode: "000.00.00.H55",
    decisionNumber: "12/QĐ-UBND", procedureType: "TTHC", status: "active", updatedAt: nextTime(),
    levels: [{ code: "2", name: "Cấp xã" }], fields: [{ code: "HT", name: "Hộ tịch" }], audiences: [],
    steps: [{ case: "", steps: ["Nộp hồ sơ"] }], channels: [], dossier: [{ case: "", documents: [{ code: "TK", name: "Tờ khai", originals: 1, copies: 0, form }] }],
    results: [], legalBases: [], agencies: [{ code: "H55", name: "UBND xã Bình Sơn" }], requirements: "", audienceDescription: "", submissionAddress: "",
    files: [form],
  };
  changes.push(proc);
  return { sha256: sha(bytes) };
}

// ─── Hubs ────────────────────────────────────────────────────────────────────

const MAX_FILE = 2 * 1024 * 1024;
const secret = generateSecret();
let sim: ReceiverSimulator;
let receiver: ServedReceiver;
let dataDir: string;
let database: TestDatabase | null;
let hub: RunningHub;
let fresh: TestHub;
let keoToken: string;

beforeAll(async () => {
  sim = createReceiverSimulator({ sites: { cong: { secrets: [secret] }, duyet: { secrets: [secret] } } });
  receiver = await serveReceiver(sim);
  dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-public-"));
  database = await maybeTestDatabase();
  const config: Config = configSchema.parse({
    server: { port: 0 },
    dataDir,
    ...(database ? { databaseUrl: database.url } : {}),
    log: { level: "silent" },
    verify: { trust: [path.join(REPO_ROOT, "trust"), TEST_CA_DIR] },
    ingest: { maxFileBytes: MAX_FILE },
    publicVerify: { lookups: { max: 10_000 }, uploads: { max: 10_000 } },
    delivery: { timeoutMs: 3_000 },
    sources: [{ id: "src", connector: "test-feed", name: "Test source" }],
    sites: [
      { id: "cong", name: "Cổng TTĐT tỉnh", endpoint: receiver.endpoint("cong"), secrets: [secret], sections: [{ slug: "van-ban", name: "Văn bản chỉ đạo điều hành" }, { slug: "tthc", name: "Thủ tục hành chính", itemKind: "procedure" }] },
      { id: "duyet", name: "Trang Sở (duyệt trước)", endpoint: receiver.endpoint("duyet"), secrets: [secret], publishMode: "review", sections: [{ slug: "van-ban", name: "Văn bản" }] },
      { id: "keo", name: "Trang huyện (kéo)", mode: "pull", sections: [{ slug: "van-ban", name: "Văn bản" }] },
    ],
    routing: [
      { id: "cong", name: "Cổng", match: { itemKind: "document", keyword: ["[cong]"] }, targets: ["cong/van-ban"] },
      { id: "duyet", name: "Duyệt", match: { itemKind: "document", keyword: ["[duyet]"] }, targets: ["duyet/van-ban"] },
      { id: "keo", name: "Kéo", match: { itemKind: "document", keyword: ["[keo]"] }, targets: ["keo/van-ban"] },
      { id: "tthc", name: "TTHC", match: { itemKind: "procedure" }, targets: ["cong/tthc"] },
    ],
  });
  hub = await startHub({
    config,
    connectors: createRegistry([testSource], [webhook]),
    log: silentLogger,
    verifier: await createFileVerifier(config, silentLogger),
    schedules: false,
    delivery: { idlePollMs: 50, busyPollMs: 20, leaseMarginMs: 500 },
  });
  keoToken = (await createApiToken(hub.ctx.db.prisma, { name: "keo", role: "site", siteId: "keo" })).token;
  // An empty hub with the same trust store; it trusts 127.0.0.1 as a proxy (X-Forwarded-For
  // picks the rate-limit bucket) and verifies one upload at a time with no queue.
  fresh = await startTestHub({
    server: { port: 0, trustedProxies: ["127.0.0.1"] },
    ingest: { maxFileBytes: MAX_FILE },
    publicVerify: { lookups: { max: 3, windowSeconds: 60 }, uploads: { max: 1000, windowSeconds: 60 }, concurrency: 1, queue: 0 },
  });
}, 300_000);

afterAll(async () => {
  await hub?.stop();
  await fresh?.close();
  await receiver?.close();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function sync(): Promise<void> {
  const run = await hub.ctx.db.prisma.syncRun.create({ data: { sourceId: "src", trigger: "manual", requestedBy: "test" } });
  await runSync(hub.ctx, run.id);
  const done = await hub.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: run.id } });
  expect(done.status, done.error ?? "").toBe("succeeded");
  outboxOf(hub.ctx)?.wake();
}

async function settled(): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const busy = await hub.ctx.db.prisma.delivery.count({ where: { site: { mode: "push" }, state: { in: ["pending", "sending", "failed"] } } });
    if (busy === 0) return;
    if (Date.now() > deadline) throw new Error("deliveries did not settle");
    await new Promise((r) => setTimeout(r, 25));
  }
}

const getJson = async (base: string, p: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}${p}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
};

function form(bytes: Uint8Array, name = "file.pdf"): FormData {
  const f = new FormData();
  f.append("file", new Blob([bytes], { type: "application/pdf" }), name);
  return f;
}

const uploadJson = async (base: string, bytes: Uint8Array, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}/api/v1/public/verify`, { method: "POST", body: form(bytes), headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
};

const uploadPage = async (base: string, bytes: Uint8Array, query = "") => {
  const res = await fetch(`${base}/tra-cuu${query}`, { method: "POST", body: form(bytes) });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

const tempFiles = async (h: RunningHub) => readdir(path.join(h.ctx.config.dataDir, "tmp", "public-verify")).catch(() => [] as string[]);

// ─── The scenario ────────────────────────────────────────────────────────────

let a1: Doc, a2: Doc, held: Doc, nonPublic: Doc, pulled: Doc, withdrawn: Doc, replacedOld: Doc, replacer: Doc, quietOld: Doc, secretReplacer: Doc;
let s1: Doc, s2: Doc;
let form1: { sha256: string };

describe("public verification", () => {
  beforeAll(async () => {
    a1 = await addDocument("101", "[cong]");
    held = await addDocument("102", "[duyet]");
    nonPublic = await addDocument("103", "[cong]", { isPublic: false });
    pulled = await addDocument("104", "[keo]");
    withdrawn = await addDocument("105", "[cong]");
    replacedOld = await addDocument("106", "[cong]");
    quietOld = await addDocument("107", "[cong]");
    s1 = await addDocument("108", "[cong]");
    form1 = addProcedure("1.001193.000.00.00.H55");
    await sync();
    await settled();
    // Second round: a new version, a withdrawal, two replacements (one by a non-public
    // document) and a new version that waits for review (unsigned).
    a2 = await addDocument("101", "[cong]", { rev: 2 });
    await addDocument("105", "[cong]", { status: "withdrawn", same: withdrawn });
    replacer = await addDocument("116", "[cong]", { replaces: "VB-106" });
    secretReplacer = await addDocument("117", "[cong]", { replaces: "VB-107", isPublic: false });
    s2 = await addDocument("108", "[cong]", { rev: 2, signed: false });
    await sync();
    await settled();
  }, 300_000);

  it("a published file: which document, where, since when, in force, with its signature", async () => {
    const { status, body } = await getJson(hub.url, `/api/v1/public/verify/${a2.sha256}`);
    expect(status).toBe(200);
    expect(body.sha256).toBe(a2.sha256);
    expect(body.published).toEqual([
      expect.objectContaining({
        kind: "document", site: "cong", siteName: "Cổng TTĐT tỉnh", section: "van-ban", sectionName: "Văn bản chỉ đạo điều hành",
        number: "101/QĐ-UBND", title: a2.doc.title, issuer: "UBND tỉnh Quảng Ngãi", version: 2, current: true, status: "in-force", replacedBy: null,
      }),
    ]);
    expect(Date.parse(body.published[0].publishedAt)).toBeGreaterThan(Date.now() - 120_000);
    expect(body.signature.status).toBe("valid");
    expect(body.signature.signers).toHaveLength(1);
    expect(body.signature.signers[0]).toMatchObject({ indication: "TOTAL_PASSED", subIndication: null });
    expect(body.signature.signers[0].commonName).toBeTruthy();
    // No internal details: no field names, serial numbers, issuer DNs or paths.
    expect(JSON.stringify(body.signature)).not.toMatch(/serialNumber|"field"|"issuer"|subFilter|\/tmp\/|blobs\//);
  });

  it("the older version is superseded; withdrawn and replaced documents say so", async () => {
    const old = (await getJson(hub.url, `/api/v1/public/verify/${a1.sha256}`)).body;
    expect(old.published).toEqual([expect.objectContaining({ number: "101/QĐ-UBND", version: 1, current: false, status: "superseded" })]);
    const w = (await getJson(hub.url, `/api/v1/public/verify/${withdrawn.sha256}`)).body;
    expect(w.published).toEqual([expect.objectContaining({ number: "105/QĐ-UBND", status: "withdrawn" })]);
    const r = (await getJson(hub.url, `/api/v1/public/verify/${replacedOld.sha256}`)).body;
    expect(r.published).toEqual([expect.objectContaining({ number: "106/QĐ-UBND", status: "replaced", replacedBy: "116/QĐ-UBND" })]);
    expect((await getJson(hub.url, `/api/v1/public/verify/${replacer.sha256}`)).body.published[0]).toMatchObject({ status: "in-force" });
  });

  it("nothing about a document that was not published leaks through another one's answer", async () => {
    // Replaced by a non-public document: the portals were told it was withdrawn, and that is all.
    const q = (await getJson(hub.url, `/api/v1/public/verify/${quietOld.sha256}`)).body;
    expect(q.published).toEqual([expect.objectContaining({ number: "107/QĐ-UBND", status: "withdrawn", replacedBy: null })]);
    // Not its number, title, source id or file: a bare "117" also matched the milliseconds of publishedAt.
    for (const trace of ["117/", "Quyết định 117", "VB-117", secretReplacer.sha256]) expect(JSON.stringify(q)).not.toContain(trace);
    // A newer version held for review (unsigned) does not make the published one "superseded".
    const s = (await getJson(hub.url, `/api/v1/public/verify/${s1.sha256}`)).body;
    expect(s.published).toEqual([expect.objectContaining({ number: "108/QĐ-UBND", version: 1, current: true, status: "in-force" })]);
    expect(await hub.ctx.db.prisma.delivery.count({ where: { documentVersion: { files: { some: { blobSha256: s2.sha256 } } }, state: "held" } })).toBe(1);
  });

  it("a procedure's form is found too", async () => {
    const body = (await getJson(hub.url, `/api/v1/public/verify/${form1.sha256}`)).body;
    expect(body.published).toEqual([
      expect.objectContaining({ kind: "procedure", site: "cong", section: "tthc", number: "1.001193.000.00.00.H55", title: "Đăng ký khai sinh", issuer: "UBND xã Bình Sơn", status: "in-force" }),
    ]);
    expect(body.signature.status).toBe("error"); // a .docx form is not a PDF: nothing to verify
  });

  it("held, non-public, undelivered and held-version bytes look exactly like unknown bytes (hash look-up, API and page)", async () => {
    // Preconditions: the hub holds all of these bytes.
    for (const d of [held, nonPublic, pulled, s2]) expect(await hub.ctx.db.prisma.blob.count({ where: { sha256: d.sha256 } })).toBe(1);
    expect(await hub.ctx.db.prisma.delivery.count({ where: { siteId: "duyet", state: "held" } })).toBeGreaterThan(0);
    expect(await hub.ctx.db.prisma.delivery.count({ where: { siteId: "keo", state: "pending" } })).toBe(1);

    const unknown = randomBytes(32).toString("hex");
    const unknownJson = await getJson(hub.url, `/api/v1/public/verify/${unknown}`);
    expect(unknownJson.body).toEqual({ sha256: unknown, published: [], signature: null });
    const unknownPage = await (await fetch(`${hub.url}/tra-cuu/${unknown}`)).text();
    expect(unknownPage).toContain("Tệp này không được đăng bởi hệ thống này");
    const mask = (text: string, hash: string) => text.split(hash).join("<sha256>");

    for (const d of [held, nonPublic, pulled, s2]) {
      const json = await getJson(hub.url, `/api/v1/public/verify/${d.sha256}`);
      expect(json.status).toBe(unknownJson.status);
      expect(mask(JSON.stringify(json.body), d.sha256)).toBe(mask(JSON.stringify(unknownJson.body), unknown));
      const page = await fetch(`${hub.url}/tra-cuu/${d.sha256}`);
      expect(page.status).toBe(200);
      expect(mask(await page.text(), d.sha256)).toBe(mask(unknownPage, unknown));
    }
  });

  it("uploads of such bytes get exactly the answer of a hub that never saw them", async () => {
    for (const d of [held, nonPublic, pulled]) {
      const here = await uploadJson(hub.url, d.bytes);
      const there = await uploadJson(fresh.url, d.bytes, { "x-forwarded-for": "198.51.100.1" });
      expect(here.status).toBe(200);
      expect(here.body.published).toEqual([]);
      expect(here.body.signature.status).toBe("valid");
      expect(here.body).toEqual(there.body);
      const herePage = await uploadPage(hub.url, d.bytes);
      const therePage = await uploadPage(fresh.url, d.bytes);
      expect(herePage.status).toBe(200);
      expect(herePage.text).toBe(therePage.text);
      expect(herePage.text).toContain("Tệp này không được đăng bởi hệ thống này");
    }
  });

  it("a pull site's rows count once its own token has read them from the feed", { timeout: 240_000 }, async () => {
    expect((await getJson(hub.url, `/api/v1/public/verify/${pulled.sha256}`)).body.published).toEqual([]);
    const admin = (await createApiToken(hub.ctx.db.prisma, { name: "admin", role: "admin" })).token;
    // On PostgreSQL the feed holds rows back for 65 s after a change (docs/delivery.md): wait for them.
    const readFeed = async (token: string) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const res = await fetch(`${hub.url}/api/v1/sites/keo/items`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        const items = ((await res.json()) as { items: { files: { sha256: string; verifyUrl: string }[] }[] }).items;
        if (items.length > 0 || Date.now() > deadline) return items;
        await new Promise((r) => setTimeout(r, 2_000));
      }
    };
    // An admin looking at the feed does not publish anything.
    expect((await readFeed(admin)).length).toBe(1);
    expect((await getJson(hub.url, `/api/v1/public/verify/${pulled.sha256}`)).body.published).toEqual([]);
    const items = await readFeed(keoToken);
    expect(items[0]!.files[0]!.verifyUrl).toBe(`${hub.url}/tra-cuu/${pulled.sha256}`);
    const body = (await getJson(hub.url, `/api/v1/public/verify/${pulled.sha256}`)).body;
    expect(body.published).toEqual([expect.objectContaining({ site: "keo", section: "van-ban", number: "104/QĐ-UBND", status: "in-force" })]);
    expect(body.signature.status).toBe("valid");
  });

  it("webhook data and Atom carry a verification link per file", async () => {
    const event = sim.events("cong").find((e) => e.type === "document.published" && String(e.data.title).includes("101"))!;
    const files = event.data.files as { url: string; sha256: string; verifyUrl: string }[];
    expect(files[0]!.verifyUrl).toBe(`${hub.url}/tra-cuu/${files[0]!.sha256}`);
    expect(files[0]!.url).toContain(`/files/${files[0]!.sha256}`);
    const atom = await (await fetch(`${hub.url}/feeds/keo/van-ban.atom?token=${keoToken}`)).text();
    expect(atom).toContain(`<link rel="related" href="${hub.url}/tra-cuu/${pulled.sha256}" type="text/html"`);
  });

  it("an upload of published bytes: the page in Vietnamese and English, with a QR code and no script", async () => {
    const res = await uploadPage(hub.url, a2.bytes);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.text).toContain("Tệp này đã được đăng bởi hệ thống");
    expect(res.text).toContain("101/QĐ-UBND");
    expect(res.text).toContain("UBND tỉnh Quảng Ngãi");
    expect(res.text).toContain("Cổng TTĐT tỉnh — Văn bản chỉ đạo điều hành");
    expect(res.text).toContain("Đang có hiệu lực");
    expect(res.text).toContain("Chữ ký số: Hợp lệ");
    expect(res.text).toMatch(/<svg[^>]*viewBox/);
    expect(res.text).toContain(`href="${hub.url}/tra-cuu/${a2.sha256}"`);
    expect(res.text).not.toMatch(/<script/i);
    expect(res.text).not.toMatch(/ style=/);
    const en = await uploadPage(hub.url, a1.bytes, "?lang=en");
    expect(en.text).toContain('lang="en"');
    expect(en.text).toContain("This file was published by this hub");
    expect(en.text).toContain("A newer version exists");
    expect(await tempFiles(hub)).toEqual([]);
  });

  it("works without JavaScript: plain forms, a GET form that redirects to the permanent address", async () => {
    const page = await fetch(`${hub.url}/tra-cuu`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toMatch(/<form method="post" action="\/tra-cuu" enctype="multipart\/form-data">/);
    expect(html).toMatch(/<input type="file" name="file"/);
    expect(html).toMatch(/<form method="get" action="\/tra-cuu">/);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('href="/tra-cuu/static/public.css"');
    expect(html).toContain('href="/tra-cuu?lang=en"');
    expect(page.headers.get("set-cookie")).toBeNull();
    expect((await fetch(`${hub.url}/tra-cuu/static/public.css`)).headers.get("content-type")).toContain("text/css");
    const go = await fetch(`${hub.url}/tra-cuu?sha256=${a2.sha256.toUpperCase()}&lang=en`, { redirect: "manual" });
    expect(go.status).toBe(303);
    expect(go.headers.get("location")).toBe(`/tra-cuu/${a2.sha256}?lang=en`);
    const bad = await fetch(`${hub.url}/tra-cuu?sha256=xyz`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("64 chữ số thập lục phân");
    const qr = await fetch(`${hub.url}/tra-cuu/${a2.sha256}/qr.svg`);
    expect(qr.headers.get("content-type")).toBe("image/svg+xml");
  });

  it("needs no token and is in the OpenAPI document", async () => {
    const doc = (await getJson(hub.url, "/api/openapi.json")).body;
    expect(doc.paths["/api/v1/public/verify"].post.requestBody.content["multipart/form-data"]).toBeTruthy();
    expect(doc.paths["/api/v1/public/verify/{sha256}"].get.responses["200"]).toBeTruthy();
    expect((await getJson(hub.url, `/api/v1/public/verify/${"0".repeat(64)}`)).status).toBe(200);
    expect((await getJson(hub.url, `/api/v1/public/verify/not-a-hash`)).status).toBe(400);
  });
});

// ─── Abuse ───────────────────────────────────────────────────────────────────

/** Sends `total` bytes of multipart body in chunks, stopping once the server answers. */
/** `declared`: send a Content-Length (as browsers do) instead of a chunked body. */
function slowUpload(url: string, total: number, chunk = 64 * 1024, delayMs = 0, start = "%PDF-1.7\n", declared = false): Promise<{ status: number; sent: number; headers: http.IncomingHttpHeaders; body: string }> {
  const boundary = "----portalsync-test";
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n${start}`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = head.length + Math.max(0, Math.ceil((total - head.length) / chunk)) * chunk + tail.length;
  const framing = declared ? { "content-length": String(length) } : { "transfer-encoding": "chunked" };
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: "POST", headers: { "content-type": `multipart/form-data; boundary=${boundary}`, ...framing } }, (res) => {
      answered = true;
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, sent, headers: res.headers, body }));
    });
    req.on("error", (e) => (answered ? undefined : reject(e)));
    const filler = Buffer.alloc(chunk, 0x41);
    const pump = () => {
      if (answered) return req.destroy();
      if (sent === 0) {
        req.write(head);
        sent += head.length;
      }
      if (sent >= total) return req.end(tail);
      sent += filler.length;
      const again = () => (delayMs ? setTimeout(pump, delayMs) : setImmediate(pump));
      if (req.write(filler)) again();
      else req.once("drain", again);
    };
    pump();
  });
}

describe("abuse", () => {
  it("an upload over the ingest limit gets 413 early, and nothing is kept", async () => {
    const r = await slowUpload(`${hub.url}/api/v1/public/verify`, 64 * 1024 * 1024);
    expect(r.status).toBe(413);
    expect(r.sent).toBeLessThan(MAX_FILE + 8 * 1024 * 1024); // answered long before the 64 MB were sent
    expect(JSON.parse(r.body).error).toMatch(/larger than the limit/);
    // Declared too large: refused before reading anything.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${hub.url}/tra-cuu`, { method: "POST", headers: { "content-type": "multipart/form-data; boundary=x", "content-length": String(MAX_FILE * 4) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.write("--x\r\n");
    });
    expect(declared).toBe(413);
    const page = await slowUpload(`${hub.url}/tra-cuu`, 8 * 1024 * 1024);
    expect(page.status).toBe(413);
    expect(page.body).toContain("Tệp lớn hơn giới hạn 2 MB");
    expect(await tempFiles(hub)).toEqual([]);
  });

  it("malformed requests get a clear error and leave no file", async () => {
    const noFile = new FormData();
    noFile.append("other", "x");
    const r1 = await fetch(`${hub.url}/api/v1/public/verify`, { method: "POST", body: noFile });
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { error: string }).error).toMatch(/no file/);
    const r2 = await fetch(`${hub.url}/api/v1/public/verify`, { method: "POST", body: "%PDF-1.7", headers: { "content-type": "application/pdf" } });
    expect(r2.status).toBe(415);
    const r3 = await fetch(`${hub.url}/api/v1/public/verify`, { method: "POST", body: "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7 cut short", headers: { "content-type": "multipart/form-data; boundary=b" } });
    expect(r3.status).toBe(400);
    const r4 = await fetch(`${hub.url}/tra-cuu`, { method: "POST", body: noFile });
    expect(r4.status).toBe(400);
    expect(await r4.text()).toContain("Không nhận được tệp");
    expect(await tempFiles(hub)).toEqual([]);
  });

  it("hostile and broken PDFs get an answer with a reason, and nothing is kept", async () => {
    const fixtures = ["two-signatures-content-changed.pdf", "content-after-signing.pdf", "revoked-signer.pdf"].map((f) => readFileSync(path.join(REPO_ROOT, "tests/fixtures/pdf", f)));
    const loop = Buffer.from("%PDF-1.7\n1 0 obj\n2 0 R\nendobj\n2 0 obj\n1 0 R\nendobj\nxref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000030 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n51\n%%EOF\n", "latin1");
    const deep = Buffer.from(`%PDF-1.7\n1 0 obj\n<< /Type /Catalog /X ${"[".repeat(50_000)}${"]".repeat(50_000)} >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`, "latin1");
    const truncated = fixtures[0]!.subarray(0, Math.floor(fixtures[0]!.length * 0.7));
    for (const bytes of [...fixtures, loop, deep, truncated, Buffer.from("not a pdf at all")]) {
      const r = await uploadJson(hub.url, bytes);
      expect(r.status).toBe(200);
      expect(["invalid", "indeterminate", "unsigned", "error"]).toContain(r.body.signature.status);
      if (r.body.signature.status === "error") expect(r.body.signature.error).toBeTruthy();
      expect(JSON.stringify(r.body)).not.toContain(hub.ctx.config.dataDir);
      expect(r.body.published).toEqual([]);
    }
    expect((await uploadJson(hub.url, fixtures[0]!)).body.signature.status).toBe("invalid");
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    expect(await tempFiles(hub)).toEqual([]);
  });

  it("a large upload under the limit is streamed: memory stays flat and the file is gone afterwards", async () => {
    // The empty hub, with a limit raised for this test only (read per upload).
    const limits = fresh.ctx.config.ingest;
    const saved = limits.maxFileBytes;
    limits.maxFileBytes = 160 * 1024 * 1024;
    try {
      const before = process.memoryUsage().rss;
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      // Not a PDF, so verification costs nothing and the figure is the upload path's alone.
      const r = await slowUpload(`${fresh.url}/api/v1/public/verify`, 64 * 1024 * 1024, 256 * 1024, 0, "");
      clearInterval(timer);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).signature).toMatchObject({ status: "error", error: expect.stringMatching(/not a PDF/) });
      // 64 MB went through; the process (hub and client) grew by far less than the file.
      expect(peak - before).toBeLessThan(32 * 1024 * 1024);
      expect(await tempFiles(fresh)).toEqual([]);
    } finally {
      limits.maxFileBytes = saved;
    }
  }, 180_000);

  it("rate limits per client address: 429 with Retry-After, X-Forwarded-For only from a trusted proxy", async () => {
    const ask = (ip: string) => fetch(`${fresh.url}/api/v1/public/verify/${"a".repeat(64)}`, { headers: { "x-forwarded-for": ip } });
    for (let i = 0; i < 3; i++) expect((await ask("203.0.113.7")).status).toBe(200);
    const limited = await ask("203.0.113.7");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another client behind the same proxy has its own bucket; the page answers 429 in HTML.
    expect((await ask("203.0.113.8")).status).toBe(200);
    const page = await fetch(`${fresh.url}/tra-cuu/${"b".repeat(64)}`, { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(page.status).toBe(429);
    expect(page.headers.get("retry-after")).toBeTruthy();
    expect(await page.text()).toContain("quá nhiều yêu cầu");
    // The main hub trusts no proxy: a forged X-Forwarded-For does not give a fresh bucket.
    const svc = (await import("../../src/api/public-verify.ts")).publicVerificationOf(hub.ctx);
    const sizeBefore = svc.lookups.size;
    await fetch(`${hub.url}/api/v1/public/verify/${"c".repeat(64)}`, { headers: { "x-forwarded-for": "192.0.2.99" } });
    await fetch(`${hub.url}/api/v1/public/verify/${"c".repeat(64)}`, { headers: { "x-forwarded-for": "192.0.2.100" } });
    expect(svc.lookups.size).toBe(Math.max(sizeBefore, 1));
  });

  it("too many uploads at once: 503 with Retry-After instead of a growing queue", async () => {
    // The fresh hub verifies one upload at a time and queues none.
    const slow = slowUpload(`${fresh.url}/api/v1/public/verify`, 1536 * 1024, 32 * 1024, 20);
    // Admitted and receiving once its temporary file exists.
    while ((await tempFiles(fresh)).length === 0) await new Promise((r) => setTimeout(r, 10));
    const second = await uploadJson(fresh.url, Buffer.from("%PDF-1.7\n"), { "x-forwarded-for": "198.51.100.9" });
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBeTruthy();
    expect((await slow).status).toBe(200);
    expect((await uploadJson(fresh.url, Buffer.from("%PDF-1.7\n"))).status).toBe(200);
    expect(await tempFiles(fresh)).toEqual([]);
  }, 120_000);

  it("a small upload with a declared length is held in memory: gated like any other, and no file at any moment", async () => {
    const service = publicVerificationOf(fresh.ctx);
    const slow = slowUpload(`${fresh.url}/api/v1/public/verify`, 1536 * 1024, 32 * 1024, 20, "%PDF-1.7\n", true);
    while (service.admitted === 0) await new Promise((r) => setTimeout(r, 10));
    const second = await uploadJson(fresh.url, Buffer.from("%PDF-1.7\n"), { "x-forwarded-for": "198.51.100.10" });
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBeTruthy();
    let files = 0;
    const watch = setInterval(() => void tempFiles(fresh).then((names) => (files += names.length)), 5);
    const answer = await slow;
    clearInterval(watch);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).signature).toMatchObject({ status: "error" });
    expect(files).toBe(0);
    expect(service.admitted).toBe(0);
  }, 120_000);
});
