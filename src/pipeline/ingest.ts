// Ingest of one source item: fetch → download files → verify → dedup/version
// → outbox rows. I/O (fetch, download, verify) happens before the database
// transaction; the transaction then records the version and its deliveries
// together, so a version never exists without its outbox rows.

import { randomUUID } from "node:crypto";
import type { ItemRef, SourceClient } from "../../connectors/sdk.ts";
import { cleanText, foldVietnamese, mimeFromName, type CanonicalDocument, type CanonicalProcedure, type SourceFileRef, type SourceItem } from "../core/index.ts";
import type { BlobStore, Prisma, SqlRunner } from "../db/index.ts";
import type { Logger } from "../observability/index.ts";
import type { PrefixHashes } from "../verify/index.ts";
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
  /**
   * The same verdict on bytes in memory, whole or in pieces as received
   * (public uploads; `arrived`: their hash states taken as they came, which
   * the signed ranges resume from); absent in stand-ins for tests.
   */
  verifyBytes?(bytes: Uint8Array | readonly Uint8Array[], arrived?: PrefixHashes): Promise<{ status: string; report: unknown }>;
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
  /** Plain SQL on the same database, for the one-statement creation of a new document; without it every item takes the Prisma path. */
  sql?: SqlRunner | null;
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
  /**
   * Whether the source already had a ref for this item when its page was
   * prepared; false lets a new document take the one-statement path.
   */
  refExists?: boolean;
}

export class ItemRejected extends Error {}

/** What preparing one listed item came to: ready to apply, unchanged, or an error. */
export type PrepareOutcome = { ok: true; value: PreparedItem | "unchanged" } | { ok: false; error: Error };

/**
 * Everything before the transactions, for a page of items: item bodies, file
 * downloads into the blob store and signature verification run concurrently
 * (`concurrency` items at a time); the database work is batched per page —
 * one query each for the known source refs, the known blobs and the stored
 * signature reports, one insert each for the new blobs and the new reports.
 * One item's failure is its own: it comes back as { ok: false }.
 */
export async function preparePage(
  deps: IngestDeps,
  scope: IngestScope,
  refs: ItemRef[],
  concurrency: number,
  signal?: AbortSignal,
): Promise<PrepareOutcome[]> {
  const out = new Array<PrepareOutcome | undefined>(refs.length);
  const fail = (index: number, error: unknown) => {
    out[index] = { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  };
  const known = await knownSourceRefs(deps.prisma, scope.sourceId, refs);

  // 1. Item bodies (most listings carry them), validated.
  const items = await mapLimit(refs, concurrency, async (ref, index): Promise<SourceItem | null> => {
    const knownRef = known.get(ref.externalId);
    const knownAt = knownRef?.sourceUpdatedAt;
    if (knownAt && ref.updatedAt && knownAt.getTime() === new Date(ref.updatedAt).getTime()) {
      out[index] = { ok: true, value: "unchanged" };
      return null;
    }
    try {
      const item = ref.item ?? (await scope.client.fetchItem(ref.externalId, signal));
      validateItem(item);
      return item;
    } catch (error) {
      fail(index, error);
      return null;
    }
  });

  // 2. Files: reuse a blob the store and the database already have, else download.
  const announced = [...new Set(items.flatMap((item) => item?.files.flatMap((f) => (f.sha256 ? [f.sha256.toLowerCase()] : [])) ?? []))];
  const knownBlobs = new Map<string, { size: bigint; mime: string }>();
  if (announced.length > 0) {
    for (const blob of await deps.prisma.blob.findMany({ where: { sha256: { in: announced } }, select: { sha256: true, size: true, mime: true } })) {
      knownBlobs.set(blob.sha256, blob);
    }
  }
  const newBlobs = new Map<string, { sha256: string; size: bigint; mime: string }>();
  const newBlobsOf = new Map<number, string[]>();
  const files = await mapLimit(items, concurrency, async (item, index): Promise<PreparedItem["files"] | null> => {
    if (!item) return null;
    try {
      const stored: PreparedItem["files"] = [];
      for (const file of item.files) {
        const sha = file.sha256?.toLowerCase();
        const blob = sha ? knownBlobs.get(sha) : undefined;
        if (sha && blob && (await deps.blobs.has(sha))) {
          stored.push({ ref: file, sha256: sha, size: Number(blob.size), mime: blob.mime });
          continue;
        }
        const fetched = await scope.client.fetchFile(file, { maxBytes: deps.maxFileBytes, ...(signal ? { signal } : {}) });
        const put = await deps.blobs.put(fetched.body, {
          maxBytes: deps.maxFileBytes,
          expectedSha256: fetched.sha256 ?? file.sha256,
          expectedSize: fetched.size,
          ...(signal ? { signal } : {}),
        });
        const mime = fetched.mime.split(";")[0]!.trim() || (mimeFromName(file.name) ?? "application/octet-stream");
        if (!knownBlobs.has(put.sha256) && !newBlobs.has(put.sha256)) newBlobs.set(put.sha256, { sha256: put.sha256, size: BigInt(put.size), mime });
        newBlobsOf.set(index, [...(newBlobsOf.get(index) ?? []), put.sha256]);
        stored.push({ ref: file, sha256: put.sha256, size: put.size, mime });
      }
      return stored;
    } catch (error) {
      fail(index, error);
      return null;
    }
  });
  if (newBlobs.size > 0) {
    try {
      await deps.prisma.blob.createMany({ data: [...newBlobs.values()], skipDuplicates: true });
    } catch (error) {
      for (const index of newBlobsOf.keys()) fail(index, error);
    }
  }

  // 3. Signatures of the documents' main PDFs: stored reports first, then verify the rest.
  const statuses = await verifyMainFiles(deps, items, files, out, concurrency, fail);

  for (const [index, item] of items.entries()) {
    if (out[index] || !item) continue;
    out[index] = {
      ok: true,
      value: { item, files: files[index]!, signatureStatus: statuses.get(index) ?? "not-applicable", refExists: known.has(item.externalId) },
    };
  }
  return out.map((o) => o ?? { ok: false, error: new Error("item was not prepared") });
}

/** Source refs of either kind already stored for a page's items (the document's wins, as before). */
async function knownSourceRefs(prisma: Prisma, sourceId: string, refs: ItemRef[]): Promise<Map<string, { sourceUpdatedAt: Date | null }>> {
  const ids = [...new Set(refs.map((r) => r.externalId))];
  const known = new Map<string, { sourceUpdatedAt: Date | null }>();
  if (ids.length === 0) return known;
  const where = { sourceId, externalId: { in: ids } };
  const select = { externalId: true, sourceUpdatedAt: true } as const;
  const [docs, procs] = await Promise.all([prisma.documentSourceRef.findMany({ where, select }), prisma.procedureSourceRef.findMany({ where, select })]);
  for (const r of procs) known.set(r.externalId, r);
  for (const r of docs) known.set(r.externalId, r);
  return known;
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

function mainPdfs(files: PreparedItem["files"]): PreparedItem["files"] {
  return files.filter((f) => f.ref.role === "main" && (f.mime === "application/pdf" || /\.pdf$/i.test(f.ref.name)));
}

/**
 * The worst signature status of each document's main PDFs, by item index. A
 * report stored under the same policy is reused; each missing blob is verified
 * once and its report stored (one insert for the page).
 */
async function verifyMainFiles(
  deps: IngestDeps,
  items: (SourceItem | null)[],
  files: (PreparedItem["files"] | null)[],
  out: (PrepareOutcome | undefined)[],
  concurrency: number,
  fail: (index: number, error: unknown) => void,
): Promise<Map<number, string>> {
  const statuses = new Map<number, string>();
  const pending: number[] = [];
  for (const [index, item] of items.entries()) {
    if (!item || out[index] || item.kind !== "document") continue;
    const pdfs = mainPdfs(files[index]!);
    if (pdfs.length === 0) statuses.set(index, "unsigned");
    else if (!deps.verifier) statuses.set(index, "not-verified");
    else pending.push(index);
  }
  const verifier = deps.verifier;
  if (!verifier || pending.length === 0) return statuses;

  const wanted = [...new Set(pending.flatMap((index) => mainPdfs(files[index]!).map((f) => f.sha256)))];
  const status = new Map<string, string>();
  for (const r of await deps.prisma.signatureReport.findMany({
    where: { policyKey: verifier.policyKey, blobSha256: { in: wanted } },
    select: { blobSha256: true, status: true },
  })) {
    status.set(r.blobSha256, r.status);
  }
  const failures = new Map<string, unknown>();
  const reports: { blobSha256: string; policyKey: string; status: string; report: object }[] = [];
  await mapLimit(
    wanted.filter((sha) => !status.has(sha)),
    concurrency,
    async (sha) => {
      try {
        const result = await verifier.verifyFile(deps.blobs.pathOf(sha));
        status.set(sha, result.status);
        reports.push({ blobSha256: sha, policyKey: verifier.policyKey, status: result.status, report: result.report as object });
      } catch (error) {
        failures.set(sha, error);
      }
    },
  );
  if (reports.length > 0) {
    try {
      for (let i = 0; i < reports.length; i += 100) {
        await deps.prisma.signatureReport.createMany({ data: reports.slice(i, i + 100), skipDuplicates: true });
      }
    } catch (error) {
      for (const r of reports) failures.set(r.blobSha256, error);
    }
  }
  for (const index of pending) {
    let worst = "valid";
    let failure: unknown = null;
    for (const file of mainPdfs(files[index]!)) {
      if (failures.has(file.sha256)) {
        failure = failures.get(file.sha256);
        break;
      }
      const s = status.get(file.sha256)!;
      if ((STATUS_RANK[s] ?? 5) > (STATUS_RANK[worst] ?? 0)) worst = s;
    }
    if (failure !== null) fail(index, failure);
    else statuses.set(index, worst);
  }
  return statuses;
}

/** Runs `fn` over `items`, at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return out;
}


/** The transaction: dedup, version, routing and outbox rows, all or nothing. */
export async function applyItem(deps: IngestDeps, scope: IngestScope, prepared: PreparedItem, sourceUpdatedAt: Date | null): Promise<ItemResult> {
  if (prepared.item.kind === "document" && prepared.refExists === false && !prepared.item.replacesExternalId && deps.sql) {
    const created = await createNewDocument(deps.sql, scope, prepared as PreparedItem & { item: CanonicalDocument }, sourceUpdatedAt);
    if (created) return created;
  }
  return deps.prisma.$transaction(
    (tx) =>
      prepared.item.kind === "document"
        ? applyDocument(tx, scope, prepared as PreparedItem & { item: CanonicalDocument }, sourceUpdatedAt)
        : applyProcedure(tx, scope, prepared as PreparedItem & { item: CanonicalProcedure }, sourceUpdatedAt),
    { timeout: 30_000, maxWait: 30_000 },
  );
}

/** The Document columns an item sets (create and update alike). */
function documentFields(item: CanonicalDocument, identityKey: string) {
  return {
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
    searchText: documentSearchText(item),
  };
}

/**
 * The hot path of a first ingest: a document the source never gave before
 * and whose identity is new. Document, version 1, its files, its outbox rows
 * and the source ref go in as one statement (atomic on its own, so no
 * transaction round trips). Returns null when the identity already exists, or
 * the ref appeared meanwhile: the caller then takes the general path, which
 * sees those rows. Same rows and values as applyDocument's creation branch.
 */
async function createNewDocument(
  sql: SqlRunner,
  scope: IngestScope,
  prepared: PreparedItem & { item: CanonicalDocument },
  sourceUpdatedAt: Date | null,
): Promise<ItemResult | null> {
  const { item, files, signatureStatus } = prepared;
  const identityKey = documentIdentityKey(item);
  const fields = documentFields(item, identityKey);
  const metadata = documentMetadata(item);
  const stateHash = metadataHash(metadata);
  const now = new Date().toISOString();
  const documentId = randomUUID();
  const versionId = randomUUID();
  // A document first seen withdrawn or replaced is recorded, never posted.
  const publishable = item.isPublic && item.status === "issued";
  const deliveries = (publishable ? routeItem(item, scope.sourceId, scope.rules) : []).flatMap((sectionId) => {
    const policy = scope.sections.get(sectionId);
    if (!policy || !policy.enabled) return [];
    const event = "document.published";
    const state = deliveryState(policy, signatureStatus);
    return [{ id: randomUUID(), siteId: policy.siteId, sectionId, event, dedupKey: `${sectionId}|${event}|${versionId}|${stateHash}`, messageId: randomUUID(), ...state }];
  });
  let rows: { id: string }[];
  try {
    ({ rows } = await sql.query<{ id: string }>(CREATE_DOCUMENT_SQL, [
      documentId, identityKey, fields.numberKey, fields.number, fields.docType, fields.title, fields.issuerCode, fields.issuerName,
      item.issuedDate, fields.field, fields.signerName, fields.signerPosition, fields.urgency, fields.isPublic, fields.status, fields.searchText,
      now, versionId, filesContentHash(files.map((f) => f.sha256)), JSON.stringify(metadata), scope.sourceId, signatureStatus,
      files.map(() => randomUUID()), files.map((f) => f.sha256), files.map((f) => cleanText(f.ref.name)), files.map((f) => f.ref.role), files.map((_, i) => i),
      deliveries.map((d) => d.id), deliveries.map((d) => d.siteId), deliveries.map((d) => d.sectionId), deliveries.map((d) => d.event),
      deliveries.map((d) => d.dedupKey), deliveries.map((d) => d.messageId), deliveries.map((d) => d.state), deliveries.map((d) => d.note),
      item.externalId, sourceUpdatedAt ? sourceUpdatedAt.toISOString() : null,
    ]));
  } catch (error) {
    if ((error as { code?: string }).code === "23505") return null; // unique violation: someone else's rows; general path
    throw error;
  }
  if (rows.length === 0) return null;
  return { externalId: item.externalId, outcome: "created", itemKind: "document", itemId: documentId, version: 1, message: null };
}

// Timestamps are written as UTC wall time, as Prisma does for TIMESTAMP(3).
const CREATE_DOCUMENT_SQL = `
WITH doc AS (
  INSERT INTO "Document" ("id", "identityKey", "numberKey", "number", "docType", "title", "issuerCode", "issuerName", "issuedDate", "field",
    "signerName", "signerPosition", "urgency", "isPublic", "status", "replacesId", "currentVersion", "searchText", "createdAt", "updatedAt")
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::date, $10, $11, $12, $13, $14, $15::"DocumentStatus", NULL, 1, $16, $17::timestamp, $17::timestamp)
  ON CONFLICT ("identityKey") DO NOTHING
  RETURNING "id"
), version AS (
  INSERT INTO "DocumentVersion" ("id", "documentId", "version", "contentHash", "metadata", "sourceId", "signatureStatus", "createdAt")
  SELECT $18, doc."id", 1, $19, $20::jsonb, $21, $22, $17::timestamp FROM doc
  RETURNING "id"
), files AS (
  INSERT INTO "FileAttachment" ("id", "blobSha256", "name", "role", "position", "documentVersionId")
  SELECT f.id, f.sha, f.name, f.role::"FileRole", f.pos, version."id"
  FROM version, unnest($23::text[], $24::text[], $25::text[], $26::text[], $27::int[]) AS f(id, sha, name, role, pos)
), deliveries AS (
  INSERT INTO "Delivery" ("id", "siteId", "sectionId", "itemKind", "itemId", "documentVersionId", "event", "dedupKey", "messageId", "state",
    "attempts", "nextAttemptAt", "reviewNote", "createdAt", "updatedAt")
  SELECT d.id, d.site, d.section, 'document'::"ItemKind", doc."id", version."id", d.event, d.dedup, d.message, d.state::"DeliveryState",
    0, $17::timestamp, d.note, $17::timestamp, $17::timestamp
  FROM doc, version, unnest($28::text[], $29::text[], $30::text[], $31::text[], $32::text[], $33::text[], $34::text[], $35::text[])
    AS d(id, site, section, event, dedup, message, state, note)
  ON CONFLICT DO NOTHING
), ref AS (
  INSERT INTO "DocumentSourceRef" ("sourceId", "externalId", "documentId", "sourceUpdatedAt", "createdAt")
  SELECT $21, $36, doc."id", $37::timestamp, $17::timestamp FROM doc
)
SELECT "id" FROM doc`;

const PUBLISHABLE_SIGNATURES = new Set(["valid"]);

/** Whether a new delivery waits for a clerk, and why. */
export function deliveryState(policy: SectionPolicy, signatureStatus: string | null): { state: "held" | "pending"; note: string | null } {
  // an unreadable file (truncated, damaged, not a PDF) is never published unseen, allowUnverified or not
  if (signatureStatus === "error") return { state: "held", note: "main file unreadable (signature check: error): held for review" };
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
    /**
     * publish: to the routed sections. withdraw: to the sections that were
     * sent the item. retire: a procedure first seen abolished, to the routed
     * sections not yet told (see applyProcedure).
     */
    kind: "publish" | "withdraw" | "retire";
    signatureStatus: string | null;
    routed: string[];
    fresh?: boolean;
  },
): Promise<number> {
  // A document or procedure created in this transaction has no deliveries yet.
  const prior = input.fresh ? new Map<string, string>() : await sectionsWithDeliveries(tx, input.itemId);
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
  } else if (input.kind === "retire") {
    for (const sectionId of input.routed) {
      const policy = scope.sections.get(sectionId);
      if (!policy || !policy.enabled) continue;
      if (prior.get(sectionId)?.endsWith(".abolished")) continue; // told once
      // Like a withdrawal, not held for review: there is nothing to approve.
      rows.push(row(policy, `${prefix}.abolished`, { state: "pending", note: null }));
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

async function addAttachments(tx: Tx, documentVersionId: string, attachments: { blobSha256: string; name: string; role: "main" | "appendix" | "form"; position: number }[]) {
  if (attachments.length > 0) await tx.fileAttachment.createMany({ data: attachments.map((a) => ({ ...a, documentVersionId })) });
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

  const fields = { ...documentFields(item, identityKey), replacesId: replaces?.documentId ?? doc?.replacesId ?? null };
  const attachments = files.map((f, position) => ({ blobSha256: f.sha256, name: cleanText(f.ref.name), role: f.ref.role, position }));
  const routed = routeItem(item, scope.sourceId, scope.rules);

  let outcome: Outcome;
  let versionId: string;
  let versionNumber: number;
  if (!doc) {
    doc = await tx.document.create({ data: { ...fields, identityKey, currentVersion: 1 } });
    const version = await tx.documentVersion.create({
      data: { documentId: doc.id, version: 1, contentHash, metadata: metadataJson, sourceId: scope.sourceId, signatureStatus },
      select: { id: true },
    });
    await addAttachments(tx, version.id, attachments);
    outcome = "created";
    versionId = version.id;
    versionNumber = 1;
    // A document first seen withdrawn or replaced is recorded, never posted.
    if (publishable) {
      await addDeliveries(tx, scope, { itemKind: "document", itemId: doc.id, versionId, stateHash, kind: "publish", signatureStatus, routed, fresh: true });
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
        data: { documentId: doc.id, version: versionNumber, contentHash, metadata: metadataJson, sourceId: scope.sourceId, signatureStatus },
        select: { id: true },
      });
      await addAttachments(tx, version.id, attachments);
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
      await addDeliveries(tx, scope, { itemKind: "procedure", itemId: proc.id, versionId, stateHash: contentHash, kind: "publish", signatureStatus: null, routed, fresh: true });
    } else {
      // Unlike a document, a procedure first seen abolished is announced:
      // portals list procedures typed in by hand, keyed by MATTHC, and need
      // the abolition (with the code) to retire their own copy.
      await addDeliveries(tx, scope, { itemKind: "procedure", itemId: proc.id, versionId, stateHash: contentHash, kind: "retire", signatureStatus: null, routed, fresh: true });
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
      } else {
        // Still abolished: sections routed since (or never told, e.g. stored
        // before abolitions were announced) hear it once.
        await addDeliveries(tx, scope, { itemKind: "procedure", itemId: proc.id, versionId, stateHash: contentHash, kind: "retire", signatureStatus: null, routed });
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
