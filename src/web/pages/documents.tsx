// Document search (with or without diacritics).

import type { FC } from "hono/jsx";
import { formatDate, tr } from "../i18n.ts";
import { Badge, Layout, Pager, Table, tone, type View } from "../layout.tsx";
import type { searchDocuments } from "../../operator/data.ts";
import { SearchForm } from "./components.tsx";

export const DocumentsPage: FC<{ view: View; q: string | undefined; result: Awaited<ReturnType<typeof searchDocuments>> }> = ({ view, q, result }) => {
  const { t, lang } = view;
  return (
    <Layout view={view} title={t("doc.title")}>
      <SearchForm view={view} action="/console/documents" q={q} placeholder={t("doc.search")} />
      <Table head={[t("doc.number"), t("doc.summary"), t("doc.issuer"), t("doc.issued"), t("doc.status"), t("doc.signature")]} id="documents">
        {result.rows.map((d) => (
          <tr>
            <td data-label={t("doc.number")}><a href={`/console/documents/${d.id}`}><strong>{d.number}</strong></a></td>
            <td data-label={t("doc.summary")} class="wrap">{d.title}</td>
            <td data-label={t("doc.issuer")}>{d.issuerName}</td>
            <td data-label={t("doc.issued")}>{formatDate(lang, d.issuedDate)}</td>
            <td data-label={t("doc.status")}><Badge tone={tone(d.status)}>{tr(t, "doc.status", d.status)}</Badge></td>
            <td data-label={t("doc.signature")}>{d.signatureStatus ? <Badge tone={tone(d.signatureStatus)}>{tr(t, "sig", d.signatureStatus)}</Badge> : null}</td>
          </tr>
        ))}
      </Table>
      {result.rows.length === 0 ? <p class="muted">{t("common.empty")}</p> : null}
      <Pager view={view} page={result.page} pageSize={result.pageSize} total={result.total} base="/console/documents" params={{ q }} />
    </Layout>
  );
};
