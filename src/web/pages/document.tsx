// One document: metadata, versions, files, signatures and deliveries.

import type { FC } from "hono/jsx";
import { formatDate, tr } from "../i18n.ts";
import { Badge, Layout, tone, When, type View } from "../layout.tsx";
import type { documentDetail } from "../../operator/data.ts";
import { explainReport } from "../signature.ts";
import { type Awaited2, DeliveredTo, fileSize } from "./components.tsx";

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
                              {s.notes.length ? <span>{` — ${t("sig.note")}: ${s.notes.join(" ")}`}</span> : null}
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
