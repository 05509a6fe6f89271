import type { Config, Law } from '@lawsweep/law';
import type { ProposedRun } from './design.types';
import type { Candidate } from './candidates';
import type { Posterior } from './posterior';
import type { TargetFunction } from './information-gain';
import type { SeededRandom } from '@lawsweep/law';

/** What a design sees when asked for the next runs. */
export interface DesignContext {
  law: Law;
  /** Candidates still open: accepted, not run, not pending (each may still be too expensive). */
  open: Candidate[];
  /** Every candidate of the sweep (for designs that plan a fixed layout up front). */
  all: Candidate[];
  pending: Config[];
  /** Budget still free for this batch. */
  remainingBudget: number;
  /** The sweep's total budget. */
  totalBudget: number;
  k: number;
  rng: SeededRandom;
  /** The belief to design under (for eig: the fit's; for oracle: the truth's). */
  posterior?: Posterior;
  targets: TargetFunction[];
}

/** A way of choosing the next runs: eig, or one of the fixed baselines. */
export interface DesignStrategy {
  select(context: DesignContext): ProposedRun[];
}

/** Picks from a precomputed order: the next affordable candidates still open (baselines). */
export function takeInOrder(order: Candidate[], context: DesignContext): ProposedRun[] {
  const open = new Set(context.open.map((c) => c.key));
  const out: ProposedRun[] = [];
  let budget = context.remainingBudget;
  for (const c of order) {
    if (out.length >= context.k) break;
    if (!open.has(c.key) || c.cost > budget) continue;
    out.push({ config: c.config, cost: c.cost, gain: 0 });
    budget -= c.cost;
  }
  return out;
}
