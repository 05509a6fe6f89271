import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { CurvePoint, StopReason, SweepSpec } from '@lawsweep/contracts';
import type { Config } from '@lawsweep/law';
import { configKey } from './config-key';
import { failureSummary } from './failure-summary';
import { RedisStore } from './redis-store';
import { storeCommands, type RunCommands, type SweepCommands } from './store-commands';
import type { StoreKeyOptions } from './store-keys';
import { toSweepRecord } from './store.codec';
import type { FitSummary, HistoryPoint, ImportedRun, NotifyIntent, RecordOutcome, ReserveOutcome, ResultInput, RunRecord, SweepRecord, SweepState, SweepWarning } from './store.types';
import { readRuns } from './sweep-reader';

export interface SweepStoreOptions extends StoreKeyOptions {
  /** Learning-curve points kept per run (the oldest are dropped). */
  maxCurvePoints?: number;
}

const num = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '' : String(v));

/** Runs per import script call (see importRuns). */
const IMPORT_CHUNK = 5_000;
/** Runs per reservation script call: a wave is at most a sweep's parallelism; this bounds one call's arguments and time. */
const RESERVE_CHUNK = 1_000;

/**
 * Sweeps and their runs in Redis: every write, and the reads a planner decides by (the sweep's
 * record, its runs in flight, its failure streak). Every write that guards an invariant (budget,
 * exactly-once results, state changes) is one Lua script; reads are plain commands, pipelined.
 * What a sweep has gathered (runs, observations, spend history) is read by SweepReader; its
 * deletion is SweepDeletionStore's, the plan lock PlanLock's.
 */
export class SweepStore extends RedisStore {
  protected readonly cmd: SweepCommands & RunCommands = storeCommands(this.redis);
  private readonly maxCurvePoints: number;

  constructor(redis: Redis, options: SweepStoreOptions = {}) {
    super(redis, options);
    this.maxCurvePoints = options.maxCurvePoints ?? 10_000;
  }

  /** The prefix of its keys (for another client of the same data). */
  get prefix(): string {
    return this.keys.prefix;
  }

  /** Stores a validated spec as a new sweep; returns its id. */
  async createSweep(spec: SweepSpec, options: { state?: 'running' | 'paused'; now?: number } = {}): Promise<string> {
    const id = `sw-${randomBytes(5).toString('hex')}`;
    const now = options.now ?? Date.now();
    await this.redis
      .multi()
      .hset(this.keys.sweep(id), {
        id,
        name: spec.name,
        spec: JSON.stringify(spec),
        state: options.state ?? 'running',
        budget: String(spec.budget),
        spent: '0',
        reserved: '0',
        maxRuns: String(spec.stop.maxRuns ?? 0),
        planned: '0',
        runSeq: '0',
        version: '0',
        imported: '0',
        queued: '0',
        running: '0',
        done: '0',
        failed: '0',
        cancelled: '0',
        unschedulable: '0',
        warnings: '[]',
        createdAt: String(now),
        updatedAt: String(now),
      })
      .zadd(this.keys.sweeps, now, id)
      .exec();
    return id;
  }

  async getSweep(id: string): Promise<SweepRecord | undefined> {
    const h = await this.redis.hgetall(this.keys.sweep(id));
    // A sweep being deleted (beginDeleteSweep) is gone to every reader.
    return h.id && !h.deletingAt ? toSweepRecord(h) : undefined;
  }

  /** The sweep's version (bumped by every recorded result or import); undefined for an unknown sweep. */
  async sweepVersion(id: string): Promise<number | undefined> {
    const v = await this.redis.hget(this.keys.sweep(id), 'version');
    return v === null ? undefined : Number(v);
  }

  async listSweeps(): Promise<SweepRecord[]> {
    const ids = await this.redis.zrange(this.keys.sweeps, 0, -1);
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.sweep(id));
    const rows = (await pipe.exec()) ?? [];
    return rows.map(([, h]) => h as Record<string, string>).filter((h) => h && h.id).map(toSweepRecord);
  }

  /** Atomically reserves the run's cost (spent + reserved + cost <= budget) and creates the run record. */
  async reserveRun(sweepId: string, config: Config, cost: number, gain = 0, now = Date.now()): Promise<ReserveOutcome> {
    return (await this.reserveRuns(sweepId, [{ config, cost, gain }], now))[0];
  }

  /**
   * reserveRun for several runs, in order, each decided as if alone (a run's budget check counts the
   * runs reserved before it, a config repeated in the list is a duplicate); one script call per
   * RESERVE_CHUNK runs.
   */
  async reserveRuns(sweepId: string, runs: readonly { config: Config; cost: number; gain?: number }[], now = Date.now()): Promise<ReserveOutcome[]> {
    const out: ReserveOutcome[] = [];
    for (let i = 0; i < runs.length; i += RESERVE_CHUNK) {
      const args = runs.slice(i, i + RESERVE_CHUNK).flatMap((r) => [String(r.cost), JSON.stringify(r.config), configKey(r.config), num(r.gain ?? 0)]);
      const reply = await this.cmd.lsReserveRuns(this.keys.sweep(sweepId), this.keys.sweep(sweepId, 'configs'), this.keys.sweep(sweepId, 'active'), this.keys.sweep(sweepId, 'runs'), this.keys.prefix, sweepId, String(now), ...args);
      for (let k = 0; k < reply.length; k += 2) {
        const [status, detail] = [reply[k], reply[k + 1]];
        out.push(status === 'ok' ? { ok: true, runId: detail } : { ok: false, reason: status as Exclude<ReserveOutcome, { ok: true }>['reason'], detail: detail || undefined });
      }
    }
    return out;
  }

  /** Marks a queued run running (true when it moved; a run already running or finished stays). */
  async markRunning(sweepId: string, runId: string, now = Date.now()): Promise<boolean> {
    return (await this.markRunningMany(sweepId, [runId], now)) === 1;
  }

  /** markRunning for many runs of one sweep in one script call; answers how many moved from queued. */
  async markRunningMany(sweepId: string, runIds: string[], now = Date.now()): Promise<number> {
    if (runIds.length === 0) return 0;
    const keys = [this.keys.sweep(sweepId), ...runIds.map((id) => this.keys.run(id))];
    return this.cmd.lsMarkRunningMany(keys.length, ...keys, String(now));
  }

  /**
   * Claims one more enqueue of a queued run whose job is gone (CLAIM_REQUEUE): answers how many
   * times it has been enqueued again with this one, or 0 when it may not be (a worker started it,
   * its sweep ended or is being deleted, or `most` re-enqueues were spent).
   */
  async claimRequeue(sweepId: string, runId: string, most: number): Promise<number> {
    return this.cmd.lsClaimRequeue(this.keys.sweep(sweepId), this.keys.run(runId), String(most));
  }

  /** Appends a progress point to a run's learning curve while it is in flight. */
  async appendCurvePoint(runId: string, point: CurvePoint): Promise<boolean> {
    return (await this.cmd.lsAppendCurve(this.keys.run(runId), this.keys.run(runId, 'curve'), JSON.stringify(point), this.maxCurvePoints)) === 1;
  }

  /** Records a run's outcome exactly once; also used to fail or release runs whose job is gone. */
  async recordResult(sweepId: string, runId: string, result: ResultInput, now = Date.now()): Promise<RecordOutcome> {
    const curve = (result.curve ?? []).slice(-this.maxCurvePoints).map((p) => JSON.stringify(p));
    return this.cmd.lsRecordResult(
      this.keys.sweep(sweepId),
      this.keys.run(runId),
      this.keys.sweep(sweepId, 'active'),
      this.keys.run(runId, 'curve'),
      this.keys.sweep(sweepId, 'obs'),
      this.keys.sweep(sweepId, 'streak'),
      this.keys.sweep(sweepId, 'failures'),
      this.keys.sweep(sweepId, 'streakRuns'),
      result.status,
      num(result.loss),
      result.worker ?? '',
      num(result.attempts),
      result.reason ?? '',
      num(result.partialCostFraction),
      String(now),
      num(result.durationMs),
      runId,
      failureSummary(result.reason ?? ''),
      ...curve,
    );
  }

  /**
   * Imports runs the user already has; returns how many were new (-1 for an unknown sweep).
   * Imports in chunks of IMPORT_CHUNK runs, one script each: a request may carry 100,000 runs, and
   * 300,000 arguments in one call overflow the JavaScript stack (and would hold Redis for the whole
   * import). Each chunk is atomic; a config already known is skipped, so a retried import is harmless.
   */
  async importRuns(sweepId: string, runs: ImportedRun[], now = Date.now()): Promise<number> {
    if (runs.length <= IMPORT_CHUNK) return this.importChunk(sweepId, runs, now);
    let added = 0;
    for (let start = 0; start < runs.length; start += IMPORT_CHUNK) {
      const n = await this.importChunk(sweepId, runs.slice(start, start + IMPORT_CHUNK), now);
      if (n < 0) return n; // the sweep does not exist
      added += n;
    }
    return added;
  }

  private async importChunk(sweepId: string, runs: ImportedRun[], now: number): Promise<number> {
    const args: string[] = [];
    for (const r of runs) args.push(JSON.stringify(r.config), configKey(r.config), String(r.loss));
    return this.cmd.lsImportRuns(
      this.keys.sweep(sweepId),
      this.keys.sweep(sweepId, 'configs'),
      this.keys.sweep(sweepId, 'runs'),
      this.keys.sweep(sweepId, 'obs'),
      this.keys.prefix,
      sweepId,
      String(now),
      ...args,
    );
  }

  /**
   * Moves a sweep to `to` if it is in one of `from` (and, given `expectedRevision`, its spec has not
   * changed since: else 'revision'); answers 'ok', 'missing', 'revision' or the current state. With
   * `notify`, a move that happens also leaves that message in the notify outbox, in the same step.
   * `reason`: the stop reason (text), or the text with its cause; none ('') clears both.
   */
  async transition(sweepId: string, from: SweepState[], to: SweepState, reason: string | StopReason = '', now = Date.now(), expectedRevision?: number, notify?: NotifyIntent): Promise<string> {
    const { text, cause } = typeof reason === 'string' ? { text: reason, cause: undefined } : reason;
    return this.cmd.lsTransition(
      this.keys.sweep(sweepId),
      this.keys.sweep(sweepId, 'streak'),
      this.keys.sweep(sweepId, 'streakRuns'),
      this.keys.notifyOutbox,
      to,
      text,
      String(now),
      expectedRevision === undefined ? '' : String(expectedRevision),
      notify?.id ?? '',
      notify?.json ?? '',
      cause ?? '',
      ...from,
    );
  }

  /**
   * Replaces a sweep's spec (budget, parallelism, stop rules changed; see UPDATE_SWEEP) if its
   * `specRevision` is still `expectedRevision`. Answers 'ok', 'reopened' (it had ended and runs
   * again: only with `reopen`, the default), 'missing', 'revision' (changed meanwhile: read it again), 'budget:<spent + reserved>',
   * 'maxRuns:<planned>' (below what the sweep already used) or the state that refuses the change.
   */
  async updateSweep(sweepId: string, spec: SweepSpec, expectedRevision: number, options: { reopen?: boolean; now?: number } = {}): Promise<string> {
    return this.cmd.lsUpdateSweep(
      this.keys.sweep(sweepId),
      this.keys.sweep(sweepId, 'streak'),
      this.keys.sweep(sweepId, 'streakRuns'),
      JSON.stringify(spec),
      String(spec.budget),
      String(spec.stop.maxRuns ?? 0),
      String(expectedRevision),
      String(options.now ?? Date.now()),
      options.reopen === false ? '0' : '1',
    );
  }

  /** The notify outbox: messages whose state change was made (transition with `notify`) and not yet queued for delivery, by id. */
  async notifyOutbox(): Promise<NotifyIntent[]> {
    const all = await this.redis.hgetall(this.keys.notifyOutbox);
    return Object.entries(all).map(([id, json]) => ({ id, json }));
  }

  /** Removes a message from the notify outbox once it is queued for delivery. */
  async clearNotifyIntent(id: string): Promise<void> {
    await this.redis.hdel(this.keys.notifyOutbox, id);
  }

  /**
   * Gives back the failed runs of a paused sweep's current failure streak (RELEASE_STREAK): they no
   * longer count against stop.maxRuns and their configs may be planned again. Returns how many;
   * 0 when the sweep is not paused or has none.
   */
  async releaseFailureStreak(sweepId: string): Promise<number> {
    const n = await this.cmd.lsReleaseStreak(this.keys.sweep(sweepId), this.keys.sweep(sweepId, 'streakRuns'), this.keys.sweep(sweepId, 'configs'), this.keys.prefix);
    return Math.max(0, n);
  }

  /** Summaries (failureSummary) of the failed runs of the sweep's current failure streak, oldest first (the newest 1000). */
  async failureStreakReasons(sweepId: string): Promise<string[]> {
    return this.redis.lrange(this.keys.sweep(sweepId, 'streak'), 0, -1);
  }

  /**
   * The workers that reported the failed runs of the sweep's current failure streak, one per run
   * (oldest first, the newest 1000; '' for a run whose record names none): the breaker tells one sick
   * node from a broken trainer by them.
   */
  async failureStreakWorkers(sweepId: string): Promise<string[]> {
    const ids = await this.redis.lrange(this.keys.sweep(sweepId, 'streakRuns'), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.run(id), 'worker');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([, worker]) => (typeof worker === 'string' ? worker : ''));
  }

  /**
   * The sweep's warnings, as a plan pass found them; with `untried`, the untried candidates the budget
   * still pays for then (cost, count) and the spec revision planned with (SweepRecord.untried).
   * Nothing is written for a sweep deleted or being deleted (SET_WARNINGS).
   */
  async setWarnings(sweepId: string, warnings: SweepWarning[], untried?: { cost: number; count: number; specRevision: number }): Promise<void> {
    const fields = ['warnings', JSON.stringify(warnings)];
    if (untried) fields.push('untriedCost', String(untried.cost), 'untriedCount', String(untried.count), 'untriedRevision', String(untried.specRevision));
    await this.cmd.lsSetWarnings(this.keys.sweep(sweepId), ...fields);
  }

  /**
   * The sweep's latest fit and, with it, a point of its spend history (kept in time order: SAVE_FIT);
   * nothing for a sweep deleted or being deleted.
   */
  async saveFit(sweepId: string, fit: FitSummary, history?: HistoryPoint): Promise<void> {
    let at = '';
    let rest = '';
    if (history) {
      const { at: when, ...others } = history;
      if (!Number.isFinite(when)) throw new Error(`sweep ${sweepId}: a history point's time must be a finite number of ms (got ${when})`);
      at = String(Math.round(when));
      const json = JSON.stringify(others);
      rest = json === '{}' ? '}' : `,${json.slice(1)}`;
    }
    await this.cmd.lsSaveFit(this.keys.sweep(sweepId), this.keys.sweep(sweepId, 'history'), JSON.stringify(fit), at, rest);
  }

  /** Ids of the runs in flight (queued or running). */
  async activeRunIds(sweepId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.sweep(sweepId, 'active'));
  }

  /** Runs in flight (queued or running). */
  async activeRuns(sweepId: string): Promise<RunRecord[]> {
    return readRuns(this.redis, this.keys, await this.redis.smembers(this.keys.sweep(sweepId, 'active')));
  }
}
