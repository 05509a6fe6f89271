import { fitLaw } from './fit-law';
import { closestName, getLaw, resolveTruth } from './registry';
import { sweepGrid, synthesize } from './testing/synthetic-runs';
import type { Config } from './law.types';

/**
 * Scenario: an expression law is over the variables it is given (a spec's variables, a CSV's
 * columns), whatever their names; without any it keeps the default N, D, U, C.
 */
const bounds = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] } as Record<string, [number, number]>;
const PT = 'E + A / P^alpha + B / T^beta';
/** The chinchilla grid with N renamed P (parameters) and D renamed T (tokens). */
const ptGrid = (): Config[] => sweepGrid(6, [5, 20, 100]).map((c) => ({ P: c.N, T: c.D }));

describe('expression laws over named variables', () => {
  it('an expression over P and T, with variables P and T, fits synthetic data and recovers its parameters', () => {
    const law = getLaw({ expression: PT, params: bounds }, ['P', 'T']);
    expect(law.variables).toEqual(['P', 'T']);
    const truth = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
    const data = synthesize(law, truth, ptGrid(), 0.005, 3);
    const fit = fitLaw(law, data, { loss: { kind: 'mse' } });
    expect(Math.abs(fit.params.E - truth.E)).toBeLessThan(0.05);
    expect(Math.abs(fit.params.alpha - truth.alpha)).toBeLessThan(0.05);
    expect(Math.abs(fit.params.beta - truth.beta)).toBeLessThan(0.05);
    // The same runs under their chinchilla names give the same fit: the names are only names.
    const nd = getLaw({ expression: 'E + A / N^alpha + B / D^beta', params: bounds });
    const ndFit = fitLaw(nd, data.map((o) => ({ config: { N: o.config.P, D: o.config.T }, loss: o.loss })), { loss: { kind: 'mse' } });
    expect(fit.params.E).toBeCloseTo(ndFit.params.E, 6);
    expect(fit.params.alpha).toBeCloseTo(ndFit.params.alpha, 6);
  });

  it('a third variable (lr) beside N and D is a variable of the law, in the order given', () => {
    const law = getLaw({ expression: 'E + A / N^alpha + B / D^beta + c * log(lr / 3e-4)^2', params: { ...bounds, c: [0, 1] } }, ['N', 'lr', 'D']);
    expect(law.variables).toEqual(['N', 'lr', 'D']);
    const theta = law.toTheta({ E: 1.7, A: 400, B: 400, alpha: 0.3, beta: 0.3, c: 0.5 });
    const at = (lr: number) => Math.exp(law.logLoss(theta, { N: 1e8, D: 1e9, lr }));
    expect(at(3e-3)).toBeCloseTo(at(3e-4) + 0.5 * Math.log(10) ** 2, 9);
  });

  it('a variable the expression does not use is not required of a config', () => {
    const law = getLaw({ expression: 'E + A / P^alpha', params: { E: [0.5, 5], A: [1, 1e5], alpha: [0.05, 1] } }, ['P', 'T']);
    expect(law.variables).toEqual(['P']);
  });

  it('without a variable list, N, D, U and C stay the only variables (P is unknown, and the message says the list was the default)', () => {
    expect(() => getLaw({ expression: PT, params: bounds })).toThrow(/unknown symbol "P".*nor a variable \(N, D, U, C, the default when no variables are given\)/);
    expect(getLaw({ expression: 'E + A / N^alpha + B / D^beta', params: bounds }).variables).toEqual(['N', 'D']);
  });

  it('with a variable list, a symbol outside it is unknown and the message lists those variables', () => {
    expect(() => getLaw({ expression: 'E + A / P^alpha + B / D^beta', params: bounds }, ['P', 'T'])).toThrow(
      /unknown symbol "D" in "E \+ A \/ P\^alpha \+ B \/ D\^beta": it is neither a parameter \(E, A, B, alpha, beta\) nor a variable \(P, T\); give it bounds under params, or declare it under variables/,
    );
  });

  it('refuses a parameter named like a variable, naming both and the fix', () => {
    expect(() => getLaw({ expression: 'E + A / P^alpha', params: { E: [0.5, 5], A: [1, 1e5], alpha: [0.05, 1] } }, ['P', 'E'])).toThrow(
      /"E" is both a parameter \(params\.E\) and a variable; rename the parameter/,
    );
  });

  it('caches one law per variable list: the same spec over other variables is another law', () => {
    const spec = { expression: 'E + A / P^alpha', params: { E: [0.5, 5], A: [1, 1e5], alpha: [0.05, 1] } as Record<string, [number, number]> };
    expect(getLaw(spec, ['P'])).toBe(getLaw(spec, ['P']));
    expect(() => getLaw(spec, ['T'])).toThrow(/unknown symbol "P"/);
  });

  it('a simulate truth written as an expression over P and T resolves with the variables', () => {
    const truth = resolveTruth({ law: { expression: PT, params: bounds }, params: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 } }, ['P', 'T']);
    expect(truth.law.variables).toEqual(['P', 'T']);
    expect(() => resolveTruth({ law: { expression: PT, params: bounds }, params: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 } })).toThrow(/unknown symbol "P"/);
  });
});

describe('unknown law names', () => {
  it('suggests the nearest known law for a typo', () => {
    expect(() => getLaw('chinchila')).toThrow(/unknown law "chinchila" \(did you mean "chinchilla"\?\)/);
    expect(() => getLaw('kaplin')).toThrow(/did you mean "kaplan"/);
    expect(() => getLaw('data_constrained')).toThrow(/did you mean "data-constrained"/);
  });

  it('suggests nothing for a name that is no typo of a known law', () => {
    expect(() => getLaw('nope')).toThrow(/^unknown law "nope": use one of/);
    expect(closestName('gpt', ['chinchilla', 'kaplan'])).toBeUndefined();
  });

  it('suggests the nearest truth name too', () => {
    expect(() => resolveTruth('epok')).toThrow(/unknown truth "epok" \(did you mean "epoch"\?\)/);
  });
});
