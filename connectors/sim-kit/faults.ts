// A switchboard of faults every simulator shares, so tests can make a source
// misbehave the way real LGSP gateways do. Counted faults fire on the next K
// matching requests, then switch themselves off.
//
// Matching: a fault with `match` applies to paths containing that substring;
// without it, to every path except the token endpoint and the control routes
// (`/_faults`, `/_sim`), so "500 on the next request" means an API call.

import type { Context, Hono, MiddlewareHandler } from "hono";
import { z } from "zod";

const match = z.string().min(1).optional();

export const faultConfigSchema = z.object({
  /** Delay each matching response by `ms` (for `count` requests, or until cleared). */
  slow: z.object({ ms: z.number().int().min(0), count: z.number().int().min(1).optional(), match }).nullable().optional(),
  /** 429 with `Retry-After: retryAfter` (seconds) on the next `count` requests. */
  rateLimit: z.object({ retryAfter: z.number().int().min(0), count: z.number().int().min(1), match }).nullable().optional(),
  /** 500 (or `status`) on the next `count` requests. */
  serverError: z.object({ count: z.number().int().min(1), status: z.number().int().min(500).max(599).optional(), match }).nullable().optional(),
  /** Send only `keepRatio` of the body while announcing the full Content-Length. */
  truncateBody: z.object({ count: z.number().int().min(1), keepRatio: z.number().min(0).max(0.99).optional(), match }).nullable().optional(),
  /** 401 on the next `count` calls that carry a valid token; that token is revoked. */
  tokenExpiry: z.object({ count: z.number().int().min(1), match }).nullable().optional(),
  /** Listings repeat the last item of page P at the start of page P+1. */
  duplicateAcrossPages: z.boolean().optional(),
});

export type FaultConfig = z.infer<typeof faultConfigSchema>;
export type CountedFault = "rateLimit" | "serverError" | "truncateBody" | "tokenExpiry";
export type FaultName = CountedFault | "slow" | "duplicateAcrossPages";

interface State {
  slow: { ms: number; count: number | null; match: string | undefined } | null;
  rateLimit: { retryAfter: number; count: number; match: string | undefined } | null;
  serverError: { status: number; count: number; match: string | undefined } | null;
  truncateBody: { keepRatio: number; count: number; match: string | undefined } | null;
  tokenExpiry: { count: number; match: string | undefined } | null;
  duplicateAcrossPages: boolean;
}

export interface FaultSnapshot {
  active: State;
  /** How many times each fault actually fired since the last reset. */
  fired: Record<FaultName, number>;
}

const CONTROL_PATHS = ["/oauth2/token", "/_faults", "/_sim"];

function emptyState(): State {
  return { slow: null, rateLimit: null, serverError: null, truncateBody: null, tokenExpiry: null, duplicateAcrossPages: false };
}

function zeroFired(): Record<FaultName, number> {
  return { slow: 0, rateLimit: 0, serverError: 0, truncateBody: 0, tokenExpiry: 0, duplicateAcrossPages: 0 };
}

export class FaultSwitchboard {
  // Lets a switchboard stand where sdk.ts's Simulator expects `faults: Record<string, unknown>`.
  [key: string]: unknown;
  #state: State = emptyState();
  #fired = zeroFired();

  /** Merge settings: a key set to null clears that fault; absent keys are left alone. */
  set(config: FaultConfig): this {
    const parsed = faultConfigSchema.parse(config);
    const s = this.#state;
    if (parsed.slow !== undefined) s.slow = parsed.slow && { ms: parsed.slow.ms, count: parsed.slow.count ?? null, match: parsed.slow.match };
    if (parsed.rateLimit !== undefined) s.rateLimit = parsed.rateLimit && { ...parsed.rateLimit, match: parsed.rateLimit.match };
    if (parsed.serverError !== undefined) {
      s.serverError = parsed.serverError && { status: parsed.serverError.status ?? 500, count: parsed.serverError.count, match: parsed.serverError.match };
    }
    if (parsed.truncateBody !== undefined) {
      s.truncateBody = parsed.truncateBody && { keepRatio: parsed.truncateBody.keepRatio ?? 0.5, count: parsed.truncateBody.count, match: parsed.truncateBody.match };
    }
    if (parsed.tokenExpiry !== undefined) s.tokenExpiry = parsed.tokenExpiry && { count: parsed.tokenExpiry.count, match: parsed.tokenExpiry.match };
    if (parsed.duplicateAcrossPages !== undefined) s.duplicateAcrossPages = parsed.duplicateAcrossPages;
    return this;
  }

  get(): FaultSnapshot {
    return structuredClone({ active: this.#state, fired: this.#fired });
  }

  reset(): this {
    this.#state = emptyState();
    this.#fired = zeroFired();
    return this;
  }

  /** Whether a fault applies to `path`; counted faults are consumed. Returns its settings. */
  take<K extends "slow" | CountedFault>(name: K, path: string): NonNullable<State[K]> | null {
    const fault = this.#state[name];
    if (!fault) return null;
    if (fault.match ? !path.includes(fault.match) : CONTROL_PATHS.some((p) => path.endsWith(p) || path.includes(`${p}/`))) {
      return null;
    }
    const taken = { ...fault } as NonNullable<State[K]>;
    if (fault.count !== null) {
      fault.count -= 1;
      if (fault.count <= 0) this.#state[name] = null;
    }
    this.#fired[name] += 1;
    return taken;
  }

  get duplicateAcrossPages(): boolean {
    return this.#state.duplicateAcrossPages;
  }

  /** Called by listings when they applied the duplication. */
  noteDuplicate(): void {
    this.#fired.duplicateAcrossPages += 1;
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * Slow / 429 / 5xx before the handler, truncation after it. Token expiry is
 * applied by `requireBearer` (sim-kit/oauth.ts), which knows the token is valid.
 */
export function faultMiddleware(board: FaultSwitchboard): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    const slow = board.take("slow", path);
    if (slow) await delay(slow.ms, c.req.raw.signal);
    const limited = board.take("rateLimit", path);
    if (limited) {
      return c.json({ loi: "qua_nhieu_yeu_cau", thong_bao: "Vượt quá hạn mức truy cập" }, 429, { "Retry-After": String(limited.retryAfter) });
    }
    const failed = board.take("serverError", path);
    if (failed) return c.json({ loi: "loi_he_thong", thong_bao: "Lỗi hệ thống (mô phỏng)" }, failed.status as 500);
    await next();
    const truncate = c.res.status === 200 ? board.take("truncateBody", path) : null;
    if (truncate) c.res = await truncated(c.res, truncate.keepRatio);
  };
}

/**
 * The body stops early while Content-Length announces the whole: the client
 * sees a connection closed mid-body, as with a gateway timing out.
 */
async function truncated(res: Response, keepRatio: number): Promise<Response> {
  const full = new Uint8Array(await res.arrayBuffer());
  const keep = full.subarray(0, Math.floor(full.length * keepRatio));
  const headers = new Headers(res.headers);
  headers.set("Content-Length", String(full.length));
  headers.set("Connection", "close");
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (keep.length > 0) controller.enqueue(keep);
      // With Connection: close the server ends the socket after the short
      // body, so the client fails at once instead of waiting for more bytes.
      controller.close();
    },
  });
  return new Response(body, { status: res.status, headers });
}

/** `GET {base}/_faults` and `POST {base}/_faults` (JSON FaultConfig; `{"reset":true}` clears all). */
export function mountFaultRoutes(app: Hono, board: FaultSwitchboard, base = ""): void {
  app.get(`${base}/_faults`, (c) => c.json(board.get()));
  app.post(`${base}/_faults`, async (c: Context) => {
    const body = (await c.req.json().catch(() => null)) as (FaultConfig & { reset?: boolean }) | null;
    if (!body || typeof body !== "object") return c.json({ error: "JSON body required" }, 400);
    const { reset, ...config } = body;
    if (reset) board.reset();
    const parsed = faultConfigSchema.safeParse(config);
    if (!parsed.success) return c.json({ error: parsed.error.issues }, 400);
    board.set(parsed.data);
    return c.json(board.get());
  });
}

/**
 * One page of a listing with the duplicateAcrossPages fault applied: page P>1
 * starts with the last item of page P-1 (the page keeps its size otherwise).
 */
export function pageOf<T>(all: readonly T[], page: number, size: number, board: FaultSwitchboard): T[] {
  const start = (page - 1) * size;
  const items = all.slice(start, start + size);
  if (board.duplicateAcrossPages && page > 1 && start - 1 < all.length && items.length > 0) {
    board.noteDuplicate();
    return [all[start - 1]!, ...items];
  }
  return items;
}
