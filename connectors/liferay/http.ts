// One HTTP exchange with Liferay's headless API and what its answer means for
// the hub. Every call goes through `call`: the Authorization header (with one
// fresh-token retry on a 401), the shared deadline, and the mapping of
// statuses to outcomes, with Liferay's own message text kept for the console.

import packageJson from "../../package.json" with { type: "json" };
import { parseRetryAfter } from "../http-kit/index.ts";
import type { ConnectorContext, SendResult } from "../sdk.ts";

export const USER_AGENT = `portalsync/${packageJson.version} (liferay connector)`;
export const API_BASE = "/o/headless-delivery/v1.0";
const ERROR_SNIPPET_CHARS = 300;

export type Outcome = SendResult["outcome"];

/** A failed exchange, already classified. */
export class LiferayError extends Error {
  constructor(
    readonly outcome: Exclude<Outcome, "delivered">,
    readonly status: number | null,
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "LiferayError";
  }
}

export function classifyStatus(status: number): Outcome {
  if (status >= 200 && status < 300) return "delivered";
  // Wrong credentials, an OAuth2 application without the scope, or a user
  // without the permission: nothing sent to this site can succeed until a
  // person fixes it, so the site stops rather than each message dying.
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 410) return "gone";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "rejected";
}

/** Liferay's own reason: `title` of its problem JSON, an OAuth2 `error_description`, or the text. */
export function liferayMessage(status: number, statusText: string, text: string): string {
  let reason = "";
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const key of ["title", "detail", "message", "error_description", "error"]) {
      if (typeof body[key] === "string" && body[key]) {
        reason = body[key] as string;
        break;
      }
    }
  } catch {
    reason = text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
  }
  if (reason.length > ERROR_SNIPPET_CHARS) reason = `${reason.slice(0, ERROR_SNIPPET_CHARS)}…`;
  return `HTTP ${status}${statusText ? ` ${statusText}` : ""}${reason ? `: ${reason}` : ""}`;
}

export interface Authorizer {
  readonly kind: "oauth2" | "basic";
  /** The Authorization header value (fetches or reuses a token). */
  header(signal: AbortSignal): Promise<string>;
  /** The server refused `header` with 401: forget it. True when asking again may help. */
  refused(header: string): boolean;
}

export interface HttpContext {
  baseUrl: string;
  fetch: ConnectorContext["fetch"];
  now: ConnectorContext["now"];
  auth: Authorizer;
}

export interface CallOptions {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path under the API base, e.g. `/sites/20121/document-folders`. */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  /** A body that can be built again for the 401 retry (multipart streams). */
  body?: () => { stream: ReadableStream<Uint8Array>; contentType: string };
  /** 404 answers null instead of failing (look-ups by external reference code). */
  allowNotFound?: boolean;
  /**
   * A 404 here can only mean the configuration names something that is not
   * there (the site, the content structure, a folder): every message would
   * fail the same way, so the site stops (`unauthorized`) instead of each
   * message becoming a dead letter.
   */
  notFoundIsConfiguration?: boolean;
  signal: AbortSignal;
}

/** Performs one call; returns the parsed JSON (or null for 204 / an allowed 404). Throws LiferayError. */
export async function call(ctx: HttpContext, options: CallOptions): Promise<unknown> {
  const url = new URL(`${ctx.baseUrl}${API_BASE}${options.path}`);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  for (let attempt = 0; ; attempt++) {
    const authorization = await ctx.auth.header(options.signal);
    const headers: Record<string, string> = { accept: "application/json", authorization, "user-agent": USER_AGENT };
    let body: string | ReadableStream<Uint8Array> | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.body) {
      const built = options.body();
      headers["content-type"] = built.contentType;
      body = built.stream;
    }
    let response: Response;
    try {
      response = await ctx.fetch(url, {
        method: options.method,
        headers,
        body,
        redirect: "manual",
        signal: options.signal,
        ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (error) {
      throw networkError(error, options.signal);
    }
    const text = await readText(response, options.signal);
    if (response.ok) return parseJson(text, response.status, `${options.method} ${url.pathname}`);
    if (response.status === 404 && options.allowNotFound) return null;
    if (response.status === 401 && attempt === 0 && ctx.auth.refused(authorization)) continue;
    const what = `${options.method} ${url.pathname}`;
    if (response.status >= 300 && response.status < 400) {
      // A login page or an http→https redirect: the configured address is not the API.
      throw new LiferayError("unauthorized", response.status, `${what}: redirected to ${response.headers.get("location") ?? "(no Location)"}; check baseUrl (https?) and that the API is not behind a login page`);
    }
    if (response.status === 404 && options.notFoundIsConfiguration) {
      throw new LiferayError("unauthorized", 404, `${what}: configuration: ${liferayMessage(response.status, response.statusText, text)}`);
    }
    const outcome = classifyStatus(response.status) as Exclude<Outcome, "delivered">;
    const retryAfterMs = outcome === "retry" ? parseRetryAfter(response.headers.get("retry-after"), ctx.now()) : null;
    throw new LiferayError(outcome, response.status, `${what}: ${liferayMessage(response.status, response.statusText, text)}`, retryAfterMs);
  }
}

function parseJson(text: string, status: number, what: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    // A proxy or login page in front of the API answering 200 with HTML.
    throw new LiferayError("retry", status, `${what}: HTTP ${status} with a body that is not JSON: ${text.replace(/\s+/g, " ").slice(0, 120)}`);
  }
}

async function readText(response: Response, signal: AbortSignal): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw networkError(error, signal);
  }
}

export function networkError(error: unknown, signal: AbortSignal): LiferayError {
  if (error instanceof LiferayError) return error;
  if (signal.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : "aborted";
    return new LiferayError("retry", null, reason);
  }
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  return new LiferayError("retry", null, `network error: ${cause}`);
}

/**
 * A multipart/form-data body streamed from the file's bytes (Documents and
 * Media uploads can be large; nothing is buffered whole). Liferay takes the
 * metadata as a JSON string part named `document` and the bytes as `file`.
 */
export function multipartBody(fields: Record<string, string>, file: { name: string; mime: string; open: () => Promise<ReadableStream<Uint8Array>> } | null): {
  stream: ReadableStream<Uint8Array>;
  contentType: string;
} {
  const boundary = `----portalsync${crypto.randomUUID().replaceAll("-", "")}`;
  const enc = new TextEncoder();
  const quoted = (s: string) => s.replace(/["\\\r\n]/g, "_");
  let head = "";
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${value}\r\n`;
  }
  const tail = `--${boundary}--\r\n`;
  let source: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let stage: "head" | "file" | "tail" | "done" = "head";
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === "head") {
        let text = head;
        if (file) {
          // The portal names the stored file from the `document` part; the
          // part's own filename is kept ASCII so no parser can mangle it.
          const ascii = file.name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").replace(/[^\x20-\x7e]/g, "_");
          text += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(ascii)}"\r\nContent-Type: ${file.mime || "application/octet-stream"}\r\n\r\n`;
          try {
            source = (await file.open()).getReader();
          } catch (error) {
            throw new Error(`could not read ${file.name} from the hub's blob store: ${error instanceof Error ? error.message : String(error)}`);
          }
          stage = "file";
        } else stage = "tail";
        controller.enqueue(enc.encode(text));
        return;
      }
      if (stage === "file" && source) {
        const { done, value } = await source.read();
        if (!done) {
          controller.enqueue(value);
          return;
        }
        controller.enqueue(enc.encode("\r\n"));
        stage = "tail";
        return;
      }
      if (stage === "tail") {
        controller.enqueue(enc.encode(tail));
        stage = "done";
        controller.close();
      }
    },
    async cancel(reason) {
      await (source as ReadableStreamDefaultReader<Uint8Array> | null)?.cancel(reason);
    },
  });
  return { stream, contentType: `multipart/form-data; boundary=${boundary}` };
}
