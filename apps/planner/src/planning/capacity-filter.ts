import type { WorkerAdvert } from '@lawsweep/contracts';
import type { Config } from '@lawsweep/law';
import { workerHolds } from '../workers/worker-registry.service';

/**
 * "Can some live worker of the pool hold this config?", memoised per config while the pool's set
 * of live capacities stays the same. Every plan pass asks it for every candidate (up to 200,000)
 * against every live worker (hundreds), twice (the unschedulable warning and the engine's filter);
 * the answers change only when a worker with other limits joins or leaves.
 */
export class CapacityFilter {
  private readonly pools = new Map<string, { key: string; memo: WeakMap<Config, boolean> }>();

  /** A predicate for this pass; `limited` is false when no live worker limits capacity (all hold). */
  forPool(pool: string, live: readonly Pick<WorkerAdvert, 'capacity'>[]): { holds: (config: Config) => boolean; limited: boolean } {
    // No live worker: runs wait on the queue for one, so nothing is filtered (a warning says so).
    if (live.length === 0 || live.some((w) => Object.keys(w.capacity).length === 0)) return { holds: () => true, limited: false };
    const key = live.map((w) => JSON.stringify(Object.entries(w.capacity).sort(([a], [b]) => a.localeCompare(b)))).sort().join('|');
    let entry = this.pools.get(pool);
    if (!entry || entry.key !== key) this.pools.set(pool, (entry = { key, memo: new WeakMap() }));
    const memo = entry.memo;
    const holds = (config: Config) => {
      let answer = memo.get(config);
      if (answer === undefined) memo.set(config, (answer = live.some((w) => workerHolds(w, config))));
      return answer;
    };
    return { holds, limited: true };
  }
}

/**
 * "12 of 40 candidate configs exceed every live worker's capacity in pool 'small' ({"N":100000000})":
 * the planner's unschedulable warning and a forecast's capacity note both begin so. Each distinct
 * capacity once (a pool of hundreds of like workers is one limit).
 */
export function exceedCapacityText(excluded: number, candidates: number, pool: string, live: readonly Pick<WorkerAdvert, 'capacity'>[]): string {
  const limits = [...new Set(live.map((w) => JSON.stringify(w.capacity)))];
  return `${excluded} of ${candidates} candidate configs exceed every live worker's capacity in pool '${pool}' (${limits.join(', ')})`;
}
