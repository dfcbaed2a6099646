// API tokens (admin); a new token's secret is shown once.

import type { FC } from "hono/jsx";
import { tr } from "../i18n.ts";
import { Badge, Csrf, Layout, Table, When, type View } from "../layout.tsx";

export const TokensPage: FC<{
  view: View; newToken: string | null; sites: { id: string; name: string }[];
  tokens: { id: string; name: string; role: string; siteId: string | null; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null; expiresAt: Date | null }[];
}> = ({ view, tokens, sites, newToken }) => {
  const { t } = view;
  return (
    <Layout view={view} title={t("tokens.title")}>
      <p class="muted">{t("tokens.hint")}</p>
      {newToken ? (
        <div class="flash ok" role="status">
          <p>{t("tokens.shownOnce")}</p>
          <code class="secret" id="new-token">{newToken}</code>
        </div>
      ) : null}
      <Table head={[t("tokens.name"), t("common.role"), t("common.site"), t("tokens.created"), t("tokens.lastUsed"), t("common.actions")]} id="tokens">
        {tokens.map((k) => (
          <tr class={k.revokedAt ? "revoked" : undefined}>
            <td data-label={t("tokens.name")}>{k.name}</td>
            <td data-label={t("common.role")}>{tr(t, "role", k.role)}</td>
            <td data-label={t("common.site")}>{k.siteId ?? ""}</td>
            <td data-label={t("tokens.created")}><When view={view} at={k.createdAt} /></td>
            <td data-label={t("tokens.lastUsed")}><When view={view} at={k.lastUsedAt} /></td>
            <td data-label={t("common.actions")}>
              {k.revokedAt ? (
                <Badge tone="muted">{t("tokens.revoked")}</Badge>
              ) : (
                <form method="post" action={`/console/tokens/${k.id}/revoke`} class="inline">
                  <Csrf view={view} />
                  <button type="submit" class="danger small" data-confirm="?">{t("tokens.revoke")}</button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <h2>{t("tokens.new")}</h2>
      <form method="post" action="/console/tokens" class="card grid-form">
        <Csrf view={view} />
        <label>{t("tokens.name")}<input name="name" required /></label>
        <label>
          {t("common.role")}
          <select name="role">
            <option value="site">{t("role.site")}</option>
            <option value="clerk">{t("role.clerk")}</option>
            <option value="admin">{t("role.admin")}</option>
          </select>
        </label>
        <label>
          {t("tokens.site")}
          <select name="site">
            <option value="">{t("common.none")}</option>
            {sites.map((s) => <option value={s.id}>{s.name}</option>)}
          </select>
        </label>
        <div><button type="submit" class="primary">{t("common.create")}</button></div>
      </form>
    </Layout>
  );
};
