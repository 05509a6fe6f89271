import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { WorkerConfig } from '../config/worker.config';

/**
 * How a run attempt ended, as counted by lawsweep_worker_runs_total. lost_lock: the worker lost the
 * run's lock (LockFence) and stopped its trainer; no result, the run is requeued.
 */
export type RunOutcome = 'done' | 'failed' | 'retried' | 'cancelled' | 'refused' | 'handed_back' | 'lost_lock';

/** Why a run was handed back without using an attempt (lawsweep_worker_hand_backs_total). */
export type HandBackReason = 'capacity' | 'dir_in_use' | 'low_disk' | 'failed_here';

/**
 * Run-duration buckets (seconds): 0.1 s (simulated runs) to 1 h x4 apart, then x2 up to a week, so
 * that the p50/p95 of real training runs (hours) fall between buckets a factor 2 apart, not 4.
 */
export const RUN_DURATION_BUCKETS = [0.1, 0.4, 1.6, 6.4, 25.6, 102, 410, 1640, 3600, 7200, 14400, 28800, 57600, 115200, 230400, 460800, 604800];

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
  private readonly lastProgress: Gauge;
  private readonly runDirsRemoved: Counter<'reason'>;
  private readonly handBacks: Counter<'reason'>;
  private readonly runRootFree: Gauge;

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
      buckets: RUN_DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.busy = new Gauge({ name: 'lawsweep_worker_busy_slots', help: 'Runs in progress on this worker', registers: [this.registry] });
    this.lastProgress = new Gauge({
      name: 'lawsweep_worker_last_progress_timestamp_seconds',
      help: 'When this worker last started a run or had a progress point from a trainer (Unix seconds; 0 before its first run)',
      registers: [this.registry],
    });
    this.runDirsRemoved = new Counter({
      name: 'lawsweep_worker_run_dirs_removed_total',
      help: 'Run directories removed by why: done, cancelled (at once), finished (done on another worker), expired (failed or gone longer than WORKER_FAILED_RUN_DIR_HOURS)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.handBacks = new Counter({
      name: 'lawsweep_worker_hand_backs_total',
      help: 'Runs handed back to the queue without using an attempt, by why: capacity (too big for this worker), dir_in_use (still trained elsewhere), low_disk (run root below WORKER_MIN_FREE_DISK_GIB), failed_here (a retry of a run that failed on this worker, for another one)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.runRootFree = new Gauge({
      name: 'lawsweep_worker_run_root_free_bytes',
      help: "Free space of the run directory's filesystem at the last check (before each command run; absent until then)",
      registers: [this.registry],
    });
    new Gauge({ name: 'lawsweep_worker_slots', help: 'Runs this worker takes at once (concurrency)', registers: [this.registry] }).set(config.concurrency);
  }

  recordRun(outcome: RunOutcome, trainer: string, seconds: number): void {
    this.runs.inc({ outcome, trainer });
    this.duration.observe({ outcome, trainer }, seconds);
  }

  /** A run started or its trainer reported a point: the worker is making progress now. */
  progressed(now = Date.now()): void {
    this.lastProgress.set(now / 1000);
  }

  runDirRemoved(reason: 'done' | 'cancelled' | 'finished' | 'expired'): void {
    this.runDirsRemoved.inc({ reason });
  }

  handedBack(reason: HandBackReason): void {
    this.handBacks.inc({ reason });
  }

  setRunRootFree(bytes: number): void {
    this.runRootFree.set(bytes);
  }

  setBusy(n: number): void {
    this.busy.set(n);
  }
}
