// An edXML package parsed from a file without ever holding it whole: the
// package is spooled (spool.ts: base64 cut out into files of raw bytes), the
// small remainder parsed (parseEdxmlPackageWith), and each attachment decoded
// (unzipped, hashed, sniffed) one at a time and written to its own file. Memory
// peaks at about twice the largest attachment (its raw bytes and its content).
//
// The result owns a temporary directory: call dispose() when done, or read an
// attachment with streamAttachment(..., { dispose: true }).

import { readFileSync, writeFileSync } from "node:fs";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inlineAttachments, ZIP_ALLOWANCE, type AttachmentSource } from "./attachments.ts";
import { EdxmlError, type EdxmlAttachment, type EdxmlPackage, type EdxmlParseOptions } from "./model.ts";
import { effectiveLimits, parseEdxmlPackageWith, type AttachmentSink } from "./parse.ts";
import { SPOOL_MARKER, spoolEdxml, type SpooledPart } from "./spool.ts";

export interface PackageFileOptions extends EdxmlParseOptions {
  /** Where the temporary directory is made (default: the OS's). Same filesystem as the inbox is not needed. */
  tmpDir?: string;
}

const READ_CHUNK = 256 * 1024;

/** A parsed package whose attachments' bytes are in files (`attachment.file`), not in memory. */
export class EdxmlPackageFile {
  #disposed = false;

  constructor(
    readonly pkg: EdxmlPackage,
    /** The temporary directory holding the attachments' files. */
    readonly dir: string,
  ) {}

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * The attachment's bytes as a stream read in 256 KB slices on demand (no
   * read-ahead). With `dispose`, the package's files are removed once the
   * stream ends, fails or is cancelled.
   */
  streamAttachment(attachment: EdxmlAttachment, options: { dispose?: boolean } = {}): ReadableStream<Uint8Array> {
    const file = attachment.file;
    if (!file) throw new EdxmlError(`attachment "${attachment.name}" has no bytes: ${attachment.error ?? "not decoded"}`, "bad-attachment");
    let handle: Awaited<ReturnType<typeof open>> | null = null;
    const done = async () => {
      const h = handle;
      handle = null;
      await h?.close().catch(() => undefined);
      if (options.dispose) await this.dispose();
    };
    return new ReadableStream<Uint8Array>({
      start: async () => {
        try {
          handle = await open(file, "r");
        } catch (error) {
          await done();
          throw error;
        }
      },
      pull: async (controller) => {
        try {
          const buffer = Buffer.allocUnsafe(READ_CHUNK);
          const { bytesRead } = await handle!.read(buffer, 0, READ_CHUNK, null);
          if (bytesRead === 0) {
            await done();
            controller.close();
          } else {
            controller.enqueue(new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead));
          }
        } catch (error) {
          await done();
          controller.error(error);
        }
      },
      cancel: done,
    });
  }
}

function problemError(part: SpooledPart, label: string): EdxmlError {
  const problem = part.problem!;
  switch (problem.kind) {
    case "empty":
      return new EdxmlError(`attachment ${label} has no content`, "bad-attachment");
    case "not-base64":
      return new EdxmlError(`attachment ${label} is not base64 (starts with "${problem.sample}")`, "bad-attachment");
    case "markup":
      return new EdxmlError(`attachment ${label} holds markup (CDATA, elements or entity references), not plain base64`, "bad-attachment");
    case "too-large":
      return new EdxmlError(`attachment ${label} exceeds ${problem.limit - ZIP_ALLOWANCE} bytes`, "attachment-limit");
  }
}

/** Attachments of a spooled package: the marker in the element names the file of raw bytes. */
function spooledAttachments(parts: Map<string, SpooledPart>): AttachmentSource {
  return {
    raw(encoded, label, limits) {
      const marker = encoded.trim();
      if (!SPOOL_MARKER.test(marker)) return inlineAttachments.raw(encoded, label, limits);
      const part = parts.get(marker);
      if (!part) throw new EdxmlError(`attachment ${label} is not in the package`, "bad-attachment");
      if (part.problem) throw problemError(part, label);
      return readFileSync(part.path);
    },
  };
}

function filesIn(dir: string): AttachmentSink {
  return {
    keep(bytes, index) {
      const file = path.join(dir, `attachment-${index + 1}`);
      writeFileSync(file, bytes, { flag: "wx" });
      return { bytes: null, file };
    },
  };
}

/**
 * Parse the package in `file`. Errors are EdxmlError as with
 * parseEdxmlPackage (a status message is returned as `kind: "status"`).
 * Synchronous steps (parsing the small XML, unzipping one attachment) still
 * run on the calling thread: offthread.ts runs this in a worker for large files.
 */
export async function parseEdxmlFile(file: string, options: PackageFileOptions = {}): Promise<EdxmlPackageFile> {
  const limits = effectiveLimits(options);
  const { size } = await stat(file);
  if (size > limits.maxBytes) throw new EdxmlError(`package is ${size} bytes; the limit is ${limits.maxBytes}`, "too-large");
  const dir = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), "portalsync-edxml-"));
  try {
    const spooled = await spoolEdxml(createReadStream(file, { highWaterMark: READ_CHUNK }), dir, {
      maxBytes: limits.maxBytes,
      maxPartBytes: limits.maxAttachmentBytes + ZIP_ALLOWANCE,
      maxParts: limits.maxAttachments,
    });
    const { tmpDir: _tmpDir, ...parseOptions } = options;
    const pkg = parseEdxmlPackageWith(spooled.xml, parseOptions, spooledAttachments(spooled.parts), filesIn(dir));
    // The raw parts were read into the attachments' files: only those stay.
    await Promise.all([...spooled.parts.values()].map((part) => rm(part.path, { force: true })));
    return new EdxmlPackageFile(pkg, dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
