// edXML (QCVN 102:2016/BTTTT) package parser: pure, no I/O. Shared with the
// iOffice connector's edXML endpoint; keep `parseEdxmlPackage`'s name and
// signature stable.
//
// Real packages (../shared/fixtures/edxml) mix prefixed `edXML:` elements with
// unprefixed ones that inherit the default namespace, carry an XMLDSig block
// with or without its namespace, and put `AttachmentEncoded` outside the
// envelope. Attachments are base64 of a ZIP holding one entry; some senders
// skip the ZIP. Everything untrusted is bounded: input size, nesting depth,
// attachment count and sizes, ZIP entries and ratios. DTDs are refused outright
// because entity expansion is the classic XML denial of service.

import { createHash } from "node:crypto";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { CanonicalDocument, Party, SourceFileRef } from "../../src/core/index.ts";
import { cleanText, MIME_BY_EXTENSION, nfc } from "../../src/core/index.ts";
import { looksLikeZip, unzipBounded, ZipError } from "./zip.ts";

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
  /** Decoded bytes; null only with onAttachmentError "keep" and a broken attachment. */
  bytes: Uint8Array | null;
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

/** Priority (độ khẩn) codes of QCVN 102. */
const PRIORITY_NAMES = ["Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc", "Hỏa tốc hẹn giờ"];

// ─── Element tree ────────────────────────────────────────────────────────────

interface El {
  local: string;
  ns: string | null;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

type OrderedNode = Record<string, unknown>;

const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/gu;
function decodeEntities(value: string): string {
  // processEntities is off (no DTD entities ever), so the five predefined
  // entities and character references are decoded here by hand.
  if (!value.includes("&")) return value;
  return value.replace(ENTITY, (whole, name: string) => {
    switch (name) {
      case "amp": return "&";
      case "lt": return "<";
      case "gt": return ">";
      case "quot": return '"';
      case "apos": return "'";
      default: {
        const code = name.startsWith("#x") ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
    }
  });
}

function splitName(qname: string): { prefix: string | null; local: string } {
  const colon = qname.indexOf(":");
  return colon < 0 ? { prefix: null, local: qname } : { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) };
}

function buildTree(nodes: OrderedNode[], scope: Map<string | null, string>): El[] {
  const out: El[] = [];
  for (const node of nodes) {
    const qname = Object.keys(node).find((key) => key !== ":@");
    if (!qname || qname === "#text" || qname.startsWith("?")) continue;
    const rawAttrs = (node[":@"] ?? {}) as Record<string, unknown>;
    const attrs: Record<string, string> = {};
    let localScope = scope;
    for (const [key, value] of Object.entries(rawAttrs)) {
      const name = key.startsWith("@_") ? key.slice(2) : key;
      const text = decodeEntities(String(value));
      if (name === "xmlns" || name.startsWith("xmlns:")) {
        if (localScope === scope) localScope = new Map(scope);
        localScope.set(name === "xmlns" ? null : name.slice(6), text);
      } else {
        attrs[name] = text;
      }
    }
    const { prefix, local } = splitName(qname);
    const rawChildren = (node[qname] ?? []) as OrderedNode[];
    let text = "";
    for (const child of rawChildren) {
      if (typeof child["#text"] !== "undefined") text += String(child["#text"]);
    }
    out.push({
      local,
      ns: localScope.get(prefix) ?? null,
      attrs,
      children: buildTree(rawChildren, localScope),
      text: decodeEntities(text),
    });
  }
  return out;
}

function child(el: El | null | undefined, local: string): El | null {
  return el?.children.find((c) => c.local === local) ?? null;
}
function childrenOf(el: El | null | undefined, local: string): El[] {
  return el ? el.children.filter((c) => c.local === local) : [];
}
function path(el: El | null | undefined, ...locals: string[]): El | null {
  let at: El | null | undefined = el;
  for (const local of locals) at = child(at, local);
  return at ?? null;
}
/** Cleaned text of a child, or null when absent or empty. */
function textOf(el: El | null | undefined, ...locals: string[]): string | null {
  const target = locals.length ? path(el, ...locals) : el;
  if (!target) return null;
  const value = cleanText(target.text);
  return value === "" ? null : value;
}
function findDeep(el: El, local: string, maxDepth = 6): El | null {
  if (maxDepth < 0) return null;
  for (const c of el.children) {
    if (c.local === local) return c;
    const found = findDeep(c, local, maxDepth - 1);
    if (found) return found;
  }
  return null;
}

// ─── Field helpers (exported for the iOffice connector and tests) ───────────

/** "2015/09/30" (also "2015-09-30") → "2015-09-30"; null when not a real calendar date. */
export function parseEdxmlDate(value: string | null | undefined): string | null {
  const match = /^\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})\s*$/u.exec(value ?? "");
  if (!match) return null;
  const [, y = "", m = "", d = ""] = match;
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return `${y}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** "2018/06/20 16:35:56" in Vietnam time → "2018-06-20T16:35:56+07:00"; null when unreadable. */
export function parseEdxmlTimestamp(value: string | null | undefined): string | null {
  const match = /^\s*(\d{4}[/-]\d{1,2}[/-]\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$/u.exec(value ?? "");
  if (!match) return null;
  const date = parseEdxmlDate(match[1]);
  if (!date) return null;
  const hh = Number(match[2] ?? "0");
  const mm = Number(match[3] ?? "0");
  const ss = Number(match[4] ?? "0");
  if (hh > 23 || mm > 59 || ss > 59) return null;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date}T${pad(hh)}:${pad(mm)}:${pad(ss)}+07:00`;
}

/** `OrganId,yyyy/MM/dd,Number/Notation` → parts; null for other shapes (UUIDs occur). */
export function parseEdxmlDocumentId(value: string | null | undefined): EdxmlDocumentId | null {
  const text = nfc(value ?? "").trim();
  const match = /^([^,\s]+)\s*,\s*(\d{4}\/\d{1,2}\/\d{1,2})\s*,\s*(.+)$/u.exec(text);
  if (!match) return null;
  const [, organId = "", rawDate = "", number = ""] = match;
  return { organId, date: parseEdxmlDate(rawDate) ?? rawDate, number: cleanText(number) };
}

// ─── Input checks ────────────────────────────────────────────────────────────

function decodeInput(xml: string | Uint8Array, limits: EdxmlLimits): string {
  if (typeof xml === "string") {
    // UTF-16 length is a lower bound of the UTF-8 size; good enough to refuse early.
    if (xml.length > limits.maxBytes) throw new EdxmlError(`package exceeds ${limits.maxBytes} bytes`, "too-large");
    return xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  }
  if (xml.byteLength > limits.maxBytes) {
    throw new EdxmlError(`package is ${xml.byteLength} bytes; the limit is ${limits.maxBytes}`, "too-large");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(xml);
  } catch {
    throw new EdxmlError("package is not valid UTF-8 (edXML is UTF-8)", "not-utf8");
  }
}

function checkProlog(text: string): void {
  if (/<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/iu.test(text)) {
    throw new EdxmlError("DTDs are not allowed in edXML packages (<!DOCTYPE/<!ENTITY found); refusing to parse", "dtd-forbidden");
  }
  const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/iu.exec(text)?.[1];
  if (declared && !/^utf-?8$/iu.test(declared)) {
    throw new EdxmlError(`package declares encoding "${declared}"; edXML must be UTF-8`, "not-utf8");
  }
}

/**
 * Depth pre-scan: cheap, linear, and independent of the XML library, so the
 * limit holds however the parser treats odd input.
 */
function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let i = text.indexOf("<");
  while (i >= 0 && i < text.length) {
    const next = text.charCodeAt(i + 1);
    if (next === 0x21 /* ! */) {
      if (text.startsWith("<!--", i)) {
        const end = text.indexOf("-->", i + 4);
        i = end < 0 ? -1 : text.indexOf("<", end + 3);
        continue;
      }
      if (text.startsWith("<![CDATA[", i)) {
        const end = text.indexOf("]]>", i + 9);
        i = end < 0 ? -1 : text.indexOf("<", end + 3);
        continue;
      }
    } else if (next === 0x3f /* ? */) {
      const end = text.indexOf("?>", i + 2);
      i = end < 0 ? -1 : text.indexOf("<", end + 2);
      continue;
    }
    // Find the tag's end, skipping quoted attribute values that may hold '>'.
    let j = i + 1;
    let quote = 0;
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
      } else if (c === 0x3e) {
        break;
      }
    }
    if (next === 0x2f /* / */) {
      depth--;
    } else if (text.charCodeAt(j - 1) !== 0x2f) {
      depth++;
      if (depth > maxDepth) {
        throw new EdxmlError(`elements nest deeper than ${maxDepth} levels; refusing to parse`, "too-deep");
      }
    }
    i = text.indexOf("<", j + 1);
  }
}

// ─── Attachments ─────────────────────────────────────────────────────────────

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;

function decodeBase64(value: string, label: string): Uint8Array {
  const compact = value.replace(/\s+/gu, "");
  if (compact === "") throw new EdxmlError(`attachment ${label} has no content`, "bad-attachment");
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    const sample = compact.slice(0, 40);
    throw new EdxmlError(`attachment ${label} is not base64 (starts with "${sample}")`, "bad-attachment");
  }
  return new Uint8Array(Buffer.from(compact, "base64"));
}


const SNIFFABLE = new Set(["pdf", "doc", "docx", "xls", "xlsx", "odt", "zip", "jpg", "jpeg", "png", "xml", "edxml"]);

function extensionOf(name: string | null): string {
  const match = /\.([A-Za-z0-9]+)$/u.exec(name ?? "");
  return (match?.[1] ?? "").toLowerCase();
}

/** MIME from the bytes first (names lie: real packages call an .edxml entry ".doc"), then the names. */
export function sniffMime(bytes: Uint8Array, ...names: (string | null)[]): string {
  const starts = (...sig: number[]) => sig.every((b, k) => bytes[k] === b);
  if (starts(0x25, 0x50, 0x44, 0x46)) return "application/pdf";
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) {
    return names.map(extensionOf).includes("xls") ? "application/vnd.ms-excel" : "application/msword";
  }
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    for (const name of names) {
      const ext = extensionOf(name);
      if (["docx", "xlsx", "odt"].includes(ext)) return MIME_BY_EXTENSION[ext] ?? "application/zip";
    }
    return "application/zip";
  }
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  const head = new TextDecoder("utf-8").decode(bytes.subarray(0, 64)).replace(/^\uFEFF/u, "").trimStart();
  if (head.startsWith("<?xml") || head.startsWith("<edXML")) return "application/xml";
  // Names are trusted only for formats without a signature to check: a
  // ".pdf" without %PDF is not a PDF (the pvn_2019 sample carries 17 such bytes).
  for (const name of names) {
    const ext = extensionOf(name);
    if (SNIFFABLE.has(ext)) continue;
    const mime = MIME_BY_EXTENSION[ext];
    if (mime) return mime;
  }
  return "application/octet-stream";
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function decodeAttachment(
  el: El,
  index: number,
  limits: EdxmlLimits,
  budget: { left: number },
): Omit<EdxmlAttachment, "error" | "mime" | "size" | "sha256"> & { bytes: Uint8Array } {
  const name = textOf(el, "AttachmentName") ?? `attachment-${index + 1}`;
  const label = `${index + 1} ("${name}")`;
  const encoded = child(el, "ContentTransferEncoded");
  if (!encoded) throw new EdxmlError(`attachment ${label} has no ContentTransferEncoded`, "bad-attachment");
  // Refuse before decoding: base64 is 4/3 of the bytes.
  if ((encoded.text.length * 3) / 4 > limits.maxAttachmentBytes + 64 * 1024) {
    throw new EdxmlError(`attachment ${label} exceeds ${limits.maxAttachmentBytes} bytes`, "attachment-limit");
  }
  const raw = decodeBase64(encoded.text, label);
  let bytes = raw;
  let entryName: string | null = null;
  if (looksLikeZip(raw)) {
    let entries;
    try {
      entries = unzipBounded(raw, {
        maxEntries: limits.maxZipEntries,
        maxEntryBytes: limits.maxAttachmentBytes,
        maxTotalBytes: Math.min(limits.maxAttachmentBytes, budget.left),
        maxRatio: limits.maxCompressionRatio,
        ratioFloorBytes: 1024 * 1024,
      });
    } catch (error) {
      if (error instanceof ZipError) {
        throw new EdxmlError(`attachment ${label}: ${error.message}`, error.code === "zip-limit" ? "attachment-limit" : "bad-attachment");
      }
      throw error;
    }
    const [first, ...rest] = entries;
    if (!first) throw new EdxmlError(`attachment ${label}: the ZIP holds no file`, "bad-attachment");
    if (rest.length > 0) {
      throw new EdxmlError(
        `attachment ${label}: the ZIP holds ${entries.length} files; edXML attachments carry exactly one`,
        "bad-attachment",
      );
    }
    bytes = first.bytes;
    entryName = nfc(first.name);
  } else if (raw.length > limits.maxAttachmentBytes || raw.length > budget.left) {
    throw new EdxmlError(`attachment ${label} exceeds the size limit`, "attachment-limit");
  }
  budget.left -= bytes.length;
  return {
    contentId: textOf(el, "ContentId"),
    name,
    description: textOf(el, "Description"),
    declaredContentType: textOf(el, "ContentType"),
    entryName,
    bytes,
  };
}

// ─── Mapping ─────────────────────────────────────────────────────────────────

function readOrgan(el: El | null): EdxmlOrgan {
  return {
    organId: textOf(el, "OrganId"),
    name: textOf(el, "OrganName") ?? textOf(el, "OrganizationInCharge") ?? "",
    organizationInCharge: textOf(el, "OrganizationInCharge"),
  };
}

function readResponseFor(el: El | null): EdxmlHeader["responseFor"] {
  if (!el) return null;
  const value = {
    organId: textOf(el, "OrganId"),
    code: textOf(el, "Code"),
    documentId: textOf(el, "DocumentId"),
    promulgationDate: parseEdxmlDate(textOf(el, "PromulgationDate")),
  };
  return Object.values(value).some((v) => v !== null) ? value : null;
}

function readSignature(header: El): EdxmlSignatureInfo | null {
  const sig = child(header, "Signature") ?? findDeep(header, "Signature", 3);
  if (!sig) return null;
  const x509 = childrenOf(child(sig, "KeyInfo"), "X509Data");
  return {
    namespaced: sig.ns === XMLDSIG_NAMESPACE,
    signatureMethod: path(sig, "SignedInfo", "SignatureMethod")?.attrs.Algorithm ?? null,
    certificates: x509.flatMap((d) => childrenOf(d, "X509Certificate")).map((c) => c.text.replace(/\s+/gu, "")).filter(Boolean),
    subjectName: x509.map((d) => textOf(d, "X509SubjectName")).find((s) => s) ?? null,
  };
}

function readBusiness(traceList: El | null, warnings: string[]): EdxmlHeader["business"] {
  const business = child(traceList, "Bussiness") ?? child(traceList, "Business");
  if (!business) return null;
  const rawType = textOf(business, "BussinessDocType") ?? textOf(business, "BusinessDocType");
  let docType: BusinessDocType = 0;
  if (rawType === "0" || rawType === "1" || rawType === "2" || rawType === "3") {
    docType = Number(rawType) as BusinessDocType;
  } else if (rawType !== null) {
    warnings.push(`unknown BussinessDocType "${rawType}"; treated as a new document`);
  }
  const replaces = [
    ...new Set(
      childrenOf(child(business, "ReplacementInfoList"), "ReplacementInfo")
        .map((info) => textOf(info, "DocumentId"))
        .filter((id): id is string => id !== null),
    ),
  ];
  return {
    docType,
    reason: textOf(business, "BussinessDocReason") ?? textOf(business, "BusinessDocReason"),
    documentId: textOf(business, "DocumentId"),
    replaces,
  };
}

function readHeader(messageHeader: El, traceList: El | null, warnings: string[]): EdxmlHeader {
  const codeEl = child(messageHeader, "Code");
  const codeNumber = textOf(codeEl, "CodeNumber");
  const codeNotation = textOf(codeEl, "CodeNotation");
  const code = codeNumber !== null || codeNotation !== null ? { number: codeNumber ?? "", notation: codeNotation ?? "" } : null;
  const documentId = textOf(messageHeader, "DocumentId");
  const documentIdParts = parseEdxmlDocumentId(documentId);
  let number = "";
  // Senders differ: most write CodeNotation "QĐ-UBND", some the whole
  // "152/QĐ-UBND"; never double the serial.
  if (code) number = code.notation.startsWith(`${code.number}/`) ? code.notation : [code.number, code.notation].filter((part) => part !== "").join("/");
  else if (codeEl && textOf(codeEl)) number = textOf(codeEl) ?? "";
  else if (documentIdParts) number = documentIdParts.number;
  const signerEl = child(messageHeader, "SignerInfo");
  const signerName = textOf(signerEl, "FullName");
  const rawPriority = textOf(messageHeader, "OtherInfo", "Priority");
  const priority = rawPriority !== null && /^\d+$/u.test(rawPriority) ? Number(rawPriority) : null;
  const rawPromulgationDate = textOf(messageHeader, "PromulgationInfo", "PromulgationDate");
  const promulgationDate = parseEdxmlDate(rawPromulgationDate);
  if (rawPromulgationDate && !promulgationDate) warnings.push(`PromulgationDate "${rawPromulgationDate}" is not a date`);
  return {
    from: readOrgan(child(messageHeader, "From")),
    to: childrenOf(messageHeader, "To").map(readOrgan),
    documentId,
    documentIdParts,
    code,
    number: nfc(number),
    promulgation: { place: textOf(messageHeader, "PromulgationInfo", "Place"), date: promulgationDate },
    documentType: {
      type: textOf(messageHeader, "DocumentType", "Type"),
      typeDetail: textOf(messageHeader, "DocumentType", "TypeDetail"),
      typeName: textOf(messageHeader, "DocumentType", "TypeName"),
    },
    subject: textOf(messageHeader, "Subject") ?? "",
    content: textOf(messageHeader, "Content"),
    signer: signerName
      ? { competence: textOf(signerEl, "Competence"), position: textOf(signerEl, "Position"), fullName: signerName }
      : null,
    dueDate: parseEdxmlDate(textOf(messageHeader, "DueDate")),
    priority,
    sphereOfPromulgation: textOf(messageHeader, "OtherInfo", "SphereOfPromulgation"),
    steeringType: textOf(messageHeader, "SteeringType"),
    toPlaces: childrenOf(child(messageHeader, "ToPlaces"), "Place").map((p) => textOf(p)).filter((p): p is string => p !== null),
    appendixes: childrenOf(path(messageHeader, "OtherInfo", "Appendixes"), "Appendix")
      .map((p) => textOf(p))
      .filter((p): p is string => p !== null),
    responseFor: readResponseFor(child(messageHeader, "ResponseFor")),
    traces: childrenOf(traceList, "TraceHeader").map((t) => ({
      organId: textOf(t, "OrganId"),
      timestamp: parseEdxmlTimestamp(textOf(t, "Timestamp")),
    })),
    business: readBusiness(traceList, warnings),
  };
}

const RESTRICTED_SPHERE = /nội bộ|noi bo|\bmật\b|\bmat\b|hạn chế/iu;

/** Canonical document from a parsed header; exported for callers that rebuild files (ids, roles). */
export function edxmlToCanonical(
  header: EdxmlHeader,
  attachments: Pick<EdxmlAttachment, "name" | "size" | "sha256" | "mime" | "entryName">[],
  options: { assumePublic?: boolean } = {},
): CanonicalDocument {
  const issuedDate = header.promulgation.date ?? (header.documentIdParts ? parseEdxmlDate(header.documentIdParts.date.replace(/-/gu, "/")) : null);
  if (!issuedDate) throw new EdxmlError("PromulgationInfo/PromulgationDate is missing or not a date", "missing-field");
  if (!header.number) throw new EdxmlError("Code/CodeNumber and Code/CodeNotation are missing (no số ký hiệu)", "missing-field");
  const organId = header.from.organId;
  const externalId =
    header.documentId ?? `${organId ?? header.from.name},${issuedDate.replace(/-/gu, "/")},${header.number}`;
  const business = header.business;
  const status: CanonicalDocument["status"] = business?.docType === 1 ? "withdrawn" : "issued";
  const replacesExternalId = business?.docType === 3 ? (business.replaces[0] ?? null) : null;
  const traceTimes = header.traces.map((t) => t.timestamp).filter((t): t is string => t !== null).sort();
  const updatedAt = traceTimes.at(-1) ?? `${issuedDate}T00:00:00+07:00`;
  const typeName = header.documentType.typeName;
  const restricted = RESTRICTED_SPHERE.test(header.sphereOfPromulgation ?? "");
  const files: SourceFileRef[] = attachments.map((a, index) => ({
    id: String(index + 1),
    name: a.entryName && !a.name ? a.entryName : a.name,
    role: index === 0 ? "main" : "appendix",
    size: a.size,
    sha256: a.sha256,
    mime: a.mime,
  }));
  const issuer: Party = { code: organId, name: header.from.name };
  return {
    kind: "document",
    externalId,
    number: header.number,
    // The model keeps null for a Công văn, which has no type symbol.
    docType: typeName && typeName.toLocaleLowerCase("vi") !== "công văn" ? typeName : null,
    title: header.subject || header.content || "",
    issuer,
    issuedDate,
    signer: header.signer ? { name: header.signer.fullName, position: header.signer.position } : null,
    field: null,
    urgency: header.priority !== null ? (PRIORITY_NAMES[header.priority] ?? null) : null,
    isPublic: Boolean(options.assumePublic) && !restricted,
    status,
    replacesExternalId,
    updatedAt,
    files,
  };
}

// ─── Entry points ────────────────────────────────────────────────────────────

let parser: XMLParser | null = null;
function xmlParser(maxDepth: number): XMLParser {
  // Options are fixed except depth, which checkDepth already enforces; the
  // parser's own limit is a second line set generously above it.
  parser ??= new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: Math.max(256, maxDepth * 2),
  });
  return parser;
}

function parseTree(text: string, limits: EdxmlLimits): El {
  // The parser itself is lenient (it accepts mismatched tags, which occur in
  // the wild: edoc.edxml), so well-formedness is checked separately first.
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new EdxmlError(`not well-formed XML at line ${line}, column ${col}: ${msg}`, "malformed-xml");
  }
  let ordered: OrderedNode[];
  try {
    ordered = xmlParser(limits.maxDepth).parse(text) as OrderedNode[];
  } catch (error) {
    throw new EdxmlError(`not well-formed XML: ${(error as Error).message}`, "malformed-xml");
  }
  const roots = buildTree(ordered, new Map());
  const root = roots[0];
  if (!root) throw new EdxmlError("no XML element found; not an edXML package", "not-edxml");
  if (roots.length > 1) throw new EdxmlError("more than one root element; not well-formed XML", "malformed-xml");
  if (root.local !== "edXML") throw new EdxmlError(`root element is <${root.local}>, expected <edXML>`, "not-edxml");
  if (root.ns !== null && root.ns !== EDXML_NAMESPACE) {
    throw new EdxmlError(`root element is in namespace "${root.ns}", expected ${EDXML_NAMESPACE}`, "not-edxml");
  }
  return root;
}

/**
 * Parse one edXML package (QCVN 102:2016). Throws EdxmlError with a clear
 * message for anything unsafe or unusable. Status messages are returned as
 * `{kind: "status"}`, never mistaken for documents.
 */
export function parseEdxmlPackage(xml: string | Uint8Array, limits?: EdxmlParseOptions): EdxmlPackage {
  const options = limits ?? {};
  const effective: EdxmlLimits = { ...DEFAULT_EDXML_LIMITS };
  for (const key of Object.keys(DEFAULT_EDXML_LIMITS) as (keyof EdxmlLimits)[]) {
    const value = options[key];
    if (typeof value === "number" && value > 0) effective[key] = value;
  }
  const text = decodeInput(xml, effective);
  checkProlog(text);
  checkDepth(text, effective.maxDepth);
  const root = parseTree(text, effective);

  const envelope = child(root, "edXMLEnvelope");
  const header = child(envelope, "edXMLHeader");
  const messageHeader = child(header, "MessageHeader");
  if (!envelope || !header || !messageHeader) {
    throw new EdxmlError("edXMLEnvelope/edXMLHeader/MessageHeader is missing; not an edXML package", "not-edxml");
  }

  const statusCode = textOf(messageHeader, "StatusCode");
  if (statusCode !== null) {
    return {
      kind: "status",
      message: STATUS_MESSAGE_NOTE,
      from: readOrgan(child(messageHeader, "From")),
      statusCode,
      description: textOf(messageHeader, "Description"),
      timestamp: parseEdxmlTimestamp(textOf(messageHeader, "Timestamp")),
      responseFor: readResponseFor(child(messageHeader, "ResponseFor")),
    };
  }

  const warnings: string[] = [];
  const parsedHeader = readHeader(messageHeader, child(header, "TraceHeaderList"), warnings);

  // AttachmentEncoded sits beside the envelope in the real packages; accept it inside too.
  const encodedAttachments = [
    ...childrenOf(child(root, "AttachmentEncoded"), "Attachment"),
    ...childrenOf(child(envelope, "AttachmentEncoded"), "Attachment"),
  ];
  if (encodedAttachments.length > effective.maxAttachments) {
    throw new EdxmlError(
      `package carries ${encodedAttachments.length} attachments; at most ${effective.maxAttachments} are allowed`,
      "attachment-limit",
    );
  }
  const budget = { left: effective.maxTotalAttachmentBytes };
  const attachments: EdxmlAttachment[] = encodedAttachments.map((el, index) => {
    try {
      const decoded = decodeAttachment(el, index, effective, budget);
      return {
        ...decoded,
        mime: sniffMime(decoded.bytes, decoded.entryName, decoded.name),
        size: decoded.bytes.length,
        sha256: sha256Hex(decoded.bytes),
        error: null,
      };
    } catch (error) {
      const keep = options.onAttachmentError === "keep" && error instanceof EdxmlError && error.code === "bad-attachment";
      if (!keep) throw error;
      warnings.push(error.message);
      return {
        contentId: textOf(el, "ContentId"),
        name: textOf(el, "AttachmentName") ?? `attachment-${index + 1}`,
        description: textOf(el, "Description"),
        declaredContentType: textOf(el, "ContentType"),
        entryName: null,
        mime: "application/octet-stream",
        bytes: null,
        size: 0,
        sha256: null,
        error: error.message,
      };
    }
  });

  const manifestCount = childrenOf(path(envelope, "edXMLBody", "edXMLManifest"), "Reference").length;
  if (manifestCount !== attachments.length) {
    warnings.push(`manifest lists ${manifestCount} attachments, package carries ${attachments.length}`);
  }

  const usable = attachments.filter((a) => a.bytes !== null);
  return {
    kind: "document",
    header: parsedHeader,
    signature: readSignature(header),
    attachments,
    document: edxmlToCanonical(parsedHeader, usable, { assumePublic: options.assumePublic ?? false }),
    warnings,
  };
}

/** Like parseEdxmlPackage, but a status message is an error (code "status-message"). */
export function parseEdxmlDocument(xml: string | Uint8Array, limits?: EdxmlParseOptions): EdxmlDocumentPackage {
  const parsed = parseEdxmlPackage(xml, limits);
  if (parsed.kind === "status") {
    const label = EDXML_STATUS_CODES[parsed.statusCode];
    throw new EdxmlError(
      `${STATUS_MESSAGE_NOTE} (StatusCode ${parsed.statusCode}${label ? ` ${label}` : ""}${parsed.description ? `: ${parsed.description}` : ""})`,
      "status-message",
    );
  }
  return parsed;
}

/** A short, JSON-friendly description of a package, for logs, API answers and .error.txt files. */
export function summarizeEdxml(pkg: EdxmlPackage): Record<string, unknown> {
  if (pkg.kind === "status") {
    return { kind: "status", message: pkg.message, statusCode: pkg.statusCode, from: pkg.from, description: pkg.description, responseFor: pkg.responseFor };
  }
  const doc = pkg.document;
  return {
    kind: "document",
    externalId: doc.externalId,
    number: doc.number,
    docType: doc.docType,
    title: doc.title,
    issuer: doc.issuer,
    issuedDate: doc.issuedDate,
    status: doc.status,
    replacesExternalId: doc.replacesExternalId,
    businessDocType: pkg.header.business ? BUSINESS_DOC_TYPE_NAMES[pkg.header.business.docType] : null,
    signed: pkg.signature !== null,
    attachments: pkg.attachments.map((a) => ({ name: a.name, entryName: a.entryName, mime: a.mime, size: a.size, sha256: a.sha256, error: a.error })),
    warnings: pkg.warnings,
  };
}
