import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { WorkerConfig } from '../config/worker.config';

/**
 * How a run attempt ended, as counted by lawsweep_worker_runs_total. lost_lock: the worker lost the
 * run's lock (LockFence) and stopped its trainer; no result, the run is requeued.
 */
export type RunOutcome = 'done' | 'failed' | 'retried' | 'cancelled' | 'refused' | 'handed_back' | 'lost_lock';

/**
 * The worker's Prometheus metrics, in a registry of its own (not prom-client's global one) so that
 * several workers can live in one process (the demo starts four).
 */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly runs: Counter<'outcome' | 'trainer'>;
  private readonly duration: Histogram<'outcome' | 'trainer'>;
  private readonly busy: Gauge;

  constructor(config: WorkerConfig) {
    this.registry.setDefaultLabels({ worker: config.id, pool: config.pool });
    this.runs = new Counter({
      name: 'lawsweep_worker_runs_total',
      help: 'Run attempts by outcome (done, failed, retried, cancelled, refused, handed_back, lost_lock) and trainer type',
      labelNames: ['outcome', 'trainer'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'lawsweep_worker_run_duration_seconds',
      help: 'Wall-clock duration of run attempts',
      labelNames: ['outcome', 'trainer'],
      // 0.1 s (simulated runs) to about 2 days (real training), x4 per bucket.
      buckets: [0.1, 0.4, 1.6, 6.4, 25.6, 102, 410, 1640, 6550, 26200, 105000, 420000],
      registers: [this.registry],
    });
    this.busy = new Gauge({ name: 'lawsweep_worker_busy_slots', help: 'Runs in progress on this worker', registers: [this.registry] });
    new Gauge({ name: 'lawsweep_worker_slots', help: 'Runs this worker takes at once (concurrency)', registers: [this.registry] }).set(config.concurrency);
  }

  recordRun(outcome: RunOutcome, trainer: string, seconds: number): void {
    this.runs.inc({ outcome, trainer });
    this.duration.observe({ outcome, trainer }, seconds);
  }

  setBusy(n: number): void {
    this.busy.set(n);
  }
}
