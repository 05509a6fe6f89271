import { cartesian, range } from '../linalg';
import type { LawKernel } from './law-kernel';
import { positiveVariable } from './law-kernel';

// Math functions bound once: under Jest's vm sandbox every global lookup of `Math` is ~30x slower.
const { exp, log, max } = Math;

/**
 * Chinchilla (Hoffmann et al. 2022): L = E + A/N^alpha + B/D^beta, fitted as approach 3 did in
 * the log-sum-exp form: log L = LSE(e, a − alpha·log N, b − beta·log D) with e = log E,
 * a = log A, b = log B. The θ order is [e, a, b, alpha, beta].
 */

/**
 * Chinchilla's initialisation grid, Hoffmann et al. 2022, Appendix D.2 (reused by Epoch AI's
 * replication, Besiroglu et al. 2024): alpha ∈ {0, 0.5, …, 2}, beta ∈ {0, 0.5, …, 2},
 * e ∈ {−1, −0.5, …, 1}, a ∈ {0, 5, …, 25}, b ∈ {0, 5, …, 25} → 5·5·5·6·6 = 4,500 points.
 * (An e axis running to 1.5 would give 5,400 points, not the paper's 4,500.)
 */
export function chinchillaGrid(): number[][] {
  return cartesian([range(-1, 1, 0.5), range(0, 25, 5), range(0, 25, 5), range(0, 2, 0.5), range(0, 2, 0.5)]);
}

/**
 * Default starts: a 72-point corner of the same grid around where language-model losses live
 * (E between e^-0.5 and e^1, exponents between 0.25 and 0.75), small enough for a sub-100 ms fit.
 */
export function chinchillaDefaultStarts(): number[][] {
  return cartesian([[-0.5, 0.5], [5, 10, 20], [5, 10, 20], [0.3, 0.6], [0.3, 0.6]]).slice();
}

/** log-sum-exp of three terms with softmax weights written into w (length 3). */
export function lse3(t0: number, t1: number, t2: number, w: Float64Array): number {
  const m = max(t0, t1, t2);
  const x0 = exp(t0 - m);
  const x1 = exp(t1 - m);
  const x2 = exp(t2 - m);
  const s = x0 + x1 + x2;
  w[0] = x0 / s;
  w[1] = x1 / s;
  w[2] = x2 / s;
  return m + log(s);
}

export function chinchillaKernel(): LawKernel {
  const w = new Float64Array(3);
  return {
    name: 'chinchilla',
    variables: ['N', 'D'],
    theta: [
      { name: 'e', lower: -5, upper: 3 },
      { name: 'a', lower: -10, upper: 60 },
      { name: 'b', lower: -10, upper: 60 },
      { name: 'alpha', lower: 0, upper: 3 },
      { name: 'beta', lower: 0, upper: 3 },
    ],
    paramNames: ['E', 'A', 'B', 'alpha', 'beta'],
    toParams: (t) => ({ E: exp(t[0]), A: exp(t[1]), B: exp(t[2]), alpha: t[3], beta: t[4] }),
    toTheta: (p) => [log(p.E), log(p.A), log(p.B), p.alpha, p.beta],
    featureCount: 2,
    features(c, f, o) {
      f[o] = log(positiveVariable(c, 'N', 'chinchilla'));
      f[o + 1] = log(positiveVariable(c, 'D', 'chinchilla'));
    },
    evaluate(t, f, o, g, go) {
      const lnN = f[o];
      const lnD = f[o + 1];
      const v = lse3(t[0], t[1] - t[3] * lnN, t[2] - t[4] * lnD, w);
      if (g) {
        g[go] = w[0];
        g[go + 1] = w[1];
        g[go + 2] = w[2];
        g[go + 3] = -w[1] * lnN;
        g[go + 4] = -w[2] * lnD;
      }
      return v;
    },
    evaluateBatch(t, f, n, logPred, jac) {
      // Within the θ bounds no term can overflow (a − alpha·log N ≤ 60 + 3·|log N|), so the sum
      // is formed directly: two exps and a log per point instead of the stable form's three exps.
      const e = exp(t[0]);
      const a = t[1];
      const b = t[2];
      const alpha = t[3];
      const beta = t[4];
      for (let i = 0; i < n; i++) {
        const lnN = f[2 * i];
        const lnD = f[2 * i + 1];
        const x1 = exp(a - alpha * lnN);
        const x2 = exp(b - beta * lnD);
        const s = e + x1 + x2;
        logPred[i] = log(s);
        if (jac) {
          const inv = 1 / s;
          const w1 = x1 * inv;
          const w2 = x2 * inv;
          const o = 5 * i;
          jac[o] = e * inv;
          jac[o + 1] = w1;
          jac[o + 2] = w2;
          jac[o + 3] = -w1 * lnN;
          jac[o + 4] = -w2 * lnD;
        }
      }
    },
    defaultStarts: chinchillaDefaultStarts,
    fullStarts: chinchillaGrid,
  };
}
