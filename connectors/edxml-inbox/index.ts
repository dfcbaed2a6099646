// edXML inbox: a folder agencies outside iOffice drop edXML packages into
// (directly, or through the upload endpoint in upload.ts). See README.md.
//
// Each listChanges() first claims the waiting packages: a good one is moved
// to processed/ under a claim name that sorts after every earlier one, a bad
// one to rejected/ with a .error.txt. Pages are then read from processed/
// after the cursor's high-water mark. Claiming before handing out means a
// crash between the two loses nothing: the next run lists every processed
// file after the last saved mark.

import { readdir, rm, stat } from "node:fs/promises";
import { Hono } from "hono";
import path from "node:path";
import type { CanonicalDocument, SourceFileRef } from "../../src/core/index.ts";
import type {
  ChangePage,
  ChangeWindow,
  ConnectorContext,
  Cursor,
  FetchedFile,
  FetchLimits,
  HealthCheck,
  SourceClient,
  SourceConnector,
} from "../sdk.ts";
import { edxmlInboxConfigSchema, type EdxmlInboxConfig } from "./config.ts";
import {
  ClaimNamer,
  ensureInboxFolders,
  moveToProcessed,
  moveToRejected,
  parseClaimName,
  PROCESSED_DIR,
} from "./folder.ts";
import { writeEdxmlPackages } from "./simulator.ts";
import { parseEdxmlFileOffThread } from "./offthread.ts";
import type { EdxmlPackageFile } from "./package-file.ts";
import { createUploadRoutes, SPOOL_DIR, spoolDir, UPLOADS_DIR } from "./upload.ts";
import { EDXML_STATUS_CODES, EdxmlError, summarizeEdxml, type EdxmlDocumentPackage, type EdxmlParseOptions } from "./parse.ts";

export interface EdxmlInboxCursor extends Cursor {
  /** Claim name of the last processed package handed out. */
  after: string | null;
}

export class EdxmlInboxError extends Error {
  override name = "EdxmlInboxError";
}

const FILE_ID = /^([^/\\#]+)#(\d+)$/u;
const STALE_WORK_MS = 60 * 60 * 1000;

function isPackageName(name: string): boolean {
  return !name.startsWith(".") && /\.edxml$/iu.test(name);
}

export class EdxmlInboxClient implements SourceClient {
  readonly #config: EdxmlInboxConfig;
  readonly #ctx: ConnectorContext;
  readonly #namer: ClaimNamer;
  readonly #processed: string;
  /** Claim name → document, so a page does not parse every package twice. */
  readonly #cache = new Map<string, CanonicalDocument>();
  #ready: Promise<void> | null = null;
  #claiming: Promise<void> | null = null;

  constructor(config: EdxmlInboxConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#namer = new ClaimNamer(ctx.now);
    this.#processed = path.join(config.folder, PROCESSED_DIR);
  }

  #parseOptions(): EdxmlParseOptions {
    return {
      assumePublic: this.#config.assumePublic,
      maxBytes: this.#config.maxPackageBytes,
      maxAttachmentBytes: this.#config.maxAttachmentBytes,
    };
  }

  async #init(): Promise<void> {
    this.#ready ??= (async () => {
      await ensureInboxFolders(this.#config.folder);
      await this.#namer.init(this.#processed);
      await this.#sweep();
    })();
    return this.#ready;
  }

  /** Leftovers of uploads and checks a crash interrupted (an hour old: nothing still running is touched). */
  async #sweep(): Promise<void> {
    const cutoff = this.#ctx.now().getTime() - STALE_WORK_MS;
    for (const sub of [UPLOADS_DIR, SPOOL_DIR]) {
      const dir = path.join(this.#config.folder, sub);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const info = await stat(path.join(dir, name)).catch(() => null);
        if (info && info.mtimeMs < cutoff) await rm(path.join(dir, name), { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }

  /** Parse a package file off the event loop; attachments' bytes go to files under the inbox's spool folder. */
  async #parse(file: string, options: EdxmlParseOptions = this.#parseOptions()): Promise<EdxmlPackageFile> {
    return parseEdxmlFileOffThread(file, { ...options, tmpDir: await spoolDir(this.#config.folder) });
  }

  /** Move waiting packages to processed/ or rejected/. Safe to call concurrently (one claim at a time). */
  async claim(): Promise<{ processed: string[]; rejected: { file: string; reason: string }[] }> {
    await this.#init();
    const result = { processed: [] as string[], rejected: [] as { file: string; reason: string }[] };
    while (this.#claiming) await this.#claiming;
    const run = (async () => {
      const names = (await readdir(this.#config.folder, { withFileTypes: true }))
        .filter((d) => d.isFile() && isPackageName(d.name))
        .map((d) => d.name);
      const candidates: { name: string; mtime: number }[] = [];
      const cutoff = this.#ctx.now().getTime() - this.#config.settleMs;
      for (const name of names) {
        const info = await stat(path.join(this.#config.folder, name)).catch(() => null);
        if (info && info.mtimeMs <= cutoff) candidates.push({ name, mtime: info.mtimeMs });
      }
      candidates.sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : 1));
      for (const { name } of candidates) {
        const claimName = this.#namer.next(name);
        try {
          const info = await stat(path.join(this.#config.folder, name));
          if (info.size > this.#config.maxPackageBytes) {
            throw new EdxmlError(`package is ${info.size} bytes; the limit is ${this.#config.maxPackageBytes}`, "too-large");
          }
          const file = await this.#parse(path.join(this.#config.folder, name));
          await file.dispose(); // the attachments are read again when fetched
          const parsed = file.pkg;
          if (parsed.kind === "status") {
            const label = EDXML_STATUS_CODES[parsed.statusCode];
            const reason = `${parsed.message} (StatusCode ${parsed.statusCode}${label ? ` ${label}` : ""}${parsed.description ? `: ${parsed.description}` : ""})`;
            await moveToRejected(this.#config.folder, name, claimName, reason, this.#ctx.now(), summarizeEdxml(parsed));
            result.rejected.push({ file: name, reason });
            this.#ctx.log.info({ file: name, reason }, "edxml inbox: status message set aside");
            continue;
          }
          await moveToProcessed(this.#config.folder, name, claimName);
          this.#cache.set(claimName, this.#withFileIds(parsed, claimName));
          result.processed.push(claimName);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // taken by another process
          await moveToRejected(this.#config.folder, name, claimName, reason, this.#ctx.now(), error instanceof EdxmlError ? { code: error.code } : undefined).catch(
            (moveError: unknown) => this.#ctx.log.error({ err: moveError, file: name }, "edxml inbox: could not move a bad package"),
          );
          result.rejected.push({ file: name, reason });
          this.#ctx.log.warn({ file: name, reason }, "edxml inbox: package rejected");
        }
      }
    })();
    this.#claiming = run;
    try {
      await run;
    } finally {
      this.#claiming = null;
    }
    return result;
  }

  #withFileIds(parsed: EdxmlDocumentPackage, claimName: string): CanonicalDocument {
    // File ids point at the claimed package so fetchFile can find the bytes later.
    return {
      ...parsed.document,
      files: parsed.document.files.map((f: SourceFileRef) => ({ ...f, id: `${claimName}#${f.id}` })),
    };
  }

  async #documentOf(claimName: string): Promise<CanonicalDocument> {
    const cached = this.#cache.get(claimName);
    if (cached) return cached;
    const file = await this.#parse(path.join(this.#processed, claimName));
    await file.dispose();
    const parsed = file.pkg;
    if (parsed.kind !== "document") throw new EdxmlInboxError(`${claimName} is not a document package`);
    const doc = this.#withFileIds(parsed, claimName);
    this.#cache.set(claimName, doc);
    return doc;
  }

  async #processedNames(): Promise<string[]> {
    const names = await readdir(this.#processed).catch(() => [] as string[]);
    return names.filter((n) => parseClaimName(n) !== null && isPackageName(n)).sort();
  }

  listChanges(cursor: Cursor | null, options: { window?: ChangeWindow; signal?: AbortSignal } = {}): AsyncIterable<ChangePage> {
    const self = this;
    return (async function* () {
      await self.claim();
      const after = typeof (cursor as Partial<EdxmlInboxCursor> | null)?.after === "string" ? (cursor as EdxmlInboxCursor).after : null;
      const window = options.window;
      let names = (await self.#processedNames()).filter((n) => after === null || n > after);
      if (window) {
        // A backfill window selects by the time packages arrived (claim time).
        names = names.filter((n) => {
          const claimed = parseClaimName(n)!.claimedAt.getTime();
          return claimed >= window.from.getTime() && (!window.to || claimed <= window.to.getTime());
        });
      }
      const total = names.length;
      let page = 0;
      for (let i = 0; i < names.length; i += self.#config.pageSize) {
        options.signal?.throwIfAborted();
        const slice = names.slice(i, i + self.#config.pageSize);
        const items = [];
        for (const name of slice) {
          try {
            const doc = await self.#documentOf(name);
            items.push({ externalId: doc.externalId, updatedAt: doc.updatedAt, item: doc, hint: { package: name } });
          } catch (error) {
            // Parsed once already, so this is damage after the fact; skip, loudly.
            self.#ctx.log.error({ err: error, file: name }, "edxml inbox: processed package no longer readable");
          }
        }
        page += 1;
        const next: EdxmlInboxCursor = { after: slice[slice.length - 1] ?? after };
        yield { items, cursor: next, page, total };
      }
    })();
  }

  async fetchItem(externalId: string, signal?: AbortSignal): Promise<CanonicalDocument> {
    await this.#init();
    // Newest package wins: an update or revocation supersedes the original.
    const names = (await this.#processedNames()).reverse();
    for (const name of names) {
      signal?.throwIfAborted();
      const doc = await this.#documentOf(name).catch(() => null);
      if (doc?.externalId === externalId) return doc;
    }
    throw new EdxmlInboxError(`no processed edXML package carries document ${externalId}`);
  }

  async fetchFile(file: SourceFileRef, limits: FetchLimits): Promise<FetchedFile> {
    const match = FILE_ID.exec(file.id);
    if (!match || parseClaimName(match[1]!) === null) throw new EdxmlInboxError(`not an inbox file id: ${file.id}`);
    const [, claimName = "", position = "0"] = match;
    limits.signal?.throwIfAborted();
    const spooled = await this.#parse(path.join(this.#processed, claimName), {
      ...this.#parseOptions(),
      maxAttachmentBytes: Math.min(limits.maxBytes, this.#config.maxAttachmentBytes),
    });
    const parsed = spooled.pkg;
    const attachment = parsed.kind === "document" ? parsed.attachments.filter((a) => a.error === null)[Number(position) - 1] : undefined;
    if (!attachment) {
      await spooled.dispose();
      if (parsed.kind !== "document") throw new EdxmlInboxError(`${claimName} is not a document package`);
      throw new EdxmlInboxError(`${claimName} has no attachment ${position}`);
    }
    // Read from its file as the pipeline stores it; the package's files go once it is read.
    return {
      body: spooled.streamAttachment(attachment, { dispose: true }),
      mime: attachment.mime,
      size: attachment.size,
      sha256: attachment.sha256,
    };
  }

  async check(): Promise<HealthCheck> {
    const started = performance.now();
    try {
      await this.#init();
      const waiting = (await readdir(this.#config.folder)).filter(isPackageName).length;
      return { ok: true, message: `inbox ${this.#config.folder}: ${waiting} package(s) waiting`, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { ok: false, message: (error as Error).message, latencyMs: Math.round(performance.now() - started) };
    }
  }
}

const connector: SourceConnector<EdxmlInboxConfig> = {
  name: "edxml-inbox",
  title: "Hộp thư edXML (QCVN 102:2016) – thư mục và tải lên",
  configSchema: edxmlInboxConfigSchema,
  maxRequestBytes: (config) => config.maxPackageBytes,
  create: (config, ctx) => new EdxmlInboxClient(edxmlInboxConfigSchema.parse(config), ctx),
  // The upload check uses the source's own limits, as the poller does.
  routes: (config) =>
    createUploadRoutes({
      folder: config.folder,
      maxBytes: config.maxPackageBytes,
      parse: { maxAttachmentBytes: config.maxAttachmentBytes, assumePublic: config.assumePublic },
      path: "/edxml",
    }),
  // The "system" behind an inbox is an agency dropping packages: the simulator
  // writes a first batch at once and more on POST /generate?count=N.
  async createSimulator(options) {
    const folder = String(options.folder ?? "");
    if (!folder) throw new EdxmlInboxError("the edXML inbox simulator needs a folder");
    let next = 0;
    const write = async (count: number) => {
      const written = await writeEdxmlPackages(folder, count, { start: next });
      next += count;
      return written.map((w) => w.fileName);
    };
    await write(Number(options.initial ?? 5));
    const app = new Hono();
    app.post("/generate", async (c) => {
      const count = Math.min(Math.max(Number(c.req.query("count") ?? 1) || 1, 1), 500);
      return c.json({ written: await write(count) });
    });
    return { app, faults: {} };
  },
};

export default connector;
export { edxmlInboxConfigSchema, type EdxmlInboxConfig } from "./config.ts";
export { createUploadRoutes, UPLOAD_PATH, type UploadRoutesOptions } from "./upload.ts";
export {
  parseEdxmlPackage,
  parseEdxmlDocument,
  summarizeEdxml,
  EdxmlError,
  DEFAULT_EDXML_LIMITS,
  type EdxmlPackage,
  type EdxmlDocumentPackage,
  type EdxmlStatusPackage,
  type EdxmlParseOptions,
  type EdxmlLimits,
} from "./parse.ts";
export { buildEdxmlPackage, generateEdxmlPackage, writeEdxmlPackages, postEdxmlPackages } from "./simulator.ts";
