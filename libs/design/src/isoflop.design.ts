import type { ProposedRun } from './design.types';
import type { Candidate } from './candidates';
import { takeInOrder, type DesignContext, type DesignStrategy } from './design-strategy';

/** Chinchilla's approach 2 used ~9 compute levels with ~8 sizes each; a small budget affords fewer. */
export const ISOFLOP_LEVELS = 5;
export const ISOFLOP_RUNS_PER_LEVEL = 7;
/** Successive compute levels differ by this factor. */
export const ISOFLOP_LEVEL_RATIO = 3;

/**
 * The `isoflop` baseline (Hoffmann et al.'s approach 2): a few compute levels, and along each
 * isoFLOP curve a profile of model sizes. The top level is the largest whose whole design fits the
 * sweep's budget; levels are bought smallest first, as a practitioner would. With a grid or pool,
 * the runs of a level are the candidates whose cost lies nearest that level, spread over model size.
 */
export class IsoflopDesign implements DesignStrategy {
  private order?: Candidate[];

  select(context: DesignContext): ProposedRun[] {
    this.order ??= isoflopPlan(context.all, context.totalBudget);
    return takeInOrder(this.order, context);
  }
}

export function isoflopPlan(all: Candidate[], budget: number): Candidate[] {
  if (all.length === 0) return [];
  const sizeVar = 'N' in all[0].config ? 'N' : Object.keys(all[0].config)[0];
  const costs = all.map((c) => c.cost);
  // reduce, not Math.max(...costs): a grid may hold up to 200,000 candidates, beyond what a spread call takes.
  const maxCost = costs.reduce((m, c) => Math.max(m, c), -Infinity);
  const minCost = costs.reduce((m, c) => Math.min(m, c), Infinity);
  const share = Array.from({ length: ISOFLOP_LEVELS }, (_, i) => ISOFLOP_LEVEL_RATIO ** -i).reduce((a, b) => a + b, 0);
  const top = Math.max(minCost, Math.min(maxCost, budget / (ISOFLOP_RUNS_PER_LEVEL * share)));
  const plan: Candidate[] = [];
  const used = new Set<string>();
  for (let i = ISOFLOP_LEVELS - 1; i >= 0; i--) {
    const level = top * ISOFLOP_LEVEL_RATIO ** -i;
    if (level < minCost) continue;
    // Widen the cost band until it holds enough sizes (grid costs do not lie exactly on isoFLOPs).
    let band: Candidate[] = [];
    for (let width = 0.15; width <= 1.2 && band.length < ISOFLOP_RUNS_PER_LEVEL; width *= 1.5) {
      band = all.filter((c) => !used.has(c.key) && Math.abs(Math.log(c.cost / level)) <= width);
    }
    // One run per model size (the one nearest the isoFLOP), then spread evenly over log size.
    const bySize = new Map<number, Candidate>();
    for (const c of band) {
      const prev = bySize.get(c.config[sizeVar]);
      if (!prev || Math.abs(Math.log(c.cost / level)) < Math.abs(Math.log(prev.cost / level))) bySize.set(c.config[sizeVar], c);
    }
    const profile = [...bySize.values()].sort((a, b) => a.config[sizeVar] - b.config[sizeVar]);
    const count = Math.min(ISOFLOP_RUNS_PER_LEVEL, profile.length);
    for (let j = 0; j < count; j++) {
      const c = profile[count === 1 ? Math.floor(profile.length / 2) : Math.round((j * (profile.length - 1)) / (count - 1))];
      if (used.has(c.key)) continue;
      used.add(c.key);
      plan.push(c);
    }
  }
  return plan;
}
