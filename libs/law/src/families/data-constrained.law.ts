import { cartesian } from '../linalg';
import { lse3 } from './chinchilla.law';
import type { LawKernel } from './law-kernel';
import { positiveVariable } from './law-kernel';

// Math functions bound once: under Jest's vm sandbox every global lookup of `Math` is ~30x slower.
const { exp, log, min } = Math;

/**
 * Data-constrained scaling (Muennighoff et al. 2023, "Scaling Data-Constrained Language Models",
 * eq. 5): L = E + A/N'^alpha + B/D'^beta with effective data and parameters
 *   D' = U_D + U_D·R_D*·(1 − exp(−R_D/R_D*)),  U_D = min(U, D), R_D = D/U_D − 1 (repeated epochs),
 *   N' = U_N + U_N·R_N*·(1 − exp(−R_N/R_N*)),  U_N = min(N, U_D/20),  R_N = N/U_N − 1.
 * Variables N, D and U (unique tokens). Simplification, said plainly: the paper takes U_N as the
 * compute-optimal size for U_D tokens from its fitted Chinchilla law; we use Chinchilla's
 * 20-tokens-per-parameter rule, which keeps U_N independent of θ (so the features precompute).
 * θ = [e, a, b, alpha, beta, rn = log R_N*, rd = log R_D*].
 */
const TOKENS_PER_PARAM = 20;

/** Effective count X' = U(1 + R*(1 − e^(−R/R*))) and d log X'/d log R*. */
function effective(u: number, r: number, logRStar: number, out: Float64Array): number {
  if (r <= 0) {
    out[0] = 0;
    return u;
  }
  const rs = exp(logRStar);
  const x = r / rs;
  const ex = exp(-x);
  const value = u * (1 + rs * (1 - ex));
  out[0] = (u * rs * (1 - ex * (1 + x))) / value;
  return value;
}

export function dataConstrainedKernel(): LawKernel {
  const w = new Float64Array(3);
  const dn = new Float64Array(1);
  const dd = new Float64Array(1);
  return {
    name: 'data-constrained',
    variables: ['N', 'D', 'U'],
    theta: [
      { name: 'e', lower: -5, upper: 3 },
      { name: 'a', lower: -10, upper: 60 },
      { name: 'b', lower: -10, upper: 60 },
      { name: 'alpha', lower: 0, upper: 3 },
      { name: 'beta', lower: 0, upper: 3 },
      { name: 'rn', lower: log(0.1), upper: log(1000) },
      { name: 'rd', lower: log(0.1), upper: log(1000) },
    ],
    paramNames: ['E', 'A', 'B', 'alpha', 'beta', 'RN', 'RD'],
    toParams: (t) => ({
      E: exp(t[0]), A: exp(t[1]), B: exp(t[2]), alpha: t[3], beta: t[4], RN: exp(t[5]), RD: exp(t[6]),
    }),
    toTheta: (p) => [log(p.E), log(p.A), log(p.B), p.alpha, p.beta, log(p.RN), log(p.RD)],
    featureCount: 4,
    features(c, f, o) {
      const n = positiveVariable(c, 'N', 'data-constrained');
      const d = positiveVariable(c, 'D', 'data-constrained');
      const u = positiveVariable(c, 'U', 'data-constrained');
      const ud = min(u, d);
      const un = min(n, ud / TOKENS_PER_PARAM);
      f[o] = ud;
      f[o + 1] = d / ud - 1;
      f[o + 2] = un;
      f[o + 3] = n / un - 1;
    },
    evaluate(t, f, o, g, go) {
      const lnD = log(effective(f[o], f[o + 1], t[6], dd));
      const lnN = log(effective(f[o + 2], f[o + 3], t[5], dn));
      const v = lse3(t[0], t[1] - t[3] * lnN, t[2] - t[4] * lnD, w);
      if (g) {
        g[go] = w[0];
        g[go + 1] = w[1];
        g[go + 2] = w[2];
        g[go + 3] = -w[1] * lnN;
        g[go + 4] = -w[2] * lnD;
        g[go + 5] = -w[1] * t[3] * dn[0];
        g[go + 6] = -w[2] * t[4] * dd[0];
      }
      return v;
    },
    defaultStarts: () => cartesian([[-0.5, 0.5], [5, 10], [5, 10], [0.3, 0.6], [0.3, 0.6], [log(5)], [log(3), log(15)]]),
  };
}
