// A verify-report line (shared/contracts/verify-report.md) in plain words for
// a clerk: who signed, when, valid or why not.

import { formatDateTime, tr, type Lang, type T } from "./i18n.ts";

interface ReportSignature {
  field?: string;
  signer?: { commonName?: string; organization?: string } | null;
  signingTime?: string | null;
  coversWholeDocument?: boolean;
  modifiedAfterSigning?: boolean;
  laterChanges?: string;
  indication?: string;
  subIndication?: string | null;
  messages?: string[];
}

interface Report {
  status?: string;
  error?: string;
  signatures?: ReportSignature[];
}

export interface PlainSignature {
  signer: string;
  when: string;
  ok: boolean;
  verdict: string;
  reasons: string[];
  /** worth knowing even when the signature is valid (metadata edited, unsigned data in the file) */
  notes: string[];
}

export interface PlainReport {
  status: string;
  statusText: string;
  ok: boolean;
  signatures: PlainSignature[];
  error: string | null;
}

export function explainReport(raw: unknown, lang: Lang, t: T): PlainReport {
  const report = (raw && typeof raw === "object" ? raw : {}) as Report;
  const status = typeof report.status === "string" ? report.status : "error";
  const signatures = (Array.isArray(report.signatures) ? report.signatures : []).map((s): PlainSignature => {
    const who = [s.signer?.commonName, s.signer?.organization].filter(Boolean).join(" — ") || "?";
    // modifiedAfterSigning is also true when later revisions only add signatures
    // (every co-signed PDF); only changed content makes a signature fail.
    const ok = s.indication === "TOTAL_PASSED" && s.laterChanges !== "content";
    const reasons: string[] = [];
    if (!ok) {
      if (s.subIndication) reasons.push(tr(t, "sub", s.subIndication));
      if (s.laterChanges === "content") reasons.push(t("sig.changedAfter"));
      if (s.coversWholeDocument === false && s.laterChanges !== "signatures-only" && s.laterChanges !== "annotations-or-forms") reasons.push(t("sig.partial"));
      for (const m of s.messages ?? []) if (!reasons.includes(m)) reasons.push(m);
    }
    // allowed, so still valid, but a clerk should see it: the contract's fields say which
    const notes: string[] = [];
    if (ok && s.laterChanges === "none") {
      if (s.modifiedAfterSigning === true) notes.push(t("sig.metadataChanged"));
      else if (s.coversWholeDocument === false) notes.push(t("sig.uncoveredData"));
    }
    return {
      signer: who,
      when: s.signingTime ? formatDateTime(lang, s.signingTime) : t("sig.unknownTime"),
      ok,
      verdict: ok ? t("sig.valid") : s.indication === "INDETERMINATE" ? t("sig.indeterminate") : t("sig.invalid"),
      reasons,
      notes,
    };
  });
  return {
    status,
    statusText: tr(t, "sig", status),
    ok: status === "valid",
    signatures,
    error: status === "error" ? (report.error ?? null) : null,
  };
}
