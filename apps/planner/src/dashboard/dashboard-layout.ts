import { DASHBOARD_CSS } from './dashboard.styles';

/** The HTML shell every dashboard page shares. `title` is escaped; `body` and `script` are trusted templates. */
export function layout(title: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title><style>${DASHBOARD_CSS}</style></head>
<body><header><span class="brand">lawsweep</span><a href="/">sweeps</a><a href="/queues">queues</a><a href="/metrics">metrics</a><a href="/docs">API</a></header>
<main>${body}</main>
<script>
"use strict";
// Shared helpers: values reach the page through textContent only, never as HTML.
function sci(v, d) { if (v === null || v === undefined || !isFinite(v)) return '-'; if (v === 0) return '0'; var a = Math.abs(v);
  return (a >= 1e4 || a < 1e-3) ? v.toExponential(d === undefined ? 2 : d).replace('e+', 'e') : String(Number(v.toPrecision((d === undefined ? 2 : d) + 2))); }
function pct(a, b) { return b > 0 ? (100 * a / b).toFixed(1) + '%' : '-'; }
function cfg(c) { return Object.keys(c || {}).map(function (k) { return k + '=' + sci(c[k], 1); }).join(' '); }
function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
function row(cells) { var tr = document.createElement('tr'); cells.forEach(function (c) { tr.appendChild(c instanceof Node ? c : el('td', String(c))); }); return tr; }
function num(text) { return el('td', text, 'num'); }
function badge(state) { var td = el('td'); td.appendChild(el('span', state, 'state ' + state)); return td; }
function fill(id, rows) { var tb = document.getElementById(id); tb.replaceChildren.apply(tb, rows); }
function setText(id, text) { var e = document.getElementById(id); if (e) e.textContent = text; }
async function getJson(path) { var r = await fetch(path, { headers: { accept: 'application/json' } }); if (!r.ok) throw new Error(path + ': ' + r.status); return r.json(); }
${script}
</script></body></html>`;
}

export function escapeHtml(text: string): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
