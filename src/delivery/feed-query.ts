// The pull side: a site's changes in Delivery.seq order after a cursor, and
// the newest change per item for Atom. Shared visibility rule: a row is shown
// unless it is held or rejected, or an earlier change of the same item is
// still held (it would arrive out of order); approve/reject move such rows to
// the end of the sequence, so a cursor that passed them still sees them.

import type { Config } from "../config/index.ts";
import type { Database } from "../db/index.ts";
import type { FileVerifier } from "../pipeline/ingest.ts";
import { buildData, type FileSnapshot } from "./payload.ts";
import { downloadUrl, linkExpiry } from "./signed-url.ts";
import { loadRemoteIds, loadSectionSlugs, loadSnapshots, placeKey, versionIdOf } from "./snapshot.ts";
import { downloadKeyFor } from "./url-key.ts";

/**
 * On PostgreSQL, transactions commit out of seq order: a row with a lower seq
 * can become visible after a reader has moved past it. Ingest transactions
 * last at most 30 s (their timeout), so a row whose seq was drawn more than
 * this long ago can no longer be overtaken; the feed stops before the first
 * younger row. PGlite runs one transaction at a time and needs no delay.
 */
export const POSTGRES_FEED_SETTLE_SECONDS = 65;

export interface FeedDeps {
  db: Pick<Database, "prisma" | "sql" | "kind">;
  config: Pick<Config, "auth" | "dataDir" | "delivery">;
  verifier: Pick<FileVerifier, "policyKey"> | null;
  now: () => Date;
}

export interface FeedRow {
  id: string;
  seq: string;
  siteId: string;
  sectionId: string;
  itemKind: string;
  itemId: string;
  documentVersionId: string | null;
  procedureVersionId: string | null;
  event: string;
  createdAtMs: number;
}

const COLUMNS = `d.id, d.seq::text AS seq, d."siteId", d."sectionId", d."itemKind"::text AS "itemKind", d."itemId",
  d."documentVersionId", d."procedureVersionId", d.event, (extract(epoch FROM d."createdAt") * 1000)::float8 AS "createdAtMs"`;

const VISIBLE = `d.state NOT IN ('held', 'rejected')
  AND NOT EXISTS (SELECT 1 FROM "Delivery" h WHERE h."itemId" = d."itemId" AND h."siteId" = d."siteId"
    AND h."sectionId" = d."sectionId" AND h.seq < d.seq AND h.state = 'held')`;

export function parseCursor(cursor: string | undefined): bigint | null {
  if (cursor === undefined || cursor === "") return 0n;
  return /^\d{1,19}$/.test(cursor) ? BigInt(cursor) : null;
}

export async function readFeedRows(deps: FeedDeps, siteId: string, after: bigint, limit: number): Promise<FeedRow[]> {
  const settle = deps.db.kind === "postgres" ? POSTGRES_FEED_SETTLE_SECONDS : 0;
  const settled =
    settle > 0
      ? `AND d.seq < COALESCE((SELECT min(y.seq) FROM "Delivery" y WHERE y."siteId" = $1 AND y.seq > $2::bigint
           AND y."updatedAt" > (now() AT TIME ZONE 'UTC') - make_interval(secs => ${settle})), 9223372036854775807)`
      : "";
  const { rows } = await deps.db.sql.query<FeedRow>(
    `SELECT ${COLUMNS} FROM "Delivery" d
     WHERE d."siteId" = $1 AND d.seq > $2::bigint AND ${VISIBLE} ${settled}
     ORDER BY d.seq LIMIT $3`,
    [siteId, after.toString(), limit],
  );
  return rows;
}

/** The newest visible change of each item in one section, newest first. */
export async function readLatestPerItem(deps: FeedDeps, siteId: string, sectionId: string, limit: number): Promise<FeedRow[]> {
  const { rows } = await deps.db.sql.query<FeedRow>(
    `SELECT * FROM (
       SELECT DISTINCT ON (d."itemId") ${COLUMNS} FROM "Delivery" d
       WHERE d."siteId" = $1 AND d."sectionId" = $2 AND ${VISIBLE}
       ORDER BY d."itemId", d.seq DESC) latest
     ORDER BY seq::bigint DESC LIMIT $3`,
    [siteId, sectionId, limit],
  );
  return rows;
}

/**
 * A pull-mode site that asks for changes after `cursor` has what came before
 * it: those rows count as delivered (the console shows them so).
 */
export async function acknowledgeFeed(deps: FeedDeps, siteId: string, cursor: bigint): Promise<number> {
  if (cursor <= 0n) return 0;
  const result = await deps.db.prisma.delivery.updateMany({
    where: { siteId, seq: { lte: cursor }, state: { in: ["pending", "failed"] } },
    data: { state: "delivered", deliveredAt: deps.now() },
  });
  return result.count;
}

/** The contract's data objects for feed rows, with fresh links valid for the configured TTL. */
export async function feedItems(deps: FeedDeps, rows: FeedRow[], baseUrl: string): Promise<(Record<string, unknown> & { event: string })[]> {
  if (rows.length === 0) return [];
  const prisma = deps.db.prisma;
  const [key, snapshots, slugs, remoteIds] = await Promise.all([
    downloadKeyFor(deps.config),
    loadSnapshots(prisma, rows, deps.verifier?.policyKey ?? null),
    loadSectionSlugs(prisma, rows.map((r) => r.sectionId)),
    loadRemoteIds(prisma, rows),
  ]);
  const exp = linkExpiry(deps.now(), deps.config.delivery.downloadUrlTtlSeconds);
  const link = (f: FileSnapshot) => downloadUrl(baseUrl, key, { sha256: f.sha256, exp, name: f.name });
  const out: (Record<string, unknown> & { event: string })[] = [];
  for (const row of rows) {
    const snapshot = snapshots.get(versionIdOf(row));
    const section = slugs.get(row.sectionId);
    if (!snapshot || !section) continue; // version deleted: nothing left to show
    const remoteId = remoteIds.get(placeKey(row.siteId, row.sectionId, row.itemId)) ?? null;
    out.push({ event: row.event, ...buildData(snapshot, { site: row.siteId, section, remoteId, verifyBase: baseUrl }, link) });
  }
  return out;
}
