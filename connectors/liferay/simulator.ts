// A stand-in for one Liferay site's headless-delivery API (Liferay cannot run
// on these machines). Every request under /o/headless-delivery/v1.0 is first
// checked against Liferay's own published OpenAPI description (openapi.ts):
// unknown paths (404), methods (405), parameters, media types and body fields
// the description does not allow (400/415) are refused before any handler
// runs. Then the operations the connector uses are served from an in-memory
// site (simulator-store.ts). Also: the OAuth2 token endpoint (/o/oauth2/token),
// HTTP Basic, public file downloads, fault switches and a state view.
//
//   GET  /_sim/state         what exists: folders, documents, contents, who may view them
//   GET  /_faults            the fault switches; POST /_faults sets them (see README)

import { Hono, type Context } from "hono";
import { z } from "zod";
import { FaultSwitchboard, faultConfigSchema, type FaultConfig } from "../sim-kit/faults.ts";
import { TokenIssuer, mountTokenEndpoint } from "../sim-kit/oauth.ts";
import type { Simulator } from "../sdk.ts";
import { API_BASE } from "./http.ts";
import { DEFAULT_FIELD_NAMES } from "./mapping.ts";
import { OpenApiDescription } from "./openapi.ts";
import { Problem, SiteStore, type SiteView, type StructureDef } from "./simulator-store.ts";

const STATUS_NAMES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "REQUEST_ENTITY_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
  501: "NOT_IMPLEMENTED",
};

/** Liferay's problem JSON: `{"status": "NOT_FOUND", "title": "…"}`. */
function problem(c: Context, status: number, title: string, headers: Record<string, string> = {}) {
  return c.json({ status: STATUS_NAMES[status] ?? (status >= 500 ? "INTERNAL_SERVER_ERROR" : String(status)), title }, status as 400, headers);
}

const liferayFaultSchema = z.object({
  /** 401 on the next `count` API calls (as with a revoked application). */
  unauthorized: z.object({ count: z.number().int().min(1), message: z.string().optional() }).nullable().optional(),
  /** 403 with Liferay's permission message on the next `count` API calls. */
  forbidden: z.object({ count: z.number().int().min(1), message: z.string().optional() }).nullable().optional(),
  /** 413 on the next `count` uploads (Documents and Media's size limit). */
  tooLarge: z.object({ count: z.number().int().min(1) }).nullable().optional(),
});
type LiferayFaultConfig = z.infer<typeof liferayFaultSchema>;

/** The shared switchboard (slow, rateLimit, serverError, tokenExpiry) plus Liferay's own refusals. */
export class LiferayFaults {
  [key: string]: unknown;
  readonly board = new FaultSwitchboard();
  #own: { unauthorized: { count: number; message: string } | null; forbidden: { count: number; message: string } | null; tooLarge: { count: number } | null } = {
    unauthorized: null,
    forbidden: null,
    tooLarge: null,
  };

  set(config: FaultConfig & LiferayFaultConfig): this {
    const { unauthorized, forbidden, tooLarge, ...common } = config;
    const own = liferayFaultSchema.parse({ unauthorized, forbidden, tooLarge });
    this.board.set(faultConfigSchema.parse(common));
    if (own.unauthorized !== undefined) this.#own.unauthorized = own.unauthorized && { count: own.unauthorized.count, message: own.unauthorized.message ?? "Authentication required" };
    if (own.forbidden !== undefined) {
      this.#own.forbidden = own.forbidden && {
        count: own.forbidden.count,
        message: own.forbidden.message ?? "User 20125 must have ADD_ARTICLE permission for com.liferay.journal 20121",
      };
    }
    if (own.tooLarge !== undefined) this.#own.tooLarge = own.tooLarge;
    return this;
  }

  reset(): this {
    this.board.reset();
    this.#own = { unauthorized: null, forbidden: null, tooLarge: null };
    return this;
  }

  get() {
    return { ...this.board.get(), liferay: structuredClone(this.#own) };
  }

  /** Consumes one firing of a Liferay fault; returns its message. */
  takeOwn(name: "unauthorized" | "forbidden" | "tooLarge"): string | null {
    const fault = this.#own[name];
    if (!fault) return null;
    fault.count -= 1;
    if (fault.count <= 0) this.#own[name] = null;
    return "message" in fault ? fault.message : "";
  }
}

export interface LiferaySimulatorOptions {
  baseUrl: string;
  /** The site's group id (default 20121). */
  siteId?: number;
  /** A site key/ERC also accepted in place of the id, as Liferay DXP 2025.Q3+ does (default: none). */
  siteKey?: string | null;
  /** OAuth2 application (client credentials); null disables the token endpoint. */
  oauth2?: { clientId: string; clientSecret: string; ttlSeconds?: number } | null;
  /** A user for HTTP Basic; null (default) refuses Basic. */
  basic?: { username: string; password: string } | null;
  /** Web content structures (default: one, id 40123, with the connector's default field names). */
  contentStructures?: StructureDef[];
  /** Documents and Media's upload limit (dl.file.max.size), default 100 MB. */
  maxUploadBytes?: number;
  now?: () => Date;
}

export interface LiferaySimulator extends Simulator {
  faults: LiferayFaults;
  issuer: TokenIssuer | null;
  store: SiteStore;
  state(): SiteView;
  /** Every API request the stand-in refused as outside the OpenAPI description (tests assert none). */
  refusals: { method: string; path: string; status: number; problems: string[] }[];
  /** The stand-in's own answers that do not fit the description's response schema (tests assert none). */
  answerProblems: { operationId: string; problems: string[] }[];
  /** API calls answered, by operationId. */
  calls: Map<string, number>;
}

export const DEFAULT_SIM_SITE_ID = 20121;
export const DEFAULT_SIM_STRUCTURE_ID = 40123;

let description: OpenApiDescription | null = null;

export function createLiferaySimulator(options: LiferaySimulatorOptions): LiferaySimulator {
  description ??= OpenApiDescription.load();
  const api = description;
  const now = options.now ?? (() => new Date());
  const siteId = options.siteId ?? DEFAULT_SIM_SITE_ID;
  const structures = new Map((options.contentStructures ?? [{ id: DEFAULT_SIM_STRUCTURE_ID, name: "Văn bản portalsync", fields: Object.values(DEFAULT_FIELD_NAMES) }]).map((s) => [s.id, s]));
  const store = new SiteStore(siteId, structures, now);
  const faults = new LiferayFaults();
  const oauth2 = options.oauth2 === undefined ? { clientId: "portalsync", clientSecret: "liferay-secret" } : options.oauth2;
  const issuer = oauth2 ? new TokenIssuer({ clientId: oauth2.clientId, clientSecret: oauth2.clientSecret, ttlSeconds: oauth2.ttlSeconds ?? 600, now }) : null;
  const basic = options.basic ?? null;
  const maxUpload = options.maxUploadBytes ?? 100 * 1024 * 1024;
  const refusals: LiferaySimulator["refusals"] = [];
  const answerProblems: LiferaySimulator["answerProblems"] = [];
  const calls = new Map<string, number>();

  const app = new Hono();
  if (issuer) mountTokenEndpoint(app, issuer, "/o");
  app.get("/_sim/state", (c) => c.json(store.view()));
  app.get("/_faults", (c) => c.json(faults.get()));
  app.post("/_faults", async (c) => {
    const body = (await c.req.json().catch(() => null)) as (FaultConfig & LiferayFaultConfig & { reset?: boolean }) | null;
    if (!body || typeof body !== "object") return c.json({ error: "JSON body required" }, 400);
    const { reset, ...config } = body;
    if (reset) faults.reset();
    try {
      faults.set(config);
    } catch (error) {
      return c.json({ error: String(error) }, 400);
    }
    return c.json(faults.get());
  });

  // Liferay serves Documents and Media files at /documents/{groupId}/{folderId}/{title}/{uuid}.
  app.get("/documents/:site/:folder/:title/:uuid", (c) => {
    const doc = [...store.documents.values()].find((d) => d.uuid === c.req.param("uuid"));
    if (!doc || !doc.guestView) return c.text("Not Found", 404);
    return c.body(doc.bytes.slice(), 200, { "content-type": doc.mime, "content-length": String(doc.bytes.byteLength) });
  });

  app.all(`${API_BASE}/*`, async (c) => {
    const path = c.req.path.slice(API_BASE.length);
    const board = faults.board;
    const slow = board.take("slow", c.req.path);
    if (slow) await new Promise((r) => setTimeout(r, slow.ms));
    const limited = board.take("rateLimit", c.req.path);
    if (limited) return problem(c, 429, "Too many requests", { "Retry-After": String(limited.retryAfter) });
    const failed = board.take("serverError", c.req.path);
    if (failed) return problem(c, failed.status, "An unexpected error occurred (simulated)");

    const refusedAuth = authenticate(c);
    if (refusedAuth) return refusedAuth;
    const unauthorized = faults.takeOwn("unauthorized");
    if (unauthorized !== null) return problem(c, 401, unauthorized);
    const forbidden = faults.takeOwn("forbidden");
    if (forbidden !== null) return problem(c, 403, forbidden);

    // ── The OpenAPI description decides what is a request at all. ──
    const siteAlias = options.siteKey ? `/sites/${encodeURIComponent(options.siteKey)}/` : null;
    const routed = siteAlias && path.startsWith(siteAlias) ? `/sites/${siteId}/${path.slice(siteAlias.length)}` : path;
    const match = api.match(c.req.method, routed);
    if (!match.ok) {
      refusals.push({ method: c.req.method, path, status: match.status, problems: [] });
      if (match.status === 405) return problem(c, 405, `HTTP ${c.req.method} is not allowed here (allowed: ${match.allowed.join(", ")})`, { Allow: match.allowed.join(", ") });
      return problem(c, 404, `No resource at ${c.req.method} ${API_BASE}${path}`);
    }
    const url = new URL(c.req.url);
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase() || null;
    const parts: { json?: unknown; parts?: Record<string, string | File> } = {};
    try {
      if (mediaType === "application/json") parts.json = await c.req.raw.json();
      else if (mediaType === "multipart/form-data") {
        const form = await c.req.raw.formData();
        parts.parts = {};
        for (const [name, value] of form.entries()) parts.parts[name] = value as string | File;
      }
    } catch {
      refusals.push({ method: c.req.method, path, status: 400, problems: ["unreadable body"] });
      return problem(c, 400, `The ${mediaType} body could not be read`);
    }
    const refusal = api.check(match.operation, { pathParams: match.pathParams, query: url.searchParams, mediaType, ...parts });
    if (refusal) {
      refusals.push({ method: c.req.method, path, status: refusal.status, problems: refusal.problems });
      return problem(c, refusal.status, refusal.problems.join("; "));
    }
    const op = match.operation.operationId;
    calls.set(op, (calls.get(op) ?? 0) + 1);
    const p = match.pathParams;
    if (p.siteId !== undefined && Number(p.siteId) !== siteId) return problem(c, 404, `No Group exists with the primary key ${p.siteId}`);
    try {
      const answer = await handle(c, op, p, url.searchParams, parts);
      if (answer.status === 200 && answer.headers.get("content-type")?.includes("application/json")) {
        const problems = api.checkAnswer(match.operation, await answer.clone().json());
        if (problems.length) answerProblems.push({ operationId: op, problems });
      }
      return answer;
    } catch (error) {
      if (error instanceof Problem) return problem(c, error.status, error.title);
      throw error;
    }
  });

  function authenticate(c: Context): Response | null {
    const header = c.req.header("authorization") ?? "";
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (bearer && issuer) {
      if (!issuer.valid(bearer)) return problem(c, 401, "The access token is invalid or has expired", { "WWW-Authenticate": 'Bearer error="invalid_token"' });
      if (faults.board.take("tokenExpiry", c.req.path)) {
        issuer.revoke(bearer);
        return problem(c, 401, "The access token expired", { "WWW-Authenticate": 'Bearer error="invalid_token"' });
      }
      return null;
    }
    const basicCredentials = /^Basic\s+(\S+)$/i.exec(header)?.[1];
    if (basicCredentials && basic) {
      const [user, ...rest] = Buffer.from(basicCredentials, "base64").toString("utf8").split(":");
      if (user === basic.username && rest.join(":") === basic.password) return null;
      return problem(c, 401, "Authenticated access required: the user name or password is wrong", { "WWW-Authenticate": 'Basic realm="PortalRealm"' });
    }
    return problem(c, 403, "Access denied to com.liferay.headless.delivery.internal.resource.v1_0 for the Guest user");
  }

  async function handle(c: Context, op: string, p: Record<string, string>, query: URLSearchParams, body: { json?: unknown; parts?: Record<string, string | File> }): Promise<Response> {
    switch (op) {
      case "getContentStructure": {
        const s = structures.get(Number(p.contentStructureId));
        if (!s) throw new Problem(404, `No DDMStructure exists with the primary key ${p.contentStructureId}`);
        return c.json(store.structureJson(s));
      }
      case "getSiteDocumentFoldersPage": {
        const page = Math.max(1, Number(query.get("page") ?? 1));
        const pageSize = Math.max(1, Number(query.get("pageSize") ?? 20));
        const all = store.rootFolders();
        return c.json({
          actions: {},
          facets: [],
          items: all.slice((page - 1) * pageSize, page * pageSize).map((f) => store.folderJson(f)),
          lastPage: Math.max(1, Math.ceil(all.length / pageSize)),
          page,
          pageSize,
          totalCount: all.length,
        });
      }
      case "postSiteDocumentFolder":
        return c.json(store.folderJson(store.addFolder(body.json as { name: string })));
      case "getSiteDocumentByExternalReferenceCode": {
        const doc = store.documents.get(p.externalReferenceCode!);
        if (!doc) throw new Problem(404, `No FileEntry exists with the key {externalReferenceCode=${p.externalReferenceCode}, groupId=${siteId}}`);
        return c.json(store.documentJson(doc));
      }
      case "putSiteDocumentByExternalReferenceCode": {
        const parts = body.parts ?? {};
        const meta = typeof parts.document === "string" ? (JSON.parse(parts.document) as Record<string, unknown>) : {};
        const file = parts.file instanceof File ? parts.file : null;
        if (file && (file.size > maxUpload || faults.takeOwn("tooLarge") !== null)) {
          throw new Problem(413, `The file ${file.name} exceeds the maximum upload size of ${maxUpload} bytes`);
        }
        const stored = store.putDocument(p.externalReferenceCode!, meta, file && { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name, mime: file.type || "application/octet-stream" });
        return c.json(store.documentJson(stored));
      }
      case "getSiteStructuredContentByExternalReferenceCode": {
        const content = store.contents.get(p.externalReferenceCode!);
        if (!content) throw new Problem(404, `No JournalArticle exists with the key {externalReferenceCode=${p.externalReferenceCode}, groupId=${siteId}}`);
        return c.json(store.contentJson(content));
      }
      case "putSiteStructuredContentByExternalReferenceCode":
        return c.json(store.contentJson(store.putContent(p.externalReferenceCode!, body.json as Record<string, unknown>)));
      case "getStructuredContent": {
        const content = store.contentById(Number(p.structuredContentId));
        if (!content) throw new Problem(404, `No JournalArticle exists with the primary key ${p.structuredContentId}`);
        return c.json(store.contentJson(content));
      }
      case "putStructuredContentPermissionsPage": {
        const content = store.contentById(Number(p.structuredContentId));
        if (!content) throw new Problem(404, `No JournalArticle exists with the primary key ${p.structuredContentId}`);
        store.setPermissions(content, body.json);
        return c.body(null, 204);
      }
      case "putDocumentPermissionsPage": {
        const doc = store.documentById(Number(p.documentId));
        if (!doc) throw new Problem(404, `No FileEntry exists with the primary key ${p.documentId}`);
        store.setPermissions(doc, body.json);
        return c.body(null, 204);
      }
      case "deleteSiteDocumentByExternalReferenceCode":
      case "deleteSiteStructuredContentByExternalReferenceCode": {
        const map = op.includes("Document") ? store.documents : store.contents;
        if (!map.delete(p.externalReferenceCode!)) throw new Problem(404, `Nothing exists with the external reference code ${p.externalReferenceCode}`);
        store.deletions += 1;
        return c.body(null, 204);
      }
      default:
        throw new Problem(501, `${op} is in Liferay's API description but not simulated here`);
    }
  }

  return { app, faults, issuer, store, state: () => store.view(), refusals, answerProblems, calls };
}
