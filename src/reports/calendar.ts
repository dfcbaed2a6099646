// The Vietnamese working calendar, as reports measure timeliness in it: a
// working day is Monday to Friday (plus compensatory working Saturdays) that
// is not a public holiday; working time runs from dayStart to dayEnd, Vietnam
// time (UTC+7 all year, no daylight saving). Pure: configuration in, numbers out.
// The database computes the same figures from `cumulativeWorkingDays`
// (query.ts), so the SQL and this module cannot disagree about a day.

export interface CalendarConfig {
  /** Extra days off, YYYY-MM-DD (Tết, compensatory days off, 2 September's second day…). */
  holidays: string[];
  /** Saturdays or Sundays worked in exchange for a bridged day off, YYYY-MM-DD. */
  workingWeekends: string[];
  /** Days off every year, MM-DD (1 January, 30 April, 1 May, 2 September). */
  fixedHolidays: string[];
  /** HH:MM, Vietnam time. */
  dayStart: string;
  dayEnd: string;
}

export const VN_OFFSET_MINUTES = 7 * 60;
const DAY_MS = 86_400_000;

export interface WorkingCalendar {
  readonly config: CalendarConfig;
  /** Minutes after midnight. */
  readonly startMinute: number;
  readonly endMinute: number;
  /** Working minutes in one working day. */
  readonly dayMinutes: number;
  isWorkingDay(day: number): boolean;
}

/** Days since 1970-01-01 of a YYYY-MM-DD date (calendar arithmetic only). */
export function dayNumber(ymd: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) throw new Error(`not a date (YYYY-MM-DD): ${ymd}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== ymd) throw new Error(`no such date: ${ymd}`);
  return ms / DAY_MS;
}

export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The Vietnam calendar day a moment falls on. */
export function vnDay(ms: number): number {
  return Math.floor((ms + VN_OFFSET_MINUTES * 60_000) / DAY_MS);
}

export function parseClock(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new Error(`not a time of day (HH:MM): ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function createCalendar(config: CalendarConfig): WorkingCalendar {
  const startMinute = parseClock(config.dayStart);
  const endMinute = parseClock(config.dayEnd);
  if (endMinute <= startMinute) throw new Error(`dayEnd ${config.dayEnd} must be after dayStart ${config.dayStart}`);
  const holidays = new Set(config.holidays.map(dayNumber));
  const worked = new Set(config.workingWeekends.map(dayNumber));
  const fixed = new Set(config.fixedHolidays);
  return {
    config,
    startMinute,
    endMinute,
    dayMinutes: endMinute - startMinute,
    isWorkingDay(day) {
      if (worked.has(day)) return true;
      if (holidays.has(day)) return false;
      if (fixed.has(dayString(day).slice(5))) return false;
      const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
      return weekday !== 0 && weekday !== 6;
    },
  };
}

/**
 * For days first..last (inclusive), the working days before each day,
 * relative to `first`: out[i] = working days in [first, first + i). One more
 * entry than days, so out[i + 1] - out[i] says whether day first + i works.
 */
export function cumulativeWorkingDays(cal: WorkingCalendar, first: number, last: number): number[] {
  const out = [0];
  for (let day = first, n = 0; day <= last; day++) {
    if (cal.isWorkingDay(day)) n += 1;
    out.push(n);
  }
  return out;
}

/** Working minutes of the working day `day` that lie before minute-of-day `minute`. */
function withinDay(cal: WorkingCalendar, day: number, minute: number): number {
  if (!cal.isWorkingDay(day)) return 0;
  return Math.min(Math.max(minute - cal.startMinute, 0), cal.dayMinutes);
}

/** Working minutes between two moments (0 when `to` is not after `from`). */
export function workingMinutesBetween(cal: WorkingCalendar, fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  const local = (ms: number) => (ms + VN_OFFSET_MINUTES * 60_000) / 60_000;
  const a = local(fromMs);
  const b = local(toMs);
  const dayA = Math.floor(a / 1440);
  const dayB = Math.floor(b / 1440);
  if (dayA === dayB) return withinDay(cal, dayA, b - dayA * 1440) - withinDay(cal, dayA, a - dayA * 1440);
  let total = cal.isWorkingDay(dayA) ? cal.dayMinutes - withinDay(cal, dayA, a - dayA * 1440) : 0;
  for (let day = dayA + 1; day < dayB; day++) if (cal.isWorkingDay(day)) total += cal.dayMinutes;
  return total + withinDay(cal, dayB, b - dayB * 1440);
}

export function workingHoursBetween(cal: WorkingCalendar, fromMs: number, toMs: number): number {
  return workingMinutesBetween(cal, fromMs, toMs) / 60;
}

/** The moment a document counts as issued when only its issue date is known: the start of that day's working time. */
export function issueMoment(cal: WorkingCalendar, issuedDate: string): number {
  return dayNumber(issuedDate) * DAY_MS + (cal.startMinute - VN_OFFSET_MINUTES) * 60_000;
}
