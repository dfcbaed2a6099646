// portalsync_publication_delay_hours{site}: observed once per document and
// site, when the site first has it (a push it acknowledged, or its own token
// reading it from the pull feed), in working hours from the document's issue
// (calendar.ts; the same definition as the report's timeliness).

import { Histogram, type Registry } from "prom-client";
import type { Database } from "../db/index.ts";
import { issueMoment, workingHoursBetween, type WorkingCalendar } from "./calendar.ts";

export const DELAY_BUCKETS_HOURS = [1, 2, 4, 8, 16, 24, 40, 80, 160];

export function publicationDelayHistogram(registry: Registry) {
  return new Histogram({
    name: "portalsync_publication_delay_hours",
    help: "Working hours from a document's issue (signing time, else issue date) to the site first having it",
    labelNames: ["site"] as const,
    buckets: DELAY_BUCKETS_HOURS,
    registers: [registry],
  });
}

export type DelayHistogram = ReturnType<typeof publicationDelayHistogram>;

interface Row { siteId: string; publishedAtMs: number; issuedDate: string; signedMs: number | null }

/**
 * Rows whose `publishedAt` was just set: the delay of those that are the
 * site's first publication of their document. The caller passes the ids of
 * rows it marked published now; a row published earlier under another
 * section of the same site does not count twice.
 */
export async function observeFirstPublications(
  deps: { db: Pick<Database, "sql">; calendar: WorkingCalendar; histogram: DelayHistogram },
  ids: string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  // The signing time is read once per document, not once per site: a batch
  // is typically a few documents delivered to many sites.
  const { rows } = await deps.db.sql.query<Row>(
    `WITH fresh AS (
       SELECT d.id, d."siteId", d."itemId", d."publishedAt", d.seq FROM "Delivery" d
       WHERE d.id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND d.event = 'document.published' AND d."publishedAt" IS NOT NULL),
     first AS (
       SELECT f.* FROM fresh f WHERE NOT EXISTS (SELECT 1 FROM "Delivery" e
         WHERE e."itemId" = f."itemId" AND e."siteId" = f."siteId" AND e.id <> f.id AND e.event = 'document.published'
           AND e."publishedAt" IS NOT NULL AND (e."publishedAt" < f."publishedAt" OR (e."publishedAt" = f."publishedAt" AND e.seq < f.seq)))),
     signed AS MATERIALIZED (
       SELECT v."documentId", (extract(epoch FROM max((s->>'signingTime')::timestamptz)) * 1000)::float8 AS "signedMs"
       FROM "DocumentVersion" v
       JOIN "FileAttachment" fa ON fa."documentVersionId" = v.id AND fa.role = 'main'
       JOIN "SignatureReport" sr ON sr."blobSha256" = fa."blobSha256"
       CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(sr.report->'signatures') = 'array' THEN sr.report->'signatures' ELSE '[]'::jsonb END) s
       WHERE v."documentId" IN (SELECT DISTINCT "itemId" FROM first) AND v.version = 1
         AND s->>'signingTime' ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}'
       GROUP BY v."documentId")
     SELECT f."siteId", (extract(epoch FROM f."publishedAt") * 1000)::float8 AS "publishedAtMs",
       to_char(doc."issuedDate", 'YYYY-MM-DD') AS "issuedDate", signed."signedMs"
     FROM first f
     JOIN "Document" doc ON doc.id = f."itemId"
     LEFT JOIN signed ON signed."documentId" = f."itemId"`,
    [JSON.stringify(ids)],
  );
  for (const r of rows) {
    const from = r.signedMs !== null ? Number(r.signedMs) : issueMoment(deps.calendar, r.issuedDate);
    deps.histogram.observe({ site: r.siteId }, workingHoursBetween(deps.calendar, from, Number(r.publishedAtMs)));
  }
  return rows.length;
}
