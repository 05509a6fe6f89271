import type { SweepReader, SweepStore, RunRecord, SweepRecord } from '@lawsweep/store';
import { waitFor } from './spawned-stack';

/**
 * The promises a sweep keeps whatever dies around it, read straight from the store (not from the
 * planner's API, which may be the thing that was killed): nothing in flight at the end, no run
 * planned twice, every recorded result counted once, the budget never overspent, and spent equal
 * to the sum of what the runs themselves recorded.
 */
export interface SweepAudit {
  sweep: SweepRecord;
  runs: RunRecord[];
  byState: Record<string, number>;
  observations: number;
}

export async function waitForSweepEnd(store: SweepStore, id: string, timeoutMs: number, logs: () => string = () => ''): Promise<SweepRecord> {
  let last: SweepRecord | undefined;
  try {
    return await waitFor(
      `sweep ${id} to end`,
      async () => {
        last = await store.getSweep(id).catch(() => last);
        return last && last.state !== 'running' && last.runs.queued + last.runs.running === 0 ? last : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast: ${JSON.stringify(last && { state: last.state, runs: last.runs, planned: last.planned, spent: last.spent, reserved: last.reserved })}\n${logs()}`);
  }
}

export async function auditSweep({ store, reader }: { store: SweepStore; reader: SweepReader }, id: string): Promise<SweepAudit> {
  const sweep = await store.getSweep(id);
  if (!sweep) throw new Error(`no sweep ${id}`);
  const runs = await reader.listRuns(id);
  const observations = await reader.observations(id);
  const byState: Record<string, number> = {};
  for (const r of runs) byState[r.state] = (byState[r.state] ?? 0) + 1;

  // Nothing in flight, nothing reserved.
  expect(sweep.runs.queued + sweep.runs.running).toBe(0);
  expect(await store.activeRuns(id)).toEqual([]);
  expect(sweep.reserved).toBe(0);
  // No run planned twice: one run per config, one record per reservation.
  expect(new Set(runs.map((r) => r.configKey)).size).toBe(runs.length);
  expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
  expect(runs.filter((r) => !r.imported).length).toBe(sweep.planned);
  // The counters agree with the runs, and each done run is exactly one observation.
  for (const state of ['done', 'failed', 'cancelled'] as const) expect({ state, n: sweep.runs[state] }).toEqual({ state, n: byState[state] ?? 0 });
  const doneIds = runs.filter((r) => r.state === 'done').map((r) => r.id).sort();
  expect(observations.map((o) => o.runId).sort()).toEqual(doneIds);
  for (const r of runs.filter((x) => x.state === 'done')) expect(r.loss).toBeGreaterThan(0);
  // Budget: spent + reserved <= total, and spent is what the runs recorded.
  expect(sweep.spent + sweep.reserved).toBeLessThanOrEqual(sweep.budget * (1 + 1e-12));
  const spentByRuns = runs.reduce((s, r) => s + r.spent, 0);
  expect(Math.abs(sweep.spent - spentByRuns)).toBeLessThanOrEqual(1e-9 * Math.max(1, spentByRuns));
  return { sweep, runs, byState, observations: observations.length };
}

/** A sweep whose simulated runs each take `seconds` of wall time (secondsPerCost huge, capped). */
export function timedSpec(name: string, overrides: Record<string, unknown> = {}, seconds = 1.5): Record<string, unknown> {
  return {
    name,
    law: 'chinchilla',
    variables: { N: { min: 1e7, max: 4e8, steps: 6 }, D: { min: 2e8, max: 2e10, steps: 6 } },
    constraints: ['D / N >= 2', 'D / N <= 500'],
    cost: '6 * N * D',
    budget: 1e21,
    targets: [{ N: 7e10, D: 1.4e12 }],
    parallelism: 4,
    seed: 3,
    design: 'random',
    stop: { maxRuns: 10 },
    trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 1, maxSeconds: seconds },
    ...overrides,
  };
}
