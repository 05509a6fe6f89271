import type { Law } from '@lawsweep/law';

/**
 * A small Chinchilla-form law for unit tests of the design engine (L = e^e + e^(a − α ln N) + e^(b − β ln D)),
 * so these tests do not depend on libs/law's fitter. Not exported from the library.
 */
export function toyChinchillaLaw(): Law {
  const theta = [
    { name: 'e', lower: -2, upper: 2 },
    { name: 'a', lower: 0, upper: 30 },
    { name: 'b', lower: 0, upper: 30 },
    { name: 'alpha', lower: 0.05, upper: 1.5 },
    { name: 'beta', lower: 0.05, upper: 1.5 },
  ];
  const logLossGrad = (t: ArrayLike<number>, x: Record<string, number>, grad: Float64Array): number => {
    const ln = Math.log(x.N);
    const ld = Math.log(x.D);
    const e = Math.exp(t[0]);
    const a = Math.exp(t[1] - t[3] * ln);
    const b = Math.exp(t[2] - t[4] * ld);
    const l = e + a + b;
    grad[0] = e / l;
    grad[1] = a / l;
    grad[2] = b / l;
    grad[3] = (-ln * a) / l;
    grad[4] = (-ld * b) / l;
    return Math.log(l);
  };
  return {
    name: 'toy-chinchilla',
    variables: ['N', 'D'],
    theta,
    paramNames: ['E', 'A', 'B', 'alpha', 'beta'],
    toParams: (t) => ({ E: Math.exp(t[0]), A: Math.exp(t[1]), B: Math.exp(t[2]), alpha: t[3], beta: t[4] }),
    toTheta: (p) => Float64Array.from([Math.log(p.E), Math.log(p.A), Math.log(p.B), p.alpha, p.beta]),
    logLoss: (t, x) => logLossGrad(t, x, new Float64Array(5)),
    logLossGrad,
    defaultStarts: () => [
      [0, 5, 5, 0.2, 0.2],
      [0.5, 7, 8, 0.35, 0.35],
      [1, 10, 10, 0.5, 0.5],
    ],
    fullStarts() {
      return this.defaultStarts();
    },
  };
}

/** Chinchilla's published constants in the toy law's θ. */
export const CHINCHILLA_THETA = Float64Array.from([Math.log(1.69), Math.log(406.4), Math.log(410.7), 0.34, 0.28]);
