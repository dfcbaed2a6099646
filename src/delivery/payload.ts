// The contract's `data` object (shared/contracts/portals.md) for one item
// version on one site/section, and the decision of what to send for an outbox
// row given what the site already has. Pure: snapshots come from snapshot.ts,
// file links from an injected function, so the same input always gives the
// same bytes (a retried webhook must carry identical data).

import { cleanFileName, type CanonicalProcedure, type SourceFileRef } from "../core/index.ts";
import { verifyUrl } from "./published.ts";

export interface FileSnapshot {
  name: string;
  mime: string;
  size: number;
  sha256: string;
  role: "main" | "appendix" | "form";
}

export interface DocumentSnapshot {
  kind: "document";
  /** Hub document id (stable across versions). */
  id: string;
  version: number;
  number: string;
  docType: string | null;
  title: string;
  issuer: string;
  signer: { name: string; position: string | null } | null;
  /** YYYY-MM-DD */
  issuedAt: string;
  field: string | null;
  /** Hub id of the document this one replaces. */
  replaces: string | null;
  signatureStatus: string;
  files: FileSnapshot[];
  /** Verify-report lines (contracts/verify-report.md) by blob SHA-256. */
  reports: Record<string, unknown>;
}

export interface ProcedureSnapshot {
  kind: "procedure";
  id: string;
  version: number;
  /** The canonical procedure as stored with the version (files omitted). */
  data: Partial<Omit<CanonicalProcedure, "files">>;
  files: FileSnapshot[];
}

export type ItemSnapshot = DocumentSnapshot | ProcedureSnapshot;

export interface FileData {
  name: string;
  mime: string;
  size: number;
  sha256: string;
  url: string;
  /** The hub's public verification page for these bytes (/tra-cuu/{sha256}), when the caller gives a base. */
  verifyUrl?: string;
}

export interface Signer {
  commonName: string | null;
  organization: string | null;
  signingTime: string | null;
}

export type LinkFor = (file: FileSnapshot) => string;

export interface DataTarget {
  site: string;
  section: string;
  /** The portal's id for the item, sent back on updates and withdrawals. */
  remoteId: string | null;
  /** Base URL of the hub's public pages: each file gets `verifyUrl` = {verifyBase}/tra-cuu/{sha256}. */
  verifyBase?: string | null;
}

export function buildData(item: ItemSnapshot, target: DataTarget, link: LinkFor): Record<string, unknown> {
  const base = { id: item.id, version: item.version, site: target.site, section: target.section };
  const verifyBase = target.verifyBase;
  const linked: FileLinker = (file) => fileData(file, link, verifyBase);
  const data = item.kind === "document" ? { ...base, ...documentFields(item, linked) } : { ...base, ...procedureFields(item, linked) };
  // Omitted rather than null when unknown: "remoteId when known".
  return target.remoteId ? { ...data, remoteId: target.remoteId } : data;
}

type FileLinker = (file: FileSnapshot) => FileData;

function fileData(file: FileSnapshot, link: LinkFor, verifyBase: string | null | undefined): FileData {
  const data: FileData = { name: file.name, mime: file.mime, size: file.size, sha256: file.sha256, url: link(file) };
  if (verifyBase) data.verifyUrl = verifyUrl(verifyBase, file.sha256);
  return data;
}

function documentFields(doc: DocumentSnapshot, link: FileLinker) {
  const signers: Signer[] = [];
  for (const file of doc.files) {
    if (file.role !== "main") continue;
    signers.push(...signersFromReport(doc.reports[file.sha256]));
  }
  return {
    number: doc.number,
    docType: doc.docType,
    title: doc.title,
    issuer: doc.issuer,
    signer: doc.signer ? { name: doc.signer.name, position: doc.signer.position } : null,
    issuedAt: doc.issuedAt,
    field: doc.field,
    replaces: doc.replaces,
    files: doc.files.map(link),
    signature: { status: doc.signatureStatus, signers },
  };
}

/** Signers of one verify-report line; tolerant of partial or foreign reports. */
export function signersFromReport(report: unknown): Signer[] {
  if (!report || typeof report !== "object") return [];
  const signatures = (report as { signatures?: unknown }).signatures;
  if (!Array.isArray(signatures)) return [];
  return signatures.map((s) => {
    const sig = (s ?? {}) as { signer?: { commonName?: unknown; organization?: unknown } | null; signingTime?: unknown };
    return {
      commonName: str(sig.signer?.commonName),
      organization: str(sig.signer?.organization),
      signingTime: str(sig.signingTime),
    };
  });
}

function procedureFields(proc: ProcedureSnapshot, link: FileLinker) {
  const p = proc.data;
  const names = (list: { name: string }[] | undefined) => (list ?? []).map((x) => x.name).join(", ") || null;
  const formFile = (ref: SourceFileRef | null | undefined): FileData | null => {
    if (!ref) return null;
    // Forms are stored as attachments of the version; match by hash, else by name.
    const file = proc.files.find((f) => ref.sha256 && f.sha256 === ref.sha256.toLowerCase()) ?? proc.files.find((f) => f.name === cleanFileName(ref.name));
    return file ? link(file) : null;
  };
  return {
    code: p.code ?? null,
    nationalCode: p.nationalCode ?? null,
    name: p.name ?? null,
    decisionNumber: p.decisionNumber ?? null,
    procedureType: p.procedureType ?? null,
    field: names(p.fields),
    fields: p.fields ?? [],
    level: names(p.levels),
    levels: p.levels ?? [],
    audiences: p.audiences ?? [],
    agencies: p.agencies ?? [],
    steps: p.steps ?? [],
    ways: (p.channels ?? []).map((c) => ({
      channel: c.channel,
      timeLimits: (c.timeLimits ?? []).map((t) => ({ amount: t.amount, unit: t.unit, description: t.description, fees: t.fees ?? [] })),
    })),
    dossier: (p.dossier ?? []).map((d) => ({
      case: d.case,
      documents: (d.documents ?? []).map((doc) => ({
        code: doc.code,
        name: doc.name,
        originals: doc.originals,
        copies: doc.copies,
        form: formFile(doc.form),
      })),
    })),
    results: p.results ?? [],
    legalBases: p.legalBases ?? [],
    requirements: p.requirements ?? null,
    audienceDescription: p.audienceDescription ?? null,
    submissionAddress: p.submissionAddress ?? null,
    status: p.status ?? "active",
    files: proc.files.map(link),
  };
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** RFC 3339 without milliseconds, as in the contract's example. */
export function contractTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The exact JSON that is signed and sent. */
export function messageBody(type: string, at: Date, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: contractTime(at), data });
}

// ─── What to send for one outbox row ─────────────────────────────────────────

export interface PriorDelivery {
  /** Event of the newest delivery the site acknowledged for this item/section. */
  event: string;
  version: number;
}

export type WireDecision = { send: true; type: string; remoteId: string | null } | { send: false; reason: string };

/**
 * The row records what changed at the source; the portal needs it phrased
 * against what it already has. An update the site never saw the original of
 * (the publish was rejected by a clerk or died) becomes a publish; a publish
 * of an item the site already holds (a re-publish after a withdrawal) goes to
 * the same remote item as an update; a withdrawal of a document the site never
 * got is not sent (an abolished procedure is: see below); an older version than the site has is not sent either, so
 * a replay never rolls a portal back.
 */
export function decideWire(
  row: { event: string; version: number },
  prior: PriorDelivery | null,
  remoteId: string | null,
): WireDecision {
  const [kind, verb] = row.event.split(".") as [string, string];
  // Only what *other* rows achieved counts: a remoteId the portal returned for
  // this very message (acknowledged, then the hub crashed before recording the
  // row) must not change what a resend of it says.
  if (!prior) {
    // Portals keep hand-typed copies of procedures, keyed by code (MATTHC): an
    // abolition is news to them even for a procedure the hub never sent.
    if (row.event === "procedure.abolished") return { send: true, type: row.event, remoteId: null };
    if (verb === "withdrawn" || verb === "abolished") {
      return { send: false, reason: "the site never received this item, so there is nothing to withdraw" };
    }
    return { send: true, type: `${kind}.published`, remoteId: null };
  }
  if (verb === "withdrawn" || verb === "abolished") return { send: true, type: row.event, remoteId };
  if (prior.version > row.version) return { send: false, reason: `superseded: the site already has version ${prior.version}` };
  if (remoteId) return { send: true, type: `${kind}.updated`, remoteId };
  return { send: true, type: row.event, remoteId: null };
}
