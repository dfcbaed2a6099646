// Content-addressed file store on disk: blobs/ab/cd/<sha256>. Writes stream
// through a hash into a temporary file and are renamed into place, so a crash
// never leaves a half-written blob under its final name, and identical bytes
// are stored once.

import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`file is larger than the limit of ${limit} bytes`);
  }
}

export class BlobIntegrityError extends Error {}

export interface PutOptions {
  maxBytes: number;
  /** When the source vouches for a hash, the bytes must match it. */
  expectedSha256?: string | null;
  /** When the source announced a length, the bytes must match it (truncation). */
  expectedSize?: number | null;
  signal?: AbortSignal;
}

export interface StoredBlob {
  sha256: string;
  size: number;
}

export class BlobStore {
  /** Directories known to exist: a put costs no mkdir once its fan-out directory is there. */
  private readonly made = new Set<string>();

  constructor(readonly root: string) {}

  private async ensureDir(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.made.add(dir);
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  async put(source: ReadableStream<Uint8Array> | Readable | Uint8Array, options: PutOptions): Promise<StoredBlob> {
    const tmpDir = path.join(this.root, "tmp");
    await this.ensureDir(tmpDir);
    const tmp = path.join(tmpDir, randomUUID());
    const hash = createHash("sha256");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done: TransformCallback) {
        size += chunk.length;
        if (size > options.maxBytes) return done(new BlobTooLargeError(options.maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const input =
      source instanceof Uint8Array
        ? Readable.from([source])
        : source instanceof Readable
          ? source
          : Readable.fromWeb(source as import("node:stream/web").ReadableStream<Uint8Array>);
    try {
      await pipeline(input, meter, createWriteStream(tmp), { signal: options.signal });
      const sha256 = hash.digest("hex");
      if (options.expectedSize != null && options.expectedSize !== size) {
        throw new BlobIntegrityError(`received ${size} bytes, the source announced ${options.expectedSize} (truncated?)`);
      }
      if (options.expectedSha256 && options.expectedSha256.toLowerCase() !== sha256) {
        throw new BlobIntegrityError(`SHA-256 of the received bytes ${sha256} differs from the source's ${options.expectedSha256}`);
      }
      const finalPath = this.pathOf(sha256);
      await this.ensureDir(path.dirname(finalPath));
      await rename(tmp, finalPath);
      return { sha256, size };
    } catch (error) {
      // A directory removed under the running hub: make them anew next time.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") this.made.clear();
      input.destroy();
      await rm(tmp, { force: true });
      throw error;
    }
  }
}
