import { describe, expect, it } from "vitest";
import { cleanText } from "./text.ts";

describe("cleanText", () => {
  it("drops control characters (a NUL cannot be stored), keeps Vietnamese, collapses whitespace", () => {
    expect(cleanText("Phụ lục\u0000 1\u0007.pdf")).toBe("Phụ lục 1.pdf");
    expect(cleanText("  Quyết\r\n\tđịnh\u0085 ".normalize("NFD"))).toBe("Quyết định");
  });
});
