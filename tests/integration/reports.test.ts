// Issue 13: the editorial board's publication report, over HTTP from a real
// hub and database. Deliveries at known Vietnam times (tests/support/
// report-fixture.ts); every figure below is worked out by hand from them with
// the default calendar (07:30–17:00, Monday–Friday, 9.5 working hours a day).

import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../src/auth/index.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { POSTGRES_FEED_SETTLE_SECONDS } from "../../src/delivery/feed-query.ts";
import { createCalendar, issueMoment, workingHoursBetween } from "../../src/reports/index.ts";
import { REPORT_SITES, seedDelivery, seedDocument, seedMarch2026 } from "../support/report-fixture.ts";

let hub: TestHub;
let admin: string;
let clerk: string;
let siteToken: string;

beforeAll(async () => {
  hub = await startTestHub({ sites: REPORT_SITES });
  const prisma = hub.ctx.db.prisma;
  admin = (await createApiToken(prisma, { name: "admin", role: "admin" })).token;
  clerk = (await createApiToken(prisma, { name: "clerk", role: "clerk" })).token;
  siteToken = (await createApiToken(prisma, { name: "feed", role: "site", siteId: "tinh" })).token;
  await seedMarch2026(prisma);
}, 120_000);

afterAll(async () => {
  await hub?.close();
});

const get = (query: string, token = admin) => fetch(`${hub.url}/api/v1/reports/publication?${query}`, { headers: { authorization: `Bearer ${token}` } });

async function march(extra = ""): Promise<any> {
  const res = await get(`from=2026-03-01&to=2026-03-31${extra}`);
  expect(res.status).toBe(200);
  return res.json();
}

// Working minutes per document-site pair: d1 tinh 150, d5 tinh 570, d2 tinh 630, d1 huyen 1800, d3 tinh 6940.
describe("GET /api/v1/reports/publication", () => {
  it("counts what each site and section first had in the period, once per item", async () => {
    const r = await march();
    expect(r.from).toBe("2026-03-01");
    expect(r.to).toBe("2026-03-31");
    const sections = Object.fromEntries(r.sites.flatMap((s: any) => s.sections.map((x: any) => [`${s.site}/${x.section}`, [x.published, x.updated, x.withdrawn]])));
    expect(sections).toEqual({
      "huyen/van-ban": [1, 0, 0], // d1 after review; d5 still held
      "tinh/tthc": [1, 0, 1], // published and abolished
      "tinh/van-ban-chi-dao-dieu-hanh": [3, 1, 1], // d1, d3, d5; d1's two versions are one update; d4 withdrawn
      "tinh/van-ban-phap-luat": [1, 0, 0], // d2; d6 came at 00:30 on 1 April, Vietnam time
    });
    expect(r.sites.map((s: any) => [s.site, s.name])).toEqual([["huyen", "Trang thông tin huyện Bình Sơn"], ["tinh", "Cổng thông tin điện tử tỉnh"]]);
    expect(r.totals).toMatchObject({ published: 6, updated: 1, withdrawn: 2 });
  });

  it("measures timeliness in working hours across a weekend, a review and a late source", async () => {
    const r = await march();
    const tl = Object.fromEntries(r.sites.map((s: any) => [s.site, s.timeliness]));
    // tinh: 150, 570, 630, 6940 → median 600, p90 630 + 0.7 × 6310 = 5047 minutes; 2 of 4 within 570.
    expect(tl.tinh).toEqual({ count: 4, medianHours: 10, p90Hours: 84.1, withinOneWorkingDay: 0.5 });
    expect(tl.huyen).toEqual({ count: 1, medianHours: 30, p90Hours: 30, withinOneWorkingDay: 0 });
    // All five: median 630, p90 1800 + 0.6 × 5140 = 4884 minutes.
    expect(r.totals.timeliness).toEqual({ count: 5, medianHours: 10.5, p90Hours: 81.4, withinOneWorkingDay: 0.4 });
    expect(r.trend).toEqual([{ month: "2026-03", published: 6, timeliness: r.totals.timeliness }]);
  });

  it("breaks timeliness down by document type and issuing agency", async () => {
    const r = await march();
    // Quyết định: 150, 1800, 6940 → p90 1800 + 0.8 × 5140 = 5912 minutes; Sở Nội vụ: 570, 630.
    expect(r.byDocType).toEqual([
      { key: "Quyết định", count: 3, medianHours: 30, p90Hours: 98.5, withinOneWorkingDay: 0.333 },
      { key: "Công văn", count: 1, medianHours: 10.5, p90Hours: 10.5, withinOneWorkingDay: 0 },
      { key: "Thông báo", count: 1, medianHours: 9.5, p90Hours: 9.5, withinOneWorkingDay: 1 },
    ]);
    expect(r.byIssuer).toEqual([
      { key: "UBND tỉnh", count: 3, medianHours: 30, p90Hours: 98.5, withinOneWorkingDay: 0.333 },
      { key: "Sở Nội vụ", count: 2, medianHours: 10, p90Hours: 10.4, withinOneWorkingDay: 0.5 },
    ]);
  });

  it("lists late documents with where each was held up, the histogram and the months", async () => {
    const r = await march();
    expect(r.calendar).toEqual({ dayStart: "07:30", dayEnd: "17:00", hoursPerDay: 9.5, lateAfterHours: 19 });
    expect(r.lateCount).toBe(2);
    expect(r.late.map((l: any) => [l.site, l.number, l.hours, l.basis, l.sourceLagHours, l.reviewHours, l.deliveryHours, l.heldUpAt])).toEqual([
      ["tinh", "77/QĐ-UBND", 115.7, "signing-time", 115.5, 0, 0.2, "source"],
      ["huyen", "101/QĐ-UBND", 30, "signing-time", 0.5, 29, 0.5, "review"],
    ]);
    expect(r.late[0].issuedAt).toBe("2026-02-25T09:00:00.000Z"); // the seal's signature, 16:00 Vietnam time
    expect(r.histogram.map((h: any) => h.count)).toEqual([0, 1, 0, 2, 0, 1, 0, 1]);
    expect(r.histogram[3]).toEqual({ fromHours: 9.5, toHours: 19, count: 2 });
    expect(r.monthly).toEqual([{ month: "2026-03", site: "huyen", published: 1 }, { month: "2026-03", site: "tinh", published: 5 }]);
  });

  it("narrows to one site, and moves the Vietnam day boundary with the period", async () => {
    const r = await march("&site=huyen");
    expect(r.sites.map((s: any) => s.site)).toEqual(["huyen"]);
    expect(r.totals.timeliness.count).toBe(1);
    const april = await (await get("from=2026-04-01&to=2026-04-01&site=tinh")).json() as any;
    expect(april.sites[0].sections.find((x: any) => x.section === "van-ban-phap-luat").published).toBe(1); // d6
    const day = await (await get("from=2026-03-09&to=2026-03-09")).json() as any;
    expect(day.totals).toMatchObject({ published: 2 }); // d2 on tinh, d1 on huyen
  });

  it("answers clerks, refuses site tokens, and explains bad parameters", async () => {
    expect((await get("from=2026-03-01&to=2026-03-31", clerk)).status).toBe(200);
    expect((await get("from=2026-03-01&to=2026-03-31", siteToken)).status).toBe(403);
    const bad = async (q: string, status: number, pattern: RegExp) => {
      const res = await get(q);
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: string; issues?: string[] };
      expect([body.error, ...(body.issues ?? [])].join("; ")).toMatch(pattern);
    };
    await bad("to=2026-03-31", 400, /from/);
    await bad("from=2026-02-30&to=2026-03-31", 400, /no such date: 2026-02-30/);
    await bad("from=2026-03-31&to=2026-03-01", 400, /before/);
    await bad("from=1.3.2026&to=2026-03-31", 400, /YYYY-MM-DD/);
    await bad("from=2026-03-01&to=2026-03-31&format=pdf", 400, /format/);
    await bad("from=2026-03-01&to=2026-03-31&site=nowhere", 404, /no site "nowhere"/);
  });

  it("exports the same figures as XLSX and CSV", async () => {
    const json = await march();
    const res = await get("from=2026-03-01&to=2026-03-31&format=xlsx");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("spreadsheetml");
    expect(res.headers.get("content-disposition")).toContain("bao-cao-dang-tai_2026-03-01_2026-03-31.xlsx");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
    const rows = (name: string) => {
      const out: unknown[][] = [];
      book.getWorksheet(name)!.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
      return out;
    };
    expect(book.worksheets.map((w) => w.name)).toEqual(["Chuyên mục", "Kịp thời", "Loại văn bản", "Cơ quan ban hành", "Theo tháng", "Văn bản chậm"]);
    const sections = rows("Chuyên mục");
    expect(sections[0]).toEqual(["Trang", "Tên trang", "Chuyên mục", "Tên chuyên mục", "Loại", "Đăng mới", "Cập nhật", "Thu hồi/thay thế/bãi bỏ"]);
    expect(sections.slice(1).map((r) => [`${r[0]}/${r[2]}`, r[5], r[6], r[7]])).toEqual(
      json.sites.flatMap((s: any) => s.sections.map((x: any) => [`${s.site}/${x.section}`, x.published, x.updated, x.withdrawn])),
    );
    expect(rows("Kịp thời").slice(1)).toEqual([["huyen", "Trang thông tin huyện Bình Sơn", 1, 30, 30, 0], ["tinh", "Cổng thông tin điện tử tỉnh", 4, 10, 84.1, 0.5]]);
    expect(rows("Văn bản chậm").slice(1).map((r) => [r[1], r[7], r[12]])).toEqual([["77/QĐ-UBND", 115.7, "nguồn"], ["101/QĐ-UBND", 30, "chờ duyệt"]]);

    const csvRes = await get("from=2026-03-01&to=2026-03-31&format=csv&lang=en");
    expect(csvRes.headers.get("content-type")).toContain("text/csv");
    const bytes = Buffer.from(await csvRes.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // byte-order mark: spreadsheets read UTF-8
    const lines = bytes.subarray(3).toString("utf8").split("\r\n");
    expect(lines.slice(0, 2)).toEqual(["Sections", "Site,Site name,Section,Section name,Kind,Published,Updated,Withdrawn/replaced/abolished"]);
    expect(lines).toContain("tinh,Cổng thông tin điện tử tỉnh,van-ban-chi-dao-dieu-hanh,Văn bản chỉ đạo điều hành,document,3,1,1");
    expect(lines).toContain("tinh,Cổng thông tin điện tử tỉnh,4,10,84.1,0.5");
    expect(lines).toContain("Quyết định,3,30,98.5,0.333");
  });

  it("observes portalsync_publication_delay_hours once per document and site, when a pull site first reads it", async () => {
    const prisma = hub.ctx.db.prisma;
    const d7 = await seedDocument(prisma, { key: "d7", number: "200/QĐ-UBND", docType: "Quyết định", issuer: "UBND tỉnh", issuedDate: "2026-11-02" });
    const now = new Date();
    const vnNow = new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 19);
    // Waiting in two sections of the pull site: one document, one observation.
    const ids = [
      await seedDelivery(prisma, { site: "tinh", section: "van-ban-chi-dao-dieu-hanh", itemId: d7.id, versionId: d7.versionId, event: "document.published", createdAt: vnNow, state: "pending" }),
      await seedDelivery(prisma, { site: "tinh", section: "van-ban-phap-luat", itemId: d7.id, versionId: d7.versionId, event: "document.published", createdAt: vnNow, state: "pending" }),
    ];
    const metric = async () => {
      const text = await (await fetch(`${hub.url}/metrics`)).text();
      const value = (name: string) => Number(new RegExp(`^${name}\\{site="tinh"\\} (\\S+)$`, "m").exec(text)?.[1] ?? "0");
      return { count: value("portalsync_publication_delay_hours_count"), sum: value("portalsync_publication_delay_hours_sum") };
    };
    expect(await metric()).toEqual({ count: 0, sum: 0 });
    const read = () => fetch(`${hub.url}/api/v1/sites/tinh/items?limit=500`, { headers: { authorization: `Bearer ${siteToken}` } });
    // On PostgreSQL the feed holds rows back for a settle delay after a change.
    const deadline = Date.now() + (POSTGRES_FEED_SETTLE_SECONDS + 30) * 1000;
    while ((await prisma.delivery.count({ where: { id: { in: ids }, publishedAt: { not: null } } })) < 2) {
      expect((await read()).status).toBe(200);
      if (Date.now() > deadline) throw new Error("the pull site never read the waiting rows");
      await new Promise((r) => setTimeout(r, 500));
    }
    const rows = await prisma.delivery.findMany({ where: { id: { in: ids } }, orderBy: { publishedAt: "asc" } });
    const cal = createCalendar(hub.ctx.config.reports);
    const expected = workingHoursBetween(cal, issueMoment(cal, "2026-11-02"), rows[0]!.publishedAt!.getTime());
    expect(expected).toBeGreaterThan(200); // a month of working days
    const m = await metric();
    expect(m.count).toBe(1);
    expect(m.sum).toBeCloseTo(expected, 6);
    await read(); // read again: nothing new
    expect((await metric()).count).toBe(1);
  }, 180_000);
});
