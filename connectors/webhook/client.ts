// Sends one signed message to a portal site and classifies the answer. The
// outbox owns retries and scheduling; this module only makes one attempt and
// says what happened, without throwing for anything the network or site does.

import packageJson from "../../package.json" with { type: "json" };
import type { ConnectorContext, OutboundMessage, SendResult } from "../sdk.ts";
import { signatureHeader } from "./signature.ts";
import { parseRetryAfter } from "../http-kit/index.ts";

export const USER_AGENT = `portalsync/${packageJson.version}`;
export const DEFAULT_TIMEOUT_MS = 15_000;

/** A portal's answer is a status and maybe `{"remoteId"}`; anything bigger is not read. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** How much of an error body goes into `error`, for the operator. */
const ERROR_SNIPPET_CHARS = 300;

/** Statuses whose Retry-After the contract says to honour. */
const RETRY_AFTER_STATUSES = new Set([429, 502, 503, 504]);

export type WebhookClientContext = Pick<ConnectorContext, "fetch" | "now"> & Partial<ConnectorContext> & { timeoutMs: number };

export function classifyStatus(status: number): SendResult["outcome"] {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 410) return "gone";
  if (status === 429 || status >= 500) return "retry";
  // 408 is the site's own timeout: as transient as ours, whatever its 4xx class.
  if (status === 408) return "retry";
  // Everything else (other 4xx, and 1xx/3xx: redirects are not followed, since
  // a redirected POST may silently become a GET) needs a person to look.
  return "rejected";
}

/** One signed POST; the connector (index.ts) turns a DeliveryRequest into it. */
export interface WebhookSender {
  /** POST one message; never throws for HTTP or network failures (a bad secret throws: a configuration error). */
  send(endpoint: string, secrets: string[], message: OutboundMessage, signal?: AbortSignal): Promise<SendResult>;
}

export function createWebhookClient(ctx: WebhookClientContext): WebhookSender {
  const timeoutMs = ctx.timeoutMs > 0 ? ctx.timeoutMs : DEFAULT_TIMEOUT_MS;

  return {
    async send(endpoint, secrets, message: OutboundMessage, signal) {
      const started = ctx.now().getTime();
      const result = (partial: Omit<SendResult, "durationMs">): SendResult => ({
        ...partial,
        durationMs: Math.max(0, ctx.now().getTime() - started),
      });

      // Signing errors (no secret, malformed secret) are configuration errors,
      // not site behaviour: they throw, so they surface instead of being retried.
      const headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message.id,
        "webhook-timestamp": String(message.timestamp),
        "webhook-signature": signatureHeader(secrets, message.id, message.timestamp, message.body),
      };

      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        return result({ outcome: "rejected", status: null, retryAfterMs: null, remoteId: null, error: `invalid endpoint URL: ${endpoint}` });
      }

      // One deadline for the whole exchange, including reading the answer: a
      // site that sends headers and then stalls must not hold a worker.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new TimeoutError(timeoutMs)), timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;

      try {
        const response = await ctx.fetch(url, {
          method: "POST",
          headers,
          body: message.body,
          redirect: "manual",
          signal: combined,
        });
        const text = await readCapped(response, MAX_RESPONSE_BYTES);
        const outcome = classifyStatus(response.status);
        const retryAfterMs = RETRY_AFTER_STATUSES.has(response.status)
          ? parseRetryAfter(response.headers.get("retry-after"), ctx.now())
          : null;
        if (outcome === "delivered") {
          return result({ outcome, status: response.status, retryAfterMs: null, remoteId: remoteIdFrom(text), error: null });
        }
        return result({ outcome, status: response.status, retryAfterMs, remoteId: null, error: describeStatus(response, text) });
      } catch (error) {
        // The message may or may not have arrived; retrying is safe because
        // the receiver deduplicates by webhook-id.
        const reason = timeout.signal.aborted
          ? `timed out after ${timeoutMs} ms`
          : signal?.aborted
            ? "aborted by the caller"
            : `network error: ${describeError(error)}`;
        return result({ outcome: "retry", status: null, retryAfterMs: null, remoteId: null, error: reason });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Stops the download of an oversized answer and frees the connection.
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks, Math.min(size, maxBytes));
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

/** `{"remoteId": "…"}` if present; portals that answer with text or HTML are fine too. */
export function remoteIdFrom(text: string): string | null {
  if (!text.trimStart().startsWith("{")) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return null;
    const value = (parsed as Record<string, unknown>)["remoteId"];
    if (typeof value === "string" && value.length > 0) return value;
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    return null;
  } catch {
    return null;
  }
}

function describeStatus(response: Response, text: string): string {
  const snippet = text.replace(/\s+/g, " ").trim().slice(0, ERROR_SNIPPET_CHARS);
  const location = response.status >= 300 && response.status < 400 ? response.headers.get("location") : null;
  const parts = [`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`];
  if (location) parts.push(`redirect to ${location} not followed`);
  if (snippet) parts.push(snippet);
  return parts.join(": ");
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici reports "fetch failed" and puts the useful part (ECONNREFUSED, …) in cause.
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${typeof code === "string" ? `${code} ` : ""}${cause.message}`.trim();
  }
  return error.message;
}
