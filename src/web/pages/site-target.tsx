// A push site as a delivery target: its connector, whether the hub can push
// to it (and if not, why: the configuration problem or the CMS's own
// refusal), its sections, and the "check connection" action with the
// result of the last check, line by line in the target's own words.

import type { FC } from "hono/jsx";
import type { HubContext } from "../../hub/context.ts";
import { tr } from "../i18n.ts";
import { Badge, Csrf, Layout, Table, tone, When, type View } from "../layout.tsx";

export interface SiteTargetView {
  id: string;
  name: string;
  mode: string;
  connector: string;
  enabled: boolean;
  disabledReason: string | null;
  stoppedReason: string | null;
  stoppedKind: string | null;
  stoppedAt: Date | null;
  sections: { slug: string; name: string; itemKind: string }[];
  states: Record<string, number>;
  lastCheck: { at: Date; actor: string; ok: boolean; resumed: boolean; checks: { name: string; ok: boolean; message: string }[] } | null;
}

export async function siteTargetView(ctx: Pick<HubContext, "db">, siteId: string): Promise<SiteTargetView | null> {
  const prisma = ctx.db.prisma;
  const site = await prisma.site.findUnique({ where: { id: siteId }, include: { sections: { orderBy: { slug: "asc" } } } });
  if (!site) return null;
  const [counts, check] = await Promise.all([
    prisma.delivery.groupBy({ by: ["state"], where: { siteId }, _count: { _all: true } }),
    prisma.auditEvent.findFirst({ where: { targetType: "site", targetId: siteId, action: "site.check" }, orderBy: { at: "desc" } }),
  ]);
  const details = (check?.details ?? {}) as { ok?: boolean; resumed?: boolean; checks?: { name: string; ok: boolean; message: string }[] };
  return {
    id: site.id, name: site.name, mode: site.mode, connector: site.connector, enabled: site.enabled,
    disabledReason: site.disabledReason, stoppedReason: site.stoppedReason, stoppedKind: site.stoppedKind, stoppedAt: site.stoppedAt,
    sections: site.sections.map((s) => ({ slug: s.slug, name: s.name, itemKind: s.itemKind })),
    states: Object.fromEntries(counts.map((c) => [c.state, c._count._all])),
    lastCheck: check ? { at: check.at, actor: check.actor, ok: details.ok === true, resumed: details.resumed === true, checks: details.checks ?? [] } : null,
  };
}

/** The dashboard's line under a site's name: its connector, and why it is stopped. */
export const SiteTargetNote: FC<{ view: View; site: { id: string; connector: string; stoppedReason: string | null; stoppedKind: string | null } }> = ({ view, site }) => (
  <>
    <br />
    <small class="muted">{`${view.t("site.connector")}: ${site.connector}`} · <a href={`/console/sites/${encodeURIComponent(site.id)}`} data-site-view={site.id}>{view.t("site.check")}</a></small>
    {site.stoppedReason ? <><br /><small class="bad" data-stopped={site.id}>{`${view.t("site.stopped")}: ${site.stoppedReason}`}</small></> : null}
  </>
);

export const SiteTargetPage: FC<{ view: View; site: SiteTargetView }> = ({ view, site }) => {
  const t = view.t;
  return (
    <Layout view={view} title={site.name}>
      <p>
        {`${t("site.connector")}: `}<strong>{site.connector}</strong>{` · ${site.mode}`}
      </p>
      {site.stoppedReason ? (
        <div class="flash error" role="alert" id="site-stopped">
          <p><strong>{t("site.stopped")}</strong>{site.stoppedAt ? <> (<When view={view} at={site.stoppedAt} />)</> : null}</p>
          <p>{site.stoppedReason}</p>
          <p>{t(site.stoppedKind === "unauthorized" ? "site.stoppedUnauthorized" : "site.stoppedConfiguration")}</p>
        </div>
      ) : site.disabledReason ? (
        <p class="flash error" role="alert">{site.disabledReason}</p>
      ) : (
        <p><Badge tone="ok">{t("site.running")}</Badge></p>
      )}
      {site.mode === "push" ? (
        <form method="post" action={`/console/sites/${encodeURIComponent(site.id)}/check`} class="inline">
          <Csrf view={view} />
          <button type="submit" data-check={site.id}>{t("site.check")}</button>
        </form>
      ) : null}
      {site.lastCheck ? (
        <section id="last-check">
          <h2>{`${t("site.lastCheck")}: `}<Badge tone={site.lastCheck.ok ? "ok" : "bad"}>{t(site.lastCheck.ok ? "site.checkOk" : "site.checkFailed")}</Badge></h2>
          <p class="muted"><When view={view} at={site.lastCheck.at} />{` · ${site.lastCheck.actor}`}</p>
          {site.lastCheck.resumed ? <p class="flash ok">{t("site.resumed")}</p> : null}
          <ul>
            {site.lastCheck.checks.map((c) => (
              <li class={c.ok ? "" : "bad"}><strong>{c.name}</strong>{`: ${c.message}`}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <h2>{t("site.sections")}</h2>
      <ul>{site.sections.map((s) => <li>{`${s.name} (${s.slug}, ${s.itemKind})`}</li>)}</ul>
      <h2>{t("site.deliveries")}</h2>
      <Table head={Object.keys(site.states).map((s) => tr(t, "state", s))}>
        <tr>
          {Object.entries(site.states).map(([state, n]) => (
            <td class="num"><a href={`/console/deliveries?site=${encodeURIComponent(site.id)}&state=${state}`}><Badge tone={tone(state)}>{String(n)}</Badge></a></td>
          ))}
        </tr>
      </Table>
    </Layout>
  );
};
