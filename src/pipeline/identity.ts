// Pure identity and change detection for dedup and versioning.
// - A document's identity: normalised number + issuer + issue date (numbers
//   restart every year, and two agencies may use the same number).
// - A version's identity: the bytes of its files. Identical bytes are one
//   version, whichever source or run they came from.
// - Metadata (title, signer, status) can change without new bytes; that is an
//   update of the current version, detected by its own hash.

import { createHash } from "node:crypto";
import { documentNumberKey, foldVietnamese, type CanonicalDocument, type CanonicalProcedure } from "../core/index.ts";

export function issuerKey(issuer: { code: string | null; name: string }): string {
  return issuer.code?.trim().toUpperCase() || foldVietnamese(issuer.name).toUpperCase();
}

export function documentIdentityKey(doc: Pick<CanonicalDocument, "number" | "issuer" | "issuedDate">): string {
  return `${documentNumberKey(doc.number)}|${issuerKey(doc.issuer)}|${doc.issuedDate}`;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Version identity from file hashes (order-independent). */
export function filesContentHash(fileHashes: string[]): string {
  return sha256([...fileHashes].sort().join("\n"));
}

/** What a portal shows of a document besides its files; a change is an update. */
export function documentMetadata(doc: CanonicalDocument) {
  return {
    number: doc.number,
    docType: doc.docType,
    title: doc.title,
    issuer: doc.issuer,
    issuedDate: doc.issuedDate,
    signer: doc.signer,
    field: doc.field,
    urgency: doc.urgency,
    isPublic: doc.isPublic,
    status: doc.status,
  };
}

export function metadataHash(metadata: unknown): string {
  return sha256(stableStringify(metadata));
}

/** A procedure version: its data (without the change time) and form bytes. */
export function procedureContentHash(proc: CanonicalProcedure, formHashes: string[]): string {
  const { updatedAt: _ignored, files: _files, ...data } = proc;
  return sha256(stableStringify(data) + "\n" + [...formHashes].sort().join("\n"));
}

/** JSON with sorted keys, so equal objects hash equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
