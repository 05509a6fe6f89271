/** The dashboard's stylesheet: plain CSS, no framework, readable on a laptop and on a projector. */
export const DASHBOARD_CSS = `
:root { --fg: #1b1f24; --muted: #5b6470; --line: #e2e6ea; --accent: #2c5d8f; --ok: #1a7f37; --bad: #b42318; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: #f6f8fa; }
header { background: #1b2a3a; color: #fff; padding: 10px 24px; display: flex; gap: 24px; align-items: baseline; }
header a { color: #cfe3ff; text-decoration: none; }
header .brand { font-weight: 700; font-size: 16px; color: #fff; }
main { padding: 20px 24px; max-width: 1600px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 0 0 10px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.sub { color: var(--muted); margin-bottom: 16px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 16px; margin-bottom: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.wide { grid-column: 1 / -1; }
.split { display: grid; grid-template-columns: minmax(0, 3fr) minmax(340px, 2fr); gap: 16px; margin-bottom: 16px; align-items: start; }
.stack { display: grid; gap: 16px; }
@media (max-width: 1000px) { .split { grid-template-columns: 1fr; } }
.big { font-size: 24px; font-weight: 600; }
.bar { height: 12px; background: #eef1f4; border-radius: 6px; overflow: hidden; display: flex; margin: 8px 0; }
.bar .spent { background: var(--accent); } .bar .reserved { background: #9cc3ea; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; }
td.num, th.num { text-align: right; }
.state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #eef1f4; }
.state.running, .state.queued { background: #ddf4ff; color: #0550ae; } .state.done { background: #dafbe1; color: var(--ok); }
.state.failed, .state.unschedulable { background: #ffebe9; color: var(--bad); } .state.cancelled, .state.paused { background: #fff8c5; color: var(--warn); }
.plot img { width: 100%; height: auto; display: block; }
.scroll { max-height: 480px; overflow: auto; }
.muted { color: var(--muted); }
.warnings .warning { margin: 6px 0; padding: 6px 10px; border-left: 4px solid #d9822b; background: #fdf3e7; border-radius: 4px; }
a { color: var(--accent); }
`;
