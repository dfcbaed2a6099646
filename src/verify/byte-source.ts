// Random access to the bytes of a PDF, either in memory or on disk.
// Parsing reads small windows synchronously through a bounded block cache,
// so a 200 MB file never has to be held in memory.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import type { PrefixHashes } from "./hashing.ts";
import { fileKind } from "./walk.ts";

export interface ByteSource {
  readonly size: number;
  /** Up to `len` bytes at `pos` (shorter at end of file). The result may be a view: do not mutate. */
  read(pos: number, len: number): Uint8Array;
  close(): void;
}

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(private readonly buf: Uint8Array) {
    this.size = buf.length;
  }
  read(pos: number, len: number): Uint8Array {
    if (pos < 0) pos = 0;
    return this.buf.subarray(pos, Math.min(this.size, pos + len));
  }
  close(): void {}
}

/**
 * Bytes that arrived in pieces (an upload as it came off the socket), read
 * where they lie: joining 3 MB into one fresh buffer cost about as much as
 * hashing it (new memory to fault in, then garbage). Parsing reads small
 * windows (a window across pieces is copied); hashing walks the pieces
 * themselves (`views`), from the hash states taken on arrival if given.
 */
export class ChunkSource implements ByteSource {
  readonly size: number;
  private readonly starts: number[] = [];
  constructor(
    private readonly chunks: readonly Uint8Array[],
    readonly prefixHashes?: PrefixHashes,
  ) {
    let size = 0;
    for (const c of chunks) {
      this.starts.push(size);
      size += c.length;
    }
    this.size = size;
  }

  /** The piece holding byte `pos` (0 <= pos < size). */
  private at(pos: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The bytes of [pos, pos + len) as views of the pieces, in order. */
  *views(pos: number, len: number): Generator<Uint8Array> {
    if (pos < 0) pos = 0;
    const end = Math.min(this.size, pos + len);
    for (let i = pos < end ? this.at(pos) : this.chunks.length; i < this.chunks.length && this.starts[i]! < end; i++) {
      const start = this.starts[i]!;
      const chunk = this.chunks[i]!;
      const view = chunk.subarray(Math.max(0, pos - start), Math.min(chunk.length, end - start));
      if (view.length > 0) yield view;
    }
  }

  read(pos: number, len: number): Uint8Array {
    const parts = [...this.views(pos, len)];
    if (parts.length === 1) return parts[0]!;
    return parts.length === 0 ? new Uint8Array(0) : Buffer.concat(parts);
  }

  close(): void {}
}

// Parsing touches a few small places of a file (header, xref, a few objects):
// small blocks mean little reading and copying per file (verification of a
// folder is benchmarked against hashing alone).
const BLOCK = 16 * 1024;
const MAX_BLOCKS = 256; // 4 MB of cache per open file

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;
  private cache = new Map<number, Buffer>();

  /** Refuses anything but a regular file; never blocks (a FIFO without a writer would block a plain open). */
  constructor(path: string) {
    this.fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile()) throw new Error(`${fileKind(st)}, not a regular file`);
      this.size = st.size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  private block(i: number): Buffer {
    let b = this.cache.get(i);
    if (b) {
      // refresh LRU position
      this.cache.delete(i);
      this.cache.set(i, b);
      return b;
    }
    const start = i * BLOCK;
    const len = Math.min(BLOCK, this.size - start);
    b = Buffer.allocUnsafe(Math.max(0, len));
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, b, got, len - got, start + got);
      if (n <= 0) break;
      got += n;
    }
    b = b.subarray(0, got);
    this.cache.set(i, b);
    if (this.cache.size > MAX_BLOCKS) {
      const first = this.cache.keys().next().value as number;
      this.cache.delete(first);
    }
    return b;
  }

  read(pos: number, len: number): Uint8Array {
    if (pos < 0) pos = 0;
    const end = Math.min(this.size, pos + len);
    if (end <= pos) return new Uint8Array(0);
    const first = Math.floor(pos / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    if (first === last) {
      const b = this.block(first);
      return b.subarray(pos - first * BLOCK, end - first * BLOCK);
    }
    if (end - pos > BLOCK * 8) {
      // large reads bypass the cache
      const out = Buffer.allocUnsafe(end - pos);
      let got = 0;
      while (got < out.length) {
        const n = readSync(this.fd, out, got, out.length - got, pos + got);
        if (n <= 0) break;
        got += n;
      }
      return out.subarray(0, got);
    }
    const parts: Buffer[] = [];
    for (let i = first; i <= last; i++) {
      const b = this.block(i);
      const s = i === first ? pos - first * BLOCK : 0;
      const e = i === last ? end - last * BLOCK : b.length;
      parts.push(b.subarray(s, e));
    }
    return Buffer.concat(parts);
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.cache.clear();
  }

  get descriptor(): number {
    return this.fd;
  }
}
