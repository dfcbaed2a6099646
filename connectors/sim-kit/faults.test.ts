import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { FaultSwitchboard, faultMiddleware, mountFaultRoutes, pageOf } from "./faults.ts";
import { TokenIssuer, mountTokenEndpoint, requireBearer } from "./oauth.ts";

function app() {
  const faults = new FaultSwitchboard();
  const tokens = new TokenIssuer({ clientId: "c", clientSecret: "s" });
  const a = new Hono();
  mountFaultRoutes(a, faults);
  mountTokenEndpoint(a, tokens);
  a.use("/api/*", faultMiddleware(faults));
  a.use("/api/*", requireBearer(tokens, faults));
  a.get("/api/x", (c) => c.text("0123456789"));
  const token = async () => {
    const res = await a.request("/oauth2/token", { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials", client_id: "c", client_secret: "s" }) });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  return { a, faults, tokens, token };
}

describe("fault switchboard", () => {
  it("counts 429 and 500 down, then switches off; token endpoint is exempt", async () => {
    const { a, faults, token } = app();
    const t = await token();
    const get = () => a.request("/api/x", { headers: { Authorization: `Bearer ${t}` } });
    faults.set({ rateLimit: { retryAfter: 3, count: 1 }, serverError: { count: 1, status: 503 } });
    expect((await token()).length).toBeGreaterThan(10);
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("3");
    expect((await get()).status).toBe(503);
    expect((await get()).status).toBe(200);
    expect(faults.get().fired).toMatchObject({ rateLimit: 1, serverError: 1 });
  });

  it("tokenExpiry revokes the presented token", async () => {
    const { a, faults, token } = app();
    const t = await token();
    faults.set({ tokenExpiry: { count: 1 } });
    const get = (tok: string) => a.request("/api/x", { headers: { Authorization: `Bearer ${tok}` } });
    expect((await get(t)).status).toBe(401);
    expect((await get(t)).status).toBe(401);
    expect((await get(await token())).status).toBe(200);
    expect((await get("nonsense")).status).toBe(401);
  });

  it("is switchable over HTTP and validates input", async () => {
    const { a, faults } = app();
    const post = (body: unknown) => a.request("/_faults", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect((await post({ slow: { ms: 5 }, truncateBody: { count: 2, match: "/tep/" } })).status).toBe(200);
    expect(faults.get().active.slow).toMatchObject({ ms: 5, count: null });
    expect(faults.get().active.truncateBody).toMatchObject({ count: 2, keepRatio: 0.5, match: "/tep/" });
    expect((await post({ rateLimit: { count: -1 } })).status).toBe(400);
    expect((await post({ reset: true })).status).toBe(200);
    const state = (await (await a.request("/_faults")).json()) as { active: { slow: unknown } };
    expect(state.active.slow).toBeNull();
  });

  it("truncates a body while announcing the full length; match limits paths", async () => {
    const { a, faults, token } = app();
    const t = await token();
    faults.set({ truncateBody: { count: 1, keepRatio: 0.3, match: "/api/x" } });
    const res = await a.request("/api/x", { headers: { Authorization: `Bearer ${t}` } });
    expect(res.headers.get("Content-Length")).toBe("10");
    expect((await res.arrayBuffer()).byteLength).toBe(3);
    faults.set({ serverError: { count: 1, match: "/other" } });
    expect((await a.request("/api/x", { headers: { Authorization: `Bearer ${t}` } })).status).toBe(200);
  });

  it("pageOf repeats the previous page's last item when duplicateAcrossPages is on", () => {
    const faults = new FaultSwitchboard();
    const all = [1, 2, 3, 4, 5];
    expect(pageOf(all, 2, 2, faults)).toEqual([3, 4]);
    faults.set({ duplicateAcrossPages: true });
    expect(pageOf(all, 1, 2, faults)).toEqual([1, 2]);
    expect(pageOf(all, 2, 2, faults)).toEqual([2, 3, 4]);
    expect(pageOf(all, 4, 2, faults)).toEqual([]);
  });
});
