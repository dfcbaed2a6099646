// "Báo cáo": the editorial board's publication report in the console. A plain
// GET form (period, site) so it works without script; tables, server-drawn
// charts, late documents; links to the XLSX/CSV export (the JSON API, which
// the console session authenticates) and to the printable annex.

import type { FC } from "hono/jsx";
import { formatDate, formatDateTime, tr, type T } from "../i18n.ts";
import { Layout, Table, type View } from "../layout.tsx";
import { namedPeriod, periodContaining, type PublicationReport } from "../../reports/index.ts";
import { BarChart, MonthlyChart } from "./report-charts.tsx";
import { AnnexTable, BreakdownTable, SectionsTable, TimelinessTable } from "./report-summary.tsx";

export interface ReportForm {
  /** A named period ("2026-03", "2026-Q1", "2026-H1", "2026") or "custom". */
  period: string;
  from: string;
  to: string;
  site: string;
}

/** The form's values from a query string; defaults to this month (Vietnam time). */
export function reportForm(q: Record<string, string | undefined>, now: Date): { form: ReportForm; error: string | null } {
  const period = (q.period ?? "").trim() || periodContaining("month", now);
  const site = (q.site ?? "").trim();
  if (period === "custom") return { form: { period, from: (q.from ?? "").trim(), to: (q.to ?? "").trim(), site }, error: null };
  try {
    const p = namedPeriod(period);
    return { form: { period, from: p.from, to: p.to, site }, error: null };
  } catch (e) {
    const month = namedPeriod(periodContaining("month", now));
    return { form: { period: periodContaining("month", now), from: month.from, to: month.to, site }, error: (e as Error).message };
  }
}

/** The periods offered: recent months, quarters, half-years and years. */
export function periodChoices(now: Date): { kind: "month" | "quarter" | "half" | "year"; values: string[] }[] {
  const back = (kind: "month" | "quarter" | "half" | "year", n: number, stepMonths: number) => {
    const out: string[] = [];
    const d = new Date(now);
    for (let i = 0; i < n; i++) {
      const v = periodContaining(kind, d);
      if (!out.includes(v)) out.push(v);
      d.setUTCMonth(d.getUTCMonth() - stepMonths);
    }
    return out;
  };
  return [
    { kind: "month", values: back("month", 13, 1) },
    { kind: "quarter", values: back("quarter", 8, 3) },
    { kind: "half", values: back("half", 6, 6) },
    { kind: "year", values: back("year", 5, 12) },
  ];
}

export const reportQuery = (f: ReportForm, extra: Record<string, string> = {}) =>
  new URLSearchParams({ from: f.from, to: f.to, ...(f.site ? { site: f.site } : {}), ...extra }).toString();

const ReportFormView: FC<{ view: View; form: ReportForm; sites: { id: string; name: string }[]; now: Date }> = ({ view, form, sites, now }) => {
  const { t } = view;
  return (
    <form method="get" action="/console/reports" class="card filters" id="report-form">
      <label>
        {t("rep.period")}
        <select name="period">
          {periodChoices(now).map((g) => (
            <optgroup label={tr(t, "rep", g.kind)}>
              {g.values.map((v) => <option value={v} selected={form.period === v}>{v}</option>)}
            </optgroup>
          ))}
          <option value="custom" selected={form.period === "custom"}>{t("rep.custom")}</option>
        </select>
      </label>
      <label>{t("rep.from")}<input type="date" name="from" value={form.period === "custom" ? form.from : ""} /></label>
      <label>{t("rep.to")}<input type="date" name="to" value={form.period === "custom" ? form.to : ""} /></label>
      <label>
        {t("common.site")}
        <select name="site">
          <option value="">{t("rep.allSites")}</option>
          {sites.map((s) => <option value={s.id} selected={form.site === s.id}>{s.name}</option>)}
        </select>
      </label>
      <button type="submit">{t("rep.show")}</button>
    </form>
  );
};

function histogramBars(t: T, r: PublicationReport) {
  return r.histogram.map((h) => ({ label: h.toHours === null ? `≥ ${h.fromHours}` : `< ${h.toHours}`, value: h.count, title: `${h.fromHours}–${h.toHours ?? "∞"} h: ${h.count}` }));
}

const LateTable: FC<{ view: View; report: PublicationReport }> = ({ view, report }) => {
  const { t, lang } = view;
  const names = new Map(report.sites.map((s) => [s.site, s.name]));
  return (
    <Table id="report-late" head={[t("common.site"), t("rep.number"), t("rep.issuer"), t("rep.issuedAt"), t("rep.publishedAt"), t("rep.hours"), t("rep.heldUpAt")]}>
      {report.late.map((l) => (
        <tr data-document={l.documentId} data-held={l.heldUpAt}>
          <td data-label={t("common.site")}>{names.get(l.site) ?? l.site}</td>
          <td data-label={t("rep.number")}><a href={`/console/documents/${l.documentId}`}>{l.number}</a><br /><small class="muted">{l.title.slice(0, 120)}</small></td>
          <td data-label={t("rep.issuer")}>{l.issuer}</td>
          <td data-label={t("rep.issuedAt")}>{formatDateTime(lang, l.issuedAt)}<br /><small class="muted">{tr(t, "rep.basis", l.basis)}</small></td>
          <td data-label={t("rep.publishedAt")}>{formatDateTime(lang, l.publishedAt)}</td>
          <td data-label={t("rep.hours")} class="num">{String(l.hours)}</td>
          <td data-label={t("rep.heldUpAt")}>
            <strong>{tr(t, "rep.held", l.heldUpAt)}</strong>
            <br />
            <small class="muted">{`${t("rep.held.source")} ${l.sourceLagHours} · ${t("rep.held.review")} ${l.reviewHours} · ${t("rep.held.delivery")} ${l.deliveryHours} (${l.attempts}×)`}</small>
          </td>
        </tr>
      ))}
    </Table>
  );
};

export const ReportsPage: FC<{ view: View; form: ReportForm; sites: { id: string; name: string }[]; now: Date; report: PublicationReport | null; error: string | null }> = (p) => {
  const { view, report, form } = p;
  const { t, lang } = view;
  return (
    <Layout view={view} title={t("rep.title")}>
      <h1>{t("rep.title")}</h1>
      <ReportFormView view={view} form={form} sites={p.sites} now={p.now} />
      {p.error ? <p class="flash error" role="alert" id="report-error">{p.error}</p> : null}
      {report ? (
        <>
          <p id="report-range">
            <strong>{t("rep.range", { from: formatDate(lang, `${report.from}T00:00:00Z`), to: formatDate(lang, `${report.to}T00:00:00Z`) })}</strong>
            {" · "}
            <span class="muted">{t("rep.calendar", { start: report.calendar.dayStart, end: report.calendar.dayEnd })}</span>
          </p>
          <p class="actions" id="report-exports">
            {t("rep.export")}:{" "}
            <a href={`/api/v1/reports/publication?${reportQuery(form, { format: "xlsx", lang })}`} download>XLSX</a>{" · "}
            <a href={`/api/v1/reports/publication?${reportQuery(form, { format: "csv", lang })}`} download>CSV</a>{" · "}
            <a href={`/console/reports/print?${reportQuery(form, { period: "custom" })}`} id="report-print">{t("rep.print")}</a>
          </p>
          {report.totals.published + report.totals.updated + report.totals.withdrawn === 0 ? <p class="muted">{t("rep.empty")}</p> : null}
          <h2>{t("rep.sections")}</h2>
          <SectionsTable t={t} report={report} />
          <MonthlyChart t={t} monthly={report.monthly} sites={report.sites} />
          <h2>{t("rep.timeliness")}</h2>
          <TimelinessTable t={t} report={report} />
          <BarChart id="chart-histogram" bars={histogramBars(t, report)} title={t("rep.histogram")} />
          <h2>{t("rep.byDocType")}</h2>
          <BreakdownTable t={t} rows={report.byDocType} label={t("rep.docType")} id="report-doctype" />
          <h2>{t("rep.byIssuer")}</h2>
          <BreakdownTable t={t} rows={report.byIssuer} label={t("rep.issuer")} id="report-issuer" />
          <h2 id="late-title">{t("rep.late", { hours: report.calendar.lateAfterHours, n: report.lateCount })}</h2>
          {report.late.length < report.lateCount ? <p class="muted">{t("rep.lateShown", { shown: report.late.length })}</p> : null}
          <LateTable view={view} report={report} />
        </>
      ) : null}
    </Layout>
  );
};

/** The A4 print view: the annex first, then the tables; print CSS hides the console's frame. */
export const ReportPrintPage: FC<{ view: View; form: ReportForm; report: PublicationReport }> = ({ view, form, report }) => {
  const { t, lang } = view;
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <title>{`${t("rep.annexTitle")} · ${report.from} – ${report.to}`}</title>
        <link rel="stylesheet" href="/console/static/console.css" />
      </head>
      <body class="print">
        <p class="no-print"><a href={`/console/reports?${reportQuery(form, { period: "custom" })}`}>{t("rep.back")}</a> · {t("rep.printNote")}</p>
        <AnnexTable t={t} lang={lang} report={report} />
        <h2>{t("rep.sections")}</h2>
        <SectionsTable t={t} report={report} />
        <h2>{t("rep.timeliness")}</h2>
        <TimelinessTable t={t} report={report} />
      </body>
    </html>
  );
};
