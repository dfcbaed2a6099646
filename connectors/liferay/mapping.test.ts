import { describe, expect, it } from "vitest";
import type { DeliveryRequest } from "../sdk.ts";
import {
  contentErc,
  DEFAULT_FIELD_NAMES,
  documentMetadata,
  fileErc,
  MAX_ERC_LENGTH,
  MAX_TITLE_LENGTH,
  rewriteFields,
  signatureText,
  storedFileName,
  structuredContentBody,
  vietnameseDate,
  type StoredFile,
} from "./mapping.ts";
import { folderNameFor, liferayOptionsSchema, resolvedFieldNames } from "./options.ts";

const ITEM = "0b6f3c1e-5d7a-4a4a-9b9b-3f2e1d0c9b8a";
const SHA = "ab".repeat(32);
const docSection = { slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành", itemKind: "document" as const };
const procSection = { slug: "thu-tuc-hanh-chinh", name: "Thủ tục hành chính", itemKind: "procedure" as const };

function docRequest(data: Record<string, unknown> = {}, event: DeliveryRequest["event"] = "document.published"): Pick<DeliveryRequest, "event" | "itemId" | "data" | "section"> {
  return {
    event,
    itemId: ITEM,
    section: docSection,
    data: {
      number: "152/QĐ-UBND",
      docType: "Quyết định",
      title: "Về việc ban hành quy chế",
      issuer: "UBND huyện Bình Sơn",
      signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
      issuedAt: "2026-11-20",
      field: "Nội vụ",
      files: [{ name: "152.pdf", mime: "application/pdf", size: 482113, sha256: SHA, url: "https://hub/x" }],
      signature: { status: "valid", signers: [{ commonName: "Phạm Quang Sự", signingTime: "2026-11-20T08:00:00Z" }] },
      ...data,
    },
  };
}

const fields = (body: ReturnType<typeof structuredContentBody>) => Object.fromEntries(body.contentFields.map((f) => [f.name, f.contentFieldValue.data]));

describe("external reference codes", () => {
  it("are deterministic, distinct per section and per file, and fit Liferay's 75 characters", () => {
    expect(contentErc(ITEM, docSection.slug)).toBe(contentErc(ITEM, docSection.slug));
    expect(contentErc(ITEM, docSection.slug)).not.toBe(contentErc(ITEM, procSection.slug));
    expect(contentErc(ITEM, docSection.slug)).toMatch(new RegExp(`^ps-${ITEM}-[0-9a-f]{8}$`));
    const f = fileErc(ITEM, docSection.slug, SHA.toUpperCase());
    expect(f).toBe(fileErc(ITEM, docSection.slug, SHA));
    expect(f).not.toBe(fileErc(ITEM, docSection.slug, "cd".repeat(32)));
    expect(f.length).toBeLessThanOrEqual(MAX_ERC_LENGTH);
  });

  it("hash an id too long to fit instead of cutting it (two long ids never collide)", () => {
    const a = contentErc("x".repeat(80) + "a", "s");
    const b = contentErc("x".repeat(80) + "b", "s");
    expect(a.length).toBeLessThanOrEqual(MAX_ERC_LENGTH);
    expect(a).not.toBe(b);
  });
});

describe("structured content of a document", () => {
  it("fills every configured field, in NFC, with the verdict in plain Vietnamese", () => {
    const body = structuredContentBody({ request: docRequest({ title: "Về việc".normalize("NFD") }), contentStructureId: 40123, fieldNames: { ...DEFAULT_FIELD_NAMES }, stored: new Map(), state: "active" });
    expect(body.externalReferenceCode).toBe(contentErc(ITEM, docSection.slug));
    expect(body.contentStructureId).toBe(40123);
    expect(body.title).toBe("152/QĐ-UBND Về việc");
    expect(body.title).toBe(body.title.normalize("NFC"));
    const f = fields(body);
    expect(Object.keys(f).sort()).toEqual(Object.values(DEFAULT_FIELD_NAMES).sort());
    expect(f).toMatchObject({ hubId: ITEM, number: "152/QĐ-UBND", issuer: "UBND huyện Bình Sơn", issuedAt: "2026-11-20", category: "Nội vụ", status: "Còn hiệu lực" });
    expect(f.body).toContain("<p><strong>Ngày ban hành:</strong> 20/11/2026</p>");
    expect(f.body).toContain("Phạm Quang Sự, Phó Chủ tịch");
    expect(f.body).toContain("Chữ ký số hợp lệ (Phạm Quang Sự lúc 2026-11-20T08:00:00Z)");
    expect(f.body).toContain("152.pdf (471 KB)");
  });

  it("uses the operator's field references", () => {
    const names = resolvedFieldNames({ fieldNames: { number: "soKyHieu", body: "noiDung" } });
    const body = structuredContentBody({ request: docRequest(), contentStructureId: 1, fieldNames: names, stored: new Map(), state: "active" });
    expect(body.contentFields.map((f) => f.name)).toContain("soKyHieu");
    expect(body.contentFields.map((f) => f.name)).toContain("noiDung");
    expect(body.contentFields.map((f) => f.name)).not.toContain("number");
  });

  it("links Liferay's copy of each file, escaping HTML from the source", () => {
    const stored = new Map<string, StoredFile>([[SHA, { sha256: SHA, id: 7, contentUrl: "/documents/20121/5/152 (abcd).pdf/uuid?a=1&b=2" }]]);
    const body = structuredContentBody({ request: docRequest({ title: "<script>alert(1)</script> & co" }), contentStructureId: 1, fieldNames: { ...DEFAULT_FIELD_NAMES }, stored, state: "active" });
    const f = fields(body);
    expect(f.body).toContain('<a href="/documents/20121/5/152 (abcd).pdf/uuid?a=1&amp;b=2">152.pdf (471 KB)</a>');
    expect(f.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co");
    expect(f.body).not.toContain("<script>");
  });

  it("cuts a title past Liferay's 400 characters, keeping the whole trích yếu in its field", () => {
    const long = "Về việc ".repeat(80);
    const body = structuredContentBody({ request: docRequest({ title: long }), contentStructureId: 1, fieldNames: { ...DEFAULT_FIELD_NAMES }, stored: new Map(), state: "active" });
    expect([...body.title].length).toBe(MAX_TITLE_LENGTH);
    expect(body.title.endsWith("…")).toBe(true);
    expect(fields(body).summary).toBe(long.trim());
  });

  it("says withdrawn, and tolerates missing fields", () => {
    const body = structuredContentBody({
      request: docRequest({ signer: null, issuedAt: "not a date", field: null, signature: undefined, files: undefined }, "document.withdrawn"),
      contentStructureId: 1,
      fieldNames: { ...DEFAULT_FIELD_NAMES },
      stored: new Map(),
      state: "withdrawn",
    });
    expect(fields(body)).toMatchObject({ status: "Đã thu hồi", issuedAt: "", category: "" });
    expect(fields(body).body).not.toContain("Người ký");
  });
});

describe("structured content of a procedure", () => {
  it("gives code, name, level, field, steps, channels with time limits and fees, dossier with forms, legal bases", () => {
    const formSha = "cd".repeat(32);
    const stored = new Map<string, StoredFile>([[formSha, { sha256: formSha, id: 9, contentUrl: "/documents/1/2/mau/u" }]]);
    const body = structuredContentBody({
      request: {
        event: "procedure.published",
        itemId: ITEM,
        section: procSection,
        data: {
          code: "1.001234",
          name: "Đăng ký khai sinh",
          level: "Cấp xã",
          field: "Hộ tịch",
          agencies: [{ name: "UBND cấp xã" }],
          steps: [{ case: "Trường hợp nộp trực tiếp", steps: ["Nộp hồ sơ", "Nhận kết quả"] }],
          ways: [
            { channel: "in-person", timeLimits: [{ amount: "1", unit: "Ngày làm việc", description: "", fees: [{ amount: "8000", currency: "VND", description: "Lệ phí" }] }] },
            { channel: "online", timeLimits: [{ amount: "1", unit: "Ngày làm việc", description: "", fees: [] }] },
          ],
          dossier: [{ case: "", documents: [{ name: "Tờ khai", originals: 1, copies: 0, form: { name: "Mẫu.doc", size: 2048, sha256: formSha, mime: "x", url: "u" } }] }],
          legalBases: [{ number: "60/2014/QH13", title: "Luật Hộ tịch", issuer: "Quốc hội", issuedDate: "2014-11-20" }],
        },
      },
      contentStructureId: 2,
      fieldNames: { ...DEFAULT_FIELD_NAMES },
      stored,
      state: "active",
    });
    const f = fields(body);
    expect(body.title).toBe("1.001234 Đăng ký khai sinh");
    expect(f).toMatchObject({ number: "1.001234", summary: "Đăng ký khai sinh", issuer: "UBND cấp xã", issuedAt: "", status: "Đang áp dụng", category: "Hộ tịch" });
    expect(f.body).toContain("<li>Nộp hồ sơ</li>");
    expect(f.body).toContain("Trực tiếp — thời hạn 1 Ngày làm việc — phí, lệ phí: 8000 VND (Lệ phí)");
    expect(f.body).toContain("Trực tuyến — thời hạn 1 Ngày làm việc — không mất phí, lệ phí");
    expect(f.body).toContain('mẫu đơn, tờ khai: <a href="/documents/1/2/mau/u">Mẫu.doc (2 KB)</a>');
    expect(f.body).toContain("60/2014/QH13 — Luật Hộ tịch — Quốc hội — ngày 20/11/2014");
  });
});

describe("Documents and Media metadata", () => {
  it("gives each item's copy a title and file name unique in the folder, keeping the extension", () => {
    const a = documentMetadata(docRequest(), { name: "152-QĐ-UBND.pdf", sha256: SHA, role: "main" }, 55);
    const b = documentMetadata({ ...docRequest(), itemId: "another" }, { name: "152-QĐ-UBND.pdf", sha256: SHA, role: "main" }, 55);
    expect(a.documentFolderId).toBe(55);
    expect(a.title).toMatch(/^152-QĐ-UBND \([0-9a-f]{8}\)\.pdf$/);
    expect(a.fileName).toBe(a.title);
    expect(a.title).not.toBe(b.title);
    expect(a.externalReferenceCode).toBe(fileErc(ITEM, docSection.slug, SHA));
    expect(a.description).toBe("Văn bản: 152/QĐ-UBND Về việc ban hành quy chế");
    expect(storedFileName({ name: "README" }, "x")).toMatch(/^README \([0-9a-f]{8}\)$/);
    expect(storedFileName({ name: "QĐ 12/2026: sửa đổi?.pdf" }, "x")).toMatch(/^QĐ 12_2026_ sửa đổi_ \([0-9a-f]{8}\)\.pdf$/);
    expect(folderNameFor({}, { slug: "tin", name: "Tin tức/Sự kiện." })).toBe("Tin tức_Sự kiện");
  });
});

describe("small pieces", () => {
  it("dates, verdicts, field rewriting", () => {
    expect(vietnameseDate("2026-01-05")).toBe("05/01/2026");
    expect(signatureText("invalid")).toBe("Chữ ký số không hợp lệ");
    expect(signatureText("something-new")).toContain("something-new");
    const out = rewriteFields(
      [{ name: "status", contentFieldValue: { data: "Còn hiệu lực" }, dataType: "string" }, { name: "other", contentFieldValue: { data: "x" } }, { contentFieldValue: {} }],
      { ...DEFAULT_FIELD_NAMES },
      { status: () => "Đã bị thay thế" },
    );
    expect(out).toEqual([
      { name: "status", contentFieldValue: { data: "Đã bị thay thế" } },
      { name: "other", contentFieldValue: { data: "x" } },
    ]);
  });
});

describe("options", () => {
  const base = { baseUrl: "https://cong.quangngai.gov.vn/", siteId: "20121", auth: { clientId: "a", clientSecret: "b" }, contentStructureId: "40123" };

  it("parse ids, trim the base URL, and name folders after sections unless told otherwise", () => {
    const o = liferayOptionsSchema.parse({ ...base, folders: { "thu-tuc-hanh-chinh": "TTHC" } });
    expect(o).toMatchObject({ baseUrl: "https://cong.quangngai.gov.vn", siteId: 20121, contentStructureId: 40123 });
    expect(liferayOptionsSchema.parse({ ...base, siteId: "binhson" }).siteId).toBe("binhson");
    expect(folderNameFor(o, docSection)).toBe("Văn bản chỉ đạo điều hành");
    expect(folderNameFor(o, procSection)).toBe("TTHC");
  });

  it("refuse mistakes with a clear message", () => {
    const auth = liferayOptionsSchema.safeParse({ ...base, auth: { clientId: "a" } });
    expect(auth.success).toBe(false);
    expect(JSON.stringify(auth.error?.issues)).toContain("auth needs either { clientId, clientSecret } (OAuth2) or { username, password } (Basic)");
    expect(liferayOptionsSchema.safeParse({ ...base, applicationPassword: "x" }).success).toBe(false);
    expect(liferayOptionsSchema.safeParse({ ...base, contentStructureId: "abc" }).success).toBe(false);
    expect(liferayOptionsSchema.safeParse({ ...base, baseUrl: "ftp://x" }).success).toBe(false);
    expect(liferayOptionsSchema.safeParse({ ...base, fieldNames: { nope: "x" } }).success).toBe(false);
  });
});
