import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BufferSource, ChunkSource, FileSource, type ByteSource } from "./byte-source.ts";
import { ArrivalHasher, localHasher, sharedPrefixes, type HashJob, type PrefixHashes } from "./hashing.ts";

const direct = (bytes: Buffer, job: HashJob) => {
  const h = createHash(job.alg);
  for (const [start, len] of job.ranges) h.update(bytes.subarray(start, start + len));
  return h.digest("hex");
};

/** Any source, counting the bytes handed out. */
class CountingSource implements ByteSource {
  read_ = 0;
  constructor(private readonly inner: BufferSource) {}
  get size() {
    return this.inner.size;
  }
  read(pos: number, len: number) {
    const out = this.inner.read(pos, len);
    this.read_ += out.length;
    return out;
  }
  close() {}
}

describe("range hashing with shared prefixes", () => {
  const bytes = randomBytes(300_000);
  // a signature's two ranges around its /Contents, and the whole file
  const signature: HashJob = { ranges: [[0, 200_000], [232_000, 68_000]], alg: "sha256" };
  const whole: HashJob = { ranges: [[0, 300_000]], alg: "sha256" };

  it("finds the common prefix of a signature's ranges and the whole file", () => {
    expect(sharedPrefixes([signature, whole])).toEqual([null, { of: 0, at: 200_000 }]);
    expect(sharedPrefixes([whole, signature])).toEqual([null, { of: 0, at: 200_000 }]);
    // another algorithm shares nothing
    expect(sharedPrefixes([signature, { ...whole, alg: "sha512" }])).toEqual([null, null]);
    // ranges written differently are the same bytes
    expect(sharedPrefixes([whole, { ranges: [[0, 10], [10, 0], [10, 299_990]], alg: "sha256" }])).toEqual([null, { of: 0, at: 300_000 }]);
  });

  it("reads the shared prefix once and gives each job its own digest", async () => {
    const counting = new CountingSource(new BufferSource(bytes));
    const digests = await localHasher.hash(counting, undefined, [signature, whole]);
    expect(digests.map((d) => d.toString("hex"))).toEqual([direct(bytes, signature), direct(bytes, whole)]);
    // 268,000 for the signature, then only the 100,000 after the prefix for the whole file
    expect(counting.read_).toBe(268_000 + 100_000);
  });

  it("resumes from the hash states taken on arrival: only the bytes past the deepest state inside the range are read", async () => {
    const pieces = Array.from({ length: 30 }, (_, i) => bytes.subarray(i * 10_000, (i + 1) * 10_000));
    const arrival = new ArrivalHasher(64 * 1024);
    for (const piece of pieces) arrival.update(piece);
    const { sha256, prefixes } = arrival.finish();
    expect(sha256).toBe(direct(bytes, whole));
    // states at 70,000, 140,000, 210,000, 280,000 (every 64 KB or more, on arrival), and 300,000 (the end)
    expect(prefixes.states.map((s) => s.at)).toEqual([70_000, 140_000, 210_000, 280_000, 300_000]);
    class Counting extends ChunkSource {
      hashed = 0;
      constructor(p: PrefixHashes) {
        super(pieces, p);
      }
      override *views(pos: number, len: number) {
        for (const view of super.views(pos, len)) {
          this.hashed += view.length;
          yield view;
        }
      }
    }
    const source = new Counting(prefixes);
    const digests = await localHasher.hash(source, undefined, [signature, whole, { ...signature, alg: "sha512" }]);
    expect(digests.map((d) => d.toString("hex"))).toEqual([direct(bytes, signature), direct(bytes, whole), direct(bytes, { ...signature, alg: "sha512" })]);
    // signature: 60,000 from the state at 140,000 plus 68,000; whole file: nothing (the state at the end);
    // sha512: no state of its algorithm, all 268,000
    expect(source.hashed).toBe(60_000 + 68_000 + 0 + 268_000);
  });

  it("matches hashing each job alone, over random jobs, on every kind of source", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hashing-"));
    const file = path.join(dir, "bytes");
    writeFileSync(file, bytes);
    const pieces = Array.from({ length: 30 }, (_, i) => bytes.subarray(i * 10_000, (i + 1) * 10_000));
    try {
      for (let round = 0; round < 40; round++) {
        const jobs: HashJob[] = Array.from({ length: 1 + (round % 4) }, () => {
          const ranges: [number, number][] = [];
          let pos = Math.random() < 0.7 ? 0 : Math.floor(Math.random() * 1000);
          const parts = 1 + Math.floor(Math.random() * 3);
          for (let k = 0; k < parts && pos < bytes.length; k++) {
            // coarse offsets so jobs often share prefixes exactly
            const len = Math.min(bytes.length - pos, 25_000 * (1 + Math.floor(Math.random() * 4)));
            ranges.push([pos, len]);
            pos += len + (Math.random() < 0.5 ? 0 : 25_000 * Math.floor(Math.random() * 2));
          }
          return { ranges, alg: Math.random() < 0.8 ? "sha256" : "sha512" };
        });
        const expected = jobs.map((j) => direct(bytes, j));
        const source = new FileSource(file);
        try {
          const arrival = new ArrivalHasher(1 + Math.floor(Math.random() * 100_000));
          for (const piece of pieces) arrival.update(piece);
          const withStates = new ChunkSource(pieces, arrival.finish().prefixes);
          for (const s of [new BufferSource(bytes), new ChunkSource(pieces), withStates, source]) {
            const got = await localHasher.hash(s, undefined, jobs);
            expect(got.map((d) => d.toString("hex"))).toEqual(expected);
          }
        } finally {
          source.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
