// iOffice REST client (sources.md): OAuth2 client credentials, keyset-style
// incremental listing, bounded retries, guarded downloads, edXML mode.

import { createHash } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CanonicalDocument, SourceFileRef, SourceItem } from "../../src/core/index.ts";
import type { ChangePage, ChangeWindow, ConnectorContext, Cursor, FetchedFile, FetchLimits, HealthCheck, ItemRef, SourceClient } from "../sdk.ts";
import type { IofficeConfig } from "./config.ts";
import { itemKey, mapIofficeDocument, normalizeSha256, readListPage, IofficeMappingError } from "./mapping.ts";
import { parseEdxmlFileOffThread } from "../edxml-inbox/offthread.ts";
import type { EdxmlPackageFile } from "../edxml-inbox/package-file.ts";
import { EDXML_STATUS_CODES, EdxmlError, STATUS_MESSAGE_NOTE, type EdxmlAttachment } from "../edxml-inbox/parse.ts";
import { backoffDelayMs, clientCredentialsForm, parseRetryAfter, readTokenAnswer, TokenAnswerError, TokenCache, TOKEN_REQUEST_HEADERS, type TokenAnswer } from "../http-kit/index.ts";

export { parseRetryAfter } from "../http-kit/index.ts";

export type IofficeErrorCode =
  | "auth"
  | "not-found"
  | "http"
  | "rate-limited"
  | "timeout"
  | "network"
  | "too-large"
  | "truncated"
  | "checksum"
  | "content-type"
  | "bad-response"
  | "aborted";

export class IofficeError extends Error {
  constructor(
    message: string,
    readonly code: IofficeErrorCode,
    readonly status: number | null = null,
    /** Whether a later attempt may succeed (the pipeline retries the item). */
    readonly transient = false,
  ) {
    super(message);
    this.name = "IofficeError";
  }
}

/** Cursor: the last (cap_nhat_luc, id) handed out; everything ≤ it is done. */
export interface IofficeCursor extends Cursor {
  v: 1;
  updatedAt: string;
  id: string;
}

/** Longest Retry-After honoured; beyond it the run fails and the scheduler retries later. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;
/**
 * The resume query starts this far before the cursor time, so a gateway that
 * treats cap_nhat_tu as exclusive (or truncates sub-seconds) cannot skip items
 * that share the cursor's second; items ≤ cursor are then skipped locally.
 */
const RESUME_OVERLAP_MS = 1000;

function isCursor(value: Cursor | null): value is IofficeCursor {
  return !!value && value.v === 1 && typeof value.updatedAt === "string" && typeof value.id === "string";
}

/** (time, id) ordering of the listing. */
function compareKey(aTime: number, aId: string, bTime: number, bId: string): number {
  if (aTime !== bTime) return aTime < bTime ? -1 : 1;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

function isoVn(ms: number): string {
  return `${new Date(ms + 7 * 3600_000).toISOString().slice(0, 19)}+07:00`;
}

/** The SHA-256 hex inside an ETag (`"…"`, `W/"…"`), or null when it is not one. */
export function etagSha256(etag: string | null): string | null {
  if (!etag) return null;
  return normalizeSha256(etag.replace(/^W\//u, "").replace(/^"|"$/gu, ""));
}

interface Attempt {
  res: Response;
  /** Clears the attempt's timers; for streams, call when the body is done. */
  done: () => void;
  /** Re-arms the idle timer (streaming). */
  touch: () => void;
}

interface EdxmlCacheEntry {
  /** The parsed package; its attachments' bytes are in files (removed on eviction). */
  spooled: EdxmlPackageFile;
  files: Map<string, EdxmlAttachment>;
}

export function createIofficeClient(config: IofficeConfig, ctx: ConnectorContext): SourceClient & {
  /** Tokens fetched so far (tests: reuse and refresh). */
  readonly tokenFetches: number;
} {
  const base = config.baseUrl.replace(/\/+$/u, "");
  const map = config.fieldMap;
  const tokens = new TokenCache((signal) => fetchToken(signal), () => ctx.now().getTime());
  // edXML mode: the package carries the files; keep the last few packages.
  const edxmlCache = new Map<string, EdxmlCacheEntry>();

  /** `attempt` counts from 0 here: the first retry waits about retryBaseMs. */
  function backoffMs(attempt: number): number {
    return backoffDelayMs(attempt + 1, config.retryBaseMs);
  }

  /** One HTTP attempt with its own timeout, tied to the caller's signal. */
  async function attempt(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | null = null;
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new IofficeError(`timed out after ${config.timeoutMs} ms: ${url}`, "timeout", null, true));
      }, config.timeoutMs);
    };
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      signal?.removeEventListener("abort", onAbort);
    };
    arm();
    try {
      const res = await ctx.fetch(url, { ...init, signal: controller.signal });
      return { res, done, touch: arm };
    } catch (error) {
      done();
      if (signal?.aborted) throw new IofficeError(`aborted: ${url}`, "aborted");
      if (timedOut) throw new IofficeError(`timed out after ${config.timeoutMs} ms: ${url}`, "timeout", null, true);
      throw new IofficeError(`network error for ${url}: ${(error as Error).message}`, "network", null, true);
    }
  }

  async function fetchToken(signal?: AbortSignal): Promise<TokenAnswer> {
    const body = clientCredentialsForm(config.clientId, config.clientSecret);
    const text = await withRetries(`${base}/oauth2/token`, signal, async () => {
      const a = await attempt(`${base}/oauth2/token`, { method: "POST", headers: { ...TOKEN_REQUEST_HEADERS }, body }, signal);
      try {
        if (a.res.status === 400 || a.res.status === 401 || a.res.status === 403) {
          throw new IofficeError(`token endpoint refused the client credentials (HTTP ${a.res.status})`, "auth", a.res.status);
        }
        return { res: a.res, body: a.res.ok ? await a.res.text() : null };
      } finally {
        a.done();
      }
    });
    try {
      return readTokenAnswer(text);
    } catch (error) {
      if (error instanceof TokenAnswerError) throw new IofficeError(error.message, "bad-response");
      throw error;
    }
  }

  /**
   * Runs `once` until it yields a usable answer: 429 waits Retry-After, 5xx /
   * timeouts / network errors back off; all bounded by maxRetries.
   * `once` returns the response (and its read body when it read one).
   */
  async function withRetries<T>(
    what: string,
    signal: AbortSignal | undefined,
    once: () => Promise<{ res: Response; body: T | null }>,
  ): Promise<T> {
    for (let attemptNo = 0; ; attemptNo++) {
      let wait: number;
      let failure: IofficeError;
      try {
        const { res, body } = await once();
        if (res.ok && body !== null) return body;
        if (res.status === 429) {
          const after = parseRetryAfter(res.headers.get("Retry-After"), ctx.now().getTime());
          failure = new IofficeError(`rate limited (HTTP 429) on ${what}`, "rate-limited", 429, true);
          if (after !== null && after > MAX_RETRY_AFTER_MS) throw failure;
          wait = after ?? backoffMs(attemptNo);
        } else if (res.status >= 500 || res.status === 408) {
          failure = new IofficeError(`HTTP ${res.status} on ${what}`, "http", res.status, true);
          wait = backoffMs(attemptNo);
        } else if (res.status === 404) {
          throw new IofficeError(`not found (HTTP 404): ${what}`, "not-found", 404);
        } else {
          throw new IofficeError(`HTTP ${res.status} on ${what}`, res.status === 401 || res.status === 403 ? "auth" : "http", res.status);
        }
      } catch (error) {
        if (!(error instanceof IofficeError) || !error.transient) throw error;
        failure = error;
        wait = backoffMs(attemptNo);
      }
      if (attemptNo >= config.maxRetries) throw failure;
      ctx.log.warn({ what, attempt: attemptNo + 1, waitMs: wait, error: failure.message }, "ioffice: retrying");
      await ctx.sleep(wait, signal);
      if (signal?.aborted) throw new IofficeError(`aborted: ${what}`, "aborted");
    }
  }

  /**
   * An authorised request. A 401 refreshes the token once and repeats the call
   * (it does not count as a retry); a second 401 is an auth error.
   */
  async function authorised<T>(
    path: string,
    accept: string,
    signal: AbortSignal | undefined,
    read: (a: Attempt) => Promise<T>,
  ): Promise<T> {
    const url = `${base}${path}`;
    let refreshed = false;
    return withRetries(url, signal, async () => {
      for (;;) {
        const bearer = await tokens.get(signal);
        const a = await attempt(url, { headers: { Authorization: `Bearer ${bearer}`, Accept: accept } }, signal);
        if (a.res.status === 401 && !refreshed) {
          a.done();
          await a.res.body?.cancel().catch(() => undefined);
          refreshed = true;
          tokens.invalidate(bearer);
          ctx.log.info({ url }, "ioffice: token rejected, refreshing");
          continue;
        }
        if (!a.res.ok) {
          a.done();
          await a.res.body?.cancel().catch(() => undefined);
          return { res: a.res, body: null };
        }
        return { res: a.res, body: await read(a) };
      }
    });
  }

  async function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    return authorised(path, "application/json", signal, async (a) => {
      try {
        const text = await a.res.text();
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new IofficeError(`invalid JSON from ${path}`, "bad-response", a.res.status, true);
        }
      } catch (error) {
        if (error instanceof IofficeError) throw error;
        // A body cut short is transient: the whole call is repeated.
        throw new IofficeError(`reading ${path} failed: ${(error as Error).message}`, "truncated", a.res.status, true);
      } finally {
        a.done();
      }
    });
  }

  function listPath(from: string, to: string | null, page: number): string {
    const q = new URLSearchParams({ cap_nhat_tu: from });
    if (to) q.set("cap_nhat_den", to);
    q.set("trang", String(page));
    q.set("so_ban_ghi", String(config.pageSize));
    return `/api/v1/van-ban/da-ban-hanh?${q.toString()}`;
  }

  async function* listChanges(
    cursor: Cursor | null,
    options: { window?: ChangeWindow; signal?: AbortSignal } = {},
  ): AsyncIterable<ChangePage> {
    const { window, signal } = options;
    const startFrom = window ? window.from.getTime() : Date.parse(config.initialFrom);
    const to = window?.to ? isoVn(window.to.getTime()) : null;
    let last: { time: number; at: string; id: string } | null = null;
    if (isCursor(cursor)) {
      const time = Date.parse(cursor.updatedAt);
      if (!Number.isNaN(time) && time >= startFrom) last = { time, at: cursor.updatedAt, id: cursor.id };
    }
    let pageNo = 0;
    let total: number | null = null;
    // Keyset paging: every query starts at the cursor, so items that change
    // between pages (and move to the end of the order) are neither lost nor
    // shifted. `trang` only advances when a whole page sits at or before the
    // cursor (many items sharing one timestamp).
    let trang = 1;
    for (;;) {
      const from = last ? isoVn(last.time - RESUME_OVERLAP_MS) : isoVn(startFrom);
      const raw = await getJson(listPath(from, to, trang), signal);
      let page;
      try {
        page = readListPage(raw, map);
      } catch (error) {
        throw new IofficeError((error as Error).message, "bad-response");
      }
      if (total === null && page.total !== null) total = page.total;
      const fresh: ItemRef[] = [];
      const seen = new Set<string>();
      let newest = last;
      for (const rawItem of page.items) {
        const key = itemKey(rawItem, map);
        const time = key.updatedAt ? Date.parse(key.updatedAt) : Number.NaN;
        if (!key.id || Number.isNaN(time)) {
          // Without id and time the item can be neither ordered nor fetched.
          ctx.log.warn({ item: key }, "ioffice: listing item without id or cap_nhat_luc skipped");
          continue;
        }
        if (last && compareKey(time, key.id, last.time, last.id) <= 0) continue;
        if (seen.has(key.id)) continue;
        seen.add(key.id);
        const ref: ItemRef = { externalId: key.id, updatedAt: key.updatedAt };
        if (config.mode === "json") {
          try {
            ref.item = mapIofficeDocument(rawItem, map);
          } catch (error) {
            // The pipeline fetches the item itself and records the mapping error there.
            if (!(error instanceof IofficeMappingError)) throw error;
            ref.hint = { mappingError: error.message };
          }
        } else {
          ref.hint = { isPublic: mapPublic(rawItem) };
        }
        fresh.push(ref);
        if (!newest || compareKey(time, key.id, newest.time, newest.id) > 0) newest = { time, at: key.updatedAt!, id: key.id };
      }
      const full = page.items.length >= config.pageSize;
      if (fresh.length > 0) {
        // The source promises ascending order; sort anyway so the cursor is the maximum.
        fresh.sort((a, b) => compareKey(Date.parse(a.updatedAt!), a.externalId, Date.parse(b.updatedAt!), b.externalId));
        last = newest;
        pageNo += 1;
        trang = 1;
        const next: IofficeCursor = { v: 1, updatedAt: last!.at, id: last!.id };
        yield { items: fresh, cursor: next, page: pageNo, total };
      } else if (full) {
        trang += 1;
        continue;
      }
      if (!full) return;
    }
  }

  function mapPublic(raw: unknown): boolean {
    try {
      return mapIofficeDocument(raw, map).isPublic;
    } catch {
      return false;
    }
  }

  async function fetchJsonItem(externalId: string, signal?: AbortSignal): Promise<CanonicalDocument> {
    const raw = await getJson(`/api/v1/van-ban/${encodeURIComponent(externalId)}`, signal);
    return mapIofficeDocument(raw, map);
  }

  async function fetchEdxmlItem(externalId: string, signal?: AbortSignal): Promise<CanonicalDocument> {
    // The package goes to a temporary file as it arrives and is parsed off the
    // event loop (edxml-inbox/offthread.ts): packages run to tens of MB.
    const dir = await mkdtemp(join(tmpdir(), "portalsync-ioffice-edxml-"));
    let spooled: EdxmlPackageFile;
    try {
      const file = join(dir, "package.edxml");
      await authorised(`/api/v1/van-ban/${encodeURIComponent(externalId)}/edxml`, "application/xml", signal, async (a) => {
        try {
          return await downloadLimited(a, file, config.maxFileBytes * 2, `edXML of ${externalId}`);
        } finally {
          a.done();
        }
      });
      spooled = await parseEdxmlFileOffThread(file, { maxBytes: config.maxFileBytes * 2, maxAttachmentBytes: config.maxFileBytes });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const pkg = spooled.pkg;
    if (pkg.kind === "status") {
      await spooled.dispose();
      const label = EDXML_STATUS_CODES[pkg.statusCode];
      throw new EdxmlError(`${STATUS_MESSAGE_NOTE} (StatusCode ${pkg.statusCode}${label ? ` ${label}` : ""}${pkg.description ? `: ${pkg.description}` : ""})`, "status-message");
    }
    // edXML has no public flag and another id scheme: the JSON item is the
    // authority for identity, publicity and status; the package for the files.
    let meta: CanonicalDocument;
    try {
      meta = await fetchJsonItem(externalId, signal);
    } catch (error) {
      await spooled.dispose();
      throw error;
    }
    const files = new Map<string, EdxmlAttachment>();
    const refs: SourceFileRef[] = pkg.attachments.flatMap((attachment, index) => {
      if (attachment.error !== null) return [];
      const id = `edxml:${externalId}:${index + 1}`;
      files.set(id, attachment);
      return [{
        id,
        name: attachment.name,
        role: index === 0 ? "main" : "appendix",
        size: attachment.size,
        sha256: attachment.sha256,
        mime: attachment.mime,
      } satisfies SourceFileRef];
    });
    await edxmlCache.get(externalId)?.spooled.dispose();
    edxmlCache.delete(externalId);
    edxmlCache.set(externalId, { spooled, files });
    while (edxmlCache.size > 8) {
      const oldest = edxmlCache.keys().next().value!;
      await edxmlCache.get(oldest)?.spooled.dispose();
      edxmlCache.delete(oldest);
    }
    return { ...meta, files: refs };
  }

  /** The response body into a new file, refused past `maxBytes`. */
  async function downloadLimited(a: Attempt, file: string, maxBytes: number, what: string): Promise<void> {
    const length = Number(a.res.headers.get("Content-Length"));
    if (Number.isFinite(length) && length > maxBytes) {
      await a.res.body?.cancel().catch(() => undefined);
      throw new IofficeError(`${what} is ${length} bytes, over the limit of ${maxBytes}`, "too-large");
    }
    const out = await open(file, "wx");
    const reader = a.res.body?.getReader();
    let total = 0;
    try {
      if (!reader) return;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        a.touch();
        total += value.length;
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new IofficeError(`${what} exceeds the limit of ${maxBytes} bytes`, "too-large");
        }
        await out.write(value);
      }
    } catch (error) {
      if (error instanceof IofficeError) throw error;
      throw new IofficeError(`${what} was cut short: ${(error as Error).message}`, "truncated", a.res.status, true);
    } finally {
      await out.close();
    }
  }

  async function fetchFile(file: SourceFileRef, limits: FetchLimits): Promise<FetchedFile> {
    const maxBytes = Math.min(limits.maxBytes, config.maxFileBytes);
    if (file.size !== null && file.size > maxBytes) {
      throw new IofficeError(`file ${file.id} is announced at ${file.size} bytes, over the limit of ${maxBytes}`, "too-large");
    }
    if (file.id.startsWith("edxml:")) return fetchEdxmlFile(file, maxBytes, limits.signal);
    const path = `/api/v1/tep/${encodeURIComponent(file.id)}`;
    return authorised(path, "*/*", limits.signal, async (a) => {
      const declared = a.res.headers.get("Content-Length");
      const size = declared !== null && /^\d+$/u.test(declared) ? Number(declared) : null;
      const mime = (a.res.headers.get("Content-Type") ?? file.mime ?? "application/octet-stream").split(";")[0]!.trim().toLowerCase();
      const fail = async (error: IofficeError): Promise<never> => {
        a.done();
        await a.res.body?.cancel().catch(() => undefined);
        throw error;
      };
      if (size !== null && size > maxBytes) {
        return fail(new IofficeError(`file ${file.id} is ${size} bytes, over the limit of ${maxBytes}`, "too-large"));
      }
      // A gateway error page served with 200 must not be stored as the document.
      if (mime === "text/html") return fail(new IofficeError(`file ${file.id} came back as text/html`, "content-type"));
      const fromEtag = etagSha256(a.res.headers.get("ETag"));
      const expected = [...new Set([fromEtag, file.sha256].filter((s): s is string => s !== null))];
      return {
        body: guardedStream(a, { fileId: file.id, maxBytes, size, expected }),
        mime,
        size,
        sha256: fromEtag ?? file.sha256,
      };
    });
  }

  /**
   * Passes the bytes through while enforcing the size limit, the announced
   * Content-Length (a short body is an error, not a smaller file) and the
   * SHA-256 the source vouched for; any violation errors the stream.
   */
  function guardedStream(
    a: Attempt,
    check: { fileId: string; maxBytes: number; size: number | null; expected: string[] },
  ): ReadableStream<Uint8Array> {
    const reader = a.res.body!.getReader();
    const hash = createHash("sha256");
    let total = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            a.done();
            if (check.size !== null && total !== check.size) {
              throw new IofficeError(`file ${check.fileId}: got ${total} of ${check.size} bytes`, "truncated", 200, true);
            }
            const digest = hash.digest("hex");
            const mismatch = check.expected.find((e) => e !== digest);
            if (mismatch) {
              throw new IofficeError(`file ${check.fileId}: SHA-256 ${digest} does not match the announced ${mismatch}`, "checksum", 200, true);
            }
            controller.close();
            return;
          }
          a.touch();
          total += value.length;
          if (total > check.maxBytes) {
            throw new IofficeError(`file ${check.fileId} exceeds the limit of ${check.maxBytes} bytes`, "too-large");
          }
          hash.update(value);
          controller.enqueue(value);
        } catch (error) {
          a.done();
          await reader.cancel().catch(() => undefined);
          controller.error(
            error instanceof IofficeError
              ? error
              : new IofficeError(`file ${check.fileId} was cut short: ${(error as Error).message}`, "truncated", 200, true),
          );
        }
      },
      async cancel(reason) {
        a.done();
        await reader.cancel(reason).catch(() => undefined);
      },
    });
  }

  async function fetchEdxmlFile(file: SourceFileRef, maxBytes: number, signal?: AbortSignal): Promise<FetchedFile> {
    const match = /^edxml:(.+):(\d+)$/u.exec(file.id);
    if (!match) throw new IofficeError(`bad edXML file id ${file.id}`, "not-found");
    const docId = match[1]!;
    if (!edxmlCache.get(docId)?.files.has(file.id)) await fetchEdxmlItem(docId, signal);
    const found = edxmlCache.get(docId)?.files.get(file.id);
    if (!found) throw new IofficeError(`edXML package of ${docId} has no attachment ${match[2]}`, "not-found", 404);
    if (found.size > maxBytes) {
      throw new IofficeError(`file ${file.id} is ${found.size} bytes, over the limit of ${maxBytes}`, "too-large");
    }
    if (file.sha256 && found.sha256 && file.sha256 !== found.sha256) {
      throw new IofficeError(`file ${file.id}: SHA-256 ${found.sha256} does not match the announced ${file.sha256}`, "checksum");
    }
    const spooled = edxmlCache.get(docId)!.spooled;
    return {
      body: spooled.streamAttachment(found),
      mime: found.mime,
      size: found.size,
      sha256: found.sha256,
    };
  }

  return {
    get tokenFetches() {
      return tokens.fetches;
    },
    async check(signal?: AbortSignal): Promise<HealthCheck> {
      const started = performance.now();
      try {
        const raw = await getJson(listPath(isoVn(ctx.now().getTime() - 86_400_000), null, 1).replace(/so_ban_ghi=\d+/u, "so_ban_ghi=1"), signal);
        const page = readListPage(raw, map);
        return { ok: true, message: `iOffice reachable; ${page.total ?? "?"} documents changed in the last 24 h`, latencyMs: Math.round(performance.now() - started) };
      } catch (error) {
        return { ok: false, message: (error as Error).message, latencyMs: Math.round(performance.now() - started) };
      }
    },
    listChanges,
    async fetchItem(externalId: string, signal?: AbortSignal): Promise<SourceItem> {
      return config.mode === "edxml" ? fetchEdxmlItem(externalId, signal) : fetchJsonItem(externalId, signal);
    },
    fetchFile,
  };
}
