// The console's lists after the latency work (issue 15, item 4): word search
// with and without diacritics, số ký hiệu look-up, pagination and totals,
// deliveries paged by keyset; over HTTP against a real hub (PGlite, or
// PostgreSQL with PORTALSYNC_TEST_DATABASE_URL).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../src/auth/index.ts";
import { FRESH_MS } from "../../src/operator/count-cache.ts";
import { documentRow, seedConsoleWorkload } from "../bench/support/console-seed.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

const DOCUMENTS = 120;
let hub: TestHub;
let token: string;

beforeAll(async () => {
  hub = await startTestHub({
    sites: ["tinh", "huyen"].map((s) => ({ id: s, name: s, mode: "pull", sections: [{ slug: "van-ban", name: "Văn bản" }] })),
  });
  await hub.ctx.db.prisma.source.create({ data: { id: "seed", connector: "ioffice", name: "seed" } });
  await seedConsoleWorkload(hub.ctx.db, "seed", { documents: DOCUMENTS, procedures: 30, runs: 3 });
  ({ token } = await createApiToken(hub.ctx.db.prisma, { name: "lists", role: "admin" }));
}, 120_000);
afterAll(async () => hub?.close());

type DocumentPage = { total: number; page: number; pageSize: number; documents: { id: string; number: string; title: string; issuedDate: string; signatureStatus: string | null }[] };
const api = async <T,>(p: string): Promise<T> => {
  const res = await fetch(`${hub.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, p).toBe(200);
  return (await res.json()) as T;
};
const documents = (q: string, page = 1) => api<DocumentPage>(`/api/v1/documents?q=${encodeURIComponent(q)}&page=${page}`);

describe("console lists", () => {
  it("finds \"Quyết định\" with or without diacritics, the same documents", async () => {
    const { rows } = await hub.ctx.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Document" WHERE title LIKE 'Quyết định%'`);
    expect(rows[0]!.n).toBeGreaterThan(0);
    const marked = await documents("quyết định");
    const plain = await documents("QUYET DINH");
    expect(marked.total).toBe(rows[0]!.n);
    expect(plain.total).toBe(marked.total);
    expect(plain.documents.map((d) => d.id)).toEqual(marked.documents.map((d) => d.id));
    expect(marked.documents.every((d) => d.title.startsWith("Quyết định"))).toBe(true);
    expect((await documents("nghị quyết")).total).toBe(0);
    // LIKE wildcards in a query are plain characters
    expect((await documents("%")).total).toBe(0);
  });

  it("finds a document by its số ký hiệu however it is typed (leading zeros, no diacritics)", async () => {
    const target = documentRow(7); // "8/QĐ-UBND"
    expect(target.number).toBe("8/QĐ-UBND");
    for (const q of [target.number, "008/QD-UBND", "Số: 8 / QĐ-UBND"]) {
      const found = await documents(q);
      expect(found.documents.map((d) => d.id), q).toContain(target.id);
      expect(found.documents.every((d) => d.number.endsWith("/QĐ-UBND")), q).toBe(true);
    }
  });

  it("pages through every document once, newest issue date first, with the right total and signature status", async () => {
    const seen: string[] = [];
    let previous = "9999-12-31";
    const pages = Math.ceil(DOCUMENTS / 25);
    for (let page = 1; page <= pages + 1; page++) {
      const r = await api<DocumentPage>(`/api/v1/documents?page=${page}`);
      expect(r.total).toBe(DOCUMENTS);
      expect(r.documents.length).toBe(page <= pages ? Math.min(25, DOCUMENTS - (page - 1) * 25) : 0);
      for (const d of r.documents) {
        expect(d.issuedDate <= previous).toBe(true);
        previous = d.issuedDate;
        expect(["valid", "unsigned"]).toContain(d.signatureStatus);
        seen.push(d.id);
      }
    }
    expect(new Set(seen).size).toBe(DOCUMENTS);
  });

  it("counts a new document in the total once the cached count is no longer fresh", async () => {
    const before = (await api<DocumentPage>("/api/v1/documents")).total;
    await hub.ctx.db.sql.query(
      `INSERT INTO "Document" (id, "identityKey", "numberKey", number, title, "issuerName", "issuedDate", "searchText", "updatedAt")
       VALUES ('doc-late', 'late', '1/QD-LATE', '1/QĐ-LATE', 'Quyết định muộn', 'UBND', DATE '2030-01-01', 'quyet dinh muon', now() + interval '1 minute')`,
    );
    await new Promise((r) => setTimeout(r, FRESH_MS + 100));
    const after = await api<DocumentPage>("/api/v1/documents");
    expect(after.total).toBe(before + 1);
    expect(after.documents[0]!.id).toBe("doc-late"); // issued last, listed first
    expect((await documents("quyet dinh muon")).documents.map((d) => d.id)).toEqual(["doc-late"]);
  });

  it("finds procedures by words without diacritics", async () => {
    const r = await api<{ total: number; procedures: { name: string }[] }>(`/api/v1/procedures?q=${encodeURIComponent("cap lai giay phep")}`);
    expect(r.total).toBeGreaterThan(0);
    expect(r.procedures.every((p) => p.name.startsWith("Cấp lại giấy phép"))).toBe(true);
  });

  it("pages the console's deliveries by keyset: every row once, newest first, filters kept", async () => {
    const cookie = await signedIn();
    const collect = async (first: string) => {
      const ids: string[] = [];
      for (let url: string | null = first; url; ) {
        const html = await (await fetch(`${hub.url}${url}`, { headers: { cookie } })).text();
        ids.push(...[...html.matchAll(/data-delivery="([^"]+)"/g)].map((m) => m[1]!));
        url = /<a href="([^"]+)" rel="next">/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? null;
      }
      return ids;
    };
    const all = await collect("/console/deliveries");
    expect(all.length).toBe(DOCUMENTS * 2);
    expect(new Set(all).size).toBe(all.length);
    const dead = await collect("/console/deliveries?site=huyen&state=dead");
    const { rows } = await hub.ctx.db.sql.query<{ id: string }>(`SELECT id FROM "Delivery" WHERE "siteId" = 'huyen' AND state = 'dead' ORDER BY seq DESC`);
    expect(dead).toEqual(rows.map((r) => r.id));

    // The JSON API lists from the same statement, with its own page size.
    const viaApi: string[] = [];
    for (let before: string | null = ""; before !== null; ) {
      const r: { deliveries: { id: string; section: string; version: number | null; messageId: string }[]; next: string | null } = await api(`/api/v1/deliveries?limit=70${before ? `&before=${before}` : ""}`);
      expect(r.deliveries.every((d) => d.section === "van-ban" && d.version === 1 && d.messageId.length > 0)).toBe(true);
      viaApi.push(...r.deliveries.map((d) => d.id));
      before = r.next;
    }
    expect(viaApi).toEqual(all);
  });

  it("lists runs newest first from plain SQL, the same values Prisma reads (dates, progress, window)", async () => {
    const prisma = hub.ctx.db.prisma;
    await prisma.syncRun.create({
      data: {
        sourceId: "seed", trigger: "backfill", requestedBy: "clerk", status: "failed", seen: 7, created: 3, failed: 1, error: "the source went away",
        windowFrom: new Date("2026-01-01T00:00:00.000Z"), windowTo: new Date("2026-02-01T16:59:59.999Z"), progress: { page: 2, pages: 5, cursor: "abc" },
        createdAt: new Date("2030-01-01T01:02:03.456Z"), startedAt: new Date("2030-01-01T01:02:04.000Z"), finishedAt: new Date("2030-01-01T01:05:00.000Z"),
      },
    });
    const expected = (await prisma.syncRun.findMany({ orderBy: { createdAt: "desc" }, take: 50 })).map((r) => ({
      id: r.id, sourceId: r.sourceId, trigger: r.trigger, requestedBy: r.requestedBy, status: r.status, counts: { seen: r.seen, created: r.created, updated: r.updated, duplicate: r.duplicate, rejected: r.rejected, failed: r.failed },
      windowFrom: r.windowFrom?.toISOString() ?? null, windowTo: r.windowTo?.toISOString() ?? null, itemRef: r.itemRef, progress: r.progress ?? null, error: r.error,
      createdAt: r.createdAt.toISOString(), startedAt: r.startedAt?.toISOString() ?? null, finishedAt: r.finishedAt?.toISOString() ?? null,
    }));
    expect(expected.length).toBeGreaterThan(1);
    const { runs } = await api<{ runs: unknown[] }>("/api/v1/runs?limit=50");
    expect(runs).toEqual(expected);
    expect(runs[0]).toMatchObject({ error: "the source went away", progress: { page: 2, pages: 5, cursor: "abc" }, windowTo: "2026-02-01T16:59:59.999Z" });
    expect((await api<{ runs: unknown[] }>("/api/v1/runs?source=nobody")).runs).toEqual([]);
  });
});

async function signedIn(): Promise<string> {
  const { hashPassword, signIn, sessionDeps } = await import("../../src/auth/index.ts");
  await hub.ctx.db.prisma.user.create({ data: { username: "lists", displayName: "Lists", role: "clerk", passwordHash: await hashPassword("lists-password-1") } });
  const signed = await signIn(sessionDeps(hub.ctx), "lists", "lists-password-1");
  return `portalsync_session=${signed!.cookie}`;
}
