// The canonical model every connector maps its source into. Field names are
// the hub's (English); connectors own the mapping from source field names.

export type FileRole = "main" | "appendix" | "form";

/** A file as the source describes it, before it is downloaded. */
export interface SourceFileRef {
  /** Source-side file id, passed back to the connector's fetchFile. */
  id: string;
  name: string;
  role: FileRole;
  size: number | null;
  /** Lower-case hex SHA-256 when the source knows it (verified on download). */
  sha256: string | null;
  mime?: string | null;
}

export interface Party {
  code: string | null;
  name: string;
}

/** A document (văn bản) from a source. */
export interface CanonicalDocument {
  kind: "document";
  /** Source-side id (e.g. iOffice "VB-2026-000123"). */
  externalId: string;
  /** Số ký hiệu as the source wrote it (NFC). */
  number: string;
  /** Loại văn bản, e.g. "Quyết định"; null for a Công văn without a type. */
  docType: string | null;
  /** Trích yếu. */
  title: string;
  issuer: Party;
  /** Ngày ban hành, YYYY-MM-DD. */
  issuedDate: string;
  signer: { name: string; position: string | null } | null;
  field: string | null;
  urgency: string | null;
  /** cong_khai: only public documents may ever reach a portal. */
  isPublic: boolean;
  /** issued, or withdrawn (thu_hoi), or replaced by a newer one (thay_the). */
  status: "issued" | "withdrawn" | "replaced";
  /** Source-side id of the document this one replaces (thay_the_cho). */
  replacesExternalId: string | null;
  /** Source-side change time, ISO-8601 with offset. */
  updatedAt: string;
  files: SourceFileRef[];
}

export interface TimeLimit {
  amount: string;
  unit: string;
  description: string;
  fees: { code: string; amount: string; currency: string; description: string }[];
}

/** An administrative procedure (thủ tục hành chính). */
export interface CanonicalProcedure {
  kind: "procedure";
  /** MATTHC: identifies the procedure across versions. */
  externalId: string;
  code: string;
  /** National code (ID), e.g. "1.001193". */
  nationalCode: string | null;
  name: string;
  agencyCode: string | null;
  /** Quyết định công bố. */
  decisionNumber: string | null;
  procedureType: string | null;
  status: "active" | "abolished";
  updatedAt: string;
  levels: { code: string; name: string }[];
  fields: { code: string; name: string }[];
  audiences: { code: string; name: string }[];
  steps: { case: string; steps: string[] }[];
  /** KENH 1 in person, 2 online, 3 by post. */
  channels: { channel: "in-person" | "online" | "post" | string; timeLimits: TimeLimit[] }[];
  dossier: {
    case: string;
    documents: { code: string; name: string; originals: number; copies: number; form: SourceFileRef | null }[];
  }[];
  results: { code: string; name: string }[];
  legalBases: { number: string; title: string; issuer: string; issuedDate: string | null }[];
  agencies: Party[];
  requirements: string;
  audienceDescription: string;
  submissionAddress: string;
  /** Form templates (also referenced from dossier). */
  files: SourceFileRef[];
}

export type SourceItem = CanonicalDocument | CanonicalProcedure;
export type ItemKind = SourceItem["kind"];
