import { LogScale } from './log-scale';
import type { IntervalMark, PlotSeries, PlotSpec, XY } from './plot.types';

/**
 * Renders a log-log plot to a standalone SVG string. Written by hand on purpose: the charting
 * libraries for Node either need a browser DOM (d3 + jsdom, Vega's canvas bindings) or a native
 * canvas build, which is heavy for one figure type; an SVG of axes, polylines and circles is a
 * couple of hundred lines, renders the same in a browser, in the dashboard and through resvg
 * (PNG), and is easy to test.
 */
export function renderSvgPlot(spec: PlotSpec): string {
  const width = spec.width ?? 860;
  const height = spec.height ?? 540;
  const legendWidth = 190;
  const margin = { left: 72, right: legendWidth + 16, top: spec.subtitle ? 58 : 44, bottom: 56 };
  const plot = { x0: margin.left, x1: width - margin.right, y0: margin.top, y1: height - margin.bottom };

  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    if (s.kind === 'intervals') {
      for (const m of s.marks) {
        xs.push(m.x);
        ys.push(m.y, m.lower, m.upper, ...(m.truth !== undefined ? [m.truth] : []));
      }
    } else if (!(s.kind === 'line' && s.clipped)) {
      for (const p of s.points) {
        xs.push(p.x);
        ys.push(p.y);
      }
    }
  }
  const x = LogScale.padded(xs, [plot.x0, plot.x1], 0.04);
  const y = LogScale.padded(ys, [plot.y1, plot.y0], 0.06);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${plot.x0}" y="22" font-size="16" font-weight="bold" fill="#111">${esc(spec.title)}</text>`,
  );
  if (spec.subtitle) out.push(`<text x="${plot.x0}" y="40" font-size="12" fill="#555">${esc(spec.subtitle)}</text>`);

  // Grid and tick labels.
  out.push('<g class="grid">');
  for (const t of x.ticks(9)) {
    const px = f(x.map(t.value));
    out.push(`<line x1="${px}" y1="${plot.y0}" x2="${px}" y2="${plot.y1}" stroke="${t.major ? '#d0d0d0' : '#ececec'}"/>`);
    out.push(`<text x="${px}" y="${plot.y1 + 18}" text-anchor="middle" fill="#333">${esc(t.label)}</text>`);
  }
  for (const t of y.ticks(8)) {
    const py = f(y.map(t.value));
    out.push(`<line x1="${plot.x0}" y1="${py}" x2="${plot.x1}" y2="${py}" stroke="${t.major ? '#d0d0d0' : '#ececec'}"/>`);
    out.push(`<text x="${plot.x0 - 8}" y="${f(Number(py) + 4)}" text-anchor="end" fill="#333">${esc(t.label)}</text>`);
  }
  out.push('</g>');
  out.push(`<rect x="${plot.x0}" y="${plot.y0}" width="${plot.x1 - plot.x0}" height="${plot.y1 - plot.y0}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${(plot.x0 + plot.x1) / 2}" y="${height - 14}" text-anchor="middle" fill="#111">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(plot.y0 + plot.y1) / 2}) rotate(-90)" text-anchor="middle" fill="#111">${esc(spec.yLabel)}</text>`);

  // Series, clipped to the plot area (curves may run past the data).
  out.push(`<clipPath id="plot-area"><rect x="${plot.x0}" y="${plot.y0}" width="${plot.x1 - plot.x0}" height="${plot.y1 - plot.y0}"/></clipPath>`);
  out.push('<g clip-path="url(#plot-area)">');
  const order: PlotSeries['kind'][] = ['line', 'points', 'intervals'];
  for (const kind of order) for (const s of spec.series) if (s.kind === kind) out.push(renderSeries(s, x, y));
  out.push('</g>');

  out.push(renderLegend(spec.series, plot.x1 + 16, plot.y0));
  out.push('</svg>');
  return out.join('\n');
}

function renderSeries(s: PlotSeries, x: LogScale, y: LogScale): string {
  const inDomain = (p: XY) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y);
  if (s.kind === 'line') {
    const pts = s.points.filter(inDomain);
    if (pts.length < 2) return '';
    const d = pts.map((p) => `${f(x.map(p.x))},${f(y.map(p.y))}`).join(' ');
    return `<polyline class="series-line" data-label="${esc(s.label)}" points="${d}" fill="none" stroke="${esc(s.color)}" stroke-width="${s.width ?? 1.6}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`;
  }
  if (s.kind === 'points') {
    const fill = s.hollow ? 'none' : esc(s.color);
    return s.points
      .filter(inDomain)
      .map((p) => `<circle class="series-point" cx="${f(x.map(p.x))}" cy="${f(y.map(p.y))}" r="3.6" fill="${fill}" stroke="${esc(s.color)}" stroke-width="1.2" fill-opacity="0.85"/>`)
      .join('\n');
  }
  return s.marks.filter(inDomain).map((m) => renderInterval(m, s.color, x, y)).join('\n');
}

function renderInterval(m: IntervalMark, color: string, x: LogScale, y: LogScale): string {
  const px = f(x.map(m.x));
  const lo = f(y.map(m.lower));
  const hi = f(y.map(m.upper));
  const parts = [
    `<g class="target"${m.label ? ` data-label="${esc(m.label)}"` : ''}>`,
    `<line x1="${px}" y1="${lo}" x2="${px}" y2="${hi}" stroke="${esc(color)}" stroke-width="2"/>`,
    `<line x1="${f(Number(px) - 6)}" y1="${lo}" x2="${f(Number(px) + 6)}" y2="${lo}" stroke="${esc(color)}" stroke-width="2"/>`,
    `<line x1="${f(Number(px) - 6)}" y1="${hi}" x2="${f(Number(px) + 6)}" y2="${hi}" stroke="${esc(color)}" stroke-width="2"/>`,
    `<rect x="${f(Number(px) - 4.5)}" y="${f(y.map(m.y) - 4.5)}" width="9" height="9" fill="${esc(color)}"/>`,
  ];
  if (m.truth !== undefined && m.truth > 0) {
    const ty = y.map(m.truth);
    const p = Number(px);
    parts.push(`<path class="truth" d="M${f(p)},${f(ty - 7)} L${f(p + 7)},${f(ty)} L${f(p)},${f(ty + 7)} L${f(p - 7)},${f(ty)} Z" fill="none" stroke="#111" stroke-width="1.5"/>`);
  }
  parts.push('</g>');
  return parts.join('');
}

function renderLegend(series: PlotSeries[], x0: number, y0: number): string {
  const rows: string[] = ['<g class="legend">'];
  let yy = y0 + 6;
  const maxRows = 16;
  // Series with an empty label (e.g. one curve per model size) share a legend row drawn by another.
  const shown = series.filter((s) => s.label !== '').slice(0, maxRows);
  for (const s of shown) {
    const sw = s.kind === 'line'
      ? `<line x1="${x0}" y1="${yy}" x2="${x0 + 22}" y2="${yy}" stroke="${esc(s.color)}" stroke-width="${s.width ?? 1.6}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`
      : s.kind === 'points'
        ? `<circle cx="${x0 + 11}" cy="${yy}" r="3.6" fill="${s.hollow ? 'none' : esc(s.color)}" stroke="${esc(s.color)}"/>`
        : `<line x1="${x0 + 11}" y1="${yy - 7}" x2="${x0 + 11}" y2="${yy + 7}" stroke="${esc(s.color)}" stroke-width="2"/><rect x="${x0 + 6.5}" y="${yy - 4.5}" width="9" height="9" fill="${esc(s.color)}"/>`;
    rows.push(sw, `<text x="${x0 + 30}" y="${yy + 4}" fill="#222">${esc(s.label)}</text>`);
    yy += 20;
  }
  if (series.some((s) => s.kind === 'intervals' && s.marks.some((m) => m.truth !== undefined))) {
    rows.push(`<path d="M${x0 + 11},${yy - 7} L${x0 + 18},${yy} L${x0 + 11},${yy + 7} L${x0 + 4},${yy} Z" fill="none" stroke="#111" stroke-width="1.5"/>`);
    rows.push(`<text x="${x0 + 30}" y="${yy + 4}" fill="#222">truth (simulator)</text>`);
  }
  rows.push('</g>');
  return rows.join('\n');
}

/** Two decimals are plenty for pixels and keep the SVG small. */
function f(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

export function esc(text: string): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
