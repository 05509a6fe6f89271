import type { Law } from './law.types';

/** A law as a spec names it: a built-in family name, or an expression law. */
export type LawSpec = string | ExpressionLawSpec;

export interface ExpressionLawSpec {
  /** e.g. "E + A / N^alpha + B / D^beta" */
  expression: string;
  /** Natural-parameter bounds, e.g. { E: [0.5, 5], A: [1, 1e5] }. */
  params: Record<string, [number, number]>;
  /** Parameters fitted in log space; default: bounds > 0 spanning more than 100x. */
  logParams?: string[];
}

/** A known truth: a law and its natural parameters (for simulation and recovery tests). */
export interface Truth {
  law: Law;
  params: Record<string, number>;
}

// Placeholder signatures: the libs/law implementation replaces these bodies.
export function getLaw(_spec: LawSpec): Law {
  throw new Error('libs/law: getLaw not implemented yet');
}

export function builtInLawNames(): string[] {
  return [];
}

/**
 * A truth as a simulate trainer names it: a built-in law name ('chinchilla' = Hoffmann et al.'s
 * published constants, 'epoch' = Epoch AI's refit, ...), or { law, params }.
 */
export function resolveTruth(_truth: string | { law: LawSpec; params: Record<string, number> }): Truth {
  throw new Error('libs/law: resolveTruth not implemented yet');
}
