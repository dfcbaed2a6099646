import { describe, expect, it } from "vitest";
import { buildData, contractTime, decideWire, messageBody, signersFromReport, type DocumentSnapshot, type ProcedureSnapshot } from "./payload.ts";

const doc: DocumentSnapshot = {
  kind: "document",
  id: "doc-1",
  version: 2,
  number: "152/QĐ-UBND",
  docType: "Quyết định",
  title: "Về việc ban hành quy chế",
  issuer: "UBND huyện Bình Sơn",
  signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
  issuedAt: "2026-11-20",
  field: "Thông tin và Truyền thông",
  replaces: null,
  signatureStatus: "valid",
  files: [
    { name: "152-QD-UBND.pdf", mime: "application/pdf", size: 482113, sha256: "aa".repeat(32), role: "main" },
    { name: "phu-luc.pdf", mime: "application/pdf", size: 10, sha256: "bb".repeat(32), role: "appendix" },
  ],
  reports: {
    ["aa".repeat(32)]: {
      file: "x.pdf",
      status: "valid",
      signatures: [{ signer: { commonName: "Phạm Quang Sự", organization: "UBND huyện Bình Sơn", serialNumber: "01" }, signingTime: "2026-11-20T03:00:00Z" }],
    },
    ["bb".repeat(32)]: { signatures: [{ signer: { commonName: "not a main file" } }] },
  },
};

const link = (f: { sha256: string }) => `https://hub/files/${f.sha256}`;

describe("buildData", () => {
  it("builds the contract's document data object", () => {
    const data = buildData(doc, { site: "binhson", section: "van-ban", remoteId: null }, link);
    expect(data).toEqual({
      id: "doc-1",
      version: 2,
      site: "binhson",
      section: "van-ban",
      number: "152/QĐ-UBND",
      docType: "Quyết định",
      title: "Về việc ban hành quy chế",
      issuer: "UBND huyện Bình Sơn",
      signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
      issuedAt: "2026-11-20",
      field: "Thông tin và Truyền thông",
      replaces: null,
      files: [
        { name: "152-QD-UBND.pdf", mime: "application/pdf", size: 482113, sha256: "aa".repeat(32), url: `https://hub/files/${"aa".repeat(32)}` },
        { name: "phu-luc.pdf", mime: "application/pdf", size: 10, sha256: "bb".repeat(32), url: `https://hub/files/${"bb".repeat(32)}` },
      ],
      signature: { status: "valid", signers: [{ commonName: "Phạm Quang Sự", organization: "UBND huyện Bình Sơn", signingTime: "2026-11-20T03:00:00Z" }] },
    });
    expect(buildData(doc, { site: "binhson", section: "van-ban", remoteId: "binhson-7" }, link).remoteId).toBe("binhson-7");
  });

  it("builds procedures with ways, fees, dossier forms and legal bases", () => {
    const proc: ProcedureSnapshot = {
      kind: "procedure",
      id: "proc-1",
      version: 1,
      data: {
        code: "1.001193.000.00.00.H55",
        nationalCode: "1.001193",
        name: "Đăng ký khai sinh",
        status: "active",
        fields: [{ code: "HT", name: "Hộ tịch" }],
        levels: [{ code: "2", name: "Cấp xã" }],
        agencies: [{ code: "H55", name: "UBND xã" }],
        steps: [{ case: "", steps: ["Nộp hồ sơ", "Nhận kết quả"] }],
        channels: [{ channel: "online", timeLimits: [{ amount: "1", unit: "Ngày", description: "", fees: [{ code: "LP", amount: "0", currency: "VND", description: "Miễn phí" }] }] }],
        dossier: [{ case: "", documents: [{ code: "TK", name: "Tờ khai", originals: 1, copies: 0, form: { id: "f1", name: "to-khai.docx", role: "form", size: null, sha256: "CC".repeat(32) } }] }],
        legalBases: [{ number: "60/2014/QH13", title: "Luật Hộ tịch", issuer: "Quốc hội", issuedDate: "2014-11-20" }],
      },
      files: [{ name: "to-khai.docx", mime: "application/msword", size: 100, sha256: "cc".repeat(32), role: "form" }],
    };
    const data = buildData(proc, { site: "tinh", section: "tthc", remoteId: null }, link) as any;
    expect(data).toMatchObject({ id: "proc-1", code: "1.001193.000.00.00.H55", field: "Hộ tịch", level: "Cấp xã", status: "active" });
    expect(data.ways[0].timeLimits[0].fees[0].description).toBe("Miễn phí");
    expect(data.dossier[0].documents[0].form).toMatchObject({ name: "to-khai.docx", sha256: "cc".repeat(32) });
    expect(data.legalBases[0].number).toBe("60/2014/QH13");
    expect(data.files).toHaveLength(1);
  });

  it("gives every file a public verification link next to its download link, other fields unchanged", () => {
    const target = { site: "binhson", section: "van-ban", remoteId: null, verifyBase: "https://hub.example.vn/" };
    const data = buildData(doc, target, link) as { files: Record<string, unknown>[] };
    const plain = buildData(doc, { site: "binhson", section: "van-ban", remoteId: null }, link) as { files: Record<string, unknown>[] };
    expect(data.files.map((f) => f.verifyUrl)).toEqual([`https://hub.example.vn/tra-cuu/${"aa".repeat(32)}`, `https://hub.example.vn/tra-cuu/${"bb".repeat(32)}`]);
    expect(data.files.map(({ verifyUrl: _v, ...rest }) => rest)).toEqual(plain.files);
    const form = { name: "to-khai.docx", mime: "application/msword", size: 1, sha256: "cc".repeat(32), role: "form" as const };
    const proc = buildData(
      { kind: "procedure", id: "p", version: 1, data: { dossier: [{ case: "", documents: [{ code: "TK", name: "Tờ khai", originals: 1, copies: 0, form: { id: "f", name: "to-khai.docx", role: "form", size: null, sha256: null } }] }] }, files: [form] },
      target,
      link,
    ) as any;
    expect(proc.files[0].verifyUrl).toBe(`https://hub.example.vn/tra-cuu/${"cc".repeat(32)}`);
    expect(proc.dossier[0].documents[0].form.verifyUrl).toBe(`https://hub.example.vn/tra-cuu/${"cc".repeat(32)}`);
  });

  it("reads signers defensively", () => {
    expect(signersFromReport(null)).toEqual([]);
    expect(signersFromReport({ signatures: "nope" })).toEqual([]);
    expect(signersFromReport({ signatures: [{}] })).toEqual([{ commonName: null, organization: null, signingTime: null }]);
  });

  it("serialises the message like the contract, without milliseconds", () => {
    const at = new Date("2026-11-21T02:00:04.123Z");
    expect(contractTime(at)).toBe("2026-11-21T02:00:04Z");
    expect(JSON.parse(messageBody("document.published", at, { id: "x" }))).toEqual({ type: "document.published", timestamp: "2026-11-21T02:00:04Z", data: { id: "x" } });
  });
});

describe("decideWire", () => {
  const v = (event: string, version = 1) => ({ event, version });
  it("sends a first publish as is", () => {
    expect(decideWire(v("document.published"), null, null)).toEqual({ send: true, type: "document.published", remoteId: null });
  });
  it("turns an update the site never saw the original of into a publish", () => {
    expect(decideWire(v("document.updated", 2), null, null)).toEqual({ send: true, type: "document.published", remoteId: null });
  });
  it("sends updates and re-publishes to the same remote item", () => {
    const prior = { event: "document.published", version: 1 };
    expect(decideWire(v("document.updated", 2), prior, "s-1")).toEqual({ send: true, type: "document.updated", remoteId: "s-1" });
    expect(decideWire(v("document.published", 2), { event: "document.withdrawn", version: 1 }, "s-1")).toEqual({ send: true, type: "document.updated", remoteId: "s-1" });
    // A portal that gives no remoteIds gets the event as recorded.
    expect(decideWire(v("document.updated", 2), prior, null)).toEqual({ send: true, type: "document.updated", remoteId: null });
  });
  it("ignores a remoteId without an acknowledged earlier row: a resend after a crash says what the first send said", () => {
    expect(decideWire(v("document.published"), null, "s-1")).toEqual({ send: true, type: "document.published", remoteId: null });
  });
  it("does not withdraw a document the site never had, nor roll it back", () => {
    expect(decideWire(v("document.withdrawn"), null, null)).toMatchObject({ send: false });
    expect(decideWire(v("procedure.abolished"), { event: "procedure.published", version: 1 }, "s-2")).toEqual({ send: true, type: "procedure.abolished", remoteId: "s-2" });
    expect(decideWire(v("document.published", 1), { event: "document.updated", version: 3 }, "s-1")).toMatchObject({ send: false, reason: expect.stringContaining("version 3") });
  });
  it("sends a procedure's abolition even to a site the hub never sent it to: it may hold a hand-typed copy", () => {
    expect(decideWire(v("procedure.abolished"), null, null)).toEqual({ send: true, type: "procedure.abolished", remoteId: null });
    expect(decideWire(v("procedure.abolished"), null, "s-9")).toEqual({ send: true, type: "procedure.abolished", remoteId: null });
  });
});
