// The console's frame and small shared pieces (tables, badges, forms).
// Server-rendered; the only script is /console/static/console.js (live run
// progress, select-all, confirm prompts), and every page works without it.

import type { Child, FC, PropsWithChildren } from "hono/jsx";
import { formatDateTime, tr, type Lang, type MessageKey, type T } from "./i18n.ts";
import type { SessionUser } from "../auth/index.ts";

export interface View {
  t: T;
  lang: Lang;
  user: SessionUser | null;
  csrf: string;
  /** Current path with query, for the language switch and sign-in return. */
  path: string;
  flash?: { kind: "ok" | "error"; text: string } | null;
}

const NAV: { href: string; key: MessageKey; admin?: boolean }[] = [
  { href: "/console", key: "nav.dashboard" },
  { href: "/console/runs", key: "nav.runs" },
  { href: "/console/documents", key: "nav.documents" },
  { href: "/console/procedures", key: "nav.procedures" },
  { href: "/console/review", key: "nav.review" },
  { href: "/console/deliveries", key: "nav.deliveries" },
  { href: "/console/reports", key: "nav.reports" },
  { href: "/console/alerts", key: "nav.alerts" },
  { href: "/console/audit", key: "nav.audit" },
  { href: "/console/users", key: "nav.users", admin: true },
  { href: "/console/tokens", key: "nav.tokens", admin: true },
];

export function withLang(path: string, lang: Lang): string {
  const url = new URL(path, "http://x");
  url.searchParams.set("lang", lang);
  return url.pathname + url.search;
}

export const Layout: FC<PropsWithChildren<{ view: View; title: string }>> = ({ view, title, children }) => {
  const { t, lang, user } = view;
  const current = new URL(view.path, "http://x").pathname;
  const active = (href: string) => (href === "/console" ? current === "/console" || current === "/console/" : current.startsWith(href));
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${t("app.name")}`}</title>
        <link rel="stylesheet" href="/console/static/console.css" />
        <script src="/console/static/console.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/console">
            <strong>{t("app.name")}</strong> <span class="tagline">{t("app.tagline")}</span>
          </a>
          {user ? (
            <nav class="nav" aria-label={t("nav.menu")}>
              {NAV.filter((n) => !n.admin || user.role === "admin").map((n) => (
                <a href={n.href} class={active(n.href) ? "active" : undefined} aria-current={active(n.href) ? "page" : undefined}>
                  {t(n.key)}
                </a>
              ))}
            </nav>
          ) : null}
          <div class="who">
            <a class="lang" href={withLang(view.path, lang === "vi" ? "en" : "vi")} hreflang={lang === "vi" ? "en" : "vi"}>
              {t("lang.switch")}
            </a>
            {user ? (
              <form method="post" action="/console/logout" class="inline">
                <input type="hidden" name="_csrf" value={view.csrf} />
                <span class="user" title={tr(t, "role", user.role)}>{user.displayName}</span>{" "}
                <button type="submit" class="link">{t("nav.logout")}</button>
              </form>
            ) : null}
          </div>
        </header>
        <main>
          <h1>{title}</h1>
          {view.flash ? <p class={`flash ${view.flash.kind}`} role="status">{view.flash.text}</p> : null}
          {children}
        </main>
      </body>
    </html>
  );
};

export const Csrf: FC<{ view: View }> = ({ view }) => <input type="hidden" name="_csrf" value={view.csrf} />;

/** A table that scrolls sideways on narrow screens instead of breaking the layout. */
export const Table: FC<PropsWithChildren<{ head: Child[]; class?: string; id?: string }>> = (props) => (
  <div class="table-wrap">
    <table class={props.class} id={props.id}>
      <thead>
        <tr>{props.head.map((h) => <th scope="col">{h}</th>)}</tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  </div>
);

export const Badge: FC<{ tone: string; children: Child }> = ({ tone, children }) => <span class={`badge ${tone}`}>{children}</span>;

const TONES: Record<string, string> = {
  succeeded: "ok", delivered: "ok", valid: "ok", healthy: "ok", active: "ok",
  running: "info", queued: "info", pending: "info", sending: "info",
  partial: "warn", held: "warn", failed: "bad", interrupted: "warn", lagging: "warn", indeterminate: "warn", "not-verified": "muted", unsigned: "warn",
  dead: "bad", invalid: "bad", failing: "bad", error: "bad", rejected: "muted", cancelled: "muted", disabled: "muted", withdrawn: "muted", replaced: "muted", abolished: "muted",
};
export const tone = (value: string) => TONES[value] ?? "muted";

export const When: FC<{ view: View; at: Date | string | null | undefined }> = ({ view, at }) =>
  at ? <time datetime={typeof at === "string" ? at : at.toISOString()}>{formatDateTime(view.lang, at)}</time> : <span class="muted">{view.t("common.never")}</span>;

export const Pager: FC<{ view: View; page: number; pageSize: number; total: number; base: string; params: Record<string, string | undefined> }> = (p) => {
  const pages = Math.max(1, Math.ceil(p.total / p.pageSize));
  if (pages <= 1) return <p class="muted">{`${p.total}`}</p>;
  const href = (page: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(p.params)) if (v) q.set(k, v);
    q.set("page", String(page));
    return `${p.base}?${q}`;
  };
  return (
    <nav class="pager">
      {p.page > 1 ? <a href={href(p.page - 1)}>{p.view.t("common.previous")}</a> : null}
      <span>{`${p.page} / ${pages} (${p.total})`}</span>
      {p.page < pages ? <a href={href(p.page + 1)}>{p.view.t("common.next")}</a> : null}
    </nav>
  );
};
