import { Gauge, type Registry } from 'prom-client';
import type { TimeLeft } from '@lawsweep/contracts';
import { FINAL_SWEEP_STATES, RUN_STATES, SWEEP_STATES, type SweepRecord } from '@lawsweep/store';

/**
 * Has the sweep ended (done, cancelled, failed, nothing left in flight) more than `keepMs` ago?
 * Counted from its last change: the end itself, or a result of a run that finished after it.
 */
export function endedLongAgo(sweep: Pick<SweepRecord, 'state' | 'runs' | 'updatedAt'>, now: number, keepMs: number): boolean {
  if (!FINAL_SWEEP_STATES.includes(sweep.state)) return false;
  if (sweep.runs.queued + sweep.runs.running > 0) return false;
  return now - sweep.updatedAt >= keepMs;
}

/**
 * The sweep-level gauges, read from the store at scrape time. A sweep that ended more than
 * `keepEndedMs` ago keeps only its count in lawsweep_sweeps{state}: its own series (one family per
 * budget figure, run state, parameter and target) would otherwise grow with every sweep ever run.
 */
export class SweepGauges {
  private readonly sweepsByState: Gauge<'state'>;
  private readonly info: Gauge<'sweep' | 'name' | 'state'>;
  private readonly budget: Gauge<'sweep' | 'name'>;
  private readonly spent: Gauge<'sweep' | 'name'>;
  private readonly reserved: Gauge<'sweep' | 'name'>;
  private readonly runs: Gauge<'sweep' | 'state'>;
  private readonly param: Gauge<'sweep' | 'name' | 'param'>;
  private readonly stderr: Gauge<'sweep' | 'name' | 'param'>;
  private readonly target: Gauge<'sweep' | 'name' | 'target' | 'bound'>;
  private readonly failedInARow: Gauge<'sweep'>;
  private readonly timeLeft: Gauge<'sweep' | 'name' | 'until'>;

  constructor(
    r: Registry,
    private readonly keepEndedMs: number,
  ) {
    const registers = [r];
    this.sweepsByState = new Gauge({ name: 'lawsweep_sweeps', help: 'Sweeps by state (every state, 0 when none)', labelNames: ['state'], registers });
    this.info = new Gauge({
      name: 'lawsweep_sweep_info',
      help: "Always 1: a sweep's name and state (running, paused, done, cancelled, failed); absent once it ended longer ago than LAWSWEEP_METRICS_ENDED_SWEEP_HOURS, as are its other series",
      labelNames: ['sweep', 'name', 'state'],
      registers,
    });
    this.budget = new Gauge({ name: 'lawsweep_budget_total', help: 'Budget of the sweep (cost units)', labelNames: ['sweep', 'name'], registers });
    this.spent = new Gauge({ name: 'lawsweep_budget_spent', help: 'Cost spent by finished runs', labelNames: ['sweep', 'name'], registers });
    this.reserved = new Gauge({ name: 'lawsweep_budget_reserved', help: 'Cost reserved by runs in flight', labelNames: ['sweep', 'name'], registers });
    this.runs = new Gauge({ name: 'lawsweep_runs', help: 'Runs by state', labelNames: ['sweep', 'state'], registers });
    this.param = new Gauge({ name: 'lawsweep_fit_param', help: 'Fitted law parameter', labelNames: ['sweep', 'name', 'param'], registers });
    this.stderr = new Gauge({ name: 'lawsweep_fit_param_stderr', help: 'Standard error of a fitted parameter', labelNames: ['sweep', 'name', 'param'], registers });
    this.target = new Gauge({
      name: 'lawsweep_target_loss',
      help: 'Predicted loss at a target config (bound: predicted, lower, upper of the 90% interval)',
      labelNames: ['sweep', 'name', 'target', 'bound'],
      registers,
    });
    this.failedInARow = new Gauge({
      name: 'lawsweep_runs_failed_in_a_row',
      help: 'Failed runs in a row since the last done run or resume (the circuit breaker pauses at stop.pauseAfterFailures)',
      labelNames: ['sweep'],
      registers,
    });
    this.timeLeft = new Gauge({
      name: 'lawsweep_sweep_time_left_seconds',
      help: "A running sweep's time left at the last hour's pace, until its budget is spent, its candidates run out or stop.maxRuns is reached (until); absent before a pace is measured",
      labelNames: ['sweep', 'name', 'until'],
      registers,
    });
  }

  /** Sets every gauge from the sweeps read (and each one's time left), with no await: see MetricsService. */
  set(sweeps: SweepRecord[], left: (TimeLeft | undefined)[], now: number): void {
    for (const g of [this.sweepsByState, this.info, this.budget, this.spent, this.reserved, this.runs, this.param, this.stderr, this.target, this.failedInARow, this.timeLeft]) g.reset();
    // Every state, so that an alert on `== 0` (no sweep running) has a series to fire on.
    for (const st of SWEEP_STATES) this.sweepsByState.set({ state: st }, 0);
    sweeps.forEach((s, i) => {
      this.sweepsByState.inc({ state: s.state });
      if (endedLongAgo(s, now, this.keepEndedMs)) return;
      const sweep = s.id;
      const name = s.name;
      this.info.set({ sweep, name, state: s.state }, 1);
      const t = left[i];
      if (t && Number.isFinite(t.seconds)) this.timeLeft.set({ sweep, name, until: t.until }, t.seconds);
      this.budget.set({ sweep, name }, s.budget);
      this.spent.set({ sweep, name }, s.spent);
      this.reserved.set({ sweep, name }, s.reserved);
      for (const st of RUN_STATES) this.runs.set({ sweep, state: st }, s.runs[st]);
      this.failedInARow.set({ sweep }, s.failStreak);
      if (!s.fit) return;
      for (const [param, v] of Object.entries(s.fit.params)) if (Number.isFinite(v)) this.param.set({ sweep, name, param }, v);
      for (const [param, v] of Object.entries(s.fit.stderr)) if (Number.isFinite(v)) this.stderr.set({ sweep, name, param }, v);
      s.fit.predictions.forEach((p, j) => {
        const target = String(j);
        this.target.set({ sweep, name, target, bound: 'predicted' }, p.loss);
        this.target.set({ sweep, name, target, bound: 'lower' }, p.lower);
        this.target.set({ sweep, name, target, bound: 'upper' }, p.upper);
      });
    });
  }
}
