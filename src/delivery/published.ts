// What the hub has published, as public verification (/tra-cuu) may tell it.
//
// A file's bytes count as published when they belong to a version that a site
// actually had: a Delivery row of a `*.published` or `*.updated` event with
// `publishedAt` set, i.e. a push the portal acknowledged with a 2xx, or the
// site's own token reading the row from its pull feed or Atom feed. The
// document must still be public (cong_khai). Nothing else is ever shown:
// held, rejected, pending, failed or dead rows, a document never public,
// and versions no site has had look exactly like bytes the hub never saw.
// Statuses are phrased the same way: "superseded" only when a newer version
// was itself published, "replaced" only when the replacing document was.

import type { Database } from "../db/index.ts";

export type PublicStatus = "in-force" | "superseded" | "replaced" | "withdrawn";

export interface PublishedPlace {
  kind: "document" | "procedure";
  site: string;
  siteName: string;
  section: string;
  sectionName: string;
  /** Số ký hiệu for a document, the procedure code (MATTHC) for a procedure. */
  number: string;
  /** Trích yếu for a document, the name for a procedure. */
  title: string;
  issuer: string | null;
  version: number;
  /** No newer version of the item has been published. */
  current: boolean;
  publishedAt: string;
  status: PublicStatus;
  /** For status "replaced": the number of the published document that replaces it. */
  replacedBy: string | null;
}

/** The public verification page for one file. */
export function verifyUrl(base: string, sha256: string): string {
  return `${base.replace(/\/+$/, "")}/tra-cuu/${sha256}`;
}

const PUBLISHING = `(d.event LIKE '%.published' OR d.event LIKE '%.updated') AND d."publishedAt" IS NOT NULL`;

interface PlaceRow {
  kind: "document" | "procedure";
  siteId: string; siteName: string; slug: string; sectionName: string; number: string; title: string; issuer: string | null;
  version: number; newest: number; publishedAtMs: number; itemStatus: string; replacedBy: string | null;
}

// One statement (a look-up is a round trip, not a plan per item kind). Per
// version and site/section: the first time the site had it, the newest
// version of the item any site had, and a published document replacing it.
export const PLACES_SQL = `
SELECT 'document' AS kind, s.id AS "siteId", s.name AS "siteName", sec.slug, sec.name AS "sectionName",
    COALESCE(v.metadata->>'number', doc.number) AS number, COALESCE(v.metadata->>'title', doc.title) AS title,
    COALESCE(v.metadata->'issuer'->>'name', doc."issuerName") AS issuer,
    v.version, (extract(epoch FROM min(d."publishedAt")) * 1000)::float8 AS "publishedAtMs", doc.status::text AS "itemStatus",
    (SELECT max(v2.version) FROM "Delivery" d JOIN "DocumentVersion" v2 ON v2.id = d."documentVersionId"
      WHERE d."itemId" = doc.id AND ${PUBLISHING}) AS newest,
    (SELECT min(r.number) FROM "Document" r
      WHERE r."replacesId" = doc.id AND r."isPublic"
        AND EXISTS (SELECT 1 FROM "Delivery" d WHERE d."itemId" = r.id AND ${PUBLISHING})) AS "replacedBy"
  FROM "FileAttachment" f
  JOIN "DocumentVersion" v ON v.id = f."documentVersionId"
  JOIN "Document" doc ON doc.id = v."documentId"
  JOIN "Delivery" d ON d."itemId" = doc.id AND d."documentVersionId" = v.id
  JOIN "Site" s ON s.id = d."siteId"
  JOIN "Section" sec ON sec.id = d."sectionId"
  WHERE f."blobSha256" = $1 AND doc."isPublic" AND ${PUBLISHING}
  GROUP BY s.id, s.name, sec.slug, sec.name, v.id, v.version, v.metadata, doc.id, doc.number, doc.title, doc."issuerName", doc.status
UNION ALL
SELECT 'procedure', s.id, s.name, sec.slug, sec.name,
    p.code, COALESCE(v.data->>'name', p.name), v.data->'agencies'->0->>'name',
    v.version, (extract(epoch FROM min(d."publishedAt")) * 1000)::float8, p.status::text,
    (SELECT max(v2.version) FROM "Delivery" d JOIN "ProcedureVersion" v2 ON v2.id = d."procedureVersionId"
      WHERE d."itemId" = p.id AND ${PUBLISHING}),
    NULL
  FROM "FileAttachment" f
  JOIN "ProcedureVersion" v ON v.id = f."procedureVersionId"
  JOIN "Procedure" p ON p.id = v."procedureId"
  JOIN "Delivery" d ON d."itemId" = p.id AND d."procedureVersionId" = v.id
  JOIN "Site" s ON s.id = d."siteId"
  JOIN "Section" sec ON sec.id = d."sectionId"
  WHERE f."blobSha256" = $1 AND ${PUBLISHING}
  GROUP BY s.id, s.name, sec.slug, sec.name, v.id, v.version, v.data, p.id, p.code, p.name, p.status`;

const PLACES_STATEMENT = "public_places";

/** Every site/section that had a version holding these bytes, oldest first. */
export async function publishedPlaces(db: Pick<Database, "sql">, sha256: string): Promise<PublishedPlace[]> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return [];
  // Prepared: planning it took ~6 ms on PGlite, running it well under one
  // (bytes the hub never attached included: the index on blobSha256 ends it).
  const { rows } = db.sql.queryPrepared
    ? await db.sql.queryPrepared<PlaceRow>(PLACES_STATEMENT, PLACES_SQL, [sha256])
    : await db.sql.query<PlaceRow>(PLACES_SQL, [sha256]);
  const out: PublishedPlace[] = [];
  for (const r of rows) {
    const current = Number(r.version) >= Number(r.newest);
    // Replaced by a document that was never published: what the portals were told is a withdrawal.
    const status: PublicStatus =
      r.itemStatus === "withdrawn" || r.itemStatus === "abolished" || (r.itemStatus === "replaced" && !r.replacedBy)
        ? "withdrawn"
        : r.itemStatus === "replaced"
          ? "replaced"
          : current
            ? "in-force"
            : "superseded";
    out.push({
      kind: r.kind, site: r.siteId, siteName: r.siteName, section: r.slug, sectionName: r.sectionName,
      number: r.number, title: r.title, issuer: r.issuer, version: Number(r.version), current,
      publishedAt: new Date(Number(r.publishedAtMs)).toISOString(), status, replacedBy: status === "replaced" ? r.replacedBy : null,
    });
  }
  return out.sort((a, b) => a.publishedAt.localeCompare(b.publishedAt) || a.site.localeCompare(b.site) || a.section.localeCompare(b.section));
}

/**
 * Rows a site's own token just read from its pull feed or Atom: the site has
 * them now. Set once; later reads keep the first time. Returns the rows set now.
 */
export async function markServed(db: Pick<Database, "sql">, ids: string[], at: Date): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.sql.query<{ id: string }>(
    `UPDATE "Delivery" SET "publishedAt" = $2::timestamptz AT TIME ZONE 'UTC'
     WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND "publishedAt" IS NULL
     RETURNING id`,
    [JSON.stringify(ids), at.toISOString()],
  );
  return rows.map((r) => r.id);
}
