import { describe, expect, it } from "vitest";
import { monthsOf, namedPeriod, parsePeriod, periodContaining, PeriodError } from "./period.ts";

describe("report periods", () => {
  it("turns Vietnam calendar days into a half-open UTC interval", () => {
    const p = parsePeriod("2026-01-01", "2026-06-30");
    expect(p.startUtc.toISOString()).toBe("2025-12-31T17:00:00.000Z");
    expect(p.endUtc.toISOString()).toBe("2026-06-30T17:00:00.000Z");
  });

  it("accepts a single day", () => {
    const p = parsePeriod("2026-03-07", "2026-03-07");
    expect(p.endUtc.getTime() - p.startUtc.getTime()).toBe(86_400_000);
  });

  it("refuses impossible dates, reversed and overlong periods with a reason", () => {
    expect(() => parsePeriod("2026-02-30", "2026-03-01")).toThrow(PeriodError);
    expect(() => parsePeriod("2026-03-01", "2026-02-01")).toThrow(/before/);
    expect(() => parsePeriod("2020-01-01", "2026-01-01")).toThrow(/at most/);
    expect(() => parsePeriod("26-01-01", "2026-01-01")).toThrow(/YYYY-MM-DD/);
  });

  it("names months, quarters, half-years and years", () => {
    expect(namedPeriod("2026-02")).toEqual({ kind: "month", from: "2026-02-01", to: "2026-02-28" });
    expect(namedPeriod("2028-02").to).toBe("2028-02-29");
    expect(namedPeriod("2026-Q4")).toEqual({ kind: "quarter", from: "2026-10-01", to: "2026-12-31" });
    expect(namedPeriod("2026-h1")).toEqual({ kind: "half", from: "2026-01-01", to: "2026-06-30" });
    expect(namedPeriod("2026")).toEqual({ kind: "year", from: "2026-01-01", to: "2026-12-31" });
    expect(() => namedPeriod("2026-13")).toThrow(/not a period/);
    expect(() => namedPeriod("2026-Q5")).toThrow(/not a period/);
  });

  it("finds the period containing a moment in Vietnam time", () => {
    const newYearVn = new Date("2026-12-31T17:30:00Z"); // 00:30 on 1 January 2027 in Hà Nội
    expect(periodContaining("month", newYearVn)).toBe("2027-01");
    expect(periodContaining("quarter", new Date("2026-08-01T00:00:00Z"))).toBe("2026-Q3");
    expect(periodContaining("half", new Date("2026-08-01T00:00:00Z"))).toBe("2026-H2");
  });

  it("lists the months a period touches", () => {
    expect(monthsOf({ from: "2025-11-15", to: "2026-02-01" })).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
  });
});
