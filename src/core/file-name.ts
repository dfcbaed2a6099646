// File names as portals receive them. Sources name attachments freely
// ("../../../tmp/x.pdf", "C:\\Văn bản\\QĐ.pdf", names with control or
// bidirectional-override characters); a portal that saves the file under the
// given name must get a plain one: the last path segment, NFC, Vietnamese
// letters kept, nothing that is a path separator, a control character or
// reserved in file names; else a numbered fallback.

import { MIME_BY_EXTENSION } from "./mime.ts";

const MAX_LENGTH = 150;

// C0/C1 controls and DEL; bidirectional embeddings, overrides and isolates
// ("\u202Efdp.exe" shows as "exe.pdf"); zero-width characters and the BOM.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/gu;
// Reserved in file names on Windows (and so by many CMSs).
const RESERVED = /[<>:"|?*]/gu;
const DEVICE = /^(?:con|prn|aux|nul|com\d|lpt\d)$/iu;

/** The name cleaned, or "" when nothing usable is left. */
export function cleanFileName(name: string | null | undefined): string {
  const segments = (name ?? "").normalize("NFC").split(/[/\\]/u);
  let base = (segments.at(-1) ?? "").replace(INVISIBLE, "").replace(RESERVED, "_").replace(/\s+/gu, " ");
  // No leading dots (hidden files, "..") and no trailing dots or spaces (Windows drops them).
  base = base.replace(/^[\s.]+/u, "").replace(/[\s.]+$/u, "");
  if (base === "" || /^_+$/u.test(base)) return "";
  const dot = base.lastIndexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const ext = dot > 0 ? base.slice(dot) : "";
  const safeStem = DEVICE.test(stem) ? `_${stem}` : stem;
  if (safeStem.length + ext.length <= MAX_LENGTH) return safeStem + ext;
  // Too long: shorten the stem, keep the extension (whole code points, not halves of a pair).
  const keep = [...safeStem].slice(0, Math.max(1, MAX_LENGTH - ext.length)).join("");
  return keep.trimEnd() + ext;
}

const EXTENSION_BY_MIME: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(MIME_BY_EXTENSION)
    .filter(([ext]) => !["jpeg", "tif", "edxml"].includes(ext))
    .map(([ext, mime]) => [mime, ext]),
);

/** The clean name of the file at `position` (0-based) in its item, or "tep-dinh-kem-{n}.{ext}". */
export function attachmentName(name: string | null | undefined, position: number, mime: string | null | undefined): string {
  const clean = cleanFileName(name);
  if (clean) return clean;
  const ext = EXTENSION_BY_MIME[(mime ?? "").split(";")[0]!.trim().toLowerCase()] ?? "pdf";
  return `tep-dinh-kem-${position + 1}.${ext}`;
}
