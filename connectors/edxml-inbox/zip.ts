// A deliberately small ZIP reader for edXML attachments. fflate's unzipSync
// trusts the sizes written in the archive and inflates whole entries at once,
// so a hostile archive can claim 1 KB and expand to gigabytes before any check
// runs. Here the central directory is read by hand, every limit is checked
// before inflating, and inflation is streamed in small slices so the real
// output size and ratio are enforced as the bytes appear.

import { Inflate } from "fflate";

export interface ZipLimits {
  /** Most entries (files and folders) the central directory may list. */
  maxEntries: number;
  /** Largest uncompressed size of one entry. */
  maxEntryBytes: number;
  /** Largest uncompressed size of all entries together. */
  maxTotalBytes: number;
  /** Highest uncompressed/compressed ratio, once output passes ratioFloorBytes. */
  maxRatio: number;
  /** Small files compress extremely well legitimately; judge the ratio only above this. */
  ratioFloorBytes: number;
}

export interface ZipEntry {
  name: string;
  bytes: Uint8Array;
  compressedSize: number;
}

export class ZipError extends Error {
  constructor(
    message: string,
    readonly code: "zip-corrupt" | "zip-limit" | "zip-unsafe-name" | "zip-unsupported",
  ) {
    super(message);
    this.name = "ZipError";
  }
}

const SIG_EOCD = 0x06054b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
// Upper bound of each inflate step's output is ~1032× its input; 8 KB slices
// keep a single step under ~8.5 MB whatever the archive claims.
const INFLATE_SLICE = 8 * 1024;

export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Names that could escape the folder they are extracted into, or hide as something else. */
export function isUnsafeEntryName(name: string): boolean {
  if (name.length === 0 || name.includes("\0")) return true;
  const unified = name.replace(/\\/gu, "/");
  if (unified.startsWith("/") || /^[A-Za-z]:/u.test(unified)) return true;
  return unified.split("/").some((segment) => segment === "..");
}

let crcTable: Uint32Array | null = null;
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc = (crcTable[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - 22;
  const first = Math.max(0, last - 0xffff);
  for (let at = last; at >= first; at--) {
    if (view.getUint32(at, true) === SIG_EOCD) return at;
  }
  throw new ZipError("not a ZIP archive (no end-of-central-directory record)", "zip-corrupt");
}

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function readCentralDirectory(bytes: Uint8Array, limits: ZipLimits): CentralEntry[] {
  if (bytes.length < 22) throw new ZipError("ZIP archive is truncated", "zip-corrupt");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    throw new ZipError("ZIP64 archives are not accepted in edXML attachments", "zip-unsupported");
  }
  if (count > limits.maxEntries) {
    throw new ZipError(`ZIP archive lists ${count} entries; at most ${limits.maxEntries} are allowed`, "zip-limit");
  }
  if (cdOffset + cdSize > bytes.length) throw new ZipError("ZIP central directory lies outside the archive", "zip-corrupt");
  const decoder = new TextDecoder("utf-8");
  const entries: CentralEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== SIG_CENTRAL) {
      throw new ZipError("ZIP central directory is corrupt", "zip-corrupt");
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength > bytes.length) throw new ZipError("ZIP entry name is truncated", "zip-corrupt");
    entries.push({
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function inflateBounded(data: Uint8Array, entry: CentralEntry, limits: ZipLimits, budget: number): Uint8Array {
  // Output goes straight into a buffer of the declared size (already checked
  // against the limits): no list of chunks and no second copy, so an entry
  // costs its size once. Bytes past the declared size are counted, not kept:
  // the entry is refused anyway.
  const out = new Uint8Array(entry.size);
  let produced = 0;
  const check = () => {
    if (produced > limits.maxEntryBytes || produced > budget) {
      throw new ZipError(
        `ZIP entry "${entry.name}" expands beyond the size limit (${Math.min(limits.maxEntryBytes, budget)} bytes)`,
        "zip-limit",
      );
    }
    if (produced > limits.ratioFloorBytes && produced / Math.max(1, data.length) > limits.maxRatio) {
      throw new ZipError(
        `ZIP entry "${entry.name}" has a compression ratio above ${limits.maxRatio}:1 (zip bomb?)`,
        "zip-limit",
      );
    }
  };
  const inflater = new Inflate((chunk) => {
    const at = produced;
    produced += chunk.length;
    check();
    if (produced <= out.length) out.set(chunk, at);
  });
  try {
    for (let offset = 0; offset < data.length; offset += INFLATE_SLICE) {
      const end = Math.min(data.length, offset + INFLATE_SLICE);
      inflater.push(data.subarray(offset, end), end === data.length);
    }
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof ZipError) throw error;
    throw new ZipError(`ZIP entry "${entry.name}" is not valid DEFLATE data: ${(error as Error).message}`, "zip-corrupt");
  }
  if (produced !== entry.size) {
    throw new ZipError(`ZIP entry "${entry.name}" is ${produced} bytes but declares ${entry.size}`, "zip-corrupt");
  }
  return out;
}

/** Extract every file entry, enforcing `limits`; folders are skipped. */
export function unzipBounded(bytes: Uint8Array, limits: ZipLimits): ZipEntry[] {
  const entries = readCentralDirectory(bytes, limits);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const files: ZipEntry[] = [];
  let total = 0;
  for (const entry of entries) {
    if (isUnsafeEntryName(entry.name)) {
      throw new ZipError(`ZIP entry name "${entry.name}" is unsafe (absolute path or "..")`, "zip-unsafe-name");
    }
    if (entry.name.endsWith("/")) continue;
    if (entry.flags & 0x1) throw new ZipError(`ZIP entry "${entry.name}" is encrypted`, "zip-unsupported");
    if (entry.method !== 0 && entry.method !== 8) {
      throw new ZipError(`ZIP entry "${entry.name}" uses compression method ${entry.method}; only stored and DEFLATE are accepted`, "zip-unsupported");
    }
    // Declared sizes are checked first so an honest oversized archive fails fast;
    // the streaming checks below catch the dishonest ones.
    if (entry.size > limits.maxEntryBytes) {
      throw new ZipError(`ZIP entry "${entry.name}" is ${entry.size} bytes; the limit is ${limits.maxEntryBytes}`, "zip-limit");
    }
    if (entry.size > limits.ratioFloorBytes && entry.size / Math.max(1, entry.compressedSize) > limits.maxRatio) {
      throw new ZipError(
        `ZIP entry "${entry.name}" has a compression ratio above ${limits.maxRatio}:1 (zip bomb?)`,
        "zip-limit",
      );
    }
    const local = entry.localOffset;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== SIG_LOCAL) {
      throw new ZipError(`ZIP local header of "${entry.name}" is corrupt`, "zip-corrupt");
    }
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const end = start + entry.compressedSize;
    if (end > bytes.length) throw new ZipError(`ZIP entry "${entry.name}" is truncated`, "zip-corrupt");
    const data = bytes.subarray(start, end);
    const budget = limits.maxTotalBytes - total;
    let content: Uint8Array;
    if (entry.method === 0) {
      if (data.length > budget) throw new ZipError("ZIP archive expands beyond the total size limit", "zip-limit");
      content = data; // a view of the archive's bytes: no copy
    } else {
      content = inflateBounded(data, entry, limits, budget);
    }
    if (content.length !== entry.size) {
      throw new ZipError(`ZIP entry "${entry.name}" is ${content.length} bytes but declares ${entry.size}`, "zip-corrupt");
    }
    if (crc32(content) !== entry.crc) throw new ZipError(`ZIP entry "${entry.name}" fails its CRC check`, "zip-corrupt");
    total += content.length;
    files.push({ name: entry.name, bytes: content, compressedSize: entry.compressedSize });
  }
  return files;
}
