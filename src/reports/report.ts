// The publication report: the database's aggregates (query.ts) named and
// rounded into the API's shape. Sites and sections come from the tables, so a
// section with nothing published still shows its zeros.

import type { Database } from "../db/index.ts";
import type { WorkingCalendar } from "./calendar.ts";
import type { Period } from "./period.ts";
import { HISTOGRAM_EDGES_DAYS, queryReport, type TimelinessRow } from "./query.ts";

export interface Timeliness {
  count: number;
  medianHours: number | null;
  p90Hours: number | null;
  /** Share (0..1) reaching the site within one working day; null when none. */
  withinOneWorkingDay: number | null;
}

export interface SectionFigures { section: string; name: string; itemKind: "document" | "procedure"; published: number; updated: number; withdrawn: number }
export interface SiteReport { site: string; name: string; sections: SectionFigures[]; timeliness: Timeliness }
export interface Breakdown extends Timeliness { key: string | null }
export type HeldUpAt = "source" | "review" | "delivery";
export interface LateDocument {
  site: string; documentId: string; number: string; title: string; issuer: string; docType: string | null;
  /** The moment timeliness counts from, and whether it is a signing time (else the issue date). */
  issuedAt: string; basis: "signing-time" | "issue-date";
  publishedAt: string; hours: number;
  /** Working hours before the hub had it, waiting for review, and from release to the site having it. */
  sourceLagHours: number; reviewHours: number; deliveryHours: number;
  attempts: number; heldUpAt: HeldUpAt;
}

export interface PublicationReport {
  from: string;
  to: string;
  site: string | null;
  calendar: { dayStart: string; dayEnd: string; hoursPerDay: number; lateAfterHours: number };
  sites: SiteReport[];
  totals: { published: number; updated: number; withdrawn: number; timeliness: Timeliness };
  byDocType: Breakdown[];
  byIssuer: Breakdown[];
  /** Publications per Vietnam month per site (every month of the period, zeros included). */
  monthly: { month: string; site: string; published: number }[];
  /** Every month of the period: publications (all sites) and timeliness. */
  trend: { month: string; published: number; timeliness: Timeliness }[];
  /** Working-hour buckets [fromHours, toHours); toHours null = open. */
  histogram: { fromHours: number; toHours: number | null; count: number }[];
  late: LateDocument[];
  lateCount: number;
}

export class UnknownSiteError extends Error {}

const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const hours = (minutes: number) => Math.round((minutes / 60) * 10) / 10;

function timeliness(t: TimelinessRow | undefined): Timeliness {
  if (!t || t.count === 0) return { count: 0, medianHours: null, p90Hours: null, withinOneWorkingDay: null };
  return {
    count: t.count,
    medianHours: round1(t.median === null ? null : t.median / 60),
    p90Hours: round1(t.p90 === null ? null : t.p90 / 60),
    withinOneWorkingDay: t.within === null ? null : Math.round(t.within * 1000) / 1000,
  };
}

export async function buildReport(
  db: Pick<Database, "sql" | "prisma">,
  options: { period: Period; site: string | null; calendar: WorkingCalendar; lateAfterHours: number; lateLimit?: number; months: string[] },
): Promise<PublicationReport> {
  const sites = await db.prisma.site.findMany({
    where: options.site ? { id: options.site } : {},
    include: { sections: { orderBy: { slug: "asc" } } },
    orderBy: { id: "asc" },
  });
  if (options.site && sites.length === 0) throw new UnknownSiteError(`no site "${options.site}"`);
  const raw = await queryReport(db, {
    period: options.period, site: options.site, calendar: options.calendar, lateAfterHours: options.lateAfterHours, lateLimit: options.lateLimit ?? 200,
  });
  const bySection = new Map(raw.sections.map((s) => [s.sectionId, s]));
  const bySite = new Map(raw.timeliness.map((t) => [t.siteId, t]));
  const siteReports: SiteReport[] = sites.map((site) => ({
    site: site.id,
    name: site.name,
    sections: site.sections.map((sec) => {
      const f = bySection.get(sec.id);
      return { section: sec.slug, name: sec.name, itemKind: sec.itemKind, published: f?.published ?? 0, updated: f?.updated ?? 0, withdrawn: f?.withdrawn ?? 0 };
    }),
    timeliness: timeliness(bySite.get(site.id)),
  }));
  const sum = (k: "published" | "updated" | "withdrawn") => siteReports.reduce((n, s) => n + s.sections.reduce((m, x) => m + x[k], 0), 0);
  const monthCounts = new Map(raw.monthly.map((m) => [`${m.siteId}|${m.month}`, m.published]));
  const day = options.calendar.dayMinutes / 60;
  const edges = HISTOGRAM_EDGES_DAYS.map((d) => Math.round(d * day * 100) / 100);
  const counts = new Map(raw.histogram.map((h) => [h.bucket, h.count]));
  return {
    from: options.period.from,
    to: options.period.to,
    site: options.site,
    calendar: { dayStart: options.calendar.config.dayStart, dayEnd: options.calendar.config.dayEnd, hoursPerDay: day, lateAfterHours: options.lateAfterHours },
    sites: siteReports,
    totals: { published: sum("published"), updated: sum("updated"), withdrawn: sum("withdrawn"), timeliness: timeliness(raw.total) },
    byDocType: raw.byDocType.map((b) => ({ key: b.key, ...timeliness(b) })),
    byIssuer: raw.byIssuer.map((b) => ({ key: b.key, ...timeliness(b) })),
    monthly: options.months.flatMap((month) => siteReports.map((s) => ({ month, site: s.site, published: monthCounts.get(`${s.site}|${month}`) ?? 0 }))),
    trend: options.months.map((month) => ({
      month,
      published: raw.monthly.filter((m) => m.month === month).reduce((n, m) => n + m.published, 0),
      timeliness: timeliness(raw.byMonth.find((b) => b.key === month)),
    })),
    histogram: [0, ...edges].map((from, i) => ({ fromHours: from, toHours: edges[i] ?? null, count: counts.get(i) ?? 0 })),
    late: raw.late.map((l) => {
      const parts: [HeldUpAt, number][] = [["source", l.source], ["review", l.review], ["delivery", l.delivery]];
      const heldUpAt = parts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
      return {
        site: l.siteId, documentId: l.itemId, number: l.number, title: l.title, issuer: l.issuer, docType: l.docType,
        issuedAt: new Date(l.issuedMs).toISOString(), basis: l.signed ? "signing-time" : "issue-date",
        publishedAt: new Date(l.publishedMs).toISOString(), hours: hours(l.minutes),
        sourceLagHours: hours(l.source), reviewHours: hours(l.review), deliveryHours: hours(l.delivery), attempts: l.attempts, heldUpAt,
      };
    }),
    lateCount: raw.lateCount,
  };
}
