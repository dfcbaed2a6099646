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
  /**
   * The largest request body those routes take (an upload's configured limit);
   * default the hub's `ingest.maxFileBytes`. The hub refuses a body whose
   * Content-Length is larger, plus multipart framing, before the route runs; a
   * route reading a chunked body counts the bytes itself as they stream.
   */
  maxRequestBytes?(config: Config): number;
  /** Build a simulator; `baseUrl` is where it will be reachable (for URLs it hands out). */
  createSimulator?(options: { baseUrl: string; seed?: number; [key: string]: unknown }): Simulator | Promise<Simulator>;
}

// ─── Targets (portal sites and the CMSs they run) ─────────────────────────────

export type DeliveryEvent =
  | "document.published" | "document.updated" | "document.withdrawn"
  | "procedure.published" | "procedure.updated" | "procedure.abolished";

export interface DeliveryFile {
  /** Already a clean file name (no path segments). */
  name: string;
  mime: string;
  size: number;
  /** Hex; CMS targets upload once per content hash. */
  sha256: string;
  role: "main" | "appendix" | "form";
  /** Time-limited download URL on the hub (what webhook payloads carry). */
  url: string;
  /** The bytes, streamed from the hub's blob store (CMS targets upload them). */
  open(): Promise<ReadableStream<Uint8Array>>;
}

export interface DeliveryRequest {
  /** Stable across retries of one outbox row (the Standard Webhooks webhook-id). */
  messageId: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /**
   * When the change happened (RFC 3339, seconds): the contract's body
   * `timestamp`, identical on every retry of the row. (Addition to the agreed
   * interface: the webhook body needs it.)
   */
  occurredAt: string;
  event: DeliveryEvent;
  /** Hub id of the document or procedure, stable across versions: the
   *  idempotency key CMS targets derive their slug / meta key / external
   *  reference code from. */
  itemId: string;
  /** The contract's `data` object (shared/contracts/portals.md, built by
   *  src/delivery/payload.ts buildData) exactly as a webhook carries it. */
  data: Record<string, unknown>;
  site: { id: string; name: string };
  section: { slug: string; name: string; itemKind: "document" | "procedure" };
  files: DeliveryFile[];
  /** What this target returned as remoteId for this item on this site/section before. */
  remoteId: string | null;
}

export interface SendResult {
  /** delivered: done. retry: transient (5xx, 429, timeout, network).
   *  gone: 410 (the site endpoint is disabled, queued work kept).
   *  unauthorized: 401/403 or missing capability: the whole SITE stops (its
   *    queued work kept), `error` carries the CMS's own reason text, the console
   *    shows it and an alert is raised; other sites go on.
   *  rejected: this one message can never succeed (other 4xx, e.g. 413 upload
   *    refused): dead letter with a clear `error`. */
  outcome: "delivered" | "retry" | "gone" | "unauthorized" | "rejected";
  status: number | null;
  /** From Retry-After, when the site sent one. */
  retryAfterMs: number | null;
  /** The target's id for the item, kept by the hub (RemoteItem) and passed back as `remoteId` later. */
  remoteId: string | null;
  error: string | null;
  durationMs: number;
}

export type SectionRef = { slug: string; name: string; itemKind: "document" | "procedure" };

export interface TargetCheck {
  ok: boolean;
  /** One line per thing checked (credentials, capability, categories/folders…), plain English. */
  checks: { name: string; ok: boolean; message: string }[];
  latencyMs: number;
}

export interface TargetClient {
  /** Deliver one outbox row; never throws for HTTP or network failures. */
  deliver(request: DeliveryRequest, signal?: AbortSignal): Promise<SendResult>;
  /** The console's "check connection": credentials, capability, sections. */
  check(sections: SectionRef[], signal?: AbortSignal): Promise<TargetCheck>;
}

/** One configured site as a target sees it. Secrets in `options` are already resolved. */
export interface TargetSite<Options = unknown> {
  id: string;
  name: string;
  /** Webhook sites: the site's top-level `endpoint` and `secrets` (existing shape). */
  endpoint: string | null;
  secrets: string[];
  /** The site's `options` block, parsed by the connector's optionsSchema. */
  options: Options;
}

export interface SiteProblem {
  severity: "error" | "warning";
  /** Relative to the site: `secrets[0]`, `options.baseUrl`. */
  path: string;
  message: string;
}

export interface TargetConnector<Options = unknown> {
  /** Registry name used in a site's `connector:` key (webhook is the default). */
  name: string;
  title: string;
  /** zod schema of the site's `options` (secrets by reference are resolved before). */
  optionsSchema: z.ZodType<Options>;
  /**
   * Problems in one configured push site, found without contacting it (a
   * secret the signer would refuse, plain HTTP for a password…). Checked at
   * start so none is silent: errors stop the hub with the key's path,
   * warnings are logged and keep that site stopped, with the reason on the
   * console, until the configuration is fixed.
   */
  validate?(site: TargetSite<Options>): SiteProblem[];
  create(site: TargetSite<Options>, ctx: ConnectorContext & { timeoutMs: number }): TargetClient;
  /** A stand-in of the target system (demo, tests, benchmarks). */
  createSimulator?(options: { baseUrl: string; [key: string]: unknown }): Simulator | Promise<Simulator>;
  /**
   * A demo site on the stand-in (`npm start`): the hub adds it, with the
   * usual two sections, and mounts the stand-in at /sim/<name>.
   */
  demo?: TargetDemo;
}

export interface TargetDemo {
  siteId: string;
  siteName: string;
  /** The site's `options` for a stand-in served at `baseUrl`. */
  options(baseUrl: string): Record<string, unknown>;
  /** Extra options for createSimulator (credentials matching `options`). */
  simulator?: Record<string, unknown>;
}

/** The webhook connector's wire message (its low-level sender takes it). */
export interface OutboundMessage {
  /** Standard Webhooks `webhook-id`: stable across retries of one message. */
  id: string;
  /** Unix seconds of this attempt (`webhook-timestamp`). */
  timestamp: number;
  /** The JSON body exactly as sent and signed. */
  body: string;
}
