import { fitLaw, getLaw, resolveTruth, SeededRandom, simulateLoss, type Config, type Observation } from '@lawsweep/law';
import { ExtrapolationAmplitude, estimateFromExtrapolation, nullQuantile95, type ExtrapolationInputs } from './extrapolation-amplitude';
import { DEFAULT_EIG_OPTIONS, EigDesign } from './eig.design';
import { augmentForDiscrepancy } from './gp-discrepancy';
import { lossTarget } from './information-gain';
import { posteriorFromFit } from './posterior';
import type { Candidate } from './candidates';

/**
 * The GP discrepancy's amplitude learnt from extrapolation: the dearest quarter of the done runs held
 * out, a sub-fit on the rest, s² = the held-out squared error beyond the sub-fit's predictive variance
 * when a one-sided test says it is not noise. A truth of the fitted family gives 0; a truth whose
 * form drifts with scale (farseer, fitted with chinchilla) gives s² > 0 though its in-sample residuals
 * look like noise.
 */
describe('GP discrepancy amplitude from extrapolation error', () => {
  const law = getLaw('chinchilla');
  const loss = { kind: 'huber' as const, delta: 1e-3 };
  const targetConfigs = [{ N: 3e10, D: 6e11 }, { N: 7e10, D: 1.4e12 }];
  const targets = targetConfigs.map((t) => lossTarget(law, t));
  const costOf = (c: Config) => 6 * c.N * c.D;
  // A 60-run log grid of the benchmark's space (runs ≤ 1e21 FLOPs, D/N 3–300).
  const grid: Config[] = [];
  for (let ln = 7; ln <= 10; ln += 0.25) for (const r of [3, 8, 20, 50, 120, 300]) if (6 * 10 ** ln * 10 ** ln * r <= 1e21) grid.push({ N: 10 ** ln, D: 10 ** ln * r });
  const observe = (truthName: string, noise: number, seed: number, configs = grid): Observation[] => {
    const truth = resolveTruth(truthName);
    const rng = new SeededRandom(seed);
    return configs.map((config) => ({ config, loss: simulateLoss(truth.law, truth.params, config, noise, rng) }));
  };
  const inputs = (observations: Observation[], lengthDecades = 1): ExtrapolationInputs => {
    const posterior = posteriorFromFit(fitLaw(law, observations, { loss, starts: 'default' }), 5);
    return { law, posterior, observations, targets, targetConfigs, lengthDecades, loss, costOf };
  };

  it('is 0 for data from the fitted family plus noise (chinchilla and epoch truths, 5 seeds each)', () => {
    for (const truth of ['chinchilla', 'epoch']) {
      for (let seed = 1; seed <= 5; seed++) {
        const e = estimateFromExtrapolation(inputs(observe(truth, 0.005, seed)));
        expect(e.heldOut).toBe(15);
        expect(e.statistic).toBeLessThan(e.critical);
        expect(e.s2).toBe(0);
      }
    }
  });

  it('is > 0 for a truth whose form drifts with scale (farseer fitted with chinchilla), though its fit looks like noise in-sample', () => {
    let positive = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const input = inputs(observe('farseer', 0.001, seed));
      const fit = fitLaw(law, input.observations, { loss, starts: 'default' });
      expect(fit.rmse).toBeLessThan(0.004);
      const e = estimateFromExtrapolation(input);
      if (e.s2 > 0) {
        positive++;
        expect(e.s2).toBeGreaterThan(1e-5);
        expect(e.s2).toBeLessThan(1e-3);
      }
    }
    expect(positive).toBeGreaterThanOrEqual(3);
  });

  it('the null point lies between independent (χ²_m/m) and perfectly correlated (χ²₁, 3.84) held-out errors', () => {
    const identity = Array.from({ length: 15 }, (_, i) => Array.from({ length: 15 }, (__, l) => (i === l ? 1 : 0)));
    const ones = Array.from({ length: 15 }, () => Array.from({ length: 15 }, () => 1));
    expect(nullQuantile95(identity)).toBeCloseTo(1.67, 1);
    expect(nullQuantile95(ones)).toBeCloseTo(3.84, 0);
  });

  it('estimates nothing (no refit) with fewer than 12 runs, and caches per set of done runs', () => {
    const obs = observe('farseer', 0.001, 1);
    const estimator = new ExtrapolationAmplitude();
    expect(estimator.estimate(inputs(obs.slice(0, 11))).s2).toBe(0);
    expect(estimator.computed).toBe(0);
    const input = inputs(obs);
    const first = estimator.estimate(input);
    expect(estimator.estimate({ ...input, observations: [...obs] })).toBe(first);
    expect(estimator.computed).toBe(1);
    estimator.estimate({ ...input, observations: obs.slice(0, 40) });
    expect(estimator.computed).toBe(2);
  });

  const open: Candidate[] = grid.map((config, i) => ({ key: String(i), config, cost: costOf(config) }));
  const context = (observations: Observation[]) => {
    const input = inputs(observations);
    return { law, open, all: open, pending: [], remainingBudget: 3e21, totalBudget: 3e21, k: 4, rng: new SeededRandom(0), posterior: input.posterior, targets, targetConfigs, observations, costOf, fitLoss: loss };
  };
  const extrapolation = { ...DEFAULT_EIG_OPTIONS, gpDiscrepancy: { lengthDecades: 1, amplitude: 'extrapolation' as const } };

  it('with s² = 0 eig picks exactly the default’s runs; with s² > 0 its gains are the augmented ones', () => {
    const white = context(observe('chinchilla', 0.005, 3));
    expect(estimateFromExtrapolation({ ...white, lengthDecades: 1, loss }).s2).toBe(0);
    expect(new EigDesign('targeted', undefined, extrapolation).select(white)).toEqual(new EigDesign().select(white));
    const drift = context(observe('farseer', 0.001, 1));
    expect(estimateFromExtrapolation({ ...drift, lengthDecades: 1, loss }).s2).toBeGreaterThan(0);
    const gains = new EigDesign('targeted', undefined, extrapolation).select(drift).map((r) => r.gain);
    const plain = new EigDesign().select(drift).map((r) => r.gain);
    expect(gains[0]).not.toBeCloseTo(plain[0], 6);
  });

  it('names the field and the fix for a bad option', () => {
    const bad = { ...DEFAULT_EIG_OPTIONS, gpDiscrepancy: { lengthDecades: 1, amplitude: 'extrapolate' as unknown as 'extrapolation' } };
    expect(() => new EigDesign('targeted', undefined, bad)).toThrow(/eig.gpDiscrepancy.amplitude must be 'estimated', 'extrapolation' or a finite number/);
    expect(() => new EigDesign('targeted', undefined, { ...extrapolation, gpDiscrepancy: { lengthDecades: -1, amplitude: 'extrapolation' } })).toThrow(/lengthDecades must be a finite number > 0/);
    const input = { law, posterior: inputs(observe('chinchilla', 0.005, 1)).posterior, observations: [], configs: grid, targets, targetConfigs };
    expect(() => augmentForDiscrepancy(input, { lengthDecades: 1, amplitude: 'extrapolation' })).toThrow(/needs a refit: resolve it with ExtrapolationAmplitude/);
  });
});
