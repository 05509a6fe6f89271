import { describeTimeLeft, formatDuration, goOnWithMoreBudgetHint } from '@lawsweep/contracts';
import { escapeHtml, layout } from './dashboard-layout';

/**
 * `/sweeps/:id/view`: one sweep, live. Polls the REST API (sweep every 1.5 s; runs and fit when
 * the sweep changed) and reloads the two figures (drawn server-side by libs/plot) when a result
 * or a refit changed them. `id` must already be validated as a plain identifier.
 */
export function sweepViewPage(id: string, name: string): string {
  const body = `
<h1 id="title">${escapeHtml(name)}</h1>
<div class="sub"><span id="state" class="state">…</span> <span id="sweep-id" class="muted">${escapeHtml(id)}</span> · <span id="law"></span><span id="stop" class="muted"></span> · <span id="updated" class="muted"></span></div>
<div id="warnings" class="warnings"></div>
<div id="go-on" class="muted"></div>
<div class="grid">
  <div class="card"><h2>Budget</h2><div class="big" id="budget-spent">-</div>
    <div class="bar"><div class="spent" id="bar-spent" style="width:0"></div><div class="reserved" id="bar-reserved" style="width:0"></div></div>
    <div>spent <b id="budget-spent-abs">-</b> + reserved <b id="budget-reserved">-</b> of <b id="budget-total">-</b></div>
    <div id="time-left" class="muted"></div></div>
  <div class="card"><h2>Runs</h2><div class="big"><span id="runs-done">-</span> done</div>
    <div><span id="runs-inflight">-</span> in flight (<span id="runs-running">-</span> running) · <span id="runs-failed">-</span> failed</div></div>
  <div class="card"><h2>Target prediction</h2><div class="big" id="target-loss">-</div><div id="target-interval" class="muted"></div><div id="target-config" class="muted"></div><div id="fit-warnings" class="warnings"></div></div>
  <div class="card" id="more-card" hidden><h2>What more budget buys</h2><div class="scroll"><table><thead><tr><th class="num">budget</th><th class="num">widest ±</th><th class="num">runs</th><th class="num">cost</th></tr></thead><tbody id="more"></tbody></table></div>
    <p class="muted" id="more-note"></p></div>
</div>
<div class="split">
  <div class="card plot"><h2>Losses against compute</h2><img id="plot" alt="scaling-law plot: observed losses, fitted law per model size, compute-optimal frontier, targets" src="/sweeps/${escapeHtml(id)}/plot.svg"></div>
  <div class="stack">
    <div class="card"><h2>Fitted parameters</h2><table><thead><tr><th>param</th><th class="num">value</th><th class="num">std. error</th><th class="num">90% interval</th></tr></thead><tbody id="params"></tbody></table>
      <p class="muted" id="fit-note"></p></div>
    <div class="card plot"><h2>Target over compute spent</h2><img id="history" alt="target prediction and its interval after each refit" src="/sweeps/${escapeHtml(id)}/history.svg"></div>
  </div>
</div>
<div class="grid">
  <div class="card wide"><h2>Runs</h2><div class="scroll"><table><thead><tr><th>run</th><th>state</th><th>config</th><th class="num">loss</th><th class="num">cost</th><th>worker</th><th class="num">duration</th><th class="num">attempts</th><th>note</th></tr></thead>
    <tbody id="runs"></tbody></table></div></div>
</div>`;
  const script = `
var ID = ${JSON.stringify(id).replace(/</g, '\\u003c')};
var base = '/sweeps/' + encodeURIComponent(ID);
var lastVersion = '';
var moreFailed = false;
// The CLI's time-left text, the same functions (libs/contracts), so the page and \`sweep status\` agree.
${formatDuration.toString()}
${describeTimeLeft.toString()}
${goOnWithMoreBudgetHint.toString()}
function dur(ms) { if (ms === null || ms === undefined) return '-'; return ms < 1000 ? ms + ' ms' : ms < 120000 ? (ms / 1000).toFixed(1) + ' s' : (ms / 60000).toFixed(1) + ' min'; }
async function refresh() {
  var s;
  try { s = await getJson(base); } catch (e) { setText('updated', 'planner unreachable: ' + e.message); return schedule(5000); }
  document.title = 'lawsweep · ' + s.name;
  var st = document.getElementById('state'); st.textContent = s.state; st.className = 'state ' + s.state;
  setText('law', 'law ' + s.law + ' · design ' + s.design);
  // What needs the user (no live worker, runs no worker can hold, the circuit breaker's pause) stands
  // out under the title; a stop reason that is one of them is not repeated beside the state.
  var warned = s.warnings || [];
  setText('stop', s.stopReason && !warned.some(function (w) { return w.message === s.stopReason; }) ? ' · ' + s.stopReason : '');
  var box = document.getElementById('warnings');
  box.replaceChildren.apply(box, warned.map(function (w) { return el('div', w.message, 'warning ' + w.code); }));
  setText('updated', 'updated ' + new Date().toLocaleTimeString());
  // A done sweep can go on (its interval is often not yet the one wanted): say how, as \`sweep status\` does.
  setText('go-on', s.state === 'done' ? 'to go on: ' + goOnWithMoreBudgetHint(s.id, sci(2 * s.budget.total), { stopCause: s.stopCause, stopReason: s.stopReason, planned: s.runs.planned }) : '');
  var b = s.budget;
  setText('budget-spent', pct(b.spent, b.total) + ' spent');
  setText('budget-spent-abs', sci(b.spent)); setText('budget-reserved', sci(b.reserved)); setText('budget-total', sci(b.total));
  document.getElementById('bar-spent').style.width = (b.total > 0 ? 100 * b.spent / b.total : 0) + '%';
  setText('time-left', s.state === 'running' && s.timeLeft ? describeTimeLeft(s.timeLeft) : '');
  document.getElementById('bar-reserved').style.width = (b.total > 0 ? 100 * b.reserved / b.total : 0) + '%';
  setText('runs-done', s.runs.done); setText('runs-inflight', s.runs.queued + s.runs.running); setText('runs-running', s.runs.running); setText('runs-failed', s.runs.failed);
  // What the runs cannot pin yet qualifies the interval shown: said under it.
  var fitBox = document.getElementById('fit-warnings');
  fitBox.replaceChildren.apply(fitBox, ((s.fit && s.fit.warnings) || []).map(function (w) { return el('div', w.message, 'warning fit ' + w.code); }));
  var t = s.targets[0];
  if (t) {
    setText('target-config', cfg(t.config));
    setText('target-loss', t.loss === null ? 'no fit yet' : t.loss.toFixed(4));
    setText('target-interval', t.loss === null ? '' : '90% interval [' + t.lower.toFixed(4) + ', ' + t.upper.toFixed(4) + '] · ±' + (50 * (t.upper - t.lower) / t.loss).toFixed(2) + '%');
  }
  var version = s.updatedAt + '|' + s.runs.done + '|' + s.runs.running + '|' + s.runs.failed;
  if (version !== lastVersion) {
    lastVersion = version;
    await Promise.all([refreshRuns(), refreshFit(), refreshMore(s)]);
    var v = encodeURIComponent(version);
    document.getElementById('plot').src = base + '/plot.svg?v=' + v;
    document.getElementById('history').src = base + '/history.svg?v=' + v;
  } else if (moreFailed) {
    await refreshMore(s); // a forecast that failed (busy, planner restarting) is asked again at the next poll
  }
  schedule(['done', 'cancelled', 'failed'].indexOf(s.state) >= 0 ? 10000 : 1500);
}
async function refreshRuns() {
  var runs = await getJson(base + '/runs?last=300&curves=false');
  fill('runs', runs.slice().reverse().map(function (r) {
    return row([el('td', r.id), badge(r.state), el('td', cfg(r.config)), num(r.loss === null ? '-' : r.loss.toFixed(4)), num(sci(r.cost)),
      el('td', r.worker || '-'), num(dur(r.durationMs)), num(String(r.attempts)), el('td', r.reason || (r.imported ? 'imported' : ''), 'muted')]);
  }));
}
async function refreshFit() {
  var f = await getJson(base + '/fit');
  setText('fit-note', f.n > 0 ? 'fitted to ' + f.n + ' runs · rmse of log-loss ' + sci(f.rmse, 2) + (f.modes.length > 1 ? ' · ' + f.modes.length + ' modes' : '') : 'no fit yet: it needs a few finished runs');
  fill('params', Object.keys(f.params).map(function (k) {
    var v = f.params[k], se = f.stderr[k];
    var iv = isFinite(se) ? '[' + sci(v - 1.645 * se, 3) + ', ' + sci(v + 1.645 * se, 3) + ']' : '-';
    return row([el('td', k), num(sci(v, 4)), num(sci(se, 2)), num(iv)]);
  }));
}
// A sweep that stopped (done or paused) with a fit: what 2x and 4x its budget would buy, forecast from
// its runs (GET /sweeps/:id/forecast, as \`sweep forecast\` and the demo's last line). Not while it runs:
// each forecast plans the sweep's remainder on the planner's event loop, and the page polls.
async function refreshMore(s) {
  var card = document.getElementById('more-card');
  if (['done', 'paused'].indexOf(s.state) < 0 || !s.fit) { card.hidden = true; return; }
  var total = s.budget.total, f;
  moreFailed = false;
  try { f = await getJson(base + '/forecast?budget=' + encodeURIComponent(String(2 * total) + ',' + String(4 * total))); }
  catch (e) {
    card.hidden = false; fill('more', []);
    // With LAWSWEEP_TOKEN set, forecasts (they cost compute) need the token, which a browser does not send.
    var needsToken = / 401$/.test(e.message);
    moreFailed = !needsToken;
    setText('more-note', needsToken ? 'This planner asks its token for forecasts: ' + goOnWithMoreBudgetHint(s.id, sci(2 * total)) + '.' : 'no forecast (asked again shortly): ' + e.message);
    return;
  }
  card.hidden = false;
  // The widest target's half-width; one the fit cannot bound (null in JSON) makes it unbounded.
  var widest = function (ts, k) { return ts.reduce(function (m, t) { return Math.max(m, t[k] === null ? Infinity : t[k]); }, 0); };
  var pm = function (h) { return isFinite(h) ? '±' + (100 * h).toFixed(2) + '%' : 'unbounded'; };
  var now = f.forecasts.length ? widest(f.forecasts[0].targets, 'halfWidthNow') : NaN;
  fill('more', f.forecasts.map(function (x) {
    return row([num(sci(x.budget) + ' (' + Math.round(x.budget / total) + '×)'), num(pm(widest(x.targets, 'halfWidthAfter'))), num(String(x.runs)), num(sci(x.cost))]);
  }));
  var notes = ['Total budget; the 90% half-width of the widest target after the runs it buys (now ' + pm(now) + '), and their number and cost: forecast from the current fit, before spending (BENCHMARKS.md: forecast calibration).'];
  var last = f.forecasts[f.forecasts.length - 1];
  if (last && !last.budgetBound && last.stoppedBecause) notes.push('More budget buys no more runs: ' + last.stoppedBecause + '.');
  if (f.forecasts.some(function (x) { return x.truncated; })) notes.push('Planning was cut short: the runs and intervals are for less than the budget.');
  if (f.capacity) notes.push(f.capacity.message);
  setText('more-note', notes.join(' '));
}
function schedule(ms) { setTimeout(refresh, ms); }
refresh();`;
  return layout(`lawsweep · ${name}`, body, script);
}
