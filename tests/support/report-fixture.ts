// Documents, procedures and deliveries at known moments, written straight
// into a hub's database, for the publication report's tests: the report
// reads only what delivery recorded (createdAt, releasedAt, reviewedBy,
// attempts, publishedAt), so these rows are what a real run leaves behind.

import { createHash, randomUUID } from "node:crypto";
import type { Prisma } from "../../src/db/index.ts";

export const REPORT_SITES = [
  { id: "tinh", name: "Cổng thông tin điện tử tỉnh", mode: "pull", sections: [
    { slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành" },
    { slug: "van-ban-phap-luat", name: "Văn bản quy phạm pháp luật" },
    { slug: "tthc", name: "Thủ tục hành chính", itemKind: "procedure" },
  ] },
  { id: "huyen", name: "Trang thông tin huyện Bình Sơn", mode: "pull", publishMode: "review", sections: [{ slug: "van-ban", name: "Văn bản" }] },
];

const vn = (s: string) => new Date(`${s}+07:00`);

export interface SeedDoc { key: string; number: string; docType: string; issuer: string; issuedDate: string; signedAt?: string }

export async function seedDocument(prisma: Prisma, d: SeedDoc): Promise<{ id: string; versionId: string }> {
  const doc = await prisma.document.create({
    data: {
      identityKey: `${d.key}|${d.issuer}|${d.issuedDate}`, numberKey: d.key, number: d.number, docType: d.docType, title: `Trích yếu ${d.number}`,
      issuerName: d.issuer, issuedDate: new Date(`${d.issuedDate}T00:00:00Z`), isPublic: true,
    },
  });
  const version = await prisma.documentVersion.create({
    data: { documentId: doc.id, version: 1, contentHash: createHash("sha256").update(d.key).digest("hex"), metadata: {}, signatureStatus: d.signedAt ? "valid" : "unsigned" },
  });
  const sha = createHash("sha256").update(`file ${d.key}`).digest("hex");
  await prisma.blob.create({ data: { sha256: sha, size: 1000n, mime: "application/pdf" } });
  await prisma.fileAttachment.create({ data: { blobSha256: sha, name: `${d.key}.pdf`, role: "main", documentVersionId: version.id } });
  if (d.signedAt) {
    // Two signatures: the leader's, then the office's seal at issuance (the later one counts).
    const leader = new Date(vn(d.signedAt).getTime() - 3600_000).toISOString();
    await prisma.signatureReport.create({
      data: { blobSha256: sha, policyKey: "test", status: "valid", report: { signatures: [{ signingTime: leader }, { signingTime: vn(d.signedAt).toISOString() }, { signingTime: null }] } },
    });
  }
  return { id: doc.id, versionId: version.id };
}

export interface SeedDelivery {
  site: string; section: string; itemKind?: "document" | "procedure"; itemId: string; versionId: string | null; event: string;
  createdAt: string; publishedAt?: string; releasedAt?: string; reviewedBy?: string; attempts?: number; state?: "delivered" | "held" | "pending";
}

export async function seedDelivery(prisma: Prisma, d: SeedDelivery): Promise<string> {
  const section = await prisma.section.findUniqueOrThrow({ where: { siteId_slug: { siteId: d.site, slug: d.section } } });
  const kind = d.itemKind ?? "document";
  const row = await prisma.delivery.create({
    data: {
      siteId: d.site, sectionId: section.id, itemKind: kind, itemId: d.itemId, event: d.event, dedupKey: randomUUID(),
      documentVersionId: kind === "document" ? d.versionId : null, procedureVersionId: kind === "procedure" ? d.versionId : null,
      state: d.state ?? (d.publishedAt ? "delivered" : "held"), attempts: d.attempts ?? (d.publishedAt ? 1 : 0),
      createdAt: vn(d.createdAt), deliveredAt: d.publishedAt ? vn(d.publishedAt) : null, publishedAt: d.publishedAt ? vn(d.publishedAt) : null,
      releasedAt: d.releasedAt ? vn(d.releasedAt) : null, reviewedBy: d.reviewedBy ?? null,
    },
  });
  return row.id;
}

/**
 * The scenario of tests/integration/reports.test.ts (figures worked out by
 * hand there): March 2026, a weekend, 30 April-style gaps, a document held
 * for review, one still held, one late from its source, boundaries of the
 * Vietnam day.
 */
export async function seedMarch2026(prisma: Prisma): Promise<void> {
  const d1 = await seedDocument(prisma, { key: "d1", number: "101/QĐ-UBND", docType: "Quyết định", issuer: "UBND tỉnh", issuedDate: "2026-03-04", signedAt: "2026-03-04T09:00:00" });
  const d2 = await seedDocument(prisma, { key: "d2", number: "55/SNV-VP", docType: "Công văn", issuer: "Sở Nội vụ", issuedDate: "2026-03-06" });
  const d3 = await seedDocument(prisma, { key: "d3", number: "77/QĐ-UBND", docType: "Quyết định", issuer: "UBND tỉnh", issuedDate: "2026-02-25", signedAt: "2026-02-25T16:00:00" });
  const d4 = await seedDocument(prisma, { key: "d4", number: "12/QĐ-UBND", docType: "Quyết định", issuer: "UBND tỉnh", issuedDate: "2026-02-10" });
  const d5 = await seedDocument(prisma, { key: "d5", number: "9/TB-SNV", docType: "Thông báo", issuer: "Sở Nội vụ", issuedDate: "2026-03-31" });
  const d6 = await seedDocument(prisma, { key: "d6", number: "10/TB-SNV", docType: "Thông báo", issuer: "Sở Nội vụ", issuedDate: "2026-03-31" });
  const VB = "van-ban-chi-dao-dieu-hanh";
  const doc = (x: { id: string; versionId: string }) => ({ itemId: x.id, versionId: x.versionId });
  // d1: on the province portal in 2.5 working hours; two later versions (one "updated").
  await seedDelivery(prisma, { site: "tinh", section: VB, ...doc(d1), event: "document.published", createdAt: "2026-03-04T09:30:00", publishedAt: "2026-03-04T11:30:00" });
  await seedDelivery(prisma, { site: "tinh", section: VB, ...doc(d1), event: "document.updated", createdAt: "2026-03-10T09:00:00", publishedAt: "2026-03-10T09:01:00" });
  await seedDelivery(prisma, { site: "tinh", section: VB, ...doc(d1), event: "document.updated", createdAt: "2026-03-12T09:00:00", publishedAt: "2026-03-12T09:01:00" });
  // d1 on the district page: held for review over a weekend, approved Monday 10:00, had 10:30 (30 working hours).
  await seedDelivery(prisma, { site: "huyen", section: "van-ban", ...doc(d1), event: "document.published", createdAt: "2026-03-04T09:30:00", reviewedBy: "clerk", releasedAt: "2026-03-09T10:00:00", publishedAt: "2026-03-09T10:30:00" });
  // d2: issued Friday (no signature: 07:30 counts), two failed attempts, had Monday 08:30 (10.5 h).
  await seedDelivery(prisma, { site: "tinh", section: "van-ban-phap-luat", ...doc(d2), event: "document.published", createdAt: "2026-03-06T10:00:00", attempts: 3, publishedAt: "2026-03-09T08:30:00" });
  // d3: signed 25 February 16:00, reached the hub only on 16 March (source lag), had 08:10 (6940 working minutes).
  await seedDelivery(prisma, { site: "tinh", section: VB, ...doc(d3), event: "document.published", createdAt: "2026-03-16T08:00:00", publishedAt: "2026-03-16T08:10:00" });
  // d4: published in February, withdrawn in March.
  await seedDelivery(prisma, { site: "tinh", section: VB, ...doc(d4), event: "document.published", createdAt: "2026-02-20T09:00:00", publishedAt: "2026-02-20T09:05:00" });
  await seedDelivery(prisma, { site: "tinh", section: VB, ...doc(d4), event: "document.withdrawn", createdAt: "2026-03-20T09:00:00", publishedAt: "2026-03-20T09:05:00" });
  // d5: had 23:30 on the last day (9.5 h, exactly one working day); still held at the district page.
  await seedDelivery(prisma, { site: "tinh", section: VB, ...doc(d5), event: "document.published", createdAt: "2026-03-31T23:00:00", publishedAt: "2026-03-31T23:30:00" });
  await seedDelivery(prisma, { site: "huyen", section: "van-ban", ...doc(d5), event: "document.published", createdAt: "2026-03-31T23:00:00" });
  // d6: had 00:30 on 1 April, Vietnam time (still 31 March in UTC): outside March.
  await seedDelivery(prisma, { site: "tinh", section: "van-ban-phap-luat", ...doc(d6), event: "document.published", createdAt: "2026-03-31T23:00:00", publishedAt: "2026-04-01T00:30:00" });
  // A procedure published and abolished in March.
  const proc = await prisma.procedure.create({ data: { code: "1.001193.000.00.00.H55", name: "Đăng ký khai sinh" } });
  const pv = await prisma.procedureVersion.create({ data: { procedureId: proc.id, version: 1, contentHash: "p1", data: {} } });
  const p = { itemKind: "procedure" as const, itemId: proc.id, versionId: pv.id };
  await seedDelivery(prisma, { site: "tinh", section: "tthc", ...p, event: "procedure.published", createdAt: "2026-03-05T09:00:00", publishedAt: "2026-03-05T09:10:00" });
  await seedDelivery(prisma, { site: "tinh", section: "tthc", ...p, event: "procedure.abolished", createdAt: "2026-03-25T09:00:00", publishedAt: "2026-03-25T09:10:00" });
}
