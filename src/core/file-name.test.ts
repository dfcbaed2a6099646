import { describe, expect, it } from "vitest";
import { attachmentName, cleanFileName } from "./file-name.ts";

describe("cleanFileName", () => {
  it.each([
    ["../../../tmp/x.pdf", "x.pdf"],
    ["..\\..\\Windows\\system32\\QĐ.pdf", "QĐ.pdf"],
    ["C:\\Văn bản\\Quyết định 12.pdf", "Quyết định 12.pdf"],
    ["Quyết định số 12/QĐ-UBND.pdf", "QĐ-UBND.pdf"],
    ["Quyết định.pdf".normalize("NFD"), "Quyết định.pdf"],
    ["Phụ lục\u0000\r\n 1.docx", "Phụ lục 1.docx"],
    ["\u202Efdp.exe", "fdp.exe"],
    ["bao cao <2026>: \"quy|1\"?.xlsx", "bao cao _2026__ _quy_1__.xlsx"],
    ["  .hidden.pdf. ", "hidden.pdf"],
    ["CON.pdf", "_CON.pdf"],
    ["tờ khai.docx", "tờ khai.docx"],
  ])("%j → %j", (input, expected) => {
    expect(cleanFileName(input)).toBe(expected);
  });

  it("leaves nothing for names with no usable part", () => {
    for (const bad of ["", "..", "../..", "/", "\\", "...", "\u0000\u202E", "::", null, undefined]) expect(cleanFileName(bad)).toBe("");
  });

  it("shortens a long name but keeps its extension", () => {
    const long = `${"Quyết định ".repeat(40)}.pdf`;
    const out = cleanFileName(long);
    expect(out.length).toBeLessThanOrEqual(150);
    expect(out.endsWith(".pdf")).toBe(true);
    expect(out.normalize("NFC")).toBe(out);
  });
});

describe("attachmentName", () => {
  it("falls back to a numbered Vietnamese name with the type's extension", () => {
    expect(attachmentName("../..", 0, "application/pdf")).toBe("tep-dinh-kem-1.pdf");
    expect(attachmentName("", 2, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")).toBe("tep-dinh-kem-3.docx");
    expect(attachmentName(null, 1, "application/x-unknown")).toBe("tep-dinh-kem-2.pdf");
    expect(attachmentName("../../../tmp/x.pdf", 0, "application/pdf")).toBe("x.pdf");
  });
});
