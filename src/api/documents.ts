// Documents: search (number, summary, issuer; diacritics optional) and one
// document with its versions, files, signature reports and deliveries.

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireRole, type AuthEnv } from "../auth/index.ts";
import type { HubContext } from "../hub/context.ts";
import { documentDetail, searchDocuments } from "../operator/data.ts";
import { deliveryBrief, deliveryOf, error, fileOf, fileView, json, pageQuery, security } from "./common.ts";

const documentSummary = z
  .object({
    id: z.string(), number: z.string(), docType: z.string().nullable(), title: z.string(), issuerName: z.string(), issuerCode: z.string().nullable(),
    issuedDate: z.string(), status: z.string(), isPublic: z.boolean(), currentVersion: z.number(), signatureStatus: z.string().nullable(),
  })
  .openapi("DocumentSummary");

const signatureView = z
  .object({ sha256: z.string(), status: z.string(), policyKey: z.string(), verifiedAt: z.string(), report: z.unknown().openapi({ description: "verify-report line (contracts/verify-report.md)" }) })
  .openapi("SignatureReportView");

const documentView = documentSummary
  .extend({
    signerName: z.string().nullable(), signerPosition: z.string().nullable(), field: z.string().nullable(),
    replacesId: z.string().nullable(),
    sources: z.array(z.object({ sourceId: z.string(), externalId: z.string() })),
    versions: z.array(z.object({ version: z.number(), createdAt: z.string(), signatureStatus: z.string(), files: z.array(fileView), signatures: z.array(signatureView), deliveries: z.array(deliveryBrief) })),
  })
  .openapi("DocumentDetail");

export function documentRoutes(ctx: HubContext) {
  const app = new OpenAPIHono<AuthEnv>();
  for (const p of ["/api/v1/documents", "/api/v1/documents/*"]) app.use(p, requireRole("admin", "clerk"));

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/documents", tags: ["documents"], summary: "Search documents (number, summary, issuer; diacritics optional)", security,
      request: { query: pageQuery }, responses: { 200: json(z.object({ total: z.number(), page: z.number(), pageSize: z.number(), documents: z.array(documentSummary) }), "documents") } }),
    async (c) => {
      const { q, page } = c.req.valid("query");
      const r = await searchDocuments(ctx, q, page);
      return c.json({
        total: r.total, page: r.page, pageSize: r.pageSize,
        documents: r.rows.map((d) => ({
          id: d.id, number: d.number, docType: d.docType, title: d.title, issuerName: d.issuerName, issuerCode: d.issuerCode,
          issuedDate: d.issuedDate.toISOString().slice(0, 10), status: d.status, isPublic: d.isPublic, currentVersion: d.currentVersion,
          signatureStatus: d.signatureStatus,
        })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/documents/{id}", tags: ["documents"], summary: "A document with versions, files, signature reports and deliveries", security,
      request: { params: z.object({ id: z.string() }) }, responses: { 200: json(documentView, "document"), 404: json(error, "not found") } }),
    async (c) => {
      const d = await documentDetail(ctx, c.req.valid("param").id);
      if (!d) return c.json({ error: "no such document" }, 404);
      return c.json({
        id: d.id, number: d.number, docType: d.docType, title: d.title, issuerName: d.issuerName, issuerCode: d.issuerCode,
        issuedDate: d.issuedDate.toISOString().slice(0, 10), status: d.status, isPublic: d.isPublic, currentVersion: d.currentVersion,
        signatureStatus: d.versions[0]?.signatureStatus ?? null, signerName: d.signerName, signerPosition: d.signerPosition, field: d.field,
        replacesId: d.replacesId, sources: d.sourceRefs.map((r) => ({ sourceId: r.sourceId, externalId: r.externalId })),
        versions: d.versions.map((v) => ({
          version: v.version, createdAt: v.createdAt.toISOString(), signatureStatus: v.signatureStatus,
          files: v.files.map(fileOf),
          signatures: v.files.flatMap((f) => f.blob.signatures.map((s) => ({ sha256: f.blobSha256, status: s.status, policyKey: s.policyKey, verifiedAt: s.verifiedAt.toISOString(), report: s.report }))),
          deliveries: v.deliveries.map(deliveryOf),
        })),
      }, 200);
    },
  );
  return app;
}
