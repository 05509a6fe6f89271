import { studentVarianceFactor } from './eig.design';
import { GainModel, lossTarget } from './information-gain';
import { conditionPosterior, type Posterior } from './posterior';
import { CHINCHILLA_THETA, toyChinchillaLaw } from './testing/toy-law';

/**
 * eig.predictiveNu: a Student-t predictive for a new run's log-loss, moment-matched as σ²·ν/(ν−2),
 * inflating the new run's noise in the gain while the posterior Σ is kept. A uniform scale of σ and Σ
 * together changes no gain; inflating the noise alone costs a low-leverage run (one the fit already
 * predicts well) more of its gain than a high-leverage run the fit extrapolates to.
 */
describe('Student-t predictive noise in the gain', () => {
  const law = toyChinchillaLaw();
  const dim = 5;
  const sigma = 0.005;
  const target = { N: 7e10, D: 1.4e12 };
  const targets = [lossTarget(law, target)];
  // A belief after runs up to 1e8 parameters: wide prior conditioned on a small-scale layout.
  const prior: Posterior = (() => {
    const cov = new Float64Array(dim * dim);
    [0.04, 1, 1, 0.01, 0.01].forEach((v, i) => (cov[i * dim + i] = v));
    const small = [1e7, 3e7, 1e8].flatMap((N) => [5, 20, 80].map((r) => ({ N, D: N * r })));
    return conditionPosterior(law, { dim, sigma, modes: [{ theta: CHINCHILLA_THETA, covariance: cov, weight: 1 }] }, small);
  })();
  // Inside the data (low leverage) and two decades beyond it (high leverage).
  const candidates = [{ N: 3e7, D: 6e8 }, { N: 3e9, D: 6e10 }];
  const leverage = (c: number) => {
    const j = new Float64Array(dim);
    law.logLossGrad(CHINCHILLA_THETA, candidates[c], j);
    let q = 0;
    for (let r = 0; r < dim; r++) for (let k = 0; k < dim; k++) q += j[r] * prior.modes[0].covariance[r * dim + k] * j[k];
    return q / (sigma * sigma);
  };

  it('maps ν to the t variance factor ν/(ν−2), 0 to off, and names the option when ν ≤ 2', () => {
    expect(studentVarianceFactor(0)).toBe(1);
    expect(studentVarianceFactor(4)).toBeCloseTo(2, 12);
    expect(studentVarianceFactor(3)).toBeCloseTo(3, 12);
    expect(() => studentVarianceFactor(2)).toThrow(/eig.predictiveNu/);
    expect(() => studentVarianceFactor(1.5)).toThrow(/ν > 2/);
    expect(() => new GainModel(law, prior, candidates, targets, 'targeted', { noiseScale: 0.5 })).toThrow(/noiseScale/);
  });

  it('leaves every gain unchanged when σ² and Σ are scaled together (the fit’s σ scale does not matter)', () => {
    const k2 = 3;
    const scaled: Posterior = { dim, sigma: sigma * Math.sqrt(k2), modes: [{ ...prior.modes[0], covariance: prior.modes[0].covariance.map((v) => v * k2) }] };
    const base = new GainModel(law, prior, candidates, targets).gains();
    const both = new GainModel(law, scaled, candidates, targets).gains();
    base.forEach((g, c) => expect(both[c]).toBeCloseTo(g, 10));
  });

  it('with Σ kept, shrinks a low-leverage run’s gain by about the full factor and a high-leverage run’s by less', () => {
    expect(leverage(0)).toBeLessThan(0.5);
    expect(leverage(1)).toBeGreaterThan(2);
    const base = new GainModel(law, prior, candidates, targets).gains();
    const t4 = new GainModel(law, prior, candidates, targets, 'targeted', { noiseScale: studentVarianceFactor(4) }).gains();
    const lowRatio = t4[0] / base[0];
    const highRatio = t4[1] / base[1];
    expect(lowRatio).toBeGreaterThan(0.45);
    expect(lowRatio).toBeLessThan(0.6);
    expect(highRatio).toBeGreaterThan(lowRatio + 0.1);
    expect(highRatio).toBeLessThan(1);
    const off = new GainModel(law, prior, candidates, targets, 'targeted', { noiseScale: studentVarianceFactor(0) }).gains();
    expect(Array.from(off)).toEqual(Array.from(base));
  });
});
