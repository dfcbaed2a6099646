// Streaming digests of byte ranges. Ranges are read in fixed-size chunks, so
// memory stays flat whatever the file size. A pool of worker threads lets the
// command hash several files at once; the worker body is plain JavaScript so
// starting it costs no TypeScript loader.
import type { Hash } from "node:crypto";
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

/**
 * Hash states of a source's first bytes, taken while it arrived (an upload
 * hashed as it came off the socket): a range from byte 0 resumes the state
 * nearest below its end instead of hashing from the start again.
 */
export interface PrefixHashes {
  alg: DigestName;
  /** The state after the first `at` bytes; ascending `at`. Never updated: copied before use. */
  states: readonly { at: number; hash: Hash }[];
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

/**
 * SHA-256 of bytes as they arrive, keeping a copy of the state about every
 * `every` bytes (a copy is a few hundred bytes: 48 for a 3 MB upload at the
 * default), so the signed ranges of the same bytes need not be hashed again.
 */
export class ArrivalHasher {
  private readonly hash = newHash("sha256");
  private readonly states: { at: number; hash: Hash }[] = [];
  private size = 0;
  private lastAt = 0;
  constructor(private readonly every = 64 * 1024) {}

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.size - this.lastAt >= this.every) {
      this.states.push({ at: this.size, hash: this.hash.copy() });
      this.lastAt = this.size;
    }
  }

  /** The hash states taken so far, and one at the end. Call once, after the last byte. */
  finish(): { sha256: string; prefixes: PrefixHashes } {
    if (this.lastAt !== this.size) this.states.push({ at: this.size, hash: this.hash.copy() });
    return { sha256: this.hash.digest("hex"), prefixes: { alg: "sha256", states: this.states } };
  }
}

/**
 * Where each job starts: jobs of one algorithm whose byte streams begin
 * alike (a signature's signed ranges and the whole file share everything up
 * to the signature's /Contents) hash that prefix once. `from`: the job
 * resumes a copy of job `of`'s hash taken `at` bytes into its stream.
 * Exported for its tests.
 */
export function sharedPrefixes(jobs: readonly HashJob[]): ({ of: number; at: number } | null)[] {
  return jobs.map((job, j) => {
    let best: { of: number; at: number } | null = null;
    for (let i = 0; i < j; i++) {
      if (jobs[i]!.alg !== job.alg) continue;
      const at = commonPrefix(jobs[i]!.ranges, job.ranges);
      // resuming at the very end of job i is fine: its final hash is copied before digest()
      if (at > 0 && (!best || at > best.at)) best = { of: i, at };
    }
    return best;
  });
}

/** Bytes the two streams of ranges have in common from their start. */
function commonPrefix(a: readonly [number, number][], b: readonly [number, number][]): number {
  const ra = merged(a);
  const rb = merged(b);
  let n = 0;
  for (let k = 0; k < ra.length && k < rb.length; k++) {
    const [sa, la] = ra[k]!;
    const [sb, lb] = rb[k]!;
    if (sa !== sb) break;
    n += Math.min(la, lb);
    if (la !== lb) break;
  }
  return n;
}

/** Empty ranges dropped, touching ones joined: the same bytes, one way of writing them. */
function merged(ranges: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [start, len] of ranges) {
    if (len <= 0) continue;
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === start) last[1] += len;
    else out.push([start, len]);
  }
  return out;
}

/** The job's ranges from `skip` bytes into its stream, cut at each of `cuts` (stream offsets, ascending). */
function segments(ranges: readonly [number, number][], skip: number, cuts: readonly number[]): { start: number; len: number; cutAfter: boolean }[] {
  const out: { start: number; len: number; cutAfter: boolean }[] = [];
  let offset = 0; // stream offset of the current range's first byte
  let c = 0;
  while (c < cuts.length && cuts[c]! <= skip) c++;
  for (const [start, len] of merged(ranges)) {
    let from = Math.max(0, skip - offset);
    while (from < len) {
      const cut = c < cuts.length ? cuts[c]! - offset : Infinity;
      const to = Math.min(len, cut);
      out.push({ start: start + from, len: to - from, cutAfter: to === cut });
      if (to === cut) c++;
      from = to;
    }
    offset += len;
  }
  return out;
}

/** In-thread hashing; asynchronous reads overlap I/O with hashing. */
export const localHasher: RangeHasher = {
  async hash(source, _path, jobs) {
    const plan = sharedPrefixes(jobs);
    // hash states kept for later jobs: job i's state at stream offset `at`
    const wanted = jobs.map((_, i) => [...new Set(plan.filter((p) => p?.of === i).map((p) => p!.at))].sort((a, b) => a - b));
    const states = new Map<string, Hash>();
    const prefixes = source instanceof ChunkSource ? source.prefixHashes : undefined;
    const out: Buffer[] = [];
    for (const [j, job] of jobs.entries()) {
      const resume = plan[j];
      const shared = resume ? states.get(`${resume.of}@${resume.at}`) : undefined;
      const arrived = prefixes ? stateWithin(prefixes, job) : undefined;
      // the longer head start of the two: an earlier job's state, or one taken on arrival
      const useArrived = arrived && (!shared || arrived.at > resume!.at);
      const h = useArrived ? arrived.hash.copy() : shared ? shared.copy() : newHash(job.alg);
      const skip = useArrived ? arrived.at : shared ? resume!.at : 0;
      const cuts = wanted[j]!;
      let cutIndex = 0;
      // A later job that wants this one's state before `skip` finds none kept
      // and starts on its own (from a state taken on arrival, or byte 0).
      for (; cutIndex < cuts.length && cuts[cutIndex]! <= skip; cutIndex++) if (cuts[cutIndex] === skip) states.set(`${j}@${skip}`, h.copy());
      for (const seg of segments(job.ranges, skip, cuts)) {
        await feed(h, source, seg.start, seg.len);
        if (seg.cutAfter) states.set(`${j}@${cuts[cutIndex++]!}`, h.copy());
      }
      out.push(h.digest());
    }
    return out;
  },
};

/** The arrival state deepest inside the job's first range, when that range starts at byte 0. */
function stateWithin(prefixes: PrefixHashes, job: HashJob): { at: number; hash: Hash } | undefined {
  const first = merged(job.ranges)[0];
  if (prefixes.alg !== job.alg || !first || first[0] !== 0) return undefined;
  let best: { at: number; hash: Hash } | undefined;
  for (const state of prefixes.states) {
    if (state.at > first[1]) break;
    if (state.at > 0) best = state;
  }
  return best;
}

/** Hashes [start, start + len) of the source. */
async function feed(h: Hash, source: ByteSource, start: number, len: number): Promise<void> {
  if (len <= 0) return;
  if (source instanceof ChunkSource) {
    for (const view of source.views(start, len)) h.update(view);
    return;
  }
  if (!(source instanceof FileSource)) {
    for (let p = start; p < start + len; p += CHUNK) h.update(source.read(p, Math.min(CHUNK, start + len - p)));
    return;
  }
  const fd = source.descriptor;
  let bufA = spareChunks.pop() ?? Buffer.allocUnsafe(CHUNK);
  let bufB = spareChunks.pop() ?? Buffer.allocUnsafe(CHUNK);
  let pos = start;
  const end = start + len;
  let pending: Promise<{ bytesRead: number }> | null = readAsync(fd, bufA, 0, Math.min(CHUNK, end - pos), pos);
  while (pending) {
    const { bytesRead } = await pending;
    if (bytesRead <= 0) throw new Error("file shrank while being verified");
    const cur = bufA;
    pos += bytesRead;
    [bufA, bufB] = [bufB, bufA];
    pending = pos < end ? readAsync(fd, bufA, 0, Math.min(CHUNK, end - pos), pos) : null;
    h.update(cur.subarray(0, bytesRead));
  }
  // only after a clean finish: after an error a read may still be writing into one of them
  if (spareChunks.length < MAX_SPARE) spareChunks.push(bufA, bufB);
}

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
