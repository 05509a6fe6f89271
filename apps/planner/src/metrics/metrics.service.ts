import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SweepSpec } from '@lawsweep/contracts';
import { FINAL_SWEEP_STATES, SweepStore } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { RunQueuesService, type RunQueueCounts } from '../queues/run-queues.service';
import { TimeLeftReader } from '../sweeps/time-left';
import { WorkerRegistryService } from '../workers/worker-registry.service';
import { OldestActiveReader, PoolGauges } from './pool-gauges';
import { RedisMemoryGauges, RedisMemoryReader } from './redis-memory';
import { SweepGauges } from './sweep-gauges';

/**
 * The fit-duration histogram's law label: the spec's law name, or `expression` for an expression
 * law (its fit names the whole formula: a user string, one series per formula).
 */
export function fitLawLabel(law: SweepSpec['law']): string {
  return typeof law === 'string' ? law : 'expression';
}

/**
 * The planner's Prometheus metrics (prefix lawsweep_). Sweep-level gauges are read from the store
 * at scrape time, so every replica reports the same numbers and a restarted planner reports them
 * at once; durations and the last pick's information gain are this replica's own observations.
 * A registry per app instance, so several planners in one process (tests) do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly fitDuration: Histogram<'law'>;
  readonly planDuration: Histogram;
  readonly resultToEnqueue: Histogram;
  private readonly lastGain: Gauge<'sweep'>;
  /** Sweeps this replica set lastGain for: their series is removed once they end. */
  private readonly gainSweeps = new Set<string>();
  readonly results: Counter<'status' | 'outcome'>;
  readonly sweepPauses: Counter<'cause'>;
  readonly notifications: Counter<'event' | 'outcome'>;
  readonly reconciledRuns: Counter<'action'>;
  /** Sets the gauges; answers the run queues' job counts it read (bullmq_job_count reuses them). */
  private readonly refresh: (now: number) => Promise<RunQueueCounts>;
  private readonly bullmq: (runQueues: RunQueueCounts) => Promise<string>;

  constructor(
    store: SweepStore,
    queues: RunQueuesService,
    workers: WorkerRegistryService,
    config: PlannerConfig,
    private readonly timeLeftReader: TimeLeftReader,
    redisMemory: RedisMemoryReader,
  ) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'lawsweep_planner_' });
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    this.fitDuration = new Histogram({ name: 'lawsweep_fit_duration_seconds', help: 'Time to refit the law after new results, by law (expression for an expression law)', labelNames: ['law'], buckets, registers: [r] });
    this.planDuration = new Histogram({ name: 'lawsweep_plan_duration_seconds', help: 'Time for one plan step (propose + reserve + enqueue)', buckets, registers: [r] });
    this.resultToEnqueue = new Histogram({ name: 'lawsweep_result_to_enqueue_seconds', help: 'From a recorded result to the next run enqueued for its sweep', buckets, registers: [r] });
    this.lastGain = new Gauge({ name: 'lawsweep_last_pick_information_gain_nats', help: 'Expected information gain of the last run the planner picked for a running or paused sweep', labelNames: ['sweep'], registers: [r] });
    this.sweepPauses = new Counter({ name: 'lawsweep_sweep_pauses_total', help: 'Sweeps this planner paused by itself, by cause (failing-runs: the circuit breaker)', labelNames: ['cause'], registers: [r] });
    this.notifications = new Counter({ name: 'lawsweep_notifications_total', help: 'Webhook notifications (LAWSWEEP_NOTIFY_URL) by event and outcome (sent, or failed after its retries)', labelNames: ['event', 'outcome'], registers: [r] });
    this.results = new Counter({ name: 'lawsweep_results_total', help: 'Results taken from the results queue, by status and outcome (recorded|duplicate|missing)', labelNames: ['status', 'outcome'], registers: [r] });
    this.reconciledRuns = new Counter({
      name: 'lawsweep_reconciled_runs_total',
      help: "Runs this planner's reconciler acted on, by action: recorded (a completed job's result whose event was missed), requeued (a queued run whose job was gone, enqueued again), failed (its job failed or vanished without a result)",
      labelNames: ['action'],
      registers: [r],
    });
    for (const action of ['recorded', 'requeued', 'failed']) this.reconciledRuns.inc({ action }, 0);
    const sweepGauges = new SweepGauges(r, config.metricsEndedSweepHours * 3_600_000);
    const poolGauges = new PoolGauges(r);
    const memoryGauges = new RedisMemoryGauges(r);

    // Refreshed before each scrape (not in a gauge's collect, which runs after earlier families are
    // already serialized): the sweeps, each running one's time left, the queues and the workers read
    // first; the gauges are then reset and set with no await between, so two scrapes at once cannot
    // add up each other's counts.
    const oldestActive = new OldestActiveReader(queues);
    this.refresh = async (now) => {
      // Redis's memory: a read that fails (Redis slow, or INFO refused) only leaves its gauges out, it
      // never fails the scrape by itself. (A full Redis still answers reads, so the scrape goes on.)
      const memoryRead = redisMemory.read().catch(() => undefined);
      const [sweeps, { adverts, now: registryNow }, jobCounts, memory] = await Promise.all([store.listSweeps(), workers.read(), queues.jobCounts(), memoryRead]);
      const pools = PoolGauges.pools(queues.pools(), adverts);
      const [left, oldest] = await Promise.all([
        Promise.all(sweeps.map((s) => this.timeLeftReader.timeLeft(s, now))),
        Promise.all(pools.map(async (p) => [p, await oldestActive.oldestStart(p, now)] as const)),
      ]);
      sweepGauges.set(sweeps, left, now);
      poolGauges.set(pools, { adverts, registryNow, jobCounts, oldestStart: new Map(oldest) }, now);
      memoryGauges.set(memory);
      // The last pick's gain says nothing once its sweep ended (or was deleted): its series goes.
      const planned = new Set(sweeps.filter((s) => !FINAL_SWEEP_STATES.includes(s.state)).map((s) => s.id));
      for (const id of this.gainSweeps) {
        if (planned.has(id)) continue;
        this.lastGain.remove({ sweep: id });
        this.gainSweeps.delete(id);
      }
      return jobCounts;
    };
    this.bullmq = (runQueues) => queues.prometheusMetrics(runQueues);
  }

  /**
   * Forgets a deleted sweep: its last-pick gain series (this replica's own; the gauges read from the
   * store are rebuilt every scrape and no longer list it).
   */
  forgetSweep(sweepId: string): void {
    this.lastGain.remove({ sweep: sweepId });
    this.gainSweeps.delete(sweepId);
  }

  /** The sweeps this replica holds a last-pick gain series for. */
  sweepIds(): string[] {
    return [...this.gainSweeps];
  }

  observeFit(law: SweepSpec['law'], seconds: number): void {
    this.fitDuration.observe({ law: fitLawLabel(law) }, seconds);
  }

  /** The expected information gain of the run just picked for the sweep. */
  setLastGain(sweepId: string, nats: number): void {
    this.lastGain.set({ sweep: sweepId }, nats);
    this.gainSweeps.add(sweepId);
  }

  /** lawsweep_ metrics followed by BullMQ's own queue export; `now` is the clock the gauges are read at. */
  async text(now = Date.now()): Promise<string> {
    const runQueues = await this.refresh(now);
    const [own, bull] = await Promise.all([this.registry.metrics(), this.bullmq(runQueues).catch(() => '')]);
    return `${own}\n${bull}`;
  }
}
