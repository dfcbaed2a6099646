// Preparing claimed rows for sending: each row's item snapshot, section and
// prior delivery, loaded once per batch, and the signed file links the
// payload carries. One version goes to many sites (~40 in a province), so
// snapshots, sections and links are cached across batches.

import type { HubContext } from "../hub/context.ts";
import type { Claimed } from "./claim.ts";
import type { FileSnapshot, ItemSnapshot, PriorDelivery } from "./payload.ts";
import { downloadUrl } from "./signed-url.ts";
import { loadSections, loadSnapshots, versionIdOf } from "./snapshot.ts";
import { downloadKeyFor } from "./url-key.ts";

export interface SectionInfo {
  slug: string;
  name: string;
  itemKind: "document" | "procedure";
}

/** What a claimed row needs to be sent, loaded for its whole batch at claim time. */
export interface Prepared {
  snapshot: ItemSnapshot | undefined;
  section: SectionInfo | undefined;
  remoteId: string | null;
  prior: PriorDelivery | null;
}

const SNAPSHOT_CACHE_SIZE = 2_000;
const LINK_CACHE_SIZE = 10_000;

export interface Preparer {
  /** Loads what a batch needs; throws when the database cannot answer. */
  prepare(batch: Claimed[]): Promise<Map<string, Prepared>>;
  /** A file's signed download link expiring at `exp` (only after a prepare). */
  link(file: FileSnapshot, exp: number): string;
}

export function createPreparer(ctx: HubContext, baseUrl: string): Preparer {
  const prisma = ctx.db.prisma;
  const keyPromise = downloadKeyFor(ctx.config);
  let key: Awaited<typeof keyPromise> | null = null;
  // The key includes the row's state hash (the dedupKey's last part: the
  // metadata hash for documents), so a metadata-only update of a version is
  // never served from an older snapshot.
  const snapshotKey = (row: Claimed) => `${versionIdOf(row)}|${row.dedupKey.split("|").at(-1)}`;
  const snapshots = new Map<string, ItemSnapshot>();
  /** Section ids never change slug (sections are keyed by site + slug). */
  const sections = new Map<string, SectionInfo>();
  const links = new Map<string, string>();

  async function loadMissingSnapshots(batch: Claimed[]): Promise<void> {
    const missing = batch.filter((r) => !snapshots.has(snapshotKey(r)));
    if (missing.length === 0) return;
    const loaded = await loadSnapshots(prisma, missing, ctx.verifier?.policyKey ?? null);
    for (const row of missing) {
      const snap = loaded.get(versionIdOf(row));
      if (snap) snapshots.set(snapshotKey(row), snap);
    }
    // Oldest first out: Map keeps insertion order.
    for (const k of snapshots.keys()) {
      if (snapshots.size <= SNAPSHOT_CACHE_SIZE) break;
      snapshots.delete(k);
    }
  }

  async function loadMissingSections(batch: Claimed[]): Promise<void> {
    const missing = batch.map((r) => r.sectionId).filter((id) => !sections.has(id));
    if (missing.length === 0) return;
    for (const [id, section] of await loadSections(prisma, missing)) sections.set(id, section);
  }

  return {
    async prepare(batch) {
      const [linkKey] = await Promise.all([keyPromise, loadMissingSnapshots(batch), loadMissingSections(batch)]);
      key = linkKey;
      const out = new Map<string, Prepared>();
      for (const row of batch) {
        const prior = row.priorEvent === null ? null : { event: row.priorEvent, version: row.priorVersion ?? 0 };
        out.set(row.id, { snapshot: snapshots.get(snapshotKey(row)), section: sections.get(row.sectionId), remoteId: row.remoteId, prior });
      }
      return out;
    },
    // One version's files go to ~40 sites with the same expiry (it follows
    // the version's creation): each link is signed once.
    link(f, exp) {
      if (!key) throw new Error("links are signed only after prepare()");
      const k = `${f.sha256}\n${exp}\n${f.name}`;
      let url = links.get(k);
      if (url === undefined) {
        if (links.size >= LINK_CACHE_SIZE) links.clear();
        url = downloadUrl(baseUrl, key, { sha256: f.sha256, exp, name: f.name });
        links.set(k, url);
      }
      return url;
    },
  };
}
