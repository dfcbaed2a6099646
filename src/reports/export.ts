// The report as files: CSV (UTF-8 with a byte-order mark, so spreadsheet
// programs read Vietnamese correctly) and XLSX (exceljs), one sheet per table.
// Labels in Vietnamese by default, English on request; figures identical to
// the JSON answer.

import ExcelJS from "exceljs";
import type { PublicationReport } from "./report.ts";

export type ExportLang = "vi" | "en";

const LABELS = {
  vi: {
    site: "Trang", siteName: "Tên trang", section: "Chuyên mục", sectionName: "Tên chuyên mục", kind: "Loại", published: "Đăng mới", updated: "Cập nhật", withdrawn: "Thu hồi/thay thế/bãi bỏ",
    count: "Số văn bản", median: "Trung vị (giờ làm việc)", p90: "P90 (giờ làm việc)", within: "Tỷ lệ trong 1 ngày làm việc",
    docType: "Loại văn bản", issuer: "Cơ quan ban hành", month: "Tháng", number: "Số ký hiệu", title: "Trích yếu", issuedAt: "Ban hành lúc", basis: "Căn cứ",
    publishedAt: "Đăng lúc", hours: "Giờ làm việc", source: "Chờ nguồn (giờ)", review: "Chờ duyệt (giờ)", delivery: "Gửi lỗi/chậm (giờ)", attempts: "Số lần gửi", heldUpAt: "Chậm ở",
    row: "Bảng", sheets: ["Chuyên mục", "Kịp thời", "Loại văn bản", "Cơ quan ban hành", "Theo tháng", "Văn bản chậm"],
    heldUp: { source: "nguồn", review: "chờ duyệt", delivery: "gửi đi" }, basisOf: { "signing-time": "thời điểm ký", "issue-date": "ngày ban hành" },
  },
  en: {
    site: "Site", siteName: "Site name", section: "Section", sectionName: "Section name", kind: "Kind", published: "Published", updated: "Updated", withdrawn: "Withdrawn/replaced/abolished",
    count: "Documents", median: "Median (working hours)", p90: "P90 (working hours)", within: "Share within 1 working day",
    docType: "Document type", issuer: "Issuing agency", month: "Month", number: "Number", title: "Title", issuedAt: "Issued at", basis: "Basis",
    publishedAt: "Published at", hours: "Working hours", source: "Source lag (h)", review: "Review (h)", delivery: "Delivery (h)", attempts: "Attempts", heldUpAt: "Held up at",
    row: "Table", sheets: ["Sections", "Timeliness", "Document types", "Issuers", "Monthly", "Late documents"],
    heldUp: { source: "source", review: "review queue", delivery: "delivery" }, basisOf: { "signing-time": "signing time", "issue-date": "issue date" },
  },
} as const;

type Cell = string | number | null;

/** Every table of the report as rows (header first), shared by CSV and XLSX. */
export function reportTables(r: PublicationReport, lang: ExportLang = "vi"): { name: string; rows: Cell[][] }[] {
  const L = LABELS[lang];
  const t = (x: { count: number; medianHours: number | null; p90Hours: number | null; withinOneWorkingDay: number | null }) => [x.count, x.medianHours, x.p90Hours, x.withinOneWorkingDay];
  const tHead = [L.count, L.median, L.p90, L.within];
  return [
    { name: L.sheets[0], rows: [[L.site, L.siteName, L.section, L.sectionName, L.kind, L.published, L.updated, L.withdrawn],
      ...r.sites.flatMap((s) => s.sections.map((x) => [s.site, s.name, x.section, x.name, x.itemKind, x.published, x.updated, x.withdrawn]))] },
    { name: L.sheets[1], rows: [[L.site, L.siteName, ...tHead], ...r.sites.map((s) => [s.site, s.name, ...t(s.timeliness)])] },
    { name: L.sheets[2], rows: [[L.docType, ...tHead], ...r.byDocType.map((b) => [b.key, ...t(b)])] },
    { name: L.sheets[3], rows: [[L.issuer, ...tHead], ...r.byIssuer.map((b) => [b.key, ...t(b)])] },
    { name: L.sheets[4], rows: [[L.month, L.site, L.published], ...r.monthly.map((m) => [m.month, m.site, m.published])] },
    { name: L.sheets[5], rows: [[L.site, L.number, L.title, L.issuer, L.issuedAt, L.basis, L.publishedAt, L.hours, L.source, L.review, L.delivery, L.attempts, L.heldUpAt],
      ...r.late.map((l) => [l.site, l.number, l.title, l.issuer, l.issuedAt, L.basisOf[l.basis], l.publishedAt, l.hours, l.sourceLagHours, l.reviewHours, l.deliveryHours, l.attempts, L.heldUp[l.heldUpAt]])] },
  ];
}

function csvCell(v: Cell): string {
  if (v === null) return "";
  const s = String(v);
  // Quote separators and quotes; a leading =,+,-,@ would be a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(s) && typeof v === "string" ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV with every table, each preceded by its name and separated by a blank line. */
export function reportCsv(r: PublicationReport, lang: ExportLang = "vi"): string {
  const blocks = reportTables(r, lang).map((table) => [[table.name], ...table.rows].map((row) => row.map(csvCell).join(",")).join("\r\n"));
  return `\uFEFF${blocks.join("\r\n\r\n")}\r\n`;
}

export async function reportXlsx(r: PublicationReport, lang: ExportLang = "vi"): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = "portalsync";
  book.title = lang === "vi" ? `Báo cáo đăng tải ${r.from} – ${r.to}` : `Publication report ${r.from} – ${r.to}`;
  for (const table of reportTables(r, lang)) {
    const sheet = book.addWorksheet(table.name);
    for (const row of table.rows) sheet.addRow(row);
    sheet.getRow(1).font = { bold: true };
    sheet.views = [{ state: "frozen", ySplit: 1 }];
    sheet.columns.forEach((c) => { c.width = 16; });
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}
