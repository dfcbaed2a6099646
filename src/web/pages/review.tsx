// The review queue: approve or reject held deliveries; republish rejected ones.

import type { FC } from "hono/jsx";
import { tr } from "../i18n.ts";
import { Badge, Csrf, Layout, Table, tone, type View } from "../layout.tsx";
import { deliveryItemLabel, type reviewQueue } from "../../operator/data.ts";

type ReviewRow = Awaited<ReturnType<typeof reviewQueue>>["held"][number];

export const ReviewPage: FC<{ view: View; queue: Awaited<ReturnType<typeof reviewQueue>> }> = ({ view, queue }) => {
  const { t } = view;
  const item = (d: ReviewRow) => deliveryItemLabel(d);
  return (
    <Layout view={view} title={t("review.title")}>
      <p class="muted">{t("review.hint")}</p>
      <Table head={[t("review.item"), t("common.site"), t("review.event"), t("doc.signature"), t("review.note"), t("common.actions")]} id="review">
        {queue.held.map((d) => {
          const label = item(d);
          return (
            <tr data-delivery={d.id} data-item={d.itemId}>
              <td data-label={t("review.item")} class="wrap"><a href={label.href}>{label.label}</a>{label.version ? <small class="muted">{` v${label.version}`}</small> : null}</td>
              <td data-label={t("common.site")}>{`${d.siteId} / ${d.section.name}`}</td>
              <td data-label={t("review.event")}><code>{d.event}</code></td>
              <td data-label={t("doc.signature")}>{d.documentVersion ? <Badge tone={tone(d.documentVersion.signatureStatus)}>{tr(t, "sig", d.documentVersion.signatureStatus)}</Badge> : null}</td>
              <td data-label={t("review.note")} class="wrap">{d.reviewNote ?? ""}</td>
              <td data-label={t("common.actions")} class="actions">
                <form method="post" action={`/console/deliveries/${d.id}/approve`} class="inline">
                  <Csrf view={view} />
                  <button type="submit" class="primary small" data-approve={d.id}>{t("review.approve")}</button>
                </form>
                <form method="post" action={`/console/deliveries/${d.id}/reject`} class="inline reject">
                  <Csrf view={view} />
                  <input name="reason" required placeholder={t("review.reason")} aria-label={t("review.reason")} />
                  <button type="submit" class="danger small">{t("review.reject")}</button>
                </form>
              </td>
            </tr>
          );
        })}
      </Table>
      {queue.held.length === 0 ? <p class="muted">{t("common.empty")}</p> : null}
      {queue.rejected.length ? (
        <>
          <h2>{t("review.rejected")}</h2>
          <Table head={[t("review.item"), t("common.site"), t("review.note"), t("common.actions")]}>
            {queue.rejected.map((d) => {
              const label = item(d);
              return (
                <tr data-delivery={d.id}>
                  <td data-label={t("review.item")} class="wrap"><a href={label.href}>{label.label}</a></td>
                  <td data-label={t("common.site")}>{`${d.siteId} / ${d.section.name}`}</td>
                  <td data-label={t("review.note")} class="wrap">{`${d.reviewNote ?? ""}${d.reviewedBy ? ` (${d.reviewedBy})` : ""}`}</td>
                  <td data-label={t("common.actions")}>
                    <form method="post" action={`/console/deliveries/${d.id}/republish`} class="inline">
                      <Csrf view={view} />
                      <button type="submit" class="small">{t("review.republish")}</button>
                    </form>
                  </td>
                </tr>
              );
            })}
          </Table>
        </>
      ) : null}
    </Layout>
  );
};
