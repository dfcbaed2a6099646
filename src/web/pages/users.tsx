// Console users (admin).

import type { FC } from "hono/jsx";
import { tr } from "../i18n.ts";
import { Badge, Csrf, Layout, Table, type View } from "../layout.tsx";

export const UsersPage: FC<{
  view: View; users: { id: string; username: string; displayName: string; role: string; disabled: boolean; createdAt: Date }[];
}> = ({ view, users }) => {
  const { t } = view;
  return (
    <Layout view={view} title={t("users.title")}>
      <Table head={[t("users.username"), t("users.displayName"), t("common.role"), t("common.state"), t("common.actions")]} id="users">
        {users.map((u) => (
          <tr>
            <td data-label={t("users.username")}><code>{u.username}</code></td>
            <td data-label={t("users.displayName")}>{u.displayName}</td>
            <td data-label={t("common.role")}>{tr(t, "role", u.role)}</td>
            <td data-label={t("common.state")}>{u.disabled ? <Badge tone="muted">{t("users.disabled")}</Badge> : <Badge tone="ok">OK</Badge>}</td>
            <td data-label={t("common.actions")} class="actions">
              {u.id !== view.user?.id ? (
                <form method="post" action={`/console/users/${u.id}`} class="inline">
                  <Csrf view={view} />
                  <input type="hidden" name="disabled" value={u.disabled ? "false" : "true"} />
                  <button type="submit" class="small">{u.disabled ? t("users.enable") : t("users.disable")}</button>
                </form>
              ) : null}
              <form method="post" action={`/console/users/${u.id}`} class="inline">
                <Csrf view={view} />
                <input name="password" type="password" minlength={10} required autocomplete="new-password" placeholder={t("users.resetPassword")} aria-label={t("users.resetPassword")} />
                <button type="submit" class="small">{t("common.save")}</button>
              </form>
            </td>
          </tr>
        ))}
      </Table>
      <h2>{t("users.new")}</h2>
      <form method="post" action="/console/users" class="card grid-form">
        <Csrf view={view} />
        <label>{t("users.username")}<input name="username" required pattern="[a-z0-9][a-z0-9._\-]{1,39}" /></label>
        <label>{t("users.displayName")}<input name="displayName" required /></label>
        <label>{t("users.password")}<input name="password" type="password" minlength={10} required autocomplete="new-password" /></label>
        <label>
          {t("common.role")}
          <select name="role"><option value="clerk">{t("role.clerk")}</option><option value="admin">{t("role.admin")}</option></select>
        </label>
        <div><button type="submit" class="primary">{t("common.create")}</button></div>
      </form>
    </Layout>
  );
};
