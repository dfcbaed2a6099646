// One run: live progress, counts and per-item outcomes.

import type { FC } from "hono/jsx";
import { formatDate, tr } from "../i18n.ts";
import { Badge, Layout, Table, tone, When, type View } from "../layout.tsx";
import { Counts, type RunRow } from "./components.tsx";

export const RunPage: FC<{
  view: View; run: RunRow; sourceName: string;
  items: { externalId: string; outcome: string; message: string | null; itemKind: string | null; itemId: string | null; version: number | null }[];
}> = ({ view, run, sourceName, items }) => {
  const { t } = view;
  const live = run.status === "queued" || run.status === "running";
  const progress = (run.progress ?? {}) as { processed?: number; total?: number; page?: number; pages?: number };
  const pct = progress.total ? Math.min(100, Math.round(((progress.processed ?? 0) / progress.total) * 100)) : null;
  return (
    <Layout view={view} title={`${t("run.title")}: ${sourceName}`}>
      <section class="card" id="run" data-run-id={run.id} data-live={live ? "1" : undefined}
        data-status-labels={JSON.stringify(Object.fromEntries(["queued", "running", "succeeded", "partial", "failed", "interrupted", "cancelled"].map((s) => [s, tr(t, "status", s)])))}>
        <dl class="facts">
          <dt>{t("run.status")}</dt>
          <dd><Badge tone={tone(run.status)}><span data-status={run.status} id="run-status">{tr(t, "status", run.status)}</span></Badge>{live ? <small class="muted live"> {t("run.live")}</small> : null}</dd>
          <dt>{t("run.trigger")}</dt>
          <dd>{tr(t, "trigger", run.trigger)}{run.windowFrom ? ` · ${formatDate(view.lang, run.windowFrom)} → ${formatDate(view.lang, run.windowTo)}` : ""}{run.itemRef ? ` · ${run.itemRef}` : ""}</dd>
          <dt>{t("run.requestedBy")}</dt>
          <dd>{run.requestedBy}</dd>
          <dt>{t("run.started")}</dt>
          <dd><When view={view} at={run.startedAt} /></dd>
          <dt>{t("run.finished")}</dt>
          <dd id="run-finished"><When view={view} at={run.finishedAt} /></dd>
          <dt>{t("run.counts")}</dt>
          <dd><Counts t={t} run={run} /></dd>
          <dt>{t("run.progress")}</dt>
          <dd>
            <progress id="run-progress" max={100} value={pct ?? (live ? undefined : 100)}></progress>{" "}
            <span id="run-progress-text">{progress.total ? `${progress.processed ?? 0} / ${progress.total}` : ""}</span>
          </dd>
          {run.error ? (
            <>
              <dt>{t("run.error")}</dt>
              <dd class="bad wrap">{run.error}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <h2>{t("run.items")}</h2>
      <Table head={[t("run.externalId"), t("run.outcome"), t("run.item"), t("run.message")]} id="run-items">
        {items.map((i) => (
          <tr>
            <td data-label={t("run.externalId")}><code>{i.externalId}</code></td>
            <td data-label={t("run.outcome")}><Badge tone={i.outcome === "failed" ? "bad" : i.outcome === "rejected" ? "warn" : i.outcome === "duplicate" ? "muted" : "ok"}>{tr(t, "outcome", i.outcome)}</Badge></td>
            <td data-label={t("run.item")}>
              {i.itemId ? <a href={`/console/${i.itemKind === "procedure" ? "procedures" : "documents"}/${i.itemId}`}>{i.version ? `v${i.version}` : t("common.details")}</a> : <span class="muted">{t("common.none")}</span>}
            </td>
            <td data-label={t("run.message")} class="wrap">{i.message ?? ""}</td>
          </tr>
        ))}
      </Table>
      {items.length === 0 ? <p class="muted">{t("common.empty")}</p> : null}
    </Layout>
  );
};
