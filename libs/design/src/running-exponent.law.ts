import type { Config, Law, ParamSpec } from '@lawsweep/law';

// Math functions bound once (hot loop of the fitter).
const { exp, log, max } = Math;

/** Model size at which the data exponent equals β (the scale of the drift term). */
const N0 = 1e9;
const LOG_N0 = log(N0);

const THETA: readonly ParamSpec[] = [
  { name: 'e', lower: -5, upper: 3 },
  { name: 'a', lower: -10, upper: 60 },
  { name: 'b', lower: -10, upper: 60 },
  { name: 'alpha', lower: 0, upper: 3 },
  { name: 'beta', lower: 0, upper: 3 },
  { name: 'gamma', lower: -0.2, upper: 0.2 },
];

/**
 * Chinchilla with a running data exponent: L = E + A/N^α + B/D^(β + γ·ln(N/1e9)), fitted as
 * log L = LSE(e, a − α ln N, b − (β + γ ln(N/N0)) ln D), θ = [e, a, b, α, β, γ].
 *
 * Why this family: it is the rival that eig's model averaging weighs against the spec's chinchilla
 * (family-mixture.ts). It nests chinchilla (γ = 0) with one extra exponent, and its one extra
 * freedom is the departure most reported for real language models — the data exponent changing
 * with model size (Farseer, Li et al. 2025; also Epoch's and DeepMind's refits disagreeing on the
 * exponents) — so a fitted chinchilla that extrapolates well inside the space can still be wrong at
 * the target. A hand-written Law (not an expression law) because it is refitted at every proposal
 * and mathjs' evaluation is ~50× slower than this loop.
 */
export class RunningExponentLaw implements Law {
  readonly name = 'chinchilla-running-beta';
  readonly variables = ['N', 'D'] as const;
  readonly theta = THETA;
  readonly paramNames = ['E', 'A', 'B', 'alpha', 'beta', 'gamma'] as const;

  toParams(t: ArrayLike<number>): Record<string, number> {
    return { E: exp(t[0]), A: exp(t[1]), B: exp(t[2]), alpha: t[3], beta: t[4], gamma: t[5] };
  }

  toTheta(p: Record<string, number>): Float64Array {
    return Float64Array.from([log(p.E), log(p.A), log(p.B), p.alpha, p.beta, p.gamma ?? 0]);
  }

  logLoss(t: ArrayLike<number>, x: Config): number {
    return this.logLossGrad(t, x, null);
  }

  logLossGrad(t: ArrayLike<number>, x: Config, grad: Float64Array | null): number {
    const lnN = log(x.N);
    const lnD = log(x.D);
    const drift = lnN - LOG_N0;
    const u0 = t[0];
    const u1 = t[1] - t[3] * lnN;
    const u2 = t[2] - (t[4] + t[5] * drift) * lnD;
    const m = max(u0, u1, u2);
    const x0 = exp(u0 - m);
    const x1 = exp(u1 - m);
    const x2 = exp(u2 - m);
    const s = x0 + x1 + x2;
    if (grad) {
      grad[0] = x0 / s;
      grad[1] = x1 / s;
      grad[2] = x2 / s;
      grad[3] = (-x1 / s) * lnN;
      grad[4] = (-x2 / s) * lnD;
      grad[5] = (-x2 / s) * lnD * drift;
    }
    return m + log(s);
  }

  /** A chinchilla start with γ = 0 (the nested model), a few around where language-model losses live. */
  defaultStarts(): number[][] {
    const out: number[][] = [];
    for (const e of [-0.5, 0.5]) for (const ab of [5, 10, 20]) for (const ex of [0.3, 0.6]) out.push([e, ab, ab, ex, ex, 0]);
    return out;
  }

  fullStarts(): number[][] {
    return this.defaultStarts();
  }
}
