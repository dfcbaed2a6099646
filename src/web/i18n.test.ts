import { describe, expect, it } from "vitest";
import { DICTIONARY, formatDate, formatDateTime, formatDuration, translator, tr } from "./i18n.ts";

describe("console dictionary", () => {
  it("has every key in both languages, none empty", () => {
    const vi = Object.keys(DICTIONARY.vi).sort();
    expect(Object.keys(DICTIONARY.en).sort()).toEqual(vi);
    for (const lang of ["vi", "en"] as const) {
      for (const [key, text] of Object.entries(DICTIONARY[lang])) expect(text.trim(), `${lang} ${key}`).not.toBe("");
    }
  });

  it("fills parameters and keeps Vietnamese as the default text", () => {
    const t = translator("vi");
    expect(t("alerts.failing", { source: "ioffice-tinh", n: 3 })).toBe("Nguồn ioffice-tinh lỗi 3 lần liên tiếp");
    expect(translator("en")("alerts.failing", { source: "x", n: 4 })).toBe("Source x failed 4 times in a row");
    expect(tr(t, "state", "held")).toBe("Chờ duyệt");
    expect(tr(t, "state", "something-new")).toBe("something-new");
  });
});

describe("dates in Vietnam time", () => {
  it("shows instants in Asia/Ho_Chi_Minh (UTC+7) whatever the server's zone", () => {
    // 2026-11-20T17:30Z is 00:30 on the 21st in Hà Nội.
    expect(formatDateTime("vi", new Date("2026-11-20T17:30:00Z"))).toMatch(/00:30.*21\/11\/2026|21\/11\/2026.*00:30/);
    expect(formatDateTime("en", "2026-11-20T17:30:00Z")).toMatch(/21\/11\/2026.*00:30/);
    expect(formatDateTime("vi", null)).toBe("—");
  });

  it("shows calendar dates without shifting them", () => {
    expect(formatDate("vi", new Date("2026-11-20T00:00:00Z"))).toBe("20/11/2026");
  });

  it("formats lags", () => {
    expect(formatDuration("vi", 3 * 3600 + 5 * 60)).toBe("3 giờ 5 phút");
    expect(formatDuration("en", 90)).toBe("1 min");
    expect(formatDuration("en", null)).toBe("—");
  });
});
