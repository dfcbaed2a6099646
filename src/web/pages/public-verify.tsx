// The public verification page /tra-cuu: a citizen uploads a PDF or pastes
// its SHA-256 and reads, in plain words, the signature verdict and where (and
// whether) these exact bytes were published. Its own minimal frame (no
// console navigation, no session, no script): every part is a plain form.

import type { FC, PropsWithChildren } from "hono/jsx";
import type { PublicAnswer, PublicSignature } from "../../api/public-verify.ts";
import type { PublishedPlace } from "../../delivery/published.ts";
import { formatDateTime, tr, type Lang, type T } from "../i18n.ts";
import { explainReport } from "../signature.ts";

export interface PublicView {
  t: T;
  lang: Lang;
  /** Current path with query, for the language switch. */
  path: string;
  /** Upload limit in bytes, shown beside the file input. */
  maxBytes: number;
}

export const PUBLIC_CSS = `
:root { --fg:#1d2433; --muted:#5b6475; --bg:#f5f6f8; --card:#fff; --line:#dde1e7; --accent:#0b5cad;
  --ok:#137333; --ok-bg:#e6f4ea; --warn:#8a5a00; --warn-bg:#fff4d6; --bad:#b3261e; --bad-bg:#fce8e6; }
* { box-sizing:border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color:var(--fg); background:var(--bg); }
a { color:var(--accent); }
header { display:flex; flex-wrap:wrap; justify-content:space-between; align-items:center; gap:.5rem; padding:.6rem 1rem; background:#10284a; color:#fff; }
header a { color:#fff; }
header .brand { font-weight:700; text-decoration:none; }
main { max-width:860px; margin:0 auto; padding:1rem; }
h1 { font-size:1.45rem; margin:.5rem 0 .75rem; }
h2 { font-size:1.15rem; margin:1.25rem 0 .5rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:1rem; margin-bottom:1rem; }
form { display:flex; flex-direction:column; gap:.6rem; margin:0; }
label { display:flex; flex-direction:column; gap:.25rem; color:var(--muted); font-size:.95rem; }
input, button { font:inherit; padding:.5rem .7rem; border:1px solid var(--line); border-radius:6px; background:#fff; color:var(--fg); }
button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; align-self:flex-start; }
code { font-family:ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size:.9em; word-break:break-all; }
.muted { color:var(--muted); }
.verdict { border-radius:10px; padding:.75rem 1rem; margin-bottom:1rem; border:1px solid var(--line); }
.verdict.ok { background:var(--ok-bg); border-color:#b7dfc2; }
.verdict.warn { background:var(--warn-bg); border-color:#f0d48a; }
.verdict.bad { background:var(--bad-bg); border-color:#f1b8b3; }
.verdict strong.big { font-size:1.1rem; display:block; }
.verdict ul { margin:.4rem 0 0; padding-left:1.2rem; }
.places { list-style:none; padding:0; margin:0; display:flex; flex-direction:column; gap:.6rem; }
.places li { border:1px solid var(--line); border-radius:8px; padding:.6rem .8rem; background:#fff; }
dl { display:grid; grid-template-columns:max-content 1fr; gap:.2rem .8rem; margin:0; }
dt { color:var(--muted); }
dd { margin:0; overflow-wrap:anywhere; }
.qr { display:flex; gap:1rem; align-items:center; flex-wrap:wrap; }
.qr svg { width:164px; height:164px; background:#fff; }
footer { max-width:860px; margin:1rem auto 2rem; padding:0 1rem; color:var(--muted); font-size:.85rem; }
@media print { header, form, footer, .lang { display:none; } body { background:#fff; } }
`;

function withLang(path: string, lang: Lang): string {
  const url = new URL(path, "http://x");
  url.searchParams.set("lang", lang);
  return url.pathname + url.search;
}

/** Keeps the reader's language across form posts and links (no cookie on public pages). */
export const langQuery = (lang: Lang) => (lang === "vi" ? "" : `?lang=${lang}`);

export const PublicLayout: FC<PropsWithChildren<{ view: PublicView; title: string }>> = ({ view, title, children }) => {
  const { t, lang } = view;
  const other: Lang = lang === "vi" ? "en" : "vi";
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} · ${t("app.name")}`}</title>
        <link rel="stylesheet" href="/tra-cuu/static/public.css" />
      </head>
      <body>
        <header>
          <a class="brand" href={`/tra-cuu${langQuery(lang)}`}>{t("pub.title")}</a>
          <a class="lang" href={withLang(view.path, other)} hreflang={other}>{t("lang.switch")}</a>
        </header>
        <main>{children}</main>
        <footer>{t("pub.footer")}</footer>
      </body>
    </html>
  );
};

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`);

export const VerifyForms: FC<{ view: PublicView; hash?: string }> = ({ view, hash }) => {
  const { t, lang } = view;
  return (
    <div class="card">
      <form method="post" action={`/tra-cuu${langQuery(lang)}`} enctype="multipart/form-data">
        <label>
          {t("pub.upload")}
          <input type="file" name="file" accept="application/pdf,.pdf" required />
        </label>
        <span class="muted">{t("pub.uploadHint", { max: size(view.maxBytes) })}</span>
        <button type="submit">{t("pub.check")}</button>
      </form>
      <h2>{t("pub.orHash")}</h2>
      <form method="get" action="/tra-cuu">
        {lang !== "vi" ? <input type="hidden" name="lang" value={lang} /> : null}
        <label>
          {t("pub.hashLabel")}
          <input name="sha256" value={hash ?? ""} autocomplete="off" spellcheck={false} maxlength={200} required />
        </label>
        <button type="submit">{t("pub.lookup")}</button>
      </form>
    </div>
  );
};

export const PublicFormPage: FC<{ view: PublicView; error?: string | null; hash?: string }> = ({ view, error, hash }) => (
  <PublicLayout view={view} title={view.t("pub.title")}>
    <h1>{view.t("pub.title")}</h1>
    <p>{view.t("pub.intro")}</p>
    {error ? <p class="verdict bad" role="alert">{error}</p> : null}
    <VerifyForms view={view} hash={hash} />
    <p class="muted">{view.t("pub.howItWorks")}</p>
  </PublicLayout>
);

/** The public signature object in the shape src/web/signature.ts explains. */
function asReport(sig: PublicSignature) {
  return {
    status: sig.status,
    error: sig.error ?? undefined,
    signatures: sig.signers.map((s) => ({
      signer: { commonName: s.commonName ?? undefined, organization: s.organization ?? undefined },
      signingTime: s.signingTime,
      indication: s.indication ?? undefined,
      subIndication: s.subIndication,
      laterChanges: s.laterChanges ?? undefined,
      coversWholeDocument: s.coversWholeDocument ?? undefined,
      messages: s.messages,
    })),
  };
}

const SIGNATURE_TONE: Record<string, string> = { valid: "ok", indeterminate: "warn", unsigned: "warn", invalid: "bad", error: "bad" };

export const SignatureVerdict: FC<{ view: PublicView; signature: PublicSignature }> = ({ view, signature }) => {
  const { t, lang } = view;
  const plain = explainReport(asReport(signature), lang, t);
  return (
    <div class={`verdict ${SIGNATURE_TONE[signature.status] ?? "warn"}`}>
      <strong class="big">{`${t("pub.signature")}: ${plain.statusText}`}</strong>
      <span>{tr(t, "pub.sigExplain", signature.status)}</span>
      {plain.error ? <p>{plain.error}</p> : null}
      {plain.signatures.length ? (
        <ul>
          {plain.signatures.map((s) => (
            <li>
              {`${t("sig.signedBy")} ${s.signer}, ${t("sig.at")} ${s.when}: `}
              <strong>{s.verdict}</strong>
              {s.reasons.length ? <span>{` — ${t("sig.why")}: ${s.reasons.join("; ")}`}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
};

const STATUS_TONE: Record<string, string> = { "in-force": "ok", superseded: "warn", replaced: "warn", withdrawn: "bad" };

export const Place: FC<{ view: PublicView; place: PublishedPlace }> = ({ view, place }) => {
  const { t, lang } = view;
  return (
    <li>
      <dl>
        <dt>{place.kind === "document" ? t("pub.number") : t("pub.procedureCode")}</dt>
        <dd><strong>{place.number}</strong></dd>
        <dt>{place.kind === "document" ? t("pub.summary") : t("pub.procedureName")}</dt>
        <dd>{place.title}</dd>
        {place.issuer ? (
          <>
            <dt>{t("pub.issuer")}</dt>
            <dd>{place.issuer}</dd>
          </>
        ) : null}
        <dt>{t("pub.where")}</dt>
        <dd>{`${place.siteName} — ${place.sectionName}`}</dd>
        <dt>{t("pub.since")}</dt>
        <dd><time datetime={place.publishedAt}>{formatDateTime(lang, place.publishedAt)}</time></dd>
        <dt>{t("pub.version")}</dt>
        <dd>{String(place.version)}</dd>
        <dt>{t("pub.state")}</dt>
        <dd>
          <strong class={`status ${STATUS_TONE[place.status] ?? ""}`}>{tr(t, "pub.status", place.status)}</strong>
          {place.replacedBy ? <span>{` ${t("pub.replacedBy", { number: place.replacedBy })}`}</span> : null}
        </dd>
      </dl>
    </li>
  );
};

export interface ResultProps {
  view: PublicView;
  answer: PublicAnswer;
  /** "upload": the reader's own file was checked; "hash": a SHA-256 was looked up. */
  mode: "upload" | "hash";
  /** Absolute URL of /tra-cuu/{sha256} and its QR code (SVG), shown for published bytes. */
  link: string;
  qrSvg: string | null;
  verifierAvailable: boolean;
}

export const PublicResultPage: FC<ResultProps> = ({ view, answer, mode, link, qrSvg, verifierAvailable }) => {
  const { t } = view;
  const published = answer.published.length > 0;
  return (
    <PublicLayout view={view} title={t("pub.resultTitle")}>
      <h1>{t("pub.resultTitle")}</h1>
      <p>
        {t("pub.fileHash")}: <code>{answer.sha256}</code>
      </p>
      {answer.signature ? (
        <SignatureVerdict view={view} signature={answer.signature} />
      ) : (
        <p class="verdict warn">{!verifierAvailable ? t("pub.noVerifier") : mode === "hash" ? t("pub.hashNoSignature") : t("pub.noVerifier")}</p>
      )}
      {published ? (
        <>
          <div class="verdict ok">
            <strong class="big">{t("pub.publishedYes")}</strong>
            <span>{t("pub.publishedYesHint")}</span>
          </div>
          <ul class="places">
            {answer.published.map((p) => (
              <Place view={view} place={p} />
            ))}
          </ul>
          <h2>{t("pub.linkTitle")}</h2>
          <div class="qr">
            {qrSvg ? <div role="img" aria-label={t("pub.qrAlt")} dangerouslySetInnerHTML={{ __html: qrSvg }} /> : null}
            <p>
              {t("pub.qrHint")}
              <br />
              <a href={link}>{link}</a>
            </p>
          </div>
        </>
      ) : (
        <div class="verdict bad">
          <strong class="big">{t("pub.publishedNo")}</strong>
          <span>{t("pub.publishedNoHint")}</span>
        </div>
      )}
      <h2>{t("pub.again")}</h2>
      <VerifyForms view={view} />
    </PublicLayout>
  );
};
