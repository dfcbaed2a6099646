// Streaming digests of byte ranges. Ranges are read in fixed-size chunks, so
// memory stays flat whatever the file size. A pool of worker threads lets the
// command hash several files at once; the worker body is plain JavaScript so
// starting it costs no TypeScript loader.
import { read as fsRead } from "node:fs";
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import { newHash, type DigestName } from "./algorithms.ts";
import type { ByteSource } from "./byte-source.ts";
import { ChunkSource, FileSource } from "./byte-source.ts";

const CHUNK = 1024 * 1024;
const readAsync = promisify(fsRead);

export interface HashJob {
  ranges: [number, number][];
  alg: DigestName;
}

export interface RangeHasher {
  /** One digest per job, in order. `path` is set when the source is a file. */
  hash(source: ByteSource, path: string | undefined, jobs: HashJob[]): Promise<Buffer[]>;
}

// Read buffers of finished jobs, reused by the next ones: a fresh pair of 1 MB
// buffers per file costs page faults and garbage collection (hundreds of MB
// over a folder) for nothing. Several files are hashed at once, so a pool.
const spareChunks: Buffer[] = [];
const MAX_SPARE = 16;

/** In-thread hashing; asynchronous reads overlap I/O with hashing. */
export const localHasher: RangeHasher = {
  async hash(source, _path, jobs) {
    const out: Buffer[] = [];
    for (const job of jobs) {
      const h = newHash(job.alg);
      if (source instanceof FileSource) {
        const fd = source.descriptor;
        let bufA = spareChunks.pop() ?? Buffer.allocUnsafe(CHUNK);
        let bufB = spareChunks.pop() ?? Buffer.allocUnsafe(CHUNK);
        for (const [start, len] of job.ranges) {
          let pos = start;
          const end = start + len;
          let pending = pos < end ? readAsync(fd, bufA, 0, Math.min(CHUNK, end - pos), pos) : null;
          while (pending) {
            const { bytesRead } = await pending;
            if (bytesRead <= 0) throw new Error("file shrank while being verified");
            const cur = bufA;
            pos += bytesRead;
            [bufA, bufB] = [bufB, bufA];
            pending = pos < end ? readAsync(fd, bufA, 0, Math.min(CHUNK, end - pos), pos) : null;
            h.update(cur.subarray(0, bytesRead));
          }
        }
        // only after a clean finish: after an error a read may still be writing into one of them
        if (spareChunks.length < MAX_SPARE) spareChunks.push(bufA, bufB);
      } else if (source instanceof ChunkSource) {
        for (const [start, len] of job.ranges) for (const view of source.views(start, len)) h.update(view);
      } else {
        for (const [start, len] of job.ranges) {
          for (let p = start; p < start + len; p += CHUNK) h.update(source.read(p, Math.min(CHUNK, start + len - p)));
        }
      }
      out.push(h.digest());
    }
    return out;
  },
};

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
const buf = Buffer.allocUnsafe(${CHUNK});
parentPort.on("message", (m) => {
  let fd = -1;
  try {
    fd = m.fd >= 0 ? m.fd : fs.openSync(m.path, "r");
    const out = [];
    for (const job of m.jobs) {
      const h = job.alg === "shake256" ? crypto.createHash("shake256", { outputLength: 64 }) : crypto.createHash(job.alg);
      for (const [start, len] of job.ranges) {
        let pos = start;
        const end = start + len;
        while (pos < end) {
          const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
          if (n <= 0) throw new Error("file shrank while being verified");
          h.update(n === buf.length ? buf : buf.subarray(0, n));
          pos += n;
        }
      }
      out.push(h.digest("hex"));
    }
    parentPort.postMessage({ id: m.id, digests: out });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  } finally {
    if (fd >= 0 && !(m.fd >= 0)) fs.closeSync(fd);
  }
});
`;

type Pending = { resolve: (b: Buffer[]) => void; reject: (e: Error) => void; bytes: number };

/** Worker-thread hasher for files on disk; in-memory sources are hashed locally. */
export class HashPool implements RangeHasher {
  /** `queued`: bytes sent to the worker and not yet reported back */
  private workers: { w: Worker; queued: number }[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(size: number) {
    for (let i = 0; i < Math.max(1, size); i++) {
      // execArgv: [] keeps the TypeScript loader out of the worker
      const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      const slot = { w, queued: 0 };
      w.on("message", (m: { id: number; digests?: string[]; error?: string }) => {
        const p = this.pending.get(m.id);
        slot.queued -= p?.bytes ?? 0;
        this.pending.delete(m.id);
        if (!p) return;
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve((m.digests ?? []).map((h) => Buffer.from(h, "hex")));
      });
      w.on("error", (e) => {
        for (const [, p] of this.pending) p.reject(e);
        this.pending.clear();
      });
      this.workers.push(slot);
    }
  }

  hash(source: ByteSource, path: string | undefined, jobs: HashJob[]): Promise<Buffer[]> {
    if (!path || jobs.length === 0) return localHasher.hash(source, path, jobs);
    // least queued bytes, not fewest jobs: files range from 100 KB to 200 MB,
    // and a worker stuck behind big files would leave the other idle at the end
    let bytes = 0;
    for (const j of jobs) for (const [, len] of j.ranges) bytes += len;
    const slot = this.workers.reduce((a, b) => (b.queued < a.queued ? b : a));
    slot.queued += bytes;
    const id = this.nextId++;
    // Descriptors belong to the process, not to a thread: the worker reads the
    // file the main thread opened and parsed (one open and close less per file,
    // and the bytes hashed are those of the file parsed, even if the path is
    // replaced meanwhile). The caller keeps it open until this promise settles.
    const fd = source instanceof FileSource ? source.descriptor : -1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, bytes });
      slot.w.postMessage({ id, fd, path, jobs });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((s) => s.w.terminate()));
    this.workers = [];
  }
}
