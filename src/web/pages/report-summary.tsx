// The report's tables (sites and sections, timeliness, break-downs) and the
// printable annex laid out like the "Phiếu cung cấp thông tin" of an editorial
// board's report: Nội dung | Có | Không | Số lượng.

import type { FC } from "hono/jsx";
import { formatDate, type Lang, type T } from "../i18n.ts";
import { Table } from "../layout.tsx";
import type { Breakdown, PublicationReport, Timeliness } from "../../reports/index.ts";

const pct = (x: number | null) => (x === null ? "—" : `${Math.round(x * 1000) / 10}%`);
const hrs = (x: number | null) => (x === null ? "—" : String(x));

export const TimelinessCells: FC<{ t: T; tl: Timeliness }> = ({ t, tl }) => (
  <>
    <td data-label={t("rep.count")} class="num">{String(tl.count)}</td>
    <td data-label={t("rep.median")} class="num">{hrs(tl.medianHours)}</td>
    <td data-label={t("rep.p90")} class="num">{hrs(tl.p90Hours)}</td>
    <td data-label={t("rep.within")} class="num">{pct(tl.withinOneWorkingDay)}</td>
  </>
);

export const SectionsTable: FC<{ t: T; report: PublicationReport }> = ({ t, report }) => (
  <Table id="report-sections" head={[t("common.site"), t("rep.section"), t("rep.published"), t("rep.updated"), t("rep.withdrawn")]}>
    {report.sites.flatMap((s) =>
      s.sections.map((x, i) => (
        <tr data-site={s.site} data-section={x.section}>
          <td data-label={t("common.site")}>{i === 0 ? <strong>{s.name}</strong> : null}</td>
          <td data-label={t("rep.section")}>{x.name}</td>
          <td data-label={t("rep.published")} class="num" data-k="published">{String(x.published)}</td>
          <td data-label={t("rep.updated")} class="num" data-k="updated">{String(x.updated)}</td>
          <td data-label={t("rep.withdrawn")} class="num" data-k="withdrawn">{String(x.withdrawn)}</td>
        </tr>
      )),
    )}
    <tr class="total">
      <td colspan={2}><strong>{t("rep.total")}</strong></td>
      <td class="num" id="total-published"><strong>{String(report.totals.published)}</strong></td>
      <td class="num"><strong>{String(report.totals.updated)}</strong></td>
      <td class="num"><strong>{String(report.totals.withdrawn)}</strong></td>
    </tr>
  </Table>
);

export const TimelinessTable: FC<{ t: T; report: PublicationReport }> = ({ t, report }) => (
  <Table id="report-timeliness" head={[t("common.site"), t("rep.count"), t("rep.median"), t("rep.p90"), t("rep.within")]}>
    {report.sites.map((s) => (
      <tr data-site={s.site}>
        <td data-label={t("common.site")}>{s.name}</td>
        <TimelinessCells t={t} tl={s.timeliness} />
      </tr>
    ))}
    <tr class="total">
      <td><strong>{t("rep.total")}</strong></td>
      <TimelinessCells t={t} tl={report.totals.timeliness} />
    </tr>
  </Table>
);

export const BreakdownTable: FC<{ t: T; rows: Breakdown[]; label: string; id: string }> = ({ t, rows, label, id }) => (
  <Table id={id} head={[label, t("rep.count"), t("rep.median"), t("rep.p90"), t("rep.within")]}>
    {rows.map((b) => (
      <tr>
        <td data-label={label}>{b.key ?? t("rep.noType")}</td>
        <TimelinessCells t={t} tl={b} />
      </tr>
    ))}
  </Table>
);

/** The annex rows: one per section name (summed over the chosen sites), then updates, withdrawals, on time, late. */
export function annexRows(t: T, r: PublicationReport): { content: string; quantity: number }[] {
  const bySection = new Map<string, number>();
  for (const s of r.sites) for (const x of s.sections) bySection.set(x.name, (bySection.get(x.name) ?? 0) + x.published);
  const tl = r.totals.timeliness;
  const onTime = tl.withinOneWorkingDay === null ? 0 : Math.round(tl.withinOneWorkingDay * tl.count);
  return [
    ...[...bySection].map(([section, n]) => ({ content: t("rep.annexSection", { section }), quantity: n })),
    { content: t("rep.annexUpdated"), quantity: r.totals.updated },
    { content: t("rep.annexWithdrawn"), quantity: r.totals.withdrawn },
    { content: t("rep.annexOnTime"), quantity: onTime },
    { content: t("rep.annexLate", { hours: r.calendar.lateAfterHours }), quantity: r.lateCount },
  ];
}

export const AnnexTable: FC<{ t: T; lang: Lang; report: PublicationReport }> = ({ t, lang, report }) => (
  <section class="annex">
    <h1>{t("rep.annexTitle")}</h1>
    <p class="sub">{t("rep.annexSubtitle")}</p>
    <p class="sub">{t("rep.range", { from: formatDate(lang, `${report.from}T00:00:00Z`), to: formatDate(lang, `${report.to}T00:00:00Z`) })}</p>
    <p class="sub">{t("rep.annexSites", { sites: report.sites.map((s) => s.name).join(", ") })}</p>
    <table id="annex">
      <thead>
        <tr><th>TT</th><th>{t("rep.content")}</th><th>{t("rep.yes")}</th><th>{t("rep.no")}</th><th>{t("rep.quantity")}</th></tr>
      </thead>
      <tbody>
        {annexRows(t, report).map((row, i) => (
          <tr>
            <td class="num">{String(i + 1)}</td>
            <td>{row.content}</td>
            <td class="mark">{row.quantity > 0 ? "x" : ""}</td>
            <td class="mark">{row.quantity > 0 ? "" : "x"}</td>
            <td class="num">{String(row.quantity)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </section>
);
