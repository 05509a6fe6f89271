import { SeededRandom, type Config, type Observation } from '@lawsweep/law';
import { augmentForDiscrepancy, estimateAmplitude } from './gp-discrepancy';
import { EigDesign, DEFAULT_EIG_OPTIONS } from './eig.design';
import { GainModel, lossTarget } from './information-gain';
import type { Posterior } from './posterior';
import type { Candidate } from './candidates';
import { CHINCHILLA_THETA, toyChinchillaLaw } from './testing/toy-law';

/**
 * Correlated (GP) model discrepancy: δ(target) joins the target's posterior, runs near the target
 * inform it, far cheap runs do not; its amplitude comes from the residuals and is 0 for white ones.
 */
describe('GP model discrepancy in the targeted gain', () => {
  const law = toyChinchillaLaw();
  const dim = 5;
  const cov = new Float64Array(dim * dim);
  [0.04, 1, 1, 0.01, 0.01].forEach((v, i) => (cov[i * dim + i] = v * 1e-4));
  // A fit after many runs: the target's variance from θ (≈ 1e-5) is of the order of δ(target)'s s² below.
  const posterior: Posterior = { dim, sigma: 0.005, modes: [{ theta: CHINCHILLA_THETA, covariance: cov, weight: 1 }] };
  const target = { N: 7e10, D: 1.4e12 };
  const near = { N: 3e9, D: 6e10 };
  const far = { N: 1e7, D: 1e8 };
  const targets = [lossTarget(law, target)];
  const grid: Config[] = [];
  for (const n of [1e7, 3e7, 1e8, 3e8, 1e9]) for (const r of [5, 20, 80]) grid.push({ N: n, D: n * r });
  const observe = (extra: (c: Config) => number, seed: number): Observation[] => {
    const rng = new SeededRandom(seed);
    return grid.map((config) => ({ config, loss: Math.exp(law.logLoss(CHINCHILLA_THETA, config) + extra(config) + 0.005 * rng.normal()) }));
  };

  it('estimates s² = 0 from white residuals and s² > 0 from smoothly correlated ones', () => {
    const points = grid.map((c) => [Math.log10(c.N), Math.log10(c.D)]);
    let zeros = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const rng = new SeededRandom(seed);
      if (estimateAmplitude(grid.map(() => 0.005 * rng.normal()), points, 1).s2 === 0) zeros++;
    }
    expect(zeros).toBeGreaterThanOrEqual(8);
    const rng = new SeededRandom(3);
    const smooth = grid.map((c) => 0.02 * Math.sin(Math.log10(c.N)) + 0.005 * rng.normal());
    const fit = estimateAmplitude(smooth, points, 1);
    expect(fit.s2).toBeGreaterThan(1e-5);
  });

  it('with s² > 0 a run near the target gains more relative to a far cheap run than with s² = 0', () => {
    const plain = new GainModel(law, posterior, [near, far], targets).gains();
    const gp = augmentForDiscrepancy({ law, posterior, observations: [], configs: [near, far], targets, targetConfigs: [target] }, { lengthDecades: 1.5, amplitude: 1e-5 });
    expect(gp).toBeDefined();
    const withGp = new GainModel(gp!.law, gp!.posterior, [near, far], gp!.targets, 'targeted', { extraNoise: gp!.extraNoise }).gains();
    expect(withGp[0] / withGp[1]).toBeGreaterThan(1.3 * (plain[0] / plain[1]));
    // The target's variance now holds δ(target)'s prior s².
    const v0 = new GainModel(law, posterior, [near], targets).targetVariances()[0];
    const v1 = new GainModel(gp!.law, gp!.posterior, [near, far], gp!.targets).targetVariances()[0];
    expect(v1 - v0).toBeCloseTo(1e-5, 9);
  });

  it('a vanishing amplitude leaves every gain as it was (the fit’s Σ is kept)', () => {
    const obs = observe(() => 0, 5);
    const plain = new GainModel(law, posterior, [near, far], targets).gains();
    const gp = augmentForDiscrepancy({ law, posterior, observations: obs, configs: [near, far], targets, targetConfigs: [target] }, { lengthDecades: 1.5, amplitude: 1e-14 });
    const withGp = new GainModel(gp!.law, gp!.posterior, [near, far], gp!.targets, 'targeted', { extraNoise: gp!.extraNoise }).gains();
    expect(withGp[0]).toBeCloseTo(plain[0], 6);
    expect(withGp[1]).toBeCloseTo(plain[1], 6);
  });

  it('runs already done near the target shrink δ(target)’s variance; far ones barely do', () => {
    const args = (observations: Observation[]) => ({ law, posterior, observations, configs: [near], targets, targetConfigs: [target] });
    const variance = (observations: Observation[]) => {
      const gp = augmentForDiscrepancy(args(observations), { lengthDecades: 1.5, amplitude: 1e-5 })!;
      return new GainModel(gp.law, gp.posterior, [near], gp.targets).targetVariances()[0];
    };
    const none = variance([]);
    const nearRuns = variance(Array.from({ length: 4 }, () => ({ config: near, loss: 2 })));
    const farRuns = variance(Array.from({ length: 4 }, () => ({ config: far, loss: 2 })));
    expect(nearRuns).toBeLessThan(0.9 * none);
    expect(farRuns).toBeGreaterThan(0.99 * none);
  });

  it('estimated on white residuals, eig picks exactly what it picks without it; on correlated ones it differs', () => {
    const open: Candidate[] = grid.map((config, i) => ({ key: String(i), config, cost: 6 * config.N * config.D }));
    const context = (observations: Observation[]) => ({
      law,
      open,
      all: open,
      pending: [],
      remainingBudget: 1e19,
      totalBudget: 1e19,
      k: 4,
      rng: new SeededRandom(0),
      posterior,
      targets,
      targetConfigs: [target],
      observations,
    });
    const white = observe(() => 0, 11);
    const base = new EigDesign().select(context(white)).map((r) => r.config);
    const gpOptions = { ...DEFAULT_EIG_OPTIONS, gpDiscrepancy: { lengthDecades: 1, amplitude: 'estimated' as const } };
    expect(new EigDesign('targeted', undefined, gpOptions).select(context(white)).map((r) => r.config)).toEqual(base);
    const drift = observe((c) => 0.03 * Math.sin(Math.log10(c.N)), 11);
    const baseDrift = new EigDesign().select(context(drift)).map((r) => r.config);
    expect(new EigDesign('targeted', undefined, gpOptions).select(context(drift)).map((r) => r.config)).not.toEqual(baseDrift);
  });

  it('estimates nothing before a fit: with ≤ dim runs the residuals are against the prior’s centre', () => {
    const few = observe((c) => 0.3 * Math.sin(Math.log10(c.N)), 2).slice(0, dim);
    const input = { law, posterior, observations: few, configs: [near], targets, targetConfigs: [target] };
    expect(augmentForDiscrepancy(input, { lengthDecades: 1, amplitude: 'estimated' })).toBeUndefined();
    const more = observe((c) => 0.3 * Math.sin(Math.log10(c.N)), 2);
    expect(augmentForDiscrepancy({ ...input, observations: more }, { lengthDecades: 1, amplitude: 'estimated' })?.s2).toBeGreaterThan(0);
  });

  it('names the field and the fix for a bad option', () => {
    const input = { law, posterior, observations: [], configs: [near], targets, targetConfigs: [target] };
    expect(() => augmentForDiscrepancy(input, { lengthDecades: 0, amplitude: 'estimated' })).toThrow(/lengthDecades must be a finite number > 0/);
    expect(() => augmentForDiscrepancy(input, { lengthDecades: 1, amplitude: -1 })).toThrow(/amplitude must be 'estimated', 'extrapolation' or a finite number/);
  });
});
