import { formatDuration } from '@lawsweep/contracts';
import { layout } from './dashboard-layout';

/** `/`: every sweep with its state, budget burn, runs and first target, refreshed every 2 s. */
export function sweepsListPage(): string {
  const body = `
<h1>Sweeps</h1><div class="sub" id="summary">loading…</div>
<div class="card"><table><thead><tr><th>sweep</th><th>state</th><th class="num">budget</th><th class="num">spent</th><th class="num">reserved</th>
<th class="num">done</th><th class="num">in flight</th><th class="num">failed</th><th class="num">time left</th><th>target prediction (90% interval)</th></tr></thead><tbody id="sweeps"></tbody></table></div>
<p class="muted">Create one with <code>lawsweep sweep create spec.yaml</code> or <code>POST /sweeps</code>.</p>`;
  const script = `
// The CLI's duration format, the same function (libs/contracts).
${formatDuration.toString()}
async function refresh() {
  try {
    var sweeps = await getJson('/sweeps');
    setText('summary', sweeps.length + ' sweep' + (sweeps.length === 1 ? '' : 's') + ' · updated ' + new Date().toLocaleTimeString());
    fill('sweeps', sweeps.slice().reverse().map(function (s) {
      var name = el('td'); var a = el('a', s.name); a.href = '/sweeps/' + encodeURIComponent(s.id) + '/view'; name.appendChild(a); name.appendChild(el('span', ' ' + s.id, 'muted'));
      var t = s.targets[0]; var tt = t && t.loss !== null ? cfg(t.config) + ': ' + t.loss.toFixed(4) + ' [' + t.lower.toFixed(4) + ', ' + t.upper.toFixed(4) + ']' : 'no fit yet';
      return row([name, badge(s.state), num(sci(s.budget.total)), num(pct(s.budget.spent, s.budget.total)), num(pct(s.budget.reserved, s.budget.total)),
        num(String(s.runs.done)), num(String(s.runs.queued + s.runs.running)), num(String(s.runs.failed)), num(s.state === 'running' && s.timeLeft ? formatDuration(s.timeLeft.seconds) : '-'), el('td', tt)]);
    }));
  } catch (e) { setText('summary', 'planner unreachable: ' + e.message); }
}
refresh(); setInterval(refresh, 2000);`;
  return layout('lawsweep · sweeps', body, script);
}
