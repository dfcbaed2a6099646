// The one interface every external system implements. The hub core only ever
// sees these types; connectors register through connectors/index.ts.

import type { Hono } from "hono";
import type { Logger } from "pino";
import type { z } from "zod";
import type { SourceFileRef, SourceItem } from "../src/core/index.ts";

/** Side effects a connector may use, injected so tests need no mocks. */
export interface ConnectorContext {
  fetch: typeof globalThis.fetch;
  log: Logger;
  now: () => Date;
  /** Sleep used for backoff and Retry-After; tests inject a fast one. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Opaque, JSON-serialisable resume point, saved after every page. */
export type Cursor = Record<string, unknown>;

export interface ChangeWindow {
  from: Date;
  to?: Date;
}

/** A lightweight reference from a listing: enough to fetch the item. */
export interface ItemRef {
  externalId: string;
  /** Source-side change time (ISO); lets the pipeline skip unchanged items. */
  updatedAt: string | null;
  /** Some listings carry the whole item (iOffice does); then no fetch is needed. */
  item?: SourceItem;
  /** DVC: TRANGTHAI not "1" in the listing already means abolished. */
  hint?: Record<string, unknown>;
}

export interface ChangePage {
  items: ItemRef[];
  /** Cursor after this page: saving it and resuming must not lose or repeat work. */
  cursor: Cursor;
  page: number;
  /** Total items the source reports for the whole listing, when known. */
  total: number | null;
}

export interface FetchedFile {
  body: ReadableStream<Uint8Array>;
  mime: string;
  /** Content-Length when given. */
  size: number | null;
  /** SHA-256 the source vouches for (ETag or listing), to check after download. */
  sha256: string | null;
}

export interface FetchLimits {
  maxBytes: number;
  signal?: AbortSignal;
}

export interface HealthCheck {
  ok: boolean;
  message: string;
  latencyMs: number;
}

/** A live client for one configured source instance. */
export interface SourceClient {
  check(signal?: AbortSignal): Promise<HealthCheck>;
  /**
   * Pages of changes after `cursor` (null: from the start, or from window.from).
   * With a window, lists only that window (backfill) and the cursor it yields
   * is not the source's main cursor.
   */
  listChanges(cursor: Cursor | null, options?: { window?: ChangeWindow; signal?: AbortSignal }): AsyncIterable<ChangePage>;
  /** The full, current item. */
  fetchItem(externalId: string, signal?: AbortSignal): Promise<SourceItem>;
  fetchFile(file: SourceFileRef, limits: FetchLimits): Promise<FetchedFile>;
  /**
   * Every externalId the source currently lists (DVC: a procedure missing from
   * a full listing is abolished). Optional.
   */
  listAll?(signal?: AbortSignal): AsyncIterable<string>;
}

/** A running simulator of the external system (for demos, tests, benchmarks). */
export interface Simulator {
  /** Hono app serving the source's contract; mount it or serve it on its own port. */
  app: Hono;
  /** Switchable faults; see each connector's README. */
  faults: Record<string, unknown>;
}

/** What a connector module exports (default export of connectors/<name>/index.ts). */
export interface SourceConnector<Config = unknown> {
  /** Registry name used in configuration: `connector: "ioffice"`. */
  name: string;
  /** Human description for the console. */
  title: string;
  /** zod schema of the connector's `options` in configuration (secrets by reference). */
  configSchema: z.ZodType<Config>;
  create(config: Config, ctx: ConnectorContext): SourceClient;
  /**
   * HTTP routes the connector adds to the hub for one source (e.g. an upload
   * endpoint), with paths relative to /api/v1/sources/{sourceId}; the hub
   * puts them behind its authentication (admin or clerk tokens).
   */
  routes?(config: Config): Hono;
  /** Build a simulator; `baseUrl` is where it will be reachable (for URLs it hands out). */
  createSimulator?(options: { baseUrl: string; seed?: number; [key: string]: unknown }): Simulator | Promise<Simulator>;
}

// ─── Targets (portal sites) ───────────────────────────────────────────────────

/** One message to a portal site, already serialised (the signed bytes). */
export interface OutboundMessage {
  /** Standard Webhooks `webhook-id`: stable across retries of one message. */
  id: string;
  /** Unix seconds of this attempt (`webhook-timestamp`). */
  timestamp: number;
  /** The JSON body exactly as sent and signed. */
  body: string;
}

export interface SendResult {
  /** delivered: 2xx. retry: transient (5xx, 429, timeout, network). gone: 410. rejected: other 4xx. */
  outcome: "delivered" | "retry" | "gone" | "rejected";
  status: number | null;
  /** From Retry-After, when the site sent one. */
  retryAfterMs: number | null;
  /** `{"remoteId"}` from a 2xx answer. */
  remoteId: string | null;
  error: string | null;
  durationMs: number;
}

export interface TargetClient {
  /** POST one message; never throws for HTTP or network failures. */
  send(endpoint: string, secrets: string[], message: OutboundMessage, signal?: AbortSignal): Promise<SendResult>;
}

export interface TargetConnector {
  name: string;
  title: string;
  create(ctx: ConnectorContext & { timeoutMs: number }): TargetClient;
  createSimulator?(options: { [key: string]: unknown }): Simulator | Promise<Simulator>;
  /**
   * Problems in one configured site that this connector would meet, checked
   * at start so none is silent: errors stop the hub, warnings are logged.
   * `path` is relative to the site (`secrets[0]`).
   */
  checkSite?(site: SiteSettings): SiteProblem[];
}

/** A configured site as its target connector sees it (secrets resolved). */
export interface SiteSettings {
  mode: "push" | "pull";
  endpoint: string | null;
  secrets: string[];
  options: Record<string, unknown>;
}

export interface SiteProblem {
  severity: "error" | "warning";
  path: string;
  message: string;
}
