import { Matrix, inverse } from 'ml-matrix';
import { GainModel, lossTarget } from './information-gain';
import { biasDrift, driftTerms } from './bias-drift';
import type { Posterior } from './posterior';
import { CHINCHILLA_THETA, toyChinchillaLaw } from './testing/toy-law';

const law = toyChinchillaLaw();
const dim = 5;
const sigma = 0.01;
const target = { N: 7e10, D: 1.4e12 };
const done = [
  { N: 1e8, D: 2e9 },
  { N: 3e8, D: 6e9 },
];
const candidates = [
  { N: 1e9, D: 2e10 },
  { N: 3e7, D: 1e10 },
  { N: 5e9, D: 1e11 },
  { N: 1e8, D: 1e12 },
];

function posterior(): Posterior {
  const cov = new Float64Array(dim * dim);
  [0.04, 1, 1, 0.01, 0.01].forEach((v, i) => (cov[i * dim + i] = v));
  return { dim, sigma, modes: [{ theta: CHINCHILLA_THETA, covariance: cov, weight: 1 }] };
}

function row(config: Record<string, number>): number[] {
  const g = new Float64Array(dim);
  law.logLossGrad(CHINCHILLA_THETA, config, g);
  return Array.from(g);
}

function z(config: Record<string, number>, tau: number): number[] {
  const out = new Float64Array(2);
  driftTerms(law, CHINCHILLA_THETA, config, biasDrift(tau, ['N', 'D'], [target]), out);
  return Array.from(out);
}

describe('bias-aware gain (bias-drift)', () => {
  it('z_v is ½·(d log f/d ln v)·(ln v − c_v)², zero at the targets', () => {
    const x = { N: 1e8, D: 2e9 };
    const h = 1e-4;
    const slopeN = (law.logLoss(CHINCHILLA_THETA, { ...x, N: x.N * Math.exp(h) }) - law.logLoss(CHINCHILLA_THETA, { ...x, N: x.N * Math.exp(-h) })) / (2 * h);
    expect(z(x, 0.01)[0]).toBeCloseTo(0.5 * slopeN * Math.log(x.N / target.N) ** 2, 6);
    expect(slopeN).toBeLessThan(0);
    z(target, 0.01).forEach((v) => expect(v).toBeCloseTo(0, 12));
  });

  it('tracks the linearised bias gᵀΣh − z(t) exactly through done, pending and picked runs', () => {
    const tau = 0.02;
    const drift = biasDrift(tau, ['N', 'D'], [target], done);
    const model = new GainModel(law, posterior(), candidates, [lossTarget(law, target)], 'targeted', drift);
    // The gain of candidate 2 predicts the expected squared error after it; check against a batch computation.
    const before = model.targetVariances()[0] + model.targetBiasSquares()[0];
    const gain = model.gains()[2];
    model.condition(0);
    model.condition(2);
    const sigma0 = Matrix.from1DArray(dim, dim, Array.from(posterior().modes[0].covariance));
    const runs = [candidates[0], candidates[2]];
    const J = new Matrix(runs.map(row));
    const cov = inverse(inverse(sigma0).add(J.transpose().mmul(J).div(sigma * sigma)));
    const h = new Matrix(dim, 2);
    for (const x of [...done, ...runs]) {
      const j = row(x);
      const zx = z(x, tau);
      for (let r = 0; r < dim; r++) for (let k = 0; k < 2; k++) h.set(r, k, h.get(r, k) + (j[r] * zx[k]) / (sigma * sigma));
    }
    const g = new Matrix([row(target)]);
    const b = g.mmul(cov).mmul(h);
    const expected = tau * tau * (b.get(0, 0) ** 2 + b.get(0, 1) ** 2);
    expect(model.targetBiasSquares()[0]).toBeCloseTo(expected, 12);
    expect(expected).toBeGreaterThan(0);
    // And the single-run gain was ½ log of the MSE ratio for candidate 2 alone.
    const alone = new GainModel(law, posterior(), candidates, [lossTarget(law, target)], 'targeted', drift);
    alone.condition(2);
    const after = alone.targetVariances()[0] + alone.targetBiasSquares()[0];
    expect(gain).toBeCloseTo(0.5 * Math.log(before / after), 10);
  });

  it('τ → 0 gives the default gains; with a large τ some runs become a loss', () => {
    const plain = new GainModel(law, posterior(), candidates, [lossTarget(law, target)], 'targeted').gains();
    const tiny = new GainModel(law, posterior(), candidates, [lossTarget(law, target)], 'targeted', biasDrift(1e-9, ['N', 'D'], [target], done)).gains();
    tiny.forEach((v, i) => expect(v).toBeCloseTo(plain[i], 9));
    // A grid from 1e7 to 1e10 parameters, half of it pending.
    const grid: Array<Record<string, number>> = [];
    for (const N of [1e7, 1e8, 1e9, 1e10]) for (const r of [2, 20, 200]) grid.push({ N, D: N * r });
    const model = (drift?: ReturnType<typeof biasDrift>) => {
      const m = new GainModel(law, posterior(), grid, [lossTarget(law, target)], 'targeted', drift);
      for (let i = 0; i < grid.length; i += 2) m.condition(i); // half the grid pending
      return m.gains();
    };
    const base = model();
    const guarded = model(biasDrift(0.03, ['N', 'D'], [target]));
    expect(Math.min(...base)).toBeGreaterThanOrEqual(0);
    // Some runs now raise the expected squared error (they would pull the fit's slope the wrong way at the target)...
    expect(Math.min(...guarded)).toBeLessThan(-1e-3);
    // ...and the best runs are still the largest, N = 1e10.
    expect(guarded.indexOf(Math.max(...guarded))).toBeGreaterThanOrEqual(9);
  });
});
