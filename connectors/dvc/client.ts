// DVC client: OAuth2 client credentials, keyset paging over the LayThuTuc
// listing, bounded retries, and form-template downloads with size limits.
//
// Paging is keyset, not offset: every request asks for `cap_nhat_tu = the
// last change time seen` from page 1 and drops what it has already seen at
// that instant. An offset (trang=k) walk loses items whenever a procedure on
// an earlier page changes mid-run (everything after it shifts left); the
// keyset walk cannot, and the cursor it saves after each page
// ({since, lastId}) resumes exactly after the last item handed out.

import type { CanonicalProcedure, SourceFileRef } from "../../src/core/index.ts";
import type {
  ChangePage,
  ChangeWindow,
  ConnectorContext,
  Cursor,
  FetchedFile,
  FetchLimits,
  HealthCheck,
  ItemRef,
  SourceClient,
} from "../sdk.ts";
import { backoffDelayMs, clientCredentialsForm, parseRetryAfter, readTokenAnswer, TokenAnswerError, TokenCache, TOKEN_REQUEST_HEADERS, vietnamTime, type TokenAnswer } from "../http-kit/index.ts";
import type { DvcConfig } from "./config.ts";
import { listItemHint, mapProcedure, normaliseTimestamp, type DvcListItem, type DvcProcedurePackage } from "./mapping.ts";

export { parseRetryAfter } from "../http-kit/index.ts";

export class DvcError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly transient = false,
  ) {
    super(message);
    this.name = "DvcError";
  }
}

export class DvcNotFoundError extends DvcError {
  override name = "DvcNotFoundError";
}

export class DvcFileTooLargeError extends DvcError {
  override name = "DvcFileTooLargeError";
}

export interface DvcCursor extends Cursor {
  /** Change time (NGAYCAPNHAT) of the last item handed out. */
  since: string;
  /** MATTHC of the last item handed out at `since` (ties are ordered by it). */
  lastId: string | null;
}

interface ListResponse {
  tong_so: number;
  trang: number;
  du_lieu: DvcListItem[];
}

export interface DvcClientOptions {
  /** Jitter source; tests pass a fixed one. */
  random?: () => number;
  /** Backoff base for 5xx/timeouts (doubles per attempt, capped at 30 s). */
  backoffBaseMs?: number;
  /** Bound on consecutive 429 answers honoured for one request. */
  maxRateLimitWaits?: number;
  /** Longest Retry-After honoured; longer ones fail the request (the run retries later). */
  maxRetryAfterMs?: number;
}

const FILE_MIME_REFUSED = /^(text\/html|application\/json|application\/problem\+json)/iu;

function ms(value: string): number {
  return Date.parse(value);
}

function compareKey(a: { t: number; id: string }, b: { t: number; id: string }): number {
  return a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}


function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

export class DvcClient implements SourceClient {
  readonly #config: DvcConfig;
  readonly #ctx: ConnectorContext;
  readonly #base: string;
  readonly #random: () => number;
  readonly #backoffBase: number;
  readonly #maxRateLimitWaits: number;
  readonly #maxRetryAfter: number;
  readonly #tokens: TokenCache;

  constructor(config: DvcConfig, ctx: ConnectorContext, options: DvcClientOptions = {}) {
    this.#config = config;
    this.#ctx = ctx;
    this.#base = config.baseUrl.replace(/\/+$/u, "");
    this.#random = options.random ?? Math.random;
    this.#backoffBase = options.backoffBaseMs ?? 500;
    this.#maxRateLimitWaits = options.maxRateLimitWaits ?? 5;
    this.#maxRetryAfter = options.maxRetryAfterMs ?? 5 * 60_000;
    this.#tokens = new TokenCache((signal) => this.#requestToken(signal), () => ctx.now().getTime());
  }

  /** Tokens fetched so far (tests: reuse and refresh). */
  get tokenFetches(): number {
    return this.#tokens.fetches;
  }

  // ─── Auth ──────────────────────────────────────────────────────────────────

  async #requestToken(signal?: AbortSignal): Promise<TokenAnswer> {
    const res = await this.#send(`${this.#base}/oauth2/token`, {
      method: "POST",
      headers: { ...TOKEN_REQUEST_HEADERS },
      body: clientCredentialsForm(this.#config.clientId, this.#config.clientSecret),
      signal,
      auth: false,
    });
    const json = await this.#readJson(res, signal);
    try {
      return readTokenAnswer(json);
    } catch (error) {
      if (error instanceof TokenAnswerError) throw new DvcError(error.message, res.status);
      throw error;
    }
  }

  // ─── HTTP with retries ─────────────────────────────────────────────────────

  /**
   * One logical request: 401 → one token refresh and retry; 429 → wait
   * Retry-After (bounded); 5xx, timeouts and network errors → backoff with
   * jitter, at most `maxRetries` times. Other 4xx fail at once.
   */
  async #send(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: URLSearchParams; signal?: AbortSignal | undefined; auth?: boolean },
  ): Promise<Response> {
    const auth = init.auth !== false;
    let refreshed = false;
    let transientFailures = 0;
    let rateLimitWaits = 0;
    for (;;) {
      init.signal?.throwIfAborted();
      const headers: Record<string, string> = { Accept: "application/json", ...init.headers };
      const bearer = auth ? await this.#tokens.get(init.signal) : null;
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      let res: Response;
      try {
        res = await this.#ctx.fetch(url, {
          method: init.method ?? "GET",
          headers,
          body: init.body,
          signal: this.#timeoutSignal(init.signal),
        });
      } catch (error) {
        if (init.signal?.aborted) throw error;
        if (transientFailures >= this.#config.maxRetries) {
          throw new DvcError(`${init.method ?? "GET"} ${url} failed after ${transientFailures + 1} attempts: ${describe(error)}`, null, true);
        }
        transientFailures += 1;
        await this.#backoff(transientFailures, `${describe(error)}`, url, init.signal);
        continue;
      }
      if (res.status === 401 && auth && !refreshed) {
        await res.body?.cancel();
        refreshed = true;
        this.#tokens.invalidate(bearer!);
        continue;
      }
      if (res.status === 429) {
        await res.body?.cancel();
        const wait = parseRetryAfter(res.headers.get("Retry-After"), this.#ctx.now()) ?? this.#delayFor(rateLimitWaits + 1);
        if (rateLimitWaits >= this.#maxRateLimitWaits || wait > this.#maxRetryAfter) {
          throw new DvcError(`rate limited by the DVC gateway (429, Retry-After ${res.headers.get("Retry-After") ?? "absent"})`, 429, true);
        }
        rateLimitWaits += 1;
        this.#ctx.log.warn({ url, waitMs: wait }, "dvc: 429, honouring Retry-After");
        await this.#ctx.sleep(wait, init.signal);
        continue;
      }
      if (res.status >= 500) {
        await res.body?.cancel();
        if (transientFailures >= this.#config.maxRetries) {
          throw new DvcError(`${init.method ?? "GET"} ${url} answered ${res.status} after ${transientFailures + 1} attempts`, res.status, true);
        }
        transientFailures += 1;
        await this.#backoff(transientFailures, `HTTP ${res.status}`, url, init.signal);
        continue;
      }
      if (res.status === 404) {
        await res.body?.cancel();
        throw new DvcNotFoundError(`${url} not found (404)`, 404);
      }
      if (!res.ok) {
        const detail = await res.text().catch(() => "");
        throw new DvcError(`${init.method ?? "GET"} ${url} answered ${res.status}: ${detail.slice(0, 200)}`, res.status);
      }
      return res;
    }
  }

  #timeoutSignal(signal: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.#config.timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }

  #delayFor(attempt: number): number {
    return backoffDelayMs(attempt, this.#backoffBase, this.#random);
  }

  async #backoff(attempt: number, reason: string, url: string, signal: AbortSignal | undefined): Promise<void> {
    const wait = this.#delayFor(attempt);
    this.#ctx.log.warn({ url, attempt, waitMs: wait, reason }, "dvc: transient failure, retrying");
    await this.#ctx.sleep(wait, signal);
  }

  /** JSON bodies are read under the same timeout; a truncated body is retried as transient by the callers. */
  async #readJson(res: Response, _signal?: AbortSignal): Promise<unknown> {
    const text = await res.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new DvcError(`${res.url || "response"}: body is not JSON (${text.slice(0, 80)})`, res.status, true);
    }
  }

  /** GET JSON, retrying a body that breaks off mid-way like any transient failure. */
  async #getJson(url: string, signal?: AbortSignal): Promise<unknown> {
    let attempts = 0;
    for (;;) {
      const res = await this.#send(url, { signal });
      try {
        return await this.#readJson(res, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        const transient = error instanceof DvcError ? error.transient : true;
        if (!transient || attempts >= this.#config.maxRetries) {
          throw error instanceof DvcError ? error : new DvcError(`${url}: reading the body failed: ${describe(error)}`, res.status, true);
        }
        attempts += 1;
        await this.#backoff(attempts, `body: ${describe(error)}`, url, signal);
      }
    }
  }

  // ─── Listing ───────────────────────────────────────────────────────────────

  async #listPage(since: string | null, page: number, signal?: AbortSignal): Promise<ListResponse> {
    const params = new URLSearchParams({ trang: String(page), so_ban_ghi: String(this.#config.pageSize) });
    // The contract's times carry +07:00; cursors and windows may hold any offset.
    if (since) params.set("cap_nhat_tu", vietnamTime(ms(since)));
    const json = (await this.#getJson(`${this.#base}/api/v1/thu-tuc?${params}`, signal)) as Partial<ListResponse>;
    if (!json || !Array.isArray(json.du_lieu)) throw new DvcError("listing answer has no du_lieu array", 200);
    return { tong_so: Number(json.tong_so ?? 0), trang: Number(json.trang ?? page), du_lieu: json.du_lieu };
  }

  /**
   * Keyset walk from (since, lastId), yielding pages of items strictly after
   * it in (NGAYCAPNHAT, MATTHC) order, up to `until` when given.
   */
  async *#walk(
    start: { since: string | null; lastId: string | null },
    until: number | null,
    signal?: AbortSignal,
  ): AsyncGenerator<{ items: DvcListItem[]; position: { since: string; lastId: string }; total: number }> {
    let since = start.since;
    let lastId = start.lastId;
    // Offset inside one `since`, used only when a whole page shares one timestamp.
    let page = 1;
    for (;;) {
      const answer = await this.#listPage(since, page, signal);
      const after = since !== null ? { t: ms(since), id: lastId ?? "" } : null;
      const seen = new Set<string>();
      const fresh: DvcListItem[] = [];
      let beyondWindow = false;
      for (const raw of answer.du_lieu) {
        if (!raw || typeof raw.MATTHC !== "string") continue;
        const key = { t: ms(normaliseTimestamp(raw.NGAYCAPNHAT)), id: raw.MATTHC };
        if (Number.isNaN(key.t)) {
          this.#ctx.log.warn({ item: raw.MATTHC, value: raw.NGAYCAPNHAT }, "dvc: listing item without a readable NGAYCAPNHAT, skipped");
          continue;
        }
        if (until !== null && key.t > until) {
          beyondWindow = true;
          break;
        }
        // Inclusive cap_nhat_tu repeats what was seen at `since`; duplicated
        // rows across pages (a real gateway fault) are dropped the same way.
        if (after && compareKey(key, after) <= 0) continue;
        if (seen.has(raw.MATTHC)) continue;
        seen.add(raw.MATTHC);
        fresh.push(raw);
      }
      const full = answer.du_lieu.length >= this.#config.pageSize;
      if (fresh.length > 0) {
        const last = fresh[fresh.length - 1]!;
        const lastSince = normaliseTimestamp(last.NGAYCAPNHAT);
        yield { items: fresh, position: { since: lastSince, lastId: last.MATTHC }, total: answer.tong_so };
        // Same instant as before: this page is now wholly behind the key, so
        // the next unseen rows start on the next page. New instant: page 1.
        page = since !== null && ms(lastSince) === ms(since) ? page + 1 : 1;
        since = lastSince;
        lastId = last.MATTHC;
      } else if (full && !beyondWindow) {
        // A full page of rows already seen at one instant: step past it.
        page += 1;
        continue;
      }
      if (!full || beyondWindow) return;
    }
  }

  listChanges(cursor: Cursor | null, options: { window?: ChangeWindow; signal?: AbortSignal } = {}): AsyncIterable<ChangePage> {
    const self = this;
    return (async function* () {
      const window = options.window;
      let start: { since: string | null; lastId: string | null };
      const saved = cursor as Partial<DvcCursor> | null;
      if (saved && typeof saved.since === "string") {
        start = { since: saved.since, lastId: typeof saved.lastId === "string" ? saved.lastId : null };
      } else if (window) {
        start = { since: window.from.toISOString(), lastId: null };
      } else {
        start = { since: self.#config.initialFrom, lastId: null };
      }
      // With lastId null, `since` itself is still to be listed: move the key
      // just before it so the inclusive match at `since` is kept.
      if (start.lastId === null && start.since !== null) {
        start = { since: new Date(ms(start.since) - 1).toISOString(), lastId: "\uffff" };
      }
      const until = window?.to ? window.to.getTime() : null;
      let pageNo = 0;
      let total: number | null = null;
      for await (const chunk of self.#walk(start, until, options.signal)) {
        pageNo += 1;
        total ??= chunk.total;
        const items: ItemRef[] = chunk.items.map((raw) => {
          const hint = listItemHint(raw);
          return {
            externalId: raw.MATTHC,
            updatedAt: normaliseTimestamp(raw.NGAYCAPNHAT),
            hint: { ...hint, abolished: hint.status === "abolished" },
          };
        });
        const next: DvcCursor = { since: chunk.position.since, lastId: chunk.position.lastId };
        yield { items, cursor: next, page: pageNo, total };
      }
    })();
  }

  /** Every MATTHC currently listed (abolished-by-status ones included). */
  listAll(signal?: AbortSignal): AsyncIterable<string> {
    const self = this;
    return (async function* () {
      for await (const chunk of self.#walk({ since: null, lastId: null }, null, signal)) {
        for (const item of chunk.items) yield item.MATTHC;
      }
    })();
  }

  // ─── Items and files ───────────────────────────────────────────────────────

  async fetchItem(externalId: string, signal?: AbortSignal): Promise<CanonicalProcedure> {
    const json = (await this.#getJson(`${this.#base}/api/v1/thu-tuc/${encodeURIComponent(externalId)}`, signal)) as DvcProcedurePackage;
    const mapped = mapProcedure(json);
    if (mapped.externalId !== externalId) {
      throw new DvcError(`asked for ${externalId}, the gateway answered ${mapped.externalId}`, 200);
    }
    return mapped;
  }

  #fileUrl(file: SourceFileRef): string {
    if (/^https?:\/\//iu.test(file.id)) {
      // Full URLs come from packages whose URL did not match {base}/api/v1/tep/{id};
      // fetching another origin with our token would leak it.
      const url = new URL(file.id);
      if (url.origin !== new URL(this.#base).origin) {
        throw new DvcError(`form template URL ${file.id} is not on the DVC gateway (${this.#base}); refusing to fetch`);
      }
      return url.toString();
    }
    return `${this.#base}/api/v1/tep/${encodeURIComponent(file.id)}`;
  }

  async fetchFile(file: SourceFileRef, limits: FetchLimits): Promise<FetchedFile> {
    const max = Math.min(limits.maxBytes, this.#config.maxFileBytes);
    const url = this.#fileUrl(file);
    const res = await this.#send(url, { signal: limits.signal, headers: { Accept: "*/*" } });
    const mime = (res.headers.get("Content-Type") ?? "application/octet-stream").split(";")[0]!.trim().toLowerCase();
    if (FILE_MIME_REFUSED.test(mime)) {
      await res.body?.cancel();
      // Gateways answer login pages and error JSON with 200; that is not a form.
      throw new DvcError(`form template ${file.id} came back as ${mime}, not a document`, res.status);
    }
    const lengthHeader = res.headers.get("Content-Length");
    const size = lengthHeader !== null && /^\d+$/u.test(lengthHeader) ? Number(lengthHeader) : null;
    if (size !== null && size > max) {
      await res.body?.cancel();
      throw new DvcFileTooLargeError(`form template ${file.id} is ${size} bytes; the limit is ${max}`, res.status);
    }
    const etag = /^"?([0-9a-f]{64})"?$/iu.exec(res.headers.get("ETag") ?? "")?.[1]?.toLowerCase() ?? null;
    if (!res.body) throw new DvcError(`form template ${file.id} has no body`, res.status, true);
    return {
      body: limitStream(res.body, max, this.#config.timeoutMs, file.id),
      mime,
      size,
      sha256: etag ?? file.sha256,
    };
  }

  async check(signal?: AbortSignal): Promise<HealthCheck> {
    const started = performance.now();
    try {
      const params = new URLSearchParams({ trang: "1", so_ban_ghi: "1" });
      const json = (await this.#getJson(`${this.#base}/api/v1/thu-tuc?${params}`, signal)) as Partial<ListResponse>;
      return {
        ok: true,
        message: `DVC reachable; ${Number(json.tong_so ?? 0)} procedures listed`,
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      return { ok: false, message: describe(error), latencyMs: Math.round(performance.now() - started) };
    }
  }
}

function describe(error: unknown): string {
  if (isAbort(error)) return "timed out";
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/**
 * Pass bytes through while counting them: more than `max` errors the stream
 * (the source connection is cancelled), as does no data for `idleMs`.
 */
export function limitStream(source: ReadableStream<Uint8Array>, max: number, idleMs: number, label: string): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let received = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DvcError(`download of ${label} stalled for ${idleMs} ms`, null, true)), idleMs);
        });
        const { done, value } = await Promise.race([reader.read(), idle]);
        if (done) {
          controller.close();
          return;
        }
        received += value.length;
        if (received > max) {
          await reader.cancel().catch(() => undefined);
          controller.error(new DvcFileTooLargeError(`${label} exceeds ${max} bytes`));
          return;
        }
        controller.enqueue(value);
      } catch (error) {
        await reader.cancel().catch(() => undefined);
        controller.error(error);
      } finally {
        clearTimeout(timer);
      }
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => undefined);
    },
  });
}
