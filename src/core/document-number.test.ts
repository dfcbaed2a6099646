import { describe, expect, it } from "vitest";
import { documentNumberKey, parseDocumentNumber } from "./document-number.ts";

describe("documentNumberKey", () => {
  it("treats the brief's three spellings as one number", () => {
    const key = documentNumberKey("152/QĐ-UBND");
    expect(documentNumberKey("152/QD-UBND")).toBe(key);
    expect(documentNumberKey("Số: 152 /QĐ-UBND")).toBe(key);
    expect(key).toBe("152/QD-UBND");
  });

  it("is the same for NFD and NFC input", () => {
    const nfd = "152/QĐ-UBND".normalize("NFD");
    expect(documentNumberKey(nfd)).toBe(documentNumberKey("152/QĐ-UBND"));
    expect(documentNumberKey("7816/VPCP-TTĐT".normalize("NFD"))).toBe("7816/VPCP-TTDT");
  });

  it("folds dash and slash look-alikes, case, and leading zeros", () => {
    expect(documentNumberKey("Số 0152／qđ–ubnd")).toBe("152/QD-UBND");
    expect(documentNumberKey("số ký hiệu: 30 / 2020 / NĐ-CP")).toBe("30/2020/ND-CP");
  });

  it("keeps different issuers, years and serials apart", () => {
    expect(documentNumberKey("152/QĐ-UBND")).not.toBe(documentNumberKey("152/QĐ-STTTT"));
    expect(documentNumberKey("30/2020/NĐ-CP")).not.toBe(documentNumberKey("30/2021/NĐ-CP"));
    expect(documentNumberKey("152/QĐ-UBND")).not.toBe(documentNumberKey("153/QĐ-UBND"));
  });

  it("gives free text a stable key instead of failing", () => {
    expect(documentNumberKey("  Không số  ")).toBe("KHONGSO");
  });
});

describe("parseDocumentNumber", () => {
  it("splits serial, year and notation", () => {
    expect(parseDocumentNumber("30/2020/NĐ-CP")).toEqual({
      serial: "30",
      year: 2020,
      notation: "NĐ-CP",
      display: "30/2020/NĐ-CP",
    });
    expect(parseDocumentNumber("Số: 152 /QĐ-UBND")?.display).toBe("152/QĐ-UBND");
  });

  it("returns null for text that is not a number", () => {
    expect(parseDocumentNumber("Quyết định")).toBeNull();
  });
});
