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

/** A spec whose variables are not named N and D: P (parameters) and T (tokens). */
const ptBounds = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] } as Record<string, [number, number]>;
const ptSpec = (overrides: Parameters<typeof testSpec>[0] = {}) =>
  testSpec({
    law: { expression: 'E + A / P^alpha + B / T^beta', params: ptBounds },
    variables: { P: { min: 1e7, max: 1e9, steps: 5, scale: 'log' }, T: { min: 1e8, max: 1e11, steps: 5, scale: 'log' } },
    constraints: ['T / P >= 1'],
    cost: '6 * P * T',
    targets: [{ P: 7e10, T: 1.4e12 }],
    trainer: { type: 'simulate', truth: { law: { expression: 'E + A / P^alpha + B / T^beta', params: ptBounds }, params: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 } }, noise: 0.005 },
    ...overrides,
  });

describe('validateSweepSpecSemantics: an expression law is over the spec\'s variables, whatever their names', () => {
  it('accepts variables P and T with an expression (and a simulate truth) over them', () => {
    expect(validateSweepSpecSemantics(ptSpec())).toEqual([]);
  });

  it('accepts a third variable lr beside N and D, used in the expression', () => {
    const spec = testSpec({
      law: { expression: 'E + A / N^alpha + B / D^beta + c * log(lr / 3e-4)^2', params: { ...ptBounds, c: [0, 1] } },
      variables: { N: { min: 1e7, max: 1e9, steps: 3, scale: 'log' }, D: { min: 1e8, max: 1e11, steps: 3, scale: 'log' }, lr: { min: 1e-4, max: 1e-3, steps: 3, scale: 'log' } },
      targets: [{ N: 7e10, D: 1.4e12, lr: 3e-4 }],
    });
    expect(validateSweepSpecSemantics(spec)).toEqual([]);
  });

  it('rejects a symbol that is neither a parameter nor one of the variables at law.expression, listing the variables and the fix', () => {
    const errors = validateSweepSpecSemantics(ptSpec({ law: { expression: 'E + A / P^alpha + B / D^beta', params: ptBounds } }));
    expect(errors).toEqual([
      {
        path: 'law.expression',
        message: expect.stringMatching(/unknown symbol "D" .*nor a variable \(P, T\); give it bounds under params, or declare it under variables/),
      },
    ]);
  });

  it("rejects a truth's expression over a symbol that is not a variable at trainer.truth", () => {
    const truth = { law: { expression: 'E + A / N^alpha + B / T^beta', params: ptBounds }, params: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 } };
    const errors = validateSweepSpecSemantics(ptSpec({ trainer: { type: 'simulate', truth, noise: 0.005 } }));
    expect(errors).toEqual([{ path: 'trainer.truth', message: expect.stringMatching(/unknown symbol "N" .*nor a variable \(P, T\)/) }]);
  });

  it('refuses targetCompute when the law depends on a variable other than N and D (N*(C) has no value for it)', () => {
    const spec = testSpec({
      law: { expression: 'E + A / N^alpha + B / D^beta + c * log(lr / 3e-4)^2', params: { ...ptBounds, c: [0, 1] } },
      variables: { N: { min: 1e7, max: 1e9, steps: 3, scale: 'log' }, D: { min: 1e8, max: 1e11, steps: 3, scale: 'log' }, lr: { min: 1e-4, max: 1e-3, steps: 3, scale: 'log' } },
      targets: [{ N: 7e10, D: 1.4e12, lr: 3e-4 }],
      targetCompute: [1e22],
    });
    expect(validateSweepSpecSemantics(spec)).toEqual([{ path: 'targetCompute', message: expect.stringMatching(/also depends on lr; remove targetCompute/) }]);
  });

  it('refuses targetCompute over P and T, naming N and D', () => {
    expect(validateSweepSpecSemantics(ptSpec({ targetCompute: [1e22] }))).toEqual([{ path: 'targetCompute', message: expect.stringMatching(/needs variables N .* and D/) }]);
  });

  it('the default cost 6 * N * D is refused over P and T, naming cost', () => {
    const errors = validateSweepSpecSemantics(ptSpec({ cost: undefined }));
    expect(errors.map((e) => e.path)).toContain('cost');
  });
});
