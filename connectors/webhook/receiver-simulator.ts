// A fake portal: many sites on one Hono app, each receiving Standard Webhooks
// at POST /sites/:site/webhook. It behaves like a careful real portal (verifies
// signatures, deduplicates by webhook-id, hands out remoteIds and insists on
// them for later changes) and records what a test needs to judge the hub:
// every event, the current state of every item, and anomalies such as
// out-of-order versions. Faults are switchable per site at run time.
//
// Test and demo tool only: the control endpoints have no authentication.

import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { html, raw } from "hono/html";
import { z } from "zod";
import type { Simulator } from "../sdk.ts";
import { DEFAULT_TOLERANCE_SECONDS, secretProblem, verifyWebhook } from "./signature.ts";

export const EVENT_TYPES = [
  "document.published",
  "document.updated",
  "document.withdrawn",
  "procedure.published",
  "procedure.updated",
  "procedure.abolished",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type ItemStatus = "published" | "updated" | "withdrawn" | "abolished";

export interface SiteFaults {
  /** 503 with Retry-After, or "reset": the connection is dropped without an answer. */
  down: false | { mode: "503" | "reset"; retryAfterSeconds: number };
  /** 410 Gone for every message. */
  gone: boolean;
  /** Delay before handling each message (the message is still processed afterwards). */
  slowMs: number;
  /** The next N messages get 500. */
  failNext: number;
  /** The next N messages get 400. */
  rejectNext: number;
}

export interface ItemState {
  key: string;
  id: string;
  section: string;
  kind: "document" | "procedure";
  status: ItemStatus;
  version: number;
  remoteId: string;
  /** Title (documents) or name (procedures), for people reading the demo page. */
  title: string | null;
  /** Số ký hiệu (documents) or procedure code. */
  number: string | null;
  firstReceivedAt: string;
  lastReceivedAt: string;
  /** Accepted events that touched this item (redeliveries not counted). */
  events: number;
}

export interface ReceivedEvent {
  seq: number;
  webhookId: string;
  type: EventType;
  itemKey: string;
  id: string;
  section: string;
  version: number;
  remoteId: string;
  /** webhook-timestamp of the first accepted attempt. */
  timestamp: number;
  receivedAt: string;
  /** How many times this webhook-id arrived and was acknowledged (1 + redeliveries). */
  deliveries: number;
  /** False when the event was acknowledged but not applied (older version than stored). */
  applied: boolean;
  data: Record<string, unknown>;
}

export interface SiteStats {
  /** Messages acknowledged with 2xx, redeliveries included. */
  acknowledged: number;
  /** Redeliveries of an already acknowledged webhook-id. */
  duplicates: number;
  /** 401: bad signature or stale timestamp. */
  unauthorized: number;
  /** 4xx for the payload or its remoteId (injected rejections not included). */
  invalid: number;
  /** Answers forced by faults (500, 400, 503, 410, dropped connections). */
  injected: number;
}

export interface Anomaly {
  at: string;
  webhookId: string;
  message: string;
}

export interface SiteSnapshot {
  site: string;
  secretCount: number;
  faults: SiteFaults;
  stats: SiteStats;
  itemCount: number;
  eventCount: number;
}

const downSchema = z.union([
  z.boolean(),
  z.object({
    mode: z.enum(["503", "reset"]).default("503"),
    retryAfterSeconds: z.number().int().nonnegative().default(30),
  }),
]);

/** Body of POST /_control/:site, and the programmatic `configure` patch. */
export const controlSchema = z.strictObject({
  secrets: z.array(z.string()).min(1).optional(),
  down: downSchema.optional(),
  gone: z.boolean().optional(),
  slowMs: z.number().int().nonnegative().optional(),
  failNext: z.number().int().nonnegative().optional(),
  rejectNext: z.number().int().nonnegative().optional(),
  /** Forget received events, items, remoteIds and counters (secrets and faults stay). */
  clear: z.boolean().optional(),
});
export type ControlPatch = z.input<typeof controlSchema>;

const payloadSchema = z.object({
  type: z.enum(EVENT_TYPES),
  timestamp: z.string(),
  data: z.looseObject({
    id: z.string().min(1),
    version: z.number().int().nonnegative(),
    site: z.string().optional(),
    section: z.string().optional(),
    remoteId: z.string().nullish(),
  }),
});

export interface ReceiverOptions {
  sites?: Record<string, ControlPatch & { secrets: string[] }>;
  toleranceSeconds?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export interface ReceiverSimulator extends Simulator {
  app: Hono;
  /** Live per-site faults; mutating them works like `configure`. */
  faults: Record<string, SiteFaults>;
  /** Create a site (needs `secrets`) or change one; returns its snapshot. */
  configure(site: string, patch: ControlPatch): SiteSnapshot;
  removeSite(site: string): boolean;
  sites(): string[];
  snapshot(site: string): SiteSnapshot;
  items(site: string): ItemState[];
  item(site: string, id: string, section?: string): ItemState | undefined;
  events(site: string): ReceivedEvent[];
  anomalies(site: string): Anomaly[];
  /** Forget what one site (or every site) received. */
  clear(site?: string): void;
}

interface Ack {
  remoteId: string;
  body: string;
  event: ReceivedEvent;
  /** `data` as first received, to spot a redelivery that changed it. */
  dataJson: string;
}

interface SiteState {
  name: string;
  secrets: string[];
  faults: SiteFaults;
  stats: SiteStats;
  items: Map<string, ItemState>;
  events: ReceivedEvent[];
  acks: Map<string, Ack>;
  anomalies: Anomaly[];
  nextRemote: number;
}

class UnknownSiteError extends Error {
  constructor(site: string) {
    super(`unknown site "${site}"`);
    this.name = "UnknownSiteError";
  }
}

const noFaults = (): SiteFaults => ({ down: false, gone: false, slowMs: 0, failNext: 0, rejectNext: 0 });
const noStats = (): SiteStats => ({ acknowledged: 0, duplicates: 0, unauthorized: 0, invalid: 0, injected: 0 });

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    // Unref'd: a slow site mid-delay must not keep a finished test process alive.
    setTimeout(resolve, ms).unref();
  });

function itemKey(section: string, id: string): string {
  return `${section}/${id}`;
}

export function createReceiverSimulator(options: ReceiverOptions = {}): ReceiverSimulator {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? defaultSleep;
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const sites = new Map<string, SiteState>();
  const faults: Record<string, SiteFaults> = {};

  function mustGet(name: string): SiteState {
    const site = sites.get(name);
    if (!site) throw new UnknownSiteError(name);
    return site;
  }

  function resetData(site: SiteState): void {
    site.items.clear();
    site.events = [];
    site.acks.clear();
    site.anomalies = [];
    site.stats = noStats();
    site.nextRemote = 1;
  }

  function snapshot(name: string): SiteSnapshot {
    const site = mustGet(name);
    return {
      site: site.name,
      secretCount: site.secrets.length,
      faults: structuredClone(site.faults),
      stats: { ...site.stats },
      itemCount: site.items.size,
      eventCount: site.events.length,
    };
  }

  function configure(name: string, input: ControlPatch): SiteSnapshot {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(name)) throw new Error(`invalid site name "${name}"`);
    const patch = controlSchema.parse(input);
    for (const secret of patch.secrets ?? []) {
      const problem = secretProblem(secret);
      if (problem) throw new Error(`site "${name}": ${problem}`);
    }
    let site = sites.get(name);
    if (!site) {
      if (!patch.secrets) throw new Error(`site "${name}" does not exist yet: give it secrets`);
      site = {
        name,
        secrets: [],
        faults: noFaults(),
        stats: noStats(),
        items: new Map(),
        events: [],
        acks: new Map(),
        anomalies: [],
        nextRemote: 1,
      };
      sites.set(name, site);
      faults[name] = site.faults;
    }
    if (patch.secrets) site.secrets = [...patch.secrets];
    const f = site.faults;
    if (patch.down !== undefined) {
      f.down =
        patch.down === false
          ? false
          : patch.down === true
            ? { mode: "503", retryAfterSeconds: 30 }
            : { mode: patch.down.mode, retryAfterSeconds: patch.down.retryAfterSeconds };
    }
    if (patch.gone !== undefined) f.gone = patch.gone;
    if (patch.slowMs !== undefined) f.slowMs = patch.slowMs;
    if (patch.failNext !== undefined) f.failNext = patch.failNext;
    if (patch.rejectNext !== undefined) f.rejectNext = patch.rejectNext;
    if (patch.clear) resetData(site);
    return snapshot(name);
  }

  for (const [name, config] of Object.entries(options.sites ?? {})) configure(name, config);

  /** Applies one verified, new message; returns the HTTP answer. */
  function accept(site: SiteState, webhookId: string, timestamp: number, bodyText: string): { status: number; body: string } {
    let json: unknown;
    try {
      json = JSON.parse(bodyText);
    } catch {
      site.stats.invalid++;
      return errorAnswer(400, "body is not valid JSON");
    }
    const parsed = payloadSchema.safeParse(json);
    if (!parsed.success) {
      site.stats.invalid++;
      const first = parsed.error.issues[0];
      return errorAnswer(400, `invalid payload: ${first ? `${first.path.join(".") || "(root)"}: ${first.message}` : "unknown"}`);
    }
    const { type, data } = parsed.data;
    // zod reorders keys; keep exactly what the hub sent.
    const rawData = (json as { data: Record<string, unknown> }).data;
    if (data.site !== undefined && data.site !== site.name) {
      site.stats.invalid++;
      return errorAnswer(400, `data.site is "${data.site}" but this is site "${site.name}"`);
    }
    const [kindPart, action] = type.split(".") as ["document" | "procedure", string];
    const section = data.section ?? "";
    const key = itemKey(section, data.id);
    const at = now().toISOString();
    const existing = site.items.get(key);
    const anomaly = (message: string): void => {
      site.anomalies.push({ at, webhookId, message: `${type} ${key} v${data.version}: ${message}` });
    };

    let item: ItemState;
    let applied = true;
    if (action === "published") {
      if (existing) {
        // A site never shows an item twice: a second publish keeps the first remoteId.
        anomaly(`item already published as ${existing.remoteId} (stored v${existing.version})`);
        item = existing;
      } else {
        item = {
          key,
          id: data.id,
          section,
          kind: kindPart,
          status: "published",
          version: data.version,
          remoteId: `${site.name}-${site.nextRemote++}`,
          title: pickString(data, "title", "name"),
          number: pickString(data, "number", "code"),
          firstReceivedAt: at,
          lastReceivedAt: at,
          events: 0,
        };
        site.items.set(key, item);
      }
    } else if (type === "procedure.abolished" && !existing && !data.remoteId) {
      // A procedure this site never got from the hub, perhaps typed in by
      // hand: the abolition carries its code so the portal can retire it.
      const code = pickString(data, "code");
      if (!code) {
        site.stats.invalid++;
        return errorAnswer(400, `${type} of an item this site never received must carry data.code (MATTHC)`);
      }
      item = {
        key,
        id: data.id,
        section,
        kind: kindPart,
        status: "abolished",
        version: data.version,
        remoteId: `${site.name}-${site.nextRemote++}`,
        title: pickString(data, "title", "name"),
        number: code,
        firstReceivedAt: at,
        lastReceivedAt: at,
        events: 0,
      };
      site.items.set(key, item);
    } else {
      if (!data.remoteId) {
        site.stats.invalid++;
        return errorAnswer(400, `${type} must carry data.remoteId (the remoteId this site returned on publish)`);
      }
      if (!existing) {
        site.stats.invalid++;
        const owner = [...site.items.values()].find((candidate) => candidate.remoteId === data.remoteId);
        return errorAnswer(
          409,
          owner
            ? `remoteId ${data.remoteId} belongs to ${owner.key}, not ${key}`
            : `no item ${key} on this site (remoteId ${data.remoteId} unknown): was it published here first?`,
        );
      }
      if (existing.remoteId !== data.remoteId) {
        site.stats.invalid++;
        return errorAnswer(409, `remoteId mismatch for ${key}: this site gave ${existing.remoteId}, message carries ${data.remoteId}`);
      }
      item = existing;
    }

    if (existing) {
      if (data.version < existing.version) {
        // The hub must deliver changes to one item in order; say so, but do
        // not let an old version overwrite a newer one, as a real portal would not.
        anomaly(`arrived after v${existing.version} (out of order); acknowledged, not applied`);
        applied = false;
      } else {
        existing.version = data.version;
        if (action !== "published") existing.status = action as ItemStatus;
        existing.title = pickString(data, "title", "name") ?? existing.title;
        existing.number = pickString(data, "number", "code") ?? existing.number;
      }
    }
    item.lastReceivedAt = at;
    item.events++;

    const event: ReceivedEvent = {
      seq: site.events.length + 1,
      webhookId,
      type,
      itemKey: key,
      id: data.id,
      section,
      version: data.version,
      remoteId: item.remoteId,
      timestamp,
      receivedAt: at,
      deliveries: 1,
      applied,
      data: rawData,
    };
    site.events.push(event);
    const body = JSON.stringify({ remoteId: item.remoteId });
    site.acks.set(webhookId, { remoteId: item.remoteId, body, event, dataJson: JSON.stringify(rawData) });
    site.stats.acknowledged++;
    return { status: 200, body };
  }

  const app = new Hono<{ Bindings: Partial<HttpBindings> }>();

  app.post("/sites/:site/webhook", async (c) => {
    const site = sites.get(c.req.param("site"));
    if (!site) return c.json({ error: `unknown site "${c.req.param("site")}"` }, 404);
    const f = site.faults;
    if (f.gone) {
      site.stats.injected++;
      return c.json({ error: `site "${site.name}" no longer accepts messages` }, 410);
    }
    if (f.down) {
      site.stats.injected++;
      if (f.down.mode === "reset") {
        // Drop the connection without an answer, like a crashed portal behind a proxy.
        const socket = c.env?.incoming?.socket;
        if (socket) {
          socket.destroy();
          return new Response(null, { status: 503 });
        }
        throw new Error(`site "${site.name}" dropped the connection (simulated)`);
      }
      c.header("retry-after", String(f.down.retryAfterSeconds));
      return c.json({ error: `site "${site.name}" is down for maintenance` }, 503);
    }
    const body = await c.req.text();
    if (f.slowMs > 0) await sleep(f.slowMs);
    if (f.failNext > 0) {
      f.failNext--;
      site.stats.injected++;
      return c.json({ error: "internal error (simulated)" }, 500);
    }
    if (f.rejectNext > 0) {
      f.rejectNext--;
      site.stats.injected++;
      return c.json({ error: "rejected (simulated)" }, 400);
    }

    const verified = verifyWebhook(site.secrets, c.req.raw.headers, body, { toleranceSeconds, now });
    if (!verified.ok) {
      site.stats.unauthorized++;
      return c.json({ error: `signature check failed (${verified.reason}): ${verified.message}` }, 401);
    }

    const previous = site.acks.get(verified.id);
    if (previous) {
      // Same answer as the first time, nothing stored twice.
      previous.event.deliveries++;
      site.stats.duplicates++;
      site.stats.acknowledged++;
      if (previous.dataJson !== JSON.stringify(safeData(body))) {
        site.anomalies.push({
          at: now().toISOString(),
          webhookId: verified.id,
          message: `redelivery of ${verified.id} carries a different body than the first delivery`,
        });
      }
      return c.body(previous.body, 200, { "content-type": "application/json" });
    }

    const answer = accept(site, verified.id, verified.timestamp, body);
    return new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } });
  });

  app.get("/sites/:site/items", (c) => {
    const site = sites.get(c.req.param("site"));
    if (!site) return c.json({ error: `unknown site "${c.req.param("site")}"` }, 404);
    return c.json({
      site: site.name,
      items: [...site.items.values()],
      stats: site.stats,
      anomalies: site.anomalies,
    });
  });

  app.get("/sites/:site/events", (c) => {
    const site = sites.get(c.req.param("site"));
    if (!site) return c.json({ error: `unknown site "${c.req.param("site")}"` }, 404);
    return c.json({ site: site.name, events: site.events });
  });

  app.get("/_control", (c) => c.json({ sites: [...sites.keys()].map((name) => snapshot(name)) }));

  app.get("/_control/:site", (c) => {
    const site = sites.get(c.req.param("site"));
    if (!site) return c.json({ error: `unknown site "${c.req.param("site")}"` }, 404);
    return c.json(snapshot(site.name));
  });

  app.post("/_control/:site", async (c) => {
    let input: unknown;
    try {
      input = await c.req.json();
    } catch {
      return c.json({ error: "control body must be JSON" }, 400);
    }
    const parsed = controlSchema.safeParse(input);
    if (!parsed.success) return c.json({ error: z.prettifyError(parsed.error) }, 400);
    try {
      return c.json(configure(c.req.param("site"), parsed.data));
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
    }
  });

  app.delete("/_control/:site", (c) => {
    const removed = sites.delete(c.req.param("site"));
    delete faults[c.req.param("site")];
    return c.json({ removed }, removed ? 200 : 404);
  });

  app.get("/", (c) => c.html(renderPortal([...sites.values()])));

  return {
    app: app as unknown as Hono,
    faults,
    configure,
    removeSite(name) {
      delete faults[name];
      return sites.delete(name);
    },
    sites: () => [...sites.keys()],
    snapshot,
    items: (name) => [...mustGet(name).items.values()],
    item: (name, id, section = "") => mustGet(name).items.get(itemKey(section, id)),
    events: (name) => [...mustGet(name).events],
    anomalies: (name) => [...mustGet(name).anomalies],
    clear(name) {
      for (const site of name === undefined ? sites.values() : [mustGet(name)]) resetData(site);
    },
  };
}

function errorAnswer(status: number, message: string): { status: number; body: string } {
  return { status, body: JSON.stringify({ error: message }) };
}

function pickString(data: Record<string, unknown>, ...names: string[]): string | null {
  for (const name of names) {
    const value = data[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}

function safeData(body: string): unknown {
  try {
    return (JSON.parse(body) as { data?: unknown }).data;
  } catch {
    return undefined;
  }
}

// ─── Demo page ───────────────────────────────────────────────────────────────

const STATUS_LABELS: Record<ItemStatus, string> = {
  published: "Đã đăng",
  updated: "Đã cập nhật",
  withdrawn: "Đã thu hồi",
  abolished: "Đã bãi bỏ",
};

/** Enough rows to see what arrived; the JSON endpoints have everything. */
const MAX_ROWS_PER_SITE = 200;

function describeFaults(f: SiteFaults): string {
  const parts: string[] = [];
  if (f.gone) parts.push("đã ngừng nhận (410)");
  if (f.down) parts.push(f.down.mode === "reset" ? "mất kết nối" : `bảo trì (503, thử lại sau ${f.down.retryAfterSeconds} giây)`);
  if (f.slowMs) parts.push(`chậm ${f.slowMs} ms`);
  if (f.failNext) parts.push(`lỗi 500 cho ${f.failNext} tin tiếp theo`);
  if (f.rejectNext) parts.push(`từ chối (400) ${f.rejectNext} tin tiếp theo`);
  return parts.length ? parts.join(", ") : "hoạt động bình thường";
}

function renderPortal(sites: SiteState[]) {
  const sections = sites.map((site) => {
    const items = [...site.items.values()].reverse().slice(0, MAX_ROWS_PER_SITE);
    return html`<section>
      <h2>Trang: ${site.name}</h2>
      <p>
        Trạng thái: ${describeFaults(site.faults)} · Đã nhận ${site.stats.acknowledged} tin
        (${site.stats.duplicates} tin gửi lại) · Sai chữ ký: ${site.stats.unauthorized} · Bất thường:
        ${site.anomalies.length}
      </p>
      ${items.length === 0
        ? html`<p><em>Chưa có văn bản nào.</em></p>`
        : html`<table>
            <thead>
              <tr>
                <th>Chuyên mục</th><th>Số ký hiệu</th><th>Trích yếu</th><th>Trạng thái</th>
                <th>Phiên bản</th><th>Mã trên cổng</th><th>Cập nhật lúc</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                (item) => html`<tr>
                  <td>${item.section}</td><td>${item.number ?? ""}</td><td>${item.title ?? item.id}</td>
                  <td>${STATUS_LABELS[item.status]}</td><td>${item.version}</td><td>${item.remoteId}</td>
                  <td>${item.lastReceivedAt}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    </section>`;
  });
  return html`<!doctype html>
    <html lang="vi">
      <head>
        <meta charset="utf-8" />
        <title>Cổng thông tin mô phỏng</title>
        <style>
          ${raw(`body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
          table{border-collapse:collapse;width:100%;margin-bottom:1rem}
          th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;font-size:.9rem}
          th{background:#f0f0f0}`)}
        </style>
      </head>
      <body>
        <h1>Cổng thông tin mô phỏng</h1>
        <p>Trang giả lập nhận văn bản và thủ tục từ portalsync (Standard Webhooks). Số trang: ${sites.length}.</p>
        ${sites.length === 0 ? html`<p><em>Chưa cấu hình trang nào.</em></p>` : sections}
      </body>
    </html>`;
}

// ─── Serving over real HTTP ──────────────────────────────────────────────────

export interface ServedReceiver {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  port: number;
  /** The endpoint of one site: `${url}/sites/${site}/webhook`. */
  endpoint(site: string): string;
  /** Stop listening and drop open connections: clients get ECONNREFUSED. */
  refuseConnections(): Promise<void>;
  /** Listen again on the same port. */
  acceptConnections(): Promise<void>;
  close(): Promise<void>;
}

/** Serves a simulator on 127.0.0.1 (port 0: any free port). */
export async function serveReceiver(
  simulator: Pick<ReceiverSimulator, "app">,
  options: { port?: number; hostname?: string } = {},
): Promise<ServedReceiver> {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: simulator.app.fetch, port: options.port ?? 0, hostname }, () => resolve(started as Server));
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${hostname}:${port}`;
  let listening = true;

  const stop = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (!listening) return resolve();
      listening = false;
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });

  return {
    url,
    port,
    endpoint: (site) => `${url}/sites/${encodeURIComponent(site)}/webhook`,
    refuseConnections: stop,
    acceptConnections: () =>
      new Promise((resolve, reject) => {
        if (listening) return resolve();
        server.once("error", reject);
        server.listen(port, hostname, () => {
          server.off("error", reject);
          listening = true;
          resolve();
        });
      }),
    close: stop,
  };
}
