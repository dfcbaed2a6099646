// The dashboard's publication figures: this month and the eleven before it,
// from the same report (report.ts). Cached briefly per hub: the dashboard is
// opened often, the figures move slowly, and a year of 50,000 documents costs
// a second or two of database time.

import type { HubContext } from "../hub/context.ts";
import { createCalendar } from "./calendar.ts";
import { monthsOf, namedPeriod, parsePeriod, periodContaining } from "./period.ts";
import { buildReport, type Timeliness } from "./report.ts";

export interface DashboardTrend {
  months: { month: string; published: number; timeliness: Timeliness }[];
  current: { month: string; published: number; timeliness: Timeliness };
  lateAfterHours: number;
}

export const TREND_CACHE_MS = 5 * 60_000;
const cache = new WeakMap<HubContext, { at: number; key: string; value: DashboardTrend }>();

export async function dashboardTrend(ctx: HubContext): Promise<DashboardTrend> {
  const now = ctx.now();
  const month = periodContaining("month", now);
  const start = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 12, 1));
  const first = namedPeriod(start.toISOString().slice(0, 7)).from;
  const key = `${first}|${month}`;
  const hit = cache.get(ctx);
  if (hit && hit.key === key && now.getTime() - hit.at < TREND_CACHE_MS) return hit.value;
  const period = parsePeriod(first, namedPeriod(month).to);
  const report = await buildReport(ctx.db, {
    period, site: null, calendar: createCalendar(ctx.config.reports), lateAfterHours: ctx.config.reports.lateAfterHours, months: monthsOf(period), lateLimit: 0,
  });
  const months = report.trend.slice(-12);
  const value = { months, current: months.at(-1)!, lateAfterHours: ctx.config.reports.lateAfterHours };
  cache.set(ctx, { at: now.getTime(), key, value });
  return value;
}
