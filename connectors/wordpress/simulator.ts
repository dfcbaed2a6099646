// A small stand-in of a WordPress site's REST API (wp/v2) for the demo and
// the unit tests: the calls the client makes, with WordPress's own answer
// shapes, Basic authentication with one application password, and the rules
// that matter to the hub (anonymous readers see published posts only; slugs
// are unique; uploads keep their bytes). The slow suite runs the real thing.

import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import type { Simulator } from "../sdk.ts";

export interface WordPressSimulatorOptions {
  baseUrl: string;
  username?: string;
  applicationPassword?: string;
  [key: string]: unknown;
}

export interface SimPost { id: number; slug: string; status: string; title: string; content: string; categories: number[]; link: string; modified: string }
export interface SimMedia { id: number; slug: string; title: string; post: number | null; mime: string; bytes: Uint8Array; sha256: string; url: string }

export interface WordPressSimulator extends Simulator {
  faults: {
    refuse: null | { status: 401 | 403; code: string; message: string };
    failNext: number[];
    maxUploadBytes: number | null;
    /** Media types refused as WordPress refuses a type it does not allow (500 rest_upload_sideload_error). */
    refuseTypes: string[];
  };
  posts: SimPost[];
  media: SimMedia[];
  categories: { id: number; slug: string; name: string }[];
}

export function createWordPressSimulator(options: WordPressSimulatorOptions): WordPressSimulator {
  const username = options.username ?? "portalsync";
  const password = options.applicationPassword ?? "demo demo demo demo demo demo";
  const base = options.baseUrl.replace(/\/+$/, "");
  const posts: SimPost[] = [];
  const media: SimMedia[] = [];
  const categories: { id: number; slug: string; name: string }[] = [];
  let nextId = 1;
  const faults: WordPressSimulator["faults"] = { refuse: null, failNext: [], maxUploadBytes: null, refuseTypes: [] };
  const app = new Hono();

  const error = (c: Context, status: number, code: string, message: string) =>
    c.json({ code, message, data: { status } }, status as 400);
  const authed = (c: Context): boolean | "wrong" => {
    const header = c.req.header("authorization");
    if (!header) return false;
    const [user, pass] = Buffer.from(header.replace(/^Basic /, ""), "base64").toString().split(/:(.*)/s);
    return user === username && pass?.replace(/ /g, "") === password.replace(/ /g, "") ? true : "wrong";
  };
  const postJson = (p: SimPost, edit: boolean) => ({
    id: p.id, slug: p.slug, status: p.status, link: p.link, categories: p.categories, modified: p.modified,
    title: edit ? { raw: p.title, rendered: p.title } : { rendered: p.title },
    content: edit ? { raw: p.content, rendered: p.content } : { rendered: p.content },
  });
  const mediaJson = (m: SimMedia) => ({ id: m.id, slug: m.slug, title: { rendered: m.title }, post: m.post, mime_type: m.mime, source_url: m.url, media_details: { filesize: m.bytes.byteLength } });

  app.use("/wp-json/wp/v2/*", async (c, next) => {
    const fail = faults.failNext.shift();
    if (fail) return error(c, fail, "simulated_failure", `simulated HTTP ${fail}`);
    const who = authed(c);
    if (who === "wrong") return error(c, 401, "incorrect_password", "The provided password is an invalid application password.");
    if (who && faults.refuse) return error(c, faults.refuse.status, faults.refuse.code, faults.refuse.message);
    c.set("authed" as never, (who === true) as never);
    await next();
  });
  const isAuthed = (c: Context) => c.get("authed" as never) === true;
  const needAuth = (c: Context, what: string) => (isAuthed(c) ? null : error(c, 401, `rest_cannot_${what}`, `Sorry, you are not allowed to ${what} as this user.`));

  app.get("/wp-json/", (c) => c.json({ name: "WordPress stand-in", namespaces: ["wp/v2"] }));
  app.get("/wp-json/wp/v2/users/me", (c) => {
    const refused = needAuth(c, "view");
    if (refused) return refused;
    const caps = Object.fromEntries(["publish_posts", "edit_published_posts", "edit_others_posts", "upload_files", "manage_categories", "edit_private_posts"].map((k) => [k, true]));
    return c.json({ id: 2, name: username, roles: ["editor"], capabilities: caps });
  });
  app.get("/wp-json/wp/v2/categories", (c) => {
    const slug = c.req.query("slug");
    return c.json(categories.filter((x) => !slug || x.slug === slug));
  });
  app.post("/wp-json/wp/v2/categories", async (c) => {
    const refused = needAuth(c, "create");
    if (refused) return refused;
    const body = (await c.req.json()) as { name: string; slug: string };
    const existing = categories.find((x) => x.slug === body.slug);
    if (existing) return c.json({ code: "term_exists", message: "A term with the name provided already exists with this parent.", data: { status: 400, term_id: existing.id } }, 400);
    const cat = { id: nextId++, slug: body.slug, name: body.name };
    categories.push(cat);
    return c.json(cat, 201);
  });
  app.get("/wp-json/wp/v2/posts", (c) => {
    const slug = c.req.query("slug");
    const any = c.req.query("status") === "any";
    if (any && !isAuthed(c)) return error(c, 400, "rest_invalid_param", "Invalid parameter(s): status");
    const category = c.req.query("categories");
    const list = posts.filter((p) => (!slug || p.slug === slug) && (any ? p.status !== "trash" : p.status === "publish") && (!category || p.categories.includes(Number(category))));
    return c.json(list.map((p) => postJson(p, isAuthed(c))));
  });
  app.get("/wp-json/wp/v2/posts/:id", (c) => {
    const p = posts.find((x) => x.id === Number(c.req.param("id")));
    if (!p || (p.status !== "publish" && !isAuthed(c))) return error(c, 404, "rest_post_invalid_id", "Invalid post ID.");
    return c.json(postJson(p, isAuthed(c)));
  });
  const save = async (c: Context, existing: SimPost | null) => {
    const refused = needAuth(c, existing ? "edit" : "create");
    if (refused) return refused;
    const body = (await c.req.json()) as Partial<{ slug: string; status: string; title: string; content: string; categories: number[] }>;
    const slug = body.slug ?? existing?.slug ?? `post-${nextId}`;
    if (posts.some((p) => p.slug === slug && p !== existing)) return error(c, 400, "duplicate_slug", `slug ${slug} is taken`);
    const post: SimPost = existing ?? { id: nextId++, slug, status: "draft", title: "", content: "", categories: [], link: "", modified: "" };
    Object.assign(post, {
      slug, status: body.status ?? post.status, title: body.title ?? post.title, content: body.content ?? post.content,
      categories: body.categories ?? post.categories, link: `${base}/${slug}/`, modified: new Date().toISOString(),
    });
    if (!existing) posts.push(post);
    return c.json(postJson(post, true), existing ? 200 : 201);
  };
  app.post("/wp-json/wp/v2/posts", (c) => save(c, null));
  app.post("/wp-json/wp/v2/posts/:id", (c) => {
    const p = posts.find((x) => x.id === Number(c.req.param("id")));
    return p ? save(c, p) : error(c, 404, "rest_post_invalid_id", "Invalid post ID.");
  });
  app.get("/wp-json/wp/v2/media", (c) => {
    const slug = c.req.query("slug");
    const parent = c.req.query("parent");
    const visible = (m: SimMedia) => isAuthed(c) || m.post === null || posts.find((p) => p.id === m.post)?.status === "publish";
    return c.json(media.filter((m) => (!slug || m.slug === slug) && (!parent || m.post === Number(parent)) && visible(m)).map(mediaJson));
  });
  app.post("/wp-json/wp/v2/media", async (c) => {
    const refused = needAuth(c, "create");
    if (refused) return refused;
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (faults.maxUploadBytes !== null && bytes.byteLength > faults.maxUploadBytes) return c.html("<html><body><h1>413 Request Entity Too Large</h1></body></html>", 413);
    if (faults.refuseTypes.includes(c.req.header("content-type") ?? "")) return error(c, 500, "rest_upload_sideload_error", "Sorry, you are not allowed to upload this file type.");
    const name = /filename="?([^";]+)"?/.exec(c.req.header("content-disposition") ?? "")?.[1];
    if (!name || bytes.byteLength === 0) return error(c, 400, "rest_upload_no_data", "No data supplied.");
    const slug = c.req.query("slug") ?? name;
    const m: SimMedia = {
      id: nextId++, slug, title: c.req.query("title") ?? name, post: c.req.query("post") ? Number(c.req.query("post")) : null,
      mime: c.req.header("content-type") ?? "application/octet-stream", bytes, sha256: createHash("sha256").update(bytes).digest("hex"), url: "",
    };
    m.url = `${base}/wp-content/uploads/${m.id}/${name}`;
    media.push(m);
    return c.json(mediaJson(m), 201);
  });
  app.get("/wp-content/uploads/:id/:name", (c) => {
    const m = media.find((x) => x.id === Number(c.req.param("id")));
    return m ? c.body(m.bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": m.mime }) : c.notFound();
  });
  // A reader's view: the published posts per category, as the site's pages would list them.
  app.get("/", (c) => {
    const rows = posts.filter((p) => p.status === "publish").map((p) => `<li><a href="${p.link}">${p.title.replace(/</g, "&lt;")}</a></li>`).join("");
    return c.html(`<!doctype html><meta charset="utf-8"><title>WordPress (mô phỏng)</title><h1>Bài viết đã đăng</h1><ul>${rows}</ul>`);
  });

  return { app, faults, posts, media, categories };
}
