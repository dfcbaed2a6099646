// Whether a PDF was cut short. A complete PDF (each incremental update too)
// ends with "%%EOF"; a download or copy that stopped early does not. Such a
// file is not a readable PDF (contract: status `error`), whatever is left of
// it: the part cut off may have held the signature, so "unsigned" would be a
// guess, and a signature over the missing bytes is not "invalid" either.
import type { ByteSource } from "./byte-source.ts";
import { lastIndexOf } from "./pdf-objects.ts";

const TAIL = 64 * 1024;
// what is left of an object, an xref section or a trailer
const PDF_SYNTAX = /\d+\s+\d+\s+obj\b|endobj|stream|\bxref\b|trailer|startxref|<<|>>/;

/** Why the file looks truncated, or null when it ends like a complete PDF. */
export function truncation(src: ByteSource): string | null {
  const size = src.size;
  // the marker is normally in the last few bytes: one small read, as for startxref
  let len = Math.min(size, 1024);
  let tail = src.read(size - len, len);
  let i = lastIndexOf(tail, "%%EOF");
  if (i < 0 && len < Math.min(size, TAIL)) {
    len = Math.min(size, TAIL);
    tail = src.read(size - len, len);
    i = lastIndexOf(tail, "%%EOF");
  }
  if (i < 0) {
    return `Tệp bị cắt cụt hoặc hỏng / file truncated or damaged: it does not end with %%EOF (none in its last ${len} bytes of ${size})`;
  }
  const rest = Buffer.from(tail.subarray(i + 5));
  let k = 0;
  while (k < rest.length && (rest[k] === 0 || rest[k] === 9 || rest[k] === 10 || rest[k] === 12 || rest[k] === 13 || rest[k] === 32)) k++;
  if (k === rest.length) return null;
  const eof = size - len + i;
  // bytes that are not PDF syntax are judged later, as data no signature covers
  if (!PDF_SYNTAX.test(rest.toString("latin1"))) return null;
  return `Tệp bị cắt cụt hoặc hỏng / file truncated or damaged: ${size - eof - 5} bytes after the last %%EOF (at byte ${eof}) are an incomplete update`;
}
