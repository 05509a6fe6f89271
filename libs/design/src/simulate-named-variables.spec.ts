import { parseSweepSpec, type SweepSpec } from '@lawsweep/contracts';
import type { Config } from '@lawsweep/law';
import { LawSweepEngine } from './sweep-engine';
import { simulateSweep, type SeedRecord } from './simulate-sweep';
import { precisionAtTruth } from './design-bound';
import { buildCandidates, SpecExpressions } from './candidates';

/**
 * Scenario: a user's sweep over variables not named N and D (P: parameters, T: tokens), with an
 * expression law over them and a simulate trainer whose truth is that expression. The engine must
 * build the law over the spec's variables, plan, fit and predict, and the names must be only
 * names: the same sweep written over N and D runs exactly the same.
 */
const bounds = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] };
const truthParams = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const truthAt = (p: number, t: number) => truthParams.E + truthParams.A / p ** truthParams.alpha + truthParams.B / t ** truthParams.beta;

/** The sweep over variables named `size` and `tokens`. */
function specOver(size: string, tokens: string): SweepSpec {
  const expression = `E + A / ${size}^alpha + B / ${tokens}^beta`;
  const parsed = parseSweepSpec({
    name: `${size}-${tokens}`,
    law: { expression, params: bounds },
    variables: { [size]: { min: 1e7, max: 1e9, steps: 7 }, [tokens]: { min: 1e8, max: 1e11, steps: 8 } },
    constraints: [`${tokens} / ${size} >= 1`, `${tokens} / ${size} <= 1000`],
    cost: `6 * ${size} * ${tokens}`,
    budget: 1e20,
    targets: [{ [size]: 7e10, [tokens]: 1.4e12 }],
    parallelism: 3,
    trainer: { type: 'simulate', truth: { law: { expression, params: bounds }, params: truthParams }, noise: 0.005 },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

/** A record over P, T with its configs renamed N, D. */
const renamed = (record: SeedRecord): SeedRecord => {
  const rename = (c: Config): Config => ({ N: c.P, D: c.T });
  return { ...record, checkpoints: record.checkpoints.map((cp) => ({ ...cp, runs: cp.runs.map(rename), targets: cp.targets.map((t) => ({ ...t, config: rename(t.config) })) })) };
};

describe('a sweep over variables P and T with an expression law', () => {
  const pt = specOver('P', 'T');

  it('the engine builds the law over P and T', () => {
    const engine = new LawSweepEngine(pt);
    expect(engine.law.variables).toEqual(['P', 'T']);
    expect(engine.candidates().length).toBeGreaterThan(10);
    for (const c of engine.candidates()) expect(Object.keys(c.config)).toEqual(['P', 'T']);
  });

  // eig: the default design; isoflop: the design that looks for a size variable by name.
  it.each(['eig', 'isoflop'] as const)('%s: runs exactly as the same sweep over N and D, and predicts the target near the truth', (design) => {
    const options = { design, seed: 1, engine: { fitStarts: 4 } };
    const record = simulateSweep(pt, options);
    const last = record.checkpoints[record.checkpoints.length - 1];
    expect(last.spent).toBeLessThanOrEqual(pt.budget);
    expect(last.runs.length).toBeGreaterThanOrEqual(10);
    for (const r of last.runs) expect(Object.keys(r)).toEqual(['P', 'T']);
    expect(Object.keys(last.params).sort()).toEqual(['A', 'B', 'E', 'alpha', 'beta']);
    const [target] = last.targets;
    expect(target.truth).toBeCloseTo(truthAt(7e10, 1.4e12), 10);
    expect(Math.abs(target.loss - truthAt(7e10, 1.4e12)) / truthAt(7e10, 1.4e12)).toBeLessThan(0.05);
    expect(target.lower).toBeLessThan(target.loss);
    expect(target.upper).toBeGreaterThan(target.loss);

    expect(renamed(record)).toEqual(simulateSweep(specOver('N', 'D'), options));
  });

  it('the design bound is computed at the truth over P and T', () => {
    const candidates = buildCandidates(pt, new SpecExpressions(pt));
    const model = precisionAtTruth(pt, candidates);
    expect(model?.law.variables).toEqual(['P', 'T']);
  });
});
