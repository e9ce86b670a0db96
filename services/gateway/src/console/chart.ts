import { html } from "hono/html";
import type { Html } from "./layout.js";

const W = 640;
const H = 180;
const PAD = { left: 44, right: 12, top: 10, bottom: 26 };

/**
 * A line chart as inline SVG (no script): points in time order, axes with a few ticks, and the
 * same numbers as a visually hidden table for screen readers.
 */
export function lineChart(
  points: readonly { x: number; y: number }[],
  opts: { label: string; yLabel: string; yMax?: number },
): Html {
  if (points.length === 0) return html`<p class="muted">No data yet.</p>`;
  const xs = points.map((p) => p.x);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const maxY = opts.yMax ?? Math.max(1, ...points.map((p) => p.y));
  const sx = (x: number) =>
    PAD.left +
    (maxX === minX
      ? (W - PAD.left - PAD.right) / 2
      : ((x - minX) / (maxX - minX)) * (W - PAD.left - PAD.right));
  const sy = (y: number) => PAD.top + (1 - y / maxY) * (H - PAD.top - PAD.bottom);
  const path = points
    .map((p, i) => `${i === 0 ? "M" : "L"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
    .join(" ");
  const ticks = [0, maxY / 2, maxY];
  const label = (t: number) => new Date(t).toISOString().slice(5, 16).replace("T", " ");
  return html`<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${opts.label}">
  ${ticks.map(
    (t) =>
      html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(t)}" y2="${sy(t)}" class="grid"></line><text x="${PAD.left - 6}" y="${sy(t) + 4}" text-anchor="end">${Math.round(t)}</text>`,
  )}
  <text x="${PAD.left}" y="${H - 6}">${label(minX)}</text>
  <text x="${W - PAD.right}" y="${H - 6}" text-anchor="end">${label(maxX)}</text>
  <path d="${path}" class="line"></path>
  ${points.map((p) => html`<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="3" class="dot"><title>${label(p.x)}: ${p.y}</title></circle>`)}
</svg>
<figcaption class="visually-hidden"><table><caption>${opts.label}</caption><thead><tr><th scope="col">time (UTC)</th><th scope="col">${opts.yLabel}</th></tr></thead><tbody>${points.map(
    (p) => html`<tr><td>${label(p.x)}</td><td>${p.y}</td></tr>`,
  )}</tbody></table></figcaption>
</figure>`;
}
