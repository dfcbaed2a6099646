// The console's paged lists (documents, procedures, deliveries), shared with
// the JSON API. Each page is one SQL statement over indexes (migration
// 20261204000600_console_indexes): on the embedded database every statement
// runs on the one connection the backfill also uses, so a read must be a few
// milliseconds whatever the size of the hub (docs/performance.md).

import type { HubContext } from "../hub/context.ts";
import { documentNumberKey, foldVietnamese, parseDocumentNumber } from "../core/index.ts";
import { countCacheOf } from "./count-cache.ts";

type Ctx = Pick<HubContext, "db">;

export const PAGE_SIZE = 25;
export const DELIVERY_PAGE_SIZE = 50;

/** Accent-free, case-free words; every word must appear in searchText. */
export function searchTerms(q: string | undefined): string[] {
  if (!q) return [];
  return foldVietnamese(q).split(" ").filter(Boolean).slice(0, 8);
}

const likeContains = (word: string) => `%${word.replace(/[\\%_]/gu, "\\$&")}%`;

/**
 * WHERE clause of a word search: every word in the accent-free search text
 * (served by the trigram index). A query that is a số ký hiệu also finds the
 * document by its normalised number ("0152/QD-UBND" finds "152/QĐ-UBND").
 */
function searchWhere(q: string | undefined, params: unknown[], alias: string, numberColumn: string | null): string {
  const terms = searchTerms(q);
  if (terms.length === 0) return "TRUE";
  const words = terms.map((t) => {
    params.push(likeContains(t));
    return `${alias}."searchText" LIKE $${params.length}`;
  });
  let where = words.join(" AND ");
  if (numberColumn && q && parseDocumentNumber(q)) {
    params.push(documentNumberKey(q));
    where = `(${where}) OR ${alias}."${numberColumn}" = $${params.length}`;
  }
  return where;
}

const offsetOf = (page: number) => (Math.max(1, Math.trunc(page)) - 1) * PAGE_SIZE;

/** `YYYY-MM-DD` of a DATE column as the Date Prisma would give (UTC midnight). */
const utcDay = (day: string) => new Date(`${day}T00:00:00Z`);

export interface DocumentListRow {
  id: string; number: string; docType: string | null; title: string; issuerName: string; issuerCode: string | null;
  issuedDate: Date; status: string; isPublic: boolean; currentVersion: number;
  /** The current version's signature status. */
  signatureStatus: string | null;
}

export async function searchDocuments(ctx: Ctx, q: string | undefined, page = 1) {
  const params: unknown[] = [];
  const where = searchWhere(q, params, "d", "numberKey");
  const sql = ctx.db.sql;
  // The page and the table's newest change in one statement; the total comes
  // from the cache while that change is the one it was counted at. The page's
  // ids are found first, from the (issuedDate, createdAt, id) index alone, and
  // only those 25 rows are read and joined: joining before the OFFSET read
  // and sorted every skipped row (page 200 of 10,000 documents took 23 ms,
  // now 4; docs/performance.md).
  const { rows } = await sql.query<Omit<DocumentListRow, "issuedDate"> & { issuedDate: string; marker: string | null }>(
    `SELECT d.id, d.number, d."docType", d.title, d."issuerName", d."issuerCode", to_char(d."issuedDate", 'YYYY-MM-DD') AS "issuedDate",
       d.status::text AS status, d."isPublic", d."currentVersion", v."signatureStatus", (SELECT max("updatedAt")::text FROM "Document") AS marker
     FROM (SELECT d.id FROM "Document" d WHERE ${where}
           ORDER BY d."issuedDate" DESC, d."createdAt" DESC, d.id DESC
           LIMIT ${PAGE_SIZE} OFFSET $${params.length + 1}) page
     JOIN "Document" d ON d.id = page.id
     LEFT JOIN "DocumentVersion" v ON v."documentId" = d.id AND v.version = d."currentVersion"
     ORDER BY d."issuedDate" DESC, d."createdAt" DESC, d.id DESC`,
    [...params, offsetOf(page)],
  );
  const marker = rows.length > 0 ? rows[0]!.marker : (await sql.query<{ m: string | null }>(`SELECT max("updatedAt")::text AS m FROM "Document"`)).rows[0]?.m;
  const total = await countCacheOf(ctx.db).get(`documents\u0000${where}\u0000${JSON.stringify(params)}`, marker ?? "", async () =>
    Number((await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM "Document" d WHERE ${where}`, params)).rows[0]!.n),
  );
  const documents: DocumentListRow[] = rows.map(({ marker: _marker, ...r }) => ({ ...r, issuedDate: utcDay(r.issuedDate) }));
  return { total, page, pageSize: PAGE_SIZE, rows: documents };
}

export interface ProcedureListRow {
  id: string; code: string; name: string; field: string | null; level: string | null; status: string; currentVersion: number;
}

export async function searchProcedures(ctx: Ctx, q: string | undefined, page = 1) {
  const params: unknown[] = [];
  const where = searchWhere(q, params, "p", null);
  const sql = ctx.db.sql;
  // Procedures number in the hundreds or low thousands: counted each time.
  const [rows, count] = await Promise.all([
    sql.query<ProcedureListRow>(
      `SELECT p.id, p.code, p.name, p.field, p.level, p.status::text AS status, p."currentVersion"
       FROM "Procedure" p WHERE ${where} ORDER BY p.code LIMIT ${PAGE_SIZE} OFFSET $${params.length + 1}`,
      [...params, offsetOf(page)],
    ),
    sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM "Procedure" p WHERE ${where}`, params),
  ]);
  return { total: Number(count.rows[0]!.n), page, pageSize: PAGE_SIZE, rows: rows.rows };
}

export const DELIVERY_STATES = ["held", "pending", "sending", "delivered", "failed", "dead", "rejected"] as const;
export type DeliveryStateName = (typeof DELIVERY_STATES)[number];

export interface DeliveryListRow {
  id: string; seq: bigint; siteId: string; section: { slug: string }; itemKind: "document" | "procedure"; itemId: string; event: string; messageId: string;
  state: DeliveryStateName; attempts: number; nextAttemptAt: Date; lastStatus: number | null; lastError: string | null; deliveredAt: Date | null;
  reviewedBy: string | null; reviewNote: string | null; createdAt: Date; updatedAt: Date;
  documentVersion: { version: number; document: { id: string; number: string; title: string } } | null;
  procedureVersion: { version: number; procedure: { id: string; code: string; name: string } } | null;
}

export interface DeliveryFilter {
  site?: string | undefined;
  /** Section slug (with or without site). */
  section?: string | undefined;
  state?: DeliveryStateName | undefined;
  /** Document or procedure id. */
  item?: string | undefined;
  /** Keyset cursor: rows with a smaller seq (the previous page's last). */
  before?: bigint | undefined;
  limit?: number;
}

const utc = (column: string, as: string) => `${column} AT TIME ZONE 'UTC' AS "${as}"`;

/**
 * Newest first, a page at a time by `seq` (keyset): `before` is the previous
 * page's last seq. No total: counting an outbox of hundreds of thousands of
 * rows per request is what made the page slow; the dashboard has the counts.
 * One statement for the rows and what they are about (the console and the
 * JSON API both list from here).
 */
export async function listDeliveries(ctx: Ctx, filter: DeliveryFilter) {
  const limit = filter.limit ?? DELIVERY_PAGE_SIZE;
  const params: unknown[] = [];
  const where: string[] = [];
  if (filter.site) where.push(`d."siteId" = $${params.push(filter.site)}`);
  if (filter.section) where.push(`s.slug = $${params.push(filter.section)}`);
  if (filter.state) where.push(`d.state = $${params.push(filter.state)}::"DeliveryState"`);
  if (filter.item) where.push(`d."itemId" = $${params.push(filter.item)}`);
  if (filter.before !== undefined) where.push(`d.seq < $${params.push(filter.before.toString())}::bigint`);
  const { rows } = await ctx.db.sql.query<Omit<DeliveryListRow, "seq" | "section" | "documentVersion" | "procedureVersion"> & {
    seq: string; slug: string; docVersion: number | null; docId: string | null; number: string | null; title: string | null;
    procVersion: number | null; procId: string | null; code: string | null; name: string | null;
  }>(
    `SELECT d.id, d.seq::text AS seq, d."siteId", s.slug, d."itemKind"::text AS "itemKind", d."itemId", d.event, d."messageId", d.state::text AS state,
       d.attempts, ${utc(`d."nextAttemptAt"`, "nextAttemptAt")}, d."lastStatus", d."lastError", ${utc(`d."deliveredAt"`, "deliveredAt")},
       d."reviewedBy", d."reviewNote", ${utc(`d."createdAt"`, "createdAt")}, ${utc(`d."updatedAt"`, "updatedAt")},
       dv.version AS "docVersion", doc.id AS "docId", doc.number, doc.title, pv.version AS "procVersion", p.id AS "procId", p.code, p.name
     FROM "Delivery" d
     JOIN "Section" s ON s.id = d."sectionId"
     LEFT JOIN "DocumentVersion" dv ON dv.id = d."documentVersionId" LEFT JOIN "Document" doc ON doc.id = dv."documentId"
     LEFT JOIN "ProcedureVersion" pv ON pv.id = d."procedureVersionId" LEFT JOIN "Procedure" p ON p.id = pv."procedureId"
     ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY d.seq DESC LIMIT $${params.push(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit).map(({ slug, docVersion, docId, number, title, procVersion, procId, code, name, ...r }): DeliveryListRow => ({
    ...r, seq: BigInt(r.seq), section: { slug },
    documentVersion: docId ? { version: docVersion!, document: { id: docId, number: number!, title: title! } } : null,
    procedureVersion: procId ? { version: procVersion!, procedure: { id: procId, code: code!, name: name! } } : null,
  }));
  return { rows: page, pageSize: limit, next: rows.length > limit ? page.at(-1)!.seq : null };
}

export type DeliveryRow = DeliveryListRow;

export interface RunListRow {
  id: string; sourceId: string; trigger: "schedule" | "manual" | "backfill" | "single"; requestedBy: string; status: string;
  seen: number; created: number; updated: number; duplicate: number; rejected: number; failed: number;
  windowFrom: Date | null; windowTo: Date | null; itemRef: string | null; error: string | null;
  progress: unknown; createdAt: Date; startedAt: Date | null; finishedAt: Date | null;
}

const dateOrNull = (v: string | null) => (v === null ? null : new Date(v));

/**
 * Newest runs first, of one source or all. Plain SQL: through Prisma the
 * console's 100 rows cost more in the client than in the database.
 */
export async function listRuns(ctx: Ctx, filter: { source?: string | undefined; limit: number }): Promise<RunListRow[]> {
  const params: unknown[] = [];
  const where = filter.source ? `WHERE r."sourceId" = $${params.push(filter.source)}` : "";
  const iso = (column: string) => `to_char(r."${column}", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "${column}"`;
  const { rows } = await ctx.db.sql.query<Omit<RunListRow, "windowFrom" | "windowTo" | "createdAt" | "startedAt" | "finishedAt"> & {
    windowFrom: string | null; windowTo: string | null; createdAt: string; startedAt: string | null; finishedAt: string | null;
  }>(
    `SELECT r.id, r."sourceId", r.trigger::text AS trigger, r."requestedBy", r.status::text AS status,
       r.seen, r.created, r.updated, r.duplicate, r.rejected, r.failed, r."itemRef", r.error, r.progress,
       ${["windowFrom", "windowTo", "createdAt", "startedAt", "finishedAt"].map(iso).join(", ")}
     FROM "SyncRun" r ${where}
     ORDER BY r."createdAt" DESC LIMIT $${params.push(filter.limit)}`,
    params,
  );
  return rows.map((r) => ({
    ...r,
    windowFrom: dateOrNull(r.windowFrom), windowTo: dateOrNull(r.windowTo), createdAt: new Date(r.createdAt),
    startedAt: dateOrNull(r.startedAt), finishedAt: dateOrNull(r.finishedAt),
  }));
}
