import { parseSweepSpec, type SweepSpec, type SweepSpecInput } from '@lawsweep/contracts';

/** A parsed spec for tests (throws on a structural error so a broken fixture is obvious). */
export function testSpec(overrides: Partial<SweepSpecInput> = {}): SweepSpec {
  const parsed = parseSweepSpec({
    name: 'test',
    law: 'chinchilla',
    variables: { N: { min: 1e7, max: 1e9, steps: 9, scale: 'log' }, D: { min: 1e8, max: 1e11, steps: 10, scale: 'log' } },
    constraints: ['D / N >= 1', 'D / N <= 1000'],
    cost: '6 * N * D',
    budget: 1e21,
    targets: [{ N: 7e10, D: 1.4e12 }],
    trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005 },
    ...overrides,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}
