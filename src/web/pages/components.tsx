// Pieces several console pages share: run counts, the search form, where an
// item was delivered, file sizes.

import type { FC } from "hono/jsx";
import { tr, type T } from "../i18n.ts";
import { Badge, Table, tone, When, type View } from "../layout.tsx";

export type Awaited2<F extends (...a: any) => any> = NonNullable<Awaited<ReturnType<F>>>;

export const COUNT_KEYS = ["seen", "created", "updated", "duplicate", "rejected", "failed"] as const;

export interface RunRow {
  id: string; sourceId: string; trigger: string; requestedBy: string; status: string;
  seen: number; created: number; updated: number; duplicate: number; rejected: number; failed: number;
  windowFrom: Date | null; windowTo: Date | null; itemRef: string | null; error: string | null;
  progress: unknown; createdAt: Date; startedAt: Date | null; finishedAt: Date | null;
}

export const Counts: FC<{ t: T; run: RunRow }> = ({ t, run }) => (
  <span class="counts" data-counts>
    {COUNT_KEYS.map((k) => (
      <span class={run[k] && (k === "failed" || k === "rejected") ? "bad" : undefined}>
        <b data-count={k}>{String(run[k])}</b> {t(`run.${k}`)}{" "}
      </span>
    ))}
  </span>
);

export const SearchForm: FC<{ view: View; action: string; q: string | undefined; placeholder: string }> = ({ view, action, q, placeholder }) => (
  <form method="get" action={action} class="search" role="search">
    <input type="search" name="q" value={q ?? ""} placeholder={placeholder} aria-label={placeholder} />
    <button type="submit">{view.t("common.search")}</button>
  </form>
);

export type DeliveryLite = { id: string; siteId: string; section: { name: string; slug: string }; event: string; state: string; deliveredAt: Date | null; lastError: string | null; reviewNote: string | null };

export const DeliveredTo: FC<{ view: View; deliveries: DeliveryLite[] }> = ({ view, deliveries }) => {
  const { t } = view;
  if (deliveries.length === 0) return <p class="muted">{t("common.empty")}</p>;
  return (
    <Table head={[t("common.site"), t("review.section"), t("review.event"), t("common.state"), t("deliv.deliveredAt")]} class="compact">
      {deliveries.map((d) => (
        <tr data-delivery={d.id}>
          <td data-label={t("common.site")}><a href={`/console/deliveries?site=${encodeURIComponent(d.siteId)}`}>{d.siteId}</a></td>
          <td data-label={t("review.section")}>{d.section.name}</td>
          <td data-label={t("review.event")}><code>{d.event}</code></td>
          <td data-label={t("common.state")}>
            <Badge tone={tone(d.state)}>{tr(t, "state", d.state)}</Badge>
            {d.reviewNote ? <small class="muted">{` ${d.reviewNote}`}</small> : null}
            {d.lastError && d.state !== "delivered" ? <small class="bad">{` ${d.lastError.slice(0, 120)}`}</small> : null}
          </td>
          <td data-label={t("deliv.deliveredAt")}>{d.deliveredAt ? <When view={view} at={d.deliveredAt} /> : <span class="muted">{t("common.none")}</span>}</td>
        </tr>
      ))}
    </Table>
  );
};

export const fileSize = (n: bigint | number) => {
  const v = Number(n);
  return v >= 1048576 ? `${(v / 1048576).toFixed(1)} MB` : v >= 1024 ? `${Math.round(v / 1024)} KB` : `${v} B`;
};
