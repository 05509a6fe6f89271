import { cartesian } from '../linalg';
import type { LawKernel } from './law-kernel';
import { positiveVariable } from './law-kernel';

// Math functions bound once: under Jest's vm sandbox every global lookup of `Math` is ~30x slower.
const { exp, log, max } = Math;

/**
 * Farseer (Li et al. 2025, "Farseer: A Refined Scaling Law in Large Language Models"):
 *   L = exp(a3·N^g3 + b3) + exp(a2·N^g2 + b2) · D^(−exp(a1·N^g1 + b1)).
 * For conditioning, θ uses N scaled by N0 = 1e9: a_i·N^g_i = a'_i·(N/N0)^g_i with
 * a'_i = a_i·N0^g_i, so θ = [a1', b1, g1, a2', b2, g2, a3', b3, g3]; the natural parameters
 * reported are the paper's a_i (with raw N).
 */
const N0 = 1e9;
const LOG_N0 = log(N0);

export function farseerKernel(): LawKernel {
  return {
    name: 'farseer',
    variables: ['N', 'D'],
    theta: [
      { name: 'a1s', lower: -5, upper: 5 },
      { name: 'b1', lower: -6, upper: 2 },
      { name: 'g1', lower: -1, upper: 1 },
      { name: 'a2s', lower: -20, upper: 20 },
      { name: 'b2', lower: -20, upper: 30 },
      { name: 'g2', lower: -1, upper: 1 },
      { name: 'a3s', lower: -10, upper: 10 },
      { name: 'b3', lower: -10, upper: 5 },
      { name: 'g3', lower: -1, upper: 1 },
    ],
    paramNames: ['a1', 'b1', 'g1', 'a2', 'b2', 'g2', 'a3', 'b3', 'g3'],
    toParams: (t) => ({
      a1: t[0] * exp(-t[2] * LOG_N0), b1: t[1], g1: t[2],
      a2: t[3] * exp(-t[5] * LOG_N0), b2: t[4], g2: t[5],
      a3: t[6] * exp(-t[8] * LOG_N0), b3: t[7], g3: t[8],
    }),
    toTheta: (p) => [
      p.a1 * exp(p.g1 * LOG_N0), p.b1, p.g1,
      p.a2 * exp(p.g2 * LOG_N0), p.b2, p.g2,
      p.a3 * exp(p.g3 * LOG_N0), p.b3, p.g3,
    ],
    featureCount: 2,
    features(c, f, o) {
      f[o] = log(positiveVariable(c, 'N', 'farseer')) - LOG_N0;
      f[o + 1] = log(positiveVariable(c, 'D', 'farseer'));
    },
    evaluate(t, f, o, g, go) {
      const ln = f[o];
      const lnD = f[o + 1];
      const p1 = exp(t[2] * ln);
      const p2 = exp(t[5] * ln);
      const p3 = exp(t[8] * ln);
      const beta = exp(t[0] * p1 + t[1]);
      const u2 = t[3] * p2 + t[4] - beta * lnD;
      const u3 = t[6] * p3 + t[7];
      const m = max(u2, u3);
      const x2 = exp(u2 - m);
      const x3 = exp(u3 - m);
      const v = m + log(x2 + x3);
      if (g) {
        const w2 = x2 / (x2 + x3);
        const w3 = 1 - w2;
        const du1 = -w2 * lnD * beta;
        g[go] = du1 * p1;
        g[go + 1] = du1;
        g[go + 2] = du1 * t[0] * p1 * ln;
        g[go + 3] = w2 * p2;
        g[go + 4] = w2;
        g[go + 5] = w2 * t[3] * p2 * ln;
        g[go + 6] = w3 * p3;
        g[go + 7] = w3;
        g[go + 8] = w3 * t[6] * p3 * ln;
      }
      return v;
    },
    defaultStarts: () =>
      cartesian([[0], [-1.5, -1], [0], [0], [4, 8], [0], [0.2], [0, 0.5], [-0.3]]),
  };
}
