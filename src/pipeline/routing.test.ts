import { describe, expect, it } from "vitest";
import type { CanonicalDocument, CanonicalProcedure } from "../core/index.ts";
import { routeItem, ruleMatches, type RoutingRuleInput } from "./routing.ts";

const doc: CanonicalDocument = {
  kind: "document",
  externalId: "VB-1",
  number: "152/QĐ-UBND",
  docType: "Quyết định",
  title: "Về việc ban hành Quy chế hoạt động của Cổng Thông tin điện tử huyện",
  issuer: { code: "000.00.21.H55", name: "UBND huyện Bình Sơn" },
  issuedDate: "2026-11-20",
  signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
  field: "Thông tin và Truyền thông",
  urgency: "Thường",
  isPublic: true,
  status: "issued",
  replacesExternalId: null,
  updatedAt: "2026-11-20T16:31:02+07:00",
  files: [],
};

const proc = {
  kind: "procedure",
  externalId: "1.001193.000.00.00.H55",
  code: "1.001193.000.00.00.H55",
  name: "Thủ tục đăng ký khai sinh",
  agencyCode: "000.00.00.H55",
  fields: [{ code: "HT", name: "Hộ tịch" }],
  agencies: [{ code: "000.00.21.H55", name: "UBND cấp xã" }],
} as unknown as CanonicalProcedure;

describe("ruleMatches", () => {
  it("matches text criteria without regard to accents or case", () => {
    expect(ruleMatches({ docType: ["quyet dinh"] }, doc, "ioffice")).toBe(true);
    expect(ruleMatches({ issuerName: ["UBND HUYỆN BÌNH SƠN"] }, doc, "ioffice")).toBe(true);
    expect(ruleMatches({ keyword: ["cong thong tin"] }, doc, "ioffice")).toBe(true);
    expect(ruleMatches({ keyword: ["đất đai"] }, doc, "ioffice")).toBe(false);
  });

  it("requires every given criterion", () => {
    expect(ruleMatches({ docType: ["Quyết định"], source: ["dvc"] }, doc, "ioffice")).toBe(false);
    expect(ruleMatches({ docType: ["Quyết định"], issuerCode: ["000.00.21.h55"] }, doc, "ioffice")).toBe(true);
    expect(ruleMatches({ itemKind: "procedure" }, doc, "ioffice")).toBe(false);
  });

  it("matches procedures on their field and agency", () => {
    expect(ruleMatches({ field: ["Hộ tịch"] }, proc, "dvc")).toBe(true);
    expect(ruleMatches({ issuerCode: ["000.00.00.H55"] }, proc, "dvc")).toBe(true);
  });
});

describe("routeItem", () => {
  const rules: RoutingRuleInput[] = [
    { id: "all-docs", priority: 100, match: { itemKind: "document" }, targets: [{ sectionId: "tinh/vb", itemKind: "document" }] },
    {
      id: "binhson",
      priority: 10,
      match: { issuerCode: ["000.00.21.H55"] },
      targets: [
        { sectionId: "binhson/vb", itemKind: "document" },
        { sectionId: "binhson/tthc", itemKind: "procedure" },
        { sectionId: "tinh/vb", itemKind: "document" },
      ],
    },
  ];

  it("unions matching rules' targets of the item's kind, once each, by priority", () => {
    expect(routeItem(doc, "ioffice", rules)).toEqual(["binhson/vb", "tinh/vb"]);
  });

  it("routes nothing when no rule matches", () => {
    expect(routeItem({ ...doc, issuer: { code: "000.00.22.H55", name: "UBND huyện khác" } }, "ioffice", rules.slice(1))).toEqual([]);
  });
});
