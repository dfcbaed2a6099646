// The audit log.

import type { FC } from "hono/jsx";
import { Layout, Pager, Table, When, type View } from "../layout.tsx";

export const AuditPage: FC<{
  view: View; events: { id: string; at: Date; actor: string; action: string; targetType: string | null; targetId: string | null; details: unknown }[];
  filter: { actor?: string | undefined; action?: string | undefined }; page: number; pageSize: number; total: number;
}> = ({ view, events, filter, page, pageSize, total }) => {
  const { t } = view;
  return (
    <Layout view={view} title={t("audit.title")}>
      <form method="get" action="/console/audit" class="filters">
        <label>{t("audit.actor")}<input name="actor" value={filter.actor ?? ""} /></label>
        <label>{t("audit.action")}<input name="action" value={filter.action ?? ""} placeholder="delivery." /></label>
        <button type="submit">{t("common.filter")}</button>
      </form>
      <Table head={[t("common.when"), t("audit.actor"), t("audit.action"), t("audit.target"), t("audit.details")]} id="audit">
        {events.map((e) => (
          <tr>
            <td data-label={t("common.when")}><When view={view} at={e.at} /></td>
            <td data-label={t("audit.actor")}>{e.actor}</td>
            <td data-label={t("audit.action")}><code>{e.action}</code></td>
            <td data-label={t("audit.target")}>{e.targetType ? `${e.targetType}: ${e.targetId ?? ""}` : ""}</td>
            <td data-label={t("audit.details")} class="wrap"><code>{e.details ? JSON.stringify(e.details).slice(0, 300) : ""}</code></td>
          </tr>
        ))}
      </Table>
      <Pager view={view} page={page} pageSize={pageSize} total={total} base="/console/audit" params={filter} />
    </Layout>
  );
};
