import type { ProposedRun } from './design.types';
import type { DesignContext, DesignStrategy } from './design-strategy';

/** Uniformly random affordable candidates (a seeded shuffle). */
export class RandomDesign implements DesignStrategy {
  select(context: DesignContext): ProposedRun[] {
    const pool = [...context.open];
    const out: ProposedRun[] = [];
    let budget = context.remainingBudget;
    while (out.length < context.k && pool.length > 0) {
      const i = context.rng.int(pool.length);
      const [c] = pool.splice(i, 1);
      if (c.cost > budget) continue;
      out.push({ config: c.config, cost: c.cost, gain: 0 });
      budget -= c.cost;
    }
    return out;
  }
}
