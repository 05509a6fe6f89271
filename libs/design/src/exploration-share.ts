import { SeededRandom } from '@lawsweep/law';
import type { Candidate } from './candidates';
import { spaceFillingOrder } from './grid.design';

/** How the pilot runs are laid out: the grid design's maximin order, or a seeded uniform draw over the candidates. */
export type ExplorationOrder = 'space-filling' | 'random';

/**
 * The pilot runs of eig's exploration share: the prefix of an order over the candidates (the grid
 * design's space-filling maximin order in log-space, or a seeded shuffle) that `share` of the
 * sweep's budget pays for, in that order (a run that does not fit what is left of the share is
 * skipped, as the grid and random designs skip it).
 *
 * Why a pilot stage: eig's gain is computed from the fitted family, so it buys the runs that are
 * most informative *if that family is right* — on the tuning seeds, a handful of very cheap runs
 * plus the largest ones, few in between (`bench/design-diagnose.ts`). When the family is wrong
 * (the farseer truth, the real pool) such an extreme design has no check on lack of fit, and its fit
 * is over-confident exactly where it extrapolates. Designs that are robust to model bias spread
 * their runs (Box & Draper 1959; Wiens' minimax-bias designs), so a share of the budget is spent on
 * a spread-out design first, and eig spends the rest conditioned on it (the pilot runs are in its
 * data or pending, so it does not buy what they already tell).
 */
export function explorationRuns(all: Candidate[], totalBudget: number, share: number, order: ExplorationOrder = 'random', seed = 0): Candidate[] {
  if (!(share > 0) || all.length === 0) return [];
  let left = share * totalBudget;
  const out: Candidate[] = [];
  for (const c of order === 'random' ? shuffled(all, seed) : spaceFillingOrder(all)) {
    if (c.cost > left) continue;
    out.push(c);
    left -= c.cost;
  }
  return out;
}

/** A seeded Fisher–Yates shuffle (a copy). */
function shuffled(all: Candidate[], seed: number): Candidate[] {
  const rng = new SeededRandom(seed * 2_654_435 + 101);
  const out = [...all];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
