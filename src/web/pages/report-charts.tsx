// The report's charts, drawn on the server as inline SVG: no script, no
// outside library or CDN, and nothing the console's CSP (style-src 'self')
// refuses: colours come from classes in console.css, not style attributes.

import type { FC } from "hono/jsx";
import type { T } from "../i18n.ts";

export interface Bar { label: string; value: number; title?: string }

const W = 720;
const H = 220;
const PAD = { top: 18, right: 8, bottom: 34, left: 40 };
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** A round upper bound for the axis. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

const Axis: FC<{ max: number }> = ({ max }) => {
  const ticks = [0, max / 2, max];
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / max);
  return (
    <g class="axis">
      {ticks.map((v) => (
        <>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} class="grid" />
          <text x={PAD.left - 4} y={y(v) + 4} text-anchor="end">{fmt(v)}</text>
        </>
      ))}
    </g>
  );
};

/** Simple bars (a histogram, a trend). */
export const BarChart: FC<{ bars: Bar[]; title: string; id?: string; height?: number }> = ({ bars, title, id, height }) => {
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const inner = W - PAD.left - PAD.right;
  const step = inner / Math.max(1, bars.length);
  const plotH = H - PAD.top - PAD.bottom;
  return (
    <figure class="chart" id={id}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} height={height ?? H} preserveAspectRatio="xMidYMid meet">
        <title>{title}</title>
        <Axis max={max} />
        {bars.map((b, i) => {
          const h = (plotH * b.value) / max;
          const x = PAD.left + i * step + step * 0.15;
          return (
            <g data-label={b.label} data-value={String(b.value)}>
              <rect x={x} y={PAD.top + plotH - h} width={step * 0.7} height={h} class="c0"><title>{b.title ?? `${b.label}: ${fmt(b.value)}`}</title></rect>
              {b.value > 0 ? <text x={x + step * 0.35} y={PAD.top + plotH - h - 3} text-anchor="middle" class="val">{fmt(b.value)}</text> : null}
              <text x={x + step * 0.35} y={H - PAD.bottom + 14} text-anchor="middle">{b.label}</text>
            </g>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
};

const SERIES = 6;

/** Publications per month, stacked by site: the largest sites in colour, the rest together. */
export const MonthlyChart: FC<{ t: T; monthly: { month: string; site: string; published: number }[]; sites: { site: string; name: string }[] }> = ({ t, monthly, sites }) => {
  const totals = new Map<string, number>();
  for (const m of monthly) totals.set(m.site, (totals.get(m.site) ?? 0) + m.published);
  const ranked = [...sites].sort((a, b) => (totals.get(b.site) ?? 0) - (totals.get(a.site) ?? 0) || a.site.localeCompare(b.site));
  const shown = ranked.length > SERIES + 1 ? ranked.slice(0, SERIES) : ranked;
  const series = shown.map((s, i) => ({ key: s.site, name: s.name, cls: `c${i}` }));
  if (shown.length < ranked.length) series.push({ key: "*", name: t("rep.others"), cls: `c${SERIES}` });
  const seriesOf = (site: string) => (shown.some((s) => s.site === site) ? site : "*");
  const months = [...new Set(monthly.map((m) => m.month))];
  const stack = new Map<string, Map<string, number>>();
  for (const m of monthly) {
    const row = stack.get(m.month) ?? new Map<string, number>();
    row.set(seriesOf(m.site), (row.get(seriesOf(m.site)) ?? 0) + m.published);
    stack.set(m.month, row);
  }
  const max = niceMax(Math.max(0, ...months.map((m) => [...(stack.get(m)?.values() ?? [])].reduce((a, b) => a + b, 0))));
  const inner = W - PAD.left - PAD.right;
  const step = inner / Math.max(1, months.length);
  const plotH = H - PAD.top - PAD.bottom;
  const title = t("rep.monthly");
  return (
    <figure class="chart" id="chart-monthly">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} height={H}>
        <title>{title}</title>
        <Axis max={max} />
        {months.map((month, i) => {
          let y = PAD.top + plotH;
          const x = PAD.left + i * step + step * 0.15;
          const row = stack.get(month)!;
          const total = [...row.values()].reduce((a, b) => a + b, 0);
          return (
            <g data-month={month} data-total={String(total)}>
              {series.map((s) => {
                const v = row.get(s.key) ?? 0;
                if (v === 0) return null;
                const h = (plotH * v) / max;
                y -= h;
                return <rect x={x} y={y} width={step * 0.7} height={h} class={s.cls}><title>{`${month} · ${s.name}: ${v}`}</title></rect>;
              })}
              {total > 0 ? <text x={x + step * 0.35} y={y - 3} text-anchor="middle" class="val">{String(total)}</text> : null}
              <text x={x + step * 0.35} y={H - PAD.bottom + 14} text-anchor="middle">{`${month.slice(5)}/${month.slice(2, 4)}`}</text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        {title}
        <span class="legend">{series.map((s) => <span><i class={`sw ${s.cls}`}></i>{s.name}</span>)}</span>
      </figcaption>
    </figure>
  );
};
