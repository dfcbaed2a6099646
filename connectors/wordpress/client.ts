// Publishes into one WordPress site through its REST API (wp/v2, WordPress
// 5.6 or later), authenticated with an application password over HTTP Basic.
// One call of deliver() makes the post match the delivery; it never throws for
// what WordPress or the network does, it classifies it (SendResult).
//
// Exactly once: a post's slug is derived from the hub's item id and a file's
// from its SHA-256, and each is looked up before it is created, so a retry
// after a crash (WordPress created it, the hub never recorded the id) finds it
// instead of making a second one. WordPress does not expose arbitrary post
// meta over REST without register_meta, so the slug is the key.
//
// A new post is created as a draft, its files are uploaded attached to it,
// then it is published with the links: a crash half-way never leaves a
// public post without its files.

import { z } from "zod";
import type { ConnectorContext, DeliveryFile, DeliveryRequest, SectionRef, SendResult, TargetCheck, TargetClient, TargetSite } from "../sdk.ts";
import {
  documentPost, mediaSlug, postSlug, procedurePost, REPLACED_PREFIX, replacedNote, uploadFileName, withdrawalNote, withNote, type UploadedFile,
} from "./mapping.ts";

export const wordpressOptionsSchema = z.strictObject({
  /** The site's address, e.g. https://binhthuan.binhson.quangngai.gov.vn (the REST API is under /wp-json/). */
  baseUrl: z.url(),
  /** The WordPress user the hub publishes as (Editor role). */
  username: z.string().min(1),
  /** An application password of that user (Users → Profile → Application Passwords). */
  applicationPassword: z.string().min(1),
  /** What a withdrawn document or abolished procedure becomes: private (default: editors still see it) or draft. */
  withdrawnStatus: z.enum(["private", "draft"]).default("private"),
});
export type WordPressOptions = z.infer<typeof wordpressOptionsSchema>;

export type WordPressClientContext = Pick<ConnectorContext, "fetch" | "now"> & { timeoutMs: number };

/** Capabilities the hub's WordPress user needs (an Editor has them all). */
export const REQUIRED_CAPABILITIES = ["publish_posts", "edit_published_posts", "edit_others_posts", "upload_files", "manage_categories", "edit_private_posts"];

const USER_AGENT = "portalsync-wordpress";

/** A WordPress answer that is not a 2xx, with WordPress's own code and message. */
export class WordPressError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly wpMessage: string,
    readonly retryAfterMs: number | null,
    readonly what: string,
    /** Set when the answer means more than its status (a permanent 500). */
    readonly outcome: SendResult["outcome"] | null = null,
  ) {
    super(`${what}: HTTP ${status}${code ? ` ${code}` : ""}${wpMessage ? `: ${wpMessage}` : ""}`);
  }
}

/** The network failed or WordPress did not answer in time: worth retrying. */
export class WordPressUnreachable extends Error {}

interface WpPost {
  id: number;
  link: string;
  slug: string;
  status: string;
  title: { raw?: string; rendered: string };
  content: { raw?: string; rendered: string };
}

interface WpMedia {
  id: number;
  source_url: string;
  post: number | null;
}

export function createWordPressClient(site: TargetSite<WordPressOptions>, ctx: WordPressClientContext): TargetClient {
  const options = site.options;
  const api = `${options.baseUrl.replace(/\/+$/, "")}/wp-json/wp/v2`;
  const auth = `Basic ${Buffer.from(`${options.username}:${options.applicationPassword}`).toString("base64")}`;
  const categories = new Map<string, number>();
  const media = new Map<string, { id: number; url: string }>();

  async function call<T>(what: string, method: string, path: string, init: { json?: unknown; body?: Uint8Array; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<T> {
    const timeout = AbortSignal.timeout(ctx.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const headers: Record<string, string> = { authorization: auth, accept: "application/json", "user-agent": USER_AGENT, ...init.headers };
    let body: string | Uint8Array | undefined = init.body;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    let response: Response;
    let text: string;
    try {
      response = await ctx.fetch(`${api}${path}`, { method, headers, body: body as RequestInit["body"], redirect: "manual", signal });
      text = await response.text();
    } catch (error) {
      const reason = timeout.aborted ? `timed out after ${ctx.timeoutMs} ms` : describeError(error);
      throw new WordPressUnreachable(`${what}: ${reason}`);
    }
    if (response.status >= 200 && response.status < 300) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new WordPressError(response.status, null, `the answer is not JSON: ${snippet(text)}`, null, what);
      }
    }
    let code: string | null = null;
    let message = snippet(text);
    try {
      const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
      if (typeof parsed.code === "string") code = parsed.code;
      if (typeof parsed.message === "string") message = parsed.message;
    } catch {
      // an HTML error page from the web server: its text is the reason
    }
    // WordPress answers a wrong application password as if nobody had signed in.
    if (code === "rest_not_logged_in") message += " (WordPress did not accept the user name and application password: check the site's options.username and options.applicationPassword)";
    throw new WordPressError(response.status, code, message, retryAfter(response.headers.get("retry-after"), ctx.now()), what);
  }

  /**
   * WordPress treats a wrong application password as an anonymous visitor on
   * some calls (a listing answers 200 or 400, not 401), so the client signs in
   * once, checks the capabilities it needs, and again after any refusal.
   */
  let verified = false;
  /** One sign-in at a time: concurrent first deliveries share it. */
  let signingIn: Promise<void> | null = null;
  async function whoAmI(signal?: AbortSignal): Promise<{ name: string; roles?: string[]; capabilities?: Record<string, boolean> }> {
    return call("sign in", "GET", "/users/me?context=edit&_fields=name,roles,capabilities", { signal });
  }
  async function ensureSignedIn(signal?: AbortSignal): Promise<void> {
    if (verified) return;
    signingIn ??= signIn(signal).finally(() => (signingIn = null));
    return signingIn;
  }
  async function signIn(signal?: AbortSignal): Promise<void> {
    const me = await whoAmI(signal);
    const missing = REQUIRED_CAPABILITIES.filter((c) => !me.capabilities?.[c]);
    if (missing.length > 0) {
      throw new WordPressError(403, "missing_capability", `the WordPress user ${me.name} (${(me.roles ?? []).join(", ") || "no role"}) lacks ${missing.join(", ")}: give it the Editor role`, null, "sign in");
    }
    verified = true;
  }

  async function categoryId(section: SectionRef, signal?: AbortSignal): Promise<number> {
    const known = categories.get(section.slug);
    if (known !== undefined) return known;
    const found = await call<{ id: number }[]>(`find category ${section.slug}`, "GET", `/categories?slug=${encodeURIComponent(section.slug)}&_fields=id`, { signal });
    let id = found[0]?.id;
    if (id === undefined) {
      try {
        id = (await call<{ id: number }>(`create category ${section.slug}`, "POST", "/categories", { json: { name: section.name, slug: section.slug }, signal })).id;
      } catch (error) {
        // Another delivery created it a moment ago (term_exists): use that one.
        if (!(error instanceof WordPressError) || error.code !== "term_exists") throw error;
        const again = await call<{ id: number }[]>(`find category ${section.slug}`, "GET", `/categories?slug=${encodeURIComponent(section.slug)}&_fields=id`, { signal });
        if (!again[0]) throw error;
        id = again[0].id;
      }
    }
    categories.set(section.slug, id);
    return id;
  }

  async function findPost(slug: string, signal?: AbortSignal): Promise<WpPost | null> {
    const found = await call<WpPost[]>(`find post ${slug}`, "GET", `/posts?slug=${encodeURIComponent(slug)}&status=any&context=edit&_fields=id,link,slug,status,title,content`, { signal });
    return found[0] ?? null;
  }

  async function getPost(id: string, signal?: AbortSignal): Promise<WpPost | null> {
    try {
      return await call<WpPost>(`read post ${id}`, "GET", `/posts/${encodeURIComponent(id)}?context=edit&_fields=id,link,slug,status,title,content`, { signal });
    } catch (error) {
      // Deleted or trashed by a person: the post is looked for (and made) again by its slug.
      if (error instanceof WordPressError && (error.status === 404 || error.status === 410)) return null;
      throw error;
    }
  }

  /** The post of this item: by the remoteId the hub kept, else by its slug. */
  async function existingPost(request: DeliveryRequest, signal?: AbortSignal): Promise<WpPost | null> {
    if (request.remoteId && /^\d+$/.test(request.remoteId)) {
      const post = await getPost(request.remoteId, signal);
      if (post && post.status !== "trash") return post;
    }
    return findPost(postSlug(request.itemId), signal);
  }

  /** Uploads a file once per content hash, attached to `parent` when it is new. */
  async function upload(file: DeliveryFile, parent: number, signal?: AbortSignal): Promise<UploadedFile> {
    const slug = mediaSlug(file.sha256);
    let known = media.get(file.sha256);
    if (!known) {
      const found = await call<WpMedia[]>(`find file ${file.name}`, "GET", `/media?slug=${encodeURIComponent(slug)}&_fields=id,source_url,post`, { signal });
      if (found[0]) known = { id: found[0].id, url: found[0].source_url };
    }
    if (!known) {
      const bytes = await readAll(await file.open());
      const query = new URLSearchParams({ slug, title: file.name, post: String(parent) });
      try {
        const made = await call<WpMedia>(`upload ${file.name}`, "POST", `/media?${query}`, {
          body: bytes,
          headers: { "content-type": file.mime, "content-disposition": `attachment; filename="${uploadFileName(file.name)}"` },
          signal,
        });
        known = { id: made.id, url: made.source_url };
      } catch (error) {
        // WordPress checks the bytes' real type against the extension and its
        // allowed list: no retry changes its mind (it answers 500 all the same).
        if (error instanceof WordPressError && error.code === "rest_upload_sideload_error") {
          throw new WordPressError(error.status, error.code, `WordPress refused "${file.name}" (${file.mime}): ${error.wpMessage} Allow this file type on the site (an administrator, e.g. the upload_mimes filter) and replay this delivery`, null, `upload ${file.name}`, "rejected");
        }
        if (error instanceof WordPressError && error.status === 413) {
          throw new WordPressError(413, error.code, `WordPress (or the web server in front of it) refused the upload of "${file.name}" (${file.size} bytes) as too large; raise its upload limit (PHP upload_max_filesize and post_max_size, nginx client_max_body_size) and replay this delivery`, null, `upload ${file.name}`);
        }
        throw error;
      }
    }
    media.set(file.sha256, known);
    return { name: file.name, role: file.role, sha256: file.sha256, url: known.url };
  }

  function body(request: DeliveryRequest, files: UploadedFile[]) {
    return request.section.itemKind === "procedure" ? procedurePost(request.data, files) : documentPost(request.data, files);
  }

  async function publish(request: DeliveryRequest, signal?: AbortSignal): Promise<string> {
    const category = await categoryId(request.section, signal);
    let post = await existingPost(request, signal);
    if (!post) {
      // A draft first: it holds the slug (our key) and is what files attach to.
      const draft = body(request, []);
      post = await call<WpPost>("create post", "POST", "/posts", {
        json: { slug: postSlug(request.itemId), status: "draft", title: draft.title, content: draft.content, categories: [category] },
        signal,
      });
    }
    const files: UploadedFile[] = [];
    for (const file of request.files) files.push(await upload(file, post.id, signal));
    const final = body(request, files);
    const updated = await call<WpPost>("publish post", "POST", `/posts/${post.id}`, {
      json: { status: "publish", title: final.title, content: final.content, categories: [category], slug: postSlug(request.itemId) },
      signal,
    });
    const replaces = typeof request.data.replaces === "string" ? request.data.replaces : null;
    if (replaces) await markReplaced(replaces, final.title, updated.link, signal);
    return String(updated.id);
  }

  async function markReplaced(oldItemId: string, newTitle: string, newLink: string, signal?: AbortSignal): Promise<void> {
    const old = await findPost(postSlug(oldItemId), signal);
    if (!old) return; // the site never had the replaced document
    const title = old.title.raw ?? old.title.rendered;
    const content = old.content.raw ?? old.content.rendered;
    await call("mark replaced post", "POST", `/posts/${old.id}`, {
      json: {
        title: title.startsWith(REPLACED_PREFIX) ? title : `${REPLACED_PREFIX}${title}`,
        content: withNote(content, replacedNote(newTitle, newLink), "portalsync-replaced"),
      },
      signal,
    });
  }

  async function withdraw(request: DeliveryRequest, signal?: AbortSignal): Promise<string | null> {
    const post = await existingPost(request, signal);
    if (!post) return null; // nothing of this item on the site: nothing to take down
    const content = post.content.raw ?? post.content.rendered;
    const note = withdrawalNote(request.section.itemKind, request.occurredAt);
    await call("withdraw post", "POST", `/posts/${post.id}`, {
      json: { status: options.withdrawnStatus, content: withNote(content, note, "portalsync-withdrawn") },
      signal,
    });
    return String(post.id);
  }

  return {
    async deliver(request, signal) {
      const started = ctx.now().getTime();
      const done = (r: Omit<SendResult, "durationMs">): SendResult => ({ ...r, durationMs: Math.max(0, ctx.now().getTime() - started) });
      try {
        await ensureSignedIn(signal);
        const withdrawal = request.event === "document.withdrawn" || request.event === "procedure.abolished";
        const remoteId = withdrawal ? await withdraw(request, signal) : await publish(request, signal);
        return done({ outcome: "delivered", status: 200, retryAfterMs: null, remoteId, error: null });
      } catch (error) {
        if (error instanceof WordPressUnreachable) return done({ outcome: "retry", status: null, retryAfterMs: null, remoteId: null, error: error.message });
        if (error instanceof WordPressError) {
          if (classify(error.status, error.code) === "unauthorized") verified = false;
          return done({ outcome: error.outcome ?? classify(error.status, error.code), status: error.status, retryAfterMs: error.retryAfterMs, remoteId: null, error: error.message });
        }
        return done({ outcome: "retry", status: null, retryAfterMs: null, remoteId: null, error: `unexpected: ${(error as Error).message}` });
      }
    },

    async check(sections, signal): Promise<TargetCheck> {
      const started = ctx.now().getTime();
      const checks: TargetCheck["checks"] = [];
      const finish = () => ({ ok: checks.every((c) => c.ok), checks, latencyMs: ctx.now().getTime() - started });
      let me: { name: string; roles?: string[]; capabilities?: Record<string, boolean> };
      try {
        me = await whoAmI(signal);
        checks.push({ name: "credentials", ok: true, message: `signed in as ${me.name} (${(me.roles ?? []).join(", ") || "no role"})` });
      } catch (error) {
        checks.push({ name: "credentials", ok: false, message: (error as Error).message });
        return finish();
      }
      const missing = REQUIRED_CAPABILITIES.filter((c) => !me.capabilities?.[c]);
      checks.push({
        name: "capability",
        ok: missing.length === 0,
        message: missing.length === 0 ? "may publish posts, upload files and manage categories" : `the user lacks ${missing.join(", ")}: give it the Editor role`,
      });
      for (const section of sections) {
        try {
          const found = await call<{ id: number }[]>(`find category ${section.slug}`, "GET", `/categories?slug=${encodeURIComponent(section.slug)}&_fields=id`, { signal });
          checks.push({
            name: `category ${section.slug}`,
            ok: true,
            message: found[0] ? `category "${section.slug}" exists (id ${found[0].id})` : `category "${section.slug}" is missing and will be created on the first delivery`,
          });
        } catch (error) {
          checks.push({ name: `category ${section.slug}`, ok: false, message: (error as Error).message });
        }
      }
      return finish();
    },
  };
}

/** WordPress error codes that mean the hub's user may not do this (whatever the status). */
const REFUSALS = /^(rest_not_logged_in|rest_cannot_|rest_forbidden|incorrect_password|invalid_username|invalid_email|application_passwords_disabled|missing_capability)/;

export function classify(status: number, code: string | null = null): SendResult["outcome"] {
  if (status === 401 || status === 403) return "unauthorized";
  if (code && REFUSALS.test(code)) return "unauthorized";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "rejected";
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function retryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now.getTime()) : null;
}

function snippet(text: string): string {
  return text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `network error: ${typeof code === "string" ? `${code} ` : ""}${cause.message}`.trim();
  }
  return `network error: ${error.message}`;
}
