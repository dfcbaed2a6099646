// Ingest of one source item: fetch → download files → verify → dedup/version
// → outbox rows. I/O (fetch, download, verify) happens before the database
// transaction; the transaction then records the version and its deliveries
// together, so a version never exists without its outbox rows.

import type { ItemRef, SourceClient } from "../../connectors/sdk.ts";
import { cleanText, foldVietnamese, type CanonicalDocument, type CanonicalProcedure, type SourceFileRef, type SourceItem } from "../core/index.ts";
import type { BlobStore, Prisma } from "../db/index.ts";
import type { Logger } from "../observability/index.ts";
import { documentIdentityKey, documentMetadata, filesContentHash, metadataHash, procedureContentHash } from "./identity.ts";
import { routeItem, type RoutingRuleInput } from "./routing.ts";

type Tx = Parameters<Parameters<Prisma["$transaction"]>[0]>[0];

export type Outcome = "created" | "updated" | "duplicate" | "rejected" | "failed";

export interface ItemResult {
  externalId: string;
  outcome: Outcome;
  itemKind: "document" | "procedure" | null;
  itemId: string | null;
  version: number | null;
  message: string | null;
}

/** Signature verification as the pipeline needs it (src/verify behind it). */
export interface FileVerifier {
  /** Identifies the trust store + policy; a report is reused only under the same key. */
  policyKey: string;
  verifyFile(path: string): Promise<{ status: string; report: unknown }>;
}

export interface SectionPolicy {
  sectionId: string;
  siteId: string;
  itemKind: "document" | "procedure";
  publishMode: "automatic" | "review";
  allowUnverified: boolean;
  enabled: boolean;
}

export interface IngestDeps {
  prisma: Prisma;
  blobs: BlobStore;
  verifier: FileVerifier | null;
  log: Logger;
  maxFileBytes: number;
}

export interface IngestScope {
  sourceId: string;
  client: SourceClient;
  rules: RoutingRuleInput[];
  sections: Map<string, SectionPolicy>;
}

/** Item data and stored files, ready to be applied in one transaction. */
export interface PreparedItem {
  item: SourceItem;
  files: { ref: SourceFileRef; sha256: string; size: number; mime: string }[];
  signatureStatus: string;
}

export class ItemRejected extends Error {}

/** Everything before the transaction: may run concurrently for several items. */
export async function prepareItem(deps: IngestDeps, scope: IngestScope, ref: ItemRef, signal?: AbortSignal): Promise<PreparedItem | "unchanged"> {
  const knownAt = await knownSourceUpdatedAt(deps.prisma, scope.sourceId, ref.externalId);
  if (knownAt && ref.updatedAt && knownAt.getTime() === new Date(ref.updatedAt).getTime()) return "unchanged";
  const item = ref.item ?? (await scope.client.fetchItem(ref.externalId, signal));
  validateItem(item);
  const files: PreparedItem["files"] = [];
  for (const file of item.files) {
    const reuse = file.sha256 && (await deps.blobs.has(file.sha256.toLowerCase()));
    if (reuse) {
      const blob = await deps.prisma.blob.findUnique({ where: { sha256: file.sha256!.toLowerCase() } });
      if (blob) {
        files.push({ ref: file, sha256: blob.sha256, size: Number(blob.size), mime: blob.mime });
        continue;
      }
    }
    const fetched = await scope.client.fetchFile(file, { maxBytes: deps.maxFileBytes, ...(signal ? { signal } : {}) });
    const stored = await deps.blobs.put(fetched.body, {
      maxBytes: deps.maxFileBytes,
      expectedSha256: fetched.sha256 ?? file.sha256,
      expectedSize: fetched.size,
      ...(signal ? { signal } : {}),
    });
    const mime = fetched.mime.split(";")[0]!.trim() || guessMime(file.name);
    await deps.prisma.blob.upsert({
      where: { sha256: stored.sha256 },
      create: { sha256: stored.sha256, size: BigInt(stored.size), mime },
      update: {},
    });
    files.push({ ref: file, sha256: stored.sha256, size: stored.size, mime });
  }
  const signatureStatus = item.kind === "document" ? await verifyMainFiles(deps, files) : "not-applicable";
  return { item, files, signatureStatus };
}

/** The source-side change time last ingested for an item, from either kind's refs. */
async function knownSourceUpdatedAt(prisma: Prisma, sourceId: string, externalId: string): Promise<Date | null> {
  const where = { sourceId_externalId: { sourceId, externalId } };
  const doc = await prisma.documentSourceRef.findUnique({ where, select: { sourceUpdatedAt: true } });
  if (doc) return doc.sourceUpdatedAt;
  const proc = await prisma.procedureSourceRef.findUnique({ where, select: { sourceUpdatedAt: true } });
  return proc?.sourceUpdatedAt ?? null;
}

function validateItem(item: SourceItem): void {
  if (item.kind === "document") {
    if (!cleanText(item.number)) throw new ItemRejected("document has no number (số ký hiệu)");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(item.issuedDate)) throw new ItemRejected(`document issue date is not YYYY-MM-DD: ${item.issuedDate}`);
    if (!cleanText(item.issuer.name) && !item.issuer.code) throw new ItemRejected("document has no issuer");
  } else if (!cleanText(item.code)) {
    throw new ItemRejected("procedure has no code (MATTHC)");
  }
}

const STATUS_RANK: Record<string, number> = { valid: 0, "not-verified": 1, unsigned: 2, indeterminate: 3, invalid: 4, error: 5 };

async function verifyMainFiles(deps: IngestDeps, files: PreparedItem["files"]): Promise<string> {
  const pdfs = files.filter((f) => f.ref.role === "main" && (f.mime === "application/pdf" || /\.pdf$/i.test(f.ref.name)));
  if (pdfs.length === 0) return "unsigned";
  if (!deps.verifier) return "not-verified";
  let worst = "valid";
  for (const file of pdfs) {
    const cached = await deps.prisma.signatureReport.findUnique({
      where: { blobSha256_policyKey: { blobSha256: file.sha256, policyKey: deps.verifier.policyKey } },
    });
    let status = cached?.status;
    if (!status) {
      const result = await deps.verifier.verifyFile(deps.blobs.pathOf(file.sha256));
      status = result.status;
      await deps.prisma.signatureReport.upsert({
        where: { blobSha256_policyKey: { blobSha256: file.sha256, policyKey: deps.verifier.policyKey } },
        create: { blobSha256: file.sha256, policyKey: deps.verifier.policyKey, status, report: result.report as object },
        update: {},
      });
    }
    if ((STATUS_RANK[status] ?? 5) > (STATUS_RANK[worst] ?? 0)) worst = status;
  }
  return worst;
}

function guessMime(name: string): string {
  const ext = name.toLowerCase().split(".").pop();
  return (
    { pdf: "application/pdf", doc: "application/msword", docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", xml: "application/xml" }[
      ext ?? ""
    ] ?? "application/octet-stream"
  );
}

/** The transaction: dedup, version, routing and outbox rows, all or nothing. */
export async function applyItem(deps: IngestDeps, scope: IngestScope, prepared: PreparedItem, sourceUpdatedAt: Date | null): Promise<ItemResult> {
  return deps.prisma.$transaction(
    (tx) =>
      prepared.item.kind === "document"
        ? applyDocument(tx, scope, prepared as PreparedItem & { item: CanonicalDocument }, sourceUpdatedAt)
        : applyProcedure(tx, scope, prepared as PreparedItem & { item: CanonicalProcedure }, sourceUpdatedAt),
    { timeout: 30_000, maxWait: 30_000 },
  );
}

const PUBLISHABLE_SIGNATURES = new Set(["valid"]);

function deliveryState(policy: SectionPolicy, signatureStatus: string | null): { state: "held" | "pending"; note: string | null } {
  if (policy.publishMode === "review") return { state: "held", note: "site publishes after review" };
  if (signatureStatus !== null && !PUBLISHABLE_SIGNATURES.has(signatureStatus) && !policy.allowUnverified) {
    return { state: "held", note: `signature ${signatureStatus}: held for review` };
  }
  return { state: "pending", note: null };
}

async function sectionsWithDeliveries(tx: Tx, itemId: string): Promise<Map<string, string>> {
  const rows = await tx.delivery.findMany({
    where: { itemId, state: { notIn: ["rejected"] } },
    select: { sectionId: true, state: true, event: true },
    orderBy: { seq: "asc" },
  });
  const last = new Map<string, string>();
  for (const r of rows) last.set(r.sectionId, r.event);
  return last;
}

async function addDeliveries(
  tx: Tx,
  scope: IngestScope,
  input: {
    itemKind: "document" | "procedure";
    itemId: string;
    versionId: string;
    stateHash: string;
    kind: "publish" | "withdraw";
    signatureStatus: string | null;
    routed: string[];
  },
): Promise<number> {
  const prior = await sectionsWithDeliveries(tx, input.itemId);
  const prefix = input.itemKind;
  const rows: {
    siteId: string; sectionId: string; itemKind: "document" | "procedure"; itemId: string; event: string; dedupKey: string;
    documentVersionId: string | null; procedureVersionId: string | null; state: "held" | "pending"; reviewNote: string | null;
  }[] = [];
  if (input.kind === "withdraw") {
    // Only portals that were sent the item (or will be) need the withdrawal;
    // a publish still waiting for review is simply no longer wanted.
    await tx.delivery.updateMany({
      where: { itemId: input.itemId, state: "held" },
      data: { state: "rejected", reviewNote: "withdrawn at the source before review" },
    });
    const sent = await tx.delivery.findMany({
      where: { itemId: input.itemId, state: { in: ["pending", "sending", "delivered", "failed", "dead"] } },
      select: { sectionId: true },
      distinct: ["sectionId"],
    });
    for (const { sectionId } of sent) {
      const policy = scope.sections.get(sectionId);
      if (!policy) continue;
      if (prior.get(sectionId)?.endsWith(".withdrawn") || prior.get(sectionId)?.endsWith(".abolished")) continue;
      const event = `${prefix}.${input.itemKind === "document" ? "withdrawn" : "abolished"}`;
      rows.push(row(policy, event, { state: "pending", note: null }));
    }
  } else {
    for (const sectionId of input.routed) {
      const policy = scope.sections.get(sectionId);
      if (!policy || !policy.enabled) continue;
      const previous = prior.get(sectionId);
      const event = previous && !previous.endsWith(".withdrawn") && !previous.endsWith(".abolished") ? `${prefix}.updated` : `${prefix}.published`;
      rows.push(row(policy, event, deliveryState(policy, input.signatureStatus)));
    }
  }
  if (rows.length === 0) return 0;
  const result = await tx.delivery.createMany({ data: rows, skipDuplicates: true });
  return result.count;

  function row(policy: SectionPolicy, event: string, state: { state: "held" | "pending"; note: string | null }) {
    return {
      siteId: policy.siteId,
      sectionId: policy.sectionId,
      itemKind: input.itemKind,
      itemId: input.itemId,
      event,
      dedupKey: `${policy.sectionId}|${event}|${input.versionId}|${input.stateHash}`,
      documentVersionId: input.itemKind === "document" ? input.versionId : null,
      procedureVersionId: input.itemKind === "procedure" ? input.versionId : null,
      state: state.state,
      reviewNote: state.note,
    };
  }
}

function documentSearchText(doc: CanonicalDocument): string {
  return foldVietnamese([doc.number, doc.docType, doc.title, doc.issuer.name, doc.signer?.name, doc.field].filter(Boolean).join(" "));
}

async function applyDocument(
  tx: Tx,
  scope: IngestScope,
  prepared: PreparedItem & { item: CanonicalDocument },
  sourceUpdatedAt: Date | null,
): Promise<ItemResult> {
  const { item, files, signatureStatus } = prepared;
  const identityKey = documentIdentityKey(item);
  const contentHash = filesContentHash(files.map((f) => f.sha256));
  const metadata = documentMetadata(item);
  const stateHash = metadataHash(metadata);
  // Prisma's Json input type wants an index signature plain interfaces lack.
  const metadataJson = metadata as unknown as Record<string, string>;
  const publishable = item.isPublic && item.status === "issued";
  const refKey = { sourceId_externalId: { sourceId: scope.sourceId, externalId: item.externalId } };

  const ref = await tx.documentSourceRef.findUnique({ where: refKey });
  let doc = ref
    ? await tx.document.findUnique({ where: { id: ref.documentId } })
    : await tx.document.findUnique({ where: { identityKey } });

  const replaces = item.replacesExternalId
    ? await tx.documentSourceRef.findUnique({
        where: { sourceId_externalId: { sourceId: scope.sourceId, externalId: item.replacesExternalId } },
      })
    : null;

  const fields = {
    numberKey: identityKey.split("|")[0]!,
    number: cleanText(item.number),
    docType: item.docType,
    title: cleanText(item.title),
    issuerCode: item.issuer.code,
    issuerName: cleanText(item.issuer.name),
    issuedDate: new Date(`${item.issuedDate}T00:00:00Z`),
    field: item.field,
    signerName: item.signer?.name ?? null,
    signerPosition: item.signer?.position ?? null,
    urgency: item.urgency,
    isPublic: item.isPublic,
    status: item.status === "issued" ? ("active" as const) : item.status,
    replacesId: replaces?.documentId ?? doc?.replacesId ?? null,
    searchText: documentSearchText(item),
  };
  const attachments = files.map((f, position) => ({ blobSha256: f.sha256, name: cleanText(f.ref.name), role: f.ref.role, position }));
  const routed = routeItem(item, scope.sourceId, scope.rules);

  let outcome: Outcome;
  let versionId: string;
  let versionNumber: number;
  if (!doc) {
    doc = await tx.document.create({ data: { ...fields, identityKey, currentVersion: 1 } });
    const version = await tx.documentVersion.create({
      data: { documentId: doc.id, version: 1, contentHash, metadata: metadataJson, sourceId: scope.sourceId, signatureStatus, files: { create: attachments } },
    });
    outcome = "created";
    versionId = version.id;
    versionNumber = 1;
    // A document first seen withdrawn or replaced is recorded, never posted.
    if (publishable) {
      await addDeliveries(tx, scope, { itemKind: "document", itemId: doc.id, versionId, stateHash, kind: "publish", signatureStatus, routed });
    }
  } else {
    const existing = await tx.documentVersion.findUnique({ where: { documentId_contentHash: { documentId: doc.id, contentHash } } });
    const current = await tx.documentVersion.findUniqueOrThrow({ where: { documentId_version: { documentId: doc.id, version: doc.currentVersion } } });
    const wasPublishable = doc.isPublic && doc.status === "active";
    if (existing) {
      versionId = existing.id;
      versionNumber = existing.version;
      const sameMetadata = metadataHash(current.metadata) === stateHash;
      // Another source's copy of the same bytes merges into this document but
      // does not override the metadata the first source gave.
      const owner = current.sourceId === null || current.sourceId === scope.sourceId;
      if (sameMetadata || !owner || existing.id !== current.id) {
        outcome = "duplicate";
      } else {
        await tx.document.update({ where: { id: doc.id }, data: fields });
        await tx.documentVersion.update({ where: { id: current.id }, data: { metadata: metadataJson } });
        outcome = "updated";
        await emitTransition(existing.id, wasPublishable);
      }
    } else {
      versionNumber = doc.currentVersion + 1;
      const version = await tx.documentVersion.create({
        data: { documentId: doc.id, version: versionNumber, contentHash, metadata: metadataJson, sourceId: scope.sourceId, signatureStatus, files: { create: attachments } },
      });
      versionId = version.id;
      await tx.document.update({ where: { id: doc.id }, data: { ...fields, currentVersion: versionNumber } });
      outcome = "updated";
      await emitTransition(version.id, wasPublishable);
    }
  }

  await tx.documentSourceRef.upsert({
    where: refKey,
    create: { sourceId: scope.sourceId, externalId: item.externalId, documentId: doc.id, sourceUpdatedAt },
    update: { sourceUpdatedAt },
  });

  if (replaces && replaces.documentId !== doc.id) {
    const old = await tx.document.findUnique({ where: { id: replaces.documentId } });
    if (old && old.status !== "replaced") {
      await tx.document.update({ where: { id: old.id }, data: { status: "replaced" } });
      const oldVersion = await tx.documentVersion.findUniqueOrThrow({ where: { documentId_version: { documentId: old.id, version: old.currentVersion } } });
      await addDeliveries(tx, scope, {
        itemKind: "document", itemId: old.id, versionId: oldVersion.id, stateHash: `replaced-by:${doc.id}`, kind: "withdraw", signatureStatus: null, routed: [],
      });
    }
  }

  return { externalId: item.externalId, outcome, itemKind: "document", itemId: doc.id, version: versionNumber, message: null };

  async function emitTransition(vid: string, wasPublishable: boolean) {
    if (publishable) {
      await addDeliveries(tx, scope, { itemKind: "document", itemId: doc!.id, versionId: vid, stateHash, kind: "publish", signatureStatus, routed });
    } else if (wasPublishable) {
      await addDeliveries(tx, scope, { itemKind: "document", itemId: doc!.id, versionId: vid, stateHash, kind: "withdraw", signatureStatus: null, routed: [] });
    }
  }
}

async function applyProcedure(
  tx: Tx,
  scope: IngestScope,
  prepared: PreparedItem & { item: CanonicalProcedure },
  sourceUpdatedAt: Date | null,
): Promise<ItemResult> {
  const { item, files } = prepared;
  const formHashes = files.map((f) => f.sha256);
  const contentHash = procedureContentHash(item, formHashes);
  const refKey = { sourceId_externalId: { sourceId: scope.sourceId, externalId: item.externalId } };
  const fields = {
    nationalCode: item.nationalCode,
    name: cleanText(item.name),
    agencyCode: item.agencyCode,
    field: item.fields.map((f) => f.name).join(", ") || null,
    level: item.levels.map((l) => l.name).join(", ") || null,
    status: item.status,
    searchText: foldVietnamese(`${item.code} ${item.name} ${item.fields.map((f) => f.name).join(" ")}`),
  };
  const { files: _files, ...data } = item;
  const versionData = {
    contentHash,
    decisionNumber: item.decisionNumber,
    sourceUpdatedAt: item.updatedAt ? new Date(item.updatedAt) : null,
    data: data as object,
    sourceId: scope.sourceId,
    files: { create: files.map((f, position) => ({ blobSha256: f.sha256, name: cleanText(f.ref.name), role: "form" as const, position })) },
  };
  const routed = routeItem(item, scope.sourceId, scope.rules);
  let proc = await tx.procedure.findUnique({ where: { code: item.code } });
  let outcome: Outcome;
  let versionId: string;
  let versionNumber: number;
  if (!proc) {
    proc = await tx.procedure.create({ data: { code: item.code, ...fields, currentVersion: 1 } });
    const version = await tx.procedureVersion.create({ data: { procedureId: proc.id, version: 1, ...versionData } });
    versionId = version.id;
    versionNumber = 1;
    outcome = "created";
    if (item.status === "active") {
      await addDeliveries(tx, scope, { itemKind: "procedure", itemId: proc.id, versionId, stateHash: contentHash, kind: "publish", signatureStatus: null, routed });
    }
  } else {
    const existing = await tx.procedureVersion.findUnique({ where: { procedureId_contentHash: { procedureId: proc.id, contentHash } } });
    if (existing) {
      versionId = existing.id;
      versionNumber = existing.version;
      outcome = "duplicate";
    } else {
      versionNumber = proc.currentVersion + 1;
      const version = await tx.procedureVersion.create({ data: { procedureId: proc.id, version: versionNumber, ...versionData } });
      versionId = version.id;
      const wasActive = proc.status === "active";
      await tx.procedure.update({ where: { id: proc.id }, data: { ...fields, currentVersion: versionNumber } });
      outcome = "updated";
      if (item.status === "active") {
        await addDeliveries(tx, scope, { itemKind: "procedure", itemId: proc.id, versionId, stateHash: contentHash, kind: "publish", signatureStatus: null, routed });
      } else if (wasActive) {
        await addDeliveries(tx, scope, { itemKind: "procedure", itemId: proc.id, versionId, stateHash: contentHash, kind: "withdraw", signatureStatus: null, routed: [] });
      }
    }
  }
  await tx.procedureSourceRef.upsert({
    where: refKey,
    create: { sourceId: scope.sourceId, externalId: item.externalId, procedureId: proc.id, sourceUpdatedAt },
    update: { sourceUpdatedAt },
  });
  return { externalId: item.externalId, outcome, itemKind: "procedure", itemId: proc.id, version: versionNumber, message: null };
}

/**
 * Procedures of a source missing from its full listing are abolished: a new
 * version with status "abolished" and abolition deliveries, never a delete.
 */
export async function abolishMissingProcedures(deps: IngestDeps, scope: IngestScope, present: Set<string>): Promise<number> {
  const refs = await deps.prisma.procedureSourceRef.findMany({
    where: { sourceId: scope.sourceId, procedure: { status: "active" } },
    include: { procedure: true },
  });
  let abolished = 0;
  for (const ref of refs) {
    if (present.has(ref.externalId)) continue;
    const current = await deps.prisma.procedureVersion.findUniqueOrThrow({
      where: { procedureId_version: { procedureId: ref.procedureId, version: ref.procedure.currentVersion } },
      include: { files: true },
    });
    const data = { ...(current.data as object), status: "abolished" } as Omit<CanonicalProcedure, "files">;
    const item = { ...data, files: [] } as CanonicalProcedure;
    const prepared: PreparedItem = {
      item,
      files: current.files.map((f) => ({ ref: { id: f.id, name: f.name, role: "form" as const, size: null, sha256: f.blobSha256 }, sha256: f.blobSha256, size: 0, mime: "" })),
      signatureStatus: "not-applicable",
    };
    await applyItem(deps, scope, prepared, ref.sourceUpdatedAt);
    abolished++;
  }
  return abolished;
}
