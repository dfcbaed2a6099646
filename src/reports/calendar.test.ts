import { describe, expect, it } from "vitest";
import { createCalendar, cumulativeWorkingDays, dayNumber, issueMoment, workingHoursBetween, workingMinutesBetween, type CalendarConfig } from "./calendar.ts";

const config: CalendarConfig = {
  holidays: ["2026-02-16", "2026-02-17"],
  workingWeekends: ["2026-01-10"],
  fixedHolidays: ["01-01", "04-30", "05-01", "09-02"],
  dayStart: "07:30",
  dayEnd: "17:00",
};
const cal = createCalendar(config);
const at = (s: string) => Date.parse(s);

/** Minute by minute: the definition, without arithmetic shortcuts. */
function bruteForce(fromMs: number, toMs: number): number {
  let n = 0;
  for (let t = fromMs; t < toMs; t += 60_000) {
    const local = new Date(t + 7 * 3600_000);
    const day = Math.floor((t + 7 * 3600_000) / 86_400_000);
    const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
    if (cal.isWorkingDay(day) && minute >= 450 && minute < 1020) n += 1;
  }
  return n;
}

describe("working calendar", () => {
  it("knows weekends, fixed holidays, configured holidays and working Saturdays", () => {
    expect(cal.isWorkingDay(dayNumber("2026-03-06"))).toBe(true); // Friday
    expect(cal.isWorkingDay(dayNumber("2026-03-07"))).toBe(false); // Saturday
    expect(cal.isWorkingDay(dayNumber("2026-03-08"))).toBe(false); // Sunday
    expect(cal.isWorkingDay(dayNumber("2026-04-30"))).toBe(false);
    expect(cal.isWorkingDay(dayNumber("2026-09-02"))).toBe(false);
    expect(cal.isWorkingDay(dayNumber("2026-02-16"))).toBe(false); // Tết, configured
    expect(cal.isWorkingDay(dayNumber("2026-01-10"))).toBe(true); // a Saturday worked in exchange
  });

  it("counts working hours within one day, before the start and after the end", () => {
    expect(workingHoursBetween(cal, at("2026-03-04T09:00:00+07:00"), at("2026-03-04T11:30:00+07:00"))).toBe(2.5);
    expect(workingHoursBetween(cal, at("2026-03-04T06:00:00+07:00"), at("2026-03-04T07:30:00+07:00"))).toBe(0);
    expect(workingHoursBetween(cal, at("2026-03-04T17:30:00+07:00"), at("2026-03-04T23:00:00+07:00"))).toBe(0);
    expect(workingHoursBetween(cal, at("2026-03-04T06:00:00+07:00"), at("2026-03-04T20:00:00+07:00"))).toBe(9.5);
  });

  it("skips a weekend: Friday 16:00 to Monday 08:30 is two working hours", () => {
    expect(workingHoursBetween(cal, at("2026-03-06T16:00:00+07:00"), at("2026-03-09T08:30:00+07:00"))).toBe(2);
  });

  it("skips 30 April and 1 May (Thursday, Friday) and the weekend after", () => {
    expect(workingHoursBetween(cal, at("2026-04-29T16:00:00+07:00"), at("2026-05-04T08:30:00+07:00"))).toBe(2);
  });

  it("counts a working Saturday", () => {
    // Friday 2026-01-09 16:00 → Monday 2026-01-12 07:30: 1 h Friday + 9.5 h Saturday.
    expect(workingHoursBetween(cal, at("2026-01-09T16:00:00+07:00"), at("2026-01-12T07:30:00+07:00"))).toBe(10.5);
  });

  it("is zero for a reversed interval", () => {
    expect(workingMinutesBetween(cal, at("2026-03-05T10:00:00+07:00"), at("2026-03-04T10:00:00+07:00"))).toBe(0);
  });

  it("agrees with a minute-by-minute count over irregular intervals", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const base = at("2026-01-01T00:00:00+07:00");
    for (let i = 0; i < 60; i++) {
      const a = base + Math.floor(rand() * 50 * 86_400_000 / 60_000) * 60_000;
      const b = a + Math.floor(rand() * 9 * 86_400_000 / 60_000) * 60_000;
      expect(workingMinutesBetween(cal, a, b)).toBe(bruteForce(a, b));
    }
  });

  it("gives cumulative working days the database uses, consistent with the day test", () => {
    const first = dayNumber("2026-04-27"); // Monday
    const cum = cumulativeWorkingDays(cal, first, first + 7);
    // Mon, Tue, Wed work; Thu 30/4 and Fri 1/5 off; weekend off; Mon 4/5 works.
    expect(cum).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 4]);
  });

  it("dates a document known only by its issue date at the start of that working day", () => {
    expect(new Date(issueMoment(cal, "2026-03-04")).toISOString()).toBe("2026-03-04T00:30:00.000Z");
  });

  it("refuses a working day that ends before it starts and malformed dates", () => {
    expect(() => createCalendar({ ...config, dayEnd: "07:00" })).toThrow(/after dayStart/);
    expect(() => createCalendar({ ...config, holidays: ["2026-02-30"] })).toThrow(/no such date/);
    expect(() => createCalendar({ ...config, dayStart: "7:30" })).toThrow(/HH:MM/);
  });
});
