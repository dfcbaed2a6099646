// Issue 11: delivery into a REAL WordPress (Debian's package under php -S on
// the machine's MariaDB), from the iOffice and DVC simulators, through a real
// `portalsync serve` process on PostgreSQL. Everything is checked as an
// ANONYMOUS reader of the WordPress REST API: every public, validly signed
// document is one post in its category with its PDF byte-identical in the
// media library, nothing else appears; a kill -9 of the hub mid-delivery
// leaves no duplicate; an update edits the same post; a withdrawal leaves
// public view; procedures likewise.

import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDvcSimulator, type DvcSimulator } from "../../connectors/dvc/simulator.ts";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { postSlug } from "../../connectors/wordpress/mapping.ts";
import { startCluster, waitUntil, type Cluster } from "../support/cluster.ts";
import { serveApp, TEST_CA_DIR, type Served } from "../support/hub.ts";
import { startWordPress, wordpressUnavailable, type RealWordPress } from "../support/wordpress.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };
const unavailable = await wordpressUnavailable();

let wp: RealWordPress;
let ioffice: IofficeSimulator;
let dvc: DvcSimulator;
const served: Served[] = [];
let cluster: Cluster;

interface WpPost { id: number; slug: string; status: string; title: { rendered: string }; categories: number[]; link: string; content: { rendered: string } }
interface WpMedia { id: number; slug: string; post: number | null; source_url: string }

/** An anonymous reader's GET on the WordPress REST API (every page). */
async function anon<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const res = await fetch(`${wp.url}/wp-json/wp/v2${path}${path.includes("?") ? "&" : "?"}per_page=100&page=${page}`);
    if (res.status === 400 && page > 1) break;
    expect(res.status, await res.clone().text()).toBe(200);
    const items = (await res.json()) as T[];
    out.push(...items);
    if (Number(res.headers.get("x-wp-totalpages") ?? 1) <= page) break;
  }
  return out;
}

async function category(slug: string): Promise<number> {
  const [c] = await anon<{ id: number }>(`/categories?slug=${slug}`);
  expect(c, `category ${slug}`).toBeDefined();
  return c!.id;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function runSource(sourceId: string): Promise<void> {
  const hub = cluster.hubs.at(-1)!;
  const res = await cluster.api(hub, `/api/v1/sources/${sourceId}/runs`, { json: { trigger: "manual" } });
  expect(res.status).toBe(202);
  const { runId } = (await res.json()) as { runId: string };
  await waitUntil(`run ${runId}`, async () => {
    const run = await cluster.db.prisma.syncRun.findUnique({ where: { id: runId } });
    return run && ["succeeded", "partial", "failed"].includes(run.status) ? run : null;
  }, 180_000);
}

async function settled(): Promise<void> {
  await waitUntil("deliveries to settle", async () => (await cluster.db.prisma.delivery.count({ where: { state: { in: ["pending", "sending", "failed"] } } })) === 0, 180_000, 300);
}

/** What should be public on the site: documents in force, public, validly signed, and their main/appendix files. */
async function expectedDocuments() {
  const docs = await cluster.db.prisma.document.findMany({
    where: { isPublic: true, status: "active" },
    include: { versions: { orderBy: { version: "desc" }, take: 1, include: { files: true } } },
  });
  return docs.filter((d) => d.versions[0]?.signatureStatus === "valid");
}

describe.skipIf(unavailable !== null)(`real WordPress (${unavailable ?? "available"})`, () => {
  beforeAll(async () => {
    wp = await startWordPress({ workers: 4 });
    ioffice = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 11, count: 14, ...CLIENT });
    served.push(await serveApp(ioffice.app));
    dvc = createDvcSimulator({ baseUrl: "http://placeholder", seed: 5, count: 6, ...CLIENT });
    served.push(await serveApp(dvc.app));
    dvc.baseUrl = served[1]!.url;
    cluster = await startCluster({
      hubs: 1,
      prefix: "portalsync_wp",
      config: {
        verify: { trust: [TEST_CA_DIR] },
        delivery: { timeoutMs: 20_000, concurrency: 2 },
        sources: [
          { id: "ioffice", connector: "ioffice", name: "iOffice", options: { baseUrl: served[0]!.url, ...CLIENT, pageSize: 5 } },
          { id: "dvc", connector: "dvc", name: "DVC", options: { baseUrl: served[1]!.url, ...CLIENT, pageSize: 50 } },
        ],
        sites: [{
          id: "xa", name: "Trang TTĐT xã (WordPress)", mode: "push", connector: "wordpress",
          options: { baseUrl: wp.url, username: wp.username, applicationPassword: { env: "WP_APP_PASSWORD" } },
          sections: [
            { slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành", itemKind: "document" },
            { slug: "thu-tuc-hanh-chinh", name: "Thủ tục hành chính", itemKind: "procedure" },
          ],
        }],
        routing: [
          { id: "docs", name: "Văn bản", match: { itemKind: "document" }, targets: ["xa/van-ban-chi-dao-dieu-hanh"] },
          { id: "procs", name: "TTHC", match: { itemKind: "procedure" }, targets: ["xa/thu-tuc-hanh-chinh"] },
        ],
      },
      env: { WP_APP_PASSWORD: wp.applicationPassword },
    });
  }, 240_000);

  afterAll(async () => {
    await cluster?.close();
    for (const s of served) await s.close();
    await wp?.stop();
  });

  it("kill -9 mid-delivery: every public, validly signed document is ONE post in its category with its files byte-identical; nothing else appears", async () => {
    const hub = cluster.hubs[0]!;
    const res = await cluster.api(hub, "/api/v1/sources/ioffice/runs", { json: { trigger: "manual" } });
    expect(res.status).toBe(202);
    // Some posts made, some deliveries still to go: kill the hub outright.
    await waitUntil("a first post in WordPress", async () => (await anon<WpPost>("/posts")).length >= 2, 180_000, 100);
    const remaining = await cluster.db.prisma.delivery.count({ where: { state: { in: ["pending", "sending", "failed"] } } });
    hub.proc.child.kill("SIGKILL");
    await hub.proc.exited;
    expect(remaining, "the kill must land mid-delivery").toBeGreaterThan(0);
    await cluster.start("hub-2");
    await runSource("ioffice"); // the interrupted run is resumed or this one completes it
    await settled();

    const expected = await expectedDocuments();
    expect(expected.length).toBeGreaterThan(3);
    const cat = await category("van-ban-chi-dao-dieu-hanh");
    const posts = await anon<WpPost>("/posts");
    // Nothing else: every public post is one of the expected documents, each once.
    expect(posts.map((p) => p.slug).sort()).toEqual(expected.map((d) => postSlug(d.id)).sort());
    const media = await anon<WpMedia>("/media");
    for (const doc of expected) {
      const post = posts.find((p) => p.slug === postSlug(doc.id))!;
      expect(post.categories).toEqual([cat]);
      expect(post.title.rendered).toContain(doc.number.replace(/&/g, "&amp;"));
      const files = doc.versions[0]!.files;
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const item = media.filter((m) => m.slug.startsWith(`portalsync-tep-${f.blobSha256.slice(0, 40)}`));
        expect(item, `${doc.number}: ${f.name} uploaded once`).toHaveLength(1);
        expect(item[0]!.post).toBe(post.id);
        expect(post.content.rendered).toContain(item[0]!.source_url);
        const bytes = new Uint8Array(await (await fetch(item[0]!.source_url)).arrayBuffer());
        expect(sha256(bytes), `${doc.number}: ${f.name} byte-identical`).toBe(f.blobSha256);
      }
    }
    // No duplicate even among posts a reader cannot see (drafts left by the crash).
    const all = JSON.parse(await wp.php(`echo json_encode(array_map(fn($p) => $p->post_name, get_posts(['post_status' => 'any', 'numberposts' => -1])));`)) as string[];
    expect(all.sort()).toEqual(expected.map((d) => postSlug(d.id)).sort());
  });

  it("an update edits the same post; a withdrawal takes it out of public view, kept as private with the reason", async () => {
    const [first, second] = await expectedDocuments();
    const before = (await anon<WpPost>(`/posts?slug=${postSlug(first!.id)}`))[0]!;
    const ext = await cluster.db.prisma.documentSourceRef.findFirstOrThrow({ where: { documentId: first!.id } });
    await ioffice.change({ id: ext.externalId, patch: { trich_yeu: "Về việc điều chỉnh kế hoạch (đã sửa)" } });
    const ext2 = await cluster.db.prisma.documentSourceRef.findFirstOrThrow({ where: { documentId: second!.id } });
    await ioffice.withdraw(ext2.externalId);
    await runSource("ioffice");
    await settled();
    const after = (await anon<WpPost>(`/posts?slug=${postSlug(first!.id)}`))[0]!;
    expect(after.id).toBe(before.id);
    expect(after.title.rendered).toContain("Về việc điều chỉnh kế hoạch (đã sửa)");
    expect(await anon<WpPost>(`/posts?slug=${postSlug(second!.id)}`)).toEqual([]);
    const gone = await fetch(`${wp.url}/wp-json/wp/v2/posts/${(await cluster.db.prisma.remoteItem.findFirstOrThrow({ where: { itemId: second!.id } })).remoteId}`);
    expect(gone.status).toBe(401);
    const kept = JSON.parse(await wp.php(`$p = get_page_by_path('${postSlug(second!.id)}', OBJECT, 'post'); echo json_encode(['status' => $p->post_status, 'content' => $p->post_content]);`)) as { status: string; content: string };
    expect(kept.status).toBe("private");
    expect(kept.content).toContain("Văn bản đã bị thu hồi");
  });

  it("procedures: one post each in their category with their form files; a form type WordPress refuses is a clear dead letter; an abolition leaves public view", async () => {
    await runSource("dvc");
    await settled();
    const procs = await cluster.db.prisma.procedure.findMany({ include: { versions: { orderBy: { version: "desc" }, take: 1, include: { files: true } } } });
    const active = procs.filter((p) => p.status === "active");
    // The DVC stand-in's .doc forms are not well-formed Word files: WordPress
    // (finfo) refuses them, permanently. Those procedures must be dead letters
    // naming the file, never retried forever nor published without their form.
    const dead = await cluster.db.prisma.delivery.findMany({ where: { itemKind: "procedure", state: "dead" } });
    for (const d of dead) expect(d.lastError).toMatch(/WordPress refused ".+\.doc".*file type/);
    const refused = new Set(dead.map((d) => d.itemId));
    const published = active.filter((p) => !refused.has(p.id));
    expect(published.length).toBeGreaterThan(1);
    const cat = await category("thu-tuc-hanh-chinh");
    const posts = await anon<WpPost>(`/posts?categories=${cat}`);
    expect(posts.map((p) => p.slug).sort()).toEqual(published.map((p) => postSlug(p.id)).sort());
    const media = await anon<WpMedia>("/media");
    for (const p of published) {
      const post = posts.find((x) => x.slug === postSlug(p.id))!;
      expect(post.content.rendered).toContain(p.code);
      expect(p.versions[0]!.files.length).toBeGreaterThan(0);
      for (const f of p.versions[0]!.files) {
        const item = media.find((m) => m.slug.startsWith(`portalsync-tep-${f.blobSha256.slice(0, 40)}`));
        expect(item, f.name).toBeDefined();
        expect(post.content.rendered).toContain(item!.source_url);
        expect(sha256(new Uint8Array(await (await fetch(item!.source_url)).arrayBuffer()))).toBe(f.blobSha256);
      }
    }
    const victim = published[0]!;
    dvc.abolish(victim.code);
    await runSource("dvc");
    await settled();
    const left = await anon<WpPost>(`/posts?categories=${cat}`);
    expect(left.map((p) => p.slug)).not.toContain(postSlug(victim.id));
    expect(left).toHaveLength(published.length - 1);
  });
});
