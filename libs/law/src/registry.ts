import type { Law } from './law.types';
import { ExpressionLaw } from './expression.law';
import { BuiltInLaw } from './families/built-in.law';
import { chinchillaKernel } from './families/chinchilla.law';
import { chinchillaTiedKernel } from './families/chinchilla-tied.law';
import { dataConstrainedKernel } from './families/data-constrained.law';
import { farseerKernel } from './families/farseer.law';
import { kaplanKernel } from './families/kaplan.law';
import type { LawKernel } from './families/law-kernel';

/** A law as a spec names it: a built-in family name, or an expression law. */
export type LawSpec = string | ExpressionLawSpec;

export interface ExpressionLawSpec {
  /** e.g. "E + A / N^alpha + B / D^beta" */
  expression: string;
  /** Natural-parameter bounds, e.g. { E: [0.5, 5], A: [1, 1e5] }. */
  params: Record<string, [number, number]>;
  /** Parameters fitted in log space; default: bounds > 0 spanning more than 100x. */
  logParams?: string[];
  /**
   * Variables the expression may use (any other symbol that is not a parameter is an error). When
   * absent, those passed to getLaw (a spec's variables), else N, D, U, C.
   */
  variables?: readonly string[];
}

/** A known truth: a law and its natural parameters (for simulation and recovery tests). */
export interface Truth {
  law: Law;
  params: Record<string, number>;
}

const FAMILIES: Record<string, () => LawKernel> = {
  chinchilla: chinchillaKernel,
  kaplan: kaplanKernel,
  'chinchilla-tied': chinchillaTiedKernel,
  'data-constrained': dataConstrainedKernel,
  farseer: farseerKernel,
};

// Laws are immutable after construction, so one instance per spec is shared (expression laws
// are parsed and differentiated once).
const cache = new Map<string, Law>();

/**
 * The law a spec names. `variables`: the variables an expression law may use, i.e. the sweep
 * spec's `variables` (or a CSV's columns); without them an expression may use N, D, U and C.
 * Built-in families have fixed variables and ignore it.
 */
export function getLaw(spec: LawSpec, variables?: readonly string[]): Law {
  const isExpression = typeof spec === 'object' && spec !== null;
  const allowed = isExpression ? (spec.variables ?? variables) : undefined;
  const key = typeof spec === 'string' ? spec : JSON.stringify([spec, allowed ?? null]);
  const hit = cache.get(key);
  if (hit) return hit;
  let law: Law;
  if (typeof spec === 'string') {
    const family = FAMILIES[spec];
    if (!family) throw new Error(`unknown law "${spec}"${didYouMean(spec, builtInLawNames())}: use one of ${builtInLawNames().join(', ')}, or an expression law { expression, params }`);
    law = new BuiltInLaw(family());
  } else if (spec && typeof spec === 'object' && typeof spec.expression === 'string') {
    law = new ExpressionLaw(allowed ? { ...spec, variables: allowed } : spec);
  } else {
    throw new Error('law must be a built-in name or { expression: "...", params: { NAME: [lower, upper] } }');
  }
  cache.set(key, law);
  return law;
}

export function builtInLawNames(): string[] {
  return Object.keys(FAMILIES);
}

/** Levenshtein distance (case-insensitive): how many single-character edits turn a into b. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[t.length];
}

/**
 * The known name nearest a mistyped one (a typo, not another word: at most 2 edits, or a third of
 * the name's length for long names); undefined when none is that close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d <= limit && (!best || d < best.d)) best = { name: k, d };
  }
  return best?.name;
}

function didYouMean(name: string, known: readonly string[]): string {
  const near = closestName(name, known);
  return near ? ` (did you mean "${near}"?)` : '';
}

/**
 * Named truths for simulation. Where each comes from:
 * - chinchilla: Hoffmann et al. 2022, eq. 10 (the paper's rounded constants).
 * - epoch: Besiroglu et al. 2024 (Epoch AI, "Chinchilla Scaling: A replication attempt"), Table 1.
 * - tied: a Gadre-style tied-exponent law; Gadre et al. 2024 fit other data, so the constants are
 *   Epoch's E, A, B with alpha = beta = 0.357 (the mean of Epoch's two exponents).
 * - kaplan: Kaplan et al. 2020, eq. 1.5 (Nc = 8.8e13, Dc = 5.4e13, alphaN = 0.076, alphaD = 0.095).
 * - data-constrained: Muennighoff et al. 2023, eq. 5 fitted values (E 1.87, A 521, B 1488,
 *   alpha = beta = 0.353, R_N* = 5.309, R_D* = 15.387).
 * - farseer: hand-set constants (not the paper's, which are for its own corpus) chosen so that
 *   the curves track Hoffmann's chinchilla law within a few percent over 1e17–1e23 FLOPs
 *   (checked in farseer-truth.spec.ts), with a data exponent that falls slowly with N as Farseer allows.
 */
const TRUTHS: Record<string, { law: string; params: Record<string, number> }> = {
  chinchilla: { law: 'chinchilla', params: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 } },
  epoch: { law: 'chinchilla', params: { E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658 } },
  tied: { law: 'chinchilla-tied', params: { E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.357 } },
  kaplan: { law: 'kaplan', params: { Nc: 8.8e13, Dc: 5.4e13, alphaN: 0.076, alphaD: 0.095 } },
  'data-constrained': {
    law: 'data-constrained',
    params: { E: 1.87, A: 521, B: 1488, alpha: 0.353, beta: 0.353, RN: 5.309, RD: 15.387 },
  },
  farseer: {
    law: 'farseer',
    params: farseerTruthParams(),
  },
};

/** The farseer truth in the paper's raw-N parameterisation (a_i = a'_i · 1e9^(−g_i)). */
function farseerTruthParams(): Record<string, number> {
  const scaled = { a1: 0.05, b1: Math.log(0.28), g1: -0.2, a2: 0.2, b2: 6.15, g2: -0.2, a3: 0.185, b3: 0.53, g3: -0.3 };
  const rescale = (a: number, g: number) => a * Math.pow(1e9, -g);
  return { ...scaled, a1: rescale(scaled.a1, scaled.g1), a2: rescale(scaled.a2, scaled.g2), a3: rescale(scaled.a3, scaled.g3) };
}

export function truthNames(): string[] {
  return Object.keys(TRUTHS);
}

/**
 * A truth as a simulate trainer names it: a built-in law name ('chinchilla' = Hoffmann et al.'s
 * published constants, 'epoch' = Epoch AI's refit, ...), or { law, params }. `variables`: those an
 * expression law in `law` may use (the spec's variables), as for getLaw.
 */
export function resolveTruth(truth: string | { law: LawSpec; params: Record<string, number> }, variables?: readonly string[]): Truth {
  if (typeof truth === 'string') {
    const named = TRUTHS[truth];
    if (!named) throw new Error(`unknown truth "${truth}"${didYouMean(truth, truthNames())}: use one of ${truthNames().join(', ')}, or { law, params }`);
    return { law: getLaw(named.law), params: { ...named.params } };
  }
  if (!truth || typeof truth !== 'object' || truth.law === undefined || !truth.params) {
    throw new Error('truth must be a name or { law, params }');
  }
  const law = getLaw(truth.law, variables);
  law.toTheta(truth.params); // throws naming a missing parameter
  return { law, params: { ...truth.params } };
}
