import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlobIntegrityError, BlobStore, BlobTooLargeError } from "./blob-store.ts";

let root: string;
let store: BlobStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "portalsync-blobs-"));
  store = new BlobStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function webStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
}

describe("BlobStore", () => {
  it("stores bytes under their SHA-256 and stores identical bytes once", async () => {
    const bytes = new TextEncoder().encode("%PDF-1.7 văn bản");
    const a = await store.put(webStream([bytes.subarray(0, 5), bytes.subarray(5)]), { maxBytes: 1000 });
    const b = await store.put(bytes, { maxBytes: 1000 });
    expect(a).toEqual({ sha256: sha(bytes), size: bytes.length });
    expect(b).toEqual(a);
    expect(await readFile(store.pathOf(a.sha256))).toEqual(Buffer.from(bytes));
    expect(await store.has(a.sha256)).toBe(true);
  });

  it("rejects a body over the limit and leaves no temporary file", async () => {
    const big = new Uint8Array(2048);
    await expect(store.put(webStream([big.subarray(0, 1024), big.subarray(1024)]), { maxBytes: 1500 })).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
    expect(await readdir(path.join(root, "tmp"))).toEqual([]);
  });

  it("detects truncation against the announced size and a hash the source vouched for", async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    await expect(store.put(bytes, { maxBytes: 10, expectedSize: 4 })).rejects.toBeInstanceOf(BlobIntegrityError);
    await expect(store.put(bytes, { maxBytes: 10, expectedSha256: "0".repeat(64) })).rejects.toThrow(/differs/);
    expect(await store.has(sha(bytes))).toBe(false);
    await expect(store.put(bytes, { maxBytes: 10, expectedSize: 3, expectedSha256: sha(bytes).toUpperCase() })).resolves.toEqual({
      sha256: sha(bytes),
      size: 3,
    });
  });
});
