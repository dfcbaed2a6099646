// The console over HTTP against a real hub (no connectors needed): sign-in,
// CSRF on forms and on cookie-authenticated API calls, roles, tokens shown
// once, search with and without diacritics, the audit trail.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../../tests/support/hub.ts";
import { csrfToken } from "../auth/index.ts";

let hub: TestHub;
const ADMIN_PASSWORD = "admin-password-for-tests";

beforeAll(async () => {
  hub = await startTestHub({ auth: { bootstrapAdmin: { password: ADMIN_PASSWORD } } });
});
afterAll(async () => hub?.close());

const form = (data: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(data)) for (const one of ([] as string[]).concat(v)) body.append(k, one);
  return body;
};

async function login(username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${hub.url}/console/login`, { method: "POST", redirect: "manual", headers: { origin: hub.url }, body: form({ username, password }) });
  expect(res.status).toBe(303);
  const value = /portalsync_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")![1]!;
  return { cookie: `portalsync_session=${value}`, csrf: csrfToken(value) };
}

describe("console over HTTP", () => {
  it("redirects to sign-in, refuses a wrong password, and signs in", async () => {
    const anon = await fetch(`${hub.url}/console/runs`, { redirect: "manual" });
    expect(anon.status).toBe(302);
    expect(anon.headers.get("location")).toBe("/console/login?next=%2Fconsole%2Fruns");
    const bad = await fetch(`${hub.url}/console/login`, { method: "POST", headers: { origin: hub.url }, body: form({ username: "admin", password: "nope" }) });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("Sai tên đăng nhập hoặc mật khẩu");
    // A form posted from another origin is refused before anything else.
    const foreign = await fetch(`${hub.url}/console/login`, { method: "POST", headers: { origin: "https://evil.example" }, body: form({ username: "admin", password: ADMIN_PASSWORD }) });
    expect(foreign.status).toBe(403);
    const { cookie } = await login("admin", ADMIN_PASSWORD);
    const page = await fetch(`${hub.url}/console`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<h1>Tổng quan</h1>");
    const english = await fetch(`${hub.url}/console?lang=en`, { headers: { cookie } });
    expect(await english.text()).toContain("<h1>Dashboard</h1>");
  });

  it("after sign-in goes only to a path inside the console: CR/LF, other hosts and escapes land on /console", async () => {
    const cases: [string, string][] = [
      ["/console/runs?source=a", "/console/runs?source=a"],
      ["/console\r\nSet-Cookie: x=1", "/console"],
      ["/console/runs\nx", "/console"],
      ["/console/%0d%0aLocation:%20https://evil.example", "/console/%0d%0aLocation:%20https://evil.example"],
      ["//evil.example/console", "/console"],
      ["/\\evil.example/console", "/console"],
      ["https://evil.example/console", "/console"],
      ["/console/../tra-cuu", "/console"],
      ["/consolex", "/console"],
      ["/tra-cuu", "/console"],
    ];
    for (const [next, expected] of cases) {
      const res = await fetch(`${hub.url}/console/login`, { method: "POST", redirect: "manual", headers: { origin: hub.url }, body: form({ username: "admin", password: ADMIN_PASSWORD, next }) });
      expect(res.status, JSON.stringify(next)).toBe(303);
      expect(res.headers.get("location"), JSON.stringify(next)).toBe(expected);
    }
    // The sign-in page itself, asked with such a `next`, renders.
    const page = await fetch(`${hub.url}/console/login?next=${encodeURIComponent("/console\r\nX: y")}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="next" value="/console"');
  });

  it("needs the session's CSRF token on forms and on cookie-authenticated API changes", async () => {
    const { cookie, csrf } = await login("admin", ADMIN_PASSWORD);
    const without = await fetch(`${hub.url}/console/users`, { method: "POST", headers: { cookie, origin: hub.url }, body: form({ username: "lan", displayName: "Lan", password: "clerk-password-1", role: "clerk" }) });
    expect(without.status).toBe(403);
    const withToken = await fetch(`${hub.url}/console/users`, { method: "POST", redirect: "manual", headers: { cookie, origin: hub.url }, body: form({ _csrf: csrf, username: "lan", displayName: "Nguyễn Thị Lan", password: "clerk-password-1", role: "clerk" }) });
    expect(withToken.status).toBe(303);

    // The API reads with the cookie; a change needs x-csrf-token.
    expect((await fetch(`${hub.url}/api/v1/me`, { headers: { cookie } })).status).toBe(200);
    const body = JSON.stringify({ name: "script", role: "clerk" });
    const noHeader = await fetch(`${hub.url}/api/v1/tokens`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body });
    expect(noHeader.status).toBe(401);
    const ok = await fetch(`${hub.url}/api/v1/tokens`, { method: "POST", headers: { cookie, "content-type": "application/json", "x-csrf-token": csrf }, body });
    expect(ok.status).toBe(201);
    const { token } = (await ok.json()) as { token: string };
    expect(token).toMatch(/^pst_/);
    // Stored hashed only; the list never shows it again.
    const list = await (await fetch(`${hub.url}/api/v1/tokens`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(list).not.toContain(token);
    expect(await hub.ctx.db.prisma.apiToken.count({ where: { tokenHash: token } })).toBe(0);
  });

  it("keeps users and tokens to admins", async () => {
    const { cookie, csrf } = await login("lan", "clerk-password-1");
    expect((await fetch(`${hub.url}/console/users`, { headers: { cookie } })).status).toBe(403);
    expect((await fetch(`${hub.url}/api/v1/tokens`, { headers: { cookie } })).status).toBe(403);
    expect((await fetch(`${hub.url}/console/tokens`, { method: "POST", headers: { cookie, origin: hub.url }, body: form({ _csrf: csrf, name: "x", role: "admin" }) })).status).toBe(403);
    expect((await fetch(`${hub.url}/api/v1/dashboard`, { headers: { cookie } })).status).toBe(200);
  });

  it("creates a site token scoped to one site, shown once on the page", async () => {
    await hub.ctx.db.prisma.site.create({ data: { id: "binhson", name: "Bình Sơn", sections: { create: { slug: "vb", name: "Văn bản" } } } });
    const { cookie, csrf } = await login("admin", ADMIN_PASSWORD);
    const res = await fetch(`${hub.url}/console/tokens`, { method: "POST", headers: { cookie, origin: hub.url }, body: form({ _csrf: csrf, name: "Cổng Bình Sơn", role: "site", site: "binhson" }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const token = /id="new-token">(pst_[^<]+)</.exec(await res.text())![1]!;
    const row = await hub.ctx.db.prisma.apiToken.findFirstOrThrow({ where: { name: "Cổng Bình Sơn" } });
    expect(row).toMatchObject({ role: "site", siteId: "binhson" });
    const again = await (await fetch(`${hub.url}/console/tokens`, { headers: { cookie } })).text();
    expect(again).not.toContain(token);
    // A site token is not a console or staff API credential.
    expect((await fetch(`${hub.url}/api/v1/dashboard`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
  });

  it("finds documents with or without diacritics", async () => {
    const { foldVietnamese } = await import("../core/index.ts");
    const title = "Quyết định về việc phê duyệt kế hoạch chuyển đổi số";
    await hub.ctx.db.prisma.document.create({
      data: { identityKey: "k1", numberKey: "152/qd-ubnd", number: "152/QĐ-UBND", title, issuerName: "UBND huyện Bình Sơn", issuedDate: new Date("2026-11-20"), searchText: foldVietnamese(`152/QĐ-UBND ${title} UBND huyện Bình Sơn`) },
    });
    const { cookie } = await login("admin", ADMIN_PASSWORD);
    for (const q of ["chuyển đổi số", "chuyen doi so", "QUYET DINH binh son", "152/qđ"]) {
      const r = (await (await fetch(`${hub.url}/api/v1/documents?q=${encodeURIComponent(q)}`, { headers: { cookie } })).json()) as { total: number };
      expect(r.total, q).toBe(1);
    }
    const none = (await (await fetch(`${hub.url}/api/v1/documents?q=${encodeURIComponent("nghị quyết")}`, { headers: { cookie } })).json()) as { total: number };
    expect(none.total).toBe(0);
    const html = await (await fetch(`${hub.url}/console/documents?q=chuyen+doi+so`, { headers: { cookie } })).text();
    expect(html).toContain("152/QĐ-UBND");
  });

  it("records who did what in the audit log, and signs out", async () => {
    const { cookie, csrf } = await login("admin", ADMIN_PASSWORD);
    const actions = (await hub.ctx.db.prisma.auditEvent.findMany({ select: { action: true } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["user.bootstrap", "session.login", "session.login-failed", "user.create", "token.create"]));
    const audit = await (await fetch(`${hub.url}/console/audit?action=user.`, { headers: { cookie } })).text();
    expect(audit).toContain("user.create");
    const out = await fetch(`${hub.url}/console/logout`, { method: "POST", redirect: "manual", headers: { cookie, origin: hub.url }, body: form({ _csrf: csrf }) });
    expect(out.status).toBe(303);
    expect((await fetch(`${hub.url}/console`, { headers: { cookie }, redirect: "manual" })).status).toBe(302);
  });
});
