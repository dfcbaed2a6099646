// Pure mapping from a delivery (the contract's `data` object) to what Liferay
// stores: the structured content (web content article) body for the
// configured content structure, and the Documents and Media metadata of each
// file. The external reference codes come from erc.ts. No I/O here: client.ts
// does the calls.

import type { DeliveryFile, DeliveryRequest } from "../sdk.ts";
import { contentErc, fileErc, short } from "./erc.ts";

export { contentErc, fileErc, MAX_ERC_LENGTH } from "./erc.ts";

// ─── Content structure fields ────────────────────────────────────────────────

/** The fields the mapping fills, by purpose; the values are the default field references. */
export const DEFAULT_FIELD_NAMES = {
  /** Hub id of the document or procedure (Text). */
  hubId: "hubId",
  /** Số ký hiệu, or the procedure code (Text). */
  number: "number",
  /** Trích yếu, or the procedure name (Text). */
  summary: "summary",
  /** Issuing body, or the implementing agencies (Text). */
  issuer: "issuer",
  /** Issue date YYYY-MM-DD (Date); empty for procedures. */
  issuedAt: "issuedAt",
  /** Lĩnh vực (Text). */
  category: "category",
  /** Legal status in Vietnamese: in force, withdrawn, replaced, abolished (Text). */
  status: "status",
  /** Everything else as HTML: type, signer, signature verdict, steps, fees, files (Rich Text). */
  body: "body",
} as const;

export type FieldKey = keyof typeof DEFAULT_FIELD_NAMES;
export type FieldNames = Record<FieldKey, string>;

export interface ContentField {
  name: string;
  contentFieldValue: { data: string };
}

/** The writable StructuredContent body sent to PUT …/structured-contents/by-external-reference-code/{erc}. */
export interface StructuredContentBody {
  externalReferenceCode: string;
  contentStructureId: number;
  title: string;
  description: string;
  keywords: string[];
  contentFields: ContentField[];
  relatedContents?: { contentType: string; id: number }[];
  viewableBy: "Anyone";
}

/** The `document` part of PUT …/documents/by-external-reference-code/{erc}. */
export interface DocumentMetadata {
  externalReferenceCode: string;
  documentFolderId: number;
  title: string;
  fileName: string;
  description: string;
  viewableBy: "Anyone";
}

/** A file as it is in Liferay (from the upload answer), for links in the body. */
export interface StoredFile {
  sha256: string;
  id: number;
  contentUrl: string;
}

/** Liferay's JournalArticle title column holds 400 characters. */
export const MAX_TITLE_LENGTH = 400;

export type ItemState = "active" | "withdrawn" | "abolished" | "replaced";

export interface ContentInput {
  request: Pick<DeliveryRequest, "event" | "itemId" | "data" | "section">;
  contentStructureId: number;
  fieldNames: FieldNames;
  /** Uploaded copies of the item's files, by SHA-256. */
  stored: ReadonlyMap<string, StoredFile>;
  state: ItemState;
}

const nfc = (value: unknown): string => (typeof value === "string" ? value.normalize("NFC").trim() : "");

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** `2026-11-20` → `20/11/2026`, as Vietnamese documents write dates. */
export function vietnameseDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

const SIGNATURE_TEXT: Record<string, string> = {
  valid: "Chữ ký số hợp lệ",
  invalid: "Chữ ký số không hợp lệ",
  indeterminate: "Chưa xác định được tính hợp lệ của chữ ký số",
  unsigned: "Văn bản không có chữ ký số",
  error: "Không kiểm tra được chữ ký số",
  "not-applicable": "Không áp dụng kiểm tra chữ ký số",
};

/** The signature verdict in plain Vietnamese. */
export function signatureText(status: unknown): string {
  return SIGNATURE_TEXT[String(status)] ?? `Trạng thái chữ ký số: ${nfc(status) || "không rõ"}`;
}

export function stateText(state: ItemState, kind: "document" | "procedure"): string {
  switch (state) {
    case "withdrawn":
      return "Đã thu hồi";
    case "abolished":
      return "Đã bãi bỏ";
    case "replaced":
      return "Đã bị thay thế";
    default:
      return kind === "document" ? "Còn hiệu lực" : "Đang áp dụng";
  }
}

export function stateFor(event: DeliveryRequest["event"]): ItemState {
  if (event === "document.withdrawn") return "withdrawn";
  if (event === "procedure.abolished") return "abolished";
  return "active";
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(".", ",")} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

interface FileData {
  name: string;
  mime: string;
  size: number;
  sha256: string;
}

function filesOf(data: Record<string, unknown>): FileData[] {
  return Array.isArray(data.files) ? (data.files as FileData[]) : [];
}

function fileLink(file: FileData | null | undefined, stored: ReadonlyMap<string, StoredFile>): string {
  if (!file) return "";
  const copy = stored.get(file.sha256?.toLowerCase?.() ?? "");
  const label = `${escapeHtml(nfc(file.name))} (${formatSize(Number(file.size) || 0)})`;
  return copy ? `<a href="${escapeHtml(copy.contentUrl)}">${label}</a>` : label;
}

const row = (label: string, value: string) => (value ? `<p><strong>${label}:</strong> ${value}</p>` : "");

function documentBody(data: Record<string, unknown>, input: ContentInput): string {
  const signer = data.signer as { name?: unknown; position?: unknown } | null | undefined;
  const signerText = signer ? [nfc(signer.name), nfc(signer.position)].filter(Boolean).join(", ") : "";
  const signature = (data.signature ?? {}) as { status?: unknown; signers?: { commonName?: unknown; signingTime?: unknown }[] };
  const signedBy = (signature.signers ?? [])
    .map((s) => [nfc(s.commonName), s.signingTime ? `lúc ${nfc(s.signingTime)}` : ""].filter(Boolean).join(" "))
    .filter(Boolean)
    .join("; ");
  const files = filesOf(data);
  const parts = [
    row("Số ký hiệu", escapeHtml(nfc(data.number))),
    row("Loại văn bản", escapeHtml(nfc(data.docType))),
    row("Trích yếu", escapeHtml(nfc(data.title))),
    row("Cơ quan ban hành", escapeHtml(nfc(data.issuer))),
    row("Người ký", escapeHtml(signerText)),
    row("Ngày ban hành", escapeHtml(vietnameseDate(nfc(data.issuedAt)))),
    row("Lĩnh vực", escapeHtml(nfc(data.field))),
    row("Chữ ký số", escapeHtml(signatureText(signature.status) + (signedBy ? ` (${signedBy})` : ""))),
    row("Tình trạng", escapeHtml(stateText(input.state, "document"))),
    files.length ? `<p><strong>Tệp đính kèm:</strong></p><ul>${files.map((f) => `<li>${fileLink(f, input.stored)}</li>`).join("")}</ul>` : "",
  ];
  return parts.filter(Boolean).join("\n");
}

/** The line added to a replaced article's body; the link itself is the article's related content. */
export function replacedNote(by: { number: string; title: string }): string {
  return row("Được thay thế bởi", escapeHtml([nfc(by.number), nfc(by.title)].filter(Boolean).join(" ")));
}

interface ProcedureData {
  code?: unknown;
  name?: unknown;
  level?: unknown;
  field?: unknown;
  procedureType?: unknown;
  decisionNumber?: unknown;
  agencies?: { name?: unknown }[];
  audiences?: { name?: unknown }[];
  steps?: { case?: unknown; steps?: unknown[] }[];
  ways?: { channel?: unknown; timeLimits?: { amount?: unknown; unit?: unknown; description?: unknown; fees?: { amount?: unknown; currency?: unknown; description?: unknown }[] }[] }[];
  dossier?: { case?: unknown; documents?: { name?: unknown; originals?: unknown; copies?: unknown; form?: FileData | null }[] }[];
  results?: { name?: unknown }[];
  legalBases?: { number?: unknown; title?: unknown; issuer?: unknown; issuedDate?: unknown }[];
  requirements?: unknown;
  submissionAddress?: unknown;
}

const CHANNELS: Record<string, string> = { "in-person": "Trực tiếp", online: "Trực tuyến", post: "Dịch vụ bưu chính" };

function list(items: string[]): string {
  const kept = items.filter(Boolean);
  return kept.length ? `<ul>${kept.map((x) => `<li>${x}</li>`).join("")}</ul>` : "";
}

function section(title: string, inner: string): string {
  return inner ? `<h3>${title}</h3>\n${inner}` : "";
}

function procedureBody(data: ProcedureData, input: ContentInput): string {
  const names = (xs: { name?: unknown }[] | undefined) => (xs ?? []).map((x) => escapeHtml(nfc(x.name))).filter(Boolean).join(", ");
  const steps = (data.steps ?? [])
    .map((s) => {
      const inner = `<ol>${(s.steps ?? []).map((x) => `<li>${escapeHtml(nfc(x))}</li>`).join("")}</ol>`;
      return nfc(s.case) ? `<p><em>${escapeHtml(nfc(s.case))}</em></p>${inner}` : inner;
    })
    .join("\n");
  const ways = list(
    (data.ways ?? []).flatMap((w) =>
      (w.timeLimits ?? [{}]).map((t) => {
        const channel = CHANNELS[String(w.channel)] ?? nfc(w.channel);
        const limit = [nfc(t.amount), nfc(t.unit)].filter(Boolean).join(" ");
        const fees = (t.fees ?? []).map((f) => [nfc(f.amount), nfc(f.currency), nfc(f.description) ? `(${nfc(f.description)})` : ""].filter(Boolean).join(" ")).filter(Boolean);
        return escapeHtml(
          [channel, limit ? `thời hạn ${limit}` : "", nfc(t.description), fees.length ? `phí, lệ phí: ${fees.join("; ")}` : "không mất phí, lệ phí"]
            .filter(Boolean)
            .join(" — "),
        );
      }),
    ),
  );
  const dossier = (data.dossier ?? [])
    .map((d) => {
      const docs = list(
        (d.documents ?? []).map((doc) => {
          const counts = `bản chính: ${Number(doc.originals) || 0}, bản sao: ${Number(doc.copies) || 0}`;
          const form = doc.form ? ` — mẫu đơn, tờ khai: ${fileLink(doc.form, input.stored)}` : "";
          return `${escapeHtml(nfc(doc.name))} (${counts})${form}`;
        }),
      );
      return nfc(d.case) ? `<p><em>${escapeHtml(nfc(d.case))}</em></p>${docs}` : docs;
    })
    .join("\n");
  const bases = list(
    (data.legalBases ?? []).map((b) =>
      escapeHtml([nfc(b.number), nfc(b.title), nfc(b.issuer), b.issuedDate ? `ngày ${vietnameseDate(nfc(b.issuedDate))}` : ""].filter(Boolean).join(" — ")),
    ),
  );
  return [
    row("Mã thủ tục", escapeHtml(nfc(data.code))),
    row("Tên thủ tục", escapeHtml(nfc(data.name))),
    row("Cấp thực hiện", escapeHtml(nfc(data.level))),
    row("Lĩnh vực", escapeHtml(nfc(data.field))),
    row("Loại thủ tục", escapeHtml(nfc(data.procedureType))),
    row("Quyết định công bố", escapeHtml(nfc(data.decisionNumber))),
    row("Cơ quan thực hiện", names(data.agencies)),
    row("Đối tượng thực hiện", names(data.audiences)),
    row("Tình trạng", escapeHtml(stateText(input.state, "procedure"))),
    section("Trình tự thực hiện", steps),
    section("Cách thức thực hiện", ways),
    section("Thành phần hồ sơ", dossier),
    section("Kết quả thực hiện", list((data.results ?? []).map((r) => escapeHtml(nfc(r.name))))),
    section("Căn cứ pháp lý", bases),
    section("Yêu cầu, điều kiện", nfc(data.requirements) ? `<p>${escapeHtml(nfc(data.requirements))}</p>` : ""),
    section("Địa chỉ tiếp nhận hồ sơ", nfc(data.submissionAddress) ? `<p>${escapeHtml(nfc(data.submissionAddress))}</p>` : ""),
  ]
    .filter(Boolean)
    .join("\n");
}

/** The structured content for one delivery. */
export function structuredContentBody(input: ContentInput): StructuredContentBody {
  const { request, fieldNames } = input;
  const data = request.data;
  const isDocument = request.section.itemKind === "document";
  const number = isDocument ? nfc(data.number) : nfc(data.code);
  const summary = isDocument ? nfc(data.title) : nfc(data.name);
  const issuer = isDocument ? nfc(data.issuer) : ((data.agencies ?? []) as { name?: unknown }[]).map((a) => nfc(a.name)).filter(Boolean).join(", ");
  const values: Record<FieldKey, string> = {
    hubId: request.itemId,
    number,
    summary,
    issuer,
    issuedAt: isDocument && /^\d{4}-\d{2}-\d{2}$/.test(nfc(data.issuedAt)) ? nfc(data.issuedAt) : "",
    category: nfc(data.field),
    status: stateText(input.state, request.section.itemKind),
    body: isDocument ? documentBody(data, input) : procedureBody(data as ProcedureData, input),
  };
  const title = truncate([number, summary].filter(Boolean).join(" ") || request.itemId, MAX_TITLE_LENGTH);
  const body: StructuredContentBody = {
    externalReferenceCode: contentErc(request.itemId, request.section.slug),
    contentStructureId: input.contentStructureId,
    title,
    description: truncate(summary, 4000),
    keywords: [number, nfc(data.field)].filter(Boolean),
    contentFields: (Object.keys(DEFAULT_FIELD_NAMES) as FieldKey[]).map((key) => ({ name: fieldNames[key], contentFieldValue: { data: values[key] } })),
    viewableBy: "Anyone",
  };
  return body;
}

/**
 * Documents and Media refuses names holding the characters of its
 * `dl.char.blacklist` (backslash / : * ? " < > | [ ]) or
 * ending in a dot or space (`dl.char.last.blacklist`): they become `_`.
 */
export function liferaySafeName(name: string): string {
  const cleaned = name.normalize("NFC").replace(/[\\/:*?"<>|[\]]/g, "_").replace(/[\s.]+$/u, "").trim();
  return cleaned || "_";
}

/**
 * Documents and Media keeps titles and file names unique per folder, while two
 * versions of a document often carry the same file name and two items may
 * carry the same file: the copy's title and name get 8 hex digits of a hash of
 * its external reference code (item, section and content) before the extension.
 */
export function storedFileName(file: Pick<DeliveryFile, "name">, erc: string): string {
  const name = liferaySafeName(file.name.normalize("NFC").trim() || "tep");
  const dot = name.lastIndexOf(".");
  const tag = short(erc, 8);
  return dot > 0 ? `${name.slice(0, dot)} (${tag})${name.slice(dot)}` : `${name} (${tag})`;
}

export function documentMetadata(request: Pick<DeliveryRequest, "itemId" | "data" | "section">, file: Pick<DeliveryFile, "name" | "sha256" | "role">, folderId: number): DocumentMetadata {
  const externalReferenceCode = fileErc(request.itemId, request.section.slug, file.sha256);
  const name = storedFileName(file, externalReferenceCode);
  const data = request.data;
  const owner = request.section.itemKind === "document" ? [nfc(data.number), nfc(data.title)] : [nfc(data.code), nfc(data.name)];
  const role = file.role === "main" ? "Văn bản" : file.role === "appendix" ? "Phụ lục" : "Mẫu đơn, tờ khai";
  return {
    externalReferenceCode,
    documentFolderId: folderId,
    title: name,
    fileName: name,
    description: truncate(`${role}: ${owner.filter(Boolean).join(" ")}`, 4000),
    viewableBy: "Anyone",
  };
}

/** Rebuilds the writable body of an article read back from Liferay (for marking it replaced). */
export function rewriteFields(fields: unknown, fieldNames: FieldNames, changes: Partial<Record<FieldKey, (old: string) => string>>): ContentField[] {
  const byName = new Map<string, FieldKey>((Object.keys(fieldNames) as FieldKey[]).map((k) => [fieldNames[k], k]));
  const out: ContentField[] = [];
  for (const f of Array.isArray(fields) ? (fields as { name?: unknown; contentFieldValue?: { data?: unknown } }[]) : []) {
    if (typeof f.name !== "string") continue;
    const old = typeof f.contentFieldValue?.data === "string" ? f.contentFieldValue.data : "";
    const key = byName.get(f.name);
    const change = key ? changes[key] : undefined;
    out.push({ name: f.name, contentFieldValue: { data: change ? change(old) : old } });
  }
  return out;
}

export { escapeHtml };
