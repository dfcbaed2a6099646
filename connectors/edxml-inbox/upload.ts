// `POST /api/v1/inbox/edxml`: agencies outside iOffice hand the hub an edXML
// package (raw body or multipart field `file`). The body is streamed to a
// hidden part file in the inbox folder as it arrives (413 as soon as it passes
// the limit), checked off the event loop (offthread.ts) so the sender gets a
// useful answer, and renamed into place; the inbox connector ingests it on its
// next poll. Memory stays flat whatever the package's size.
// Self-contained: the hub's API layer mounts it (and puts its own auth in
// front). It reads the request body itself: no body-buffering middleware may
// run before it.

import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { Hono } from "hono";
import type { Logger } from "pino";
import { drain, receiveFile, requestBody, UploadError } from "../../src/api/upload-stream.ts";
import { safeBaseName } from "./folder.ts";
import { parseEdxmlFileOffThread } from "./offthread.ts";
import { EdxmlError, summarizeEdxml, type EdxmlParseOptions } from "./parse.ts";

export interface UploadRoutesOptions {
  /** The inbox folder the connector watches. */
  folder: string;
  /** Largest request body (default 64 MB). */
  maxBytes?: number;
  parse?: EdxmlParseOptions;
  now?: () => Date;
  /** Route path (default UPLOAD_PATH; the hub mounts it per source as "/edxml"). */
  path?: string;
  log?: Logger;
}

export const UPLOAD_PATH = "/api/v1/inbox/edxml";

/** Hidden folders of the inbox (the poller takes `*.edxml` files only): uploads in progress, attachments being checked. */
export const UPLOADS_DIR = ".uploads";
export const SPOOL_DIR = ".spool";

const XML_TYPES = new Set(["application/xml", "text/xml", "application/edxml+xml", "application/octet-stream"]);

/** Stream `source` into a new file at `target`, refusing (413) once it passes `maxBytes`. Returns the size. */
async function receiveRaw(source: Readable, target: string, maxBytes: number): Promise<number> {
  const out = await open(target, "wx");
  let size = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        // Nothing more is wanted: read and drop the rest, so the client gets the answer.
        source.removeAllListeners("data");
        drain(source);
        reject(error);
      };
      source.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return fail(new UploadError(`package exceeds the limit of ${maxBytes} bytes`, 413));
        // One write at a time: the socket is paused meanwhile (backpressure).
        source.pause();
        out.write(chunk).then(
          () => source.resume(),
          (error: Error) => fail(error), // the disk, not the sender: a 500
        );
      });
      source.once("end", () => {
        if (settled) return;
        settled = true;
        resolve();
      });
      source.once("error", (error) => fail(new UploadError(`the upload was cut short: ${error.message}`, 400)));
      source.once("close", () => fail(new UploadError("the upload was cut short", 400)));
      source.resume();
    });
  } finally {
    await out.close();
  }
  return size;
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/gu, "");
}

export function createUploadRoutes(opts: UploadRoutesOptions): Hono {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const now = opts.now ?? (() => new Date());
  const app = new Hono();

  app.post(opts.path ?? UPLOAD_PATH, async (c) => {
    const contentType = (c.req.header("Content-Type") ?? "").toLowerCase();
    const mediaType = contentType.split(";")[0]!.trim();
    const multipart = mediaType === "multipart/form-data";
    if (!multipart && !XML_TYPES.has(mediaType)) {
      return c.json(
        { error: `unsupported Content-Type "${mediaType || "(none)"}"; send the edXML package as application/xml or multipart/form-data (field "file")` },
        415,
      );
    }
    const declared = c.req.header("Content-Length");
    if (declared && /^\d+$/u.test(declared) && Number(declared) > maxBytes + (multipart ? 64 * 1024 : 0)) {
      return c.json({ error: `package is ${declared} bytes; the limit is ${maxBytes}` }, 413);
    }

    const uploads = path.join(opts.folder, UPLOADS_DIR);
    await mkdir(uploads, { recursive: true });
    const source = requestBody(c.req.raw, c.env);
    let part: string;
    let size: number;
    let originalName = "upload.edxml";
    try {
      if (multipart) {
        const file = await receiveFile({ headers: c.req.raw.headers, body: source }, { field: "file", maxBytes, dir: uploads });
        part = file.path;
        size = file.size;
        originalName = file.name || originalName;
      } else {
        part = path.join(uploads, `.upload-${randomUUID()}.part`);
        try {
          size = source ? await receiveRaw(source, part, maxBytes) : 0;
        } catch (error) {
          await rm(part, { force: true });
          throw error;
        }
      }
    } catch (error) {
      if (error instanceof UploadError) return c.json({ error: error.message }, error.status);
      throw error;
    }

    try {
      if (size === 0) return c.json({ error: "empty body; expected an edXML package" }, 400);
      let summary: Record<string, unknown>;
      try {
        const parsed = await parseEdxmlFileOffThread(part, { ...opts.parse, maxBytes, tmpDir: await spoolDir(opts.folder) });
        await parsed.dispose();
        if (parsed.pkg.kind === "status") {
          return c.json({ error: `${parsed.pkg.message}: StatusCode ${parsed.pkg.statusCode}; the inbox takes documents only`, summary: summarizeEdxml(parsed.pkg) }, 400);
        }
        summary = summarizeEdxml(parsed.pkg);
      } catch (error) {
        if (error instanceof EdxmlError) {
          return c.json({ error: error.message, code: error.code }, error.code === "too-large" ? 413 : 400);
        }
        opts.log?.error({ err: error }, "edxml upload: unexpected parse failure");
        return c.json({ error: "package could not be processed" }, 500);
      }

      const stem = safeBaseName(originalName).replace(/\.(edxml|xml)$/iu, "");
      const fileName = `${stamp(now())}-${randomUUID().slice(0, 8)}-${stem}.edxml`;
      // Same folder tree, so the rename is atomic: the poller sees the whole package or nothing.
      await rename(part, path.join(opts.folder, fileName));
      part = "";
      opts.log?.info({ file: fileName, bytes: size, externalId: summary.externalId }, "edxml upload accepted");
      return c.json({ accepted: true, file: fileName, summary }, 202);
    } finally {
      if (part) await rm(part, { force: true });
    }
  });

  return app;
}

/** Where checks of the inbox's packages put decoded attachments: inside the inbox, so on the volume sized for packages. */
export async function spoolDir(folder: string): Promise<string> {
  const dir = path.join(folder, SPOOL_DIR);
  await mkdir(dir, { recursive: true });
  return dir;
}
