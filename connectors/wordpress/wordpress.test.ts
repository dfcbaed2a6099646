import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DeliveryFile, DeliveryRequest } from "../sdk.ts";
import wordpress, { createWordPressSimulator } from "./index.ts";
import { documentPost, postSlug, procedurePost, uploadFileName } from "./mapping.ts";

const BASE = "http://wp.test";

function setup(password = "abcd efgh ijkl mnop qrst uvwx") {
  const sim = createWordPressSimulator({ baseUrl: BASE, username: "portalsync", applicationPassword: "abcd efgh ijkl mnop qrst uvwx" });
  const fetch = ((url: string | URL, init?: RequestInit) => sim.app.request(String(url), init)) as typeof globalThis.fetch;
  const make = () =>
    wordpress.create(
      { id: "xa", name: "Xã", endpoint: null, secrets: [], options: wordpress.optionsSchema.parse({ baseUrl: BASE, username: "portalsync", applicationPassword: password }) },
      { fetch, now: () => new Date(), timeoutMs: 5_000, log: undefined as never, sleep: async () => {} },
    );
  return { sim, fetch, make };
}

function file(text: string, name = "Quyết định số 12.pdf", role: DeliveryFile["role"] = "main"): DeliveryFile {
  const bytes = Buffer.from(`%PDF-1.7\n${text}\n%%EOF\n`);
  return {
    name, mime: "application/pdf", size: bytes.length, role, url: "http://hub.test/files/x",
    sha256: createHash("sha256").update(bytes).digest("hex"),
    open: async () => new Response(bytes).body!,
  };
}

const doc = { id: "doc-1", version: 1, number: "12/QĐ-UBND", docType: "Quyết định", title: "Về việc ban hành quy chế", issuer: "UBND xã Bình Thuận",
  signer: { name: "Nguyễn Văn An", position: "Chủ tịch" }, issuedAt: "2026-11-20", field: "Nội vụ", replaces: null, signature: { status: "valid", signers: [] } };

function request(over: Partial<DeliveryRequest> & { data?: Record<string, unknown> } = {}): DeliveryRequest {
  return {
    messageId: "msg_1", timestamp: 1_800_000_000, occurredAt: "2026-12-04T01:02:03Z", event: "document.published", itemId: "doc-1",
    data: doc, site: { id: "xa", name: "Xã" }, section: { slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành", itemKind: "document" },
    files: [file("main")], remoteId: null, ...over,
  };
}

describe("wordpress target connector (stand-in)", () => {
  it("publishes one post in the section's category (created when missing) with its PDF byte-identical in the media library", async () => {
    const { sim, make, fetch } = setup();
    const result = await make().deliver(request());
    expect(result).toMatchObject({ outcome: "delivered", remoteId: String(sim.posts[0]!.id) });
    expect(sim.categories).toEqual([expect.objectContaining({ slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành" })]);
    const [post] = sim.posts;
    expect(post).toMatchObject({ status: "publish", slug: postSlug("doc-1"), title: "12/QĐ-UBND: Về việc ban hành quy chế", categories: [sim.categories[0]!.id] });
    expect(post!.content).toContain("Nguyễn Văn An (Chủ tịch)");
    expect(post!.content).toContain("20/11/2026");
    expect(post!.content).toContain("Hợp lệ");
    expect(sim.media).toHaveLength(1);
    expect(sim.media[0]!.post).toBe(post!.id);
    const downloaded = Buffer.from(await (await fetch(sim.media[0]!.url)).arrayBuffer());
    expect(createHash("sha256").update(downloaded).digest("hex")).toBe(request().files[0]!.sha256);
    expect(post!.content).toContain(sim.media[0]!.url);
  });

  it("a retry by a fresh client after a crash (remoteId never recorded) finds the same post and file: no duplicate", async () => {
    const { sim, make } = setup();
    const first = await make().deliver(request());
    const again = await make().deliver(request());
    expect(again).toMatchObject({ outcome: "delivered", remoteId: first.remoteId });
    expect(sim.posts).toHaveLength(1);
    expect(sim.media).toHaveLength(1);
  });

  it("an update edits the same post; a withdrawal takes it out of public view with the reason, never deletes it", async () => {
    const { sim, make } = setup();
    const client = make();
    const first = await client.deliver(request());
    const updated = await client.deliver(request({ event: "document.updated", remoteId: first.remoteId, data: { ...doc, version: 2, title: "Về việc ban hành quy chế (sửa đổi)" } }));
    expect(updated.remoteId).toBe(first.remoteId);
    expect(sim.posts).toHaveLength(1);
    expect(sim.posts[0]!.title).toBe("12/QĐ-UBND: Về việc ban hành quy chế (sửa đổi)");
    const withdrawn = await client.deliver(request({ event: "document.withdrawn", remoteId: first.remoteId }));
    expect(withdrawn).toMatchObject({ outcome: "delivered", remoteId: first.remoteId });
    expect(sim.posts[0]!.status).toBe("private");
    expect(sim.posts[0]!.content).toContain("Văn bản đã bị thu hồi");
    expect(sim.posts[0]!.content).toContain("04/12/2026");
  });

  it("a replacement marks the old post replaced, linking the new one", async () => {
    const { sim, make } = setup();
    const client = make();
    await client.deliver(request());
    const next = await client.deliver(request({ itemId: "doc-2", files: [file("new")], data: { ...doc, id: "doc-2", number: "15/QĐ-UBND", replaces: "doc-1" } }));
    expect(next.outcome).toBe("delivered");
    const old = sim.posts.find((p) => p.slug === postSlug("doc-1"))!;
    const fresh = sim.posts.find((p) => p.slug === postSlug("doc-2"))!;
    expect(old.title.startsWith("[Đã được thay thế]")).toBe(true);
    expect(old.content).toContain(fresh.link);
    expect(old.status).toBe("publish");
  });

  it("a procedure is one post with its fields and its form file; an abolition takes it out of public view", async () => {
    const { sim, make } = setup();
    const form = file("form", "Mẫu tờ khai.docx", "form");
    const data = {
      id: "proc-1", version: 1, code: "1.001193", name: "Đăng ký khai sinh", level: "Cấp xã", field: "Hộ tịch",
      steps: [{ case: "", steps: ["Nộp hồ sơ", "Nhận kết quả"] }],
      ways: [{ channel: "online", timeLimits: [{ amount: "1", unit: "Ngày", description: "", fees: [{ amount: "8000", currency: "VND", description: "Lệ phí" }] }] }],
      dossier: [{ case: "", documents: [{ code: "a", name: "Tờ khai đăng ký khai sinh", originals: 1, copies: 0, form: { name: form.name, sha256: form.sha256, url: "x" } }] }],
      legalBases: [{ number: "60/2014/QH13", title: "Luật Hộ tịch", issuer: "Quốc hội", issuedDate: "2014-11-20" }],
    };
    const section = { slug: "thu-tuc-hanh-chinh", name: "Thủ tục hành chính", itemKind: "procedure" as const };
    const client = make();
    const r = await client.deliver(request({ event: "procedure.published", itemId: "proc-1", section, data, files: [form] }));
    expect(r.outcome).toBe("delivered");
    const post = sim.posts[0]!;
    expect(post.title).toBe("Đăng ký khai sinh");
    for (const text of ["1.001193", "Cấp xã", "Hộ tịch", "Nộp hồ sơ", "Trực tuyến", "8000 VND", "Tờ khai đăng ký khai sinh", "Luật Hộ tịch", sim.media[0]!.url]) expect(post.content).toContain(text);
    await client.deliver(request({ event: "procedure.abolished", itemId: "proc-1", section, data, files: [form], remoteId: r.remoteId }));
    expect(sim.posts[0]!.status).toBe("private");
    expect(sim.posts[0]!.content).toContain("đã bị bãi bỏ");
  });

  it("a wrong application password is unauthorized with WordPress's own reason; nothing is written", async () => {
    const { sim, make } = setup("wrong password");
    const r = await make().deliver(request());
    expect(r.outcome).toBe("unauthorized");
    expect(r.error).toContain("invalid application password");
    expect(sim.posts).toHaveLength(0);
  });

  it("a user without the capability (403) is unauthorized; 5xx retries; 413 is a clear rejection", async () => {
    const { sim, make } = setup();
    sim.faults.refuse = { status: 403, code: "rest_cannot_create", message: "Sorry, you are not allowed to create posts as this user." };
    const refused = await make().deliver(request());
    expect(refused).toMatchObject({ outcome: "unauthorized", status: 403 });
    expect(refused.error).toContain("Sorry, you are not allowed to create posts as this user.");
    sim.faults.refuse = null;
    sim.faults.failNext = [503];
    expect(await make().deliver(request())).toMatchObject({ outcome: "retry", status: 503 });
    sim.faults.maxUploadBytes = 10;
    const big = await make().deliver(request({ itemId: "doc-9", files: [file("a large file")] }));
    expect(big).toMatchObject({ outcome: "rejected", status: 413 });
    expect(big.error).toMatch(/refused the upload of "Quyết định số 12.pdf" .* too large/);
  });

  it("a file type WordPress refuses (a 500 that no retry changes) is a rejection naming the file, not endless retries", async () => {
    const { sim, make } = setup();
    sim.faults.refuseTypes = ["application/msword"];
    const form = { ...file("form", "Tờ khai.doc", "form"), mime: "application/msword" };
    const r = await make().deliver(request({ files: [form] }));
    expect(r).toMatchObject({ outcome: "rejected", status: 500 });
    expect(r.error).toContain('WordPress refused "Tờ khai.doc" (application/msword): Sorry, you are not allowed to upload this file type.');
    expect(sim.posts.filter((p) => p.status === "publish")).toHaveLength(0);
  });

  it("check() reports credentials, capability and each section's category", async () => {
    const { make } = setup();
    const sections = [{ slug: "van-ban", name: "Văn bản", itemKind: "document" as const }];
    const ok = await make().check(sections);
    expect(ok.ok).toBe(true);
    expect(ok.checks.map((c) => c.name)).toEqual(["credentials", "capability", "category van-ban"]);
    const bad = await setup("nope").make().check(sections);
    expect(bad.ok).toBe(false);
    expect(bad.checks[0]!.message).toContain("invalid application password");
  });

  it("options: secrets are required, plain http is refused except on loopback, unknown keys are errors", () => {
    expect(wordpress.optionsSchema.safeParse({ baseUrl: "https://x.gov.vn", username: "u" }).success).toBe(false);
    expect(wordpress.optionsSchema.safeParse({ baseUrl: "https://x.gov.vn", username: "u", applicationPassword: "p", typo: 1 }).success).toBe(false);
    const site = (baseUrl: string) => ({ id: "s", name: "S", endpoint: null, secrets: [], options: wordpress.optionsSchema.parse({ baseUrl, username: "u", applicationPassword: "p" }) });
    expect(wordpress.validate!(site("http://xa.gov.vn"))).toEqual([expect.objectContaining({ severity: "error", path: "options.baseUrl", message: expect.stringContaining("https") })]);
    expect(wordpress.validate!(site("https://xa.gov.vn"))).toEqual([]);
    expect(wordpress.validate!(site("http://127.0.0.1:8080"))).toEqual([]);
  });
});

describe("wordpress mapping", () => {
  it("titles carry the số ký hiệu and the trích yếu; content escapes HTML", () => {
    const body = documentPost({ ...doc, title: "<script>x</script>" }, []);
    expect(body.title).toBe("12/QĐ-UBND: <script>x</script>");
    expect(body.content).not.toContain("<script>");
    expect(procedurePost({ code: "1.2" }, []).title).toBe("1.2");
  });

  it("upload names lose accents and spaces only", () => {
    expect(uploadFileName("Quyết định số 12/QĐ.pdf")).toBe("Quyet-dinh-so-12-QD.pdf");
  });
});
