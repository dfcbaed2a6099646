// Report periods: Vietnam calendar days, both ends included, turned into the
// half-open UTC interval the database compares against; and the console's
// named periods (month, quarter, half-year, year) turned into days. Pure.

import { dayNumber, dayString, VN_OFFSET_MINUTES } from "./calendar.ts";

export interface Period {
  /** YYYY-MM-DD, first day (included). */
  from: string;
  /** YYYY-MM-DD, last day (included). */
  to: string;
  /** UTC instant of 00:00 Vietnam time on `from`. */
  startUtc: Date;
  /** UTC instant of 00:00 Vietnam time on the day after `to` (excluded). */
  endUtc: Date;
}

/** Longest period one report covers (the calendar table and the month chart grow with it). */
export const MAX_PERIOD_DAYS = 3 * 366;

export class PeriodError extends Error {}

const DAY_MS = 86_400_000;

export function vnMidnightUtc(day: number): Date {
  return new Date(day * DAY_MS - VN_OFFSET_MINUTES * 60_000);
}

export function parsePeriod(from: string, to: string): Period {
  let a: number;
  let b: number;
  try {
    a = dayNumber(from);
    b = dayNumber(to);
  } catch (e) {
    throw new PeriodError((e as Error).message);
  }
  if (b < a) throw new PeriodError(`"to" (${to}) is before "from" (${from})`);
  if (b - a + 1 > MAX_PERIOD_DAYS) throw new PeriodError(`a report covers at most ${MAX_PERIOD_DAYS} days; ${from}..${to} is ${b - a + 1}`);
  return { from, to, startUtc: vnMidnightUtc(a), endUtc: vnMidnightUtc(b + 1) };
}

export type PeriodKind = "month" | "quarter" | "half" | "year";

/**
 * A named period: month "2026-03", quarter "2026-Q1", half-year "2026-H1",
 * year "2026". Returns its first and last day.
 */
export function namedPeriod(value: string): { kind: PeriodKind; from: string; to: string } {
  const v = value.trim().toUpperCase();
  const pad = (n: number) => String(n).padStart(2, "0");
  const span = (kind: PeriodKind, year: number, m1: number, m2: number) => {
    const last = new Date(Date.UTC(year, m2, 0)).getUTCDate();
    return { kind, from: `${year}-${pad(m1)}-01`, to: `${year}-${pad(m2)}-${pad(last)}` };
  };
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(v))) return span("month", Number(m[1]), Number(m[2]), Number(m[2]));
  if ((m = /^(\d{4})-Q([1-4])$/.exec(v))) return span("quarter", Number(m[1]), Number(m[2]) * 3 - 2, Number(m[2]) * 3);
  if ((m = /^(\d{4})-H([12])$/.exec(v))) return span("half", Number(m[1]), Number(m[2]) * 6 - 5, Number(m[2]) * 6);
  if ((m = /^(\d{4})$/.exec(v))) return span("year", Number(m[1]), 1, 12);
  throw new PeriodError(`not a period: "${value}" (use 2026-03, 2026-Q1, 2026-H1 or 2026)`);
}

/** The named period of a kind that contains a moment (Vietnam time). */
export function periodContaining(kind: PeriodKind, at: Date): string {
  const d = dayString(Math.floor((at.getTime() + VN_OFFSET_MINUTES * 60_000) / DAY_MS));
  const year = d.slice(0, 4);
  const month = Number(d.slice(5, 7));
  switch (kind) {
    case "month": return d.slice(0, 7);
    case "quarter": return `${year}-Q${Math.ceil(month / 3)}`;
    case "half": return `${year}-H${month <= 6 ? 1 : 2}`;
    case "year": return year;
  }
}

/** YYYY-MM of every month the period touches, in order. */
export function monthsOf(p: Pick<Period, "from" | "to">): string[] {
  const out: string[] = [];
  let y = Number(p.from.slice(0, 4));
  let m = Number(p.from.slice(5, 7));
  const end = p.to.slice(0, 7);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, "0")}`;
    out.push(key);
    if (key >= end) return out;
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
}
