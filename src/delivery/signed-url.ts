// Time-limited download links for the files a portal is told about:
// /files/{sha256}?exp=…&name=…&sig=…, where sig is an HMAC over the hash, the
// expiry and the file name. The blob store is content-addressed, so a hash
// alone would let anyone who learns it download the file forever; the
// signature limits a link to the hub's own messages and to its lifetime.
// Pure: the key is passed in (see url-key.ts for where it comes from).

import { createHmac, timingSafeEqual } from "node:crypto";

export interface DownloadLink {
  sha256: string;
  /** Unix seconds after which the link stops working. */
  exp: number;
  /** File name for Content-Disposition; signed so it cannot be swapped. */
  name: string | null;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** A purpose-bound key: the hub secret also signs sessions, never with the same key. */
export function deriveDownloadKey(secret: string | Uint8Array): Buffer {
  return createHmac("sha256", secret).update("portalsync/download-links/v1").digest();
}

export function signDownload(key: Uint8Array, link: DownloadLink): string {
  if (!SHA256.test(link.sha256)) throw new Error(`not a SHA-256: ${link.sha256}`);
  if (!Number.isSafeInteger(link.exp)) throw new Error(`expiry must be whole Unix seconds: ${link.exp}`);
  // Newline-separated: none of the three parts can contain one ambiguously
  // (hash is hex, exp digits, and names are signed as given).
  return createHmac("sha256", key).update(`${link.sha256}\n${link.exp}\n${link.name ?? ""}`).digest("base64url");
}

/** Path and query of a signed link (append to the hub's public base URL). */
export function downloadPath(key: Uint8Array, link: DownloadLink): string {
  const query = new URLSearchParams({ exp: String(link.exp) });
  if (link.name) query.set("name", link.name);
  query.set("sig", signDownload(key, link));
  return `/files/${link.sha256}?${query.toString()}`;
}

export function downloadUrl(baseUrl: string, key: Uint8Array, link: DownloadLink): string {
  return `${baseUrl.replace(/\/+$/, "")}${downloadPath(key, link)}`;
}

/** Expiry of links issued at `anchor` for `ttlSeconds`: deterministic, so a retried message is identical. */
export function linkExpiry(anchor: Date, ttlSeconds: number): number {
  return Math.floor(anchor.getTime() / 1000) + ttlSeconds;
}

export type LinkCheck = { ok: true } | { ok: false; reason: "malformed" | "expired" | "bad-signature" };

export function checkDownload(
  key: Uint8Array,
  input: { sha256: string; exp: string | undefined; name: string | undefined; sig: string | undefined },
  nowSeconds: number,
): LinkCheck {
  if (!SHA256.test(input.sha256) || !input.exp || !/^\d{1,12}$/.test(input.exp) || !input.sig) return { ok: false, reason: "malformed" };
  const exp = Number(input.exp);
  const expected = Buffer.from(signDownload(key, { sha256: input.sha256, exp, name: input.name ?? null }));
  const given = Buffer.from(input.sig);
  // Signature before expiry: an attacker learns nothing from which check failed.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad-signature" };
  if (exp < nowSeconds) return { ok: false, reason: "expired" };
  return { ok: true };
}

/** Content-Disposition for a (possibly Vietnamese) file name: ASCII fallback plus RFC 5987 UTF-8. */
export function contentDisposition(name: string | null, sha256: string): string {
  // A source may name a file "../../x.pdf": only the last path segment is a name.
  const base = name?.split(/[\\/]/).pop()?.trim();
  const full = base ? base : sha256;
  const ascii = full
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(full).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
