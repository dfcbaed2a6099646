// LayThuTuc package (the national portal's procedure format, upper-case field
// names, as the provincial DVC systems serve it) → CanonicalProcedure. Pure.
// Real gateways send numbers as strings or numbers, omit empty arrays, send
// null for empty text and mix NFD with NFC, so every read is defensive.

import type { CanonicalProcedure, SourceFileRef, TimeLimit } from "../../src/core/index.ts";
import { cleanText, nfc } from "../../src/core/index.ts";

/** The list item of `GET /api/v1/thu-tuc`. */
export interface DvcListItem {
  ID: string;
  MATTHC: string;
  TENTTHC: string;
  TRANGTHAI: string;
  NGAYCAPNHAT: string;
}

/** The full package of `GET /api/v1/thu-tuc/{MATTHC}` (fields the hub reads). */
export interface DvcProcedurePackage {
  ID?: string | null;
  MATTHC: string;
  TENTTHC: string;
  MACOQUANCONGBO?: string | null;
  LOAITTHC?: string | null;
  IDQUYETDINHCONGBO?: string | null;
  TRANGTHAI: string;
  NGAYCAPNHAT: string;
  CAPTHUCHIEN?: { CAPTHUCHIEN: string; TENCAP?: string | null }[] | null;
  LINHVUCTHUCHIEN?: { MALINHVUC: string; TENLINHVUC: string }[] | null;
  DOITUONGTHUCHIEN?: { MADOITUONG: string; TENDOITUONG: string }[] | null;
  TRINHTUTHUCHIEN?: { TRUONGHOP?: string | null; TRINHTU?: { TENTRINHTU: string }[] | null }[] | null;
  CACHTHUCTHUCHIEN?: {
    KENH: string;
    THOIGIAN?: {
      THOIGIANGIAIQUYET?: string | null;
      DONVITINH?: string | null;
      MOTA?: string | null;
      PHILEPHI?: { MAPHILEPHI?: string | null; SOTIEN?: string | null; DONVI?: string | null; MOTA?: string | null }[] | null;
    }[] | null;
  }[] | null;
  THANHPHANHOSO?: {
    TRUONGHOP?: string | null;
    GIAYTO?: {
      MAGIAYTO?: string | null;
      TENGIAYTO: string;
      SOBANCHINH?: string | null;
      SOBANSAO?: string | null;
      TENMAUDON?: string | null;
      URL?: string | null;
    }[] | null;
  }[] | null;
  KETQUATHUCHIEN?: { MAKETQUA?: string | null; TENKETQUA: string }[] | null;
  CANCUPHAPLY?: { SOVANBAN?: string | null; TENVANBAN?: string | null; COQUANBANHANH?: string | null; NGAYBANHANH?: string | null }[] | null;
  COQUANTHUCHIEN?: { MADONVI?: string | null; TENDONVI: string }[] | null;
  YEUCAU?: string | null;
  MOTADOITUONGTHUCHIEN?: string | null;
  DIACHITIEPNHAN?: string | null;
}

export class DvcMappingError extends Error {
  override name = "DvcMappingError";
}

/** KENH codes of the contract. */
export const CHANNELS: Record<string, "in-person" | "online" | "post"> = { "1": "in-person", "2": "online", "3": "post" };
/** CAPTHUCHIEN codes, with the names used when a gateway omits TENCAP. */
export const LEVEL_NAMES: Record<string, string> = { "0": "Cấp Bộ", "1": "Cấp tỉnh", "2": "Cấp huyện", "3": "Cấp xã" };

const FORM_URL = /\/api\/v1\/tep\/([^/?#]+)\/?(?:[?#].*)?$/u;

function str(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : String(value);
}
function text(value: unknown): string {
  return cleanText(str(value));
}
function optional(value: unknown): string | null {
  const t = text(value);
  return t === "" ? null : t;
}
/** Long text keeps its line breaks (requirements, addresses); only spaces inside lines collapse. */
function multiline(value: unknown): string {
  return nfc(str(value))
    .replace(/\r\n?/gu, "\n")
    .split("\n")
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/gu, " ").trim())
    .join("\n")
    .replace(/\n{3,}/gu, "\n\n")
    .trim();
}
function list<T>(value: T[] | null | undefined): T[] {
  return Array.isArray(value) ? value : [];
}
function count(value: unknown): number {
  const n = Number.parseInt(str(value).trim(), 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** ISO-8601 with offset; a bare local time is Vietnam time (+07:00). */
export function normaliseTimestamp(value: unknown): string {
  const raw = str(value).trim();
  if (raw === "") return raw;
  if (/[zZ]$|[+-]\d{2}:?\d{2}$/u.test(raw)) return raw;
  if (/^\d{4}-\d{2}-\d{2}$/u.test(raw)) return `${raw}T00:00:00+07:00`;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/u.test(raw)) return `${raw.replace(" ", "T")}+07:00`;
  return raw;
}

/** "2014-11-20", "20/11/2014" → "2014-11-20"; null otherwise. */
export function normaliseDate(value: unknown): string | null {
  const raw = text(value);
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})/u.exec(raw);
  if (match) return `${match[1]}-${match[2]?.padStart(2, "0")}-${match[3]?.padStart(2, "0")}`;
  match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/u.exec(raw);
  if (match) return `${match[3]}-${match[2]?.padStart(2, "0")}-${match[1]?.padStart(2, "0")}`;
  return null;
}

const FORM_MIME: Record<string, string> = {
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  pdf: "application/pdf",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

export function guessFormMime(name: string): string | null {
  const ext = /\.([A-Za-z0-9]+)$/u.exec(name)?.[1]?.toLowerCase() ?? "";
  return FORM_MIME[ext] ?? null;
}

/**
 * A form template's file reference. The id is the `{fileId}` of
 * `{base}/api/v1/tep/{fileId}`; a URL of another shape is kept whole and the
 * client decides whether it may fetch it (same origin only).
 */
export function formRef(url: string, name: string): SourceFileRef {
  const trimmed = url.trim();
  const id = FORM_URL.exec(trimmed)?.[1];
  const fileName = name || (id ? decodeURIComponent(id) : "mau-don");
  return {
    id: id ? decodeURIComponent(id) : trimmed,
    name: fileName,
    role: "form",
    size: null,
    sha256: null,
    mime: guessFormMime(fileName),
  };
}

export function isActive(trangThai: unknown): boolean {
  return str(trangThai).trim() === "1";
}

export function mapProcedure(raw: DvcProcedurePackage): CanonicalProcedure {
  if (!raw || typeof raw !== "object") throw new DvcMappingError("procedure package is not an object");
  const code = text(raw.MATTHC);
  if (!code) throw new DvcMappingError("procedure package has no MATTHC");
  const name = text(raw.TENTTHC);
  if (!name) throw new DvcMappingError(`procedure ${code} has no TENTTHC`);

  const files = new Map<string, SourceFileRef>();
  const dossier = list(raw.THANHPHANHOSO).map((group) => ({
    case: text(group.TRUONGHOP),
    documents: list(group.GIAYTO).map((doc) => {
      const url = text(doc.URL);
      let form: SourceFileRef | null = null;
      if (url) {
        form = formRef(url, text(doc.TENMAUDON));
        // One template can serve several dossier entries; list it once.
        if (!files.has(form.id)) files.set(form.id, form);
      }
      return {
        code: text(doc.MAGIAYTO),
        name: text(doc.TENGIAYTO),
        originals: count(doc.SOBANCHINH),
        copies: count(doc.SOBANSAO),
        form,
      };
    }),
  }));

  return {
    kind: "procedure",
    externalId: code,
    code,
    nationalCode: optional(raw.ID),
    name,
    agencyCode: optional(raw.MACOQUANCONGBO),
    decisionNumber: optional(raw.IDQUYETDINHCONGBO),
    procedureType: optional(raw.LOAITTHC),
    status: isActive(raw.TRANGTHAI) ? "active" : "abolished",
    updatedAt: normaliseTimestamp(raw.NGAYCAPNHAT),
    levels: list(raw.CAPTHUCHIEN).map((level) => {
      const levelCode = text(level.CAPTHUCHIEN);
      return { code: levelCode, name: text(level.TENCAP) || (LEVEL_NAMES[levelCode] ?? levelCode) };
    }),
    fields: list(raw.LINHVUCTHUCHIEN).map((f) => ({ code: text(f.MALINHVUC), name: text(f.TENLINHVUC) })),
    audiences: list(raw.DOITUONGTHUCHIEN).map((a) => ({ code: text(a.MADOITUONG), name: text(a.TENDOITUONG) })),
    steps: list(raw.TRINHTUTHUCHIEN).map((group) => ({
      case: text(group.TRUONGHOP),
      steps: list(group.TRINHTU).map((step) => multiline(step.TENTRINHTU)).filter((step) => step !== ""),
    })),
    channels: list(raw.CACHTHUCTHUCHIEN).map((way) => {
      const kenh = text(way.KENH);
      return {
        channel: CHANNELS[kenh] ?? kenh,
        timeLimits: list(way.THOIGIAN).map(
          (limit): TimeLimit => ({
            amount: text(limit.THOIGIANGIAIQUYET),
            unit: text(limit.DONVITINH),
            description: multiline(limit.MOTA),
            fees: list(limit.PHILEPHI).map((fee) => ({
              code: text(fee.MAPHILEPHI),
              amount: text(fee.SOTIEN),
              currency: text(fee.DONVI),
              description: multiline(fee.MOTA),
            })),
          }),
        ),
      };
    }),
    dossier,
    results: list(raw.KETQUATHUCHIEN).map((r) => ({ code: text(r.MAKETQUA), name: text(r.TENKETQUA) })),
    legalBases: list(raw.CANCUPHAPLY).map((basis) => ({
      number: text(basis.SOVANBAN),
      title: text(basis.TENVANBAN),
      issuer: text(basis.COQUANBANHANH),
      issuedDate: normaliseDate(basis.NGAYBANHANH),
    })),
    agencies: list(raw.COQUANTHUCHIEN).map((agency) => ({ code: optional(agency.MADONVI), name: text(agency.TENDONVI) })),
    requirements: multiline(raw.YEUCAU),
    audienceDescription: multiline(raw.MOTADOITUONGTHUCHIEN),
    submissionAddress: multiline(raw.DIACHITIEPNHAN),
    files: [...files.values()],
  };
}

/** Listing item → what the pipeline needs to decide whether to fetch. */
export function listItemHint(item: DvcListItem): { status: "active" | "abolished"; trangThai: string; name: string } {
  return { status: isActive(item.TRANGTHAI) ? "active" : "abolished", trangThai: str(item.TRANGTHAI), name: text(item.TENTTHC) };
}
