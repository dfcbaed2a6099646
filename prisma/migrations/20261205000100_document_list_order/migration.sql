-- Document lists are ordered by issue date, arrival, then id (a stable order
-- for paging). With the id in the index, a page's ids come from the index
-- alone, however deep the page (src/operator/lists.ts).
DROP INDEX IF EXISTS "Document_issuedDate_createdAt_idx";
CREATE INDEX "Document_issuedDate_createdAt_id_idx" ON "Document"("issuedDate", "createdAt", "id");
