// The editorial board's publication report (issue 13; docs/reports.md).
export * from "./calendar.ts";
export * from "./period.ts";
export * from "./report.ts";
export * from "./export.ts";
export { queryReport, HISTOGRAM_EDGES_DAYS } from "./query.ts";
export * from "./metrics.ts";
export * from "./trend.ts";

import type { Config } from "../config/index.ts";
import { createCalendar, type WorkingCalendar } from "./calendar.ts";

/** The working calendar the configuration describes. */
export function calendarOf(config: Pick<Config, "reports">): WorkingCalendar {
  return createCalendar(config.reports);
}
