// Delivers documents and procedures into one Liferay site (DXP 7.4 / Portal
// GA129+, headless-delivery v1.0). Every write is an upsert by external
// reference code derived from the hub's item id (and, for files, the content
// hash), so a retry after a crash, a timeout or a lost answer finds what the
// first attempt made instead of making it twice. See README.md.

import { OAuth2Authorizer, basicAuth } from "./auth.ts";
import { LiferayError, call, multipartBody, networkError, type Authorizer, type CallOptions, type HttpContext } from "./http.ts";
import {
  contentErc,
  documentMetadata,
  fileErc,
  replacedNote,
  rewriteFields,
  stateFor,
  stateText,
  structuredContentBody,
  type StoredFile,
} from "./mapping.ts";
import { folderNameFor, resolvedFieldNames, structureFor, type LiferayOptions } from "./options.ts";
import type { ConnectorContext, DeliveryFile, DeliveryRequest, SendResult, TargetCheck, TargetClient } from "../sdk.ts";

export const DEFAULT_TIMEOUT_MS = 60_000;
const FOLDER_PAGE_SIZE = 100;
/** Liferay's Guest role: what an anonymous reader of the portal is. */
const GUEST = "Guest";

export type LiferayClientContext = Pick<ConnectorContext, "fetch" | "now"> & { timeoutMs: number };

type Section = DeliveryRequest["section"];

interface LiferayDocument {
  id: number;
  contentUrl?: string;
}

interface LiferayContent {
  id: number;
  title?: string;
  description?: string;
  keywords?: string[];
  contentStructureId?: number;
  contentFields?: unknown;
  relatedContents?: { contentType?: string; id?: number }[];
}

export interface LiferayClient extends TargetClient {
  readonly auth: Authorizer;
}

export function createLiferayClient(options: LiferayOptions, ctx: LiferayClientContext): LiferayClient {
  const timeoutMs = ctx.timeoutMs > 0 ? ctx.timeoutMs : DEFAULT_TIMEOUT_MS;
  const auth: Authorizer =
    "clientId" in options.auth
      ? new OAuth2Authorizer({ baseUrl: options.baseUrl, clientId: options.auth.clientId, clientSecret: options.auth.clientSecret, fetch: ctx.fetch, now: ctx.now })
      : basicAuth(options.auth.username, options.auth.password);
  const http: HttpContext = { baseUrl: options.baseUrl, fetch: ctx.fetch, now: ctx.now, auth };
  const site = `/sites/${encodeURIComponent(String(options.siteId))}`;
  const fieldNames = resolvedFieldNames(options);
  /** Folder id by folder name, for the client's lifetime (a folder is looked up once). */
  const folders = new Map<string, Promise<number>>();

  const api = (o: CallOptions) => call(http, o);

  // ─── Folders ───────────────────────────────────────────────────────────────

  async function findFolder(name: string, signal: AbortSignal): Promise<number | null> {
    for (let page = 1; ; page++) {
      const answer = (await api({ method: "GET", path: `${site}/document-folders`, query: { page: String(page), pageSize: String(FOLDER_PAGE_SIZE) }, notFoundIsConfiguration: true, signal })) as {
        items?: { id: number; name?: string }[];
        lastPage?: number;
      };
      const found = (answer.items ?? []).find((f) => (f.name ?? "").normalize("NFC").trim() === name);
      if (found) return found.id;
      if (!answer.items?.length || page >= (answer.lastPage ?? page)) return null;
    }
  }

  async function findOrCreateFolder(name: string, section: Section, signal: AbortSignal): Promise<number> {
    const existing = await findFolder(name, signal);
    if (existing !== null) return existing;
    try {
      const created = (await api({
        method: "POST",
        path: `${site}/document-folders`,
        json: { name, description: `Tệp đính kèm của chuyên mục "${section.name}" do portalsync đăng.`, viewableBy: "Anyone" },
        notFoundIsConfiguration: true,
        signal,
      })) as { id: number };
      return created.id;
    } catch (error) {
      // Another worker created it between our look-up and our POST.
      if (error instanceof LiferayError && (error.status === 409 || error.status === 400)) {
        const again = await findFolder(name, signal);
        if (again !== null) return again;
      }
      throw error;
    }
  }

  function folderFor(section: Section, signal: AbortSignal): Promise<number> {
    const name = folderNameFor(options, section);
    let pending = folders.get(name);
    if (!pending) {
      pending = findOrCreateFolder(name, section, signal);
      folders.set(name, pending);
      pending.catch(() => folders.delete(name));
    }
    return pending;
  }

  // ─── Files ─────────────────────────────────────────────────────────────────

  const documentPath = (erc: string) => `${site}/documents/by-external-reference-code/${encodeURIComponent(erc)}`;
  const contentPath = (erc: string) => `${site}/structured-contents/by-external-reference-code/${encodeURIComponent(erc)}`;

  async function setGuestView(kind: "documents" | "structured-contents", id: number, visible: boolean, signal: AbortSignal): Promise<void> {
    await api({ method: "PUT", path: `/${kind}/${id}/permissions`, json: [{ roleName: GUEST, actionIds: visible ? ["VIEW"] : [] }], signal });
  }

  /** The file in Documents and Media: looked up by its code first, so bytes are uploaded once per content hash. */
  async function upload(request: DeliveryRequest, file: DeliveryFile, folderId: number, republish: boolean, signal: AbortSignal): Promise<StoredFile> {
    const erc = fileErc(request.itemId, request.section.slug, file.sha256);
    const existing = (await api({ method: "GET", path: documentPath(erc), allowNotFound: true, signal })) as LiferayDocument | null;
    if (existing) {
      if (republish) await setGuestView("documents", existing.id, true, signal);
      return { sha256: file.sha256.toLowerCase(), id: existing.id, contentUrl: existing.contentUrl ?? "" };
    }
    const metadata = documentMetadata(request, file, folderId);
    const stored = (await api({
      method: "PUT",
      path: documentPath(erc),
      body: () => multipartBody({ document: JSON.stringify(metadata) }, file),
      notFoundIsConfiguration: true,
      signal,
    })) as LiferayDocument;
    return { sha256: file.sha256.toLowerCase(), id: stored.id, contentUrl: stored.contentUrl ?? "" };
  }

  function distinctFiles(files: DeliveryFile[]): DeliveryFile[] {
    const seen = new Set<string>();
    return files.filter((f) => {
      const key = f.sha256.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  // ─── Items ─────────────────────────────────────────────────────────────────

  async function publish(request: DeliveryRequest, signal: AbortSignal): Promise<string> {
    // An update, or a publish of an item the site had (a re-publish after a
    // withdrawal), must also bring it back into public view.
    const republish = request.remoteId !== null || request.event.endsWith(".updated");
    const stored = new Map<string, StoredFile>();
    const files = distinctFiles(request.files);
    if (files.length) {
      const folderId = await folderFor(request.section, signal);
      for (const file of files) {
        const copy = await upload(request, file, folderId, republish, signal);
        stored.set(copy.sha256, copy);
      }
    }
    const body = structuredContentBody({
      request,
      contentStructureId: structureFor(options, request.section.itemKind),
      fieldNames,
      stored,
      state: "active",
    });
    const content = (await api({ method: "PUT", path: contentPath(body.externalReferenceCode), json: body, notFoundIsConfiguration: true, signal })) as LiferayContent;
    if (republish) await setGuestView("structured-contents", content.id, true, signal);
    const replaces = request.data.replaces;
    if (request.section.itemKind === "document" && typeof replaces === "string" && replaces) {
      await markReplaced(replaces, request, content, signal);
    }
    return String(content.id);
  }

  /** Withdrawal (thu hồi) and abolition (bãi bỏ): the article and its files leave public view; nothing is deleted. */
  async function unpublish(request: DeliveryRequest, signal: AbortSignal): Promise<string | null> {
    const erc = contentErc(request.itemId, request.section.slug);
    const existing = (await api({ method: "GET", path: contentPath(erc), allowNotFound: true, signal })) as LiferayContent | null;
    if (!existing) return request.remoteId; // the site never got it: nothing to take down
    const stored = new Map<string, StoredFile>();
    for (const file of distinctFiles(request.files)) {
      const doc = (await api({ method: "GET", path: documentPath(fileErc(request.itemId, request.section.slug, file.sha256)), allowNotFound: true, signal })) as LiferayDocument | null;
      if (!doc) continue;
      stored.set(file.sha256.toLowerCase(), { sha256: file.sha256.toLowerCase(), id: doc.id, contentUrl: doc.contentUrl ?? "" });
    }
    const body = structuredContentBody({
      request,
      contentStructureId: structureFor(options, request.section.itemKind),
      fieldNames,
      stored,
      state: stateFor(request.event),
    });
    const content = (await api({ method: "PUT", path: contentPath(erc), json: body, notFoundIsConfiguration: true, signal })) as LiferayContent;
    await setGuestView("structured-contents", content.id, false, signal);
    for (const copy of stored.values()) await setGuestView("documents", copy.id, false, signal);
    return String(content.id);
  }

  /** The replaced document's article says so and links the new one (Liferay related content); it stays public. */
  async function markReplaced(oldItemId: string, request: DeliveryRequest, replacement: LiferayContent, signal: AbortSignal): Promise<void> {
    const erc = contentErc(oldItemId, request.section.slug);
    const old = (await api({ method: "GET", path: contentPath(erc), allowNotFound: true, signal })) as LiferayContent | null;
    if (!old || old.contentStructureId === undefined) return; // never delivered to this section
    const note = replacedNote({ number: String(request.data.number ?? ""), title: String(request.data.title ?? "") });
    const replacedText = stateText("replaced", "document");
    const contentFields = rewriteFields(old.contentFields, fieldNames, {
      status: () => replacedText,
      body: (html) => {
        const marked = html.replace(/(<p><strong>Tình trạng:<\/strong> )[^<]*(<\/p>)/, `$1${replacedText}$2`);
        return marked.includes(note) ? marked : `${marked}\n${note}`;
      },
    });
    const related = (old.relatedContents ?? [])
      .filter((r): r is { contentType: string; id: number } => typeof r.id === "number" && typeof r.contentType === "string" && r.id !== replacement.id)
      .map((r) => ({ contentType: r.contentType, id: r.id }));
    await api({
      method: "PUT",
      path: contentPath(erc),
      json: {
        externalReferenceCode: erc,
        contentStructureId: old.contentStructureId,
        title: old.title ?? oldItemId,
        description: old.description ?? "",
        keywords: old.keywords ?? [],
        contentFields,
        relatedContents: [...related, { contentType: "StructuredContent", id: replacement.id }],
        viewableBy: "Anyone",
      },
      signal,
    });
  }

  // ─── The TargetClient ──────────────────────────────────────────────────────

  /** One deadline for the whole delivery (every call of it), as the outbox's lease assumes. */
  async function withDeadline<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    try {
      return await work(combined);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    auth,

    async deliver(request, signal): Promise<SendResult> {
      const started = ctx.now().getTime();
      const finish = (r: Omit<SendResult, "durationMs">): SendResult => ({ ...r, durationMs: Math.max(0, ctx.now().getTime() - started) });
      try {
        const remoteId = await withDeadline(signal, (s) =>
          request.event === "document.withdrawn" || request.event === "procedure.abolished" ? unpublish(request, s) : publish(request, s),
        );
        return finish({ outcome: "delivered", status: 200, retryAfterMs: null, remoteId, error: null });
      } catch (error) {
        const e = error instanceof LiferayError ? error : networkError(error, signal ?? new AbortController().signal);
        return finish({ outcome: e.outcome, status: e.status, retryAfterMs: e.retryAfterMs, remoteId: null, error: e.message });
      }
    },

    async check(sections, signal): Promise<TargetCheck> {
      const started = ctx.now().getTime();
      const checks: TargetCheck["checks"] = [];
      const attempt = async (name: string, work: (s: AbortSignal) => Promise<string>): Promise<boolean> => {
        try {
          checks.push({ name, ok: true, message: await withDeadline(signal, work) });
          return true;
        } catch (error) {
          const e = error instanceof LiferayError ? error : networkError(error, signal ?? new AbortController().signal);
          checks.push({ name, ok: false, message: e.message });
          return false;
        }
      };

      let ok =
        auth.kind === "oauth2"
          ? await attempt("credentials", async (s) => {
              await auth.header(s);
              return "OAuth2 client credentials accepted: token obtained";
            })
          : true;
      if (ok) {
        ok = await attempt("site", async (s) => {
          await api({ method: "GET", path: `${site}/document-folders`, query: { page: "1", pageSize: "1" }, signal: s });
          return `site ${options.siteId} exists and its Documents and Media can be read${auth.kind === "basic" ? " (Basic credentials accepted)" : ""}`;
        });
      }
      const structures = new Set(sections.map((sec) => structureFor(options, sec.itemKind)));
      if (!sections.length) structures.add(options.contentStructureId);
      for (const id of structures) {
        if (!ok) break;
        await attempt(`content structure ${id}`, async (s) => {
          const structure = (await api({ method: "GET", path: `/content-structures/${id}`, signal: s })) as {
            name?: string;
            contentStructureFields?: { name?: string; fieldReference?: string }[];
          };
          const have = new Set((structure.contentStructureFields ?? []).flatMap((f) => [f.name, f.fieldReference].filter((x): x is string => !!x)));
          const missing = Object.values(fieldNames).filter((f) => !have.has(f));
          if (missing.length) throw new LiferayError("rejected", null, `structure "${structure.name ?? id}" lacks the field(s) ${missing.join(", ")} (see the connector README)`);
          return `structure "${structure.name ?? id}" has every field the connector fills`;
        });
      }
      for (const sec of sections) {
        if (!ok) break;
        const name = folderNameFor(options, sec);
        await attempt(`folder for ${sec.slug}`, async (s) => {
          const before = folders.get(name);
          const id = await (before ?? findOrCreateFolder(name, sec, s));
          folders.set(name, Promise.resolve(id));
          return `Documents and Media folder "${name}" (id ${id}) is ready`;
        });
      }
      return { ok: checks.every((c) => c.ok), checks, latencyMs: Math.max(0, ctx.now().getTime() - started) };
    },
  };
}
