import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SweepStore, RUN_STATES } from '@lawsweep/store';
import { RunQueuesService } from '../queues/run-queues.service';
import { TimeLeftReader } from '../sweeps/time-left';

/**
 * The planner's Prometheus metrics (prefix lawsweep_). Sweep-level gauges are read from the store
 * at scrape time, so every replica reports the same numbers and a restarted planner reports them
 * at once; durations and the last pick's information gain are this replica's own observations.
 * A registry per app instance, so several planners in one process (tests) do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly fitDuration: Histogram<'law'>;
  readonly planDuration: Histogram;
  readonly resultToEnqueue: Histogram;
  readonly lastGain: Gauge<'sweep'>;
  readonly results: Counter<'status' | 'outcome'>;
  readonly sweepPauses: Counter<'cause'>;
  readonly notifications: Counter<'event' | 'outcome'>;

  constructor(store: SweepStore, queues: RunQueuesService) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'lawsweep_planner_' });
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    this.fitDuration = new Histogram({ name: 'lawsweep_fit_duration_seconds', help: 'Time to refit the law after new results', labelNames: ['law'], buckets, registers: [r] });
    this.planDuration = new Histogram({ name: 'lawsweep_plan_duration_seconds', help: 'Time for one plan step (propose + reserve + enqueue)', buckets, registers: [r] });
    this.resultToEnqueue = new Histogram({ name: 'lawsweep_result_to_enqueue_seconds', help: 'From a recorded result to the next run enqueued for its sweep', buckets, registers: [r] });
    this.lastGain = new Gauge({ name: 'lawsweep_last_pick_information_gain_nats', help: 'Expected information gain of the last run the planner picked', labelNames: ['sweep'], registers: [r] });
    this.sweepPauses = new Counter({ name: 'lawsweep_sweep_pauses_total', help: 'Sweeps this planner paused by itself, by cause (failing-runs: the circuit breaker)', labelNames: ['cause'], registers: [r] });
    this.notifications = new Counter({ name: 'lawsweep_notifications_total', help: 'Webhook notifications (LAWSWEEP_NOTIFY_URL) by event and outcome (sent, or failed after its retries)', labelNames: ['event', 'outcome'], registers: [r] });
    this.results = new Counter({ name: 'lawsweep_results_total', help: 'Results taken from the results queue, by status and outcome (recorded|duplicate|missing)', labelNames: ['status', 'outcome'], registers: [r] });

    const budget = new Gauge({ name: 'lawsweep_budget_total', help: 'Budget of the sweep (cost units)', labelNames: ['sweep', 'name'], registers: [r] });
    const spent = new Gauge({ name: 'lawsweep_budget_spent', help: 'Cost spent by finished runs', labelNames: ['sweep', 'name'], registers: [r] });
    const reserved = new Gauge({ name: 'lawsweep_budget_reserved', help: 'Cost reserved by runs in flight', labelNames: ['sweep', 'name'], registers: [r] });
    const runs = new Gauge({ name: 'lawsweep_runs', help: 'Runs by state', labelNames: ['sweep', 'state'], registers: [r] });
    const param = new Gauge({ name: 'lawsweep_fit_param', help: 'Fitted law parameter', labelNames: ['sweep', 'param'], registers: [r] });
    const stderr = new Gauge({ name: 'lawsweep_fit_param_stderr', help: 'Standard error of a fitted parameter', labelNames: ['sweep', 'param'], registers: [r] });
    const target = new Gauge({ name: 'lawsweep_target_loss', help: 'Predicted loss at a target config (bound: predicted, lower, upper of the 90% interval)', labelNames: ['sweep', 'target', 'bound'], registers: [r] });
    const failedInARow = new Gauge({ name: 'lawsweep_runs_failed_in_a_row', help: 'Failed runs in a row since the last done run or resume (the circuit breaker pauses at stop.pauseAfterFailures)', labelNames: ['sweep'], registers: [r] });
    const queueJobs = new Gauge({ name: 'lawsweep_queue_jobs', help: 'Jobs in the run queues by state', labelNames: ['queue', 'state'], registers: [r] });

    const sweepsByState = new Gauge({ name: 'lawsweep_sweeps', help: 'Sweeps by state', labelNames: ['state'], registers: [r] });
    const timeLeft = new Gauge({
      name: 'lawsweep_sweep_time_left_seconds',
      help: "A running sweep's time left at the last hour's pace, until its budget is spent, its candidates run out or stop.maxRuns is reached (until); absent before a pace is measured",
      labelNames: ['sweep', 'name', 'until'],
      registers: [r],
    });

    // Refreshed before each scrape (not in a gauge's collect, which runs after earlier families are
    // already serialized): the sweeps, each running one's time left and the queues read first; the gauges are
    // then reset and set with no await between, so two scrapes at once cannot add up each other's counts.
    const timeLeftReader = new TimeLeftReader(store);
    this.timeLeftReader = timeLeftReader;
    this.refresh = async () => {
      const sweeps = await store.listSweeps();
      const now = Date.now();
      const [left, jobCounts] = await Promise.all([Promise.all(sweeps.map((s) => timeLeftReader.timeLeft(s, now))), queues.jobCounts()]);
      for (const g of [sweepsByState, budget, spent, reserved, runs, failedInARow, param, stderr, target, queueJobs, timeLeft]) g.reset();
      sweeps.forEach((s, i) => {
        const t = left[i];
        if (t && Number.isFinite(t.seconds)) timeLeft.set({ sweep: s.id, name: s.name, until: t.until }, t.seconds);
      });
      for (const s of sweeps) {
        sweepsByState.inc({ state: s.state });
        budget.set({ sweep: s.id, name: s.name }, s.budget);
        spent.set({ sweep: s.id, name: s.name }, s.spent);
        reserved.set({ sweep: s.id, name: s.name }, s.reserved);
        for (const st of RUN_STATES) runs.set({ sweep: s.id, state: st }, s.runs[st]);
        failedInARow.set({ sweep: s.id }, s.failStreak);
        if (!s.fit) continue;
        for (const [k, v] of Object.entries(s.fit.params)) if (Number.isFinite(v)) param.set({ sweep: s.id, param: k }, v);
        for (const [k, v] of Object.entries(s.fit.stderr)) if (Number.isFinite(v)) stderr.set({ sweep: s.id, param: k }, v);
        s.fit.predictions.forEach((p, i) => {
          const t = String(i);
          target.set({ sweep: s.id, target: t, bound: 'predicted' }, p.loss);
          target.set({ sweep: s.id, target: t, bound: 'lower' }, p.lower);
          target.set({ sweep: s.id, target: t, bound: 'upper' }, p.upper);
        });
      }
      for (const { queue, counts } of jobCounts) for (const [st, n] of Object.entries(counts)) queueJobs.set({ queue, state: st }, n);
    };
    this.bullmq = () => queues.prometheusMetrics();
  }

  private readonly timeLeftReader: TimeLeftReader;
  private readonly bullmq: () => Promise<string>;
  private readonly refresh: () => Promise<void>;

  /**
   * Forgets a deleted sweep: its last-pick gain series (this replica's own; the gauges read from the
   * store are rebuilt every scrape and no longer list it) and its time-left window.
   */
  forgetSweep(sweepId: string): void {
    this.lastGain.remove({ sweep: sweepId });
    this.timeLeftReader.forget(sweepId);
  }

  /** lawsweep_ metrics followed by BullMQ's own queue export. */
  async text(): Promise<string> {
    await this.refresh();
    const [own, bull] = await Promise.all([this.registry.metrics(), this.bullmq().catch(() => '')]);
    return `${own}\n${bull}`;
  }
}
