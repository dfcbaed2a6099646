// Deliveries by site and state, with replay.

import type { FC } from "hono/jsx";
import { tr } from "../i18n.ts";
import { Badge, Csrf, Layout, Table, tone, When, type View } from "../layout.tsx";
import { DELIVERY_STATES, deliveryItemLabel, type listDeliveries } from "../../operator/data.ts";

export const DeliveriesPage: FC<{
  view: View; sites: { id: string; name: string }[]; site?: string | undefined; state?: string | undefined;
  /** The keyset cursor this page started before (null: the newest page). */
  before: bigint | null;
  result: Awaited<ReturnType<typeof listDeliveries>>;
}> = ({ view, sites, site, state, before, result }) => {
  const { t } = view;
  const replayable = new Set(["dead", "failed", "delivered"]);
  return (
    <Layout view={view} title={t("deliv.title")}>
      <form method="get" action="/console/deliveries" class="filters">
        <label>
          {t("common.site")}
          <select name="site">
            <option value="">{t("common.all")}</option>
            {sites.map((s) => <option value={s.id} selected={s.id === site}>{s.name}</option>)}
          </select>
        </label>
        <label>
          {t("common.state")}
          <select name="state">
            <option value="">{t("common.all")}</option>
            {DELIVERY_STATES.map((s) => <option value={s} selected={s === state}>{tr(t, "state", s)}</option>)}
          </select>
        </label>
        <button type="submit">{t("common.filter")}</button>
      </form>
      <form method="post" action="/console/deliveries/replay" id="replay-form">
        <Csrf view={view} />
        <div class="toolbar">
          <button type="submit" data-confirm="?">{t("deliv.replaySelected")}</button>
        </div>
        <Table head={[<input type="checkbox" data-select-all="ids" aria-label={t("common.all")} />, t("review.item"), t("common.site"), t("review.event"), t("common.state"), t("deliv.attempts"), t("deliv.lastError"), t("deliv.deliveredAt"), t("common.actions")]} id="deliveries">
          {result.rows.map((d) => {
            const label = deliveryItemLabel(d);
            return (
              <tr data-delivery={d.id} data-state={d.state}>
                <td>{replayable.has(d.state) ? <input type="checkbox" name="ids" value={d.id} aria-label={t("deliv.replay")} /> : null}</td>
                <td data-label={t("review.item")} class="wrap"><a href={label.href}>{label.label}</a>{label.version ? <small class="muted">{` v${label.version}`}</small> : null}</td>
                <td data-label={t("common.site")}>{`${d.siteId} / ${d.section.slug}`}</td>
                <td data-label={t("review.event")}><code>{d.event}</code></td>
                <td data-label={t("common.state")}><Badge tone={tone(d.state)}>{tr(t, "state", d.state)}</Badge></td>
                <td data-label={t("deliv.attempts")} class="num">{String(d.attempts)}</td>
                <td data-label={t("deliv.lastError")} class="wrap">{d.lastError ? <span class="bad">{`${d.lastStatus ?? ""} ${d.lastError.slice(0, 160)}`}</span> : ""}</td>
                <td data-label={t("deliv.deliveredAt")}><When view={view} at={d.deliveredAt} /></td>
                <td data-label={t("common.actions")}>
                  {replayable.has(d.state) ? <button type="submit" class="small" formaction={`/console/deliveries/${d.id}/replay`}>{t("deliv.replay")}</button> : null}
                  {d.state === "held" ? <a href="/console/review">{t("nav.review")}</a> : null}
                </td>
              </tr>
            );
          })}
        </Table>
      </form>
      {result.rows.length === 0 ? <p class="muted">{t("common.empty")}</p> : null}
      <DeliveryPager view={view} site={site} state={state} before={before} next={result.next} />
    </Layout>
  );
};

/** Newest first, page by page (keyset on seq): to the newest page, and to older rows. */
const DeliveryPager: FC<{ view: View; site?: string | undefined; state?: string | undefined; before: bigint | null; next: bigint | null }> = ({ view, site, state, before, next }) => {
  if (before === null && next === null) return null;
  const href = (cursor: bigint | null) => {
    const q = new URLSearchParams();
    if (site) q.set("site", site);
    if (state) q.set("state", state);
    if (cursor !== null) q.set("before", cursor.toString());
    const query = q.toString();
    return `/console/deliveries${query ? `?${query}` : ""}`;
  };
  return (
    <nav class="pager">
      {before !== null ? <a href={href(null)}>{view.t("common.newest")}</a> : null}
      {next !== null ? <a href={href(next)} rel="next">{view.t("common.next")}</a> : null}
    </nav>
  );
};
