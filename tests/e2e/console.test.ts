// Issue 6's acceptance in a real browser (Debian's Chromium driven by
// playwright-core): sign in, trigger a resync and watch it finish, approve a
// held document and see it delivered to the receiver simulator, and the
// screens at 1366×768 and on a phone (screenshots in tests/e2e/screenshots/).

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoHub, type DemoHub } from "./demo-hub.ts";

const SHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

let hub: DemoHub;
let browser: Browser;
let desktop: BrowserContext;
let page: Page;

async function waitForIdleRuns(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await hub.ctx.db.prisma.syncRun.count({ where: { status: { in: ["queued", "running"] } } })) > 0) {
    if (Date.now() > deadline) throw new Error("demo runs did not finish");
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function signIn(p: Page) {
  await p.goto(`${hub.url}/console`);
  expect(new URL(p.url()).pathname).toBe("/console/login");
  await p.fill("input[name=username]", "admin");
  await p.fill("input[name=password]", "portalsync-demo");
  await Promise.all([p.waitForURL(`${hub.url}/console`), p.click("button[type=submit].primary")]);
}

// Callbacks passed to page.evaluate run in the browser; the project compiles
// without the DOM library, so they reach the page's globals through globalThis.
/** No element wider than the viewport: the page never scrolls sideways as a whole. */
async function horizontalOverflow(p: Page): Promise<number> {
  return p.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  hub = await startDemoHub();
  // The demo's first runs fill the review queue (site binhson publishes after review).
  await waitForIdleRuns();
  // launch() gives Chromium a fresh temporary profile (--user-data-dir) of its own and removes it on close.
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  desktop = await browser.newContext({ viewport: DESKTOP, locale: "vi-VN" });
  page = await desktop.newPage();
});

afterAll(async () => {
  await browser?.close();
  if (hub) {
    await waitForIdleRuns().catch(() => {});
    await hub.close();
  }
});

describe("operator console in Chromium", () => {
  it("signs in (Vietnamese by default) and shows the dashboard", async () => {
    await page.goto(`${hub.url}/console/login`);
    await page.fill("input[name=username]", "admin");
    await page.fill("input[name=password]", "wrong password");
    await page.click("button[type=submit].primary");
    await expect(page.textContent("[role=alert]")).resolves.toContain("Sai tên đăng nhập hoặc mật khẩu");

    await signIn(page);
    expect(await page.textContent("h1")).toBe("Tổng quan");
    expect(await page.locator("#sources tbody tr").count()).toBeGreaterThanOrEqual(3);
    expect(Number(await page.textContent("#review-queue .big"))).toBeGreaterThan(0);
    const cookie = (await desktop.cookies()).find((c) => c.name === "portalsync_session")!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
    await page.screenshot({ path: path.join(SHOTS, "dashboard-1366.png"), fullPage: true });
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });

  it("triggers a resync of one source and watches it finish live", async () => {
    await page.goto(`${hub.url}/console`);
    await Promise.all([page.waitForURL(/\/console\/runs\/[0-9a-f-]{36}$/), page.click('[data-resync="ioffice-demo"]')]);
    const runId = page.url().split("/").pop()!;
    const run = await hub.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ sourceId: "ioffice-demo", trigger: "manual", requestedBy: "admin" });
    // The page polls the run's JSON and reloads with the per-item outcomes when it ends.
    await page.waitForFunction(() => ["succeeded", "partial"].includes((globalThis as any).document.querySelector("#run-status")?.getAttribute("data-status") ?? ""), null, { timeout: 120_000 });
    await page.waitForSelector("#run:not([data-live])", { timeout: 30_000 });
    expect(await page.textContent("#run-status")).toMatch(/Thành công|Xong một phần/);
    await page.screenshot({ path: path.join(SHOTS, "run-1366.png"), fullPage: true });
    const audit = await hub.ctx.db.prisma.auditEvent.findFirst({ where: { action: "run.manual", actor: "admin", targetId: "ioffice-demo" } });
    expect(audit?.details).toMatchObject({ runId });
  });

  it("backfills a date window and fetches a single document from the Runs page", async () => {
    await page.goto(`${hub.url}/console/runs`);
    await page.click("#new-run summary");
    await page.selectOption("select[name=source]", "ioffice-demo");
    await page.check("input[name=trigger][value=backfill]");
    await page.fill("input[name=from]", "2026-01-01");
    await page.fill("input[name=to]", "2026-01-31");
    await Promise.all([page.waitForURL(/\/console\/runs\/[0-9a-f-]{36}$/), page.click("[data-run-form] button[type=submit]")]);
    const runId = page.url().split("/").pop()!;
    const run = await hub.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: runId } });
    // Vietnam calendar days: 1 Jan 00:00 +07 to the end of 31 Jan.
    expect(run.windowFrom?.toISOString()).toBe("2025-12-31T17:00:00.000Z");
    expect(run.windowTo?.toISOString()).toBe("2026-01-31T17:00:00.000Z");
    // The live page reloads itself once the run ends; let it, before navigating away.
    await page.waitForSelector("#run:not([data-live])", { timeout: 120_000 });

    const ref = await hub.ctx.db.prisma.documentSourceRef.findFirstOrThrow({ where: { sourceId: "ioffice-demo" } });
    await page.goto(`${hub.url}/console/runs?source=ioffice-demo`);
    await page.click("#new-run summary");
    await page.check("input[name=trigger][value=single]");
    await page.fill("input[name=itemRef]", ref.externalId);
    await Promise.all([page.waitForURL(/\/console\/runs\/[0-9a-f-]{36}$/), page.click("[data-run-form] button[type=submit]")]);
    const single = await hub.ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: page.url().split("/").pop()! } });
    expect(single).toMatchObject({ trigger: "single", itemRef: ref.externalId, sourceId: "ioffice-demo" });
    await page.waitForSelector("#run:not([data-live])", { timeout: 120_000 });
    expect(await page.getAttribute("#run-status", "data-status")).toMatch(/succeeded|partial/);
    await waitForIdleRuns();
  });

  it("approves a held document and the receiver simulator gets it", async () => {
    await page.goto(`${hub.url}/console/review`);
    const row = page.locator("#review tbody tr", { hasText: "binhson" }).first();
    const deliveryId = (await row.getAttribute("data-delivery"))!;
    const itemId = (await row.getAttribute("data-item"))!;
    const before = (await (await fetch(`${hub.url}/sim/portal/sites/binhson/items`)).json()) as { items: { id: string }[] };
    expect(before.items.some((i) => i.id === itemId)).toBe(false);
    await page.screenshot({ path: path.join(SHOTS, "review-1366.png"), fullPage: true });

    await Promise.all([page.waitForURL(/flash=review\.approved/), row.locator(`[data-approve="${deliveryId}"]`).click()]);
    expect(await page.textContent(".flash.ok")).toContain("Đã duyệt");

    const received = await until(async () => {
      const body = (await (await fetch(`${hub.url}/sim/portal/sites/binhson/items`)).json()) as { items: { id: string; status: string; version: number }[] };
      return body.items.find((i) => i.id === itemId);
    }, 30_000, "the simulated portal to receive the approved document");
    expect(received.status).toBe("published");

    const delivery = await until(async () => {
      const d = await hub.ctx.db.prisma.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
      return d.state === "delivered" ? d : null;
    }, 30_000, "the delivery to be marked delivered");
    expect(delivery.reviewedBy).toBe("admin");
    expect(await hub.ctx.db.prisma.auditEvent.count({ where: { action: "delivery.approve", targetId: deliveryId, actor: "admin" } })).toBe(1);

    // The document page shows where it went, and its signature in plain words.
    await page.goto(`${hub.url}/console/documents/${itemId}`);
    const deliveredRow = page.locator(`[data-delivery="${deliveryId}"]`);
    expect(await deliveredRow.textContent()).toContain("Đã gửi");
    expect(await page.locator(".sig").first().textContent()).toMatch(/Chữ ký số: .+Ký bởi .+, lúc \d\d/);
    await page.screenshot({ path: path.join(SHOTS, "document-1366.png"), fullPage: true });
  });

  it("rejects with a reason, and republishes", async () => {
    await page.goto(`${hub.url}/console/review`);
    const row = page.locator("#review tbody tr").first();
    const id = (await row.getAttribute("data-delivery"))!;
    await row.locator("input[name=reason]").fill("Sai chuyên mục");
    await Promise.all([page.waitForURL(/flash=review\.rejectedDone/), row.locator("button.danger").click()]);
    expect((await hub.ctx.db.prisma.delivery.findUniqueOrThrow({ where: { id } })).reviewNote).toBe("Sai chuyên mục");
    await Promise.all([page.waitForURL(/flash=review\.republished/), page.locator(`[data-delivery="${id}"] button`).click()]);
    expect(["pending", "sending", "delivered"]).toContain((await hub.ctx.db.prisma.delivery.findUniqueOrThrow({ where: { id } })).state);
    expect(await hub.ctx.db.prisma.auditEvent.count({ where: { targetId: id, action: { in: ["delivery.reject", "delivery.republish", "delivery.approve"] } } })).toBe(3);
  });

  it("finds documents with or without diacritics", async () => {
    const withMarks = `${hub.url}/console/documents?q=${encodeURIComponent("Bình Sơn")}`;
    const without = `${hub.url}/console/documents?q=${encodeURIComponent("binh son")}`;
    await page.goto(withMarks);
    const a = await page.locator("#documents tbody tr").count();
    await page.goto(without);
    const b = await page.locator("#documents tbody tr").count();
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a);
    await page.screenshot({ path: path.join(SHOTS, "documents-1366.png"), fullPage: true });
  });

  it("switches to English and back", async () => {
    await page.goto(`${hub.url}/console`);
    await page.click("a.lang");
    expect(await page.textContent("h1")).toBe("Dashboard");
    await page.goto(`${hub.url}/console/deliveries`);
    expect(await page.textContent("h1")).toBe("Deliveries");
    await page.screenshot({ path: path.join(SHOTS, "deliveries-en-1366.png"), fullPage: true });
    await page.click("a.lang");
    expect(await page.textContent("h1")).toBe("Gửi đến các trang");
  });

  it("shows the publication report: tables, server-drawn charts, exports and the A4 annex, under the strict CSP", async () => {
    const violations: string[] = [];
    page.on("console", (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    await page.goto(`${hub.url}/console`);
    await Promise.all([page.waitForURL(/\/console\/reports/), page.click('nav a[href="/console/reports"]')]);
    expect(await page.textContent("h1")).toBe("Báo cáo đăng tải");
    // Default period: this month (the demo's deliveries happened just now), all sites.
    const period = await page.inputValue("select[name=period]");
    expect(period).toMatch(/^\d{4}-\d{2}$/);
    const [from, to] = [`${period}-01`, new Date(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)), 0)).toISOString().slice(0, 10)];
    const api = await (await page.request.get(`${hub.url}/api/v1/reports/publication?from=${from}&to=${to}`)).json();
    expect(api.totals.published).toBeGreaterThan(0);
    expect(Number(await page.textContent("#total-published"))).toBe(api.totals.published);
    for (const s of api.sites) for (const x of s.sections) {
      expect(await page.textContent(`#report-sections tr[data-site="${s.site}"][data-section="${x.section}"] [data-k=published]`)).toBe(String(x.published));
    }
    // Charts are inline SVG drawn by the server; the month's stacked bar carries the same total.
    expect(await page.getAttribute(`#chart-monthly g[data-month="${period}"]`, "data-total")).toBe(String(api.totals.published));
    expect(await page.locator("#chart-histogram rect").count()).toBe(api.histogram.length);
    expect(await page.locator("#report-timeliness tbody tr").count()).toBe(api.sites.length + 1);
    await page.screenshot({ path: path.join(SHOTS, "reports-1366.png"), fullPage: true });

    // One site; a custom period that is not a date is refused with a reason.
    await page.selectOption("select[name=site]", api.sites[0].site);
    await Promise.all([page.waitForURL(/site=/), page.click("#report-form button[type=submit]")]);
    expect(await page.locator("#report-timeliness tbody tr").count()).toBe(2);
    await page.selectOption("select[name=period]", "custom");
    await page.fill("input[name=from]", "2026-03-10");
    await page.fill("input[name=to]", "2026-03-01");
    await Promise.all([page.waitForURL(/period=custom/), page.click("#report-form button[type=submit]")]);
    expect(await page.textContent("#report-error")).toContain("before");

    // Exports: XLSX and CSV from the same numbers (the console session authenticates the API).
    await page.goto(`${hub.url}/console/reports`);
    const xlsx = await page.request.get(`${hub.url}${await page.getAttribute("#report-exports a:has-text('XLSX')", "href")}`);
    expect(xlsx.headers()["content-type"]).toContain("spreadsheetml");
    expect((await xlsx.body()).subarray(0, 2).toString()).toBe("PK");
    const csv = await page.request.get(`${hub.url}${await page.getAttribute("#report-exports a:has-text('CSV')", "href")}`);
    expect(csv.headers()["content-type"]).toContain("text/csv");

    // The printable annex: Nội dung | Có | Không | Số lượng, the console's frame hidden when printed.
    await Promise.all([page.waitForURL(/\/console\/reports\/print/), page.click("#report-print")]);
    expect(await page.locator("#annex thead th").allTextContents()).toEqual(["TT", "Nội dung", "Có", "Không", "Số lượng"]);
    const first = page.locator("#annex tbody tr").first();
    expect(Number(await first.locator("td.num").last().textContent())).toBeGreaterThanOrEqual(0);
    await page.emulateMedia({ media: "print" });
    expect(await page.locator(".no-print").isVisible()).toBe(false);
    await page.pdf({ path: path.join(SHOTS, "report-annex-a4.pdf"), format: "A4" });
    await page.emulateMedia({ media: "screen" });

    // The dashboard: this month's figure (cached up to five minutes, so at most the report's) and the 12-month trend.
    await page.goto(`${hub.url}/console`);
    const shown = Number(await page.textContent("#this-month-published .big"));
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(api.totals.published);
    expect(await page.locator("#trend-published g[data-label]").count()).toBe(12);
    expect(await page.getAttribute("#trend-published g[data-label]:last-child", "data-value")).toBe(String(shown));
    expect(violations).toEqual([]);
  });

  it("stays usable on a phone", async () => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const p = await phone.newPage();
    await signIn(p);
    for (const [name, url] of [["dashboard", "/console"], ["review", "/console/review"], ["runs", "/console/runs"], ["deliveries", "/console/deliveries"]] as const) {
      await p.goto(`${hub.url}${url}`);
      const wide: string[] = await p.evaluate(() => {
        const w = globalThis as any;
        return [...w.document.querySelectorAll("body *")]
          .filter((e: any) => !e.closest(".nav") && e.getBoundingClientRect().right > w.innerWidth + 1)
          .slice(0, 5)
          .map((e: any) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}: ${(e.textContent ?? "").slice(0, 60)}`);
      });
      expect(await horizontalOverflow(p), `${name} scrolls sideways: ${wide.join(" | ")}`).toBeLessThanOrEqual(0);
      await p.screenshot({ path: path.join(SHOTS, `${name}-phone.png`) });
    }
    // Table rows become labelled cards: a cell shows its column's name.
    await p.goto(`${hub.url}/console`);
    const label = await p.locator("#sources td[data-label]").first().evaluate((el) => (globalThis as any).getComputedStyle(el, "::before").content as string);
    expect(label).toContain("Nguồn");
    await phone.close();
  });
});
