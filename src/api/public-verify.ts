// Public verification, no token: "is this PDF the one that was signed and
// published, and is it still in force?". The JSON API (/api/v1/public/verify)
// and the service behind it, which the page /tra-cuu (src/web/public.tsx)
// shares, limits included. What may be told: docs/public-verification.md.

import { createHash } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { publishedPlaces, type PublishedPlace } from "../delivery/published.ts";
import type { HubContext } from "../hub/context.ts";
import { clientAddress, RateLimiter, rateLimit } from "./rate-limit.ts";
import { receiveBytes, receiveFile, requestBody, UploadError } from "./upload-stream.ts";

// ─── The answer ──────────────────────────────────────────────────────────────

export interface PublicSigner {
  commonName: string | null;
  organization: string | null;
  signingTime: string | null;
  indication: string | null;
  subIndication: string | null;
  laterChanges: string | null;
  coversWholeDocument: boolean | null;
  messages: string[];
}

export interface PublicSignature {
  status: "valid" | "invalid" | "indeterminate" | "unsigned" | "error";
  /** For status "error": what is wrong with the file, in words. */
  error: string | null;
  signers: PublicSigner[];
}

export interface PublicAnswer {
  sha256: string;
  published: PublishedPlace[];
  signature: PublicSignature | null;
}

const STATUSES = new Set(["valid", "invalid", "indeterminate", "unsigned", "error"]);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/**
 * A verify-report line reduced to what a citizen needs: who signed, when, the
 * verdict and why. No field names, serial numbers, algorithms or file paths.
 */
export function publicSignature(raw: unknown, hidePaths: string[] = []): PublicSignature {
  const report = (raw && typeof raw === "object" ? raw : {}) as { status?: unknown; error?: unknown; signatures?: unknown };
  const status = (typeof report.status === "string" && STATUSES.has(report.status) ? report.status : "error") as PublicSignature["status"];
  let error: string | null = null;
  if (status === "error") {
    error = str(report.error) ?? "the file could not be read";
    if (/^cannot open file/i.test(error)) error = "the file could not be read";
    for (const p of hidePaths) error = error.split(p).join("the file");
  }
  const signatures = Array.isArray(report.signatures) ? report.signatures : [];
  return {
    status,
    error,
    signers: signatures.map((s: any): PublicSigner => ({
      commonName: str(s?.signer?.commonName),
      organization: str(s?.signer?.organization),
      signingTime: str(s?.signingTime),
      indication: str(s?.indication),
      subIndication: str(s?.subIndication),
      laterChanges: str(s?.laterChanges),
      coversWholeDocument: typeof s?.coversWholeDocument === "boolean" ? s.coversWholeDocument : null,
      messages: Array.isArray(s?.messages) ? s.messages.filter((m: unknown): m is string => typeof m === "string").slice(0, 20) : [],
    })),
  };
}

// ─── The service (one per hub: limits are shared by the page and the API) ───

export class BusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("too many verifications under way; try again shortly");
  }
}

/** At most `concurrency` verifications at once, and `concurrency + queue` uploads admitted. */
class Gate {
  private running = 0;
  private admitted = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(
    private readonly concurrency: number,
    private readonly capacity: number,
  ) {}
  tryAdmit(): boolean {
    if (this.admitted >= this.capacity) return false;
    this.admitted++;
    return true;
  }
  leave(): void {
    this.admitted--;
  }
  get inside(): number {
    return this.admitted;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on
      else this.running--;
    }
  }
}

export interface PublicVerification {
  lookup(sha256: string): Promise<PublicAnswer>;
  /**
   * Receives the request's `file` field (in memory when small, else streamed
   * to a temporary file), verifies it and forgets it.
   */
  upload(req: Request, env?: unknown): Promise<PublicAnswer>;
  /** Uploads admitted now (receiving, verifying or waiting for the verifier). */
  readonly admitted: number;
  lookups: RateLimiter;
  uploads: RateLimiter;
  clientOf(c: Context): string;
  /** Where uploads are written while they are checked. */
  tempDir: string;
}

const services = new WeakMap<HubContext, PublicVerification>();

export function publicVerificationOf(ctx: HubContext): PublicVerification {
  let service = services.get(ctx);
  if (!service) {
    service = createPublicVerification(ctx);
    services.set(ctx, service);
  }
  return service;
}

const STALE_UPLOAD_MS = 3600_000;

// Creating, writing and removing a temporary file cost a 3 MB upload several
// times the verifier's own time, so an upload whose declared length is at
// most IN_MEMORY_UPLOAD_BYTES is held in memory instead: signed PDFs people
// check are typically well under it. All uploads held at once share
// IN_MEMORY_BUDGET_BYTES, so memory stays bounded whatever the concurrency
// and queue settings; an upload that does not fit (or declares no length)
// streams to disk as before.
const IN_MEMORY_UPLOAD_BYTES = 16 * 1024 * 1024;
const IN_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;

function createPublicVerification(ctx: HubContext): PublicVerification {
  const settings = ctx.config.publicVerify;
  const gate = new Gate(settings.concurrency, settings.concurrency + settings.queue);
  const tempDir = path.resolve(ctx.config.dataDir, "tmp", "public-verify");
  // Files left by a process that died mid-upload (several hubs may share the directory: only old ones).
  void readdir(tempDir)
    .then((names) =>
      Promise.all(
        names.map(async (name) => {
          const file = path.join(tempDir, name);
          const info = await stat(file).catch(() => null);
          if (info && Date.now() - info.mtimeMs > STALE_UPLOAD_MS) await rm(file, { force: true });
        }),
      ),
    )
    .catch(() => undefined);

  let heldInMemory = 0;

  const verify = async (file: string): Promise<unknown> => {
    const verifier = ctx.verifier;
    if (!verifier) return null;
    return (await gate.run(() => verifier.verifyFile(file))).report;
  };

  /**
   * The uploaded bytes' own verdict and where they were published, looked up
   * while the verifier runs. Always the upload's own verdict (never a stored
   * report): the answer must not depend on whether the hub holds these bytes.
   */
  const answer = async (sha256: string, verifying: Promise<{ report: unknown }> | null, hidePaths: string[]): Promise<PublicAnswer> => {
    const [result, published] = await Promise.all([verifying, publishedPlaces(ctx.db, sha256)]);
    return { sha256, published, signature: result ? publicSignature(result.report, hidePaths) : null };
  };

  /** The stored report under the current policy, else a fresh one (kept for next time). */
  const signatureOfBlob = async (sha256: string): Promise<PublicSignature | null> => {
    const verifier = ctx.verifier;
    if (!verifier) return null;
    const { rows } = await ctx.db.sql.query<{ report: unknown }>(
      `SELECT report FROM "SignatureReport" WHERE "blobSha256" = $1 AND "policyKey" = $2`,
      [sha256, verifier.policyKey],
    );
    const stored = rows[0]?.report;
    if (stored) return publicSignature(typeof stored === "string" ? JSON.parse(stored) : stored);
    if (!(await ctx.blobs.has(sha256))) return null;
    const file = ctx.blobs.pathOf(sha256);
    const report = (await verify(file)) as { status?: string } | null;
    if (!report) return null;
    await ctx.db.prisma.signatureReport
      .createMany({ data: [{ blobSha256: sha256, policyKey: verifier.policyKey, status: String(report.status ?? "error"), report: report as object }], skipDuplicates: true })
      .catch((error) => ctx.log.warn({ err: error, sha256 }, "could not store a signature report"));
    return publicSignature(report, [file]);
  };

  return {
    lookups: new RateLimiter({ max: settings.lookups.max, windowMs: settings.lookups.windowSeconds * 1000 }),
    uploads: new RateLimiter({ max: settings.uploads.max, windowMs: settings.uploads.windowSeconds * 1000 }),
    clientOf: (c) => clientAddress(c, ctx.config.server.trustedProxies ?? []),
    tempDir,

    async lookup(sha256) {
      const published = await publishedPlaces(ctx.db, sha256);
      // Bytes the hub holds but never published answer exactly like unknown bytes.
      if (published.length === 0) return { sha256, published, signature: null };
      return { sha256, published, signature: await signatureOfBlob(sha256) };
    },

    get admitted() {
      return gate.inside;
    },

    async upload(req, env) {
      if (!gate.tryAdmit()) throw new BusyError(5);
      const declared = /^\d+$/.test(req.headers.get("content-length") ?? "") ? Number(req.headers.get("content-length")) : null;
      const maxBytes = ctx.config.ingest.maxFileBytes;
      const inMemory =
        declared !== null &&
        declared <= IN_MEMORY_UPLOAD_BYTES &&
        heldInMemory + declared <= IN_MEMORY_BUDGET_BYTES &&
        (!ctx.verifier || typeof ctx.verifier.verifyBytes === "function");
      if (inMemory) heldInMemory += declared;
      try {
        const body = { headers: req.headers, body: requestBody(req, env) };
        const verifier = ctx.verifier;
        if (inMemory) {
          const part = await receiveBytes(body, { field: "file", maxBytes });
          // the signed ranges resume from the hash states taken as the bytes arrived
          const verifying = verifier?.verifyBytes ? gate.run(() => verifier.verifyBytes!(part.chunks, part.prefixes)) : null;
          return await answer(part.sha256, verifying, []);
        }
        const file = await receiveFile(body, { field: "file", maxBytes, dir: tempDir });
        try {
          return await answer(file.sha256, verifier ? gate.run(() => verifier.verifyFile(file.path)) : null, [file.path]);
        } finally {
          await file.remove();
        }
      } finally {
        if (inMemory) heldInMemory -= declared;
        gate.leave();
      }
    },
  };
}

/** SHA-256 as given by a person: hex, any case, spaces and colons ignored. */
export function parseSha256(input: string | undefined | null): string | null {
  const hex = (input ?? "").replace(/[\s:]/g, "").toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

// ─── JSON API ────────────────────────────────────────────────────────────────

const error = z.object({ error: z.string() }).openapi("Error");

const place = z
  .object({
    kind: z.enum(["document", "procedure"]),
    site: z.string().openapi({ description: "site id" }),
    siteName: z.string(),
    section: z.string().openapi({ description: "section slug" }),
    sectionName: z.string(),
    number: z.string().openapi({ description: "số ký hiệu (document) or procedure code" }),
    title: z.string().openapi({ description: "trích yếu (document) or procedure name" }),
    issuer: z.string().nullable(),
    version: z.number().int(),
    current: z.boolean().openapi({ description: "no newer version of the item has been published" }),
    publishedAt: z.string().openapi({ description: "when the site first had this version (RFC 3339)" }),
    status: z.enum(["in-force", "superseded", "replaced", "withdrawn"]),
    replacedBy: z.string().nullable().openapi({ description: "for status replaced: the number of the published document that replaces it" }),
  })
  .openapi("PublishedPlace");

const signer = z
  .object({
    commonName: z.string().nullable(),
    organization: z.string().nullable(),
    signingTime: z.string().nullable(),
    indication: z.string().nullable().openapi({ description: "TOTAL_PASSED | TOTAL_FAILED | INDETERMINATE (ETSI EN 319 102-1)" }),
    subIndication: z.string().nullable(),
    laterChanges: z.string().nullable().openapi({ description: "none | signatures-only | annotations-or-forms | content" }),
    coversWholeDocument: z.boolean().nullable(),
    messages: z.array(z.string()),
  })
  .openapi("PublicSigner");

const answer = z
  .object({
    sha256: z.string(),
    published: z.array(place).openapi({ description: "where these exact bytes were published; empty when they were not (or the hub does not say)" }),
    signature: z
      .object({ status: z.enum(["valid", "invalid", "indeterminate", "unsigned", "error"]), error: z.string().nullable(), signers: z.array(signer) })
      .nullable()
      .openapi({ description: "the signature verdict; null for a hash lookup of bytes that were not published" }),
  })
  .openapi("PublicVerification");

const limited = { description: "too many requests from this address (Retry-After)", content: { "application/json": { schema: error } } };

export function publicVerifyRoutes(ctx: HubContext) {
  const app = new OpenAPIHono();
  if (!ctx.config.publicVerify.enabled) return app;
  const service = publicVerificationOf(ctx);
  const lookupLimit = rateLimit({ limiter: service.lookups, key: service.clientOf });
  const uploadLimit = rateLimit({ limiter: service.uploads, key: service.clientOf });
  app.use("/api/v1/public/*", (c, next) => (c.req.method === "POST" ? uploadLimit(c, next) : lookupLimit(c, next)));

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/public/verify/{sha256}",
      tags: ["public"],
      summary: "Were these bytes published by the hub? (by SHA-256; no token)",
      request: { params: z.object({ sha256: z.string().openapi({ description: "SHA-256 of the file, hex" }) }) },
      responses: {
        200: { description: "the answer", content: { "application/json": { schema: answer } } },
        400: { description: "not a SHA-256", content: { "application/json": { schema: error } } },
        429: limited,
      },
    }),
    async (c) => {
      const sha256 = parseSha256(c.req.valid("param").sha256);
      if (!sha256) return c.json({ error: "sha256: 64 hexadecimal digits" }, 400);
      return c.json((await service.lookup(sha256)) as z.infer<typeof answer>, 200);
    },
  );

  // Not app.openapi(): its validator would read the whole multipart body into memory.
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/api/v1/public/verify",
    tags: ["public"],
    summary: "Check a file: its signature and whether it was published (no token)",
    description: `The file is hashed as it arrives, held in memory (a small file) or streamed to a temporary file (a large one), verified, and forgotten (the temporary file deleted) before the answer is sent. Limit: ingest.maxFileBytes.`,
    request: {
      body: {
        required: true,
        content: { "multipart/form-data": { schema: z.object({ file: z.string().openapi({ type: "string", format: "binary" }) }) } },
      },
    },
    responses: {
      200: { description: "the answer", content: { "application/json": { schema: answer } } },
      400: { description: "no file, or a malformed form", content: { "application/json": { schema: error } } },
      413: { description: "larger than the upload limit", content: { "application/json": { schema: error } } },
      415: { description: "not multipart/form-data", content: { "application/json": { schema: error } } },
      429: limited,
      503: { description: "too many verifications under way (Retry-After)", content: { "application/json": { schema: error } } },
    },
  });
  app.post("/api/v1/public/verify", async (c) => {
    try {
      return c.json(await service.upload(c.req.raw, c.env), 200);
    } catch (e) {
      const failure = uploadFailure(e);
      if (!failure) throw e;
      for (const [k, v] of Object.entries(failure.headers)) c.header(k, v);
      return c.json({ error: failure.message }, failure.status);
    }
  });
  return app;
}

/** How an upload that could not be checked is answered (page and API alike). */
export function uploadFailure(e: unknown): { status: 400 | 413 | 415 | 503; message: string; headers: Record<string, string> } | null {
  if (e instanceof UploadError) {
    return { status: e.status, message: e.message, headers: {} };
  }
  if (e instanceof BusyError) return { status: 503, message: e.message, headers: { "retry-after": String(e.retryAfterSeconds) } };
  return null;
}
