import { createHash, randomBytes } from "node:crypto";
import { copyFile, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CanonicalDocument } from "../../src/core/index.ts";
import type { ChangePage, ConnectorContext } from "../sdk.ts";
import connector, { createUploadRoutes, EdxmlInboxClient, UPLOAD_PATH } from "./index.ts";
import { edxmlInboxConfigSchema } from "./config.ts";
import { IN_THREAD_MAX_BYTES, stopParseWorker } from "./offthread.ts";
import { buildEdxmlPackage, generateEdxmlPackage, postEdxmlPackages, writeEdxmlPackages } from "./simulator.ts";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..", "../shared/fixtures/edxml");

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "edxml-inbox-"));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

const ctx: ConnectorContext = {
  fetch: globalThis.fetch,
  log: pino({ level: "silent" }),
  now: () => new Date(),
  sleep: async () => undefined,
};

function client(options: Record<string, unknown> = {}): EdxmlInboxClient {
  return connector.create(edxmlInboxConfigSchema.parse({ folder, settleMs: 0, ...options }), ctx) as EdxmlInboxClient;
}

async function collect(iterable: AsyncIterable<ChangePage>, stopAfter = Number.POSITIVE_INFINITY): Promise<ChangePage[]> {
  const pages: ChangePage[] = [];
  for await (const page of iterable) {
    pages.push(page);
    if (pages.length >= stopAfter) break;
  }
  return pages;
}

/** The inbox folder's visible entries; the hidden work folders must be empty. */
async function listing(dir = folder): Promise<string[]> {
  const names = await readdir(dir);
  for (const hidden of names.filter((n) => n.startsWith("."))) expect(await readdir(path.join(dir, hidden)), hidden).toEqual([]);
  return names.filter((n) => !n.startsWith("."));
}

function docs(pages: ChangePage[]): CanonicalDocument[] {
  return pages.flatMap((p) => p.items.map((i) => i.item as CanonicalDocument));
}

describe("edXML inbox folder", () => {
  it("ingests good packages, sets bad ones aside with an explanation, and serves the attachments", async () => {
    const written = await writeEdxmlPackages(folder, 4, { seed: 7 });
    await copyFile(path.join(FIXTURES, "status_finish_06.edxml"), path.join(folder, "status_finish_06.edxml"));
    await copyFile(path.join(FIXTURES, "edoc.edxml"), path.join(folder, "edoc.edxml"));
    await writeFile(path.join(folder, "garbage.edxml"), "this is not XML at all");
    await writeFile(path.join(folder, "notes.txt"), "ignored: not an .edxml file");

    const inbox = client({ pageSize: 3 });
    const pages = await collect(inbox.listChanges(null));
    const got = docs(pages);
    expect(got.map((d) => d.number)).toEqual(written.map((w) => w.meta.number));
    expect(got.every((d) => d.isPublic && d.status === "issued")).toBe(true);
    expect(pages.map((p) => p.items.length)).toEqual([3, 1]);
    expect(pages[0]?.total).toBe(4);

    const processed = await readdir(path.join(folder, "processed"));
    expect(processed).toHaveLength(4);
    const rejected = (await readdir(path.join(folder, "rejected"))).sort();
    expect(rejected.filter((n) => n.endsWith(".error.txt"))).toHaveLength(3);
    const reasons = await Promise.all(rejected.filter((n) => n.endsWith(".error.txt")).map((n) => readFile(path.join(folder, "rejected", n), "utf8")));
    expect(reasons.join("\n")).toMatch(/status message, not a document \(StatusCode 06 Hoàn thành/u);
    expect(reasons.join("\n")).toMatch(/not well-formed XML at line 74/u);
    expect(reasons.join("\n")).toMatch(/garbage\.edxml/u);
    expect((await listing()).sort()).toEqual(["notes.txt", "processed", "rejected"]);

    // Package 3 (index % 4 === 3) carries an unsigned phụ lục as well.
    const withAppendix = got[3]!;
    expect(withAppendix.files.map((f) => f.role)).toEqual(["main", "appendix"]);
    for (const ref of withAppendix.files) {
      const file = await inbox.fetchFile(ref, { maxBytes: 10_000_000 });
      const bytes = new Uint8Array(await new Response(file.body).arrayBuffer());
      expect(Buffer.from(bytes.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
      expect(file.mime).toBe("application/pdf");
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(ref.sha256);
      expect(file.sha256).toBe(ref.sha256);
    }
    await listing(); // fetched attachments leave nothing in the spool folder
    await expect(inbox.fetchFile({ ...withAppendix.files[0]!, id: "../../etc/passwd#1" }, { maxBytes: 1000 })).rejects.toThrow(/not an inbox file id/u);
    expect((await inbox.fetchItem(got[1]!.externalId)).number).toBe(got[1]!.number);

    // Nothing new after the last cursor; new arrivals only.
    const last = pages.at(-1)!.cursor;
    expect(docs(await collect(inbox.listChanges(last)))).toEqual([]);
    const more = await writeEdxmlPackages(folder, 2, { seed: 7, start: 10 });
    expect(docs(await collect(inbox.listChanges(last))).map((d) => d.number)).toEqual(more.map((m) => m.meta.number));
  });

  it("resumes after a crash mid-run without losing or repeating a package", async () => {
    const written = await writeEdxmlPackages(folder, 5, { seed: 9 });
    const first = client({ pageSize: 2 });
    const firstPages = await collect(first.listChanges(null), 1);
    const saved = JSON.parse(JSON.stringify(firstPages[0]!.cursor));
    // A new process (new client) picks up where the saved cursor stopped.
    const more = await writeEdxmlPackages(folder, 1, { seed: 9, start: 20 });
    const second = client({ pageSize: 2 });
    const rest = await collect(second.listChanges(saved));
    const numbers = [...docs(firstPages), ...docs(rest)].map((d) => d.number);
    expect(numbers).toEqual([...written, ...more].map((w) => w.meta.number));
  });

  it("waits until a file has settled before taking it", async () => {
    await writeEdxmlPackages(folder, 1, { seed: 3 });
    const inbox = client({ settleMs: 60_000 });
    expect(docs(await collect(inbox.listChanges(null)))).toEqual([]);
    const [name] = (await readdir(folder)).filter((n) => n.endsWith(".edxml"));
    const old = new Date(Date.now() - 120_000);
    await utimes(path.join(folder, name!), old, old);
    expect(docs(await collect(inbox.listChanges(null)))).toHaveLength(1);
  });

  it("reports health", async () => {
    const health = await client().check();
    expect(health.ok).toBe(true);
    expect(health.message).toMatch(/0 package\(s\) waiting/u);
  });
});

describe("edXML inbox with large packages", () => {
  afterEach(stopParseWorker);

  it("parses packages over the in-thread size in the worker; uploads and fetched attachments are byte-exact", async () => {
    const content = randomBytes(IN_THREAD_MAX_BYTES + 500_000);
    const sha256 = createHash("sha256").update(content).digest("hex");
    const xml = buildEdxmlPackage({
      from: { organId: "000.00.21.H55", name: "UBND huyện Bình Sơn" },
      number: "77/QĐ-UBND",
      date: "2026-11-20",
      typeName: "Quyết định",
      subject: "Hồ sơ kèm theo lớn",
      attachments: [{ name: "ho-so.bin", bytes: content }],
    });
    expect(Buffer.byteLength(xml)).toBeGreaterThan(IN_THREAD_MAX_BYTES);
    const server = serve({ fetch: createUploadRoutes({ folder }).fetch, port: 0, hostname: "127.0.0.1" });
    try {
      await new Promise<void>((resolve) => server.once("listening", () => resolve()));
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}${UPLOAD_PATH}`, { method: "POST", body: xml, headers: { "content-type": "application/xml" } });
      expect(res.status).toBe(202);
      const body = (await res.json()) as { summary: { attachments: { sha256: string; size: number }[] } };
      expect(body.summary.attachments).toMatchObject([{ sha256, size: content.length }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const inbox = client();
    const [doc] = docs(await collect(inbox.listChanges(null)));
    expect(doc?.files).toMatchObject([{ sha256, size: content.length }]);
    const fetched = await inbox.fetchFile(doc!.files[0]!, { maxBytes: 10_000_000 });
    expect(Buffer.from(await new Response(fetched.body).arrayBuffer()).equals(content)).toBe(true);
    expect(await listing()).toEqual(["processed", "rejected"]);
  });
});

describe("edXML upload endpoint", () => {
  it("accepts a raw package (202), writes it atomically, and the inbox ingests it", async () => {
    const app = createUploadRoutes({ folder });
    const generated = await generateEdxmlPackage(1, { seed: 5 });
    const res = await app.request(UPLOAD_PATH, { method: "POST", headers: { "Content-Type": "application/xml; charset=utf-8" }, body: generated.xml });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: boolean; file: string; summary: { number: string; attachments: unknown[] } };
    expect(body.accepted).toBe(true);
    expect(body.summary.number).toBe(generated.meta.number);
    expect(body.file).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}-upload\.edxml$/u);
    expect(await listing()).toEqual([body.file]);
    const got = docs(await collect(client().listChanges(null)));
    expect(got.map((d) => d.number)).toEqual([generated.meta.number]);
  });

  it("accepts multipart uploads (field file)", async () => {
    const app = createUploadRoutes({ folder });
    const generated = await generateEdxmlPackage(2, { seed: 5 });
    const form = new FormData();
    form.set("file", new Blob([generated.xml], { type: "application/xml" }), "../../Công văn 12.edxml");
    const res = await app.request(UPLOAD_PATH, { method: "POST", body: form });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { file: string };
    expect(body.file).toMatch(/-Công_văn_12\.edxml$/u);
    expect(await listing()).toEqual([body.file]);
  });

  it("answers 400 for broken packages and status messages, 415 for other types, 413 when too large", async () => {
    const app = createUploadRoutes({ folder, maxBytes: 200_000 });
    const post = (body: string | Uint8Array, type: string | null, headers: Record<string, string> = {}) =>
      app.request(UPLOAD_PATH, { method: "POST", headers: { ...(type ? { "Content-Type": type } : {}), ...headers }, body });

    const malformed = await post(await readFile(path.join(FIXTURES, "edoc.edxml")), "application/xml");
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/not well-formed XML/u);

    const status = await post(await readFile(path.join(FIXTURES, "status_acceptance_03.edxml")), "text/xml");
    expect(status.status).toBe(400);
    expect(((await status.json()) as { error: string }).error).toMatch(/status message, not a document/u);

    const dtd = await post('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><edXML/>', "application/xml");
    expect(dtd.status).toBe(400);

    expect((await post("", "application/xml")).status).toBe(400);
    expect((await post("hello", "text/plain")).status).toBe(415);
    expect((await post("{}", "application/json")).status).toBe(415);

    const big = await readFile(path.join(FIXTURES, "edoc_new.edxml"));
    const declared = await post(big, "application/xml", { "Content-Length": String(big.length) });
    expect(declared.status).toBe(413);
    // No Content-Length (chunked): the limit holds while reading.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(big.subarray(0, 150_000));
        controller.enqueue(big.subarray(150_000));
        controller.close();
      },
    });
    const chunked = await app.request(UPLOAD_PATH, { method: "POST", headers: { "Content-Type": "application/xml" }, body: stream, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await listing()).toEqual([]);
  });

  it("takes packages POSTed over HTTP by the generator", async () => {
    const server = serve({ fetch: createUploadRoutes({ folder }).fetch, port: 0, hostname: "127.0.0.1" });
    try {
      await new Promise<void>((resolve) => server.once("listening", () => resolve()));
      const { port } = server.address() as AddressInfo;
      const results = await postEdxmlPackages(`http://127.0.0.1:${port}${UPLOAD_PATH}`, 3, { seed: 11 });
      expect(results.map((r) => r.status)).toEqual([202, 202, 202]);
      const got = docs(await collect(client().listChanges(null)));
      expect(got).toHaveLength(3);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
