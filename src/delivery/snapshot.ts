// Loads what payload.ts needs for a batch of outbox rows in a handful of
// queries (one version serves ~40 sites, so each is loaded once per batch).

import { attachmentName } from "../core/index.ts";
import type { Prisma } from "../db/index.ts";
import type { DocumentSnapshot, FileSnapshot, ItemSnapshot, ProcedureSnapshot } from "./payload.ts";

export interface RowRef {
  id: string;
  siteId: string;
  sectionId: string;
  itemId: string;
  documentVersionId: string | null;
  procedureVersionId: string | null;
}

export const versionIdOf = (row: Pick<RowRef, "documentVersionId" | "procedureVersionId">): string =>
  (row.documentVersionId ?? row.procedureVersionId)!;

export const placeKey = (siteId: string, sectionId: string, itemId: string): string => `${siteId}|${sectionId}|${itemId}`;

interface FileRow {
  name: string;
  role: "main" | "appendix" | "form";
  blobSha256: string;
  blob: { mime: string; size: bigint };
}

// Every target (webhook, feeds, WordPress, Liferay) takes file names from here:
// a source's "../../x.pdf" reaches portals as "x.pdf" (src/core/file-name.ts).
const toFile = (f: FileRow, position: number): FileSnapshot => ({
  name: attachmentName(f.name, position, f.blob.mime), mime: f.blob.mime, size: Number(f.blob.size), sha256: f.blobSha256, role: f.role,
});

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/** Snapshots by version id. `policyKey` prefers reports made under the hub's current trust policy. */
export async function loadSnapshots(prisma: Prisma, rows: RowRef[], policyKey: string | null): Promise<Map<string, ItemSnapshot>> {
  const docIds = [...new Set(rows.map((r) => r.documentVersionId).filter((x): x is string => !!x))];
  const procIds = [...new Set(rows.map((r) => r.procedureVersionId).filter((x): x is string => !!x))];
  const out = new Map<string, ItemSnapshot>();
  const fileInclude = { orderBy: { position: "asc" as const }, include: { blob: { select: { mime: true, size: true } } } };

  if (docIds.length > 0) {
    const versions = await prisma.documentVersion.findMany({
      where: { id: { in: docIds } },
      include: { document: true, files: fileInclude },
    });
    const mainShas = [...new Set(versions.flatMap((v) => v.files.filter((f) => f.role === "main").map((f) => f.blobSha256)))];
    const reports = mainShas.length
      ? await prisma.signatureReport.findMany({ where: { blobSha256: { in: mainShas } }, orderBy: { verifiedAt: "asc" } })
      : [];
    const reportBySha: Record<string, unknown> = {};
    for (const r of reports) {
      // Later reports win, but one under the current policy beats any other.
      if (!(r.blobSha256 in reportBySha) || r.policyKey === policyKey || !reports.some((x) => x.blobSha256 === r.blobSha256 && x.policyKey === policyKey)) {
        reportBySha[r.blobSha256] = r.report;
      }
    }
    for (const v of versions) {
      // The version's own metadata snapshot: the delivery is of this version,
      // whatever the document looks like now.
      const m = (v.metadata ?? {}) as {
        number?: string; docType?: string | null; title?: string; issuer?: { name?: string };
        issuedDate?: string; signer?: { name: string; position: string | null } | null; field?: string | null;
      };
      const d = v.document;
      const snap: DocumentSnapshot = {
        kind: "document",
        id: d.id,
        version: v.version,
        number: m.number ?? d.number,
        docType: m.docType !== undefined ? m.docType : d.docType,
        title: m.title ?? d.title,
        issuer: m.issuer?.name ?? d.issuerName,
        signer: m.signer !== undefined ? m.signer : d.signerName ? { name: d.signerName, position: d.signerPosition } : null,
        issuedAt: m.issuedDate ?? isoDate(d.issuedDate),
        field: m.field !== undefined ? m.field : d.field,
        replaces: d.replacesId,
        signatureStatus: v.signatureStatus,
        files: v.files.map(toFile),
        reports: Object.fromEntries(v.files.filter((f) => f.blobSha256 in reportBySha).map((f) => [f.blobSha256, reportBySha[f.blobSha256]])),
      };
      out.set(v.id, snap);
    }
  }

  if (procIds.length > 0) {
    const versions = await prisma.procedureVersion.findMany({ where: { id: { in: procIds } }, include: { files: fileInclude } });
    for (const v of versions) {
      const snap: ProcedureSnapshot = {
        kind: "procedure",
        id: v.procedureId,
        version: v.version,
        data: (v.data ?? {}) as ProcedureSnapshot["data"],
        files: v.files.map(toFile),
      };
      out.set(v.id, snap);
    }
  }
  return out;
}

export async function loadSectionSlugs(prisma: Prisma, sectionIds: string[]): Promise<Map<string, string>> {
  const rows = await prisma.section.findMany({ where: { id: { in: [...new Set(sectionIds)] } }, select: { id: true, slug: true } });
  return new Map(rows.map((s) => [s.id, s.slug]));
}

export async function loadRemoteIds(prisma: Prisma, rows: RowRef[]): Promise<Map<string, string>> {
  const items = await prisma.remoteItem.findMany({ where: { itemId: { in: [...new Set(rows.map((r) => r.itemId))] } } });
  return new Map(items.map((r) => [placeKey(r.siteId, r.sectionId, r.itemId), r.remoteId]));
}

export async function loadSections(prisma: Prisma, sectionIds: string[]): Promise<Map<string, { slug: string; name: string; itemKind: "document" | "procedure" }>> {
  const rows = await prisma.section.findMany({ where: { id: { in: [...new Set(sectionIds)] } }, select: { id: true, slug: true, name: true, itemKind: true } });
  return new Map(rows.map((s) => [s.id, { slug: s.slug, name: s.name, itemKind: s.itemKind }]));
}
