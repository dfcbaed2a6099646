// Issue 5's acceptance, in process and over HTTP: the real hub (PGlite in a
// temp directory, HTTP server, outbox worker) ingests items from a tiny
// in-test source and delivers them to the webhook receiver simulator (a fake
// portal with several sites) and through the pull feed.

import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DOMParser } from "@xmldom/xmldom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { SourceConnector } from "../../connectors/sdk.ts";
import webhook from "../../connectors/webhook/index.ts";
import { createReceiverSimulator, serveReceiver, type ReceiverSimulator, type ServedReceiver } from "../../connectors/webhook/receiver-simulator.ts";
import { generateSecret } from "../../connectors/webhook/signature.ts";
import { createApiToken } from "../../src/auth/index.ts";
import { configSchema, type Config } from "../../src/config/index.ts";
import type { CanonicalDocument, CanonicalProcedure, SourceItem } from "../../src/core/index.ts";
import { outboxOf } from "../../src/delivery/outbox-worker.ts";
import { createRegistry, startHub, type RunningHub } from "../../src/hub/index.ts";
import { silentLogger } from "../../src/observability/index.ts";
import { runSync } from "../../src/pipeline/sync-run.ts";

// ─── A source that serves whatever the test appends ─────────────────────────

const changes: SourceItem[] = [];
const fileBytes = new Map<string, Uint8Array>();
let clock = Date.parse("2026-11-20T01:00:00Z");

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

function nextTime(): string {
  clock += 60_000;
  return new Date(clock).toISOString();
}

function addDocument(n: number, tag: string, rev = 1, status: CanonicalDocument["status"] = "issued"): CanonicalDocument {
  const fileId = `f-${n}-${rev}`;
  fileBytes.set(fileId, new TextEncoder().encode(`%PDF-1.7\n% test document ${n} revision ${rev}\n%%EOF\n`));
  const doc: CanonicalDocument = {
    kind: "document",
    externalId: `VB-${n}`,
    number: `${n}/QĐ-UBND`,
    docType: "Quyết định",
    title: `${tag} Quyết định số ${n} về việc ban hành quy chế <thử nghiệm> & "kiểm tra"`,
    issuer: { code: "000.00.00.H55", name: "UBND tỉnh Quảng Ngãi" },
    issuedDate: "2026-11-20",
    signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
    field: "Thông tin và Truyền thông",
    urgency: null,
    isPublic: true,
    status,
    replacesExternalId: null,
    updatedAt: nextTime(),
    files: [{ id: fileId, name: `${n}-QĐ-UBND.pdf`, role: "main", size: null, sha256: null }],
  };
  changes.push(doc);
  return doc;
}

function addProcedure(code: string): CanonicalProcedure {
  fileBytes.set(`form-${code}`, new TextEncoder().encode(`form for ${code}`));
  const form = { id: `form-${code}`, name: "to-khai.docx", role: "form" as const, size: null, sha256: null };
  const proc: CanonicalProcedure = {
    kind: "procedure",
    externalId: code,
    code,
    nationalCode: "1.001193",
    name: "Đăng ký khai sinh",
    agencyCode: "000.00.00.H55",
    decisionNumber: "12/QĐ-UBND",
    procedureType: "TTHC",
    status: "active",
    updatedAt: nextTime(),
    levels: [{ code: "2", name: "Cấp xã" }],
    fields: [{ code: "HT", name: "Hộ tịch" }],
    audiences: [],
    steps: [{ case: "", steps: ["Nộp hồ sơ", "Nhận kết quả"] }],
    channels: [{ channel: "online", timeLimits: [{ amount: "1", unit: "Ngày", description: "", fees: [{ code: "LP", amount: "0", currency: "VND", description: "Miễn phí" }] }] }],
    dossier: [{ case: "", documents: [{ code: "TK", name: "Tờ khai", originals: 1, copies: 0, form }] }],
    results: [],
    legalBases: [{ number: "60/2014/QH13", title: "Luật Hộ tịch", issuer: "Quốc hội", issuedDate: "2014-11-20" }],
    agencies: [{ code: "H55", name: "UBND xã" }],
    requirements: "",
    audienceDescription: "",
    submissionAddress: "",
    files: [form],
  };
  changes.push(proc);
  return proc;
}

const verifier = {
  policyKey: "test-policy",
  verifyFile: async () => ({
    status: "valid",
    report: { status: "valid", signatures: [{ signer: { commonName: "Phạm Quang Sự", organization: "UBND tỉnh Quảng Ngãi" }, signingTime: "2026-11-20T03:00:00Z" }] },
  }),
};

// ─── Hub, receiver, helpers ──────────────────────────────────────────────────

const SITES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"] as const;
const secrets = Object.fromEntries(SITES.map((s) => [s, generateSecret()])) as Record<(typeof SITES)[number], string>;
const wrongSecret = generateSecret();

let sim: ReceiverSimulator;
let receiver: ServedReceiver;
let dataDir: string;
let config: Config;
let hub: RunningHub;
let admin: string;

function buildConfig(): Config {
  const push = (id: (typeof SITES)[number], extra: Record<string, unknown> = {}) => ({
    id, name: `Site ${id}`, mode: "push", endpoint: receiver.endpoint(id), secrets: [secrets[id]], sections: [{ slug: "van-ban", name: "Văn bản" }], ...extra,
  });
  return configSchema.parse({
    server: { port: 0 },
    dataDir,
    log: { level: "silent" },
    delivery: { timeoutMs: 3_000 },
    sources: [{ id: "src", connector: "test-feed", name: "Test source" }],
    sites: [
      push("alpha", { sections: [{ slug: "van-ban", name: "Văn bản" }, { slug: "tthc", name: "TTHC", itemKind: "procedure" }] }),
      push("beta", { sections: [{ slug: "van-ban", name: "Văn bản" }, { slug: "tin-tuc", name: "Tin tức" }] }),
      { id: "gamma", name: "Site gamma", mode: "pull", sections: [{ slug: "van-ban", name: "Văn bản" }] },
      push("delta", { publishMode: "review" }),
      push("epsilon"),
      push("zeta"),
    ],
    routing: [
      { id: "chung", name: "Chung", match: { itemKind: "document", keyword: ["[chung]"] }, targets: ["alpha/van-ban", "beta/van-ban", "beta/tin-tuc", "gamma/van-ban", "delta/van-ban"] },
      { id: "tthc", name: "TTHC", match: { itemKind: "procedure" }, targets: ["alpha/tthc"] },
      { id: "eps", name: "Epsilon", match: { keyword: ["[epsilon]"] }, targets: ["epsilon/van-ban"] },
      { id: "zeta", name: "Zeta", match: { keyword: ["[zeta]"] }, targets: ["zeta/van-ban"] },
    ],
  });
}

async function start(): Promise<RunningHub> {
  return startHub({
    config,
    connectors: createRegistry([testSource], [webhook]),
    log: silentLogger,
    verifier,
    schedules: false,
    // Fast polls and a short retry schedule: 10 attempts over about 5 s
    // (50 ms doubling to a 1 s cap), long enough that a portal down for a
    // moment is caught up with, short enough for a test.
    delivery: { idlePollMs: 50, busyPollMs: 20, leaseMarginMs: 500, retryDelay: (n) => (n < 10 ? Math.min(1_000, 25 * 2 ** n) : null) },
  });
}

async function sync(): Promise<void> {
  const run = await hub.ctx.db.prisma.syncRun.create({ data: { sourceId: "src", trigger: "manual", requestedBy: "test" } });
  await runSync(hub.ctx, run.id);
  const done = await hub.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: run.id } });
  expect(done.status).toBe("succeeded");
  outboxOf(hub.ctx)?.wake();
}

async function waitFor<T>(what: string, fn: () => Promise<T | false | null | undefined> | T | false | null | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const api = (p: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${hub.url}${p}`, {
    ...init,
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { "content-type": "application/json" } : {}) },
  });

/** Items (section/id) a site acknowledged, with how many accepted events each had. */
function receivedEvents(site: string, tag: string) {
  return sim.events(site).filter((e) => String(e.data.title ?? e.data.name ?? "").includes(tag) || (tag === "[tthc]" && e.type.startsWith("procedure.")));
}

beforeAll(async () => {
  sim = createReceiverSimulator({
    sites: Object.fromEntries(SITES.map((s) => [s, { secrets: [s === "epsilon" ? wrongSecret : secrets[s]] }])),
  });
  receiver = await serveReceiver(sim);
  dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-delivery-"));
  config = buildConfig();
  hub = await start();
  admin = (await createApiToken(hub.ctx.db.prisma, { name: "test-admin", role: "admin" })).token;
});

afterAll(async () => {
  await hub?.stop();
  await receiver?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("push delivery (Standard Webhooks) to the receiver simulator", () => {
  it("delivers every routed item exactly once per site/section, signed, with downloadable files", async () => {
    for (let n = 1; n <= 4; n++) addDocument(n, "[chung]");
    addProcedure("1.001193.000.00.00.H55");
    await sync();

    const want = { alpha: 4, beta: 8 };
    await waitFor("alpha and beta to get every document", () =>
      receivedEvents("alpha", "[chung]").length === want.alpha && receivedEvents("beta", "[chung]").length === want.beta,
    );
    await waitFor("the procedure", () => sim.events("alpha").some((e) => e.type === "procedure.published"));

    for (const site of ["alpha", "beta"]) {
      const keys = sim.events(site).map((e) => e.itemKey);
      expect(new Set(keys).size).toBe(keys.length);
      expect(sim.anomalies(site)).toEqual([]);
      expect(sim.snapshot(site).stats).toMatchObject({ duplicates: 0, unauthorized: 0, invalid: 0 });
    }
    // beta gets each document once in each of its two sections.
    expect(new Set(receivedEvents("beta", "[chung]").map((e) => e.section))).toEqual(new Set(["van-ban", "tin-tuc"]));

    const event = receivedEvents("alpha", "[chung]")[0]!;
    expect(event.type).toBe("document.published");
    expect(event.data).toMatchObject({
      site: "alpha",
      section: "van-ban",
      version: 1,
      docType: "Quyết định",
      issuer: "UBND tỉnh Quảng Ngãi",
      signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
      signature: { status: "valid", signers: [{ commonName: "Phạm Quang Sự", organization: "UBND tỉnh Quảng Ngãi", signingTime: "2026-11-20T03:00:00Z" }] },
    });
    const file = (event.data.files as { url: string; sha256: string; name: string; size: number }[])[0]!;
    const download = await fetch(file.url);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toContain("filename*=UTF-8''");
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(file.size);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(file.sha256);
    expect((await fetch(file.url.replace(/sig=[^&]+/, "sig=AAAA"))).status).toBe(403);

    const proc = sim.events("alpha").find((e) => e.type === "procedure.published")!;
    expect(proc.data).toMatchObject({ code: "1.001193.000.00.00.H55", field: "Hộ tịch", level: "Cấp xã", status: "active" });
    const form = (proc.data.dossier as { documents: { form: { url: string } | null }[] }[])[0]!.documents[0]!.form;
    expect((await fetch(form!.url)).status).toBe(200);

    // The review-mode site got nothing: its rows are held.
    expect(sim.events("delta")).toEqual([]);
    expect(await hub.ctx.db.prisma.delivery.count({ where: { siteId: "delta", state: "held" } })).toBe(4);

    // The publication delay (docs/reports.md) is observed once per document and
    // site when the portal acknowledges it: beta's two sections count once,
    // procedures not at all, the held site not yet.
    const delayCount = async (site: string) => {
      const text = await (await fetch(`${hub.url}/metrics`)).text();
      return Number(new RegExp(`^portalsync_publication_delay_hours_count\\{site="${site}"\\} (\\S+)$`, "m").exec(text)?.[1] ?? "0");
    };
    await waitFor("the delay metric of acknowledged deliveries", async () => (await delayCount("alpha")) === 4 && (await delayCount("beta")) === 4);
    expect(await delayCount("delta")).toBe(0);
  });

  it("sends updates and withdrawals to the same remote item, in order", async () => {
    addDocument(1, "[chung]", 2); // new bytes: version 2
    addDocument(2, "[chung]", 1, "withdrawn");
    await sync();
    await waitFor("the update and the withdrawal on alpha", () => {
      const items = sim.items("alpha");
      return items.find((i) => i.number === "1/QĐ-UBND")?.version === 2 && items.find((i) => i.number === "2/QĐ-UBND")?.status === "withdrawn";
    });
    const doc1 = sim.items("alpha").find((i) => i.number === "1/QĐ-UBND")!;
    const events = sim.events("alpha").filter((e) => e.itemKey === doc1.key);
    expect(events.map((e) => [e.type, e.version])).toEqual([["document.published", 1], ["document.updated", 2]]);
    expect(events[1]!.data.remoteId).toBe(doc1.remoteId);
    await waitFor("beta too", () => sim.items("beta").filter((i) => i.status === "withdrawn").length === 2);
    expect(sim.anomalies("alpha")).toEqual([]);
    expect(sim.anomalies("beta")).toEqual([]);
  });

  it("a portal that is down for a while gets everything after it comes back, in order per item", async () => {
    sim.configure("beta", { down: { mode: "503", retryAfterSeconds: 0 } });
    for (let n = 10; n <= 12; n++) addDocument(n, "[chung]");
    await sync();
    addDocument(10, "[chung]", 2);
    addDocument(11, "[chung]", 2);
    await sync();
    // alpha is not held up by beta.
    await waitFor("alpha to get the new versions", () => sim.items("alpha").filter((i) => ["10/QĐ-UBND", "11/QĐ-UBND"].includes(i.number ?? "") && i.version === 2).length === 2);
    await waitFor("beta's rows to be retrying", async () => (await hub.ctx.db.prisma.delivery.count({ where: { siteId: "beta", state: "failed", attempts: { gte: 2 } } })) >= 6);
    expect(receivedEvents("beta", "").filter((e) => ["10/QĐ-UBND", "11/QĐ-UBND", "12/QĐ-UBND"].includes(String(e.data.number)))).toEqual([]);

    sim.configure("beta", { down: false, failNext: 3 });
    await waitFor("beta to catch up", () => sim.items("beta").filter((i) => ["10/QĐ-UBND", "11/QĐ-UBND"].includes(i.number ?? "") && i.version === 2).length === 4, 15_000);
    await waitFor("and doc 12", () => sim.items("beta").filter((i) => i.number === "12/QĐ-UBND").length === 2);
    for (const item of sim.items("beta").filter((i) => ["10/QĐ-UBND", "11/QĐ-UBND"].includes(i.number ?? ""))) {
      const versions = sim.events("beta").filter((e) => e.itemKey === item.key).map((e) => e.version);
      expect(versions).toEqual([1, 2]);
    }
    expect(sim.anomalies("beta")).toEqual([]);
    expect(sim.snapshot("beta").stats.duplicates).toBe(0);
  });

  it("a wrong signature secret is refused by the portal: the delivery is dead with the reason, and a replay after the fix delivers it", async () => {
    addDocument(20, "[epsilon]");
    await sync();
    const dead = await waitFor("the epsilon delivery to die", () => hub.ctx.db.prisma.delivery.findFirst({ where: { siteId: "epsilon", state: "dead" } }));
    expect(dead.lastStatus).toBe(401);
    expect(dead.lastError).toContain("signature check failed");
    expect(sim.snapshot("epsilon").stats.unauthorized).toBeGreaterThanOrEqual(1);
    expect(sim.events("epsilon")).toEqual([]);

    const listed = (await (await api("/api/v1/deliveries?site=epsilon&state=dead", { token: admin })).json()) as { deliveries: { id: string; lastError: string }[] };
    expect(listed.deliveries.map((d) => d.id)).toEqual([dead.id]);
    expect(listed.deliveries[0]!.lastError).toContain("signature check failed");

    sim.configure("epsilon", { secrets: [secrets.epsilon] }); // the portal fixes its secret
    const replay = await api("/api/v1/deliveries/replay", { method: "POST", token: admin, body: JSON.stringify({ site: "epsilon" }) });
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { count: number }).count).toBe(1);
    await waitFor("the replayed delivery", () => sim.events("epsilon").length === 1);
    // The portal has it; the hub records the answer with others (within ~100 ms).
    const row = await waitFor("the replay recorded", async () => {
      const r = await hub.ctx.db.prisma.delivery.findUniqueOrThrow({ where: { id: dead.id } });
      return r.state === "sending" ? null : r;
    });
    expect(row.state).toBe("delivered");
    expect(sim.events("epsilon")).toHaveLength(1);
    expect(await hub.ctx.db.prisma.auditEvent.count({ where: { action: "delivery.replay", targetId: "epsilon" } })).toBe(1);
    // Replaying something still in flight or held is refused.
    const held = await hub.ctx.db.prisma.delivery.findFirstOrThrow({ where: { state: "held" } });
    expect((await api(`/api/v1/deliveries/${held.id}/replay`, { method: "POST", token: admin })).status).toBe(409);
  });

  it("410 Gone disables the site's endpoint; its deliveries wait and go out once re-enabled", async () => {
    sim.configure("zeta", { gone: true });
    addDocument(30, "[zeta]");
    await sync();
    const site = await waitFor("zeta to be disabled", async () => {
      const s = await hub.ctx.db.prisma.site.findUniqueOrThrow({ where: { id: "zeta" } });
      return s.disabledReason ? s : null;
    });
    expect(site.disabledReason).toContain("410");
    addDocument(31, "[zeta]");
    await sync();
    await new Promise((r) => setTimeout(r, 300));
    const waiting = await hub.ctx.db.prisma.delivery.findMany({ where: { siteId: "zeta" } });
    expect(waiting.map((d) => d.state)).toEqual(["pending", "pending"]);
    expect(sim.snapshot("zeta").stats.injected).toBe(1); // one 410, then no more calls

    sim.configure("zeta", { gone: false });
    const clerk = (await createApiToken(hub.ctx.db.prisma, { name: "clerk", role: "clerk" })).token;
    expect((await api("/api/v1/sites/zeta/endpoint/enable", { method: "POST", token: clerk })).status).toBe(403);
    expect((await api("/api/v1/sites/zeta/endpoint/enable", { method: "POST", token: admin })).status).toBe(200);
    await waitFor("zeta's deliveries", () => sim.events("zeta").length === 2);
    expect(sim.anomalies("zeta")).toEqual([]);
  });

  it("review: an approved delivery is sent, a rejected one never is", async () => {
    const held = await hub.ctx.db.prisma.delivery.findMany({ where: { siteId: "delta", state: "held" }, orderBy: { seq: "asc" } });
    const clerk = (await createApiToken(hub.ctx.db.prisma, { name: "clerk-2", role: "clerk" })).token;
    expect((await api(`/api/v1/deliveries/${held[0]!.id}/approve`, { method: "POST", token: clerk, body: "{}" })).status).toBe(200);
    const reject = await api(`/api/v1/deliveries/${held[1]!.id}/reject`, { method: "POST", token: clerk, body: JSON.stringify({ reason: "sai trích yếu" }) });
    expect(reject.status).toBe(200);
    await waitFor("the approved one", () => sim.events("delta").length === 1);
    const rejected = await hub.ctx.db.prisma.delivery.findUniqueOrThrow({ where: { id: held[1]!.id } });
    expect(rejected).toMatchObject({ state: "rejected", reviewNote: "sai trích yếu", reviewedBy: "clerk-2" });
    expect((await api(`/api/v1/deliveries/${held[1]!.id}/approve`, { method: "POST", token: clerk, body: "{}" })).status).toBe(409);
    expect(await hub.ctx.db.prisma.auditEvent.count({ where: { action: { in: ["delivery.approve", "delivery.reject"] } } })).toBe(2);
  });
});

describe("pull feed and Atom", () => {
  it("returns each change once across pages, acknowledges by cursor, and keeps sites apart", async () => {
    const gamma = (await createApiToken(hub.ctx.db.prisma, { name: "gamma-portal", role: "site", siteId: "gamma" })).token;
    const alphaToken = (await createApiToken(hub.ctx.db.prisma, { name: "alpha-portal", role: "site", siteId: "alpha" })).token;

    expect((await api("/api/v1/sites/gamma/items")).status).toBe(401);
    expect((await api("/api/v1/sites/gamma/items", { token: alphaToken })).status).toBe(403);
    expect((await api("/api/v1/sites/gamma/items", { token: admin })).status).toBe(200);
    expect((await api("/api/v1/sites/gamma/items?after=xyz", { token: gamma })).status).toBe(400);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const res = await api(`/api/v1/sites/gamma/items?limit=3${cursor ? `&after=${cursor}` : ""}`, { token: gamma });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: { id: string; version: number; event: string; site: string }[]; next: string };
      for (const item of body.items) {
        expect(item.site).toBe("gamma");
        seen.push(`${item.id}|${item.version}|${item.event}`);
      }
      if (body.items.length === 0) {
        expect(body.next).toBe(cursor);
        break;
      }
      cursor = body.next;
    }
    const expected = await hub.ctx.db.prisma.delivery.count({ where: { siteId: "gamma", state: { notIn: ["held", "rejected"] } } });
    expect(seen.length).toBe(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((s) => s.endsWith("document.withdrawn"))).toHaveLength(1);

    // A new change shows up once, after the last cursor.
    const doc = addDocument(40, "[chung]");
    await sync();
    const next = (await (await api(`/api/v1/sites/gamma/items?after=${cursor}`, { token: gamma })).json()) as { items: { title: string; files: { url: string }[] }[]; next: string };
    expect(next.items.map((i) => i.title)).toEqual([doc.title]);
    expect((await fetch(next.items[0]!.files[0]!.url)).status).toBe(200);
    const again = (await (await api(`/api/v1/sites/gamma/items?after=${next.next}`, { token: gamma })).json()) as { items: unknown[] };
    expect(again.items).toEqual([]);
    // Asking after a cursor acknowledged everything before it.
    expect(await hub.ctx.db.prisma.delivery.count({ where: { siteId: "gamma", state: "pending" } })).toBe(0);
    // The push worker never touched the pull site.
    expect(await hub.ctx.db.prisma.delivery.count({ where: { siteId: "gamma", attempts: { gt: 0 } } })).toBe(0);
  });

  it("serves valid, escaped Atom per section to the site's token", async () => {
    const gamma = (await createApiToken(hub.ctx.db.prisma, { name: "gamma-reader", role: "site", siteId: "gamma" })).token;
    expect((await api("/feeds/gamma/van-ban.atom")).status).toBe(401);
    expect((await api("/feeds/gamma/khong-co.atom", { token: gamma })).status).toBe(404);
    // Only a site's read token belongs in a URL; an admin's or clerk's is refused there (logs keep query strings).
    for (const role of ["admin", "clerk"] as const) {
      const staff = (await createApiToken(hub.ctx.db.prisma, { name: `${role}-feed`, role })).token;
      const refused = await fetch(`${hub.url}/feeds/gamma/van-ban.atom?token=${staff}`);
      expect(refused.status, role).toBe(403);
      expect(((await refused.json()) as { error: string }).error).toMatch(/only a site's read token/);
      expect((await api("/feeds/gamma/van-ban.atom", { token: staff })).status, role).toBe(200);
    }
    const res = await fetch(`${hub.url}/feeds/gamma/van-ban.atom?token=${gamma}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/atom+xml");
    const xml = await res.text();
    const errors: string[] = [];
    const doc = new DOMParser({ onError: (level, msg) => errors.push(`${level}: ${msg}`) }).parseFromString(xml, "text/xml");
    expect(errors).toEqual([]);
    const entries = doc.getElementsByTagName("entry");
    const items = await hub.ctx.db.prisma.delivery.findMany({ where: { siteId: "gamma", state: { notIn: ["held", "rejected"] } }, distinct: ["itemId"], select: { itemId: true } });
    expect(entries.length).toBe(items.length);
    expect(xml).toContain("&lt;thử nghiệm&gt; &amp; &quot;kiểm tra&quot;");
    const enclosure = doc.getElementsByTagName("link")[1]!;
    expect(enclosure.getAttribute("rel")).toBe("enclosure");
    expect((await fetch(enclosure.getAttribute("href")!)).status).toBe(200);
  });

  it("passes portals clean attachment names, whatever the source called them", async () => {
    const doc = addDocument(90, "[chung] [tên tệp]");
    const names = ["../../../tmp/x.pdf", "..\\..\\Phụ lục\u0000 1.pdf".normalize("NFD"), "../.."];
    doc.files = names.map((name, i) => {
      fileBytes.set(`dirty-${i}`, new TextEncoder().encode(`%PDF-1.7\n% attachment ${i}\n%%EOF\n`));
      return { id: `dirty-${i}`, name, role: i === 0 ? "main" : "appendix", size: null, sha256: null } as const;
    });
    await sync();
    // The last has no usable name: numbered, with the extension of its type (the test source calls it a Word file).
    const clean = ["x.pdf", "Phụ lục 1.pdf", "tep-dinh-kem-3.doc"];
    // Webhook payload.
    const event = await waitFor("the webhook", () => receivedEvents("alpha", "[tên tệp]")[0]);
    const files = event.data.files as { name: string; url: string }[];
    expect(files.map((f) => f.name)).toEqual(clean);
    // The signed download names the file the same way.
    expect((await fetch(files[0]!.url)).headers.get("content-disposition")).toContain('filename="x.pdf"');
    // Pull feed and Atom.
    const gamma = (await createApiToken(hub.ctx.db.prisma, { name: "gamma-names", role: "site", siteId: "gamma" })).token;
    const page = (await (await api("/api/v1/sites/gamma/items?limit=500", { token: gamma })).json()) as { items: { title?: string; files?: { name: string }[] }[] };
    expect(page.items.find((i) => i.title?.includes("[tên tệp]"))?.files?.map((f) => f.name)).toEqual(clean);
    const atom = await (await api("/feeds/gamma/van-ban.atom", { token: gamma })).text();
    expect(atom).toContain('title="x.pdf"');
    expect(atom).toContain('title="tep-dinh-kem-3.doc"');
    expect(atom).not.toContain("../");
  });

  it("lists the delivery routes in the OpenAPI document", async () => {
    const spec = (await (await fetch(`${hub.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const p of ["/api/v1/sites/{site}/items", "/feeds/{site}/{feed}", "/files/{sha256}", "/api/v1/deliveries", "/api/v1/deliveries/{id}/replay", "/api/v1/deliveries/replay", "/api/v1/deliveries/{id}/approve", "/api/v1/deliveries/{id}/reject"]) {
      expect(Object.keys(spec.paths)).toContain(p);
    }
  });
});

describe("crash safety", () => {
  it("a hub killed mid-delivery resends nothing acknowledged twice as a new item and loses nothing", async () => {
    const prisma = hub.ctx.db.prisma;
    // Freeze the worker, as a crash would, then leave the database the way a
    // crash leaves it: two rows the portal acknowledged but whose result was
    // never written, and a fresh change claimed but never sent.
    await outboxOf(hub.ctx)!.stop();
    // Rows a crash can leave 'sending' are each the latest of their item (a
    // 'sending' row holds back later changes of the same item).
    const delivered = await prisma.delivery.findMany({ where: { siteId: "alpha", sectionId: { not: undefined } }, orderBy: { seq: "asc" } });
    const latest = new Map(delivered.map((d) => [`${d.sectionId}|${d.itemId}`, d]));
    const acked = [...latest.values()].filter((d) => d.state === "delivered" && d.lastStatus === 200 && d.event.endsWith("published")).slice(0, 2);
    expect(acked).toHaveLength(2);
    await prisma.delivery.updateMany({ where: { id: { in: acked.map((d) => d.id) } }, data: { state: "sending", deliveredAt: null } });
    addDocument(50, "[chung]");
    await sync();
    const fresh = await prisma.delivery.findMany({ where: { siteId: { in: ["alpha", "beta"] }, state: "pending" } });
    expect(fresh.length).toBe(3);
    await prisma.delivery.update({ where: { id: fresh[0]!.id }, data: { state: "sending", attempts: 1 } });
    const before = { alpha: sim.events("alpha").length, beta: sim.events("beta").length, dupAlpha: sim.snapshot("alpha").stats.duplicates };
    await hub.stop();

    // Same data directory (PGlite, blobs and the link key survive) and the
    // same address, as a restarted production hub has: file links in the
    // resent messages must be byte-identical.
    config = { ...config, server: { ...config.server, port: Number(new URL(hub.url).port) } };
    hub = await start();
    await waitFor("everything delivered after the restart", async () => (await hub.ctx.db.prisma.delivery.count({ where: { siteId: { in: ["alpha", "beta"] }, state: { in: ["pending", "sending", "failed"] } } })) === 0);
    // The two acknowledged messages came again with the same webhook-id and
    // identical data: the portal deduplicated them and stored nothing new.
    expect(sim.snapshot("alpha").stats.duplicates).toBe(before.dupAlpha + 2);
    expect(sim.events("alpha").length).toBe(before.alpha + 1);
    expect(sim.events("beta").length).toBe(before.beta + 2);
    for (const site of ["alpha", "beta"]) {
      const keys = sim.events(site).filter((e) => e.type.endsWith("published")).map((e) => e.itemKey);
      expect(new Set(keys).size).toBe(keys.length);
      expect(sim.anomalies(site)).toEqual([]);
    }
  });
});
