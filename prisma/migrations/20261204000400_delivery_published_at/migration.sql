-- When a site first had this change: a push the portal acknowledged (2xx), or
-- the site's own token reading it from the pull feed or Atom. Public
-- verification (/tra-cuu) shows only versions with such a row.
ALTER TABLE "Delivery" ADD COLUMN "publishedAt" TIMESTAMP(3);

-- Rows delivered before this column existed (pull acknowledgements included;
-- rows marked delivered without being sent carry lastError).
UPDATE "Delivery" SET "publishedAt" = "deliveredAt"
WHERE state = 'delivered' AND "lastError" IS NULL AND "deliveredAt" IS NOT NULL;

-- Public verification asks "is this document replaced by a published one?".
CREATE INDEX "Document_replacesId_idx" ON "Document"("replacesId");
