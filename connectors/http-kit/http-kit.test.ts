import { describe, expect, it } from "vitest";
import { backoffDelayMs, parseRetryAfter, readTokenAnswer, refreshMarginMs, TokenAnswerError, TokenCache, vietnamTime } from "./index.ts";

describe("refreshMarginMs", () => {
  it("is 15 % of the token's life, at most 30 s", () => {
    expect(refreshMarginMs(20_000)).toBe(3_000);
    expect(refreshMarginMs(60_000)).toBe(9_000);
    expect(refreshMarginMs(3_600_000)).toBe(30_000);
    expect(refreshMarginMs(1_000)).toBe(150);
  });
});

describe("TokenCache", () => {
  function cache(lifetimeS: number) {
    let clock = 0;
    let n = 0;
    const tokens = new TokenCache(async () => ({ accessToken: `t${++n}`, lifetimeMs: lifetimeS * 1000 }), () => clock);
    return { tokens, advance: (ms: number) => (clock += ms) };
  }

  it("asks for a 20 s token 3 times over 37 calls a second apart (a fixed 30 s margin asked 37 times)", async () => {
    const { tokens, advance } = cache(20);
    for (let i = 0; i < 37; i++) {
      await tokens.get();
      advance(1000);
    }
    expect(tokens.fetches).toBe(3);
  });

  it("shares one request among concurrent callers", async () => {
    const { tokens } = cache(3600);
    const got = await Promise.all(Array.from({ length: 10 }, () => tokens.get()));
    expect(new Set(got)).toEqual(new Set(["t1"]));
    expect(tokens.fetches).toBe(1);
  });

  it("drops a rejected token, but not a newer one fetched meanwhile", async () => {
    const { tokens } = cache(3600);
    expect(await tokens.get()).toBe("t1");
    tokens.invalidate("t1");
    expect(await tokens.get()).toBe("t2");
    tokens.invalidate("t1"); // a late 401 for the old token
    expect(await tokens.get()).toBe("t2");
  });

  it("fetches again after a failed token request", async () => {
    let fail = true;
    const tokens = new TokenCache(async () => {
      if (fail) throw new Error("down");
      return { accessToken: "ok", lifetimeMs: 60_000 };
    }, () => 0);
    await expect(tokens.get()).rejects.toThrow("down");
    fail = false;
    expect(await tokens.get()).toBe("ok");
  });
});

describe("readTokenAnswer", () => {
  it("reads text or JSON, a string expires_in, and defaults a missing one", () => {
    expect(readTokenAnswer('{"access_token":"a","expires_in":20}')).toEqual({ accessToken: "a", lifetimeMs: 20_000 });
    expect(readTokenAnswer({ access_token: "a", expires_in: "60" })).toEqual({ accessToken: "a", lifetimeMs: 60_000 });
    expect(readTokenAnswer({ access_token: "a" }).lifetimeMs).toBe(300_000);
    expect(() => readTokenAnswer("<html>")).toThrow(TokenAnswerError);
    expect(() => readTokenAnswer({ expires_in: 5 })).toThrow(/without access_token/);
  });
});

describe("backoff and Retry-After", () => {
  it("doubles from the base with equal jitter, capped at 30 s", () => {
    expect(backoffDelayMs(1, 500, () => 0)).toBe(250);
    expect(backoffDelayMs(1, 500, () => 1)).toBe(500);
    expect(backoffDelayMs(3, 500, () => 1)).toBe(2000);
    expect(backoffDelayMs(20, 500, () => 1)).toBe(30_000);
  });

  it("reads seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", new Date(now))).toBe(5000);
    expect(parseRetryAfter("soon", now)).toBeNull();
  });
});

describe("vietnamTime", () => {
  it("writes an instant with the +07:00 offset the contract uses", () => {
    expect(vietnamTime(Date.parse("2026-11-18T02:12:44Z"))).toBe("2026-11-18T09:12:44+07:00");
    expect(vietnamTime(Date.parse("2026-11-18T20:00:00.250Z"))).toBe("2026-11-19T03:00:00.250+07:00");
  });
});

describe("where credentials may travel", () => {
  it("https anywhere, http only to loopback", async () => {
    const { credentialsMayTravelTo } = await import("./transport.ts");
    expect(credentialsMayTravelTo("https://binhthuan.gov.vn")).toBe(true);
    expect(credentialsMayTravelTo("http://127.0.0.1:8080")).toBe(true);
    expect(credentialsMayTravelTo("http://127.1.2.3")).toBe(true);
    expect(credentialsMayTravelTo("http://[::1]:8080")).toBe(true);
    expect(credentialsMayTravelTo("http://localhost")).toBe(true);
    expect(credentialsMayTravelTo("http://binhthuan.gov.vn")).toBe(false);
    expect(credentialsMayTravelTo("http://127.0.0.1.example.com")).toBe(false);
    expect(credentialsMayTravelTo("ftp://127.0.0.1")).toBe(false);
  });
});
