import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { ChangePage, ConnectorContext, Cursor } from "../sdk.ts";
import connector from "./index.ts";
import { DvcClient, DvcFileTooLargeError, DvcError, parseRetryAfter } from "./client.ts";
import { dvcConfigSchema, type DvcConfigInput } from "./config.ts";
import { mapProcedure, type DvcProcedurePackage } from "./mapping.ts";
import { createDvcSimulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type DvcSimulator, type DvcSimulatorOptions } from "./simulator.ts";

interface Harness {
  sim: DvcSimulator;
  client: DvcClient;
  sleeps: number[];
  baseUrl: string;
}

const servers: ServerType[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function start(
  simOptions: Partial<DvcSimulatorOptions> = {},
  config: Partial<DvcConfigInput> = {},
): Promise<Harness> {
  // The app is served first; the real port is then given to the simulator for its URLs.
  const sim = createDvcSimulator({ baseUrl: "http://127.0.0.1", ...simOptions });
  const server = serve({ fetch: sim.app.fetch, port: 0, hostname: "127.0.0.1" });
  servers.push(server);
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  sim.baseUrl = baseUrl;
  const sleeps: number[] = [];
  const ctx: ConnectorContext = {
    fetch: globalThis.fetch,
    log: pino({ level: "silent" }),
    now: () => new Date(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  const parsed = dvcConfigSchema.parse({
    baseUrl,
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    pageSize: 25,
    timeoutMs: 5_000,
    ...config,
  });
  return { sim, client: new DvcClient(parsed, ctx, { random: () => 0.5 }), sleeps, baseUrl };
}

async function collect(iterable: AsyncIterable<ChangePage>, stopAfter = Number.POSITIVE_INFINITY): Promise<{ pages: ChangePage[]; ids: string[] }> {
  const pages: ChangePage[] = [];
  for await (const page of iterable) {
    pages.push(page);
    if (pages.length >= stopAfter) break;
  }
  return { pages, ids: pages.flatMap((p) => p.items.map((i) => i.externalId)) };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("DVC mapping", () => {
  it("maps the contract's example package", () => {
    const raw: DvcProcedurePackage = {
      ID: "1.001193",
      MATTHC: "1.001193.000.00.00.H55",
      TENTTHC: "Thủ tục đăng ký khai sinh".normalize("NFD"),
      MACOQUANCONGBO: "000.00.00.H55",
      LOAITTHC: "1",
      IDQUYETDINHCONGBO: "1234/QĐ-UBND",
      TRANGTHAI: "1",
      NGAYCAPNHAT: "2026-11-18T09:12:44+07:00",
      CAPTHUCHIEN: [{ CAPTHUCHIEN: "3", TENCAP: "Cấp xã" }],
      LINHVUCTHUCHIEN: [{ MALINHVUC: "HT", TENLINHVUC: "Hộ tịch" }],
      DOITUONGTHUCHIEN: [{ MADOITUONG: "CD", TENDOITUONG: "Công dân Việt Nam" }],
      TRINHTUTHUCHIEN: [{ TRUONGHOP: "", TRINHTU: [{ TENTRINHTU: "Bước 1: Nộp hồ sơ" }] }],
      CACHTHUCTHUCHIEN: [
        { KENH: "1", THOIGIAN: [{ THOIGIANGIAIQUYET: "1", DONVITINH: "Ngày làm việc", MOTA: "", PHILEPHI: [{ MAPHILEPHI: "LP", SOTIEN: "0", DONVI: "Đồng", MOTA: "Miễn lệ phí" }] }] },
        { KENH: "2", THOIGIAN: [] },
        { KENH: "3" },
      ],
      THANHPHANHOSO: [
        {
          TRUONGHOP: "",
          GIAYTO: [
            { MAGIAYTO: "GT01", TENGIAYTO: "Tờ khai đăng ký khai sinh", SOBANCHINH: "1", SOBANSAO: "0", TENMAUDON: "to-khai-khai-sinh.docx", URL: "https://dvc.example.vn/api/v1/tep/F-7781" },
            { MAGIAYTO: "GT02", TENGIAYTO: "Giấy chứng sinh", SOBANCHINH: "1", SOBANSAO: "0", TENMAUDON: "", URL: "" },
          ],
        },
      ],
      KETQUATHUCHIEN: [{ MAKETQUA: "KQ01", TENKETQUA: "Giấy khai sinh" }],
      CANCUPHAPLY: [{ SOVANBAN: "60/2014/QH13", TENVANBAN: "Luật Hộ tịch", COQUANBANHANH: "Quốc hội", NGAYBANHANH: "20/11/2014" }],
      COQUANTHUCHIEN: [{ MADONVI: "000.00.21.H55", TENDONVI: "UBND cấp xã" }],
      YEUCAU: "Không",
      MOTADOITUONGTHUCHIEN: "",
      DIACHITIEPNHAN: "",
    };
    const p = mapProcedure(raw);
    expect(p).toMatchObject({
      kind: "procedure",
      externalId: "1.001193.000.00.00.H55",
      nationalCode: "1.001193",
      name: "Thủ tục đăng ký khai sinh",
      decisionNumber: "1234/QĐ-UBND",
      status: "active",
      levels: [{ code: "3", name: "Cấp xã" }],
      fields: [{ code: "HT", name: "Hộ tịch" }],
      legalBases: [{ number: "60/2014/QH13", issuedDate: "2014-11-20" }],
    });
    expect(p.name).toBe(p.name.normalize("NFC"));
    expect(p.channels.map((c) => c.channel)).toEqual(["in-person", "online", "post"]);
    expect(p.channels[0]?.timeLimits[0]?.fees[0]).toEqual({ code: "LP", amount: "0", currency: "Đồng", description: "Miễn lệ phí" });
    expect(p.dossier[0]?.documents[0]?.form).toEqual({
      id: "F-7781",
      name: "to-khai-khai-sinh.docx",
      role: "form",
      size: null,
      sha256: null,
      mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    });
    expect(p.dossier[0]?.documents[1]?.form).toBeNull();
    expect(p.files.map((f) => f.id)).toEqual(["F-7781"]);
    expect(mapProcedure({ ...raw, TRANGTHAI: "0" }).status).toBe("abolished");
    expect(mapProcedure({ ...raw, TRANGTHAI: "2" }).status).toBe("abolished");
    expect(() => mapProcedure({ ...raw, MATTHC: "" })).toThrow(/MATTHC/);
  });

  it("levels 0..3 get names when TENCAP is missing", () => {
    const p = mapProcedure({
      MATTHC: "x",
      TENTTHC: "y",
      TRANGTHAI: "1",
      NGAYCAPNHAT: "2026-01-01 08:00:00",
      CAPTHUCHIEN: ["0", "1", "2", "3"].map((c) => ({ CAPTHUCHIEN: c })),
    });
    expect(p.levels.map((l) => l.name)).toEqual(["Cấp Bộ", "Cấp tỉnh", "Cấp huyện", "Cấp xã"]);
    expect(p.updatedAt).toBe("2026-01-01T08:00:00+07:00");
  });

  it("parses Retry-After as seconds or a date", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("DVC client against the simulator over HTTP", () => {
  it("lists everything in order with no duplicates, then nothing new", async () => {
    const h = await start();
    const { pages, ids } = await collect(h.client.listChanges(null));
    const expected = h.sim.procedures().map((p) => p.MATTHC);
    // The whole catalogue: 3 provincial procedures + 9 local ones in each of 13 districts.
    expect(expected.length).toBe(120);
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages[0]?.total).toBe(120);
    expect(pages.every((p) => p.items.length <= 25)).toBe(true);
    const last = pages.at(-1)!.cursor;
    const again = await collect(h.client.listChanges(last));
    expect(again.ids).toEqual([]);
    // Some packages are sent in NFD; the mapping hands out NFC.
    const item = await h.client.fetchItem(ids[4]!);
    expect(item.name).toBe(item.name.normalize("NFC"));
    expect(item.name).toMatch(/^[\p{L}\p{N} ,()-]+$/u);
  });

  it("picks up additions, modifications and abolitions incrementally", async () => {
    const h = await start();
    const first = await collect(h.client.listChanges(null));
    const cursor = first.pages.at(-1)!.cursor;
    const [a, b] = h.sim.procedures();
    const modified = h.sim.modify(a!.MATTHC);
    h.sim.abolish(b!.MATTHC);
    const added = h.sim.add({ template: "1.001193" });
    const next = await collect(h.client.listChanges(cursor));
    expect(next.ids).toEqual([a!.MATTHC, b!.MATTHC, added.MATTHC]);
    const abolishedRef = next.pages[0]!.items[1]!;
    expect(abolishedRef.hint).toMatchObject({ abolished: true, trangThai: "0" });
    expect((await h.client.fetchItem(b!.MATTHC)).status).toBe("abolished");
    const fresh = await h.client.fetchItem(a!.MATTHC);
    expect(fresh.decisionNumber).toBe(modified.IDQUYETDINHCONGBO);
    expect(fresh.updatedAt).toBe(modified.NGAYCAPNHAT);
    expect(added.MATTHC).toMatch(/^1\.001193\.\d{3}\.00\.\d{2}\.H55$/u);
  });

  it("resumes from the cursor of page k without loss or duplicates, even when items change meanwhile", async () => {
    const h = await start();
    const all = h.sim.procedures().map((p) => p.MATTHC);
    const partial = await collect(h.client.listChanges(null), 2);
    const saved: Cursor = JSON.parse(JSON.stringify(partial.pages[1]!.cursor));
    // An already-listed item changes before the resume: offset paging would skip one.
    h.sim.modify(all[3]!);
    const rest = await collect(h.client.listChanges(saved));
    const seen = [...partial.ids, ...rest.ids];
    const k = partial.ids.length;
    expect(k).toBeGreaterThan(25);
    expect(partial.ids).toEqual(all.slice(0, k));
    expect(rest.ids).toEqual([...all.slice(k), all[3]]);
    expect(new Set(seen.slice(0, all.length)).size).toBe(all.length);
  });

  it("drops rows the gateway duplicates across pages", async () => {
    const h = await start();
    h.sim.board.set({ duplicateAcrossPages: true });
    const { ids } = await collect(h.client.listChanges(null));
    expect(ids).toEqual(h.sim.procedures().map((p) => p.MATTHC));
  });

  it("lists a backfill window only", async () => {
    const h = await start();
    const all = h.sim.procedures();
    const from = new Date(all[10]!.NGAYCAPNHAT);
    const to = new Date(all[40]!.NGAYCAPNHAT);
    const { ids } = await collect(h.client.listChanges(null, { window: { from, to } }));
    const expected = all.filter((p) => Date.parse(p.NGAYCAPNHAT) >= from.getTime() && Date.parse(p.NGAYCAPNHAT) <= to.getTime());
    expect(ids).toEqual(expected.map((p) => p.MATTHC));
  });

  it("sends cap_nhat_tu with the contract's +07:00 offset, for windows and cursors alike; the simulator refuses a Z time", async () => {
    const h = await start();
    const all = h.sim.procedures();
    const asked: string[] = [];
    const client = new DvcClient(
      dvcConfigSchema.parse({ baseUrl: h.baseUrl, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, pageSize: 25 }),
      {
        fetch: (input, init) => {
          const since = new URL(String(input)).searchParams.get("cap_nhat_tu");
          if (since !== null) asked.push(since);
          return globalThis.fetch(input, init);
        },
        log: pino({ level: "silent" }),
        now: () => new Date(),
        sleep: async () => undefined,
      },
    );
    // A window comes in as Date objects (UTC), a cursor as whatever the source wrote.
    const window = { from: new Date(all[10]!.NGAYCAPNHAT), to: new Date(all[40]!.NGAYCAPNHAT) };
    const { pages } = await collect(client.listChanges(null, { window }));
    await collect(client.listChanges({ since: new Date(all[50]!.NGAYCAPNHAT).toISOString(), lastId: all[50]!.MATTHC }));
    expect(pages.length).toBeGreaterThan(0);
    expect(asked.length).toBeGreaterThan(2);
    expect(asked.filter((t) => !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+07:00$/u.test(t))).toEqual([]);
    expect(h.sim.stats.wrongOffset).toBe(0);

    const token = h.sim.tokens.issue().access_token;
    const refused = await fetch(`${h.baseUrl}/api/v1/thu-tuc?cap_nhat_tu=2026-01-01T00:00:00Z`, { headers: { Authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(400);
    expect(h.sim.stats.wrongOffset).toBe(1);
  });

  it("listAll reflects removals (abolition by absence) and keeps abolished-by-status items", async () => {
    const h = await start();
    const all = h.sim.procedures().map((p) => p.MATTHC);
    h.sim.remove(all[7]!);
    h.sim.abolish(all[8]!);
    const listed: string[] = [];
    for await (const id of h.client.listAll()) listed.push(id);
    expect(listed).not.toContain(all[7]);
    expect(listed).toContain(all[8]);
    expect(listed.length).toBe(all.length - 1);
    await expect(h.client.fetchItem(all[7]!)).rejects.toThrow(/404/);
  });

  it("downloads form templates with type, ETag and size checks", async () => {
    const h = await start();
    const item = await h.client.fetchItem("1.009994.000.00.21.H55");
    expect(item.files.map((f) => f.name)).toEqual(["mau-01-don-de-nghi-cap-giay-phep-xay-dung.docx", "huong-dan-ban-ve-thiet-ke.pdf"]);
    const docx = await h.client.fetchFile(item.files[0]!, { maxBytes: 1_000_000 });
    expect(docx.mime).toBe("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    const bytes = await readAll(docx.body);
    expect(Buffer.from(bytes.subarray(0, 2)).toString("latin1")).toBe("PK");
    expect(docx.size).toBe(bytes.length);
    expect(docx.sha256).toMatch(/^[0-9a-f]{64}$/u);
    const pdf = await h.client.fetchFile(item.files[1]!, { maxBytes: 1_000_000 });
    expect(pdf.mime).toBe("application/pdf");
    expect(Buffer.from((await readAll(pdf.body)).subarray(0, 5)).toString("latin1")).toBe("%PDF-");

    const death = await h.client.fetchItem("1.000656.000.00.21.H55");
    const doc = await h.client.fetchFile(death.files[0]!, { maxBytes: 1_000_000 });
    expect(doc.mime).toBe("application/msword");
    expect(Array.from((await readAll(doc.body)).subarray(0, 4))).toEqual([0xd0, 0xcf, 0x11, 0xe0]);

    await expect(h.client.fetchFile(item.files[0]!, { maxBytes: 100 })).rejects.toBeInstanceOf(DvcFileTooLargeError);
    await expect(h.client.fetchFile({ ...item.files[0]!, id: "https://evil.example/x" }, { maxBytes: 1000 })).rejects.toThrow(/not on the DVC gateway/);
  });

  it("enforces the size limit while streaming when Content-Length is absent or lies", async () => {
    const h = await start();
    const item = await h.client.fetchItem("1.009994.000.00.21.H55");
    const realFetch = globalThis.fetch;
    const ctxFetch: typeof fetch = async (input, init) => {
      const res = await realFetch(input, init);
      if (!String(input).includes("/api/v1/tep/")) return res;
      const headers = new Headers(res.headers);
      headers.delete("Content-Length");
      return new Response(res.body, { status: res.status, headers });
    };
    const client = new DvcClient(
      dvcConfigSchema.parse({ baseUrl: h.baseUrl, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }),
      { fetch: ctxFetch, log: pino({ level: "silent" }), now: () => new Date(), sleep: async () => undefined },
    );
    const file = await client.fetchFile(item.files[0]!, { maxBytes: 200 });
    expect(file.size).toBeNull();
    await expect(readAll(file.body)).rejects.toBeInstanceOf(DvcFileTooLargeError);
  });

  it("honours Retry-After on 429 through ctx.sleep", async () => {
    const h = await start();
    h.sim.board.set({ rateLimit: { retryAfter: 7, count: 2, match: "/api/v1/thu-tuc" } });
    const { ids } = await collect(h.client.listChanges(null));
    expect(ids.length).toBe(120);
    expect(h.sleeps).toEqual([7000, 7000]);
    expect(h.sim.board.get().fired.rateLimit).toBe(2);
  });

  it("retries 5xx with bounded backoff, then gives up", async () => {
    const h = await start({}, { maxRetries: 3 });
    h.sim.board.set({ serverError: { count: 2, status: 503 } });
    const item = await h.client.fetchItem("1.001193.000.00.21.H55");
    expect(item.name).toBe("Thủ tục đăng ký khai sinh");
    expect(h.sleeps).toEqual([375, 750]);

    h.sleeps.length = 0;
    h.sim.board.set({ serverError: { count: 10 } });
    await expect(h.client.fetchItem("1.001193.000.00.21.H55")).rejects.toThrow(/500 after 4 attempts/);
    expect(h.sleeps.length).toBe(3);
  });

  it("retries a truncated body and a slow answer (timeout)", async () => {
    const h = await start({}, { timeoutMs: 300 });
    h.sim.board.set({ truncateBody: { count: 1, keepRatio: 0.3, match: "/api/v1/thu-tuc/" } });
    const item = await h.client.fetchItem("1.001193.000.00.21.H55");
    expect(item.code).toBe("1.001193.000.00.21.H55");
    h.sim.board.set({ slow: { ms: 1000, count: 1, match: "/api/v1/thu-tuc/" } });
    const again = await h.client.fetchItem("1.001193.000.00.21.H55");
    expect(again.code).toBe("1.001193.000.00.21.H55");
    expect(h.sleeps.length).toBe(2);
  });

  it("reuses the token and refreshes it once on 401", async () => {
    const h = await start();
    await h.client.fetchItem("1.001193.000.00.21.H55");
    await h.client.fetchItem("1.000894.000.00.21.H55");
    expect(h.sim.tokens.issued).toBe(1);
    h.sim.board.set({ tokenExpiry: { count: 1 } });
    const item = await h.client.fetchItem("1.001193.000.00.21.H55");
    expect(item.status).toBe("active");
    expect(h.sim.tokens.issued).toBe(2);
    // A token that is rejected again right after refreshing is a real auth problem.
    h.sim.board.set({ tokenExpiry: { count: 2 } });
    await expect(h.client.fetchItem("1.001193.000.00.21.H55")).rejects.toThrow(/401/);
  });

  it("refreshes a token that expired by time", async () => {
    let clock = Date.parse("2026-01-10T00:00:00Z");
    const now = () => new Date(clock);
    const h = await start({ tokenTtlSeconds: 60, now });
    const client = new DvcClient(
      dvcConfigSchema.parse({ baseUrl: h.baseUrl, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }),
      { fetch: globalThis.fetch, log: pino({ level: "silent" }), now, sleep: async () => undefined },
    );
    await client.fetchItem("1.001193.000.00.21.H55");
    clock += 45_000; // 15 s of life left: still used
    await client.fetchItem("1.001193.000.00.21.H55");
    expect(h.sim.tokens.issued).toBe(1);
    clock += 7_000; // within the margin (15 % of 60 s = 9 s) before expiry
    await client.fetchItem("1.001193.000.00.21.H55");
    expect(h.sim.tokens.issued).toBe(2);
  });

  it("keeps using a short-lived token for most of its life (expires_in 20: 37 calls, one per second)", async () => {
    let clock = Date.parse("2026-01-10T00:00:00Z");
    const now = () => new Date(clock);
    const h = await start({ tokenTtlSeconds: 20, now });
    const client = new DvcClient(
      dvcConfigSchema.parse({ baseUrl: h.baseUrl, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }),
      { fetch: globalThis.fetch, log: pino({ level: "silent" }), now, sleep: async () => undefined },
    );
    for (let call = 0; call < 37; call++) {
      await client.fetchItem("1.001193.000.00.21.H55");
      clock += 1000;
    }
    // A fixed 30 s margin left a 20 s token no usable life: 37 token requests.
    // Renewed after 17 s of its 20: ceil(37 / 17) = 3, and never a 401.
    expect(h.sim.tokens.issued).toBe(3);
    expect(client.tokenFetches).toBe(3);
  });

  it("rejects bad credentials clearly and reports health", async () => {
    const h = await start();
    expect((await h.client.check()).ok).toBe(true);
    const bad = new DvcClient(
      dvcConfigSchema.parse({ baseUrl: h.baseUrl, clientId: "x", clientSecret: "y" }),
      { fetch: globalThis.fetch, log: pino({ level: "silent" }), now: () => new Date(), sleep: async () => undefined },
    );
    const health = await bad.check();
    expect(health.ok).toBe(false);
    expect(health.message).toMatch(/401/);
    await expect(bad.fetchItem("1.001193.000.00.21.H55")).rejects.toBeInstanceOf(DvcError);
  });

  it("the connector module builds a client and a simulator from configuration", async () => {
    expect(connector.name).toBe("dvc");
    const sim = (await connector.createSimulator!({ baseUrl: "http://127.0.0.1:9", count: 5 })) as DvcSimulator;
    expect(sim.procedures().length).toBe(5);
    expect(() => connector.configSchema.parse({ baseUrl: "http://x", clientId: "a", clientSecret: "b", pageSize: 501 })).toThrow();
  });
});
