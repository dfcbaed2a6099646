-- Target connectors: a site picks its connector; a site the hub cannot push to says why.
ALTER TABLE "Site" ADD COLUMN "connector" TEXT NOT NULL DEFAULT 'webhook';
ALTER TABLE "Site" ADD COLUMN "stoppedReason" TEXT;
ALTER TABLE "Site" ADD COLUMN "stoppedKind" TEXT;
ALTER TABLE "Site" ADD COLUMN "stoppedAt" TIMESTAMP(3);
