import { fitLaw } from './fit-law';
import { getLaw, resolveTruth } from './registry';
import { sweepGrid, synthesize } from './testing/synthetic-runs';

/** Scenario: expression laws are parsed safely, refuse what they cannot differentiate, and fit. */
const bounds = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] } as Record<string, [number, number]>;

describe('expression laws', () => {
  it.each([
    ['an unknown symbol, named', 'E + A / N^alpha + B / D^gamma', /unknown symbol "gamma"/],
    ['a function outside the whitelist', 'E + A / N^alpha + B / D^beta + sin(N)', /function "sin" is not allowed/],
    ['min/max (no symbolic derivative)', 'E + max(A / N^alpha, B / D^beta)', /function "max" is not allowed/],
    ['an assignment', 'E = A / N^alpha', /AssignmentNode/],
    ['a string constant', 'E + "x"', /is not a number/],
    ['property access', 'E + A.b / N^alpha', /not allowed/],
    ['a function definition', 'f(x) = x', /not allowed/],
    ['a matrix', '[E, A]', /not allowed/],
    ['unparsable input', 'E + / N', /cannot parse/],
  ])('rejects %s', (_what, expression, message) => {
    expect(() => getLaw({ expression, params: bounds })).toThrow(message);
  });

  it('rejects bad bounds, naming the parameter', () => {
    expect(() => getLaw({ expression: 'E + A / N^alpha', params: { E: [1, 0.5], A: [1, 10], alpha: [0.1, 1] } })).toThrow(/params.E/);
  });

  it('fits in log space the parameters whose bounds span more than 100x', () => {
    const law = getLaw({ expression: 'E + A / N^alpha + B / D^beta', params: bounds });
    expect(law.theta.map((p) => p.name)).toEqual(['E', 'logA', 'logB', 'alpha', 'beta']);
    expect(law.variables).toEqual(['N', 'D']);
  });

  it('recovers the chinchilla truth written as a formula, like the built-in family', () => {
    const truth = resolveTruth('chinchilla');
    const data = synthesize(truth.law, truth.params, sweepGrid(6, [5, 20, 100]), 0.005, 1);
    const law = getLaw({ expression: 'E + A / N^alpha + B / D^beta', params: bounds });
    const fit = fitLaw(law, data, { loss: { kind: 'mse' } });
    const builtIn = fitLaw(truth.law, data, { loss: { kind: 'mse' } });
    expect(fit.objective).toBeLessThanOrEqual(builtIn.objective * (1 + 1e-6));
    expect(Math.abs(fit.params.E - truth.params.E)).toBeLessThan(0.05);
    expect(Math.abs(fit.params.alpha - truth.params.alpha)).toBeLessThan(0.05);
    expect(Math.abs(fit.params.beta - truth.params.beta)).toBeLessThan(0.05);
  });
});
