// The console's report screens (/console/reports, /console/reports/print):
// the same report as GET /api/v1/reports/publication, rendered.

import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { reportFor } from "../api/reports.ts";
import type { HubContext } from "../hub/context.ts";
import type { View } from "./layout.tsx";
import { ReportPrintPage, ReportsPage, reportForm } from "./pages/reports.tsx";
import type { PublicationReport } from "../reports/index.ts";

export function mountReportPages(app: Hono<any>, ctx: HubContext, view: (c: Context<any>) => View) {
  const load = async (c: Context<any>) => {
    const { form, error } = reportForm(c.req.query(), ctx.now());
    let report: PublicationReport | null = null;
    let problem = error;
    if (!problem) {
      try {
        report = await reportFor(ctx, { from: form.from, to: form.to, site: form.site || undefined });
      } catch (e) {
        if (!(e instanceof HTTPException)) throw e;
        problem = e.message;
      }
    }
    return { form, report, problem };
  };

  app.get("/console/reports", async (c) => {
    const { form, report, problem } = await load(c);
    const sites = await ctx.db.prisma.site.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true } });
    return c.html(<ReportsPage view={view(c)} form={form} sites={sites} now={ctx.now()} report={report} error={problem} />, problem ? 400 : 200);
  });

  app.get("/console/reports/print", async (c) => {
    const { form, report, problem } = await load(c);
    if (!report) return c.text(problem ?? "no report", 400);
    return c.html(<ReportPrintPage view={view(c)} form={form} report={report} />);
  });
}
