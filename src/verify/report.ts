// The report shapes of ../shared/contracts/verify-report.md and how a file's
// status follows from its signatures.

export type FileStatus = "valid" | "invalid" | "indeterminate" | "unsigned" | "error";
export type Indication = "TOTAL_PASSED" | "TOTAL_FAILED" | "INDETERMINATE";
export type LaterChanges = "none" | "signatures-only" | "annotations-or-forms" | "content";
export type SubIndication =
  | null
  | "HASH_FAILURE"
  | "SIG_CRYPTO_FAILURE"
  | "FORMAT_FAILURE"
  | "REVOKED"
  | "NO_CERTIFICATE_CHAIN_FOUND"
  | "CERTIFICATE_CHAIN_GENERAL_FAILURE"
  | "OUT_OF_BOUNDS_NO_POE"
  | "NOT_YET_VALID"
  | "CRYPTO_CONSTRAINTS_FAILURE"
  | "NO_SIGNING_CERTIFICATE_FOUND"
  | "SIGNED_DATA_NOT_FOUND";

export interface SignerReport {
  commonName: string | null;
  organization: string | null;
  serialNumber: string | null;
  issuer: string | null;
}

export interface SignatureReport {
  field: string;
  subFilter: string | null;
  digestAlgorithm: string | null;
  signatureAlgorithm: string | null;
  signer: SignerReport | null;
  signingTime: string | null;
  coversWholeDocument: boolean;
  modifiedAfterSigning: boolean;
  laterChanges: LaterChanges;
  indication: Indication;
  subIndication: SubIndication;
  messages: string[];
}

export interface FileReport {
  file?: string;
  status: FileStatus;
  error?: string;
  signatures: SignatureReport[];
}

const LEVEL: Record<LaterChanges, number> = { none: 0, "signatures-only": 1, "annotations-or-forms": 2, content: 3 };

export function worseChange(a: LaterChanges, b: LaterChanges): LaterChanges {
  return LEVEL[a] >= LEVEL[b] ? a : b;
}

/** Worst of the signatures: any failure → invalid; any indeterminate → indeterminate. */
export function fileStatus(sigs: SignatureReport[]): FileStatus {
  if (sigs.length === 0) return "unsigned";
  if (sigs.some((s) => s.indication === "TOTAL_FAILED" || s.laterChanges === "content")) return "invalid";
  if (sigs.some((s) => s.indication === "INDETERMINATE")) return "indeterminate";
  return "valid";
}

/** JSON line in the contract's key order. */
export function toJsonLine(r: FileReport, file: string): string {
  const o: Record<string, unknown> = { file, status: r.status };
  if (r.status === "error") o.error = r.error ?? "unreadable file";
  o.signatures = r.signatures;
  return JSON.stringify(o);
}

export const STATUS_TEXT: Record<FileStatus, string> = {
  valid: "Hợp lệ / valid",
  invalid: "Không hợp lệ / invalid",
  indeterminate: "Chưa xác định / indeterminate",
  unsigned: "Không có chữ ký / unsigned",
  error: "Lỗi tệp / error",
};
