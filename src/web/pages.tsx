// The console's screens. Each takes the data it shows (from data.ts) and a
// View (translator, language, user, CSRF token); none touches the database.

import type { FC } from "hono/jsx";
import type { AlertCondition, AlertsConfig } from "../alerts/index.ts";
import { formatDate, formatDuration, tr, type T } from "./i18n.ts";
import { Badge, Csrf, Layout, Pager, Table, tone, When, type View } from "./layout.tsx";
import { DELIVERY_STATES, deliveryItemLabel, type Dashboard, type documentDetail, type listDeliveries, type procedureDetail, type reviewQueue, type searchDocuments, type searchProcedures } from "./data.ts";
import { explainReport } from "./signature.ts";
import { SiteTargetNote } from "./pages/site-target.tsx";

type Awaited2<F extends (...a: any) => any> = NonNullable<Awaited<ReturnType<F>>>;

const COUNT_KEYS = ["seen", "created", "updated", "duplicate", "rejected", "failed"] as const;

// ─── Sign-in ─────────────────────────────────────────────────────────────────

export const LoginPage: FC<{ view: View; next: string; failed: boolean; username?: string }> = ({ view, next, failed, username }) => (
  <Layout view={view} title={view.t("login.title")}>
    <form method="post" action="/console/login" class="card narrow stack">
      <Csrf view={view} />
      <input type="hidden" name="next" value={next} />
      {failed ? <p class="flash error" role="alert">{view.t("login.failed")}</p> : null}
      <label>
        {view.t("login.username")}
        <input name="username" autocomplete="username" required autofocus value={username ?? ""} />
      </label>
      <label>
        {view.t("login.password")}
        <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <button type="submit" class="primary">{view.t("login.submit")}</button>
    </form>
  </Layout>
);

// ─── Dashboard ───────────────────────────────────────────────────────────────

const RunCounts: FC<{ t: T; counts: Record<string, number> }> = ({ t, counts }) => (
  <span class="chips">
    {Object.entries(counts).map(([status, n]) => (
      <Badge tone={tone(status)}>{`${tr(t, "status", status)} ${n}`}</Badge>
    ))}
  </span>
);

export const DashboardPage: FC<{ view: View; data: Dashboard }> = ({ view, data }) => {
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

// ─── Runs ────────────────────────────────────────────────────────────────────

export interface RunRow {
  id: string; sourceId: string; trigger: string; requestedBy: string; status: string;
  seen: number; created: number; updated: number; duplicate: number; rejected: number; failed: number;
  windowFrom: Date | null; windowTo: Date | null; itemRef: string | null; error: string | null;
  progress: unknown; createdAt: Date; startedAt: Date | null; finishedAt: Date | null;
}

const Counts: FC<{ t: T; run: RunRow }> = ({ t, run }) => (
  <span class="counts" data-counts>
    {COUNT_KEYS.map((k) => (
      <span class={run[k] && (k === "failed" || k === "rejected") ? "bad" : undefined}>
        <b data-count={k}>{String(run[k])}</b> {t(`run.${k}`)}{" "}
      </span>
    ))}
  </span>
);

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

// ─── Documents and procedures ────────────────────────────────────────────────

const SearchForm: FC<{ view: View; action: string; q: string | undefined; placeholder: string }> = ({ view, action, q, placeholder }) => (
  <form method="get" action={action} class="search" role="search">
    <input type="search" name="q" value={q ?? ""} placeholder={placeholder} aria-label={placeholder} />
    <button type="submit">{view.t("common.search")}</button>
  </form>
);

export const DocumentsPage: FC<{ view: View; q: string | undefined; result: Awaited<ReturnType<typeof searchDocuments>> }> = ({ view, q, result }) => {
  const { t, lang } = view;
  return (
    <Layout view={view} title={t("doc.title")}>
      <SearchForm view={view} action="/console/documents" q={q} placeholder={t("doc.search")} />
      <Table head={[t("doc.number"), t("doc.summary"), t("doc.issuer"), t("doc.issued"), t("doc.status"), t("doc.signature")]} id="documents">
        {result.rows.map((d) => (
          <tr>
            <td data-label={t("doc.number")}><a href={`/console/documents/${d.id}`}><strong>{d.number}</strong></a></td>
            <td data-label={t("doc.summary")} class="wrap">{d.title}</td>
            <td data-label={t("doc.issuer")}>{d.issuerName}</td>
            <td data-label={t("doc.issued")}>{formatDate(lang, d.issuedDate)}</td>
            <td data-label={t("doc.status")}><Badge tone={tone(d.status)}>{tr(t, "doc.status", d.status)}</Badge></td>
            <td data-label={t("doc.signature")}>{d.versions[0] ? <Badge tone={tone(d.versions[0].signatureStatus)}>{tr(t, "sig", d.versions[0].signatureStatus)}</Badge> : null}</td>
          </tr>
        ))}
      </Table>
      {result.rows.length === 0 ? <p class="muted">{t("common.empty")}</p> : null}
      <Pager view={view} page={result.page} pageSize={result.pageSize} total={result.total} base="/console/documents" params={{ q }} />
    </Layout>
  );
};

type DeliveryLite = { id: string; siteId: string; section: { name: string; slug: string }; event: string; state: string; deliveredAt: Date | null; lastError: string | null; reviewNote: string | null };

const DeliveredTo: FC<{ view: View; deliveries: DeliveryLite[] }> = ({ view, deliveries }) => {
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

const fileSize = (n: bigint | number) => {
  const v = Number(n);
  return v >= 1048576 ? `${(v / 1048576).toFixed(1)} MB` : v >= 1024 ? `${Math.round(v / 1024)} KB` : `${v} B`;
};

export const DocumentPage: FC<{ view: View; doc: Awaited2<typeof documentDetail> }> = ({ view, doc }) => {
  const { t, lang } = view;
  return (
    <Layout view={view} title={`${doc.number}`}>
      <section class="card">
        <p class="lead">{doc.title}</p>
        <dl class="facts">
          <dt>{t("doc.type")}</dt><dd>{doc.docType ?? t("common.none")}</dd>
          <dt>{t("doc.issuer")}</dt><dd>{doc.issuerName}{doc.issuerCode ? <small class="muted">{` (${doc.issuerCode})`}</small> : null}</dd>
          <dt>{t("doc.issued")}</dt><dd>{formatDate(lang, doc.issuedDate)}</dd>
          <dt>{t("doc.signer")}</dt><dd>{[doc.signerName, doc.signerPosition].filter(Boolean).join(", ") || t("common.none")}</dd>
          <dt>{t("doc.field")}</dt><dd>{doc.field ?? t("common.none")}</dd>
          <dt>{t("doc.status")}</dt><dd><Badge tone={tone(doc.status)}>{tr(t, "doc.status", doc.status)}</Badge>
            {doc.replaces ? <> ← <a href={`/console/documents/${doc.replaces.id}`}>{doc.replaces.number}</a></> : null}
            {doc.replacedBy.map((r) => <> → <a href={`/console/documents/${r.id}`}>{r.number}</a></>)}
          </dd>
          <dt>{t("doc.public")}</dt><dd>{doc.isPublic ? t("common.yes") : t("common.no")}</dd>
          <dt>{t("doc.sources")}</dt><dd>{doc.sourceRefs.map((r) => `${r.sourceId}: ${r.externalId}`).join(", ")}</dd>
        </dl>
      </section>
      <h2>{t("doc.versions")}</h2>
      {doc.versions.map((v) => (
        <section class="card version" id={`v${v.version}`}>
          <h3>
            {`${t("doc.version")} ${v.version}`} <Badge tone={tone(v.signatureStatus)}>{tr(t, "sig", v.signatureStatus)}</Badge>{" "}
            <small class="muted"><When view={view} at={v.createdAt} /></small>
          </h3>
          <h4>{t("doc.files")}</h4>
          <ul class="files">
            {v.files.map((f) => {
              const report = f.blob.signatures[0];
              const plain = report ? explainReport(report.report, lang, t) : null;
              return (
                <li>
                  <a href={`/console/files/${f.blobSha256}?name=${encodeURIComponent(f.name)}`} download={f.name}>{f.name}</a>{" "}
                  <small class="muted">{`${f.role} · ${fileSize(f.blob.size)}`}</small>
                  {f.role === "main" ? (
                    plain ? (
                      <div class={`sig ${plain.ok ? "ok" : "bad"}`}>
                        <strong>{`${t("doc.signature")}: ${plain.statusText}`}</strong>
                        {plain.error ? <p>{plain.error}</p> : null}
                        <ul>
                          {plain.signatures.map((s) => (
                            <li>
                              {`${t("sig.signedBy")} ${s.signer}, ${t("sig.at")} ${s.when}: `}
                              <strong>{s.verdict}</strong>
                              {s.reasons.length ? <span>{` — ${t("sig.why")}: ${s.reasons.join("; ")}`}</span> : null}
                            </li>
                          ))}
                        </ul>
                      </div>
                    ) : (
                      <p class="muted">{t("sig.noReport")}</p>
                    )
                  ) : null}
                </li>
              );
            })}
          </ul>
          <h4>{t("doc.deliveredTo")}</h4>
          <DeliveredTo view={view} deliveries={v.deliveries} />
        </section>
      ))}
    </Layout>
  );
};

export const ProceduresPage: FC<{ view: View; q: string | undefined; result: Awaited<ReturnType<typeof searchProcedures>> }> = ({ view, q, result }) => {
  const { t } = view;
  return (
    <Layout view={view} title={t("proc.title")}>
      <SearchForm view={view} action="/console/procedures" q={q} placeholder={t("doc.search")} />
      <Table head={[t("proc.code"), t("proc.name"), t("doc.field"), t("proc.level"), t("doc.status")]} id="procedures">
        {result.rows.map((p) => (
          <tr>
            <td data-label={t("proc.code")}><a href={`/console/procedures/${p.id}`}><code>{p.code}</code></a></td>
            <td data-label={t("proc.name")} class="wrap">{p.name}</td>
            <td data-label={t("doc.field")}>{p.field ?? ""}</td>
            <td data-label={t("proc.level")}>{p.level ?? ""}</td>
            <td data-label={t("doc.status")}><Badge tone={tone(p.status)}>{tr(t, "proc.status", p.status)}</Badge></td>
          </tr>
        ))}
      </Table>
      {result.rows.length === 0 ? <p class="muted">{t("common.empty")}</p> : null}
      <Pager view={view} page={result.page} pageSize={result.pageSize} total={result.total} base="/console/procedures" params={{ q }} />
    </Layout>
  );
};

export const ProcedurePage: FC<{ view: View; proc: Awaited2<typeof procedureDetail> }> = ({ view, proc }) => {
  const { t } = view;
  return (
    <Layout view={view} title={proc.name}>
      <section class="card">
        <dl class="facts">
          <dt>{t("proc.code")}</dt><dd><code>{proc.code}</code></dd>
          <dt>{t("doc.field")}</dt><dd>{proc.field ?? t("common.none")}</dd>
          <dt>{t("proc.level")}</dt><dd>{proc.level ?? t("common.none")}</dd>
          <dt>{t("doc.status")}</dt><dd><Badge tone={tone(proc.status)}>{tr(t, "proc.status", proc.status)}</Badge></dd>
          <dt>{t("doc.sources")}</dt><dd>{proc.sourceRefs.map((r) => `${r.sourceId}: ${r.externalId}`).join(", ")}</dd>
        </dl>
      </section>
      <h2>{t("doc.versions")}</h2>
      {proc.versions.map((v) => (
        <section class="card version">
          <h3>{`${t("doc.version")} ${v.version}`} <small class="muted"><When view={view} at={v.createdAt} /></small></h3>
          {v.decisionNumber ? <p>{`${t("proc.decision")}: ${v.decisionNumber}`}</p> : null}
          <h4>{t("doc.files")}</h4>
          <ul class="files">
            {v.files.map((f) => (
              <li>
                <a href={`/console/files/${f.blobSha256}?name=${encodeURIComponent(f.name)}`} download={f.name}>{f.name}</a>{" "}
                <small class="muted">{`${f.role} · ${fileSize(f.blob.size)}`}</small>
              </li>
            ))}
          </ul>
          <h4>{t("doc.deliveredTo")}</h4>
          <DeliveredTo view={view} deliveries={v.deliveries} />
        </section>
      ))}
    </Layout>
  );
};

// ─── Review and deliveries ───────────────────────────────────────────────────

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

export const DeliveriesPage: FC<{
  view: View; sites: { id: string; name: string }[]; site?: string | undefined; state?: string | undefined;
  result: Awaited<ReturnType<typeof listDeliveries>>;
}> = ({ view, sites, site, state, result }) => {
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
      <Pager view={view} page={result.page} pageSize={result.pageSize} total={result.total} base="/console/deliveries" params={{ site, state }} />
    </Layout>
  );
};

// ─── Alerts, audit ───────────────────────────────────────────────────────────

export function conditionText(t: T, c: AlertCondition): string {
  if (c.kind === "source-failing") return t("alerts.failing", { source: c.subject, n: c.value });
  if (c.kind === "source-lagging") return t("alerts.lagging", { source: c.subject, minutes: c.value });
  if (c.kind === "site-stopped") return t("alerts.siteStopped", { site: c.subject, n: c.value, reason: c.detail ?? "" });
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

export const AuditPage: FC<{
  view: View; events: { id: string; at: Date; actor: string; action: string; targetType: string | null; targetId: string | null; details: unknown }[];
  filter: { actor?: string | undefined; action?: string | undefined }; page: number; pageSize: number; total: number;
}> = ({ view, events, filter, page, pageSize, total }) => {
  const { t } = view;
  return (
    <Layout view={view} title={t("audit.title")}>
      <form method="get" action="/console/audit" class="filters">
        <label>{t("audit.actor")}<input name="actor" value={filter.actor ?? ""} /></label>
        <label>{t("audit.action")}<input name="action" value={filter.action ?? ""} placeholder="delivery." /></label>
        <button type="submit">{t("common.filter")}</button>
      </form>
      <Table head={[t("common.when"), t("audit.actor"), t("audit.action"), t("audit.target"), t("audit.details")]} id="audit">
        {events.map((e) => (
          <tr>
            <td data-label={t("common.when")}><When view={view} at={e.at} /></td>
            <td data-label={t("audit.actor")}>{e.actor}</td>
            <td data-label={t("audit.action")}><code>{e.action}</code></td>
            <td data-label={t("audit.target")}>{e.targetType ? `${e.targetType}: ${e.targetId ?? ""}` : ""}</td>
            <td data-label={t("audit.details")} class="wrap"><code>{e.details ? JSON.stringify(e.details).slice(0, 300) : ""}</code></td>
          </tr>
        ))}
      </Table>
      <Pager view={view} page={page} pageSize={pageSize} total={total} base="/console/audit" params={filter} />
    </Layout>
  );
};

// ─── Users and tokens (admin) ────────────────────────────────────────────────

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

export const MessagePage: FC<{ view: View; title: string; text: string }> = ({ view, title, text }) => (
  <Layout view={view} title={title}>
    <p>{text}</p>
    <p><a href="/console">{view.t("nav.dashboard")}</a></p>
  </Layout>
);
