import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CANCELLED_REASON, capacityHolds, runBackoff, runJobDataSchema, runResultSchema, type CurvePoint, type RunJobData, type RunResult } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { WorkerMetrics, type HandBackReason, type RunOutcome } from '../observability/worker-metrics.service';
import { WorkerRedis } from '../redis/worker-redis.service';
import { WorkerRegistry } from '../registry/worker-registry.service';
import { TrainerRunners } from '../trainers/trainer-runners.service';
import type { StopReason } from '../trainers/trainer.types';
import { capacityProblem } from './capacity';
import { CancelWatcher } from './cancel-watcher.service';
import { DiskSpace } from './disk-space';
import { GpuSlots } from './gpu-slots.service';
import { LockFence } from './lock-fence.service';
import { ResultReporter } from './result-reporter.service';
import { RUN_DIR_MARKER, runDirOf } from './run-dir';
import { RunDirInUse } from './run-dir-in-use';
import { RunDirRetention } from './run-dir-retention.service';
import { RunFailure } from './run-failure';
import { RunStopped } from './run-stopped';
import { timerDelay } from './timer-delay';
import { BoundedCurve } from './bounded-curve';

/** Delay before a handed-back run is offered again: jittered, doubling per hand-back, capped. */
const HAND_BACK_BASE_MS = 500;
const HAND_BACK_CAP_MS = 30_000;
/** A run still being trained elsewhere is offered again after 1 s, doubling up to a minute, at most 150 times (~2.5 h). */
const DIR_WAIT_BASE_MS = 1_000;
const DIR_WAIT_CAP_MS = 60_000;
const MAX_DIR_WAITS = 150;
/** A retry of a run that failed here is handed back for another worker at most 3 times, after 0.5, 1 and 2 s (jittered). */
const MAX_AVOIDS = 3;
const AVOID_BASE_MS = 500;
const AVOID_CAP_MS = 2_000;
const GIB = 1024 ** 3;
/**
 * A worker whose run root is below WORKER_MIN_FREE_DISK_GIB takes no runs for this long after handing
 * one back (then looks again): taking them only to hand them back would delay each by the hand-back
 * while workers with room could start it at once.
 */
export const LOW_DISK_PAUSE_MS = 30_000;

/** Bytes as GiB for a log line: "0.42 GiB". */
const gib = (bytes: number): string => `${(bytes / GIB).toFixed(2)} GiB`;

interface ActiveRun {
  controller: AbortController;
  settled: Promise<unknown>;
}

/**
 * Runs one attempt of a run job: checks it (schema, capacity, cancel flag), runs its trainer with
 * a GPU and a run directory, streams progress, and ends it one of four ways:
 * - done: the result is posted to the results queue, then the job completes;
 * - failed for good (not retryable, or the last attempt): the failed result is posted, then the job
 *   fails (UnrecoverableError when a retry cannot help);
 * - failed, retryable: the job fails and BullMQ retries it after the jittered backoff; no result;
 * - stopped for shutdown: the job is moved back to wait for another worker; no result;
 * - stopped for a lost lock (LockFence): left to BullMQ's stalled check, which requeues it; no result.
 * Before that, a run it cannot serve goes back to the queue, delayed, without using an attempt: one
 * over its capacity (while a bigger worker lives), one still trained elsewhere, and a command run
 * while the run root has less than WORKER_MIN_FREE_DISK_GIB free (after a retention sweep).
 * Results are posted before the job settles, so a crash in between only duplicates a result,
 * which its job id and the planner's idempotent recording absorb.
 */
@Injectable()
export class RunExecutor {
  private readonly logger = new Logger(RunExecutor.name);
  private readonly active = new Map<string, ActiveRun>();
  /** Set while drain() waits out its grace period. */
  private endGraceNow?: () => void;
  /** Told when a run was handed back for want of disk (RunsProcessor stops fetching for a while). */
  private lowDiskListener: () => void = () => undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly trainers: TrainerRunners,
    private readonly reporter: ResultReporter,
    private readonly cancels: CancelWatcher,
    private readonly gpus: GpuSlots,
    private readonly registry: WorkerRegistry,
    private readonly metrics: WorkerMetrics,
    private readonly redis: WorkerRedis,
    private readonly fence: LockFence,
    private readonly retention: RunDirRetention,
    private readonly disk: DiskSpace,
  ) {}

  /** `listener` is called each time a run is handed back because the run root is below the disk floor. */
  onLowDisk(listener: () => void): void {
    this.lowDiskListener = listener;
  }

  get busy(): number {
    return this.active.size;
  }

  async execute(job: Job, token: string): Promise<RunResult> {
    const parsed = runJobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      const reason = `invalid run job ${job.id}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}`;
      this.metrics.recordRun('refused', 'unknown', 0);
      // With its ids readable, the planner is told (e.g. a trainer type this worker does not know).
      const { sweepId, runId } = (job.data ?? {}) as { sweepId?: unknown; runId?: unknown };
      if (typeof sweepId === 'string' && sweepId && typeof runId === 'string' && runId) {
        await this.reporter.report({ status: 'failed', sweepId, runId, reason, curve: [], worker: this.config.id, attempts: job.attemptsMade + 1, durationMs: 0 });
      }
      throw new UnrecoverableError(reason);
    }
    const data = parsed.data;
    const attempt = job.attemptsMade + 1;
    const started = Date.now();
    const curve = new BoundedCurve();
    const fail = async (reason: string, outcome: RunOutcome): Promise<never> => {
      await this.reporter.report(this.failedResult(data, reason, curve.toArray(), attempt, started));
      this.record(outcome, data, started);
      throw new UnrecoverableError(reason);
    };

    const tooBig = capacityProblem(data.config, this.config.capacity, this.config.id);
    if (tooBig) {
      if (await this.handBackForBiggerWorker(job, data, token)) throw new DelayedError();
      return fail(tooBig, 'refused');
    }
    // Only command trainers use a run directory; simulated demo runs would litter tmp with empty ones.
    const usesRunDir = data.trainer.type === 'command';
    const runDir = runDirOf(this.config.runRoot, data.sweepId, data.runId);
    if (await this.cancels.isCancelled(data.sweepId)) {
      // An earlier attempt's directory (retried, handed back) will not be resumed: removed, unless a run of this worker still uses it.
      if (usesRunDir) await this.retention.removeNow(runDir, 'cancelled', false);
      return fail(CANCELLED_REASON, 'cancelled');
    }
    // This worker still trains the run (it lost the lock, BullMQ requeued the run, and the job came
    // back here before LockFence noticed, or while that trainer winds down): wait for that attempt
    // rather than start a second one.
    if (this.active.has(data.runId)) {
      const busy = new RunDirInUse(`this worker (${this.config.id}) still trains run ${data.runId} from an earlier hand-out of its job`);
      if (await this.handBackBusyDir(job, data, token, busy)) throw new DelayedError();
      return fail(busy.message, 'failed');
    }
    // An attempt of this run already failed here, and a live worker of the pool on which none failed
    // can hold it: the retry goes there (a sick node, a full disk, a broken GPU, would fail every
    // attempt it takes), a few times at most, then runs here rather than wait on it.
    if ((data.failedOn ?? []).includes(this.config.id) && (await this.handBackForAnotherWorker(job, data, token))) throw new DelayedError();
    // A run root out of space would fail this run within seconds (and every run after it), which
    // tells the planner the trainer is broken: handed back for a worker with room instead.
    const lowDisk = usesRunDir ? await this.lowDisk() : undefined;
    if (lowDisk) {
      const n = await this.delayHandBack(job, data, token, 'refusals', HAND_BACK_BASE_MS, HAND_BACK_CAP_MS, 'low_disk');
      this.logger.warn(`run ${data.runId} handed back for another worker (hand-back ${n}), not started here: ${lowDisk}; taking no runs for ${LOW_DISK_PAUSE_MS / 1000} s`);
      this.lowDiskListener();
      throw new DelayedError();
    }

    const controller = new AbortController();
    let settle!: () => void;
    this.active.set(data.runId, { controller, settled: new Promise<void>((r) => (settle = r)) });
    this.busyChanged();
    this.metrics.progressed();
    const gpu = this.gpus.acquire();
    const stopWatching = this.cancels.watch(data.sweepId, () => controller.abort('cancelled' satisfies StopReason));
    const lockAgeMs = Date.now() - (job.processedOn ?? Date.now()); // processedOn: this worker's clock when it took the job (and its lock)
    const stopFencing = this.fence.guard(String(job.id), data.runId, lockAgeMs, () => controller.abort('lost-lock' satisfies StopReason));
    let progress: Promise<unknown> = Promise.resolve();
    let releaseRunDir = (): void => undefined;
    try {
      if (usesRunDir) {
        releaseRunDir = await this.retention.claim(runDir); // the retention sweep leaves it alone while this run uses it
        await mkdir(runDir, { recursive: true });
        await writeFile(join(runDir, RUN_DIR_MARKER), `${data.runId}\n`); // what the retention sweep may remove (run-dir.ts)
      }
      const outcome = await this.trainers.run(data.trainer, {
        job: data,
        attempt,
        runDir,
        env: gpu !== undefined ? { CUDA_VISIBLE_DEVICES: gpu } : {},
        signal: controller.signal,
        onProgress: (point) => {
          this.metrics.progressed(); // a thinned-out point is progress too
          if (!curve.push(point)) return; // thinned out (BoundedCurve): not sent as progress either
          // Chained so that progress reaches Redis in order; a lost progress point is not worth
          // failing the run for.
          progress = progress
            .then(() => job.updateProgress({ point }))
            .catch((err: Error) => {
              this.fence.redisError(err); // Redis at its maxmemory: why a lock may lapse next (LockFence says so)
              this.logger.warn(`progress of run ${data.runId}: ${err.message}`);
            });
        },
      });
      await progress;
      // The result is the job's return value: BullMQ stores it with the completion, in one script,
      // and the planner records it from the completed job (contracts: queues.ts). One hop, not a
      // second job on the results queue (which failed runs still use).
      const result = runResultSchema.parse({
        status: 'done',
        sweepId: data.sweepId,
        runId: data.runId,
        loss: outcome.loss,
        curve: curve.toArray(),
        worker: this.config.id,
        attempts: attempt,
        durationMs: Date.now() - started,
      });
      this.record('done', data, started);
      // Its checkpoints were only needed to resume: removed (unless WORKER_KEEP_RUN_DIRS), and its sweep's directory once empty.
      if (usesRunDir) await this.retention.removeNow(runDir, 'done');
      return result;
    } catch (err) {
      await progress;
      if (err instanceof RunStopped && err.reason === 'shutdown') {
        // Back to wait with its attempt count unchanged: the run did not fail, this worker left.
        await job.moveToWait(token);
        this.record('handed_back', data, started);
        this.logger.log(`run ${data.runId} handed back to the queue (shutdown)`);
        throw new WaitingError();
      }
      if (err instanceof RunStopped && err.reason === 'lost-lock') {
        // The run is another attempt's now (LockFence logged why): no result, and no move with this
        // stale token, which Redis would refuse. BullMQ takes a WaitingError as "the processor moved
        // the job itself": it neither completes nor fails it (no 'failed' event), it only fetches the
        // next job. The stalled check requeues this one once its lock has expired, if it has not yet;
        // the run directory stays, for the next attempt to resume from.
        this.record('lost_lock', data, started);
        throw new WaitingError();
      }
      if (err instanceof RunStopped) {
        // Cancelled: nothing will resume it; its trainer has stopped (RunStopped comes after its group is gone).
        if (usesRunDir) await this.retention.removeNow(runDir, 'cancelled');
        return fail(CANCELLED_REASON, 'cancelled');
      }
      if (err instanceof RunDirInUse && (await this.handBackBusyDir(job, data, token, err))) throw new DelayedError();
      if (err instanceof UnrecoverableError || err instanceof WaitingError) throw err;
      const failure = err instanceof RunFailure ? err : new RunFailure(err instanceof RunDirInUse ? `${err.message} (${MAX_DIR_WAITS} hand-backs)` : `worker error: ${(err as Error).message}`, true);
      const lastAttempt = attempt >= (job.opts.attempts ?? 1);
      if (!failure.retryable) return fail(failure.message, 'failed');
      if (lastAttempt) {
        await this.reporter.report(this.failedResult(data, failure.message, curve.toArray(), attempt, started));
        this.record('failed', data, started);
      } else {
        // Logged with its reason by RunsProcessor.onFailed, as every failed attempt is.
        this.record('retried', data, started);
        // Said on the job (as it came: see delayHandBack), for the retry to go to another worker.
        const failedOn = [...(data.failedOn ?? []), this.config.id].slice(-16);
        await job.updateData({ ...(job.data as RunJobData), failedOn }).catch((e: Error) => this.logger.warn(`run ${data.runId}: could not note the failed attempt on its job: ${e.message}`));
      }
      throw new Error(failure.message);
    } finally {
      stopWatching();
      stopFencing();
      releaseRunDir();
      this.gpus.release(gpu);
      this.active.delete(data.runId);
      settle();
      this.busyChanged();
    }
  }

  /**
   * A run too big for this worker reached it (the planner routes by the registry, but a bigger
   * worker may have left, or this one joined, in between). While another live worker of the pool
   * can hold it, the run goes back to the queue, delayed (doubling per hand-back up to 30 s, so an
   * idle small worker that keeps winning the race for it costs little while the big one is busy):
   * no attempt is used and nothing is reported. With no such worker it fails at once, with the reason.
   */
  private async handBackForBiggerWorker(job: Job, data: RunJobData, token: string): Promise<boolean> {
    const others = await this.redis.liveAdverts().catch(() => []);
    if (!others.some((w) => w.pool === this.config.pool && capacityHolds(w.capacity, data.config))) return false;
    const refusals = await this.delayHandBack(job, data, token, 'refusals', HAND_BACK_BASE_MS, HAND_BACK_CAP_MS, 'capacity');
    this.logger.log(`run ${data.runId} is over this worker's capacity; handed back for a bigger worker (hand-back ${refusals})`);
    return true;
  }

  /**
   * A retry of a run that failed on this worker, handed back while another live, not draining worker of
   * the pool on which it has not failed can hold it: at most MAX_AVOIDS times (counted in the job's
   * `avoids`), so a run whose other workers stay busy still runs here, after a few seconds of delays.
   */
  private async handBackForAnotherWorker(job: Job, data: RunJobData, token: string): Promise<boolean> {
    if ((data.avoids ?? 0) >= MAX_AVOIDS) return false;
    const failedOn = new Set(data.failedOn);
    const others = await this.redis.liveAdverts().catch(() => []);
    if (!others.some((w) => w.pool === this.config.pool && !failedOn.has(w.id) && capacityHolds(w.capacity, data.config))) return false;
    const n = await this.delayHandBack(job, data, token, 'avoids', AVOID_BASE_MS, AVOID_CAP_MS, 'failed_here');
    this.logger.log(`run ${data.runId} failed on this worker before; handed back for another worker (hand-back ${n} of ${MAX_AVOIDS})`);
    return true;
  }

  /**
   * Back to the queue, delayed (jittered, doubling per hand-back of this kind, counted in the job's
   * `count` field, up to `capMs`), without using an attempt and without a result; returns the count.
   */
  private async delayHandBack(job: Job, data: RunJobData, token: string, count: 'refusals' | 'dirWaits' | 'avoids', baseMs: number, capMs: number, reason: HandBackReason): Promise<number> {
    const n = (data[count] ?? 0) + 1;
    // Onto the job's data as it came, not the parsed copy: the contract's schema drops fields it does
    // not know, and a newer planner's fields (a rolling upgrade) must reach the worker that runs it.
    await job.updateData({ ...(job.data as RunJobData), [count]: n });
    await job.moveToDelayed(Date.now() + runBackoff(n, Math.random, baseMs, capMs), token);
    this.metrics.recordRun('handed_back', data.trainer.type, 0);
    this.metrics.handedBack(reason);
    return n;
  }

  /**
   * Why the run root has too little room to start a command run (WORKER_MIN_FREE_DISK_GIB), after a
   * retention sweep has removed what it may; undefined when there is room, no floor, or the free
   * space cannot be read (then the run starts, as it would have without the check; logged).
   */
  private async lowDisk(): Promise<string | undefined> {
    const floor = this.config.minFreeDiskGiB * GIB;
    if (floor <= 0) return undefined;
    const free = await this.freeBytes();
    if (free === undefined || free >= floor) return undefined;
    const swept = await this.retention.sweep().catch((err: Error) => ({ removed: { cancelled: 0, finished: 0, expired: 0 }, kept: 0, aborted: err.message }));
    const removed = swept.removed.cancelled + swept.removed.finished + swept.removed.expired;
    const after = removed > 0 ? await this.freeBytes() : free;
    if (after === undefined || after >= floor) {
      this.logger.log(`the run root ${this.config.runRoot} was below WORKER_MIN_FREE_DISK_GIB (${gib(free)} free); removing ${removed} run director${removed === 1 ? 'y' : 'ies'} that will not be resumed here made room (${after === undefined ? 'unreadable' : gib(after)} free)`);
      return undefined;
    }
    return (
      `the run root ${this.config.runRoot} has ${gib(after)} free, below WORKER_MIN_FREE_DISK_GIB=${this.config.minFreeDiskGiB} ` +
      `(a retention sweep removed ${removed} run director${removed === 1 ? 'y' : 'ies'}${swept.aborted ? `, then stopped: ${swept.aborted}` : ''}; ` +
      `${swept.kept} kept: in use, to be resumed, or failed less than WORKER_FAILED_RUN_DIR_HOURS=${this.config.failedRunDirHours} ago). ` +
      `Free space on this worker's disk or give it a bigger one`
    );
  }

  /** The run root's free bytes (also exported as a gauge); undefined, logged, when statfs fails. */
  private async freeBytes(): Promise<number | undefined> {
    try {
      const free = await this.disk.freeBytes(this.config.runRoot);
      this.metrics.setRunRootFree(free);
      return free;
    } catch (err) {
      this.logger.warn(`cannot read the free space of the run root ${this.config.runRoot} (statfs): ${(err as Error).message}; starting the run without the WORKER_MIN_FREE_DISK_GIB check`);
      return undefined;
    }
  }

  /**
   * The run is still being trained, by another live worker that lost its lock or by this one
   * (RunDirInUse): back to the queue, delayed (doubling up to a minute), without using an attempt and
   * without a result. After MAX_DIR_WAITS hand-backs (hours: that trainer should have ended or timed
   * out) it is an ordinary retryable failure. Returns false then.
   */
  private async handBackBusyDir(job: Job, data: RunJobData, token: string, why: RunDirInUse): Promise<boolean> {
    if ((data.dirWaits ?? 0) >= MAX_DIR_WAITS) return false;
    const waits = await this.delayHandBack(job, data, token, 'dirWaits', DIR_WAIT_BASE_MS, DIR_WAIT_CAP_MS, 'dir_in_use');
    this.logger.warn(`run ${data.runId} handed back, to wait (${waits} of ${MAX_DIR_WAITS}): ${why.message}`);
    return true;
  }

  /**
   * Shutdown: lets the runs in progress finish within `graceMs` (or until endGrace()), then stops
   * the rest (they are handed back to the queue) and waits for them to wind down. `hint` is added
   * to the waiting message (how to cut the wait short).
   */
  async drain(graceMs: number, hint = ''): Promise<void> {
    if (this.active.size === 0) return;
    this.logger.log(`waiting up to ${graceMs / 1000}s for ${this.active.size} run(s) to finish${hint}`);
    const all = () => Promise.all([...this.active.values()].map((a) => a.settled));
    let timer: NodeJS.Timeout | undefined;
    let cutShort = false;
    await Promise.race([
      all(),
      new Promise<void>((r) => {
        timer = setTimeout(r, timerDelay(graceMs));
        this.endGraceNow = () => ((cutShort = true), r());
      }),
    ]);
    clearTimeout(timer);
    this.endGraceNow = undefined;
    if (this.active.size === 0) return;
    this.logger.log(`${cutShort ? 'asked again' : 'grace period over'}: stopping ${this.active.size} run(s) and handing them back`);
    for (const run of this.active.values()) run.controller.abort('shutdown' satisfies StopReason);
    await all();
  }

  /** Ends a drain's grace period now (a second signal): its runs are stopped and handed back. */
  endGrace(): boolean {
    if (!this.endGraceNow) return false;
    this.endGraceNow();
    return true;
  }

  private failedResult(data: RunJobData, reason: string, curve: CurvePoint[], attempts: number, started: number): RunResult {
    const partial = partialCostFraction(data, curve);
    return {
      status: 'failed',
      sweepId: data.sweepId,
      runId: data.runId,
      reason: reason.length > 20_000 ? `${reason.slice(0, 19_990)}…` : reason,
      curve,
      worker: this.config.id,
      attempts,
      durationMs: Date.now() - started,
      ...(partial !== undefined ? { partialCostFraction: partial } : {}),
    };
  }

  private record(outcome: RunOutcome, data: RunJobData, started: number): void {
    this.metrics.recordRun(outcome, data.trainer.type, (Date.now() - started) / 1000);
  }

  private busyChanged(): void {
    this.metrics.setBusy(this.active.size);
    this.registry.setBusy(this.active.size);
  }
}

/** The share of a run's cost used before it failed: tokens reached / tokens planned (D), if known. */
function partialCostFraction(data: RunJobData, curve: CurvePoint[]): number | undefined {
  const planned = data.config.D;
  const reached = [...curve].reverse().find((p) => p.tokens !== undefined)?.tokens;
  if (!planned || reached === undefined) return undefined;
  return Math.max(0, Math.min(1, reached / planned));
}
