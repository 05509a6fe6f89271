import { formatDuration, formatSeenAgo } from '@lawsweep/contracts';
import { layout } from './dashboard-layout';

/** `/`: every sweep with its state, budget burn, runs and first target, refreshed every 2 s. */
export function sweepsListPage(): string {
  const body = `
<h1>Sweeps</h1><div class="sub" id="summary">loading…</div>
<div class="card"><table><thead><tr><th>sweep</th><th>state</th><th class="num">budget</th><th class="num">spent</th><th class="num">reserved</th>
<th class="num">done</th><th class="num">in flight</th><th class="num">failed</th><th class="num">time left</th><th>target prediction (90% interval)</th></tr></thead><tbody id="sweeps"></tbody></table></div>
<p class="muted">Create one with <code>lawsweep sweep create spec.yaml</code> or <code>POST /sweeps</code>.</p>
<h2>Workers</h2><div class="sub" id="workers-summary"></div>
<div class="card"><table><thead><tr><th>worker</th><th>pool</th><th>state</th><th class="num">busy</th><th>capacity</th><th>labels</th><th class="num">seen</th><th>runs</th></tr></thead><tbody id="workers"></tbody></table></div>`;
  const script = `
// The CLI's duration formats, the same functions (libs/contracts).
${formatDuration.toString()}
${formatSeenAgo.toString()}
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
  try {
    // The live and draining workers (GET /workers, as \`lawsweep workers\`); gone ones only counted.
    var all = await getJson('/workers');
    // A gone worker still holding runs stays listed: they wait for a live worker to take them back.
    var shown = all.filter(function (w) { return w.state !== 'gone' || w.running.length > 0; });
    var live = all.filter(function (w) { return w.state === 'live'; });
    var draining = all.filter(function (w) { return w.state === 'draining'; }).length;
    var gone = all.length - live.length - draining;
    var slots = live.reduce(function (a, w) { return [a[0] + w.busy, a[1] + w.concurrency]; }, [0, 0]);
    setText('workers-summary', (live.length === 0 ? 'no live workers: start one with lawsweep worker --pool POOL --capacity N=1e9'
      : live.length + ' live worker' + (live.length === 1 ? '' : 's') + ', ' + slots[0] + ' of ' + slots[1] + ' slots busy')
      + (draining ? ' · ' + draining + ' draining' : '') + (gone ? ' · ' + gone + ' gone (no heartbeat for 30 s; lawsweep workers --all)' : ''));
    fill('workers', shown.map(function (w) {
      var runs = el('td');
      w.running.forEach(function (r, i) {
        if (i > 0) runs.appendChild(document.createTextNode(' '));
        var a = el('a', r.runId); a.href = '/sweeps/' + encodeURIComponent(r.sweepId) + '/view'; a.title = r.sweepId + ' · ' + cfg(r.config); runs.appendChild(a);
      });
      if (w.running.length === 0) runs.textContent = '-';
      var st = el('td'); st.appendChild(el('span', w.state, 'state ' + (w.state === 'live' ? 'running' : 'paused')));
      return row([el('td', w.id), el('td', w.pool), st, num(w.busy + '/' + w.concurrency),
        el('td', Object.keys(w.capacity).map(function (k) { return k + '≤' + sci(w.capacity[k], 1); }).join(' ') || 'any'),
        el('td', Object.keys(w.labels).map(function (k) { return k + '=' + w.labels[k]; }).join(' ') || '-', 'muted'),
        num(formatSeenAgo(w.secondsSinceSeen)), runs]);
    }));
  } catch (e) { setText('workers-summary', 'workers unknown: ' + e.message); }
}
refresh(); setInterval(refresh, 2000);`;
  return layout('lawsweep · sweeps', body, script);
}
