import { parseSweepSpec, type SweepSpec } from '@lawsweep/contracts';
import { createSweepEngine } from '@lawsweep/design';
import { causeOfExhaustedDesign } from './stop-causes';

function spec(extra: Record<string, unknown> = {}): SweepSpec {
  const parsed = parseSweepSpec({
    name: 'stop-causes',
    law: 'chinchilla',
    variables: { N: { min: 1e7, max: 1e9, steps: 5 }, D: { min: 1e8, max: 1e11, steps: 6 } },
    constraints: ['D / N >= 1', 'D / N <= 1000'],
    budget: 1e21,
    targets: [{ N: 7e10, D: 1.4e12 }],
    trainer: { type: 'simulate' },
    ...extra,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

/** The real engine's words for each end it reports: a rewording in libs/design must fail here, not change a stored cause. */
describe('causeOfExhaustedDesign reads the design engine’s own ends', () => {
  it('stop.maxRuns reached', () => {
    const engine = createSweepEngine(spec({ stop: { maxRuns: 3 } }), { design: 'grid' });
    const { exhausted } = engine.propose({ observations: [], pending: [], remainingBudget: 1e21, k: 2, step: 0, planned: 3 });
    expect(exhausted && causeOfExhaustedDesign(exhausted)).toBe('maxRuns');
  });

  it('every candidate config run', () => {
    const engine = createSweepEngine(spec(), { design: 'grid' });
    const observations = engine.candidates().map((c) => ({ config: c.config, loss: 3 }));
    const { exhausted } = engine.propose({ observations, pending: [], remainingBudget: 1e30, k: 2, step: 0 });
    expect(exhausted && causeOfExhaustedDesign(exhausted)).toBe('candidatesRun');
  });

  it('no candidate fits the budget left', () => {
    const engine = createSweepEngine(spec(), { design: 'grid' });
    const { exhausted } = engine.propose({ observations: [], pending: [], remainingBudget: 1, k: 2, step: 0 });
    expect(exhausted && causeOfExhaustedDesign(exhausted)).toBe('budget');
  });

  it('the design buys nothing with what is left (and anything unrecognised)', () => {
    // The cheapest config fits but is refused (no worker holds it); the others cost more than is left.
    const engine = createSweepEngine(spec(), { design: 'grid' });
    const costs = engine.candidates().map((c) => c.cost).sort((a, b) => a - b);
    const cheapest = engine.candidates().find((c) => c.cost === costs[0])!.config;
    const accept = (c: Record<string, number>) => c.N !== cheapest.N || c.D !== cheapest.D;
    const { exhausted } = engine.propose({ observations: [], pending: [], remainingBudget: (costs[0] + costs[1]) / 2, k: 2, step: 0, accept });
    expect(exhausted).toBeDefined();
    expect(causeOfExhaustedDesign(exhausted!)).toBe('noUsefulRun');
    expect(causeOfExhaustedDesign('something new')).toBe('noUsefulRun');
  });
});
