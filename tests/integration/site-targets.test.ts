// Issue 11 (delivery core) and issue 12 item 1: a site the hub cannot push to
// is one visible mechanism. A site stopped by a configuration problem (a
// secret the hub will not use) or by the target refusing the hub's
// credentials (401/403, with the CMS's own reason) says why in the API and
// the console, raises an alert, keeps its queued work, and other sites go on;
// a passing "check connection" resumes a site stopped as unauthorized.

import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { createReceiverSimulator, serveReceiver, type ReceiverSimulator, type ServedReceiver } from "../../connectors/webhook/receiver-simulator.ts";
import { generateSecret } from "../../connectors/webhook/signature.ts";
import { createWordPressSimulator, type WordPressSimulator } from "../../connectors/wordpress/simulator.ts";
import { currentConditions } from "../../src/alerts/index.ts";
import { createApiToken, csrfToken } from "../../src/auth/index.ts";
import { waitUntil } from "../support/cluster.ts";
import { serveApp, startTestHub, type Served, type TestHub } from "../support/hub.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };
const ADMIN_PASSWORD = "admin-password-for-tests";
const APP_PASSWORD = "abcd efgh ijkl mnop qrst uvwx";

let ioffice: IofficeSimulator;
let wp: WordPressSimulator;
let receiver: ReceiverSimulator;
const served: Served[] = [];
let receiverServed: ServedReceiver;
let hub: TestHub;
let admin: string;
const good = generateSecret();

const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${hub.url}${path}`, { ...init, headers: { authorization: `Bearer ${admin}`, ...(init.headers as Record<string, string>) } });
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  ioffice = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 3, count: 6, ...CLIENT });
  served.push(await serveApp(ioffice.app));
  // The stand-in needs its own address for the links it hands out.
  const holder: { sim?: WordPressSimulator } = {};
  const front = new Hono().all("*", (c) => holder.sim!.app.fetch(c.req.raw));
  const wpApp = await serveApp(front);
  served.push(wpApp);
  wp = holder.sim = createWordPressSimulator({ baseUrl: wpApp.url, username: "portalsync", applicationPassword: APP_PASSWORD });
  receiver = createReceiverSimulator({ sites: { tot: { secrets: [good] }, hong: { secrets: [good] } } });
  receiverServed = await serveReceiver(receiver);
  const section = [{ slug: "van-ban", name: "Văn bản", itemKind: "document" }];
  hub = await startTestHub(
    {
      sources: [{ id: "ioffice", connector: "ioffice", name: "iOffice", options: { baseUrl: served[0]!.url, ...CLIENT, pageSize: 10 } }],
      sites: [
        { id: "tot", name: "Trang tốt", mode: "push", endpoint: receiverServed.endpoint("tot"), secrets: [good], sections: section },
        // No endpoint: accepted at start with a warning (a 13-byte secret, issue 12's
        // report, refuses the start instead: tests/integration/cli-config.test.ts).
        { id: "hong", name: "Trang chưa có địa chỉ", mode: "push", secrets: [good], sections: section },
        { id: "wp", name: "Trang WordPress", mode: "push", connector: "wordpress", options: { baseUrl: wpApp.url, username: "portalsync", applicationPassword: APP_PASSWORD }, sections: section },
      ],
      routing: [{ id: "all", name: "all", match: { itemKind: "document" }, targets: ["tot/van-ban", "hong/van-ban", "wp/van-ban"] }],
      auth: { bootstrapAdmin: { password: ADMIN_PASSWORD } },
    },
    { delivery: { idlePollMs: 50, busyPollMs: 20 } },
  );
  admin = (await createApiToken(hub.ctx.db.prisma, { name: "t", role: "admin" })).token;
}, 60_000);

afterAll(async () => {
  await hub?.close();
  for (const s of served) await s.close();
  await receiverServed?.close();
});

const waiting = (site: string) => hub.ctx.db.prisma.delivery.count({ where: { siteId: site, state: { in: ["pending", "failed", "sending"] } } });

describe("a site the hub cannot push to", () => {
  it("a push site the hub cannot push to as configured stops with the reason (API, dashboard, alert); its work waits; other sites go on", async () => {
    wp.faults.refuse = { status: 403, code: "rest_cannot_create", message: "Xin lỗi, bạn không được phép tạo bài viết với tư cách người dùng này." };
    await hub.run({ sourceId: "ioffice", trigger: "manual" });
    await waitUntil("the good site to be served", async () => (await waiting("tot")) === 0 && (await hub.ctx.db.prisma.delivery.count({ where: { siteId: "tot", state: "delivered" } })) > 0, 30_000);

    const hong = await api("/api/v1/sites/hong/target");
    expect(hong.status).toBe(200);
    expect(hong.body).toMatchObject({ connector: "webhook", stoppedKind: "configuration" });
    expect(hong.body.stoppedReason).toMatch(/sites\.hong\.endpoint: push site without an endpoint/);
    expect(hong.body.waiting).toBeGreaterThan(0);

    const dashboard = await api("/api/v1/dashboard");
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.sites.find((s: { id: string }) => s.id === "hong")).toMatchObject({ connector: "webhook", stoppedKind: "configuration", stoppedReason: expect.stringMatching(/endpoint/) });
    expect(dashboard.body.sites.find((s: { id: string }) => s.id === "wp")).toMatchObject({ connector: "wordpress" });

    const conditions = await currentConditions(hub.ctx);
    expect(conditions).toContainEqual(expect.objectContaining({ key: "site-stopped:hong", kind: "site-stopped", detail: expect.stringMatching(/endpoint/) }));
  });

  it("a WordPress site answering 403 stops with WordPress's own reason; its rows keep their attempts; a passing check resumes it and everything goes out once", async () => {
    await waitUntil("the WordPress site to stop", async () => (await hub.ctx.db.prisma.site.findUnique({ where: { id: "wp" } }))?.stoppedKind === "unauthorized", 30_000);
    const target = await api("/api/v1/sites/wp/target");
    expect(target.body.stoppedReason).toContain("Xin lỗi, bạn không được phép tạo bài viết với tư cách người dùng này.");
    expect(target.body.stoppedReason).toContain("403");
    const rows = await hub.ctx.db.prisma.delivery.findMany({ where: { siteId: "wp" } });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.state === "pending" && r.attempts === 0), JSON.stringify(rows.map((r) => [r.state, r.attempts]))).toBe(true);
    expect(wp.posts).toHaveLength(0);
    expect(await currentConditions(hub.ctx)).toContainEqual(expect.objectContaining({ key: "site-stopped:wp", detail: expect.stringContaining("Xin lỗi") }));

    // Still refused: the check says so, in WordPress's words, and resumes nothing.
    const refused = await api("/api/v1/sites/wp/check", { method: "POST" });
    expect(refused.body).toMatchObject({ ok: false, resumed: false, connector: "wordpress" });
    expect(JSON.stringify(refused.body.checks)).toContain("Xin lỗi");

    wp.faults.refuse = null; // the WordPress admin fixes the user's role
    const passed = await api("/api/v1/sites/wp/check", { method: "POST" });
    expect(passed.body).toMatchObject({ ok: true, resumed: true });
    await waitUntil("the WordPress site to be served", async () => (await waiting("wp")) === 0, 30_000);
    expect(wp.posts.length).toBe(rows.length);
    expect(new Set(wp.posts.map((p) => p.slug)).size).toBe(rows.length);
    expect((await api("/api/v1/sites/wp/target")).body.stoppedReason).toBeNull();
    expect((await currentConditions(hub.ctx)).map((c) => c.key)).not.toContain("site-stopped:wp");
    // The misconfigured site still waits: only a fixed configuration and a restart lift it.
    expect((await api("/api/v1/sites/hong/target")).body.stoppedKind).toBe("configuration");
  });

  it("the console shows each site's connector and why it is stopped, and its check connection shows the target's own words", async () => {
    const res = await fetch(`${hub.url}/console/login`, { method: "POST", redirect: "manual", headers: { origin: hub.url }, body: new URLSearchParams({ username: "admin", password: ADMIN_PASSWORD }) });
    const session = /portalsync_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")![1]!;
    const headers = { cookie: `portalsync_session=${session}`, origin: hub.url };
    const dashboard = await (await fetch(`${hub.url}/console`, { headers })).text();
    expect(dashboard).toContain("wordpress");
    expect(dashboard).toMatch(/data-stopped="hong"[^>]*>[^<]*endpoint/);
    const posted = await fetch(`${hub.url}/console/sites/hong/check`, { method: "POST", redirect: "manual", headers, body: new URLSearchParams({ _csrf: csrfToken(session) }) });
    expect(posted.status).toBe(303);
    const page = await (await fetch(`${hub.url}${posted.headers.get("location")}`, { headers })).text();
    expect(page).toContain('id="site-stopped"');
    expect(page).toContain('id="last-check"');
    expect(page).toMatch(/configuration<\/strong>: sites\.hong\.endpoint/);
  });
});
