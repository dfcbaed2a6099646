// Portal-facing routes: the pull feed (/api/v1/sites/{site}/items), Atom per
// section (/feeds/{site}/{section}.atom) and signed file downloads
// (/files/{sha256}). Contract: shared/contracts/portals.md; docs/delivery.md.

import { Readable } from "node:stream";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { principalForToken, type AuthEnv, type Principal } from "../auth/index.ts";
import { acknowledgeFeed, feedItems, parseCursor, readFeedRows, readLatestPerItem } from "../delivery/feed-query.ts";
import { markServed } from "../delivery/published.ts";
import { createCalendar, observeFirstPublications } from "../reports/index.ts";

import { checkDownload, contentDisposition } from "../delivery/signed-url.ts";
import { downloadKeyFor } from "../delivery/url-key.ts";
import type { HubContext } from "../hub/context.ts";

const error = z.object({ error: z.string() }).openapi("Error");

const feedItem = z
  .object({ event: z.string(), id: z.string(), version: z.number(), site: z.string(), section: z.string() })
  .catchall(z.unknown())
  .openapi("FeedItem", { description: "The webhook's data object for one change, with the event that names it" });

const feedPage = z
  .object({
    items: z.array(feedItem),
    next: z.string().openapi({ description: "Opaque cursor: pass it as `after` on the next request" }),
  })
  .openapi("FeedPage");

/** Who may read a site's feed: that site's own token, or an admin/clerk. */
function mayRead(principal: Principal | null, site: string): void {
  if (!principal) throw new HTTPException(401, { message: "authentication required" });
  if (principal.role === "site" && principal.siteId !== site) throw new HTTPException(403, { message: "this token may read its own site only" });
}

/**
 * A token given as `?token=` (feed readers that cannot send headers): only a
 * site's read token. A query string ends up in proxy and server logs, so an
 * admin's or clerk's token there is refused, and the operator told to revoke it.
 */
async function queryTokenReader(ctx: HubContext, token: string): Promise<Principal | null> {
  const principal = await principalForToken(ctx.db.sql, token, ctx.now());
  if (!principal || principal.role === "site") return principal;
  ctx.log.warn({ token: principal.name, tokenId: principal.tokenId }, "an admin or clerk token was sent in a feed URL's query string, where logs keep it: revoke it");
  throw new HTTPException(403, { message: "only a site's read token may be given as ?token=; send other tokens as Authorization: Bearer" });
}

/** Base URL for links in answers: configured public URL, else the one the client used. */
function publicBase(ctx: HubContext, c: Context): string {
  return ctx.config.server.publicUrl ?? new URL(c.req.url).origin;
}

export function feedRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sites/{site}/items",
      tags: ["feed"],
      summary: "A site's changes after a cursor (pull mode)",
      description:
        "Every change routed to the site, in a stable order: polling with the last `next` returns each change exactly once. " +
        "For a pull-mode site, asking for changes after a cursor acknowledges everything up to it.",
      security: [{ bearer: [] }],
      request: {
        params: z.object({ site: z.string() }),
        query: z.object({
          after: z.string().optional().openapi({ description: "cursor from a previous page; omit to start from the beginning" }),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
      responses: {
        200: { description: "a page of changes", content: { "application/json": { schema: feedPage } } },
        400: { description: "bad cursor", content: { "application/json": { schema: error } } },
        403: { description: "another site's token", content: { "application/json": { schema: error } } },
        404: { description: "no such site", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const { site } = c.req.valid("param");
      const { after, limit } = c.req.valid("query");
      const principal = c.get("principal");
      mayRead(principal, site);
      const cursor = parseCursor(after);
      if (cursor === null) return c.json({ error: "after: not a cursor this hub issued" }, 400);
      const row = await ctx.db.prisma.site.findUnique({ where: { id: site }, select: { mode: true } });
      if (!row) return c.json({ error: "no such site" }, 404);
      // Only the portal itself acknowledges; an admin looking must not.
      if (row.mode === "pull" && principal?.role === "site") await acknowledgeFeed(ctx, site, cursor);
      const rows = await readFeedRows(ctx, site, cursor, limit);
      if (principal?.role === "site") await served(ctx, rows.map((r) => r.id));
      // buildData gives these fields; the schema names the ones every item has.
      const items = (await feedItems(ctx, rows, publicBase(ctx, c))) as z.infer<typeof feedItem>[];
      return c.json({ items, next: rows.at(-1)?.seq ?? cursor.toString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/feeds/{site}/{feed}",
      tags: ["feed"],
      summary: "Atom 1.0 feed of one section: the newest change of each item",
      description: "`feed` is `{section}.atom`. Feed readers that cannot send headers may pass the site's read token as `?token=` (only site tokens: admin and clerk tokens there are refused).",
      security: [{ bearer: [] }],
      request: {
        params: z.object({ site: z.string(), feed: z.string().regex(/^[a-z0-9-]+\.atom$/) }),
        query: z.object({ token: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
      },
      responses: {
        200: { description: "Atom feed", content: { "application/atom+xml": { schema: z.string() } } },
        401: { description: "no token", content: { "application/json": { schema: error } } },
        403: { description: "another site's token, or an admin or clerk token in the query string", content: { "application/json": { schema: error } } },
        404: { description: "no such site or section", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const { site, feed } = c.req.valid("param");
      const { token, limit } = c.req.valid("query");
      const header = c.req.header("authorization");
      const bearer = header && /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      const reader = bearer ? await principalForToken(ctx.db.sql, bearer, ctx.now()) : token ? await queryTokenReader(ctx, token) : null;
      mayRead(reader, site);
      const slug = feed.slice(0, -".atom".length);
      const section = await ctx.db.prisma.section.findUnique({ where: { siteId_slug: { siteId: site, slug } }, include: { site: true } });
      if (!section) return c.json({ error: "no such site or section" }, 404);
      const rows = await readLatestPerItem(ctx, site, section.id, limit);
      if (reader?.role === "site") await served(ctx, rows.map((r) => r.id));
      const base = publicBase(ctx, c);
      const items = await feedItems(ctx, rows, base);
      const xml = atomFeed({
        id: `urn:portalsync:feed:${site}:${slug}`,
        title: `${section.name} — ${section.site.name}`,
        author: section.site.name,
        self: `${base}/feeds/${site}/${slug}.atom`,
        updated: rows.length ? new Date(Math.max(...rows.map((r) => r.createdAtMs))) : section.site.updatedAt,
        entries: items.map((item, i) => ({ item, at: new Date(rows[i]!.createdAtMs) })),
      });
      return c.body(xml, 200, { "content-type": "application/atom+xml; charset=utf-8" });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/files/{sha256}",
      tags: ["feed"],
      summary: "Download a file by a signed, time-limited link from a delivery or feed",
      request: {
        params: z.object({ sha256: z.string() }),
        query: z.object({ exp: z.string().optional(), name: z.string().optional(), sig: z.string().optional() }),
      },
      responses: {
        200: { description: "the file", content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
        403: { description: "missing, wrong or expired signature", content: { "application/json": { schema: error } } },
        404: { description: "no such file", content: { "application/json": { schema: error } } },
      },
    }),
    async (c) => {
      const { sha256 } = c.req.valid("param");
      const { exp, name, sig } = c.req.valid("query");
      const key = await downloadKeyFor(ctx.config);
      const check = checkDownload(key, { sha256, exp, name, sig }, Math.floor(ctx.now().getTime() / 1000));
      if (!check.ok) {
        return c.json({ error: check.reason === "expired" ? "this download link has expired" : "invalid download link" }, 403);
      }
      const blob = await ctx.db.prisma.blob.findUnique({ where: { sha256 } });
      if (!blob || !(await ctx.blobs.has(sha256))) return c.json({ error: "no such file" }, 404);
      const stream = Readable.toWeb(ctx.blobs.open(sha256)) as unknown as ReadableStream<Uint8Array>;
      const remaining = Math.max(0, Number(exp) - Math.floor(ctx.now().getTime() / 1000));
      return c.body(stream, 200, {
        "content-type": blob.mime || "application/octet-stream",
        "content-length": String(blob.size),
        "content-disposition": contentDisposition(name ?? null, sha256),
        etag: `"${sha256}"`,
        // The bytes never change under a hash; the link's lifetime bounds caching.
        "cache-control": `private, max-age=${Math.min(remaining, 86_400)}, immutable`,
        "x-content-type-options": "nosniff",
      });
    },
  );

  return app;
}

// ─── Atom ────────────────────────────────────────────────────────────────────

// XML 1.0 forbids most control characters even when escaped.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

interface AtomInput {
  id: string;
  title: string;
  author: string;
  self: string;
  updated: Date;
  entries: { item: Record<string, unknown> & { event: string }; at: Date }[];
}

const s = (v: unknown): string => (typeof v === "string" ? v : v == null ? "" : String(v));

export function atomFeed(feed: AtomInput): string {
  const entries = feed.entries.map(({ item, at }) => {
    const isDoc = item.event.startsWith("document.");
    const heading = isDoc ? [s(item.number), s(item.title)] : [s(item.code), s(item.name)];
    const files = Array.isArray(item.files) ? (item.files as { name: string; mime: string; size: number; url: string; verifyUrl?: string }[]) : [];
    const lines = isDoc
      ? [
          `${s(item.docType) || "Văn bản"} ${s(item.number)}`,
          `Trích yếu: ${s(item.title)}`,
          `Cơ quan ban hành: ${s(item.issuer)}`,
          `Ngày ban hành: ${s(item.issuedAt)}`,
          ...(item.field ? [`Lĩnh vực: ${s(item.field)}`] : []),
        ]
      : [`Thủ tục ${s(item.code)}`, s(item.name), ...(item.field ? [`Lĩnh vực: ${s(item.field)}`] : []), ...(item.level ? [`Cấp thực hiện: ${s(item.level)}`] : [])];
    return [
      "  <entry>",
      `    <id>${xmlEscape(`urn:portalsync:item:${s(item.site)}:${s(item.section)}:${s(item.id)}`)}</id>`,
      `    <title>${xmlEscape(heading.filter(Boolean).join(" — "))}</title>`,
      `    <updated>${at.toISOString()}</updated>`,
      ...(isDoc && item.issuer ? [`    <author><name>${xmlEscape(s(item.issuer))}</name></author>`] : []),
      `    <category term="${xmlEscape(item.event)}" label="${xmlEscape(item.event)}"/>`,
      `    <category scheme="urn:portalsync:version" term="${xmlEscape(s(item.version))}"/>`,
      ...files.map(
        (f) =>
          `    <link rel="enclosure" href="${xmlEscape(f.url)}" type="${xmlEscape(f.mime)}" length="${Number(f.size) || 0}" title="${xmlEscape(f.name)}"/>`,
      ),
      ...files.flatMap((f) =>
        f.verifyUrl ? [`    <link rel="related" href="${xmlEscape(f.verifyUrl)}" type="text/html" title="${xmlEscape(`Tra cứu / verify: ${f.name}`)}"/>`] : [],
      ),
      `    <content type="text">${xmlEscape(lines.join("\n"))}</content>`,
      "  </entry>",
    ].join("\n");
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xmlEscape(feed.id)}</id>`,
    `  <title>${xmlEscape(feed.title)}</title>`,
    `  <updated>${feed.updated.toISOString()}</updated>`,
    `  <author><name>${xmlEscape(feed.author)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(feed.self)}"/>`,
    "  <generator>portalsync</generator>",
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}

/** The site's own token read these rows: it has them now (and the delay metric learns of first publications). */
async function served(ctx: HubContext, ids: string[]): Promise<void> {
  const fresh = await markServed(ctx.db, ids, ctx.now());
  await observeFirstPublications({ db: ctx.db, calendar: createCalendar(ctx.config.reports), histogram: ctx.metrics.publicationDelay }, fresh)
    .catch((error) => ctx.log.warn({ err: error }, "publication delay metric not recorded"));
}
