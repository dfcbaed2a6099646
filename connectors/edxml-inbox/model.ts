// edXML package model: limits, options, errors and the parsed shapes. Shared
// by the parser modules and by callers (the iOffice connector, the inbox).

import type { CanonicalDocument } from "../../src/core/index.ts";

export const EDXML_NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
export const XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#";

export interface EdxmlLimits {
  /** Largest package accepted (bytes of XML). */
  maxBytes: number;
  /** Deepest element nesting. Real packages nest about 8 levels. */
  maxDepth: number;
  maxAttachments: number;
  /** Largest decoded attachment (after unzipping). */
  maxAttachmentBytes: number;
  /** All decoded attachments together. */
  maxTotalAttachmentBytes: number;
  /** Entries the attachment ZIP may list (the standard puts exactly one file in it). */
  maxZipEntries: number;
  /** Highest ZIP compression ratio, judged once an entry passes 1 MB. */
  maxCompressionRatio: number;
}

export const DEFAULT_EDXML_LIMITS: EdxmlLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxDepth: 32,
  maxAttachments: 20,
  maxAttachmentBytes: 40 * 1024 * 1024,
  maxTotalAttachmentBytes: 100 * 1024 * 1024,
  maxZipEntries: 4,
  maxCompressionRatio: 100,
};

export interface EdxmlParseOptions extends Partial<EdxmlLimits> {
  /**
   * edXML has no "public" flag. false (default): documents are not public
   * unless the caller decides so; an inbox whose whole purpose is publishing
   * passes true. A restricted sphere ("nội bộ", "mật") is never public.
   */
  assumePublic?: boolean;
  /**
   * "throw" (default): any broken attachment fails the package.
   * "keep": the attachment is kept with `error` set, for diagnostics and for
   * reading metadata out of damaged packages.
   */
  onAttachmentError?: "throw" | "keep";
}

export type EdxmlErrorCode =
  | "too-large"
  | "not-utf8"
  | "dtd-forbidden"
  | "malformed-xml"
  | "too-deep"
  | "not-edxml"
  | "missing-field"
  | "bad-attachment"
  | "attachment-limit"
  | "status-message";

export class EdxmlError extends Error {
  constructor(
    message: string,
    readonly code: EdxmlErrorCode,
  ) {
    super(message);
    this.name = "EdxmlError";
  }
}

export interface EdxmlOrgan {
  organId: string | null;
  name: string;
  organizationInCharge: string | null;
}

/** 0 new, 1 revocation (thu hồi), 2 update (cập nhật), 3 replacement (thay thế). */
export type BusinessDocType = 0 | 1 | 2 | 3;
export const BUSINESS_DOC_TYPE_NAMES = { 0: "new", 1: "revocation", 2: "update", 3: "replacement" } as const;

export interface EdxmlDocumentId {
  organId: string;
  /** YYYY-MM-DD, or the text as written when it is not a real date (2014/02/30 occurs in the wild). */
  date: string;
  number: string;
}

export interface EdxmlAttachment {
  contentId: string | null;
  /** AttachmentName as sent (NFC). */
  name: string;
  description: string | null;
  /** ContentType as declared (often application/zip, describing the transfer form). */
  declaredContentType: string | null;
  /** Name of the ZIP entry the bytes came from; null when the sender did not zip. */
  entryName: string | null;
  /** MIME type judged from the bytes (then the names). */
  mime: string;
  /**
   * Decoded bytes in memory (parseEdxmlPackage); null for a broken attachment
   * kept with onAttachmentError "keep", and when the bytes went to `file`.
   */
  bytes: Uint8Array | null;
  /** Where the decoded bytes were written (parseEdxmlFile); null when they are in `bytes` or broken. */
  file: string | null;
  size: number;
  sha256: string | null;
  error: string | null;
}

export interface EdxmlSignatureInfo {
  /** Whether the element carried the xmldsig namespace (it often does not). */
  namespaced: boolean;
  signatureMethod: string | null;
  /** Base64 DER certificates from KeyInfo/X509Data. */
  certificates: string[];
  subjectName: string | null;
}

export interface EdxmlHeader {
  from: EdxmlOrgan;
  to: EdxmlOrgan[];
  /** MessageHeader/DocumentId as written; see `documentIdParts`. */
  documentId: string | null;
  documentIdParts: EdxmlDocumentId | null;
  code: { number: string; notation: string } | null;
  /** Số ký hiệu built from CodeNumber/CodeNotation (NFC). */
  number: string;
  promulgation: { place: string | null; date: string | null };
  documentType: { type: string | null; typeDetail: string | null; typeName: string | null };
  subject: string;
  content: string | null;
  signer: { competence: string | null; position: string | null; fullName: string } | null;
  dueDate: string | null;
  priority: number | null;
  sphereOfPromulgation: string | null;
  steeringType: string | null;
  toPlaces: string[];
  appendixes: string[];
  responseFor: { organId: string | null; code: string | null; documentId: string | null; promulgationDate: string | null } | null;
  traces: { organId: string | null; timestamp: string | null }[];
  business: {
    docType: BusinessDocType;
    reason: string | null;
    documentId: string | null;
    /** DocumentIds this package replaces (ReplacementInfo), de-duplicated. */
    replaces: string[];
  } | null;
}

export interface EdxmlDocumentPackage {
  kind: "document";
  header: EdxmlHeader;
  signature: EdxmlSignatureInfo | null;
  attachments: EdxmlAttachment[];
  /** The hub's view; file ids are the attachments' positions ("1", "2", …). */
  document: CanonicalDocument;
  warnings: string[];
}

export interface EdxmlStatusPackage {
  kind: "status";
  /** Always "status message, not a document". */
  message: string;
  from: EdxmlOrgan;
  statusCode: string;
  description: string | null;
  timestamp: string | null;
  responseFor: EdxmlHeader["responseFor"];
}

export type EdxmlPackage = EdxmlDocumentPackage | EdxmlStatusPackage;

export const STATUS_MESSAGE_NOTE = "status message, not a document";

/** QCVN 102 status codes, for messages operators read. */
export const EDXML_STATUS_CODES: Record<string, string> = {
  "01": "Đã đến",
  "02": "Từ chối tiếp nhận",
  "03": "Đã tiếp nhận",
  "04": "Phân công",
  "05": "Đang xử lý",
  "06": "Hoàn thành",
  "13": "Lấy lại",
  "15": "Đồng ý cập nhật/lấy lại",
  "16": "Từ chối cập nhật/lấy lại",
};
