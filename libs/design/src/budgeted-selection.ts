import type { Candidate } from './candidates';
import type { ProposedRun } from './design.types';
import type { GainModel } from './information-gain';
import { costScore, type CostRule } from './cost-rule';

/**
 * Budgeted (knapsack-constrained) selection for eig. Picking runs greedily by gain per cost has no
 * approximation guarantee under a budget, even for a submodular gain: ten cheap runs of modest gain
 * each can crowd out the one expensive run that is worth more than all of them, because after the
 * first cheap pick the expensive one no longer fits. The classic remedies (Khuller, Moss & Naor
 * 1999; Krause & Guestrin 2005; Leskovec et al. 2007, "CELF"; Sviridenko 2004) compare whole plans:
 * the better of the ratio-greedy and the plain-gain greedy plan, or partial enumeration — seed the
 * plan with each of the best single items and complete it by ratio.
 *
 * Receding-horizon version: at each select, build complete plans that spend the free budget —
 * (1) ratio-greedy (the cost rule's gain / cost score, exactly the 'ratio' selection's order),
 * (2) gain-greedy (largest gain that still fits), (3) PLAN_SEEDS plans each seeded with one of the
 * candidates of largest gain and completed by ratio-greedy — and score each by its total targeted
 * information: the sum of its picks' gains, each conditioned on the picks before it (by the chain
 * rule, the model's entropy reduction at the targets after conditioning on the whole plan). The best
 * plan's first k picks are returned in the plan's own pick order (ties: the earlier plan in the
 * order above, so on a tie the ratio plan and today's behaviour win). The engine re-plans after
 * every result.
 *
 * Bound, for large pools: a plan stops after PLAN_WORK / (number of candidates) picks (at least
 * MIN_PLAN_LENGTH), so each plan costs at most about PLAN_WORK candidate gain evaluations. The
 * design benchmark's pool (167 candidates) is never truncated (≤ 191 picks allowed, more than it holds); at
 * 2,000 candidates a plan holds at most 16 picks, and a truncated plan is scored on the gain of its
 * first picks only, which favours plans of dearer runs (budget left unspent is not valued).
 */
export const PLAN_SEEDS = 4;
export const PLAN_WORK = 32_000;
export const MIN_PLAN_LENGTH = 16;

interface Plan {
  picks: number[];
  gains: number[];
  total: number;
}

type Order = 'ratio' | 'gain';

export interface PlanSettings {
  budget: number;
  totalBudget: number;
  rule: CostRule;
  /** A pick must add more than this (nats). */
  minGain: number;
  maxLength: number;
}

/** Greedy plan on a copy of the model: `seed` first (if given), then by `order` until nothing fits or adds information. */
export function greedyPlan(base: GainModel, candidates: readonly Candidate[], settings: PlanSettings, order: Order, seed?: number): Plan {
  const model = base.clone();
  const taken = new Uint8Array(candidates.length);
  const plan: Plan = { picks: [], gains: [], total: 0 };
  let budget = settings.budget;
  const take = (c: number, gain: number) => {
    taken[c] = 1;
    plan.picks.push(c);
    plan.gains.push(gain);
    plan.total += gain;
    budget -= candidates[c].cost;
    model.condition(c);
  };
  if (seed !== undefined) {
    const gain = model.gains()[seed];
    if (!(gain > settings.minGain) || candidates[seed].cost > budget) return plan;
    take(seed, gain);
  }
  while (plan.picks.length < settings.maxLength) {
    const gains = model.gains();
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < candidates.length; c++) {
      if (taken[c] || candidates[c].cost > budget || !(gains[c] > settings.minGain)) continue;
      const score = order === 'gain' ? gains[c] : costScore(gains[c], candidates[c].cost, { remaining: budget, total: settings.totalBudget }, settings.rule);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    if (best < 0) break;
    take(best, gains[best]);
  }
  return plan;
}

/** The first k runs of the plan with the largest total gain (see the file comment). */
export function budgetedSelect(model: GainModel, candidates: readonly Candidate[], settings: Omit<PlanSettings, 'maxLength'>, k: number): ProposedRun[] {
  const full: PlanSettings = { ...settings, maxLength: Math.max(MIN_PLAN_LENGTH, Math.floor(PLAN_WORK / Math.max(candidates.length, 1))) };
  const gains = model.gains();
  const seeds = Array.from(candidates.keys())
    .filter((c) => gains[c] > settings.minGain && candidates[c].cost <= settings.budget)
    .sort((a, b) => gains[b] - gains[a] || a - b)
    .slice(0, PLAN_SEEDS);
  const plans = [greedyPlan(model, candidates, full, 'ratio'), greedyPlan(model, candidates, full, 'gain'), ...seeds.map((s) => greedyPlan(model, candidates, full, 'ratio', s))];
  let best = plans[0];
  for (const plan of plans) if (plan.total > best.total) best = plan;
  return best.picks.slice(0, k).map((c, i) => ({ config: candidates[c].config, cost: candidates[c].cost, gain: best.gains[i] }));
}
