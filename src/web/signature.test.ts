import { describe, expect, it } from "vitest";
import { translator } from "./i18n.ts";
import { explainReport } from "./signature.ts";

const t = translator("vi");
const signer = { commonName: "Phạm Quang Sự", organization: "UBND huyện Bình Sơn", serialNumber: "01", issuer: "CN=Test CA" };

describe("signature report in plain words", () => {
  it("names who signed and when (Vietnam time), and calls it valid", () => {
    const plain = explainReport(
      { file: "a.pdf", status: "valid", signatures: [{ field: "S1", signer, signingTime: "2026-11-20T02:00:00Z", coversWholeDocument: true, modifiedAfterSigning: false, laterChanges: "none", indication: "TOTAL_PASSED", subIndication: null, messages: [] }] },
      "vi", t,
    );
    expect(plain).toMatchObject({ ok: true, statusText: "Hợp lệ" });
    expect(plain.signatures[0]).toMatchObject({ signer: "Phạm Quang Sự — UBND huyện Bình Sơn", ok: true, reasons: [] });
    expect(plain.signatures[0]!.when).toContain("09:00");
  });

  it("keeps a co-signed PDF's first signature valid (later revisions only add signatures)", () => {
    const plain = explainReport(
      { status: "valid", signatures: [{ signer, signingTime: null, coversWholeDocument: false, modifiedAfterSigning: true, laterChanges: "signatures-only", indication: "TOTAL_PASSED", subIndication: null }] },
      "vi", t,
    );
    expect(plain.signatures[0]).toMatchObject({ ok: true, when: "không rõ thời điểm ký" });
  });

  it("says why not: changed content, revoked signer, unknown root", () => {
    const plain = explainReport(
      {
        status: "invalid",
        signatures: [
          { signer, indication: "TOTAL_PASSED", laterChanges: "content", modifiedAfterSigning: true, coversWholeDocument: false },
          { signer, indication: "TOTAL_FAILED", subIndication: "REVOKED", messages: ["revoked 2026-01-01"] },
          { signer, indication: "INDETERMINATE", subIndication: "NO_CERTIFICATE_CHAIN_FOUND" },
        ],
      },
      "vi", t,
    );
    expect(plain.ok).toBe(false);
    expect(plain.statusText).toBe("Không hợp lệ");
    expect(plain.signatures[0]!.reasons).toContain("Nội dung bị sửa sau khi ký.");
    expect(plain.signatures[1]!.reasons).toEqual(["chứng thư của người ký đã bị thu hồi", "revoked 2026-01-01"]);
    expect(plain.signatures[2]!.verdict).toBe("Chưa xác định được");
  });

  it("survives a malformed report", () => {
    expect(explainReport(null, "en", translator("en"))).toMatchObject({ status: "error", ok: false, signatures: [] });
    expect(explainReport({ status: "error", error: "not a PDF" }, "en", translator("en")).error).toBe("not a PDF");
  });

  it("shows what was allowed but should be seen: metadata edited after signing, data outside what was signed", () => {
    const base = { signer, signingTime: null, indication: "TOTAL_PASSED", subIndication: null, laterChanges: "none" };
    const plain = explainReport(
      {
        status: "valid",
        signatures: [
          { ...base, coversWholeDocument: false, modifiedAfterSigning: true, messages: ["document metadata changed after signing, content unchanged"] },
          { ...base, coversWholeDocument: false, modifiedAfterSigning: false, messages: ["65 non-zero bytes follow the CMS inside /Contents"] },
          { ...base, coversWholeDocument: true, modifiedAfterSigning: false },
          { ...base, laterChanges: "signatures-only", coversWholeDocument: false, modifiedAfterSigning: true },
        ],
      },
      "vi", t,
    );
    expect(plain.ok).toBe(true);
    expect(plain.signatures.map((s) => s.ok)).toEqual([true, true, true, true]);
    expect(plain.signatures[0]!.notes).toEqual(["Thông tin mô tả của tệp (metadata) được sửa sau khi ký; nội dung văn bản không đổi."]);
    expect(plain.signatures[1]!.notes).toEqual(["Tệp có dữ liệu nằm ngoài phần được ký (trong vùng chữ ký hoặc cuối tệp); nội dung văn bản không đổi."]);
    expect(plain.signatures[2]!.notes).toEqual([]);
    expect(plain.signatures[3]!.notes).toEqual([]); // a co-signed PDF: nothing to point out
    const en = explainReport({ status: "valid", signatures: [{ ...base, coversWholeDocument: false, modifiedAfterSigning: true }] }, "en", translator("en"));
    expect(en.signatures[0]!.notes[0]).toMatch(/metadata\) was changed after signing/);
  });
});
