// The dashboard: source health, deliveries per site, the review queue size.

import type { FC } from "hono/jsx";
import { formatDuration, tr, type T } from "../i18n.ts";
import { Badge, Csrf, Layout, Table, tone, When, type View } from "../layout.tsx";
import { DELIVERY_STATES, type Dashboard } from "../../operator/data.ts";
import { SiteTargetNote } from "./site-target.tsx";
import { BarChart } from "./report-charts.tsx";
import type { DashboardTrend } from "../../reports/index.ts";

/** This month's publications and timeliness, and the twelve months' trend (src/reports/trend.ts). */
const PublicationTrend: FC<{ view: View; trend: DashboardTrend }> = ({ view, trend }) => {
  const { t } = view;
  const c = trend.current;
  const label = (m: string) => `${m.slice(5)}/${m.slice(2, 4)}`;
  return (
    <section id="publication-trend">
      <h2><a href="/console/reports">{t("dash.thisMonth")}</a></h2>
      <section class="cards">
        <div class="card stat" id="this-month-published"><span class="big">{String(c.published)}</span><span>{t("rep.published")}</span></div>
        <div class="card stat"><span class="big">{c.timeliness.medianHours === null ? "—" : String(c.timeliness.medianHours)}</span><span>{t("rep.median")}</span></div>
        <div class="card stat"><span class="big">{c.timeliness.withinOneWorkingDay === null ? "—" : `${Math.round(c.timeliness.withinOneWorkingDay * 100)}%`}</span><span>{t("rep.within")}</span></div>
      </section>
      <BarChart id="trend-published" title={`${t("rep.published")} · ${t("dash.trend")}`} height={160}
        bars={trend.months.map((m) => ({ label: label(m.month), value: m.published }))} />
      <BarChart id="trend-median" title={`${t("rep.median")} · ${t("dash.trend")}`} height={160}
        bars={trend.months.map((m) => ({ label: label(m.month), value: m.timeliness.medianHours ?? 0 }))} />
    </section>
  );
};

const RunCounts: FC<{ t: T; counts: Record<string, number> }> = ({ t, counts }) => (
  <span class="chips">
    {Object.entries(counts).map(([status, n]) => (
      <Badge tone={tone(status)}>{`${tr(t, "status", status)} ${n}`}</Badge>
    ))}
  </span>
);

export const DashboardPage: FC<{ view: View; data: Dashboard; trend?: DashboardTrend | null }> = ({ view, data, trend }) => {
  const { t, lang } = view;
  return (
    <Layout view={view} title={t("dash.title")}>
      <section class="cards">
        <a class="card stat" href="/console/review" id="review-queue">
          <span class="big">{String(data.reviewQueue)}</span>
          <span>{t("dash.reviewQueue")}</span>
          <small class="muted">{t("dash.reviewQueueHint")}</small>
        </a>
        {data.sites.map((s) => (
          <a class="card stat" href={`/console/deliveries?site=${encodeURIComponent(s.id)}`}>
            <span class="big">{String((s.states.pending ?? 0) + (s.states.failed ?? 0) + (s.states.sending ?? 0))}</span>
            <span>{`${t("state.pending")} · ${s.name}`}</span>
            <small>
              {(s.states.dead ?? 0) > 0 ? <Badge tone="bad">{`${t("state.dead")}: ${s.states.dead}`}</Badge> : null}{" "}
              {(s.states.held ?? 0) > 0 ? <Badge tone="warn">{`${t("state.held")}: ${s.states.held}`}</Badge> : null}
            </small>
          </a>
        ))}
      </section>

      <h2>{t("dash.sources")}</h2>
      <Table head={[t("common.source"), t("common.state"), t("dash.lastSuccess"), t("dash.lag"), t("dash.failures"), t("dash.lastError"), t("dash.recentRuns"), t("dash.failedItems"), t("common.actions")]} id="sources">
        {data.sources.map((s) => (
          <tr data-source={s.id}>
            <td data-label={t("common.source")}>
              <a href={`/console/runs?source=${encodeURIComponent(s.id)}`}><strong>{s.name}</strong></a>
              <br />
              <small class="muted">{`${s.id} · ${s.connector}`}</small>
            </td>
            <td data-label={t("common.state")}><Badge tone={tone(s.health)}>{tr(t, "dash", s.health)}</Badge></td>
            <td data-label={t("dash.lastSuccess")}><When view={view} at={s.lastSuccessAt} /></td>
            <td data-label={t("dash.lag")}>{formatDuration(lang, s.lagSeconds)}</td>
            <td data-label={t("dash.failures")} class="num">{String(s.consecutiveFailures)}</td>
            <td data-label={t("dash.lastError")} class="wrap">
              {s.lastError ? (
                <span title={s.lastError}>
                  <When view={view} at={s.lastErrorAt} />: {s.lastError.slice(0, 160)}
                </span>
              ) : (
                <span class="muted">{t("common.none")}</span>
              )}
            </td>
            <td data-label={t("dash.recentRuns")}>
              <RunCounts t={t} counts={s.recentRuns} />
              {s.running ? (
                <>
                  {" "}
                  <a href={`/console/runs/${s.running.id}`}>{tr(t, "status", s.running.status)}…</a>
                </>
              ) : null}
            </td>
            <td data-label={t("dash.failedItems")} class="num">
              {String(s.failedItems.waiting)}
              {s.failedItems.gaveUp ? <small class="bad">{` (+${s.failedItems.gaveUp} ${t("dash.gaveUp")})`}</small> : null}
            </td>
            <td data-label={t("common.actions")}>
              {s.enabled ? (
                <form method="post" action={`/console/sources/${encodeURIComponent(s.id)}/runs`} class="inline">
                  <Csrf view={view} />
                  <input type="hidden" name="trigger" value="manual" />
                  <button type="submit" class="small" data-resync={s.id}>{t("dash.resync")}</button>
                </form>
              ) : null}
            </td>
          </tr>
        ))}
      </Table>

      {trend ? <PublicationTrend view={view} trend={trend} /> : null}

      <h2>{t("dash.sites")}</h2>
      <Table head={[t("common.site"), ...DELIVERY_STATES.map((s) => tr(t, "state", s))]} id="sites">
        {data.sites.map((s) => (
          <tr>
            <td data-label={t("common.site")}>
              <a href={`/console/deliveries?site=${encodeURIComponent(s.id)}`}>{s.name}</a>
              {s.disabledReason ? <><br /><small class="bad">{s.disabledReason}</small></> : null}
              <SiteTargetNote view={view} site={s} />
            </td>
            {DELIVERY_STATES.map((state) => (
              <td data-label={tr(t, "state", state)} class="num">
                {(s.states[state] ?? 0) > 0 ? <a href={`/console/deliveries?site=${encodeURIComponent(s.id)}&state=${state}`}>{String(s.states[state])}</a> : <span class="muted">0</span>}
              </td>
            ))}
          </tr>
        ))}
      </Table>
    </Layout>
  );
};
