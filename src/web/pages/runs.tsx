// Sync runs: start one (manual, backfill, single item) and the list.

import type { FC } from "hono/jsx";
import { formatDate, tr } from "../i18n.ts";
import { Badge, Csrf, Layout, Table, tone, When, type View } from "../layout.tsx";
import { Counts, type RunRow } from "./components.tsx";

export const RunsPage: FC<{ view: View; runs: RunRow[]; sources: { id: string; name: string; enabled: boolean }[]; source?: string | undefined; error?: string | null }> = ({ view, runs, sources, source, error }) => {
  const { t } = view;
  return (
    <Layout view={view} title={t("run.title")}>
      <details class="card" open={!!error || undefined} id="new-run">
        <summary><strong>{t("run.new")}</strong></summary>
        <p class="muted">{t("run.newHint")}</p>
        {error ? <p class="flash error" role="alert">{error}</p> : null}
        <form method="post" action="/console/runs" class="grid-form" data-run-form>
          <Csrf view={view} />
          <label>
            {t("common.source")}
            <select name="source" required>
              {sources.filter((s) => s.enabled).map((s) => <option value={s.id} selected={s.id === source}>{s.name}</option>)}
            </select>
          </label>
          <fieldset>
            <legend>{t("run.trigger")}</legend>
            <label class="radio"><input type="radio" name="trigger" value="manual" checked /> {t("run.kind.manual")}</label>
            <label class="radio"><input type="radio" name="trigger" value="backfill" /> {t("run.kind.backfill")}</label>
            <label class="radio"><input type="radio" name="trigger" value="single" /> {t("run.kind.single")}</label>
          </fieldset>
          <label data-for="backfill">{t("run.from")}<input type="date" name="from" /></label>
          <label data-for="backfill">{t("run.to")}<input type="date" name="to" /></label>
          <label data-for="single">{t("run.itemRef")}<input name="itemRef" /></label>
          <div><button type="submit" class="primary">{t("run.submit")}</button></div>
        </form>
      </details>

      <form method="get" action="/console/runs" class="filters">
        <label>
          {t("common.source")}
          <select name="source">
            <option value="">{t("common.all")}</option>
            {sources.map((s) => <option value={s.id} selected={s.id === source}>{s.name}</option>)}
          </select>
        </label>
        <button type="submit">{t("common.filter")}</button>
      </form>

      <Table head={[t("common.when"), t("common.source"), t("run.trigger"), t("run.requestedBy"), t("run.status"), t("run.counts")]} id="runs">
        {runs.map((r) => (
          <tr data-run={r.id}>
            <td data-label={t("common.when")}><a href={`/console/runs/${r.id}`}><When view={view} at={r.createdAt} /></a></td>
            <td data-label={t("common.source")}>{r.sourceId}</td>
            <td data-label={t("run.trigger")}>
              {tr(t, "trigger", r.trigger)}
              {r.windowFrom ? <small class="muted">{` ${formatDate(view.lang, r.windowFrom)} → ${formatDate(view.lang, r.windowTo)}`}</small> : null}
              {r.itemRef ? <small class="muted">{` ${r.itemRef}`}</small> : null}
            </td>
            <td data-label={t("run.requestedBy")}>{r.requestedBy}</td>
            <td data-label={t("run.status")}><Badge tone={tone(r.status)}>{tr(t, "status", r.status)}</Badge></td>
            <td data-label={t("run.counts")}><Counts t={t} run={r} /></td>
          </tr>
        ))}
      </Table>
      {runs.length === 0 ? <p class="muted">{t("common.empty")}</p> : null}
    </Layout>
  );
};
