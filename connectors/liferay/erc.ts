// External reference codes: the keys that make every write to Liferay an
// idempotent upsert. Derived only from the hub's item id, the section and the
// file's content hash, so any retry, by any hub process, names the same thing.

import { createHash } from "node:crypto";

/** Liferay stores externalReferenceCode in a VARCHAR(75). */
export const MAX_ERC_LENGTH = 75;

export const short = (text: string, length: number) => createHash("sha256").update(text, "utf8").digest("hex").slice(0, length);

function fit(natural: string): string {
  // Hub ids are UUIDs, so the natural form fits; anything longer is hashed
  // rather than cut, so two long ids can never share a code.
  return natural.length <= MAX_ERC_LENGTH ? natural : `ps-${short(natural, 40)}`;
}

/**
 * The structured content of one hub item in one section: `ps-<itemId>-<section>`
 * (the section as 8 hex digits of its slug's hash, since one item may be routed
 * to two sections of a site and each gets its own article).
 */
export function contentErc(itemId: string, sectionSlug: string): string {
  return fit(`ps-${itemId}-${short(sectionSlug, 8)}`);
}

/** One file of one hub item in one section: the content ERC plus 64 bits of the file's SHA-256. */
export function fileErc(itemId: string, sectionSlug: string, sha256: string): string {
  return fit(`${contentErc(itemId, sectionSlug)}-${sha256.toLowerCase().slice(0, 16)}`);
}
