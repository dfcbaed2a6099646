-- Console and API reads stay fast on large hubs (issue 15, docs/performance.md).

-- Document lists are ordered by issue date, then arrival; this index serves
-- both keys (and replaces the one on the issue date alone).
DROP INDEX IF EXISTS "Document_issuedDate_idx";
CREATE INDEX "Document_issuedDate_createdAt_idx" ON "Document"("issuedDate", "createdAt");
-- The newest change of any document: a cached list total is reused while it holds.
CREATE INDEX "Document_updatedAt_idx" ON "Document"("updatedAt");

-- Deliveries by site and state, newest first (console filters, dashboard counts).
CREATE INDEX "Delivery_siteId_state_seq_idx" ON "Delivery"("siteId", "state", "seq");
CREATE INDEX "Delivery_state_seq_idx" ON "Delivery"("state", "seq");

-- Runs, newest first, of every source.
CREATE INDEX "SyncRun_createdAt_idx" ON "SyncRun"("createdAt");

-- Word search (`searchText LIKE '%word%'`, accent-free) by trigram index.
-- pg_trgm ships with PostgreSQL (trusted: a database owner may create it) and
-- with the embedded database (src/db/database.ts loads it). Where it cannot
-- be created, searches still work, reading the whole table.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'pg_trgm unavailable (%): document and procedure searches will read whole tables', SQLERRM;
END $$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX IF NOT EXISTS "Document_searchText_trgm_idx" ON "Document" USING gin ("searchText" gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS "Procedure_searchText_trgm_idx" ON "Procedure" USING gin ("searchText" gin_trgm_ops);
  END IF;
END $$;
