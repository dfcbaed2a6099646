import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { clientAddress, normaliseAddress, RateLimiter, rateLimit } from "./rate-limit.ts";

describe("RateLimiter (token bucket)", () => {
  it("allows a burst of max, then says how long to wait, and refills over the window", () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ max: 3, windowMs: 60_000, now: () => now });
    expect([1, 2, 3].map(() => limiter.take("a").ok)).toEqual([true, true, true]);
    const denied = limiter.take("a");
    expect(denied).toEqual({ ok: false, retryAfterSeconds: 20 });
    expect(limiter.take("b").ok).toBe(true); // other keys are separate
    now += 19_000;
    expect(limiter.take("a").ok).toBe(false);
    now += 1_000;
    expect(limiter.take("a").ok).toBe(true);
    expect(limiter.take("a").ok).toBe(false);
  });

  it("remembers a bounded number of keys", () => {
    let now = 0;
    const limiter = new RateLimiter({ max: 2, windowMs: 1000, maxKeys: 100, now: () => now });
    for (let i = 0; i < 1000; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // Recent keys are kept: the last one is still counted.
    limiter.take("k999");
    expect(limiter.take("k999").ok).toBe(false);
    now += 10_000;
    expect(limiter.take("k999").ok).toBe(true);
  });

  it("refuses nonsense settings", () => {
    expect(() => new RateLimiter({ max: 0, windowMs: 1000 })).toThrow(/max/);
  });
});

describe("client addresses", () => {
  it("normalises IPv4-mapped addresses and groups IPv6 by /64", () => {
    expect(normaliseAddress("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(normaliseAddress("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(normaliseAddress("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(normaliseAddress("[2001:0db8:0001:0002::9]")).toBe("2001:db8:1:2::/64");
    expect(normaliseAddress("192.0.2.1")).toBe("192.0.2.1");
  });

  const servers: ServerType[] = [];
  afterAll(() => servers.forEach((s) => (s as import("node:http").Server).close()));

  async function serveWith(trusted: string[]) {
    const app = new Hono();
    const limiter = new RateLimiter({ max: 1, windowMs: 60_000 });
    app.get("/who", (c) => c.text(clientAddress(c, trusted)));
    app.get("/limited", rateLimit({ limiter, key: (c) => clientAddress(c, trusted) }), (c) => c.text("ok"));
    // app.fetch itself, as the hub serves it: the connection info comes with it.
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    servers.push(server);
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("uses the socket's address; X-Forwarded-For only when the socket is a trusted proxy", async () => {
    const direct = await serveWith([]);
    expect(await (await fetch(`${direct}/who`, { headers: { "x-forwarded-for": "203.0.113.5" } })).text()).toBe("127.0.0.1");
    const proxied = await serveWith(["127.0.0.1"]);
    expect(await (await fetch(`${proxied}/who`, { headers: { "x-forwarded-for": "203.0.113.5" } })).text()).toBe("203.0.113.5");
    // The client may prepend anything: the right-most address not of a trusted proxy counts.
    expect(await (await fetch(`${proxied}/who`, { headers: { "x-forwarded-for": "198.51.100.1, 203.0.113.5, 127.0.0.1" } })).text()).toBe("203.0.113.5");
    expect(await (await fetch(`${proxied}/who`)).text()).toBe("127.0.0.1");
    expect(await (await fetch(`${proxied}/who`, { headers: { "x-forwarded-for": "not-an-address" } })).text()).toBe("127.0.0.1");
  });

  it("answers 429 with Retry-After once a client's bucket is empty", async () => {
    const url = await serveWith([]);
    expect((await fetch(`${url}/limited`)).status).toBe(200);
    const res = await fetch(`${url}/limited`);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBe(60);
    expect(((await res.json()) as { error: string }).error).toMatch(/too many requests/);
  });

  it("without a socket (in-process requests) every client shares one key", async () => {
    const app = new Hono();
    app.get("/who", (c) => c.text(clientAddress(c, [])));
    expect(await (await app.request("/who")).text()).toBe("unknown");
  });
});
