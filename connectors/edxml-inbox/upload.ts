// `POST /api/v1/inbox/edxml`: agencies outside iOffice hand the hub an edXML
// package (raw body or multipart field `file`). The package is checked right
// away so the sender gets a useful answer, then written into the inbox folder
// atomically; the inbox connector ingests it on its next poll.
// Self-contained: the hub's API layer mounts it (and puts its own auth in front).

import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { Hono } from "hono";
import type { Logger } from "pino";
import { safeBaseName, writeAtomic } from "./folder.ts";
import { EdxmlError, parseEdxmlPackage, summarizeEdxml, type EdxmlParseOptions } from "./parse.ts";

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

const XML_TYPES = new Set(["application/xml", "text/xml", "application/edxml+xml", "application/octet-stream"]);

class PayloadTooLarge extends Error {}

async function readLimited(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
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
    if (declared && /^\d+$/u.test(declared) && Number(declared) > maxBytes) {
      return c.json({ error: `package is ${declared} bytes; the limit is ${maxBytes}` }, 413);
    }
    let body: Uint8Array;
    try {
      body = await readLimited(c.req.raw.body, maxBytes);
    } catch (error) {
      if (error instanceof PayloadTooLarge) return c.json({ error: `package exceeds the limit of ${maxBytes} bytes` }, 413);
      throw error;
    }

    let bytes = body;
    let originalName = "upload.edxml";
    if (multipart) {
      let form: FormData;
      try {
        form = await new Request("http://inbox.local/", { method: "POST", headers: { "Content-Type": contentType }, body }).formData();
      } catch {
        return c.json({ error: "multipart body could not be read" }, 400);
      }
      const file = form.get("file") ?? [...form.values()].find((v) => typeof v !== "string") ?? null;
      if (!file || typeof file === "string") return c.json({ error: 'multipart body has no file (expected field "file")' }, 400);
      bytes = new Uint8Array(await file.arrayBuffer());
      originalName = file.name || originalName;
    }
    if (bytes.length === 0) return c.json({ error: "empty body; expected an edXML package" }, 400);

    let summary: Record<string, unknown>;
    try {
      const parsed = parseEdxmlPackage(bytes, { ...opts.parse, maxBytes });
      if (parsed.kind === "status") {
        return c.json({ error: `${parsed.message}: StatusCode ${parsed.statusCode}; the inbox takes documents only`, summary: summarizeEdxml(parsed) }, 400);
      }
      summary = summarizeEdxml(parsed);
    } catch (error) {
      if (error instanceof EdxmlError) {
        return c.json({ error: error.message, code: error.code }, error.code === "too-large" ? 413 : 400);
      }
      opts.log?.error({ err: error }, "edxml upload: unexpected parse failure");
      return c.json({ error: "package could not be processed" }, 500);
    }

    const stem = safeBaseName(originalName).replace(/\.(edxml|xml)$/iu, "");
    const fileName = `${stamp(now())}-${randomUUID().slice(0, 8)}-${stem}.edxml`;
    await mkdir(opts.folder, { recursive: true });
    await writeAtomic(opts.folder, fileName, bytes);
    opts.log?.info({ file: fileName, externalId: summary.externalId }, "edxml upload accepted");
    return c.json({ accepted: true, file: fileName, summary }, 202);
  });

  return app;
}
