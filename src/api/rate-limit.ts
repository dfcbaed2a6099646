// A small, generic per-key rate limiter (token bucket) and the client address
// it is usually keyed on. In memory, per process: with several hubs behind one
// address each keeps its own count (docs/public-verification.md).

import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { isIP } from "node:net";

export interface RateLimitOptions {
  /** Requests allowed in a burst; the bucket refills at max per window. */
  max: number;
  windowMs: number;
  /** Keys remembered at most (memory bound); full buckets are forgotten first. */
  maxKeys?: number;
  now?: () => number;
}

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    if (!(options.max >= 1) || !(options.windowMs > 0)) throw new Error("rate limit: max must be ≥ 1 and windowMs > 0");
    this.perMs = options.max / options.windowMs;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Takes one token for `key`, or says how long until one is free. */
  take(key: string): RateDecision {
    const now = this.now();
    const bucket = this.buckets.get(key);
    let tokens = this.options.max;
    if (bucket) tokens = Math.min(this.options.max, bucket.tokens + (now - bucket.at) * this.perMs);
    if (tokens < 1) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
    }
    // Re-inserting keeps the Map in least-recently-used order for pruning.
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.prune(now);
    return { ok: true, remaining: Math.floor(tokens - 1) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= this.options.max) this.buckets.delete(key);
    }
    // Still too many distinct clients inside one window: forget the least recent.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

/** "::ffff:1.2.3.4" → "1.2.3.4"; an IPv6 address → its /64 (one subscriber usually holds a whole /64). */
export function normaliseAddress(address: string): string {
  const a = address.trim().toLowerCase().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  if (isIP(a) !== 6) return a;
  const [head = "", tail = ""] = a.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = a.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * The client's address: the socket's peer, or, when the peer is one of the
 * trusted proxies, the right-most X-Forwarded-For entry that is not a trusted
 * proxy (entries left of it could be forged by the client).
 */
export function clientAddress(c: Context, trustedProxies: readonly string[] = []): string {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    peer = undefined; // not served by @hono/node-server (in-process app.request)
  }
  if (!peer) return "unknown";
  const trusted = new Set(trustedProxies.map(normaliseAddress));
  if (!trusted.has(normaliseAddress(peer))) return normaliseAddress(peer);
  const forwarded = (c.req.header("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter((s) => isIP(s.replace(/^\[|\]$/g, "")) !== 0);
  for (let i = forwarded.length - 1; i >= 0; i--) {
    if (!trusted.has(normaliseAddress(forwarded[i]!))) return normaliseAddress(forwarded[i]!);
  }
  return normaliseAddress(forwarded[0] ?? peer);
}

export interface RateLimitMiddlewareOptions {
  limiter: RateLimiter;
  key: (c: Context) => string;
  /** The answer when limited (Retry-After is set before it is called); default a JSON 429. */
  limited?: (c: Context, retryAfterSeconds: number) => Response | Promise<Response>;
}

/** 429 with Retry-After once a key has used its bucket. */
export function rateLimit(options: RateLimitMiddlewareOptions): MiddlewareHandler {
  return async (c, next) => {
    const decision = options.limiter.take(options.key(c));
    if (!decision.ok) {
      c.header("retry-after", String(decision.retryAfterSeconds));
      return options.limited
        ? options.limited(c, decision.retryAfterSeconds)
        : c.json({ error: `too many requests: retry in ${decision.retryAfterSeconds} s` }, 429);
    }
    await next();
  };
}
