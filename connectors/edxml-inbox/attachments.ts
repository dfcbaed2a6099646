// Attachments: base64 (validated), then a bounded unzip when the sender
// zipped it (most do), then the MIME type from the bytes.

import { createHash } from "node:crypto";
import { MIME_BY_EXTENSION, nfc } from "../../src/core/index.ts";
import { child, textOf, type El } from "./tree.ts";
import { EdxmlError, type EdxmlAttachment, type EdxmlLimits } from "./model.ts";
import { looksLikeZip, unzipBounded, ZipError } from "./zip.ts";

/** What a ZIP around the largest allowed attachment may add (headers, directory). */
export const ZIP_ALLOWANCE = 64 * 1024;

/**
 * Where an attachment's bytes come from. The in-memory parser decodes the
 * element's base64 text; a spooled package (spool.ts) has already cut the
 * base64 out into a file of raw bytes and left a marker in the element.
 */
export interface AttachmentSource {
  /** Raw (base64-decoded, maybe zipped) bytes of the attachment whose ContentTransferEncoded text is `encoded`. */
  raw(encoded: string, label: string, limits: EdxmlLimits): Uint8Array;
}

/** base64 text in the element, as in the packages' wire form. */
export const inlineAttachments: AttachmentSource = {
  raw(encoded, label, limits) {
    // Refuse before decoding: base64 is 4/3 of the bytes.
    if ((encoded.length * 3) / 4 > limits.maxAttachmentBytes + ZIP_ALLOWANCE) {
      throw new EdxmlError(`attachment ${label} exceeds ${limits.maxAttachmentBytes} bytes`, "attachment-limit");
    }
    return decodeBase64(encoded, label);
  },
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;

function decodeBase64(value: string, label: string): Uint8Array {
  const compact = value.replace(/\s+/gu, "");
  if (compact === "") throw new EdxmlError(`attachment ${label} has no content`, "bad-attachment");
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    const sample = compact.slice(0, 40);
    throw new EdxmlError(`attachment ${label} is not base64 (starts with "${sample}")`, "bad-attachment");
  }
  return new Uint8Array(Buffer.from(compact, "base64"));
}


const SNIFFABLE = new Set(["pdf", "doc", "docx", "xls", "xlsx", "odt", "zip", "jpg", "jpeg", "png", "xml", "edxml"]);

function extensionOf(name: string | null): string {
  const match = /\.([A-Za-z0-9]+)$/u.exec(name ?? "");
  return (match?.[1] ?? "").toLowerCase();
}

/** MIME from the bytes first (names lie: real packages call an .edxml entry ".doc"), then the names. */
export function sniffMime(bytes: Uint8Array, ...names: (string | null)[]): string {
  const starts = (...sig: number[]) => sig.every((b, k) => bytes[k] === b);
  if (starts(0x25, 0x50, 0x44, 0x46)) return "application/pdf";
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) {
    return names.map(extensionOf).includes("xls") ? "application/vnd.ms-excel" : "application/msword";
  }
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    for (const name of names) {
      const ext = extensionOf(name);
      if (["docx", "xlsx", "odt"].includes(ext)) return MIME_BY_EXTENSION[ext] ?? "application/zip";
    }
    return "application/zip";
  }
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  const head = new TextDecoder("utf-8").decode(bytes.subarray(0, 64)).replace(/^\uFEFF/u, "").trimStart();
  if (head.startsWith("<?xml") || head.startsWith("<edXML")) return "application/xml";
  // Names are trusted only for formats without a signature to check: a
  // ".pdf" without %PDF is not a PDF (the pvn_2019 sample carries 17 such bytes).
  for (const name of names) {
    const ext = extensionOf(name);
    if (SNIFFABLE.has(ext)) continue;
    const mime = MIME_BY_EXTENSION[ext];
    if (mime) return mime;
  }
  return "application/octet-stream";
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function decodeAttachment(
  el: El,
  index: number,
  limits: EdxmlLimits,
  budget: { left: number },
  source: AttachmentSource,
): Omit<EdxmlAttachment, "error" | "mime" | "size" | "sha256" | "file"> & { bytes: Uint8Array } {
  const name = textOf(el, "AttachmentName") ?? `attachment-${index + 1}`;
  const label = `${index + 1} ("${name}")`;
  const encoded = child(el, "ContentTransferEncoded");
  if (!encoded) throw new EdxmlError(`attachment ${label} has no ContentTransferEncoded`, "bad-attachment");
  const raw = source.raw(encoded.text, label, limits);
  let bytes = raw;
  let entryName: string | null = null;
  if (looksLikeZip(raw)) {
    let entries;
    try {
      entries = unzipBounded(raw, {
        maxEntries: limits.maxZipEntries,
        maxEntryBytes: limits.maxAttachmentBytes,
        maxTotalBytes: Math.min(limits.maxAttachmentBytes, budget.left),
        maxRatio: limits.maxCompressionRatio,
        ratioFloorBytes: 1024 * 1024,
      });
    } catch (error) {
      if (error instanceof ZipError) {
        throw new EdxmlError(`attachment ${label}: ${error.message}`, error.code === "zip-limit" ? "attachment-limit" : "bad-attachment");
      }
      throw error;
    }
    const [first, ...rest] = entries;
    if (!first) throw new EdxmlError(`attachment ${label}: the ZIP holds no file`, "bad-attachment");
    if (rest.length > 0) {
      throw new EdxmlError(
        `attachment ${label}: the ZIP holds ${entries.length} files; edXML attachments carry exactly one`,
        "bad-attachment",
      );
    }
    bytes = first.bytes;
    entryName = nfc(first.name);
  } else if (raw.length > limits.maxAttachmentBytes || raw.length > budget.left) {
    throw new EdxmlError(`attachment ${label} exceeds the size limit`, "attachment-limit");
  }
  budget.left -= bytes.length;
  return {
    contentId: textOf(el, "ContentId"),
    name,
    description: textOf(el, "Description"),
    declaredContentType: textOf(el, "ContentType"),
    entryName,
    bytes,
  };
}
