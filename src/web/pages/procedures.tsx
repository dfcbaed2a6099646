// Administrative procedure search.

import type { FC } from "hono/jsx";
import { tr } from "../i18n.ts";
import { Badge, Layout, Pager, Table, tone, type View } from "../layout.tsx";
import type { searchProcedures } from "../../operator/data.ts";
import { SearchForm } from "./components.tsx";

export const ProceduresPage: FC<{ view: View; q: string | undefined; result: Awaited<ReturnType<typeof searchProcedures>> }> = ({ view, q, result }) => {
  const { t } = view;
  return (
    <Layout view={view} title={t("proc.title")}>
      <SearchForm view={view} action="/console/procedures" q={q} placeholder={t("doc.search")} />
      <Table head={[t("proc.code"), t("proc.name"), t("doc.field"), t("proc.level"), t("doc.status")]} id="procedures">
        {result.rows.map((p) => (
          <tr>
            <td data-label={t("proc.code")}><a href={`/console/procedures/${p.id}`}><code>{p.code}</code></a></td>
            <td data-label={t("proc.name")} class="wrap">{p.name}</td>
            <td data-label={t("doc.field")}>{p.field ?? ""}</td>
            <td data-label={t("proc.level")}>{p.level ?? ""}</td>
            <td data-label={t("doc.status")}><Badge tone={tone(p.status)}>{tr(t, "proc.status", p.status)}</Badge></td>
          </tr>
        ))}
      </Table>
      {result.rows.length === 0 ? <p class="muted">{t("common.empty")}</p> : null}
      <Pager view={view} page={result.page} pageSize={result.pageSize} total={result.total} base="/console/procedures" params={{ q }} />
    </Layout>
  );
};
