// Issue 13, speed: the yearly publication report for 40 sites and 50,000
// documents on the embedded database (PGlite) must answer in ≤ 2 s.
//
//   npm run bench -- reports        [--docs N] [--sites N] [--runs N]
//
// Data: N documents issued through 2026 (half with signature reports), each
// published on the province portal and on one of the other sites, a tenth
// updated, one in fifty withdrawn, a few held for review first: about
// 2.2 deliveries per document. Written with INSERT … SELECT generate_series
// (setup is not timed). Timed: the whole report (buildReport: sites,
// sections, every figure) for 2026-01-01..2026-12-31, median of --runs.
// Baseline, same run and database: SELECT count(*) over the same deliveries
// table, i.e. what merely reading the table once costs.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../../src/db/index.ts";
import { buildReport, createCalendar, monthsOf, parsePeriod } from "../../src/reports/index.ts";
import { configSchema } from "../../src/config/index.ts";
import { seedReportData } from "./support/report-data.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const DOCS = Number(arg("docs", "50000"));
const SITES = Number(arg("sites", "40"));
const RUNS = Number(arg("runs", "5"));
const TARGET_MS = 2000;

const dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-bench-reports-"));
const db = await openDatabase({ dataDir: dir });
try {
  await db.migrate();
  const t0 = performance.now();
  await seedReportData(db, DOCS, SITES);
  const setupMs = performance.now() - t0;
  const deliveries = Number((await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM "Delivery"`)).rows[0]!.n);

  const config = configSchema.parse({});
  const calendar = createCalendar(config.reports);
  const period = parsePeriod("2026-01-01", "2026-12-31");
  const report = () => buildReport(db, { period, site: null, calendar, lateAfterHours: config.reports.lateAfterHours, months: monthsOf(period) });
  const baseline = () => db.sql.query(`SELECT count(*) FROM "Delivery"`);

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // Wall time, and this process's CPU time (PGlite runs in this thread): the
  // latter says what the query costs when other work shares the machine.
  const time = async (fn: () => Promise<unknown>) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    await fn(); // warm-up: plans, caches
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const c = process.cpuUsage();
      await fn();
      const used = process.cpuUsage(c);
      wall.push(performance.now() - t);
      cpu.push((used.user + used.system) / 1000);
    }
    return { wall, cpu };
  };
  const base = await time(baseline);
  const rep = await time(report);
  const baseMs = base.wall;
  const reportMs = rep.wall;
  const r = await report();
  const published = r.totals.published;
  console.log(`data: ${SITES} sites, ${DOCS} documents, ${deliveries} deliveries (setup ${(setupMs / 1000).toFixed(1)} s, not timed)`);
  console.log(`report totals: published ${published}, updated ${r.totals.updated}, withdrawn ${r.totals.withdrawn}, timeliness count ${r.totals.timeliness.count}, median ${r.totals.timeliness.medianHours} h, late ${r.lateCount}`);
  console.log(`baseline  SELECT count(*) FROM "Delivery": median ${median(baseMs).toFixed(1)} ms  (runs: ${baseMs.map((x) => x.toFixed(0)).join(", ")})`);
  console.log(`yearly report, all sites:                 median ${median(reportMs).toFixed(1)} ms  (runs: ${reportMs.map((x) => x.toFixed(0)).join(", ")})`);
  console.log(`cpu time (this process): baseline ${median(base.cpu).toFixed(1)} ms, report ${median(rep.cpu).toFixed(1)} ms`);
  console.log(`ratio report / baseline: ${(median(reportMs) / median(baseMs)).toFixed(1)}× wall, ${(median(rep.cpu) / median(base.cpu)).toFixed(1)}× cpu`);
  const ok = median(reportMs) <= TARGET_MS;
  console.log(`target ≤ ${TARGET_MS} ms on PGlite: ${ok ? "met" : "NOT met"}; load: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const expected = Number((await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM "Delivery" WHERE event = 'document.published' AND "publishedAt" < '2026-12-31T17:00:00'`)).rows[0]!.n);
  if (published !== expected) throw new Error(`expected ${expected} publications, the report says ${published}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
