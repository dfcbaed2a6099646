// One administrative procedure: versions, files and deliveries.

import type { FC } from "hono/jsx";
import { tr } from "../i18n.ts";
import { Badge, Layout, tone, When, type View } from "../layout.tsx";
import type { procedureDetail } from "../../operator/data.ts";
import { type Awaited2, DeliveredTo, fileSize } from "./components.tsx";

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
