import type { ProposedRun } from './design.types';
import type { DesignContext, DesignStrategy } from './design-strategy';
import { GainModel, type GainKind } from './information-gain';
import { costScore, DEFAULT_COST_RULE, type CostRule } from './cost-rule';

/** Below this expected gain (nats) a run is not worth buying. */
export const MIN_USEFUL_GAIN = 1e-6;

/**
 * Expected-information-gain design: greedy picks of the best gain-for-cost run, each pick (and
 * every pending run first) conditioned on by a rank-one update, so a batch does not repeat itself.
 * The oracle is this same design handed the true parameters' posterior.
 */
export class EigDesign implements DesignStrategy {
  constructor(
    private readonly kind: GainKind = 'targeted',
    private readonly rule: CostRule = DEFAULT_COST_RULE,
  ) {}

  select(context: DesignContext): ProposedRun[] {
    const { posterior, open, pending } = context;
    if (!posterior) throw new Error('eig design needs a posterior');
    const affordable = open.filter((c) => c.cost <= context.remainingBudget);
    if (affordable.length === 0) return [];
    const configs = [...affordable.map((c) => c.config), ...pending];
    const model = new GainModel(context.law, posterior, configs, context.targets, this.kind);
    for (let i = affordable.length; i < configs.length; i++) model.condition(i);
    const taken = new Uint8Array(affordable.length);
    const out: ProposedRun[] = [];
    let budget = context.remainingBudget;
    while (out.length < context.k) {
      const gains = model.gains();
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < affordable.length; c++) {
        if (taken[c] || affordable[c].cost > budget || !(gains[c] > MIN_USEFUL_GAIN)) continue;
        const score = costScore(gains[c], affordable[c].cost, { remaining: budget, total: context.totalBudget }, this.rule);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      if (best < 0) break;
      taken[best] = 1;
      out.push({ config: affordable[best].config, cost: affordable[best].cost, gain: gains[best] });
      budget -= affordable[best].cost;
      model.condition(best);
    }
    return out;
  }
}
