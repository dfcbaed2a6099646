// The report benchmark's data, written in the database by SQL alone (fast
// enough to build 50,000 documents in seconds): see reports.bench.ts.

import type { Database } from "../../../src/db/index.ts";

export async function seedReportData(db: Pick<Database, "sql">, docs: number, sites: number): Promise<void> {
  await db.sql.exec(`
    INSERT INTO "Site" (id, name, "updatedAt") SELECT 'site-' || i, 'Trang ' || i, now() FROM generate_series(1, ${sites}) i;
    INSERT INTO "Section" (id, "siteId", slug, name, "itemKind")
      SELECT 'sec-' || i || '-' || k, 'site-' || i, 'muc-' || k, 'Chuyên mục ' || k, 'document' FROM generate_series(1, ${sites}) i, generate_series(1, 3) k;
    INSERT INTO "Document" (id, "identityKey", "numberKey", number, "docType", title, "issuerName", "issuedDate", "isPublic", "updatedAt")
      SELECT 'doc-' || i, 'k' || i, 'n' || i, i || '/QĐ-UBND', (ARRAY['Quyết định','Công văn','Thông báo','Kế hoạch','Chỉ thị'])[1 + i % 5],
        'Trích yếu ' || i, 'Cơ quan ' || (i % 60), DATE '2026-01-01' + ((i * 365) / ${docs}), true, now()
      FROM generate_series(1, ${docs}) i;
    INSERT INTO "DocumentVersion" (id, "documentId", version, "contentHash", metadata)
      SELECT 'ver-' || i, 'doc-' || i, 1, md5(i::text), '{}'::jsonb FROM generate_series(1, ${docs}) i;
    INSERT INTO "Blob" (sha256, size, mime) SELECT md5('b' || i) || md5('c' || i), 1000, 'application/pdf' FROM generate_series(1, ${docs}) i;
    INSERT INTO "FileAttachment" (id, "blobSha256", name, role, "documentVersionId")
      SELECT 'fa-' || i, md5('b' || i) || md5('c' || i), i || '.pdf', 'main', 'ver-' || i FROM generate_series(1, ${docs}) i;
    INSERT INTO "SignatureReport" (id, "blobSha256", "policyKey", status, report)
      SELECT 'sr-' || i, md5('b' || i) || md5('c' || i), 'p', 'valid',
        jsonb_build_object('signatures', jsonb_build_array(jsonb_build_object('signingTime', to_char((DATE '2026-01-01' + ((i * 365) / ${docs}))::timestamp + interval '2 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))))
      FROM generate_series(1, ${docs}) i WHERE i % 2 = 0;
    CREATE TEMP TABLE plan AS
      SELECT i, s.site, (DATE '2026-01-01' + ((i * 365) / ${docs}))::timestamp + make_interval(hours => 1 + (i % 7) * 5 + s.n) AS pub
      FROM generate_series(1, ${docs}) i, LATERAL (VALUES (1, 1 + (i % 97 = 0)::int * 40), (2 + i % ${sites - 1}, 2)) s(site, n);
    INSERT INTO "Delivery" (id, "siteId", "sectionId", "itemKind", "itemId", "documentVersionId", event, "dedupKey", "messageId", state, attempts,
        "createdAt", "releasedAt", "reviewedBy", "deliveredAt", "publishedAt", "updatedAt")
      SELECT 'del-' || i || '-' || site, 'site-' || site, 'sec-' || site || '-' || (1 + i % 3), 'document', 'doc-' || i, 'ver-' || i, 'document.published',
        'dk-' || i || '-' || site, 'm-' || i || '-' || site, 'delivered', 1 + (i % 13 = 0)::int,
        pub - interval '30 minutes', CASE WHEN i % 17 = 0 THEN pub - interval '5 minutes' END, CASE WHEN i % 17 = 0 THEN 'clerk' END, pub, pub, now()
      FROM plan;
    INSERT INTO "Delivery" (id, "siteId", "sectionId", "itemKind", "itemId", "documentVersionId", event, "dedupKey", "messageId", state, attempts, "createdAt", "deliveredAt", "publishedAt", "updatedAt")
      SELECT 'upd-' || i || '-' || site, 'site-' || site, 'sec-' || site || '-' || (1 + i % 3), 'document', 'doc-' || i, 'ver-' || i,
        CASE WHEN i % 50 = 0 THEN 'document.withdrawn' ELSE 'document.updated' END, 'du-' || i || '-' || site, 'mu-' || i || '-' || site, 'delivered', 1,
        pub + interval '3 days', pub + interval '3 days', pub + interval '3 days', now()
      FROM plan WHERE i % 10 = 0 OR i % 50 = 0;
    ANALYZE;
  `);
}
