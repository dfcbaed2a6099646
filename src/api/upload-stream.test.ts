import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiveBytes, receiveFile, requestBody, UploadError } from "./upload-stream.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-upload-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function multipart(bytes: Uint8Array, field = "file"): Request {
  const form = new FormData();
  form.append("note", "hello");
  form.append(field, new Blob([bytes]), "x.pdf");
  return new Request("http://x/upload", { method: "POST", body: form });
}

const receive = (req: Request, maxBytes = 1024 * 1024) => receiveFile({ headers: req.headers, body: requestBody(req, undefined) }, { field: "file", maxBytes, dir });

describe("receiveFile", () => {
  it("writes the file part to a temporary file while hashing it", async () => {
    const bytes = Buffer.from("%PDF-1.7\n" + "x".repeat(300_000));
    const file = await receive(multipart(bytes));
    expect(file.size).toBe(bytes.length);
    expect(file.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(file.name).toBe("x.pdf");
    expect(await readFile(file.path)).toEqual(bytes);
    await file.remove();
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a file over the limit as it arrives, leaving nothing behind", async () => {
    const error = await receive(multipart(Buffer.alloc(200_000, 1)), 100_000).catch((e) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error.status).toBe(413);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a declared length over the limit is refused before any byte is read", async () => {
    let read = false;
    const body = new Readable({ read() { read = true; this.push(null); } });
    const headers = new Headers({ "content-type": "multipart/form-data; boundary=x", "content-length": String(10_000_000) });
    const error = await receiveFile({ headers, body }, { field: "file", maxBytes: 1000, dir }).catch((e) => e);
    expect(error.status).toBe(413);
    expect(read).toBe(false);
  });

  it("counts the whole body: a chunked body with no file part is cut once it passes the limit", async () => {
    let pushed = 0;
    const body = new Readable({
      read() {
        // As from a socket: a chunk at a time, later. Preamble only, never a boundary.
        setImmediate(() => {
          pushed += 16 * 1024;
          this.push(pushed > 50_000_000 ? null : Buffer.alloc(16 * 1024, 0x61));
        });
      },
    });
    const headers = new Headers({ "content-type": "multipart/form-data; boundary=b" });
    let readWhenRefused = Infinity;
    const error = await receiveFile({ headers, body }, { field: "file", maxBytes: 100_000, dir }).catch((e) => ((readWhenRefused = pushed), e));
    expect(error).toBeInstanceOf(UploadError);
    expect(error.status).toBe(413);
    // (After the refusal the rest is drained, as for any refusal, so the client reads the answer.)
    expect(readWhenRefused).toBeLessThan(10_000_000);
  });

  it("clear errors for a missing file, a wrong content type and a cut-short body", async () => {
    expect((await receive(multipart(Buffer.from("x"), "other")).catch((e) => e)).status).toBe(400);
    const plain = new Request("http://x/", { method: "POST", body: "%PDF", headers: { "content-type": "application/pdf" } });
    expect((await receive(plain).catch((e) => e)).status).toBe(415);
    const cut = new Request("http://x/", { method: "POST", body: '--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc', headers: { "content-type": "multipart/form-data; boundary=b" } });
    const error = await receive(cut).catch((e) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error.status).toBe(400);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("receiveBytes", () => {
  const encoded = async (bytes: Uint8Array) => {
    const req = multipart(bytes);
    return { body: Buffer.from(await req.arrayBuffer()), type: req.headers.get("content-type")! };
  };
  const pieces = (body: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, (i + 1) * size)));
  const headers = (type: string, length: number) => new Headers({ "content-type": type, "content-length": String(length) });

  it("holds the file part in memory, in pieces, while hashing it: no file at all", async () => {
    const bytes = Buffer.from("%PDF-1.7\n" + "y".repeat(300_000));
    const { body, type } = await encoded(bytes);
    const part = await receiveBytes({ headers: headers(type, body.length), body: pieces(body, 64 * 1024) }, { field: "file", maxBytes: 1024 * 1024 });
    expect(part.size).toBe(bytes.length);
    expect(part.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    // a hash state about every 64 KB, and one at the end, each the hash of the bytes before it
    expect(part.prefixes.states.length).toBeGreaterThanOrEqual(4);
    for (const { at, hash } of part.prefixes.states) expect(hash.copy().digest("hex")).toBe(createHash("sha256").update(bytes.subarray(0, at)).digest("hex"));
    expect(part.prefixes.states.at(-1)!.at).toBe(bytes.length);
    expect(part.name).toBe("x.pdf");
    expect(Buffer.concat(part.chunks)).toEqual(bytes);
    expect(await readdir(dir)).toEqual([]);
  });

  it("gathers tiny pieces, so a trickling client cannot make it hold one Buffer per packet", async () => {
    const bytes = Buffer.from("%PDF-1.7\n" + "z".repeat(200_000));
    const { body, type } = await encoded(bytes);
    const part = await receiveBytes({ headers: headers(type, body.length), body: pieces(body, 100) }, { field: "file", maxBytes: 1024 * 1024 });
    expect(Buffer.concat(part.chunks)).toEqual(bytes);
    expect(part.chunks.length).toBeLessThan(10);
  });

  it("refuses a file over the limit (413) and a body longer than its Content-Length (400)", async () => {
    const { body, type } = await encoded(Buffer.alloc(200_000, 1));
    const over = await receiveBytes({ headers: headers(type, body.length), body: pieces(body, 16 * 1024) }, { field: "file", maxBytes: 100_000 }).catch((e) => e);
    expect(over).toBeInstanceOf(UploadError);
    expect(over.status).toBe(413);
    const lying = await receiveBytes({ headers: headers(type, 50_000), body: pieces(body, 16 * 1024) }, { field: "file", maxBytes: 1024 * 1024 }).catch((e) => e);
    expect(lying).toBeInstanceOf(UploadError);
    expect(lying.status).toBe(400);
  });
});

describe("the multipart parser on awkward and hostile bodies", () => {
  const raw = (body: string | Buffer, boundary = "b") =>
    new Request("http://x/", { method: "POST", body: typeof body === "string" ? Buffer.from(body, "latin1") : body, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } });
  const part = (headers: string, content: string | Buffer, boundary = "b") => Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]);

  it("keeps a Vietnamese file name sent as raw UTF-8, as browsers send it", async () => {
    const body = part('Content-Disposition: form-data; name="file"; filename="Quyết định 152.pdf"', "%PDF-1.7\n");
    const file = await receive(raw(body));
    expect(file.name).toBe("Quyết định 152.pdf");
    await file.remove();
  });

  it("cuts the file out byte for byte whatever the chunk boundaries, with near-boundaries inside it", async () => {
    const boundary = "----formdata-x-0123456789";
    // Prefixes of the delimiter inside the file, and the boundary itself without the CRLF before it.
    const content = Buffer.concat([Buffer.from("%PDF-1.7\n\r\n--"), Buffer.from(`\r\n--${boundary.slice(0, 20)}`), Buffer.from(`--${boundary}`), Buffer.alloc(70_000, 0x2d), Buffer.from("\r\n-\r")]);
    const body = part('Content-Disposition: form-data; name="file"; filename="a.pdf"', content, boundary);
    for (const size of [1, 7, 64, 4096, 65_536]) {
      const got = await receiveBytes(
        { headers: new Headers({ "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(body.length) }), body: Readable.from(Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, (i + 1) * size))) },
        { field: "file", maxBytes: 1024 * 1024 },
      );
      expect(Buffer.concat(got.chunks).equals(content), `pieces of ${size}`).toBe(true);
      expect(got.sha256).toBe(createHash("sha256").update(content).digest("hex"));
    }
  });

  it("400 for a content type without a boundary, too many parts, or a part header without end", async () => {
    const noBoundary = new Request("http://x/", { method: "POST", body: "x", headers: { "content-type": "multipart/form-data; charset=utf-8" } });
    expect((await receive(noBoundary).catch((e) => e)).status).toBe(400);
    const many = Buffer.concat([...Array.from({ length: 40 }, (_, i) => Buffer.from(`--b\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`)), Buffer.from("--b--\r\n")]);
    expect((await receive(raw(many)).catch((e) => e)).status).toBe(400);
    // a part header that never ends: refused at the body limit at the latest, never held whole
    const endless = Buffer.concat([Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\nX-Pad: '), Buffer.alloc(300_000, 0x61)]);
    const error = await receive(raw(endless), 100_000).catch((e) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect([400, 413]).toContain(error.status);
    expect(await readdir(dir)).toEqual([]);
  });
});
