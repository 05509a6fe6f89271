import type Redis from 'ioredis';
import type { CurvePoint, SpendWindow } from '@lawsweep/contracts';
import { RedisStore } from './redis-store';
import { storeCommands, type SweepReadCommands } from './store-commands';
import { StoreKeys } from './store-keys';
import { toRunRecord } from './store.codec';
import type { FailureReasonCount, HistoryPoint, ObservationRecord, RunRecord, RunsPage } from './store.types';

/**
 * What a sweep has gathered, read for the engine cache, the API and the dashboard: its runs' records
 * (by id, in list order, a page at a time), its observations and known configs, its spend history,
 * its failure counts. Plain commands, pipelined (the spend window is one read-only script); every
 * write, and the sweep's record itself, are SweepStore's.
 */
export class SweepReader extends RedisStore {
  protected readonly cmd: SweepReadCommands = storeCommands(this.redis);

  async getRun(runId: string, withCurve = false): Promise<RunRecord | undefined> {
    return (await this.getRuns([runId], withCurve))[0];
  }

  /** The sweep's runs in the order they were planned or imported; with `last`, only the newest that many. */
  async listRuns(sweepId: string, withCurves = false, last?: number): Promise<RunRecord[]> {
    return this.getRuns(await this.redis.lrange(this.keys.sweep(sweepId, 'runs'), last === undefined ? 0 : -last, -1), withCurves);
  }

  /**
   * One page of the sweep's runs in list order (the order they were planned or imported, which is
   * their ids' sequence number), at most `limit` of them after the run `after` (from the first when
   * none). The runs list only grows at its end, so a reader that walks pages by `next` sees every run
   * once, however many are added meanwhile. Redis reads `limit + 1` ids, never the whole list.
   * Undefined when `after` is no run of this sweep.
   */
  async listRunsPage(sweepId: string, page: { limit: number; after?: string; withCurves?: boolean }): Promise<RunsPage | undefined> {
    const key = this.keys.sweep(sweepId, 'runs');
    let start = 0;
    if (page.after !== undefined) {
      const index = await this.runIndex(sweepId, page.after);
      if (index === undefined) return undefined;
      start = index + 1;
    }
    const ids = await this.redis.lrange(key, start, start + page.limit);
    const more = ids.length > page.limit;
    if (more) ids.length = page.limit;
    return { runs: await this.getRuns(ids, page.withCurves ?? false), ...(more ? { next: ids[ids.length - 1] } : {}) };
  }

  /**
   * Where a run sits in its sweep's runs list. A run id ends in the sweep's runSeq at its creation
   * (`<sweep>-r00042`) and each new run is pushed with the next seq, so the index is seq - 1: one
   * LINDEX confirms it; LPOS (a scan, in Redis) is the fallback for a list that does not follow it.
   */
  private async runIndex(sweepId: string, runId: string): Promise<number | undefined> {
    const key = this.keys.sweep(sweepId, 'runs');
    const seq = runId.startsWith(`${sweepId}-`) ? /^[ri](\d+)$/.exec(runId.slice(sweepId.length + 1))?.[1] : undefined;
    if (seq !== undefined && Number(seq) >= 1 && (await this.redis.lindex(key, Number(seq) - 1)) === runId) return Number(seq) - 1;
    const found = await this.redis.lpos(key, runId);
    return found === null ? undefined : found;
  }

  async getRuns(ids: string[], withCurves = false): Promise<RunRecord[]> {
    return readRuns(this.redis, this.keys, ids, withCurves);
  }

  /**
   * The spend history's points from `since` (ms) on: the oldest of them and how many (for contracts'
   * estimateTimeLeft), found by one script call's binary search however long the history is.
   */
  async spendWindow(sweepId: string, since: number): Promise<SpendWindow | undefined> {
    const found = await this.cmd.lsSpendWindow(this.keys.sweep(sweepId, 'history'), since);
    if (!found) return undefined;
    const oldest = JSON.parse(found[0]) as HistoryPoint;
    if (!(Number.isFinite(oldest.at) && Number.isFinite(oldest.spent))) return undefined;
    return { oldest: { at: oldest.at, spent: oldest.spent, n: Number.isFinite(oldest.n) ? oldest.n : 0 }, count: Number(found[1]) };
  }

  async history(sweepId: string): Promise<HistoryPoint[]> {
    return (await this.historyFrom(sweepId, 0)).points;
  }

  /**
   * The history's points from index `start` on, and how many it has in all (read together). The list
   * only grows at its end (SAVE_FIT), so a reader that has `n` points asks from `n` for the new ones.
   */
  async historyFrom(sweepId: string, start: number): Promise<{ points: HistoryPoint[]; total: number }> {
    const key = this.keys.sweep(sweepId, 'history');
    const [rows, total] = await this.cmd.lsRangeWithLength(key, start);
    return { points: rows.map((s) => JSON.parse(s) as HistoryPoint), total: Number(total) };
  }

  async observations(sweepId: string): Promise<ObservationRecord[]> {
    return this.observationsFrom(sweepId, 0);
  }

  /**
   * Observations from index `start` on. The list is append-only (results and imports push, nothing
   * rewrites it), so a reader that keeps what it read fetches only the new tail.
   */
  async observationsFrom(sweepId: string, start: number): Promise<ObservationRecord[]> {
    return (await this.redis.lrange(this.keys.sweep(sweepId, 'obs'), start, -1)).map((s) => JSON.parse(s) as ObservationRecord);
  }

  /**
   * How many configs the sweep knows, and how many times configs were given back (RELEASE_STREAK
   * removes some): a cache of the configs hash that grew only by its own reservations is current
   * while both are unchanged.
   */
  async knownConfigStamp(sweepId: string): Promise<{ count: number; released: number }> {
    const [count, released] = await this.cmd.lsConfigStamp(this.keys.sweep(sweepId, 'configs'), this.keys.sweep(sweepId));
    return { count: Number(count), released: Number(released) };
  }

  async observationCount(sweepId: string): Promise<number> {
    return this.redis.llen(this.keys.sweep(sweepId, 'obs'));
  }

  /** Keys (see configKey) of every config this sweep has: imported, in flight, done or failed. */
  async knownConfigKeys(sweepId: string): Promise<Set<string>> {
    return new Set(await this.redis.hkeys(this.keys.sweep(sweepId, 'configs')));
  }

  /** The sweep's failed runs counted by reason summary, most frequent first (ties: by reason). */
  async failureReasons(sweepId: string, top = 5): Promise<FailureReasonCount[]> {
    const counts = await this.redis.hgetall(this.keys.sweep(sweepId, 'failures'));
    return Object.entries(counts)
      .map(([reason, count]) => ({ reason, count: Number(count) }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
      .slice(0, top);
  }
}

/**
 * Runs by id, read in one pipeline (with their curves when asked); an id with no run is left out.
 * SweepReader.getRuns, and SweepStore.activeRuns for the runs in flight.
 */
export async function readRuns(redis: Redis, keys: StoreKeys, ids: string[], withCurves = false): Promise<RunRecord[]> {
  if (ids.length === 0) return [];
  const pipe = redis.pipeline();
  for (const id of ids) {
    pipe.hgetall(keys.run(id));
    if (withCurves) pipe.lrange(keys.run(id, 'curve'), 0, -1);
  }
  const rows = (await pipe.exec()) ?? [];
  const step = withCurves ? 2 : 1;
  const out: RunRecord[] = [];
  for (let i = 0; i < rows.length; i += step) {
    const h = rows[i][1] as Record<string, string>;
    if (!h || !h.id) continue;
    const run = toRunRecord(h);
    if (withCurves) run.curve = (rows[i + 1][1] as string[]).map((s) => JSON.parse(s) as CurvePoint);
    out.push(run);
  }
  return out;
}
