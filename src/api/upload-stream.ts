// One file from a multipart/form-data request, streamed to a temporary file
// while it is hashed: memory stays flat whatever the size, and the size limit
// is enforced as the bytes arrive (a 413 before the rest is read). The caller
// removes the file (`remove()`) whatever happens next.

import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { drain, MULTIPART_FRAMING_BYTES } from "./body-limit.ts";

// Connectors' upload routes refuse bodies the same way.
export { drain };

export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 | 415,
  ) {
    super(message);
  }
}

export interface ReceivedFile {
  path: string;
  sha256: string;
  size: number;
  /** The name the client gave, if any (never used as a path). */
  name: string;
  remove(): Promise<void>;
}

export interface ReceiveOptions {
  /** The form field holding the file. */
  field: string;
  maxBytes: number;
  /** Directory for the temporary file (created if missing). */
  dir: string;
}

/**
 * The request body as a Node stream: the socket's own IncomingMessage when
 * served by @hono/node-server (Node 20's Readable.toWeb, behind Request.body,
 * reads ahead without backpressure: a large upload would pile up in memory),
 * else the Request's web stream.
 */
export function requestBody(req: Request, env: unknown): Readable | null {
  const incoming = (env as { incoming?: unknown } | undefined)?.incoming;
  if (incoming instanceof Readable) return incoming;
  return req.body ? Readable.fromWeb(req.body as unknown as WebReadableStream<Uint8Array>) : null;
}

const FRAMING_ALLOWANCE = MULTIPART_FRAMING_BYTES;

export async function receiveFile(req: { headers: Headers; body: Readable | null }, options: ReceiveOptions): Promise<ReceivedFile> {
  const contentType = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType)) throw new UploadError("send the file as multipart/form-data", 415);
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes + FRAMING_ALLOWANCE) {
    throw new UploadError(`the file is larger than the limit of ${options.maxBytes} bytes`, 413);
  }
  if (!req.body) throw new UploadError(`no file in field "${options.field}"`, 400);
  await mkdir(options.dir, { recursive: true });
  const target = path.join(options.dir, `upload-${randomBytes(12).toString("hex")}.tmp`);
  const remove = () => rm(target, { force: true });

  const source = req.body;
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      // browsers send file names as raw UTF-8 (busboy's default reads them as latin1)
      defParamCharset: "utf8",
      limits: { files: 1, fileSize: options.maxBytes, fields: 8, fieldSize: 1024, parts: 16, headerPairs: 32 },
    });
  } catch (e) {
    drain(source);
    throw new UploadError(`malformed multipart request: ${(e as Error).message}`, 400);
  }

  // Resolves when the temporary file's descriptor is closed (or was never opened).
  let closed: Promise<unknown> = Promise.resolve();
  try {
    const result = await new Promise<{ sha256: string; size: number; name: string }>((resolve, reject) => {
      let settled = false;
      let written: Promise<{ sha256: string; size: number; name: string }> | null = null;
      let out: ReturnType<typeof createWriteStream> | null = null;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        out?.destroy();
        // Nothing more of the request is wanted: it is read and dropped.
        source.unpipe(parser);
        parser.removeAllListeners("file");
        drain(source);
        reject(error);
      };
      parser.on("file", (name, file, info) => {
        if (name !== options.field || written) {
          file.resume(); // another field's file: read past it
          return;
        }
        const hash = createHash("sha256");
        let size = 0;
        const stream = createWriteStream(target, { flags: "wx" });
        out = stream;
        closed = new Promise<void>((done) => stream.once("close", () => done()));
        written = new Promise((done, failed) => {
          file.on("data", (chunk: Buffer) => {
            size += chunk.length;
            hash.update(chunk);
          });
          file.on("limit", () => failed(new UploadError(`the file is larger than the limit of ${options.maxBytes} bytes`, 413)));
          file.on("error", failed);
          stream.on("error", failed);
          stream.on("finish", () => done({ sha256: hash.digest("hex"), size, name: info.filename ?? "" }));
          file.pipe(stream);
        });
        written.catch(fail);
      });
      parser.on("error", (e: Error) => fail(new UploadError(`malformed multipart request: ${e.message}`, 400)));
      parser.on("partsLimit", () => fail(new UploadError("too many parts in the form", 400)));
      parser.on("close", () => {
        if (settled) return;
        if (!written) return fail(new UploadError(`no file in field "${options.field}"`, 400));
        written.then((r) => {
          if (settled) return;
          settled = true;
          resolve(r);
        }, fail);
      });
      source.on("error", (e) => fail(new UploadError(`the upload was cut short: ${e.message}`, 400)));
      // The whole body counts, not just the file part: a chunked body of
      // preamble or many parts would otherwise stream on without end.
      let received = 0;
      const count = (chunk: Buffer) => {
        received += chunk.length;
        if (received <= options.maxBytes + FRAMING_ALLOWANCE) return;
        source.off("data", count);
        fail(new UploadError(`the file is larger than the limit of ${options.maxBytes} bytes`, 413));
      };
      source.on("data", count);
      source.pipe(parser);
    });
    return { path: target, ...result, remove };
  } catch (error) {
    // An open still in flight would otherwise create the file after its removal.
    await closed;
    await remove();
    throw error;
  }
}
