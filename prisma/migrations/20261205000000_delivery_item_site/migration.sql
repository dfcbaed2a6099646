-- A document's deliveries to one site: whether a publication is the site's
-- first (the publication-delay metric, the report) and the rows a held
-- delivery keeps waiting. Without it PostgreSQL intersected the site's and
-- the item's indexes for every row of a result batch.
CREATE INDEX "Delivery_itemId_siteId_idx" ON "Delivery"("itemId", "siteId");
