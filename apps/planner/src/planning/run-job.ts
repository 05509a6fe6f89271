import type { RunJobData } from '@lawsweep/contracts';
import type { Config } from '@lawsweep/law';
import type { SweepRecord } from '@lawsweep/store';

/**
 * A run's job as the planner enqueues it: the planning pass that reserved it, and the reconciler
 * when it enqueues again a reserved run whose job is gone (the same data, seed included).
 * `position` is the run's place among the sweep's planned runs, used only for a run id of another form.
 */
export function runJobData(sweep: Pick<SweepRecord, 'id' | 'spec'>, run: { runId: string; config: Config; cost: number }, position: number): RunJobData {
  return { sweepId: sweep.id, runId: run.runId, config: run.config, cost: run.cost, trainer: sweep.spec.trainer, seed: sweep.spec.seed * 1_000_003 + runSeedOffset(run.runId, position) };
}

/**
 * A run's seed offset: its sequence number in the sweep (run ids end in -r00001, -r00002, …) less
 * one, which is the count of runs planned before it, except after a resume gave failed runs back
 * (planned went down, the sequence did not): seeds are never reused. `fallback` for another id form.
 */
function runSeedOffset(runId: string, fallback: number): number {
  const m = /-r(\d+)$/.exec(runId);
  return m ? Number(m[1]) - 1 : fallback;
}
