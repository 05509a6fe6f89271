import { validateSweepSpecSemantics } from './spec-semantics.validator';
import { testSpec } from './testing/spec-fixtures';

/** One row per mistake a user makes: the error's path and a word of its message. */
const cases: Array<[string, Parameters<typeof testSpec>[0], string, RegExp]> = [
  ['unknown law', { law: 'chinchila' }, 'law', /chinchilla/],
  ['expression with an unknown symbol', { law: { expression: 'E + A / N^alpha + B / Q^beta', params: { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] } } }, 'law.expression', /Q/],
  ['cost that does not parse', { cost: '6 * N *' }, 'cost', /parse/],
  ['cost over an unknown variable', { cost: '6 * N * T' }, 'cost', /'T'/],
  ['constraint over an unknown variable', { constraints: ['D / M >= 1'] }, 'constraints.0', /'M'/],
  ['constraint that is not a comparison', { constraints: ['D / N >= 2', 'D / N'] }, 'constraints.1', /not a comparison.*e\.g\. "D \/ N >= 20"/],
  ['constraint joining a number with and', { constraints: ['(D / N >= 2) and N'] }, 'constraints.0', /not a comparison/],
  ['target missing a variable', { targets: [{ N: 7e10 }] }, 'targets.0.D', /no value for variable 'D'/],
  ['target with an extra variable', { targets: [{ N: 7e10, D: 1e12, X: 3 }] }, 'targets.0.X', /not a variable/],
  ['budget below the cheapest run', { budget: 1e10 }, 'budget', /cheapest/],
  ['no candidate satisfies the constraints', { constraints: ['D / N >= 1e6'] }, 'constraints', /no candidate/],
  ['law needs an undeclared variable', { variables: { N: { min: 1e7, max: 1e9, steps: 5 } }, constraints: [], cost: '6 * N', targets: [{ N: 7e10 }] }, 'variables', /needs variable\(s\) D/],
  ['oracle without a known truth', { design: 'oracle', trainer: { type: 'replay', file: 'runs.csv' } }, 'design', /simulate/],
];

describe('validateSweepSpecSemantics', () => {
  it('accepts the demo spec', () => {
    expect(validateSweepSpecSemantics(testSpec())).toEqual([]);
  });

  it.each([
    ['a comparison', ['D / N >= 2']],
    ['a chained comparison', ['2 <= D / N <= 500']],
    ['comparisons joined', ['(D / N >= 2) and not (N > 5e8)', 'D / N < 500 or N < 2e7']],
    ['a conditional of comparisons', ['N > 1e8 ? D / N >= 20 : D / N >= 2']],
  ])('accepts constraints that are conditions: %s', (_name, constraints) => {
    expect(validateSweepSpecSemantics(testSpec({ constraints }))).toEqual([]);
  });

  it.each(cases)('%s', (_name, overrides, path, message) => {
    const errors = validateSweepSpecSemantics(testSpec(overrides));
    const hit = errors.find((e) => e.path === path);
    expect(hit).toBeDefined();
    expect(hit?.message).toMatch(message);
  });
});
