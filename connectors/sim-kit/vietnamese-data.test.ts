import { describe, expect, it } from "vitest";
import { documentNumberKey, parseDocumentNumber } from "../../src/core/index.ts";
import { DOCUMENT_TYPES, ISSUERS, documentNumber, fileStem, generateDocumentMeta, rngFor } from "./vietnamese-data.ts";

describe("vietnamese-data", () => {
  it("is deterministic per (seed, index)", () => {
    const a = generateDocumentMeta(rngFor(1, 42), 43, 2026);
    const b = generateDocumentMeta(rngFor(1, 42), 43, 2026);
    const c = generateDocumentMeta(rngFor(2, 42), 43, 2026);
    expect(a).toEqual(b);
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it("writes số ký hiệu the way agencies do, and they parse", () => {
    const ubnd = ISSUERS[0]!;
    const qd = DOCUMENT_TYPES.find((t) => t.symbol === "QĐ")!;
    const cv = DOCUMENT_TYPES.find((t) => t.symbol === null)!;
    expect(documentNumber(152, qd, ubnd, "VP")).toBe("152/QĐ-UBND");
    expect(documentNumber(7816, cv, ubnd, "VP")).toBe("7816/UBND-VP");
    expect(documentNumber(5, qd, ubnd, "VP", 2026)).toBe("5/2026/QĐ-UBND");
    for (let i = 0; i < 300; i++) {
      const meta = generateDocumentMeta(rngFor(9, i), i + 1, 2026);
      expect(parseDocumentNumber(meta.number), meta.number).not.toBeNull();
      expect(meta.issuer.code).toMatch(/^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/u);
      expect(meta.issuer.code).toHaveLength(13);
      expect(meta.title.length).toBeGreaterThan(10);
      expect(["Thường", "Khẩn", "Hỏa tốc"]).toContain(meta.urgency);
    }
    expect(documentNumberKey("152/QĐ-UBND")).toBe("152/QD-UBND");
    expect(fileStem("152/QĐ-UBND")).toBe("152-QD-UBND");
  });
});
