import type { SweepSpec } from '@lawsweep/contracts';
import { RedisStore } from './redis-store';
import { storeCommands, type DeletionCommands } from './store-commands';

/**
 * Runs per deletion script call: a run is its hash and a curve of up to 2,000 points (~135 KB), so
 * a chunk frees up to ~70 MB and holds Redis for milliseconds (2-8 ms per chunk of such runs,
 * measured with SLOWLOG on Redis 7.0), not the seconds one DEL of a 50,000-run sweep's keys would.
 */
export const DELETE_CHUNK = 500;

/** How SweepDeletionStore.deleteRunsAndFinish goes through a sweep being deleted. */
export interface DeleteSweepOptions {
  /** Runs deleted per script call (default DELETE_CHUNK). */
  chunk?: number;
  /** Called with each chunk's run ids before their keys go (the planner removes their queue jobs then: the ids are gone after). */
  beforeChunk?: (runIds: string[]) => Promise<void>;
  /** Called once its runs are gone, before its record goes (the planner removes its other queue jobs then). */
  beforeFinish?: () => Promise<void>;
  /** Keys outside this store's prefix that belong to the sweep (the workers' cancel key), deleted with its record. */
  alsoKeys?: string[];
}

/**
 * Deleting a sweep and every key it owns, in steps a stopped planner leaves resumable (the deletion
 * scripts), and the memory of queue jobs its deletion could not remove yet.
 */
export class SweepDeletionStore extends RedisStore {
  protected readonly cmd: DeletionCommands = storeCommands(this.redis);

  /**
   * Starts deleting a sweep that has ended (done, cancelled, failed) with no run in flight: from now
   * on it is gone to readers (getSweep, listSweeps), and sweepsBeingDeleted names it until
   * deleteRunsAndFinish has removed every key it owns. Answers 'ok' (also for a sweep already being
   * deleted), 'missing', 'inflight:<n>' or the state that refuses it (BEGIN_DELETE).
   */
  async beginDeleteSweep(sweepId: string, now = Date.now()): Promise<string> {
    return this.cmd.lsBeginDelete(this.keys.sweep(sweepId), this.keys.sweep(sweepId, 'active'), this.keys.sweeps, this.keys.deleting, sweepId, String(now));
  }

  /**
   * Deletes every key of a sweep being deleted, in bounded steps: its runs (hash and curve) a chunk
   * per script call from the head of its runs list (DELETE_RUN_CHUNK), then its record and the rest
   * (FINISH_DELETE). Idempotent: a second call, or one after a crash midway, goes on from what is
   * left. Answers 'ok' with the runs this call deleted and in how many chunks, 'missing' (nothing left
   * of it) or 'not-deleting' (beginDeleteSweep was not called, or refused).
   */
  async deleteRunsAndFinish(sweepId: string, options: DeleteSweepOptions = {}): Promise<{ outcome: 'ok' | 'missing' | 'not-deleting'; runs: number; chunks: number }> {
    const chunk = Math.max(1, Math.floor(options.chunk ?? DELETE_CHUNK));
    const runsKey = this.keys.sweep(sweepId, 'runs');
    let runs = 0;
    let chunks = 0;
    const ownKeys = ['', 'runs', 'active', 'configs', 'obs', 'history', 'streak', 'streakRuns', 'failures'].map((sub) => this.keys.sweep(sweepId, sub || undefined));
    for (;;) {
      const ids = await this.redis.lrange(runsKey, 0, chunk - 1);
      if (ids.length > 0) {
        await options.beforeChunk?.(ids);
        const n = await this.cmd.lsDeleteRunChunk(runsKey, this.keys.sweep(sweepId), this.keys.prefix, ...ids);
        if (n === -2) return { outcome: 'not-deleting', runs, chunks };
        if (n > 0) {
          runs += n;
          chunks++;
        }
        continue; // -1: another replica took this head meanwhile; read it again
      }
      await options.beforeFinish?.();
      const outcome = await this.cmd.lsFinishDelete(...ownKeys, this.keys.sweeps, this.keys.deleting, this.keys.notifyOutbox, sweepId, ...(options.alsoKeys ?? []));
      // 'runs-left': an import landed after the last read; its runs go too.
      if (outcome !== 'runs-left') return { outcome: outcome as 'ok' | 'missing' | 'not-deleting', runs, chunks };
    }
  }

  /** Runs of a sweep being deleted not deleted yet. */
  async runsLeftToDelete(sweepId: string): Promise<number> {
    return this.redis.llen(this.keys.sweep(sweepId, 'runs'));
  }

  /** Sweeps whose deletion began and has not finished (a planner stopped midway: the next one goes on). */
  async sweepsBeingDeleted(): Promise<string[]> {
    return this.redis.smembers(this.keys.deleting);
  }

  /** The spec of a sweep being deleted (its pool names the queue of its jobs), or undefined once its record is gone. */
  async specOfDeletingSweep(sweepId: string): Promise<SweepSpec | undefined> {
    const spec = await this.redis.hget(this.keys.sweep(sweepId), 'spec');
    return spec === null ? undefined : (JSON.parse(spec) as SweepSpec);
  }

  /**
   * Queue jobs of deleted sweeps that could not be removed yet (a worker held them), as the planner
   * names them (opaque here): kept in a set of their own, which names no sweep, until a later try
   * removes them (forgetHeldJobs).
   */
  async rememberHeldJobs(jobs: string[]): Promise<void> {
    if (jobs.length) await this.redis.sadd(this.keys.heldJobs, ...jobs);
  }
  async heldJobs(): Promise<string[]> {
    return this.redis.smembers(this.keys.heldJobs);
  }
  async forgetHeldJobs(jobs: string[]): Promise<void> {
    if (jobs.length) await this.redis.srem(this.keys.heldJobs, ...jobs);
  }
}
