// Alert rules, channels, active conditions and alerts sent.

import type { FC } from "hono/jsx";
import type { AlertCondition, AlertsConfig } from "../../alerts/index.ts";
import type { T } from "../i18n.ts";
import { Csrf, Layout, Table, When, type View } from "../layout.tsx";

export function conditionText(t: T, c: AlertCondition): string {
  if (c.kind === "source-failing") return t("alerts.failing", { source: c.subject, n: c.value });
  if (c.kind === "source-lagging") return t("alerts.lagging", { source: c.subject, minutes: c.value });
  if (c.kind === "site-stopped") return t("alerts.siteStopped", { site: c.subject, n: c.value, reason: c.detail ?? "" });
  if (c.kind === "sign-in-burst") return t("alerts.signInBurst", { n: c.value, from: c.detail ?? "" });
  return t("alerts.dead", { site: c.subject, n: c.value });
}

export const AlertsPage: FC<{
  view: View; config: AlertsConfig; active: AlertCondition[];
  sent: { at: Date; action: string; targetId: string | null; details: unknown }[];
}> = ({ view, config, active, sent }) => {
  const { t } = view;
  return (
    <Layout view={view} title={t("alerts.title")}>
      <section class="cards">
        <div class="card">
          <h2>{t("alerts.rules")}</h2>
          <ul>
            <li>{t("alerts.ruleFailures", { n: config.failureThreshold })}</li>
            <li>{t("alerts.ruleLag", { minutes: config.lagMinutes })}</li>
            <li>{t("alerts.ruleDead")}</li>
            <li>{t("alerts.ruleRepeat", { minutes: config.repeatMinutes })}</li>
          </ul>
        </div>
        <div class="card">
          <h2>{t("alerts.channels")}</h2>
          <ul>
            <li>{`${t("alerts.webhook")}: ${config.webhooks.length ? config.webhooks.map((w) => new URL(w.url).host).join(", ") : t("alerts.notConfigured")}`}</li>
            <li>{`${t("alerts.email")}: ${config.email?.to.length ? config.email.to.join(", ") : t("alerts.notConfigured")}`}</li>
          </ul>
          <form method="post" action="/console/alerts/check" class="inline">
            <Csrf view={view} />
            <button type="submit" class="small">{t("alerts.checkNow")}</button>
          </form>
        </div>
      </section>
      <h2>{t("alerts.active")}</h2>
      {active.length ? (
        <ul class="alerts" id="active-alerts">
          {active.map((c) => <li class={c.kind === "source-lagging" ? "warn" : "bad"}>{conditionText(t, c)}</li>)}
        </ul>
      ) : (
        <p class="muted">{t("alerts.none")}</p>
      )}
      <h2>{t("alerts.sent")}</h2>
      <Table head={[t("common.when"), t("audit.action"), t("audit.target"), t("audit.details")]}>
        {sent.map((e) => (
          <tr>
            <td data-label={t("common.when")}><When view={view} at={e.at} /></td>
            <td data-label={t("audit.action")}><code>{e.action}</code></td>
            <td data-label={t("audit.target")}>{e.targetId ?? ""}</td>
            <td data-label={t("audit.details")} class="wrap"><code>{JSON.stringify(e.details ?? {}).slice(0, 300)}</code></td>
          </tr>
        ))}
      </Table>
    </Layout>
  );
};
