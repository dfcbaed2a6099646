// Request body limits for every route, applied before any handler (or the
// console's session look-up) runs: a body over its route's limit gets a 413
// before it is read when its Content-Length says so, or as soon as the bytes
// streamed in pass the limit. Nothing here holds more than a route's own
// small limit in memory.
//
// Two kinds of route:
// - "buffered" (forms, JSON, everything by default): small limits; hono's
//   bodyLimit reads a chunked body up to the limit (the handler would read it
//   whole anyway) and answers 413 past it.
// - "streamed" (uploads): the configured upload limit. Their handlers read the
//   request as a stream, some from the socket itself (src/api/upload-stream.ts),
//   so the body must not be touched here: a declared Content-Length is checked,
//   and a chunked body is counted by the handler as it streams (upload-stream's
//   receiveFile, a connector's upload route).

import type { Readable } from "node:stream";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { TrieRouter } from "hono/router/trie-router";

/** Console forms, public pages and anything not listed otherwise. */
export const FORM_BODY_BYTES = 64 * 1024;

/** Multipart framing around one uploaded file: boundaries, part headers, a few small fields. */
export const MULTIPART_FRAMING_BYTES = 64 * 1024;

export interface BodyLimitRule {
  method: string;
  /** A hono route path ("/api/v1/public/verify", "/sim/portal/*"). */
  path: string;
  maxBytes: number;
  kind: "buffered" | "streamed";
}

export interface BodyLimitOptions {
  /** Specific routes; the most recently added matching rule wins. */
  rules: BodyLimitRule[];
  /** Routes under /api/ that no rule names. */
  apiBytes: number;
  /** Everything else. */
  otherBytes: number;
}

type Limit = Pick<BodyLimitRule, "maxBytes" | "kind">;

// After a refusal the rest of the body is read and dropped, up to this much,
// so a client still sending receives the 413 instead of a reset (EPIPE).
// Beyond it the connection is cut: nobody is owed a polite answer for a
// gigabyte the hub never asked for. Nothing read is kept.
export const DRAIN_LIMIT = 64 * 1024 * 1024;

/** Read the rest of a refused request and drop it, so the client gets the answer rather than a reset. */
export function drain(source: Readable): void {
  let dropped = 0;
  source.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT) source.destroy();
  });
  source.on("error", () => undefined);
  source.resume();
}

/** The socket's request under @hono/node-server (other runtimes: none). */
function incomingOf(c: Context): Readable | null {
  const incoming = (c.env as { incoming?: Readable } | undefined)?.incoming;
  return incoming && typeof incoming.resume === "function" ? incoming : null;
}

export function requestBodyLimits(options: BodyLimitOptions): MiddlewareHandler {
  const router = new TrieRouter<Limit>();
  for (const rule of options.rules) router.add(rule.method.toUpperCase(), rule.path, { maxBytes: rule.maxBytes, kind: rule.kind });
  const buffered = new Map<number, MiddlewareHandler>();
  const bufferedLimit = (maxBytes: number) => {
    let handler = buffered.get(maxBytes);
    if (!handler) buffered.set(maxBytes, (handler = bodyLimit({ maxSize: maxBytes, onError: (c) => tooLarge(c, maxBytes) })));
    return handler;
  };

  return async (c, next) => {
    const limit = limitFor(router, options, c.req.method, c.req.path);
    const declared = declaredLength(c);
    if (declared !== null && declared > limit.maxBytes) {
      const incoming = incomingOf(c);
      if (incoming && declared <= DRAIN_LIMIT) {
        // The connection stays open while the rest arrives (closing it now
        // would reset a client still writing), then serves the next request.
        drain(incoming);
        return tooLarge(c, limit.maxBytes, false);
      }
      return tooLarge(c, limit.maxBytes);
    }
    if (limit.kind === "streamed") return next();
    return bufferedLimit(limit.maxBytes)(c, next);
  };
}

function limitFor(router: TrieRouter<Limit>, options: BodyLimitOptions, method: string, path: string): Limit {
  const matched = router.match(method, path)[0];
  const rule = matched.at(-1)?.[0];
  if (rule) return rule;
  return { maxBytes: path === "/api" || path.startsWith("/api/") ? options.apiBytes : options.otherBytes, kind: "buffered" };
}

/** The declared body size, or null for a chunked body (Transfer-Encoding wins over Content-Length). */
function declaredLength(c: Context): number | null {
  if (c.req.header("transfer-encoding")) return null;
  const value = c.req.header("content-length");
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  return Number(value);
}

function tooLarge(c: Context, maxBytes: number, close = true): Response {
  // The client may still be sending: unless the rest is drained, the
  // connection is not kept for another request.
  if (close) c.header("connection", "close");
  const text = `request body larger than ${maxBytes} bytes`;
  if (c.req.path.startsWith("/api/")) return c.json({ error: text }, 413);
  return c.text(`Nội dung gửi lên quá lớn (tối đa ${formatBytes(maxBytes)}). / ${text}.`, 413);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} B`;
}
