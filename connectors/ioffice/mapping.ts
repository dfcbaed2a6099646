// Pure mapping: iOffice JSON (sources.md) → CanonicalDocument, NFC throughout.
// A gateway that renames fields is handled by the fieldMap (contract name →
// gateway name), applied while reading, so the rest of the code only knows the
// contract's names.

import type { CanonicalDocument, FileRole, SourceFileRef } from "../../src/core/index.ts";
import { cleanText, mimeFromName, nfc } from "../../src/core/index.ts";
import type { FieldMap, MappableField } from "./config.ts";

export class IofficeMappingError extends Error {
  constructor(
    message: string,
    readonly externalId: string | null,
  ) {
    super(externalId ? `iOffice item ${externalId}: ${message}` : `iOffice item: ${message}`);
    this.name = "IofficeMappingError";
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function getPath(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const part of path.split(".")) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/**
 * The gateway's name for a contract field. A nested field follows its parent's
 * renaming unless it has its own: map `co_quan_ban_hanh` → `coQuan` and
 * `co_quan_ban_hanh.ma` is read from `coQuan.ma`.
 */
function sourceName(field: MappableField, map: FieldMap): string {
  const own = map[field];
  if (own) return own;
  const dot = field.indexOf(".");
  if (dot < 0) return field;
  const parent = field.slice(0, dot) as MappableField;
  const leaf = field.slice(dot + 1);
  return `${map[parent] ?? parent}.${leaf}`;
}

/** Reads one contract field from a gateway object. For `tep_dinh_kem.*` pass the file element and a relative read. */
export function readField(source: unknown, field: MappableField, map: FieldMap): unknown {
  return getPath(source, sourceName(field, map));
}

function readFileField(file: unknown, field: MappableField, map: FieldMap): unknown {
  // File fields are relative to each element of the (possibly renamed) array.
  const own = map[field];
  const leaf = own ?? field.slice("tep_dinh_kem.".length);
  return getPath(file, leaf);
}

function text(value: unknown): string | null {
  if (typeof value === "string") {
    const cleaned = cleanText(value);
    return cleaned === "" ? null : cleaned;
  }
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

function required(value: unknown, field: string, id: string | null): string {
  const result = text(value);
  if (result === null) throw new IofficeMappingError(`field "${field}" is missing or empty`, id);
  return result;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/u;

function isoDay(value: unknown, id: string | null): string {
  const raw = required(value, "ngay_ban_hanh", id);
  // Some gateways send a full timestamp for the day; keep the calendar day as written.
  const match = /^(\d{4})-(\d{2})-(\d{2})/u.exec(raw);
  if (!match) throw new IofficeMappingError(`ngay_ban_hanh "${raw}" is not YYYY-MM-DD`, id);
  const [, y, m, d] = match;
  const check = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (check.getUTCMonth() !== Number(m) - 1 || check.getUTCDate() !== Number(d)) {
    throw new IofficeMappingError(`ngay_ban_hanh "${raw}" is not a real date`, id);
  }
  return `${y}-${m}-${d}`;
}

export function parseUpdatedAt(value: unknown, id: string | null): string {
  const raw = required(value, "cap_nhat_luc", id);
  if (!ISO_WITH_OFFSET.test(raw) || Number.isNaN(Date.parse(raw))) {
    throw new IofficeMappingError(`cap_nhat_luc "${raw}" is not ISO-8601 with an offset`, id);
  }
  return raw;
}

/** Only an explicit true is public: a missing or odd flag must never publish. */
function isPublicFlag(value: unknown): boolean {
  return value === true || value === "true" || value === 1 || value === "1";
}

const STATUS: Record<string, CanonicalDocument["status"]> = {
  da_ban_hanh: "issued",
  thu_hoi: "withdrawn",
  thay_the: "replaced",
};

function status(value: unknown, id: string | null): CanonicalDocument["status"] {
  const raw = text(value)?.toLowerCase() ?? "da_ban_hanh";
  const mapped = STATUS[raw];
  if (!mapped) throw new IofficeMappingError(`unknown trang_thai "${raw}"`, id);
  return mapped;
}

export function normalizeSha256(value: unknown): string | null {
  return typeof value === "string" && /^[0-9a-f]{64}$/iu.test(value.trim()) ? value.trim().toLowerCase() : null;
}

function fileRole(value: unknown): FileRole {
  return text(value)?.toLowerCase() === "van_ban_chinh" ? "main" : "appendix";
}

function mapFile(raw: unknown, index: number, map: FieldMap, docId: string): SourceFileRef {
  if (!isObject(raw)) throw new IofficeMappingError(`tep_dinh_kem[${index}] is not an object`, docId);
  const id = required(readFileField(raw, "tep_dinh_kem.id", map), `tep_dinh_kem[${index}].id`, docId);
  const name = text(readFileField(raw, "tep_dinh_kem.ten_tep", map)) ?? id;
  const sizeRaw = readFileField(raw, "tep_dinh_kem.kich_thuoc", map);
  const size = typeof sizeRaw === "number" ? sizeRaw : typeof sizeRaw === "string" ? Number(sizeRaw) : Number.NaN;
  return {
    id,
    name,
    role: fileRole(readFileField(raw, "tep_dinh_kem.loai", map)),
    size: Number.isSafeInteger(size) && size >= 0 ? size : null,
    sha256: normalizeSha256(readFileField(raw, "tep_dinh_kem.sha256", map)),
    mime: mimeFromName(name),
  };
}

/** The item's id and change time, read leniently (for cursors even when the rest fails to map). */
export function itemKey(raw: unknown, map: FieldMap = {}): { id: string | null; updatedAt: string | null } {
  return { id: text(readField(raw, "id", map)), updatedAt: text(readField(raw, "cap_nhat_luc", map)) };
}

/** One iOffice document object (as listed or fetched) → the canonical document. */
export function mapIofficeDocument(raw: unknown, map: FieldMap = {}): CanonicalDocument {
  if (!isObject(raw)) throw new IofficeMappingError("item is not a JSON object", null);
  const id = required(readField(raw, "id", map), "id", null);
  const issuerCode = text(readField(raw, "co_quan_ban_hanh.ma", map));
  const issuerName = text(readField(raw, "co_quan_ban_hanh.ten", map));
  if (!issuerName && !issuerCode) throw new IofficeMappingError(`field "co_quan_ban_hanh" is missing`, id);
  const signerName = text(readField(raw, "nguoi_ky.ho_ten", map));
  const docType = text(readField(raw, "loai_van_ban", map));
  const filesRaw = readField(raw, "tep_dinh_kem", map);
  if (filesRaw !== undefined && filesRaw !== null && !Array.isArray(filesRaw)) {
    throw new IofficeMappingError(`field "tep_dinh_kem" is not an array`, id);
  }
  const files = (filesRaw ?? []).map((f: unknown, i: number) => mapFile(f, i, map, id));
  const replaces = text(readField(raw, "thay_the_cho", map));
  return {
    kind: "document",
    externalId: id,
    number: required(readField(raw, "so_ky_hieu", map), "so_ky_hieu", id),
    // A Công văn has no type symbol; the model keeps null for it.
    docType: docType && nfc(docType).toLocaleLowerCase("vi") !== "công văn" ? docType : null,
    title: required(readField(raw, "trich_yeu", map), "trich_yeu", id),
    issuer: { code: issuerCode, name: issuerName ?? issuerCode ?? "" },
    issuedDate: isoDay(readField(raw, "ngay_ban_hanh", map), id),
    signer: signerName ? { name: signerName, position: text(readField(raw, "nguoi_ky.chuc_vu", map)) } : null,
    field: text(readField(raw, "linh_vuc", map)),
    urgency: text(readField(raw, "do_khan", map)),
    isPublic: isPublicFlag(readField(raw, "cong_khai", map)),
    status: status(readField(raw, "trang_thai", map), id),
    replacesExternalId: replaces,
    updatedAt: parseUpdatedAt(readField(raw, "cap_nhat_luc", map), id),
    files,
  };
}

export interface IofficeListPage {
  total: number | null;
  page: number | null;
  items: unknown[];
}

/** The paged envelope `{tong_so, trang, du_lieu}` (names through the fieldMap). */
export function readListPage(raw: unknown, map: FieldMap = {}): IofficeListPage {
  if (!isObject(raw)) throw new IofficeMappingError("listing answer is not a JSON object", null);
  const items = readField(raw, "du_lieu", map);
  if (!Array.isArray(items)) throw new IofficeMappingError(`listing has no "${sourceName("du_lieu", map)}" array`, null);
  const total = Number(readField(raw, "tong_so", map));
  const page = Number(readField(raw, "trang", map));
  return {
    total: Number.isFinite(total) ? total : null,
    page: Number.isFinite(page) ? page : null,
    items,
  };
}
