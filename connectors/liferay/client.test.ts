// The Liferay client against the stand-in over real HTTP. The stand-in refuses
// anything outside Liferay's published OpenAPI description, and every test
// ends by asserting it refused nothing, so these tests also prove the client
// only makes requests real Liferay accepts.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DeliveryFile, DeliveryRequest } from "../sdk.ts";
import { OAuth2Authorizer } from "./auth.ts";
import { createLiferayClient, type LiferayClient } from "./client.ts";
import { contentErc, fileErc } from "./mapping.ts";
import { liferayOptionsSchema, type LiferayOptionsInput } from "./options.ts";
import { createLiferaySimulator, DEFAULT_SIM_SITE_ID, DEFAULT_SIM_STRUCTURE_ID, type LiferaySimulator } from "./simulator.ts";

const PDF = readFileSync(new URL("../../../shared/fixtures/public-signed-pdfs/signpdf__signed.pdf", import.meta.url));
const APPENDIX = new TextEncoder().encode("%PDF-1.4\nPhụ lục kèm theo\n%%EOF\n");
const FORM = new TextEncoder().encode("Mẫu đơn đề nghị (tờ khai)");

let server: ServerType;
let baseUrl: string;
let sim: LiferaySimulator;
let clock = Date.parse("2026-11-21T02:00:00Z");

beforeAll(async () => {
  sim = createLiferaySimulator({ baseUrl: "http://placeholder", now: () => new Date(clock) });
  server = serve({ fetch: (req) => sim.app.fetch(req), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  sim.faults.reset();
  sim.refusals.length = 0;
  sim.answerProblems.length = 0;
});
afterEach(() => {
  expect(sim.refusals, "the stand-in refused a request outside Liferay's OpenAPI description").toEqual([]);
  expect(sim.answerProblems, "the stand-in answered outside Liferay's OpenAPI description").toEqual([]);
});

function client(overrides: Partial<LiferayOptionsInput> = {}, timeoutMs = 10_000): LiferayClient {
  const options = liferayOptionsSchema.parse({
    baseUrl,
    siteId: DEFAULT_SIM_SITE_ID,
    auth: { clientId: "portalsync", clientSecret: "liferay-secret" },
    contentStructureId: DEFAULT_SIM_STRUCTURE_ID,
    ...overrides,
  });
  return createLiferayClient(options, { fetch: globalThis.fetch, now: () => new Date(clock), timeoutMs });
}

function file(name: string, bytes: Uint8Array, role: DeliveryFile["role"] = "main"): DeliveryFile {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return {
    name,
    mime: name.endsWith(".pdf") ? "application/pdf" : "application/msword",
    size: bytes.byteLength,
    sha256,
    role,
    url: `http://hub.invalid/files/${sha256}`,
    open: async () => new Blob([bytes.slice()]).stream(),
  };
}

let seq = 0;
function documentRequest(over: Partial<DeliveryRequest> & { dataOver?: Record<string, unknown> } = {}): DeliveryRequest {
  const itemId = over.itemId ?? `0b6f3c1e-1111-4a4a-9b9b-${String(++seq).padStart(12, "0")}`;
  const files = over.files ?? [file("152-QĐ-UBND.pdf", PDF), file("Phụ lục.pdf", APPENDIX, "appendix")];
  return {
    messageId: `msg_${itemId}_${over.event ?? "document.published"}`,
    timestamp: Math.floor(clock / 1000),
    occurredAt: new Date(clock).toISOString(),
    event: "document.published",
    itemId,
    site: { id: "tinh", name: "Cổng TTĐT tỉnh" },
    section: { slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành", itemKind: "document" },
    files,
    remoteId: null,
    ...over,
    data: {
      id: itemId,
      version: 1,
      number: "152/QĐ-UBND",
      docType: "Quyết định",
      title: "Về việc ban hành quy chế phối hợp",
      issuer: "UBND huyện Bình Sơn",
      signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
      issuedAt: "2026-11-20",
      field: "Thông tin và Truyền thông",
      replaces: null,
      files: files.map((f) => ({ name: f.name, mime: f.mime, size: f.size, sha256: f.sha256, url: f.url })),
      signature: { status: "valid", signers: [{ commonName: "Phạm Quang Sự", organization: "UBND huyện Bình Sơn", signingTime: "2026-11-20T08:00:00Z" }] },
      ...over.dataOver,
    },
  };
}

function procedureRequest(over: Partial<DeliveryRequest> & { dataOver?: Record<string, unknown> } = {}): DeliveryRequest {
  const itemId = over.itemId ?? `7c1d2e3f-2222-4b4b-8c8c-${String(++seq).padStart(12, "0")}`;
  const form = file("Mẫu đơn.doc", FORM, "form");
  const files = over.files ?? [form];
  return {
    messageId: `msg_${itemId}`,
    timestamp: Math.floor(clock / 1000),
    occurredAt: new Date(clock).toISOString(),
    event: "procedure.published",
    itemId,
    site: { id: "tinh", name: "Cổng TTĐT tỉnh" },
    section: { slug: "thu-tuc-hanh-chinh", name: "Thủ tục hành chính", itemKind: "procedure" },
    files,
    remoteId: null,
    ...over,
    data: {
      id: itemId,
      version: 1,
      code: "1.001234",
      name: "Đăng ký khai sinh",
      level: "Cấp xã",
      field: "Hộ tịch",
      agencies: [{ code: "UBX", name: "UBND cấp xã" }],
      steps: [{ case: "", steps: ["Nộp hồ sơ", "Nhận kết quả"] }],
      ways: [{ channel: "in-person", timeLimits: [{ amount: "1", unit: "Ngày làm việc", description: "", fees: [] }] }],
      dossier: [{ case: "", documents: [{ code: "TP1", name: "Tờ khai đăng ký khai sinh", originals: 1, copies: 0, form: { name: form.name, mime: form.mime, size: form.size, sha256: form.sha256, url: form.url } }] }],
      legalBases: [{ number: "60/2014/QH13", title: "Luật Hộ tịch", issuer: "Quốc hội", issuedDate: "2014-11-20" }],
      status: "active",
      files: files.map((f) => ({ name: f.name, mime: f.mime, size: f.size, sha256: f.sha256, url: f.url })),
      ...over.dataOver,
    },
  };
}

const contentOf = (r: DeliveryRequest) => sim.state().contents.find((c) => c.externalReferenceCode === contentErc(r.itemId, r.section.slug));
const documentsOf = (r: DeliveryRequest) => sim.state().documents.filter((d) => d.externalReferenceCode.startsWith(`${contentErc(r.itemId, r.section.slug)}-`));

async function download(contentUrl: string): Promise<{ status: number; bytes: Uint8Array }> {
  const response = await fetch(`${baseUrl}${contentUrl}`);
  return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()) };
}

describe("publishing a document", () => {
  it("creates one structured content and one Documents and Media file per content hash, byte-identical, in the section's folder", async () => {
    const request = documentRequest();
    const result = await client().deliver(request);
    expect(result).toMatchObject({ outcome: "delivered", error: null });
    const content = contentOf(request)!;
    expect(result.remoteId).toBe(String(content.id));
    expect(content.public).toBe(true);
    expect(content.title).toBe("152/QĐ-UBND Về việc ban hành quy chế phối hợp");
    expect(content.fields.number).toBe("152/QĐ-UBND");
    expect(content.fields.issuedAt).toBe("2026-11-20");
    expect(content.fields.status).toBe("Còn hiệu lực");
    expect(content.fields.body).toContain("Chữ ký số hợp lệ");

    const docs = documentsOf(request);
    expect(docs).toHaveLength(2);
    for (const d of docs) {
      expect(d.folder).toBe("Văn bản chỉ đạo điều hành");
      expect(d.public).toBe(true);
      // the article links Liferay's own copy of each file
      expect(content.fields.body).toContain(d.contentUrl.replaceAll("&", "&amp;"));
    }
    const main = docs.find((d) => d.externalReferenceCode === fileErc(request.itemId, request.section.slug, request.files[0]!.sha256))!;
    const fetched = await download(main.contentUrl);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(fetched.bytes).equals(PDF)).toBe(true);
    expect(sim.state().folders.filter((f) => f.name === "Văn bản chỉ đạo điều hành")).toHaveLength(1);
  });

  it("is idempotent: the same request twice gives one content and one upload per hash", async () => {
    const request = documentRequest();
    const c = client();
    const first = await c.deliver(request);
    // A second client: a hub restarted after a crash, no cached folder or token.
    const second = await client().deliver(request);
    expect(second).toMatchObject({ outcome: "delivered", remoteId: first.remoteId });
    const docs = documentsOf(request);
    expect(docs).toHaveLength(2);
    expect(docs.every((d) => d.fileVersions === 1)).toBe(true);
    expect(sim.state().contents.filter((x) => x.externalReferenceCode === contentErc(request.itemId, request.section.slug))).toHaveLength(1);
    expect(sim.state().folders.filter((f) => f.name === "Văn bản chỉ đạo điều hành")).toHaveLength(1);
  });

  it("an update edits the same article; a new file version is a new file, the unchanged one is not uploaded again", async () => {
    const request = documentRequest();
    const c = client();
    const first = await c.deliver(request);
    const newMain = file("152-QĐ-UBND.pdf", new TextEncoder().encode("%PDF-1.7 bản đã sửa"));
    const update = documentRequest({
      itemId: request.itemId,
      event: "document.updated",
      remoteId: first.remoteId,
      files: [newMain, request.files[1]!],
      dataOver: { version: 2, title: "Về việc ban hành quy chế phối hợp (sửa đổi)" },
    });
    const second = await c.deliver(update);
    expect(second).toMatchObject({ outcome: "delivered", remoteId: first.remoteId });
    const content = contentOf(request)!;
    expect(content.versions).toBe(2);
    expect(content.fields.summary).toBe("Về việc ban hành quy chế phối hợp (sửa đổi)");
    const docs = documentsOf(request);
    expect(docs).toHaveLength(3); // old main stays in Documents and Media, unlinked
    expect(docs.every((d) => d.fileVersions === 1)).toBe(true);
    expect(content.fields.body).toContain(docs.find((d) => d.sha256 === newMain.sha256)!.contentUrl);
  });

  it("streams a large file byte-identical", async () => {
    const big = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const request = documentRequest({ files: [file("Báo cáo lớn.pdf", big)] });
    expect((await client().deliver(request)).outcome).toBe("delivered");
    const [doc] = documentsOf(request);
    expect(doc!.size).toBe(big.length);
    expect(Buffer.from((await download(doc!.contentUrl)).bytes).equals(Buffer.from(big))).toBe(true);
  });

  it("names Documents and Media would refuse (slashes, colons, a trailing dot) are made safe", async () => {
    const section = { slug: "tin-tuc", name: "Tin tức/Sự kiện.", itemKind: "document" as const };
    const request = documentRequest({ section, files: [file("QĐ 12/2026: sửa đổi?.pdf", APPENDIX)] });
    expect((await client().deliver(request)).outcome).toBe("delivered");
    expect(documentsOf(request)[0]!.folder).toBe("Tin tức_Sự kiện");
  });

  it("two hubs publishing into a new section at once make one folder", async () => {
    const section = { slug: "cong-van", name: "Công văn mới", itemKind: "document" as const };
    const [a, b] = await Promise.all([client().deliver(documentRequest({ section })), client().deliver(documentRequest({ section }))]);
    expect([a.outcome, b.outcome]).toEqual(["delivered", "delivered"]);
    expect(sim.state().folders.filter((f) => f.name === "Công văn mới")).toHaveLength(1);
  });

  it("normalises Vietnamese text to NFC", async () => {
    const decomposed = "Về việc tăng cường".normalize("NFD");
    const request = documentRequest({ dataOver: { title: decomposed } });
    await client().deliver(request);
    const content = contentOf(request)!;
    expect(content.fields.summary).toBe("Về việc tăng cường".normalize("NFC"));
    expect(content.title.normalize("NFC")).toBe(content.title);
  });
});

describe("withdrawal and replacement", () => {
  it("a withdrawal takes the article and its files out of public view, deleting nothing; a re-publish brings them back", async () => {
    const request = documentRequest();
    const c = client();
    const published = await c.deliver(request);
    const withdrawn = await c.deliver({ ...documentRequest({ itemId: request.itemId, files: request.files }), event: "document.withdrawn", remoteId: published.remoteId });
    expect(withdrawn).toMatchObject({ outcome: "delivered", remoteId: published.remoteId });
    const content = contentOf(request)!;
    expect(content.public).toBe(false);
    expect(content.fields.status).toBe("Đã thu hồi");
    const docs = documentsOf(request);
    expect(docs.every((d) => !d.public)).toBe(true);
    expect((await download(docs[0]!.contentUrl)).status).toBe(404);
    expect(sim.state().deletions).toBe(0);

    const again = await c.deliver({ ...documentRequest({ itemId: request.itemId, files: request.files }), event: "document.published", remoteId: published.remoteId });
    expect(again.outcome).toBe("delivered");
    expect(contentOf(request)!.public).toBe(true);
    expect(documentsOf(request).every((d) => d.public)).toBe(true);
  });

  it("a withdrawal of something the site never received creates nothing", async () => {
    const request = documentRequest({ event: "document.withdrawn" });
    const result = await client().deliver(request);
    expect(result.outcome).toBe("delivered");
    expect(contentOf(request)).toBeUndefined();
  });

  it("a replacement marks the old article replaced and links the new one; the old one stays public", async () => {
    const old = documentRequest({ dataOver: { number: "10/QĐ-UBND", title: "Quy chế cũ" } });
    const c = client();
    const oldResult = await c.deliver(old);
    const replacement = documentRequest({ dataOver: { number: "11/QĐ-UBND", title: "Quy chế mới", replaces: old.itemId } });
    const newResult = await c.deliver(replacement);
    expect(newResult.outcome).toBe("delivered");
    const oldContent = contentOf(old)!;
    expect(String(oldContent.id)).toBe(oldResult.remoteId);
    expect(oldContent.fields.status).toBe("Đã bị thay thế");
    expect(oldContent.fields.body).toContain("Được thay thế bởi");
    expect(oldContent.fields.body).toContain("11/QĐ-UBND Quy chế mới");
    expect(oldContent.relatedContents).toEqual([Number(newResult.remoteId)]);
    expect(oldContent.public).toBe(true);
    // again (a retry): still one link, one note
    await c.deliver(replacement);
    const after = contentOf(old)!;
    expect(after.relatedContents).toEqual([Number(newResult.remoteId)]);
    expect(after.fields.body!.split("Được thay thế bởi")).toHaveLength(2);
  });
});

describe("procedures", () => {
  it("one article per procedure with its form files in the section's folder; abolition unpublishes", async () => {
    const request = procedureRequest();
    const c = client();
    const result = await c.deliver(request);
    expect(result.outcome).toBe("delivered");
    const content = contentOf(request)!;
    expect(content.title).toBe("1.001234 Đăng ký khai sinh");
    expect(content.fields.body).toContain("Tờ khai đăng ký khai sinh");
    expect(content.fields.body).toContain("Trình tự thực hiện");
    expect(content.fields.body).toContain("Luật Hộ tịch");
    const forms = documentsOf(request);
    expect(forms).toHaveLength(1);
    expect(forms[0]!.folder).toBe("Thủ tục hành chính");
    expect(content.fields.body).toContain(forms[0]!.contentUrl);
    expect(Buffer.from((await download(forms[0]!.contentUrl)).bytes).equals(Buffer.from(FORM))).toBe(true);

    const abolished = await c.deliver({ ...procedureRequest({ itemId: request.itemId, files: request.files, dataOver: { status: "abolished" } }), event: "procedure.abolished", remoteId: result.remoteId });
    expect(abolished.outcome).toBe("delivered");
    expect(contentOf(request)!.public).toBe(false);
    expect(contentOf(request)!.fields.status).toBe("Đã bãi bỏ");
    expect(documentsOf(request)[0]!.public).toBe(false);
  });
});

describe("failures", () => {
  it("a wrong client secret is `unauthorized` with Liferay's answer", async () => {
    const result = await client({ auth: { clientId: "portalsync", clientSecret: "wrong" } }).deliver(documentRequest());
    expect(result.outcome).toBe("unauthorized");
    expect(result.status).toBe(401);
    expect(result.error).toContain("invalid_client");
  });

  it("a 403 (missing permission) is `unauthorized` carrying Liferay's own message", async () => {
    sim.faults.set({ forbidden: { count: 1, message: "User 20125 must have ADD_DOCUMENT permission for com.liferay.document.library 20121" } });
    const result = await client().deliver(documentRequest());
    expect(result).toMatchObject({ outcome: "unauthorized", status: 403 });
    expect(result.error).toContain("User 20125 must have ADD_DOCUMENT permission for com.liferay.document.library 20121");
  });

  it("a 401 on an API call gets one fresh token; a second 401 is `unauthorized`", async () => {
    const c = client();
    sim.faults.set({ tokenExpiry: { count: 1 } });
    const recovered = await c.deliver(documentRequest());
    expect(recovered.outcome).toBe("delivered");
    sim.faults.set({ unauthorized: { count: 2, message: "Authentication required" } });
    const refused = await c.deliver(documentRequest());
    expect(refused).toMatchObject({ outcome: "unauthorized", status: 401 });
    expect(refused.error).toContain("Authentication required");
  });

  it("5xx and 429 are `retry`, with Retry-After honoured", async () => {
    sim.faults.set({ serverError: { count: 1, status: 503 } });
    expect(await client().deliver(documentRequest())).toMatchObject({ outcome: "retry", status: 503 });
    sim.faults.set({ rateLimit: { count: 1, retryAfter: 120 } });
    expect(await client().deliver(documentRequest())).toMatchObject({ outcome: "retry", status: 429, retryAfterMs: 120_000 });
  });

  it("a timeout is `retry`, and the retry then completes without duplicates", async () => {
    const request = documentRequest();
    sim.faults.set({ slow: { ms: 1_500, count: 1, match: "structured-contents" } });
    const timedOut = await client({}, 500).deliver(request);
    expect(timedOut).toMatchObject({ outcome: "retry", status: null });
    expect(timedOut.error).toContain("timed out");
    await new Promise((r) => setTimeout(r, 1_200)); // let the slow PUT land
    expect((await client().deliver(request)).outcome).toBe("delivered");
    expect(sim.state().contents.filter((x) => x.externalReferenceCode === contentErc(request.itemId, request.section.slug))).toHaveLength(1);
    expect(documentsOf(request)).toHaveLength(2);
  });

  it("a refused upload (413) is `rejected` with a clear error", async () => {
    sim.faults.set({ tooLarge: { count: 1 } });
    const result = await client().deliver(documentRequest());
    expect(result).toMatchObject({ outcome: "rejected", status: 413 });
    expect(result.error).toMatch(/exceeds the maximum upload size/);
  });

  it("a structure without the fields the mapping fills is `rejected` naming the field", async () => {
    const result = await client({ fieldNames: { summary: "trichYeu" } }).deliver(documentRequest());
    expect(result).toMatchObject({ outcome: "rejected", status: 400 });
    expect(result.error).toContain("Unable to find field trichYeu");
  });

  it("a site or structure that does not exist stops the site (`unauthorized`) with Liferay's message", async () => {
    const site = await client({ siteId: 999 }).deliver(documentRequest());
    expect(site).toMatchObject({ outcome: "unauthorized", status: 404 });
    expect(site.error).toContain("No Group exists with the primary key 999");
    const structure = await client({ contentStructureId: 777 }).deliver(documentRequest({ files: [] }));
    expect(structure).toMatchObject({ outcome: "unauthorized", status: 404 });
    expect(structure.error).toContain("No DDMStructure exists with the primary key 777");
  });

  it("a redirect (http→https, a login page) stops the site naming where it went", async () => {
    const redirecting = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (url.pathname.startsWith("/o/headless-delivery")) return new Response(null, { status: 302, headers: { location: "https://portal.example/c/portal/login" } });
      return fetch(input, init);
    }) as typeof fetch;
    const options = liferayOptionsSchema.parse({ baseUrl, siteId: DEFAULT_SIM_SITE_ID, auth: { clientId: "portalsync", clientSecret: "liferay-secret" }, contentStructureId: DEFAULT_SIM_STRUCTURE_ID });
    const result = await createLiferayClient(options, { fetch: redirecting, now: () => new Date(clock), timeoutMs: 5_000 }).deliver(documentRequest());
    expect(result).toMatchObject({ outcome: "unauthorized", status: 302 });
    expect(result.error).toContain("redirected to https://portal.example/c/portal/login");
  });

  it("a file the hub cannot read is `retry` saying so, and nothing half-made is left visible as done", async () => {
    const broken: DeliveryFile = { ...file("hỏng.pdf", APPENDIX), open: async () => Promise.reject(new Error("ENOENT: blob missing")) };
    const request = documentRequest({ files: [broken] });
    const result = await client().deliver(request);
    expect(result.outcome).toBe("retry");
    expect(result.error).toContain("from the hub's blob store: ENOENT: blob missing");
    expect(contentOf(request)).toBeUndefined();
  });

  it("an unreachable portal is `retry`", async () => {
    const c = createLiferayClient(
      liferayOptionsSchema.parse({ baseUrl: "http://127.0.0.1:9", siteId: 1, auth: { username: "a", password: "b" }, contentStructureId: 1 }),
      { fetch: globalThis.fetch, now: () => new Date(), timeoutMs: 2_000 },
    );
    expect(await c.deliver(documentRequest())).toMatchObject({ outcome: "retry", status: null });
  });
});

describe("authentication", () => {
  it("reuses one OAuth2 token across deliveries and refreshes it near expiry", async () => {
    const c = client();
    const auth = c.auth as OAuth2Authorizer;
    const issuedBefore = sim.issuer!.issued;
    await Promise.all([c.deliver(documentRequest()), c.deliver(documentRequest()), c.deliver(procedureRequest())]);
    expect(auth.fetched).toBe(1);
    expect(sim.issuer!.issued - issuedBefore).toBe(1);
    clock += 530_000; // token lifetime 600 s, margin 60 s: still fresh
    await c.deliver(documentRequest());
    expect(auth.fetched).toBe(1);
    clock += 15_000; // 545 s: inside the margin
    await c.deliver(documentRequest());
    expect(auth.fetched).toBe(2);
  });

  it("HTTP Basic works for small sites, and a wrong password is `unauthorized`", async () => {
    const basicSim = createLiferaySimulator({ baseUrl: "http://placeholder", oauth2: null, basic: { username: "portalsync@binhson.gov.vn", password: "đúng" } });
    const s = serve({ fetch: (req) => basicSim.app.fetch(req), port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => s.once("listening", () => resolve()));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    try {
      const make = (password: string) =>
        createLiferayClient(liferayOptionsSchema.parse({ baseUrl: url, siteId: DEFAULT_SIM_SITE_ID, auth: { username: "portalsync@binhson.gov.vn", password }, contentStructureId: DEFAULT_SIM_STRUCTURE_ID }), {
          fetch: globalThis.fetch,
          now: () => new Date(),
          timeoutMs: 10_000,
        });
      expect((await make("đúng").deliver(documentRequest())).outcome).toBe("delivered");
      const wrong = await make("sai").deliver(documentRequest());
      expect(wrong).toMatchObject({ outcome: "unauthorized", status: 401 });
      expect(wrong.error).toContain("user name or password is wrong");
      expect(basicSim.refusals).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });
});

describe("check connection", () => {
  const sections = [
    { slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành", itemKind: "document" as const },
    { slug: "thu-tuc-hanh-chinh", name: "Thủ tục hành chính", itemKind: "procedure" as const },
  ];

  it("checks credentials, the site, the content structure and a folder per section", async () => {
    const result = await client({ folders: { "thu-tuc-hanh-chinh": "TTHC" } }).check(sections);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual(["credentials", "site", `content structure ${DEFAULT_SIM_STRUCTURE_ID}`, "folder for van-ban-chi-dao-dieu-hanh", "folder for thu-tuc-hanh-chinh"]);
    expect(sim.state().folders.map((f) => f.name)).toContain("TTHC");
  });

  it("names what is wrong: unknown site, unknown structure, missing fields, wrong secret", async () => {
    const site = await client({ siteId: 999 }).check(sections);
    expect(site.ok).toBe(false);
    expect(site.checks.find((c) => c.name === "site")!.message).toContain("No Group exists with the primary key 999");

    const structure = await client({ contentStructureId: 5 }).check(sections);
    expect(structure.checks.find((c) => c.name === "content structure 5")!.message).toContain("No DDMStructure exists with the primary key 5");

    const fields = await client({ fieldNames: { body: "noiDung" } }).check(sections);
    expect(fields.checks.find((c) => c.name.startsWith("content structure"))!.message).toContain("lacks the field(s) noiDung");

    const secret = await client({ auth: { clientId: "portalsync", clientSecret: "nope" } }).check(sections);
    expect(secret.checks).toEqual([expect.objectContaining({ name: "credentials", ok: false })]);
  });
});

describe("site key (DXP 2025.Q3+)", () => {
  it("uses the site's key in place of its id when the portal accepts it", async () => {
    const keyed = createLiferaySimulator({ baseUrl: "http://placeholder", siteKey: "binhson" });
    const s = serve({ fetch: (req) => keyed.app.fetch(req), port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => s.once("listening", () => resolve()));
    try {
      const c = createLiferayClient(
        liferayOptionsSchema.parse({ baseUrl: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, siteId: "binhson", auth: { clientId: "portalsync", clientSecret: "liferay-secret" }, contentStructureId: DEFAULT_SIM_STRUCTURE_ID }),
        { fetch: globalThis.fetch, now: () => new Date(), timeoutMs: 10_000 },
      );
      expect((await c.deliver(documentRequest())).outcome).toBe("delivered");
      expect(keyed.refusals).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });
});
