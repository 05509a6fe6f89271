import { Matrix, inverse, determinant } from 'ml-matrix';
import { GainModel, lossTarget } from './information-gain';
import type { Posterior } from './posterior';
import { CHINCHILLA_THETA, toyChinchillaLaw } from './testing/toy-law';

const law = toyChinchillaLaw();
const dim = 5;
const sigma = 0.01;

function posterior(): Posterior {
  const cov = new Float64Array(dim * dim);
  [0.04, 1, 1, 0.01, 0.01].forEach((v, i) => (cov[i * dim + i] = v));
  return { dim, sigma, modes: [{ theta: CHINCHILLA_THETA, covariance: cov, weight: 1 }] };
}

const runs = [
  { N: 1e8, D: 2e9 },
  { N: 1e9, D: 2e10 },
  { N: 3e7, D: 1e10 },
];
const target = { N: 7e10, D: 1.4e12 };

function jacobian(configs: Array<Record<string, number>>): Matrix {
  return new Matrix(
    configs.map((c) => {
      const g = new Float64Array(dim);
      law.logLossGrad(CHINCHILLA_THETA, c, g);
      return Array.from(g);
    }),
  );
}

describe('information gain (linearised Gaussian)', () => {
  it('rank-one updates reproduce the batch posterior and ½ log det(I + JΣJᵀ/σ²)', () => {
    const model = new GainModel(law, posterior(), runs, [], 'parameters');
    let sequential = 0;
    runs.forEach((_, i) => {
      sequential += model.gains()[i];
      model.condition(i);
    });
    const sigma0 = Matrix.from1DArray(dim, dim, Array.from(posterior().modes[0].covariance));
    const J = jacobian(runs);
    const batchCov = inverse(inverse(sigma0).add(J.transpose().mmul(J).div(sigma * sigma)));
    const updated = model.covariance();
    for (let i = 0; i < dim * dim; i++) expect(updated[i]).toBeCloseTo(batchCov.get(Math.floor(i / dim), i % dim), 8);
    const batchGain = 0.5 * Math.log(determinant(Matrix.eye(runs.length).add(J.mmul(sigma0).mmul(J.transpose()).div(sigma * sigma))));
    expect(sequential).toBeCloseTo(batchGain, 8);
  });

  it('a pending run lowers the gain of a near-duplicate more than of a distant run', () => {
    const candidates = [{ N: 1e9, D: 2e10 }, { N: 1.05e9, D: 2.1e10 }, { N: 3e7, D: 1e9 }];
    const model = new GainModel(law, posterior(), candidates, [lossTarget(law, target)]);
    const before = model.gains();
    model.condition(0);
    const after = model.gains();
    expect(after[1]).toBeLessThan(0.5 * before[1]);
    expect(after[1] / before[1]).toBeLessThan(after[2] / before[2]);
  });

  it('targeted gain prefers runs informative about the target; it depends on where the target is', () => {
    const candidates = [{ N: 1e7, D: 1e8 }, { N: 1e9, D: 2e10 }];
    const far = new GainModel(law, posterior(), candidates, [lossTarget(law, target)]).gains();
    expect(far[1]).toBeGreaterThan(far[0]);
    const near = new GainModel(law, posterior(), candidates, [lossTarget(law, { N: 1e7, D: 1e8 })]).gains();
    expect(near[0]).toBeGreaterThan(near[1]);
  });

  it('counts disagreement between modes: a run where the modes differ gains more than one where they agree', () => {
    const cov = new Float64Array(dim * dim);
    for (let i = 0; i < dim; i++) cov[i * dim + i] = 1e-8;
    // Two modes that agree at small N but differ in alpha (so at large N and at the target).
    const other = Float64Array.from(CHINCHILLA_THETA);
    other[3] += 0.05;
    other[1] += 0.05 * Math.log(1e7);
    const mixture: Posterior = { dim, sigma, modes: [{ theta: CHINCHILLA_THETA, covariance: cov, weight: 0.5 }, { theta: other, covariance: cov, weight: 0.5 }] };
    const gains = new GainModel(law, mixture, [{ N: 1e7, D: 1e10 }, { N: 3e9, D: 1e10 }], [lossTarget(law, target)]).gains();
    expect(gains[1]).toBeGreaterThan(10 * gains[0]);
  });
});
