// The publication report for the editorial board (admins and clerks): JSON,
// CSV or XLSX over Vietnam calendar days. Figures: docs/reports.md.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { buildReport, calendarOf, monthsOf, parsePeriod, PeriodError, reportCsv, reportXlsx, UnknownSiteError, type PublicationReport } from "../reports/index.ts";
import { error, json, security } from "./common.ts";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD (Vietnam calendar day)");
const timeliness = z
  .object({ count: z.number(), medianHours: z.number().nullable(), p90Hours: z.number().nullable(), withinOneWorkingDay: z.number().nullable() })
  .openapi("ReportTimeliness", { description: "working hours from issue (signing time, else issue date) to the site's first having the document" });
const breakdown = timeliness.extend({ key: z.string().nullable() }).openapi("ReportBreakdown");

export const reportView = z
  .object({
    from: z.string(), to: z.string(), site: z.string().nullable(),
    calendar: z.object({ dayStart: z.string(), dayEnd: z.string(), hoursPerDay: z.number(), lateAfterHours: z.number() }),
    sites: z.array(z.object({
      site: z.string(), name: z.string(),
      sections: z.array(z.object({ section: z.string(), name: z.string(), itemKind: z.enum(["document", "procedure"]), published: z.number(), updated: z.number(), withdrawn: z.number() })),
      timeliness,
    })),
    totals: z.object({ published: z.number(), updated: z.number(), withdrawn: z.number(), timeliness }),
    byDocType: z.array(breakdown),
    byIssuer: z.array(breakdown),
    monthly: z.array(z.object({ month: z.string(), site: z.string(), published: z.number() })),
    trend: z.array(z.object({ month: z.string(), published: z.number(), timeliness })),
    histogram: z.array(z.object({ fromHours: z.number(), toHours: z.number().nullable(), count: z.number() })),
    late: z.array(z.object({
      site: z.string(), documentId: z.string(), number: z.string(), title: z.string(), issuer: z.string(), docType: z.string().nullable(),
      issuedAt: z.string(), basis: z.enum(["signing-time", "issue-date"]), publishedAt: z.string(), hours: z.number(),
      sourceLagHours: z.number(), reviewHours: z.number(), deliveryHours: z.number(), attempts: z.number(), heldUpAt: z.enum(["source", "review", "delivery"]),
    })),
    lateCount: z.number(),
  })
  .openapi("PublicationReport");

export const reportQuery = z.object({
  from: day.openapi({ example: "2026-01-01" }),
  to: day.openapi({ example: "2026-06-30", description: "last day, included" }),
  site: z.string().max(100).optional().openapi({ description: "one site id; all sites when omitted" }),
  format: z.enum(["json", "csv", "xlsx"]).default("json"),
  lang: z.enum(["vi", "en"]).default("vi").openapi({ description: "labels of CSV/XLSX" }),
});

/** The report for a request, or the HTTP error it deserves. */
export async function reportFor(ctx: HubContext, q: { from: string; to: string; site?: string | undefined }): Promise<PublicationReport> {
  let period;
  try {
    period = parsePeriod(q.from, q.to);
  } catch (e) {
    if (e instanceof PeriodError) throw new HTTPException(400, { message: e.message });
    throw e;
  }
  try {
    return await buildReport(ctx.db, {
      period, site: q.site ?? null, calendar: calendarOf(ctx.config), lateAfterHours: ctx.config.reports.lateAfterHours, months: monthsOf(period),
    });
  } catch (e) {
    if (e instanceof UnknownSiteError) throw new HTTPException(404, { message: e.message });
    throw e;
  }
}

export function reportFileName(r: PublicationReport, ext: string): string {
  return `bao-cao-dang-tai_${r.from}_${r.to}${r.site ? `_${r.site}` : ""}.${ext}`;
}

export function reportRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  app.use("/api/v1/reports/*", requireRole("admin", "clerk"));

  app.openapi(
    createRoute({
      method: "get", path: "/api/v1/reports/publication", tags: ["reports"], security,
      summary: "What was published where, and how fast: per site and section, timeliness in working hours, by type and issuer, late documents",
      request: { query: reportQuery },
      responses: {
        200: {
          description: "the report (JSON), or the same tables as CSV or XLSX",
          content: {
            "application/json": { schema: reportView },
            "text/csv": { schema: z.string() },
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { schema: z.string().openapi({ format: "binary" }) },
          },
        },
        400: json(error, "bad period or parameters"),
        404: json(error, "no such site"),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const report = await reportFor(ctx, q);
      if (q.format === "csv") {
        return c.body(reportCsv(report, q.lang), 200, {
          "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${reportFileName(report, "csv")}"`,
        }) as never;
      }
      if (q.format === "xlsx") {
        const bytes = await reportXlsx(report, q.lang);
        return c.body(new Uint8Array(bytes), 200, {
          "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "content-disposition": `attachment; filename="${reportFileName(report, "xlsx")}"`,
        }) as never;
      }
      return c.json(report, 200);
    },
  );
  return app;
}
