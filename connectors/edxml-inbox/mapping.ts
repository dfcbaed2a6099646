// Mapping of the parsed element tree to the edXML header and to the hub's
// CanonicalDocument; the field helpers are exported for the iOffice connector.

import type { CanonicalDocument, Party, SourceFileRef } from "../../src/core/index.ts";
import { cleanText, nfc } from "../../src/core/index.ts";
import { child, childrenOf, findDeep, path, textOf, type El } from "./tree.ts";
import { EdxmlError, XMLDSIG_NAMESPACE, type BusinessDocType, type EdxmlAttachment, type EdxmlDocumentId, type EdxmlHeader, type EdxmlOrgan, type EdxmlSignatureInfo } from "./model.ts";

const PRIORITY_NAMES = ["Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc", "Hỏa tốc hẹn giờ"];

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

// ─── Mapping ─────────────────────────────────────────────────────────────────

export function readOrgan(el: El | null): EdxmlOrgan {
  return {
    organId: textOf(el, "OrganId"),
    name: textOf(el, "OrganName") ?? textOf(el, "OrganizationInCharge") ?? "",
    organizationInCharge: textOf(el, "OrganizationInCharge"),
  };
}

export function readResponseFor(el: El | null): EdxmlHeader["responseFor"] {
  if (!el) return null;
  const value = {
    organId: textOf(el, "OrganId"),
    code: textOf(el, "Code"),
    documentId: textOf(el, "DocumentId"),
    promulgationDate: parseEdxmlDate(textOf(el, "PromulgationDate")),
  };
  return Object.values(value).some((v) => v !== null) ? value : null;
}

export function readSignature(header: El): EdxmlSignatureInfo | null {
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

export function readHeader(messageHeader: El, traceList: El | null, warnings: string[]): EdxmlHeader {
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
