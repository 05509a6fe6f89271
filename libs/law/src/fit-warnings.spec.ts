import { fitLaw } from './fit-law';
import type { Config } from './law.types';
import { fitWarnings } from './fit-warnings';
import { resolveTruth } from './registry';
import { sweepGrid, synthesize } from './testing/synthetic-runs';

/** Scenario: the fit's numbers come with a warning exactly when the data cannot support them. */
describe('fitWarnings', () => {
  const truth = resolveTruth('chinchilla');
  const fitOf = (configs: Config[], seed = 1) => {
    const data = synthesize(truth.law, truth.params, configs, 0.005, seed);
    return { data, fit: fitLaw(truth.law, data, { loss: { kind: 'huber', delta: 1e-3 } }) };
  };

  it('says nothing about a fit to a grid that varies N and D', () => {
    const { data, fit } = fitOf(sweepGrid());
    expect(fitWarnings(truth.law, fit, data)).toEqual([]);
  });

  it('names a variable that never varies, and parameters left on the edge of their range', () => {
    const { data, fit } = fitOf(Array.from({ length: 8 }, () => ({ N: 1e8, D: 2e9 })));
    const warnings = fitWarnings(truth.law, fit, data);
    expect(warnings.filter((w) => w.code === 'variable-constant').map((w) => w.message.split(' ')[0])).toEqual(['N', 'D']);
    expect(warnings.find((w) => w.code === 'variable-constant')?.message).toMatch(/add runs at other values of N/);
    const atBound = warnings.filter((w) => w.code === 'at-bound');
    expect(atBound.length).toBeGreaterThan(0);
    for (const w of atBound) expect(w.message).toMatch(/^(E|A|B|alpha|beta) = \S+ is at the (lower|upper) edge of its search range/);
  });

  it('with D held fixed, names D and not N', () => {
    const { data, fit } = fitOf([1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10].map((N) => ({ N, D: 2e10 })));
    const constant = fitWarnings(truth.law, fit, data).filter((w) => w.code === 'variable-constant');
    expect(constant.map((w) => w.message.split(' ')[0])).toEqual(['D']);
  });

  it('warns when the reported mode carries under half of the weight', () => {
    const { data, fit } = fitOf(sweepGrid());
    const second = { ...fit.modes[0], objective: fit.modes[0].objective * 1.01 };
    const ambiguous = fitWarnings(truth.law, { ...fit, modes: [{ ...fit.modes[0], weight: 0.2 }, { ...second, weight: 0.8 }] }, data);
    expect(ambiguous.map((w) => w.code)).toEqual(['ambiguous-modes']);
    expect(ambiguous[0].message).toMatch(/only 20\.0% of the weight over 2 modes \(the heaviest: 80\.0%\)/);
    expect(fitWarnings(truth.law, { ...fit, modes: [{ ...fit.modes[0], weight: 0.7 }, { ...second, weight: 0.3 }] }, data)).toEqual([]);
  });
});
