// The report's figures, aggregated in the database in one statement (a yearly
// report over 50,000 documents must not ship every delivery row to Node).
// Working time is computed in SQL from the calendar's cumulative working days
// (calendar.ts), passed as one integer array, so SQL and the unit-tested
// arithmetic agree by construction.
//
// Definitions (docs/reports.md):
//   published — items whose first `*.published` delivery a site/section had
//               (Delivery.publishedAt) falls in the period;
//   updated   — items with an `*.updated` delivery the site had in the period;
//   withdrawn — items with a `*.withdrawn` / `*.abolished` delivery the site
//               had in the period (withdrawals, replacements, abolitions).
//   Timeliness — per document and site: from its issue (latest signing time of
//               its main files' signatures when known, else the start of the
//               working day of its issue date) to the first time the site had it.

import type { Database } from "../db/index.ts";
import { cumulativeWorkingDays, type WorkingCalendar } from "./calendar.ts";
import type { Period } from "./period.ts";

/** How far before the period the calendar reaches; older issue moments count from there. */
export const CALENDAR_YEARS_BEFORE = 10;
const DAY_MS = 86_400_000;
const WORK_MEM = "64MB";

export interface ReportQuery {
  period: Period;
  site: string | null;
  calendar: WorkingCalendar;
  lateAfterHours: number;
  /** Most late documents listed (the count is always complete). */
  lateLimit: number;
}

export interface TimelinessRow { count: number; median: number | null; p90: number | null; within: number | null }
export interface RawReport {
  sections: { siteId: string; sectionId: string; published: number; updated: number; withdrawn: number }[];
  timeliness: (TimelinessRow & { siteId: string })[];
  total: TimelinessRow;
  byDocType: (TimelinessRow & { key: string | null })[];
  byIssuer: (TimelinessRow & { key: string | null })[];
  byMonth: (TimelinessRow & { key: string })[];
  monthly: { siteId: string; month: string; published: number }[];
  histogram: { bucket: number; count: number }[];
  late: {
    siteId: string; itemId: string; number: string; title: string; issuer: string; docType: string | null;
    issuedMs: number; signed: boolean; publishedMs: number; minutes: number; source: number; review: number; delivery: number;
    attempts: number; reviewed: boolean;
  }[];
  lateCount: number;
}

/** Histogram edges in working days (upper bounds; the last bucket is open). */
export const HISTOGRAM_EDGES_DAYS = [0.125, 0.5, 1, 2, 3, 5, 10];

const ts = (n: number) => `($${n}::timestamptz AT TIME ZONE 'UTC')`;

/**
 * Working minutes from the calendar's start to a `timestamp` (UTC) expression.
 * $4 = first calendar day (days since 1970-01-01), $5 = cumulative working
 * days (int[]), $6 = day start minute, $7 = working minutes per day.
 */
function wm(expr: string): string {
  const local = `(extract(epoch FROM ${expr}) / 60.0 + 420)`;
  const di = `(floor(${local} / 1440)::int - $4::int)`;
  const mi = `(${local} - floor(${local} / 1440) * 1440)`;
  return `(CASE WHEN ${di} < 0 THEN 0
    WHEN ${di} >= cardinality($5::int[]) - 1 THEN ($5::int[])[cardinality($5::int[])] * $7::int
    ELSE ($5::int[])[${di} + 1] * $7::int
      + CASE WHEN ($5::int[])[${di} + 2] > ($5::int[])[${di} + 1] THEN least(greatest(${mi} - $6::int, 0), $7::int) ELSE 0 END END)`;
}

/** A timestamp expression as (Vietnam day number, minute of that day). */
const split = (expr: string) =>
  `(SELECT floor(x.l / 1440)::int AS day, x.l - floor(x.l / 1440) * 1440 AS mi FROM (SELECT extract(epoch FROM ${expr}) / 60.0 + 420 AS l) x)`;
/** Working minutes up to a split moment `m`, given its calendar row `c` (NULL before the calendar: 0). */
const joined = (c: string, m: string) =>
  `coalesce(${c}.before * $7::int + CASE WHEN ${c}.works = 1 THEN least(greatest(${m}.mi - $6::int, 0), $7::int) ELSE 0 END, 0)`;

const agg = (m: string, day: string) => `json_build_object('count', count(*),
  'median', percentile_cont(0.5) WITHIN GROUP (ORDER BY ${m}), 'p90', percentile_cont(0.9) WITHIN GROUP (ORDER BY ${m}),
  'within', avg(CASE WHEN ${m} <= ${day} THEN 1.0 ELSE 0.0 END))`;

export function reportSql(): string {
  const inWindow = (col: string) => `${col} >= ${ts(1)} AND ${col} < ${ts(2)}`;
  // The document's issue: the latest signing time on its first version's main files, else its issue date at day start.
  const issued = `COALESCE(sig.t, (doc."issuedDate"::timestamp + make_interval(mins => $6::int - 420)))`;
  return `
WITH per AS MATERIALIZED (
  SELECT d."siteId", d."sectionId", d."itemId", d."itemKind",
    min(d."publishedAt") FILTER (WHERE d.event LIKE '%.published') AS pub,
    bool_or(d.event LIKE '%.updated' AND ${inWindow('d."publishedAt"')}) AS upd,
    bool_or((d.event LIKE '%.withdrawn' OR d.event LIKE '%.abolished') AND ${inWindow('d."publishedAt"')}) AS wd
  FROM "Delivery" d
  WHERE d."publishedAt" IS NOT NULL AND d."publishedAt" < ${ts(2)} AND ($3::text IS NULL OR d."siteId" = $3::text)
  GROUP BY d."siteId", d."sectionId", d."itemId", d."itemKind"
), first AS MATERIALIZED (
  -- Per document and site: the first time the site had it, in any section.
  SELECT "siteId", "itemId", min(pub) AS "publishedAt"
  FROM per WHERE "itemKind" = 'document' AND pub IS NOT NULL
  GROUP BY "siteId", "itemId"
  HAVING min(pub) >= ${ts(1)}
), sig AS (
  -- A document is issued once: the signatures on its first version's main files.
  SELECT v."documentId" AS id, max((s->>'signingTime')::timestamptz AT TIME ZONE 'UTC') AS t
  FROM "DocumentVersion" v
  JOIN "FileAttachment" fa ON fa."documentVersionId" = v.id AND fa.role = 'main'
  JOIN "SignatureReport" sr ON sr."blobSha256" = fa."blobSha256"
  CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(sr.report->'signatures') = 'array' THEN sr.report->'signatures' ELSE '[]'::jsonb END) s
  WHERE v.version = 1 AND v."documentId" IN (SELECT "itemId" FROM first)
    AND s->>'signingTime' ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}'
  GROUP BY v."documentId"
), timed AS MATERIALIZED (
  SELECT f."siteId", f."itemId", f."publishedAt", doc."issuerName", doc."docType", sig.t IS NOT NULL AS signed, ${issued} AS issued
  FROM first f
  JOIN "Document" doc ON doc.id = f."itemId"
  LEFT JOIN sig ON sig.id = f."itemId"
), cal AS MATERIALIZED (
  SELECT $4::int + o::int - 1 AS day, c AS before, lead(c) OVER (ORDER BY o) - c AS works
  FROM unnest($5::int[]) WITH ORDINALITY AS u(c, o)
), mins AS (
  -- Joined to the calendar rather than indexing the array per row (an array
  -- parameter is copied at every subscript): a moment before the calendar counts from its first day.
  SELECT t."siteId", t."itemId", t."docType", t."issuerName", t."publishedAt", greatest(${joined("cp", "tp")} - ${joined("ci", "ti")}, 0)::float8 AS m
  FROM timed t
  CROSS JOIN LATERAL ${split('t."publishedAt"')} tp
  CROSS JOIN LATERAL ${split("t.issued")} ti
  LEFT JOIN cal cp ON cp.day = tp.day
  LEFT JOIN cal ci ON ci.day = ti.day
)
SELECT json_build_object(
  'sections', (SELECT coalesce(json_agg(json_build_object('siteId', "siteId", 'sectionId', "sectionId", 'published', p, 'updated', u, 'withdrawn', w)), '[]'::json)
    FROM (SELECT "siteId", "sectionId", count(*) FILTER (WHERE ${inWindow("pub")}) AS p, count(*) FILTER (WHERE upd) AS u, count(*) FILTER (WHERE wd) AS w
          FROM per GROUP BY "siteId", "sectionId") x),
  'timeliness', (SELECT coalesce(json_agg(jsonb_build_object('siteId', "siteId") || a), '[]'::json)
    FROM (SELECT "siteId", ${agg("m", "$7::int")}::jsonb AS a FROM mins GROUP BY "siteId") x),
  'total', (SELECT ${agg("m", "$7::int")} FROM mins),
  'byDocType', (SELECT coalesce(json_agg(jsonb_build_object('key', k) || a ORDER BY (a->>'count')::int DESC, k), '[]'::json)
    FROM (SELECT "docType" AS k, ${agg("m", "$7::int")}::jsonb AS a FROM mins GROUP BY "docType") x),
  'byIssuer', (SELECT coalesce(json_agg(jsonb_build_object('key', k) || a ORDER BY (a->>'count')::int DESC, k), '[]'::json)
    FROM (SELECT "issuerName" AS k, ${agg("m", "$7::int")}::jsonb AS a FROM mins GROUP BY "issuerName") x),
  'monthly', (SELECT coalesce(json_agg(json_build_object('siteId', "siteId", 'month', mo, 'published', n)), '[]'::json)
    FROM (SELECT "siteId", to_char(pub + interval '7 hours', 'YYYY-MM') AS mo, count(*) AS n FROM per WHERE ${inWindow("pub")} GROUP BY 1, 2) x),
  'byMonth', (SELECT coalesce(json_agg(jsonb_build_object('key', k) || a), '[]'::json)
    FROM (SELECT to_char("publishedAt" + interval '7 hours', 'YYYY-MM') AS k, ${agg("m", "$7::int")}::jsonb AS a FROM mins GROUP BY 1) x),
  'histogram', (SELECT coalesce(json_agg(json_build_object('bucket', b, 'count', n)), '[]'::json)
    FROM (SELECT width_bucket(m, $8::float8[]) AS b, count(*) AS n FROM mins GROUP BY 1) x),
  'lateCount', (SELECT count(*) FROM mins WHERE m > $9::float8),
  'late', (SELECT coalesce(json_agg(x ORDER BY (x->>'minutes')::float8 DESC), '[]'::json) FROM (
    SELECT json_build_object('siteId', t."siteId", 'itemId', t."itemId", 'number', doc.number, 'title', doc.title, 'issuer', t."issuerName", 'docType', t."docType",
      'issuedMs', extract(epoch FROM t.issued) * 1000, 'signed', t.signed, 'publishedMs', extract(epoch FROM t."publishedAt") * 1000, 'minutes', l.m,
      'source', greatest(${wm('d."createdAt"')} - ${wm("t.issued")}, 0),
      'review', CASE WHEN d."reviewedBy" IS NOT NULL AND d."releasedAt" IS NOT NULL THEN greatest(${wm('d."releasedAt"')} - ${wm('d."createdAt"')}, 0) ELSE 0 END,
      'delivery', greatest(${wm('t."publishedAt"')} - ${wm(`CASE WHEN d."reviewedBy" IS NOT NULL AND d."releasedAt" IS NOT NULL THEN d."releasedAt" ELSE greatest(d."createdAt", t.issued) END`)}, 0),
      'attempts', d.attempts, 'reviewed', d."reviewedBy" IS NOT NULL)::jsonb AS x
    FROM (SELECT * FROM mins WHERE m > $9::float8 ORDER BY m DESC LIMIT $10::int) l
    JOIN timed t ON t."siteId" = l."siteId" AND t."itemId" = l."itemId"
    JOIN "Document" doc ON doc.id = t."itemId"
    -- the delivery row behind that first time (few rows: late ones only)
    CROSS JOIN LATERAL (SELECT * FROM "Delivery" d WHERE d."itemId" = t."itemId" AND d."siteId" = t."siteId" AND d.event = 'document.published'
      AND d."publishedAt" = t."publishedAt" ORDER BY d.seq LIMIT 1) d) y)
) AS report`;
}

export async function queryReport(db: Pick<Database, "sql">, q: ReportQuery): Promise<RawReport> {
  const firstDay = Math.floor(q.period.startUtc.getTime() / DAY_MS) - CALENDAR_YEARS_BEFORE * 366;
  const lastDay = Math.floor(q.period.endUtc.getTime() / DAY_MS) + 1;
  const cum = cumulativeWorkingDays(q.calendar, firstDay, lastDay);
  const day = q.calendar.dayMinutes;
  const params = [
    q.period.startUtc.toISOString(), q.period.endUtc.toISOString(), q.site,
    firstDay, `{${cum.join(",")}}`, q.calendar.startMinute, day,
    `{${HISTOGRAM_EDGES_DAYS.map((d) => d * day).join(",")}}`, q.lateAfterHours * 60, q.lateLimit,
  ];
  // Sorting 100,000 pairs in memory rather than in temporary files (the
  // default work_mem is 4 MB). The planner cannot estimate rows coming out of
  // the CTEs and picks index nested loops (50,000 probes each for versions,
  // attachments, signature reports, documents); hash joins over whole tables
  // measured two to three times faster on PGlite (tests/bench/reports.bench.ts).
  const { rows } = await db.sql.transaction(async (tx) => {
    // jit off: on PostgreSQL the disabled join kinds inflate cost estimates past
    // the JIT thresholds, and compiling this statement takes seconds.
    await tx.exec(`SET LOCAL work_mem = '${WORK_MEM}'; SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off`);
    return tx.query<{ report: unknown }>(reportSql(), params);
  });
  const raw = rows[0]?.report;
  const r = (typeof raw === "string" ? JSON.parse(raw) : raw) as Record<string, any>;
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const tl = (x: any): TimelinessRow => ({ count: Number(x?.count ?? 0), median: num(x?.median), p90: num(x?.p90), within: num(x?.within) });
  return {
    sections: r.sections.map((s: any) => ({ siteId: s.siteId, sectionId: s.sectionId, published: Number(s.published), updated: Number(s.updated), withdrawn: Number(s.withdrawn) })),
    timeliness: r.timeliness.map((t: any) => ({ siteId: t.siteId, ...tl(t) })),
    total: tl(r.total),
    byDocType: r.byDocType.map((t: any) => ({ key: t.key, ...tl(t) })),
    byIssuer: r.byIssuer.map((t: any) => ({ key: t.key, ...tl(t) })),
    byMonth: r.byMonth.map((t: any) => ({ key: t.key, ...tl(t) })),
    monthly: r.monthly.map((m: any) => ({ siteId: m.siteId, month: m.month, published: Number(m.published) })),
    histogram: r.histogram.map((h: any) => ({ bucket: Number(h.bucket), count: Number(h.count) })),
    late: r.late.map((l: any) => ({
      ...l, issuedMs: Number(l.issuedMs), publishedMs: Number(l.publishedMs), minutes: Number(l.minutes),
      source: Number(l.source), review: Number(l.review), delivery: Number(l.delivery), attempts: Number(l.attempts),
    })),
    lateCount: Number(r.lateCount),
  };
}
