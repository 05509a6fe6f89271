import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CANCELLED_REASON } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { WorkerMetrics } from '../observability/worker-metrics.service';
import { OrphanTrainers } from '../trainers/orphan-trainers.service';
import { RUN_DIR_MARKER } from './run-dir';
import { RunJobLookup, type RunJobState } from './run-job-lookup';

/** How often the run root is swept for run directories that will not be resumed here. */
export const RETENTION_SWEEP_INTERVAL_MS = 10 * 60_000;

/** Why a run directory was removed (lawsweep_worker_run_dirs_removed_total{reason}). */
export type RunDirRemoval = 'done' | 'cancelled' | 'finished' | 'expired';

export interface RetentionSweep {
  /** Run directories removed, by why. */
  removed: Record<Exclude<RunDirRemoval, 'done'>, number>;
  /** Run directories kept: in use, may be resumed, or failed more recently than the retention. */
  kept: number;
  /** Set when the sweep stopped early (Redis did not answer): nothing it could not judge was removed. */
  aborted?: string;
}

/**
 * Which run directories stay on this worker's disk. A run directory holds a run's checkpoints and
 * trainer.log; the run resumes from it only while its job may still be trained here: retried after a
 * failed attempt, handed back at shutdown, requeued after a lost lock or a worker crash. So:
 * - a done run's is removed when it is reported, a cancelled run's when it stops (removeNow);
 * - every RETENTION_SWEEP_INTERVAL_MS (and when the disk runs low) the run root is swept: a run
 *   directory whose job (job id = run id, in this pool's queue) completed (done on another worker)
 *   or was cancelled is removed; one whose job failed for good, or is gone from the queue, is kept
 *   for inspection (trainer.log) until it is WORKER_FAILED_RUN_DIR_HOURS old (since its job ended
 *   and since anything in it last changed), then removed; one whose job is waiting, delayed or
 *   active (here or elsewhere) is kept: it may be resumed;
 * - a directory that a run of this worker uses (claim) or that holds a trainer still running (its
 *   marker: OrphanTrainers) is never removed, and neither is anything while Redis does not answer;
 * - the sweep considers only directories with the worker's RUN_DIR_MARKER (run-dir.ts): whatever else
 *   is in a run root (WORKER_RUN_DIR pointed at a home or scratch directory) is never removed;
 * - WORKER_KEEP_RUN_DIRS keeps everything: nothing is removed at all.
 * A run root shared by workers of other pools: their runs' jobs are not in this pool's queue, so
 * they count as gone, removed once untouched for the retention period.
 */
@Injectable()
export class RunDirRetention implements OnModuleDestroy {
  private readonly logger = new Logger(RunDirRetention.name);
  /** Run directories this worker's runs use now, with how many claims each has. */
  private readonly inUse = new Map<string, number>();
  /** Removals under way: a claim of the same directory waits for its removal to finish. */
  private readonly removing = new Map<string, Promise<void>>();
  private sweeping?: Promise<RetentionSweep>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: WorkerConfig,
    private readonly jobs: RunJobLookup,
    private readonly orphans: OrphanTrainers,
    private readonly metrics: WorkerMetrics,
  ) {}

  /** Sweeps now (in the background), then every RETENTION_SWEEP_INTERVAL_MS until the module is destroyed. */
  start(): void {
    if (this.config.keepRunDirs || this.timer) return;
    const sweep = () => void this.sweep().catch((err: Error) => this.logger.warn(`sweep of ${this.config.runRoot}: ${err.message}`));
    this.timer = setInterval(sweep, RETENTION_SWEEP_INTERVAL_MS).unref();
    sweep();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Marks a run directory as used by a run of this worker (the sweep leaves it alone) after any
   * removal of it under way has finished; returns the release.
   */
  async claim(runDir: string): Promise<() => void> {
    for (let pending = this.removing.get(runDir); pending; pending = this.removing.get(runDir)) await pending;
    this.inUse.set(runDir, (this.inUse.get(runDir) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.inUse.get(runDir) ?? 1) - 1;
      if (n > 0) this.inUse.set(runDir, n);
      else this.inUse.delete(runDir);
    };
  }

  /**
   * Removes the directory of a run that ended here and will not be resumed (done, cancelled), and
   * its sweep's directory once empty; `claimedByCaller`: the caller's own claim on it does not keep
   * it. Kept under WORKER_KEEP_RUN_DIRS, while another run of this worker claims it, or while a
   * trainer still runs in it. Never throws; answers whether it was removed.
   */
  async removeNow(runDir: string, why: 'done' | 'cancelled', claimedByCaller = true): Promise<boolean> {
    if (this.config.keepRunDirs) return false;
    const claims = claimedByCaller ? 1 : 0;
    if ((this.inUse.get(runDir) ?? 0) > claims || (await this.trainerRunsIn(runDir))) return false;
    return this.remove(runDir, why, claims);
  }

  /**
   * One sweep of the run root (see the class); a sweep asked for while one runs shares it. Never
   * throws for one directory: what cannot be read or removed is kept.
   */
  sweep(now = Date.now()): Promise<RetentionSweep> {
    this.sweeping ??= this.sweepOnce(now).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(now: number): Promise<RetentionSweep> {
    const report: RetentionSweep = { removed: { cancelled: 0, finished: 0, expired: 0 }, kept: 0 };
    if (this.config.keepRunDirs) return report;
    const retentionMs = this.config.failedRunDirHours * 3_600_000;
    for (const sweepDir of await subdirectories(this.config.runRoot)) {
      for (const runDir of await subdirectories(sweepDir)) {
        // Only what a worker made (its marker): a run root pointed at a directory with other things in it loses none of them.
        if (this.inUse.has(runDir) || !(await isFile(join(runDir, RUN_DIR_MARKER)))) {
          report.kept++;
          continue;
        }
        let job: RunJobState;
        try {
          job = await this.jobs.stateOf(basename(runDir));
        } catch (err) {
          report.aborted = `cannot read run jobs from Redis (${(err as Error).message}); run directories kept`;
          this.logger.warn(`sweep of ${this.config.runRoot} stopped: ${report.aborted}`);
          return report;
        }
        const why = await this.removal(runDir, job, now, retentionMs);
        if (why && !(await this.trainerRunsIn(runDir)) && (await this.remove(runDir, why, 0))) report.removed[why]++;
        else report.kept++;
      }
    }
    const { cancelled, finished, expired } = report.removed;
    if (cancelled + finished + expired > 0) {
      this.logger.log(
        `removed ${cancelled + finished + expired} run director${cancelled + finished + expired === 1 ? 'y' : 'ies'} that will not be resumed here ` +
          `(${expired} failed or gone more than ${this.config.failedRunDirHours} h ago, ${finished} done elsewhere, ${cancelled} cancelled); ${report.kept} kept`,
      );
    }
    return report;
  }

  /** Why a run directory, with its job in this state, is to go now; undefined: kept. */
  private async removal(runDir: string, job: RunJobState, now: number, retentionMs: number): Promise<Exclude<RunDirRemoval, 'done'> | undefined> {
    if (job.state === 'completed') return 'finished';
    if (job.state === 'failed' && job.failedReason === CANCELLED_REASON) return 'cancelled';
    if (job.state !== 'failed' && job.state !== 'missing') return undefined; // may be resumed
    const changed = await lastChange(runDir);
    if (changed === undefined) return undefined;
    return now - Math.max(changed, job.finishedOn ?? 0) >= retentionMs ? 'expired' : undefined;
  }

  /** Whether a trainer still runs in the directory; one left by a worker that died is stopped (OrphanTrainers), as before any use of it. */
  private async trainerRunsIn(runDir: string): Promise<boolean> {
    try {
      return (await this.orphans.stopIn(runDir)).liveElsewhere.length > 0;
    } catch {
      return true;
    }
  }

  /**
   * Removes a run directory unless more than `claims` claims hold it: checked and marked as being
   * removed in one synchronous step, so a run that claims it meanwhile waits for the removal.
   */
  private async remove(runDir: string, why: RunDirRemoval, claims: number): Promise<boolean> {
    if ((this.inUse.get(runDir) ?? 0) > claims || this.removing.has(runDir)) return false;
    let removed = false;
    const removal = (async () => {
      try {
        await rm(runDir, { recursive: true, force: true });
        removed = true;
      } catch (err) {
        this.logger.warn(`cannot remove the run directory ${runDir}: ${(err as Error).message}`);
      }
      const sweepDir = dirname(runDir);
      if (sweepDir !== this.config.runRoot) await rmdir(sweepDir).catch(() => undefined); // ENOTEMPTY while other runs are there
    })();
    this.removing.set(runDir, removal);
    try {
      await removal;
    } finally {
      this.removing.delete(runDir);
    }
    if (removed) this.metrics.runDirRemoved(why);
    return removed;
  }
}

/** The directories in `dir` (not symlinks: the sweep never follows a link out of the run root). */
async function subdirectories(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

/**
 * When anything in a run directory last changed (ms): the newest mtime of the directory and its
 * entries (a checkpoint directory's mtime moves when a file is written into it); undefined if it
 * cannot be read.
 */
async function lastChange(runDir: string): Promise<number | undefined> {
  try {
    const names = await readdir(runDir);
    const stats = await Promise.all([runDir, ...names.map((n) => join(runDir, n))].map((p) => lstat(p).catch(() => undefined)));
    return Math.max(...stats.map((s) => s?.mtimeMs ?? 0));
  } catch {
    return undefined;
  }
}

/** Whether `path` is a regular file (not followed if a link). */
async function isFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile();
  } catch {
    return false;
  }
}
