import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CanonicalDocument } from "../../src/core/index.ts";
import type { ChangePage, ConnectorContext, Cursor, SourceClient } from "../sdk.ts";
import { createIofficeClient, IofficeError } from "./client.ts";
import { iofficeConfigSchema, type IofficeConfigInput } from "./config.ts";
import { createIofficeSimulator, type IofficeSimulator } from "./simulator.ts";

let server: ServerType;
let baseUrl: string;
let sim: IofficeSimulator;

beforeAll(async () => {
  sim = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 7, count: 60 });
  server = serve({ fetch: (req) => sim.app.fetch(req), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  sim.faults.reset();
});

function context(sleeps: number[] = []): ConnectorContext {
  return {
    fetch: globalThis.fetch,
    log: pino({ level: "silent" }),
    now: () => new Date(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
}

function client(overrides: Partial<IofficeConfigInput> = {}, sleeps: number[] = []) {
  const config = iofficeConfigSchema.parse({
    baseUrl,
    clientId: "portalsync",
    clientSecret: "sim-secret",
    pageSize: 10,
    timeoutMs: 2000,
    retryBaseMs: 10,
    ...overrides,
  });
  return createIofficeClient(config, context(sleeps));
}

async function pages(c: SourceClient, cursor: Cursor | null = null, limit = Infinity): Promise<ChangePage[]> {
  const out: ChangePage[] = [];
  for await (const page of c.listChanges(cursor)) {
    out.push(page);
    if (out.length >= limit) break;
  }
  return out;
}

const idsOf = (ps: ChangePage[]) => ps.flatMap((p) => p.items.map((i) => i.externalId));

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe("iOffice client against the simulator over HTTP", () => {
  it("lists everything in (cap_nhat_luc, id) order with mapped items and reuses one token", async () => {
    const c = client();
    const ps = await pages(c);
    expect(idsOf(ps)).toEqual(sim.ids());
    // Keyset paging re-reads the cursor's second, so some pages carry fewer new items.
    expect(ps.length).toBeGreaterThanOrEqual(6);
    expect(ps[0]!.total).toBe(60);
    const docs = ps.flatMap((p) => p.items.map((i) => i.item as CanonicalDocument));
    expect(docs.every((d) => d.kind === "document" && d.files.some((f) => f.role === "main"))).toBe(true);
    expect(docs.some((d) => !d.isPublic)).toBe(true);
    expect(docs.some((d) => d.status === "withdrawn")).toBe(true);
    expect(docs.some((d) => d.status === "replaced")).toBe(true);
    expect(docs.some((d) => d.replacesExternalId !== null)).toBe(true);
    expect(docs.some((d) => d.docType === null)).toBe(true); // Công văn
    // Text served in NFD arrives NFC.
    expect(docs.every((d) => d.title === d.title.normalize("NFC") && d.issuer.name === d.issuer.name.normalize("NFC"))).toBe(true);
    expect(c.tokenFetches).toBe(1);
  });

  it("resumes from a cursor after a crash at page k: no loss, no duplicates", async () => {
    const all = sim.ids();
    const first = await pages(client(), null, 3); // the run "dies" after saving page 3's cursor
    const resumed = await pages(client(), first.at(-1)!.cursor);
    const seen = [...idsOf(first), ...idsOf(resumed)];
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("is incremental: only changed documents after the saved cursor, even when changes happen mid-run", async () => {
    const c = client();
    const initial = await pages(c);
    const cursor = initial.at(-1)!.cursor;
    expect(await pages(c, cursor)).toEqual([]);

    // A change between pages of a run: document on an already-read page moves to the end.
    const run: string[] = [];
    const extra = client();
    let changedMidRun = false;
    for await (const page of extra.listChanges(null)) {
      run.push(...page.items.map((i) => i.externalId));
      if (!changedMidRun) {
        changedMidRun = true;
        await sim.change({ id: page.items[0]!.externalId, patch: { trich_yeu: "Về việc sửa đổi trích yếu (mô phỏng)" } });
      }
    }
    expect(new Set(run).size).toBe(run.length - 1); // the changed item is seen again, at the end
    expect(run.slice(0, 60).sort()).toEqual([...sim.ids()].sort());

    const withdrawn = await sim.withdraw(sim.ids()[5]!);
    const fresh = await sim.replace(sim.ids()[6]!);
    const added = await sim.change({});
    const delta = await pages(c, cursor);
    const deltaIds = idsOf(delta);
    expect(deltaIds).toEqual(expect.arrayContaining([withdrawn.id, fresh.id, added.id]));
    const items = delta.flatMap((p) => p.items.map((i) => i.item as CanonicalDocument));
    expect(items.find((d) => d.externalId === withdrawn.id)!.status).toBe("withdrawn");
    expect(items.find((d) => d.externalId === fresh.id)!.replacesExternalId).toBe(sim.ids().find((id) => id === fresh.thay_the_cho));
  });

  it("pages through more ties than a page holds, and dedups duplicateAcrossPages", async () => {
    // 25 documents per timestamp with pages of 10: the client must move on with `trang`.
    const tied = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 3, count: 80, tiesPerTimestamp: 25 });
    const tiedServer = serve({ fetch: (req) => tied.app.fetch(req), port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => tiedServer.once("listening", () => resolve()));
    try {
      const url = `http://127.0.0.1:${(tiedServer.address() as AddressInfo).port}`;
      tied.faults.set({ duplicateAcrossPages: true });
      const ps = await pages(client({ baseUrl: url }));
      const ids = idsOf(ps);
      expect(ids).toEqual(tied.ids());
      expect(new Set(ids).size).toBe(80);
      expect(tied.faults.get().fired.duplicateAcrossPages).toBeGreaterThan(0);
      // Crash after every page, resume each time: still exactly once.
      const resumed: string[] = [];
      let cursor: Cursor | null = null;
      for (;;) {
        const next: ChangePage[] = await pages(client({ baseUrl: url }), cursor, 1);
        if (next.length === 0) break;
        resumed.push(...idsOf(next));
        cursor = next[0]!.cursor;
      }
      expect(resumed).toEqual(tied.ids());
    } finally {
      await new Promise<void>((resolve) => tiedServer.close(() => resolve()));
    }
  });

  it("dedups duplicateAcrossPages on the default dataset", async () => {
    sim.faults.set({ duplicateAcrossPages: true });
    expect(idsOf(await pages(client()))).toEqual(sim.ids());
  });

  it("retries 500s with backoff through ctx.sleep", async () => {
    const sleeps: number[] = [];
    sim.faults.set({ serverError: { count: 2 } });
    const c = client({}, sleeps);
    const item = await c.fetchItem(sim.ids()[0]!);
    expect(item.externalId).toBe(sim.ids()[0]);
    expect(sim.faults.get().fired.serverError).toBe(2);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThanOrEqual(10); // second step of 10 ms · 2^n with jitter
  });

  it("gives up after maxRetries", async () => {
    sim.faults.set({ serverError: { count: 10 } });
    const err = await client({ maxRetries: 2 }).fetchItem(sim.ids()[0]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IofficeError);
    expect((err as IofficeError).status).toBe(500);
    expect(sim.faults.get().fired.serverError).toBe(3);
  });

  it("honours Retry-After on 429", async () => {
    const sleeps: number[] = [];
    sim.faults.set({ rateLimit: { retryAfter: 7, count: 1 } });
    await pages(client({}, sleeps), null, 1);
    expect(sleeps).toEqual([7000]);
  });

  it("times out a slow answer and retries", async () => {
    const sleeps: number[] = [];
    sim.faults.set({ slow: { ms: 600, count: 1 } });
    const started = performance.now();
    const item = await client({ timeoutMs: 150 }, sleeps).fetchItem(sim.ids()[1]!);
    expect(item.externalId).toBe(sim.ids()[1]);
    expect(sleeps).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(600);
  });

  it("refreshes the token once on 401 and retries", async () => {
    const c = client();
    await c.fetchItem(sim.ids()[0]!);
    expect(c.tokenFetches).toBe(1);
    sim.faults.set({ tokenExpiry: { count: 1 } });
    await c.fetchItem(sim.ids()[1]!);
    expect(c.tokenFetches).toBe(2);
    // Two expiries in a row: one refresh per call only, then an auth error.
    sim.faults.set({ tokenExpiry: { count: 2 } });
    const err = await c.fetchItem(sim.ids()[2]!).catch((e: unknown) => e);
    expect((err as IofficeError).code).toBe("auth");
    expect(c.tokenFetches).toBe(3);
  });

  it("keeps using a short-lived token for most of its life (expires_in 20: 37 calls, one per second)", async () => {
    let clock = Date.parse("2026-01-10T00:00:00Z");
    const now = () => new Date(clock);
    const shortSim = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 7, count: 3, tokenTtlSeconds: 20, now });
    const shortServer = serve({ fetch: (req) => shortSim.app.fetch(req), port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => shortServer.once("listening", () => resolve()));
    try {
      const c = createIofficeClient(
        iofficeConfigSchema.parse({ baseUrl: `http://127.0.0.1:${(shortServer.address() as AddressInfo).port}`, clientId: "portalsync", clientSecret: "sim-secret" }),
        { ...context(), now },
      );
      for (let call = 0; call < 37; call++) {
        await c.fetchItem(shortSim.ids()[call % 3]!);
        clock += 1000;
      }
      // Renewed after 17 s of its 20 (the shared margin, connectors/http-kit): 3 tokens, never a 401.
      expect(shortSim.tokens.issued).toBe(3);
      expect(c.tokenFetches).toBe(3);
    } finally {
      await new Promise<void>((resolve) => shortServer.close(() => resolve()));
    }
  });

  it("downloads a signed PDF with its ETag checked", async () => {
    const doc = (await client().fetchItem(sim.ids()[0]!)) as CanonicalDocument;
    const main = doc.files.find((f) => f.role === "main")!;
    const fetched = await client().fetchFile(main, { maxBytes: 10_000_000 });
    const bytes = await readAll(fetched.body);
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    expect(bytes.length).toBe(main.size);
    expect(fetched.size).toBe(bytes.length);
    expect(fetched.mime).toBe("application/pdf");
    expect(fetched.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(bytes.toString("latin1")).toContain("/ByteRange");
  });

  it("detects a truncated body as an error for that file", async () => {
    const doc = (await client().fetchItem(sim.ids()[2]!)) as CanonicalDocument;
    sim.faults.set({ truncateBody: { count: 1, match: "/api/v1/tep/" } });
    const fetched = await client().fetchFile(doc.files[0]!, { maxBytes: 10_000_000 });
    const err = await readAll(fetched.body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IofficeError);
    expect((err as IofficeError).code).toBe("truncated");
    // The next attempt is whole.
    const again = await readAll((await client().fetchFile(doc.files[0]!, { maxBytes: 10_000_000 })).body);
    expect(again.length).toBe(doc.files[0]!.size);
  });

  it("retries a listing whose JSON body was truncated", async () => {
    const sleeps: number[] = [];
    sim.faults.set({ truncateBody: { count: 1, match: "/da-ban-hanh" } });
    const ps = await pages(client({}, sleeps), null, 1);
    expect(ps[0]!.items).toHaveLength(10);
    expect(sleeps).toHaveLength(1);
  });

  it("enforces the size limit before and during the download", async () => {
    const doc = (await client().fetchItem(sim.ids()[3]!)) as CanonicalDocument;
    const main = doc.files[0]!;
    await expect(client().fetchFile(main, { maxBytes: 1000 })).rejects.toMatchObject({ code: "too-large" });
    // Unknown announced size: rejected on Content-Length.
    await expect(client().fetchFile({ ...main, size: null }, { maxBytes: 1000 })).rejects.toMatchObject({ code: "too-large" });
    expect(sim.stats.file).toBeGreaterThan(0);
  });

  it("detects a SHA-256 mismatch", async () => {
    const doc = (await client().fetchItem(sim.ids()[4]!)) as CanonicalDocument;
    const main = doc.files[0]!;
    sim.corruptFile(main.id);
    try {
      const fetched = await client().fetchFile(main, { maxBytes: 10_000_000 });
      await expect(readAll(fetched.body)).rejects.toMatchObject({ code: "checksum" });
    } finally {
      sim.corruptFile(main.id, false);
    }
    // Listing-announced sha256 is checked too.
    const fetched = await client().fetchFile({ ...main, sha256: "0".repeat(64) }, { maxBytes: 10_000_000 });
    await expect(readAll(fetched.body)).rejects.toMatchObject({ code: "checksum" });
  });

  it("check() reports health", async () => {
    expect((await client().check()).ok).toBe(true);
    expect((await client({ clientSecret: "wrong" }).check()).ok).toBe(false);
  });

  it("edxml mode: items from the edXML package, files from its attachments", async () => {
    const c = client({ mode: "edxml" });
    const id = sim.ids()[8]!;
    const doc = (await c.fetchItem(id)) as CanonicalDocument;
    const json = (await client().fetchItem(id)) as CanonicalDocument;
    expect(doc.externalId).toBe(id);
    expect(doc.number).toBe(json.number);
    expect(doc.files.length).toBe(json.files.length);
    const fetched = await c.fetchFile(doc.files[0]!, { maxBytes: 10_000_000 });
    const bytes = await readAll(fetched.body);
    expect(bytes).toEqual(Buffer.from(await sim.fileBytes(json.files[0]!.id)));
    expect(sim.stats.edxml).toBeGreaterThan(0);
  });
});
